// SPDX-License-Identifier: GPL-2.0
/*
 * counters.c - names for a node's counters, for netlink dumps and the
 * simulator's reports.  The counting itself happens where the events are
 * (node.c for ops and datagrams, client.c and session.c for the rest).
 */
#include "counters.h"

static const char *const dl_cause_names[DL_CAUSE_COUNT] = {
	[DL_CAUSE_OTHER] = "other",
	[DL_CAUSE_ACQUIRE] = "acquire",
	[DL_CAUSE_RELEASE] = "release",
	[DL_CAUSE_ELECTION] = "election",
	[DL_CAUSE_SESSION] = "session",
};

const char *dl_cause_name(unsigned int cause)
{
	if (cause >= DL_CAUSE_COUNT)
		return "unknown";
	return dl_cause_names[cause];
}

#define DL_CTR_SCALAR(field) { #field, offsetof(struct dl_counters, field) }

static const struct {
	const char *name;
	size_t offset;
} dl_ctr_scalars[] = {
	DL_CTR_SCALAR(tx_datagrams),
	DL_CTR_SCALAR(rx_datagrams),
	DL_CTR_SCALAR(rx_batches),
	DL_CTR_SCALAR(tx_bytes),
	DL_CTR_SCALAR(rx_bytes),
	DL_CTR_SCALAR(tx_errors),
	DL_CTR_SCALAR(acquires),
	DL_CTR_SCALAR(acquire_fails),
	DL_CTR_SCALAR(releases),
	DL_CTR_SCALAR(elections),
	DL_CTR_SCALAR(leader_changes),
	DL_CTR_SCALAR(retries),
	DL_CTR_SCALAR(timeouts),
	DL_CTR_SCALAR(dup_requests),
	DL_CTR_SCALAR(leases_lost),
	DL_CTR_SCALAR(nodes_expired),
	DL_CTR_SCALAR(revoked),
	DL_CTR_SCALAR(cache_grants),
	DL_CTR_SCALAR(cache_drops),
	DL_CTR_SCALAR(cache_blocked),
	DL_CTR_SCALAR(apply_stalls),
	DL_CTR_SCALAR(follower_commits),
	DL_CTR_SCALAR(events_spared),
};

int dl_counters_foreach(const struct dl_counters *c,
			int (*fn)(void *arg, const char *group,
				  const char *name, u64 value),
			void *arg)
{
	unsigned int i;
	int err;

	for (i = 0; i < DL_ARRAY_SIZE(dl_ctr_scalars); i++) {
		const u64 *v = (const u64 *)((const char *)c +
					     dl_ctr_scalars[i].offset);

		err = fn(arg, "", dl_ctr_scalars[i].name, *v);
		if (err)
			return err;
	}
	for (i = 0; i < DL_OP_TYPE_COUNT; i++) {
		if (c->tx_ops[i]) {
			err = fn(arg, "tx_ops", dl_wire_op_name(i),
				 c->tx_ops[i]);
			if (err)
				return err;
		}
		if (c->rx_ops[i]) {
			err = fn(arg, "rx_ops", dl_wire_op_name(i),
				 c->rx_ops[i]);
			if (err)
				return err;
		}
	}
	for (i = 0; i < DL_DROP_REASONS; i++) {
		if (!c->drops[i])
			continue;
		err = fn(arg, "drops", dl_wire_drop_name(i), c->drops[i]);
		if (err)
			return err;
	}
	for (i = 0; i < DL_CAUSE_COUNT; i++) {
		if (!c->cause_ops[i])
			continue;
		err = fn(arg, "cause_ops", dl_cause_name(i), c->cause_ops[i]);
		if (err)
			return err;
	}
	return 0;
}
