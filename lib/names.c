// SPDX-License-Identifier: LGPL-2.1-or-later
/* names.c - the words shown for values of the kernel ABI's enums. */
#include <errno.h>
#include <stddef.h>
#include <strings.h>

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

static const char *const dlock_mode_names[DLOCK_MODE_COUNT] = {
	[DLOCK_MODE_NL] = "NL",
	[DLOCK_MODE_CR] = "CR",
	[DLOCK_MODE_CW] = "CW",
	[DLOCK_MODE_PR] = "PR",
	[DLOCK_MODE_PW] = "PW",
	[DLOCK_MODE_EX] = "EX",
};

const char *dlock_mode_name(uint32_t mode)
{
	if (mode >= DLOCK_MODE_COUNT)
		return "??";
	return dlock_mode_names[mode];
}

int dlock_mode_parse(const char *name)
{
	int mode;

	if (!name)
		return -EINVAL;
	for (mode = 0; mode < DLOCK_MODE_COUNT; mode++)
		if (!strcasecmp(name, dlock_mode_names[mode]))
			return mode;
	return -EINVAL;
}

const char *dlock_event_name(uint32_t type)
{
	switch (type) {
	case DLOCK_EVENT_LEADER_CHANGE:
		return "leader-change";
	case DLOCK_EVENT_MEMBERSHIP:
		return "membership";
	case DLOCK_EVENT_LEASE_LOST:
		return "lease-lost";
	case DLOCK_EVENT_LOCK_REVOKED:
		return "lock-revoked";
	default:
		return "unknown";
	}
}
