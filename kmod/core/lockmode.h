/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lockmode.h - the six DLM lock modes and their compatibility matrix, as the
 * portable core sees them.  The numbering and the request flags are those of
 * uapi/linux/dlock.h (enum dlock_mode, DLOCK_LKF_*), which the core may not
 * include because it pulls in <linux/types.h>; the glue asserts they match.
 */
#ifndef DLOCK_CORE_LOCKMODE_H
#define DLOCK_CORE_LOCKMODE_H

#include "env.h"

enum dl_mode {
	DL_MODE_NL = 0,		/* null: holds a place, blocks nobody */
	DL_MODE_CR = 1,		/* concurrent read */
	DL_MODE_CW = 2,		/* concurrent write */
	DL_MODE_PR = 3,		/* protected read (shared) */
	DL_MODE_PW = 4,		/* protected write (update) */
	DL_MODE_EX = 5,		/* exclusive */
	DL_MODE_COUNT,
	DL_MODE_NONE = 0xff,	/* "no mode": a lock not granted yet */
};

/* Request flags, same bits as DLOCK_LKF_NOQUEUE/CONVERT/VALBLK. */
#define DL_LKF_NOQUEUE	0x1U	/* fail with -EAGAIN rather than wait */
#define DL_LKF_CONVERT	0x2U	/* convert the lock named by lock_id */
#define DL_LKF_VALBLK	0x4U	/* read/write the value block */
#define DL_LKF_ALL	(DL_LKF_NOQUEUE | DL_LKF_CONVERT | DL_LKF_VALBLK)

/**
 * dl_mode_valid() - is @mode one of the six lock modes?
 * @mode: value to check, e.g. straight from a decoded command.
 */
static inline bool dl_mode_valid(u32 mode)
{
	return mode < DL_MODE_COUNT;
}

/**
 * dl_mode_compat() - may locks in modes @a and @b be granted together?
 * @a: a valid mode.
 * @b: a valid mode.
 *
 * The DLM matrix; symmetric.  Returns false for an invalid mode, so a caller
 * that forgot to validate errs on the side of not granting.
 */
bool dl_mode_compat(u32 a, u32 b);

/**
 * dl_mode_mask_compat() - is @mode compatible with every mode in @mask?
 * @mode: a valid mode.
 * @mask: bit (1 << m) set for every granted mode m to check against.
 */
bool dl_mode_mask_compat(u32 mode, u32 mask);

/**
 * dl_mode_is_down() - is converting from @from to @to a down-conversion?
 * @from: the granted mode.
 * @to: the requested mode.
 *
 * A down-conversion is one whose new mode is compatible with everything the
 * old one was compatible with, so it can be granted at once whatever else is
 * held.  Modes are not totally ordered: PR <-> CW is neither up nor down and
 * is treated as an up-conversion (it must wait for compatibility).
 */
bool dl_mode_is_down(u32 from, u32 to);

/**
 * dl_mode_writes_lvb() - does a holder of @mode write the value block?
 * @mode: a valid mode.
 *
 * Only PW and EX holders write the value block (on unlock or down-convert).
 */
static inline bool dl_mode_writes_lvb(u32 mode)
{
	return mode == DL_MODE_PW || mode == DL_MODE_EX;
}

/**
 * dl_mode_name() - two-letter name of @mode for logs and dumps ("??" if bad).
 * @mode: any value.
 */
const char *dl_mode_name(u32 mode);

#endif /* DLOCK_CORE_LOCKMODE_H */
