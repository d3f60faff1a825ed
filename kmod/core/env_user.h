/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env_user.h - the userspace side of the core's seam (see env.h): types and
 * libc helpers for the simulator and the unit tests.  liburcu provides the
 * RCU API; the simulator implements the functions env.h declares.
 */
#ifndef DLOCK_CORE_ENV_USER_H
#define DLOCK_CORE_ENV_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <urcu.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define __dl_rcu			/* sparse annotation: nothing here */
#define dl_rcu_read_lock()		rcu_read_lock()
#define dl_rcu_read_unlock()		rcu_read_unlock()
#define dl_rcu_dereference(p)		rcu_dereference(p)
#define dl_rcu_assign_pointer(p, v)	rcu_assign_pointer(p, v)
#define dl_synchronize_rcu()		synchronize_rcu()

#endif /* DLOCK_CORE_ENV_USER_H */
