// SPDX-License-Identifier: GPL-2.0
/*
 * snaplag.c - dlock-sim --scenario snapshot-lag: the snapshot flood of
 * FINDINGS.md (finding 7) as a pass/fail run on the real node layer.
 *
 * A fault-free cell of --nodes voters; one follower is cut off while the
 * others take SNAPLAG_LOCKS (default 20,000; DLOCK_SIM_SNAPLAG_LOCKS) EX
 * locks on distinct resources, so the leader compacts its log past the
 * follower.  Then the cut heals and the follower must catch up by
 * InstallSnapshot.  raft_tap.c counts the SNAPSHOT messages sent to each
 * node and the size of the snapshot; the run fails unless the follower
 * applied the leader's whole log within SNAPLAG_WAIT and was sent at most
 * 10% more chunks than the snapshot has (each chunk about once).  Before
 * the fix the leader resent chunk windows endlessly (millions in flight).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "sim.h"
#include "bench.h"
#include "raft.h"

#define SNAPLAG_LOCKS		20000
#define SNAPLAG_PER_OWNER	1000
#define SNAPLAG_BATCH		4	/* few per entry: the log passes 4,096 */
#define SNAPLAG_WAIT		(60 * NS_PER_SEC)

static u64 answers_wanted;

static void snaplag_hook(struct sim *s, struct dl_env *e,
			 const struct dl_lock_event *ev)
{
	(void)e;
	if (ev->type == DL_LEV_GRANTED)
		s->hook_granted++;
	else if (ev->type == DL_LEV_FAILED)
		s->hook_failed++;
}

static bool ready(struct sim *s)
{
	return s->ls_ready;
}

static bool answered(struct sim *s)
{
	return s->hook_granted + s->hook_failed >= answers_wanted;
}

static struct dl_env *lag_env;

static bool caught_up(struct sim *s)
{
	struct dl_node_status lag, lead;
	u32 l = sim_leader_idx(s);

	if (!l || !lag_env->up)
		return false;
	dl_node_get_status(s->envs[l - 1].node, &lead);
	dl_node_get_status(lag_env->node, &lag);
	return lag.applied_index && lag.applied_index == lead.commit_index &&
	       lag.state != DL_STATE_CATCHING_UP;
}

/* Locks on distinct resources through @e, in batches, all answered. */
static int take_locks(struct sim *s, struct dl_env *e, u64 nlocks)
{
	u64 issued = 0;

	while (issued < nlocks && !s->failed) {
		u64 stop = DL_MIN(issued + SNAPLAG_BATCH, nlocks);

		for (; issued < stop; issued++) {
			struct dl_lock_args a = { 0 };
			char name[32];
			u64 req, lock, t0;
			int err;

			snprintf(name, sizeof(name), "lag%" PRIu64, issued);
			a.owner = 1 + issued / SNAPLAG_PER_OWNER;
			a.lockspace = (const u8 *)"sim";
			a.ls_len = 3;
			a.resource = (const u8 *)name;
			a.res_len = strlen(name);
			a.mode = 5;
			sim_enter(e, &t0);
			err = dl_node_lock(e->node, &a, &req, &lock);
			sim_leave(e, t0);
			if (err)
				return err;
		}
		answers_wanted = issued;
		s->stop = answered;
		sim_loop(s);
		s->stop = NULL;
	}
	return s->failed || s->hook_failed ? -EIO : 0;
}

static bool snaplag_run(const struct sim_cfg *base, u64 nlocks)
{
	struct sim_cfg cfg = *base;
	struct dl_env *taker;
	struct dl_node_status lead, lag;
	u64 chunks, sent, bytes, t0;
	struct sim *s;
	bool ok = false;
	u32 l, i;
	int err;

	cfg.faults = 0;
	cfg.members = 0;
	cfg.clients = 0;
	cfg.duration_ns = 3600 * NS_PER_SEC;
	s = sim_new(&cfg, cfg.seed);
	if (!s)
		return false;
	s->lock_hook = snaplag_hook;
	s->stop = ready;
	sim_boot(s);
	sim_loop(s);
	l = sim_leader_idx(s);
	if (!s->ls_ready || !l) {
		printf("not ok 1 snapshot-lag: no lockspace or leader\n");
		goto out;
	}
	/* no fault schedule: its heal windows would undo our cut */
	heap_remove(&s->q, &s->nemesis.hi);
	/* cut off a follower; take the locks through the leader */
	lag_env = &s->envs[l % cfg.nodes];
	taker = &s->envs[l - 1];
	lag_env->side = 1;
	s->partitioned = true;
	sim_logf(s, "snapshot-lag: node %u cut off", lag_env->id);
	s->end = s->now + 7200 * NS_PER_SEC;
	err = take_locks(s, taker, nlocks);
	if (err) {
		printf("not ok 1 snapshot-lag: locks not all granted (%d, %"
		       PRIu64 " granted): %s\n", err, s->hook_granted,
		       s->failed ? s->fail_msg : "");
		goto out;
	}
	/* silent for long enough that the leader stops keeping its log */
	s->end = s->now + 2 * NS_PER_SEC;
	sim_loop(s);
	for (i = 0; i < SIM_MAX_VOTERS; i++) {
		s->snap_chunks_to[i] = 0;
		s->snap_bytes_to[i] = 0;
	}
	dl_node_get_status(taker->node, &lead);
	dl_node_get_status(lag_env->node, &lag);
	sim_logf(s, "snapshot-lag: healed (leader commit %" PRIu64
		 ", cut-off node %" PRIu64 ")", lead.commit_index,
		 lag.applied_index);
	net_heal(s);
	s->stop = caught_up;
	s->end = s->now + SNAPLAG_WAIT;
	t0 = s->now;
	sim_loop(s);
	s->stop = NULL;
	sent = s->snap_chunks_to[lag_env->id - 1];
	bytes = s->snap_bytes_to[lag_env->id - 1];
	chunks = (bytes + DL_RAFT_MAX_SNAPSHOT_CHUNK - 1) /
		 DL_RAFT_MAX_SNAPSHOT_CHUNK;
	printf("# snapshot-lag: %" PRIu64 " locks; node %u sent %" PRIu64
	       " InstallSnapshot chunks for a %" PRIu64 "-byte snapshot (%"
	       PRIu64 " chunks), caught up %s after %.2f s virtual\n", nlocks,
	       lag_env->id, sent, bytes, chunks,
	       caught_up(s) ? "yes" : "NO", (double)(s->now - t0) / NS_PER_SEC);
	ok = !s->failed && caught_up(s) && chunks && sent >= chunks &&
	     sent <= chunks + chunks / 10 + 4;
	printf("%s 1 snapshot-lag: %" PRIu64 " chunks sent for %" PRIu64
	       "%s\n", ok ? "ok" : "not ok", sent, chunks,
	       s->failed ? s->fail_msg : "");
	if (!ok)
		sim_log_dump(s, stdout, 30);
out:
	sim_teardown(s);
	sim_delete(s);
	return ok;
}

int sim_snapshot_lag(const struct sim_cfg *cfg)
{
	const char *env = getenv("DLOCK_SIM_SNAPLAG_LOCKS");
	u64 nlocks = env ? strtoull(env, NULL, 0) : SNAPLAG_LOCKS;
	bool ok;

	if (!nlocks || cfg->nodes < 3) {
		printf("# snapshot-lag: needs at least one lock and 3 voters\n");
		return -EINVAL;
	}
	ok = snaplag_run(cfg, nlocks);
	printf("%u passed, %u failed\n", ok ? 1 : 0, ok ? 0 : 1);
	return ok ? 0 : -EIO;
}
