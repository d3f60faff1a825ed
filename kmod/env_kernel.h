/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env_kernel.h - the kernel side of the core's seam (see core/env.h): the
 * types, string helpers, errno values and RCU the portable core may use,
 * taken from the kernel itself.  core/env_user.h is the userspace twin; the
 * two must offer the same names.
 */
#ifndef DLOCK_ENV_KERNEL_H
#define DLOCK_ENV_KERNEL_H

#include <linux/errno.h>
#include <linux/rcupdate.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

/*
 * Marks a pointer the core publishes with dl_rcu_assign_pointer() and reads
 * with dl_rcu_dereference(), so that sparse checks every access to it.
 */
#define __dl_rcu			__rcu

#define dl_rcu_read_lock()		rcu_read_lock()
#define dl_rcu_read_unlock()		rcu_read_unlock()
#define dl_rcu_dereference(p)		rcu_dereference(p)
#define dl_rcu_assign_pointer(p, v)	rcu_assign_pointer(p, v)
#define dl_synchronize_rcu()		synchronize_rcu()

#endif /* DLOCK_ENV_KERNEL_H */
