/* SPDX-License-Identifier: GPL-2.0 */
/*
 * objtypes.h - every typed object of the core (env.h, DL_OBJTYPE), listed
 * in one place so that the kernel host creates all their caches when the
 * module loads.  Created on first use instead, a cache whose creation
 * failed (memory) left its type without one: every later allocation of
 * the type failed, and 6.1's SLUB leaked the failed cache's sysfs name, so
 * creating it again failed with -EINVAL for as long as the module stayed.
 */
#ifndef DLOCK_CORE_OBJTYPES_H
#define DLOCK_CORE_OBJTYPES_H

#include "env.h"

#define DL_LT_RES_CLASSES	4

extern struct dl_objtype dl_lt_res_types[DL_LT_RES_CLASSES];
extern struct dl_objtype dl_lt_lock_type;
extern struct dl_objtype dl_local_lock_type;

/* All of the above, for the host (kmod/env.c). */
extern struct dl_objtype *const dl_objtypes[];
extern const unsigned int dl_nobjtypes;

#endif /* DLOCK_CORE_OBJTYPES_H */
