// SPDX-License-Identifier: GPL-2.0
/*
 * lt_dump.c - when a run fails, write a voter's replicated lock table into
 * the log ring, so a stuck or wrong grant can be read next to the history.
 * This is the one place the simulator looks inside struct dl_node
 * (node_priv.h): a diagnosis aid only, no check depends on it.
 */
#include <inttypes.h>

#include "sim.h"
#include "node_priv.h"

static int dump_lock(void *ctx, const struct dl_lt_lock_info *lk)
{
	struct sim *s = ctx;
	u32 idx = (u32)(lk->owner.id & 0xffff);
	const char *note = "";

	/* owners are (generation << 16 | client + 1): see workload.c */
	if (idx && idx <= s->cfg->clients &&
	    s->clients[idx - 1].gen != (u32)(lk->owner.id >> 16))
		note = " [owner released or its node crashed]";
	sim_logf(s, "  lt: %.*s lock %" PRIu64 " owner n%u/%" PRIu64 "/%" PRIx64
		 " mode %u req %u%s token %" PRIu64 "%s", lk->res_len,
		 (const char *)lk->res, lk->lock_id, lk->owner.node,
		 lk->owner.incarnation, lk->owner.id, lk->mode, lk->req_mode,
		 lk->waiting ? " waiting" : "", lk->token, note);
	return 0;
}

void sim_dump_lock_table(struct sim *s, struct dl_env *e)
{
	u32 ls;

	if (!e->node || !e->node->lt)
		return;
	sim_logf(s, "lock table of node %u:", e->id);
	for (ls = 1; ls <= 4; ls++)
		dl_lt_walk_locks(e->node->lt, ls, 0, dump_lock, s);
}
