/* SPDX-License-Identifier: GPL-2.0 */
/*
 * version.h - the module's release, shown by modinfo.  The ABI has its own
 * number (DLOCK_ABI_VERSION in the uapi header); this one names the code.
 */
#ifndef DLOCK_VERSION_H
#define DLOCK_VERSION_H

#define DLOCK_MODULE_VERSION "0.1.0"

#endif /* DLOCK_VERSION_H */
