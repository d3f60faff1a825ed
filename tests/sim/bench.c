// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - dlock-sim --bench.
 *
 * CPU: a fault-free run of the normal workload with the core's entry points
 * timed (receive, timer, lock, unlock, ...); the time spent inside the core,
 * summed over every node, divided by the lock operations completed.  The
 * simulator's own work (queueing, the checker) is outside the brackets.
 *
 * Instructions: with a hardware counter (insn.c), the user-space
 * instructions inside the same brackets, which unlike nanoseconds do not
 * move with the host's load; "unavailable" where the counter cannot open.
 *
 * Lock table: one replica's state machine alone (locktable.h), BENCH_LOCKS
 * EX locks on distinct resources applied straight to it: the allocator's
 * live bytes per held lock (what every voter pays for an idle held lock),
 * then per idle resource after every lock is unlocked, and the CPU cost of
 * applying one LOCK or UNLOCK command.
 *
 * Memory: a fault-free cell, one owner per 1,000 locks on node 1, taking
 * BENCH_LOCKS EX locks on distinct resources; the allocator's live bytes
 * after every lock is granted minus before, divided by the locks.  Every
 * voter holds a replica of the lock table, so the per-voter share is printed
 * too.  Then the owners are released and the live bytes after is printed,
 * which shows whether the table gives memory back.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "sim.h"
#include "bench.h"
#include "locktable.h"

#define BENCH_LOCKS		100000	/* default; DLOCK_SIM_BENCH_LOCKS */
#define BENCH_PER_OWNER		1000
#define BENCH_BATCH		500
/* idle time after each batch, so followers keep up (see FINDINGS 7) */
#define BENCH_PAUSE_NS		(200 * NS_PER_MS)
#define BENCH_SETTLE_NS		(2 * NS_PER_SEC)

static void bench_hook(struct sim *s, struct dl_env *e,
		       const struct dl_lock_event *ev)
{
	(void)e;
	if (ev->type == DL_LEV_GRANTED)
		s->hook_granted++;
	else if (ev->type == DL_LEV_FAILED)
		s->hook_failed++;
}

static bool stop_when_ready(struct sim *s)
{
	return s->ls_ready;
}

static u64 want_answers;

static bool stop_when_answered(struct sim *s)
{
	return s->hook_granted + s->hook_failed >= want_answers;
}

static int bench_cpu(const struct sim_cfg *base)
{
	struct sim_cfg cfg = *base;
	struct sim *s;
	u64 ops;

	cfg.faults = 0;
	cfg.members = 0;
	cfg.ops = 200;
	/* long enough for every client to finish its operations */
	cfg.duration_ns = 120 * NS_PER_SEC;
	s = sim_new(&cfg, cfg.seed);
	if (!s)
		return -ENOMEM;
	s->timing = true;
	sim_boot(s);
	sim_loop(s);
	ops = s->n.granted + s->n.failed + s->n.unlocked;
	if (sim_insn_available() && ops)
		printf("# bench cpu: %.0f instructions per lock op (user space,"
		       " inside the core)\n", (double)s->core_insn / ops);
	else
		printf("# bench cpu: instruction counter unavailable"
		       " (perf_event_open refused), nanoseconds only\n");
	printf("# bench cpu: %u voters, %u clients x %u ops: %" PRIu64
	       " lock ops (%" PRIu64 " grants, %" PRIu64 " fails, %" PRIu64
	       " unlocks), core time %.3f ms, %.0f ns per lock op, %.0f ns"
	       " per datagram received\n", cfg.nodes, cfg.clients, cfg.ops,
	       ops, s->n.granted, s->n.failed, s->n.unlocked,
	       (double)s->core_ns / NS_PER_MS,
	       ops ? (double)s->core_ns / ops : 0,
	       s->n.delivered ? (double)s->core_ns / s->n.delivered : 0);
	if (s->failed)
		printf("# bench cpu run failed: %s\n", s->fail_msg);
	sim_teardown(s);
	sim_delete(s);
	return 0;
}

