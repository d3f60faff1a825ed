// SPDX-License-Identifier: GPL-2.0
/*
 * lockmode.c - the DLM lock-mode compatibility matrix.
 *
 * Kept as one bitmask per mode (bit m set = compatible with mode m) so that
 * the lock table can test a request against every granted mode of a resource
 * with one AND instead of walking the holders.
 */
#include "lockmode.h"

#define M(m) (1U << DL_MODE_##m)

/* Row m: the modes that may be held together with m.  Symmetric. */
static const u8 dl_mode_compat_mask[DL_MODE_COUNT] = {
	[DL_MODE_NL] = M(NL) | M(CR) | M(CW) | M(PR) | M(PW) | M(EX),
	[DL_MODE_CR] = M(NL) | M(CR) | M(CW) | M(PR) | M(PW),
	[DL_MODE_CW] = M(NL) | M(CR) | M(CW),
	[DL_MODE_PR] = M(NL) | M(CR) | M(PR),
	[DL_MODE_PW] = M(NL) | M(CR),
	[DL_MODE_EX] = M(NL),
};

#undef M

static const char *const dl_mode_names[DL_MODE_COUNT] = {
	"NL", "CR", "CW", "PR", "PW", "EX",
};

bool dl_mode_compat(u32 a, u32 b)
{
	if (!dl_mode_valid(a) || !dl_mode_valid(b))
		return false;
	return dl_mode_compat_mask[a] & (1U << b);
}

bool dl_mode_mask_compat(u32 mode, u32 mask)
{
	if (!dl_mode_valid(mode))
		return false;
	return (mask & ~(u32)dl_mode_compat_mask[mode]) == 0;
}

bool dl_mode_is_down(u32 from, u32 to)
{
	u32 old_ok, new_ok;

	if (!dl_mode_valid(from) || !dl_mode_valid(to))
		return false;
	old_ok = dl_mode_compat_mask[from];
	new_ok = dl_mode_compat_mask[to];
	return (old_ok & ~new_ok) == 0;
}

const char *dl_mode_name(u32 mode)
{
	return dl_mode_valid(mode) ? dl_mode_names[mode] : "??";
}
