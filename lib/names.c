// SPDX-License-Identifier: LGPL-2.1-or-later
/* names.c - the words shown for values of the kernel ABI's enums. */
#include <stddef.h>

#include "dlock.h"

static const char *const dlock_state_names[DLOCK_STATE_COUNT] = {
	[DLOCK_STATE_UNCONFIGURED] = "unconfigured",
	[DLOCK_STATE_FOLLOWER] = "follower",
	[DLOCK_STATE_CANDIDATE] = "candidate",
	[DLOCK_STATE_LEADER] = "leader",
	[DLOCK_STATE_MEMBER] = "member",
	[DLOCK_STATE_CATCHING_UP] = "catching-up",
};

const char *dlock_state_name(uint32_t state)
{
	if (state >= DLOCK_STATE_COUNT || !dlock_state_names[state])
		return "unknown";
	return dlock_state_names[state];
}