static int bench_memory(const struct sim_cfg *base)
{
	const char *env = getenv("DLOCK_SIM_BENCH_LOCKS");
	u64 nlocks = env ? strtoull(env, NULL, 0) : BENCH_LOCKS;
	struct sim_cfg cfg = *base;
	u64 b0, b1, b2, issued = 0;
	u64 w0 = sim_clock_ns();
	struct dl_env *e;
	struct sim *s;
	int ret = 0;

	cfg.faults = 0;
	cfg.members = 0;
	cfg.clients = 0;
	cfg.duration_ns = 3600 * NS_PER_SEC;
	s = sim_new(&cfg, cfg.seed);
	if (!s)
		return -ENOMEM;
	s->lock_hook = bench_hook;
	s->stop = stop_when_ready;
	sim_boot(s);
	sim_loop(s);
	if (!s->ls_ready) {
		printf("# bench memory: lockspace never ready\n");
		ret = -EIO;
		goto out;
	}
	s->end = s->now + 7200 * NS_PER_SEC;
	e = &s->envs[0];
	b0 = sim_alloc_live_bytes();
	while (issued < nlocks && !s->failed) {
		u64 stop = DL_MIN(issued + BENCH_BATCH, nlocks);

		for (; issued < stop; issued++) {
			struct dl_lock_args a = { 0 };
			char name[24];
			u64 req, lock;
			u64 t0;
			int err;

			snprintf(name, sizeof(name), "bench%" PRIu64, issued);
			a.owner = 1 + issued / BENCH_PER_OWNER;
			a.lockspace = (const u8 *)"sim";
			a.ls_len = 3;
			a.resource = (const u8 *)name;
			a.res_len = strlen(name);
			a.mode = 5;
			sim_enter(e, &t0);
			err = dl_node_lock(e->node, &a, &req, &lock);
			sim_leave(e, t0);
			if (err) {
				printf("# bench memory: lock %" PRIu64
				       " refused: %d\n", issued, err);
				ret = err;
				goto out;
			}
		}
		want_answers = issued;
		s->stop = stop_when_answered;
		sim_loop(s);
		s->stop = NULL;
		s->end = s->now + BENCH_PAUSE_NS;
		sim_loop(s);
		s->end = s->now + 7200 * NS_PER_SEC;
	}
	b1 = sim_alloc_live_bytes();
	printf("# bench memory: %" PRIu64 " EX locks held (%" PRIu64
	       " granted, %" PRIu64 " failed) on %u voters: %.0f bytes per"
	       " held lock in the cell, %.0f per voter replica (%.1f s wall,"
	       " %.1f s virtual, %" PRIu64 " datagrams, peak queue %" PRIu64
	       ")\n", issued, s->hook_granted, s->hook_failed, cfg.nodes,
	       (double)(b1 - b0) / issued,
	       (double)(b1 - b0) / issued / cfg.nodes,
	       (double)(sim_clock_ns() - w0) / NS_PER_SEC,
	       (double)s->now / NS_PER_SEC, s->n.sent, s->peak_queue);
	if (s->failed) {
		printf("# bench memory run failed: %s\n", s->fail_msg);
		sim_log_dump(s, stdout, 20);
	}
	for (u64 o = 1; o <= (nlocks + BENCH_PER_OWNER - 1) / BENCH_PER_OWNER;
	     o++) {
		u64 t0;

		sim_enter(e, &t0);
		dl_node_release_owner(e->node, o);
		sim_leave(e, t0);
	}
	s->stop = NULL;
	s->end = s->now + BENCH_SETTLE_NS;
	sim_loop(s);
	b2 = sim_alloc_live_bytes();
	printf("# bench memory: after releasing every owner %" PRIu64
	       " bytes live (%" PRIu64 " before the locks)\n", b2, b0);
out:
	sim_teardown(s);
	sim_delete(s);
	return ret;
}

static u64 *table_lock_ids;

static void table_out(void *ctx, const struct dl_lt_out *out)
{
	u64 *failed = ctx;

	if (out->type == DL_LT_OUT_GRANTED)
		table_lock_ids[out->req_id - 1] = out->lock_id;
	else if (out->type == DL_LT_OUT_FAILED)
		(*failed)++;
}

/* Applies @cmd, counting nanoseconds and instructions into @ns, @insn. */
static int table_apply(struct dl_lt *lt, const struct dl_lt_cmd *cmd,
		       u64 *failed, u64 *ns, u64 *insn)
{
	u64 t0 = sim_clock_ns(), i0 = sim_insn_read();
	int err = dl_lt_apply(lt, cmd, table_out, failed);

	*insn += sim_insn_read() - i0;
	*ns += sim_clock_ns() - t0;
	return err;
}

static int bench_table(u64 nlocks)
{
	struct dl_lt_cmd cmd;
	u64 b0, b1, b2, failed = 0, lk_ns = 0, lk_insn = 0, ul_ns = 0;
	u64 ul_insn = 0, i;
	struct dl_lt *lt;
	u32 ls;
	int err = 0;

	table_lock_ids = calloc(nlocks, sizeof(*table_lock_ids));
	if (!table_lock_ids)
		return -ENOMEM;
	b0 = sim_alloc_live_bytes();
	lt = dl_lt_create();
	if (!lt) {
		free(table_lock_ids);
		return -ENOMEM;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = DL_LT_CMD_LS_CREATE;
	cmd.owner = (struct dl_lt_owner){ .node = 1, .incarnation = 1,
					  .id = 1 };
	cmd.req_id = nlocks + 1;
	cmd.lvb_len = 32;
	cmd.name_len = 3;
	memcpy(cmd.name, "sim", 3);
	err = dl_lt_apply(lt, &cmd, NULL, NULL);
	ls = dl_lt_ls_find(lt, (const u8 *)"sim", 3, NULL);
	if (err || !ls) {
		printf("# bench table: lockspace not created: %d\n", err);
		err = err ? err : -EIO;
		goto out;
	}
	b1 = sim_alloc_live_bytes();
	for (i = 0; i < nlocks && !err; i++) {
		char name[32];

		memset(&cmd, 0, sizeof(cmd));
		cmd.type = DL_LT_CMD_LOCK;
		cmd.owner = (struct dl_lt_owner){ .node = 1, .incarnation = 1,
				.id = 1 + i / BENCH_PER_OWNER };
		cmd.req_id = i + 1;
		/*
		 * Every earlier request is answered (applied on the spot), as
		 * the owner's node would say: the dedup memory stays small.
		 */
		cmd.floor = cmd.req_id;
		cmd.ls_id = ls;
		cmd.mode = 5;
		/* the names of dlock-bench's memory run in the VM */
		snprintf(name, sizeof(name), "m%" PRIu64, i);
		cmd.name_len = (u8)strlen(name);
		memcpy(cmd.name, name, cmd.name_len);
		err = table_apply(lt, &cmd, &failed, &lk_ns, &lk_insn);
	}
	b2 = sim_alloc_live_bytes();
	printf("# bench table: %" PRIu64 " EX locks held in one replica's"
	       " lock table: %.0f bytes per held lock (%" PRIu64 " failed);"
	       " LOCK applied in %.0f ns", nlocks, (double)(b2 - b1) / nlocks,
	       failed, (double)lk_ns / nlocks);
	if (sim_insn_available())
		printf(", %.0f instructions", (double)lk_insn / nlocks);
	printf("\n");
	for (i = 0; i < nlocks && !err; i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = DL_LT_CMD_UNLOCK;
		cmd.owner = (struct dl_lt_owner){ .node = 1, .incarnation = 1,
				.id = 1 + i / BENCH_PER_OWNER };
		cmd.req_id = nlocks + 2 + i;
		cmd.floor = cmd.req_id;
		cmd.lock_id = table_lock_ids[i];
		err = table_apply(lt, &cmd, &failed, &ul_ns, &ul_insn);
	}
	/*
	 * Unlocked resources are freed with their last lock and the hash
	 * arrays shrink as they empty; what stays is the owners' records.
	 */
	printf("# bench table: after unlocking all: %.1f bytes per idle"
	       " resource (%" PRIu64 " bytes left above the empty"
	       " lockspace); UNLOCK applied in %.0f ns",
	       (double)(sim_alloc_live_bytes() - b1) / nlocks,
	       sim_alloc_live_bytes() - b1, (double)ul_ns / nlocks);
	if (sim_insn_available())
		printf(", %.0f instructions", (double)ul_insn / nlocks);
	printf("\n");
out:
	dl_lt_destroy(lt);
	free(table_lock_ids);
	if (sim_alloc_live_bytes() != b0)
		printf("# bench table: %" PRIu64 " bytes not freed\n",
		       sim_alloc_live_bytes() - b0);
	return err;
}

int sim_bench(const struct sim_cfg *cfg)
{
	const char *env = getenv("DLOCK_SIM_BENCH_LOCKS");
	u64 nlocks = env ? strtoull(env, NULL, 0) : BENCH_LOCKS;
	int ret;

	if (!nlocks) {
		printf("# bench: DLOCK_SIM_BENCH_LOCKS must be at least 1\n");
		return -EINVAL;
	}
	sim_insn_open();
	ret = bench_cpu(cfg);
	if (!ret)
		ret = bench_table(nlocks);
	if (!ret)
		ret = bench_memory(cfg);
	sim_insn_close();
	return ret;
}
