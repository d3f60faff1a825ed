// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - one seeded run: boot the cell, create the lockspace, let clients
 * and the nemesis loose, heal, give the cell the grace bound to answer
 * everything, then check liveness, tear every node down and check that the
 * core gave back every byte it allocated.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "sim.h"
#include "locktable.h"
#include "wire.h"

/* Setup must finish within this, or the run fails. */
#define RUN_SETUP_END		(40 * NS_PER_SEC)
/* After the workload went quiet, watch a little longer for stray events. */
#define RUN_QUIET_TAIL		NS_PER_SEC
/* Events in flight before we call it a runaway (about 1 GB of datagrams). */
#define SIM_MAX_QUEUE		2000000
/* Steps at one virtual instant before we call it a livelock. */
#define RUN_SAME_TIME_LIMIT	2000000

#include <time.h>

u64 sim_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* With timing on, the instruction count at entry (one call deep only). */
static u64 insn_at_enter;

void sim_enter(struct dl_env *e, u64 *t0)
{
	e->in_call = true;
	*t0 = e->sim->timing ? sim_clock_ns() : 0;
	if (e->sim->timing)
		insn_at_enter = sim_insn_read();
}

void sim_leave(struct dl_env *e, u64 t0)
{
	if (e->sim->timing) {
		e->sim->core_insn += sim_insn_read() - insn_at_enter;
		e->sim->core_ns += sim_clock_ns() - t0;
	}
	e->in_call = false;
}

static void on_lock_event(void *host, const struct dl_lock_event *ev)
{
	struct dl_env *e = host;

	if (e->sim->lock_hook && ev->type != DL_LEV_DONE)
		e->sim->lock_hook(e->sim, e, ev);
	else
		work_lock_event(e, ev);
}

static const struct dl_node_ops sim_node_ops = {
	.lock_event = on_lock_event,
};

static void run_timer(struct sim *s, struct dl_env *e)
{
	u64 t0;
	trace_mix(s, 0x7177e5ULL ^ ((u64)e->idx << 32));
	if (!e->up)
		return;
	if (s->cfg->layer == LAYER_RAFT) {
		raft_layer_timer(s, e);
		return;
	}
	sim_enter(e, &t0);
	sim_fail_alloc_arm(s);
	dl_node_timer(e->node);
	sim_fail_alloc_disarm();
	sim_leave(e, t0);
	sim_node_observe(s, e);
}

static void dispatch(struct sim *s, struct sim_ev *ev)
{
	switch (ev->kind) {
	case EV_TIMER:
		run_timer(s, &s->envs[ev->idx]);
		break;
	case EV_DELIVER:
		if (net_deliver(s, ev))
			return;	/* in the node's receive queue */
		break;
	case EV_RX_DRAIN:
		net_rx_drain(s, &s->envs[ev->idx]);
		break;
	case EV_CLIENT:
		if (s->cfg->layer == LAYER_RAFT)
			raft_layer_client(s, &s->clients[ev->idx]);
		else
			work_step(s, &s->clients[ev->idx]);
		break;
	case EV_NEMESIS:
		nemesis_step(s);
		break;
	case EV_RESTART:
		nemesis_restart(s, ev);
		break;
	case EV_CRASH:
		nemesis_crash(s, ev);
		break;
	case EV_SETUP:
		if (s->cfg->layer == LAYER_RAFT)
			raft_layer_setup(s);
		else
			setup_step(s);
		break;
	}
	if (!ev->embedded)
		free(ev);
}

/* What fills the queue: ops of the datagrams in flight, by type. */
static void dump_queue(struct sim *s)
{
	u64 ops[DL_OP_TYPE_COUNT] = { 0 }, other = 0;
	u32 i;

	for (i = 0; i < s->q.n; i++) {
		struct sim_ev *ev = (struct sim_ev *)s->q.v[i];
		struct dl_wire_reader rd;
		struct dl_wire_hdr hdr;
		struct dl_wire_op op;

		if (ev->kind != EV_DELIVER ||
		    dl_wire_open(ev->data, ev->len, s->base_cfg.cell_id,
				 s->envs[ev->idx].id, &hdr, &rd)) {
			other++;
			continue;
		}
		while (dl_wire_next(&rd, &op))
			ops[op.type]++;
	}
	sim_logf(s, "queue: %" PRIu64 " events that are not datagrams", other);
	for (i = 0; i < DL_OP_TYPE_COUNT; i++)
		if (ops[i] > s->q.n / 100)
			sim_logf(s, "queue: %" PRIu64 " %s ops in flight", ops[i],
				 dl_wire_op_name(i));
}

void sim_loop(struct sim *s)
{
	struct heap_item *it;
	bool tail = false;

	while (!s->failed && (it = heap_top(&s->q)) && it->time <= s->end) {
		heap_pop(&s->q);
		if (it->time == s->last_step_time) {
			if (++s->same_time_steps > RUN_SAME_TIME_LIMIT) {
				sim_fail(s, "livelock: %u steps at one instant",
					 RUN_SAME_TIME_LIMIT);
				break;
			}
		} else {
			s->same_time_steps = 0;
			s->last_step_time = it->time;
		}
		s->now = it->time;
		s->n.events++;
		if (s->q.n > s->peak_queue) {
			s->peak_queue = s->q.n;
			/* a runaway core must not take the machine down */
			if (s->peak_queue > SIM_MAX_QUEUE) {
				sim_fail(s, "more than %u events queued",
					 SIM_MAX_QUEUE);
				dump_queue(s);
				break;
			}
		}
		dispatch(s, (struct sim_ev *)it);
		if (s->stop && s->stop(s))
			break;
		if (!tail && s->healed &&
		    (s->cfg->layer == LAYER_RAFT ? raft_layer_quiet(s) :
		     work_quiet(s))) {
			tail = true;
			s->end = DL_MIN(s->end, s->now + RUN_QUIET_TAIL);
		}
	}
	if (!s->failed && !s->stop && s->now < s->end)
		s->now = s->end;
}

static const char *const client_state_names[] = {
	"idle", "waiting", "holding", "unlocking", "down", "done",
};

/* Every node's view, into the log ring: printed with a failure. */
static void dump_nodes(struct sim *s)
{
	u32 i;

	for (i = 0; i < s->n_envs && i < 16; i++) {
		struct dl_env *e = &s->envs[i];
		struct dl_node_status st;

		if (!e->node) {
			sim_logf(s, "status: node %u down", e->id);
			continue;
		}
		dl_node_get_status(e->node, &st);
		sim_logf(s, "status: node %u state %u term %" PRIu64 " leader %u"
			 " commit %" PRIu64 " applied %" PRIu64 " lease %d"
			 " pending %u locks %u", e->id, st.state, st.term,
			 st.leader_id, st.commit_index, st.applied_index,
			 st.lease_valid, st.pending_requests, st.local_locks);
	}
}

static int digest_sink(void *ctx, const void *buf, size_t len)
{
	const u8 *p = buf;
	u64 *h = ctx;
	size_t i;

	for (i = 0; i < len; i++)
		*h = (*h ^ p[i]) * 0x100000001b3ULL;
	return 0;
}

/*
 * The replicated state machine's own agreement: every up voter that has
 * applied as far as the furthest one holds a lock table whose snapshot is
 * byte for byte the same (digested).  The log check (raft_tap.c) sees the
 * entries only; a replica that applied one differently (issue 7: an
 * allocation that failed on it alone) is caught here.
 */
static void check_replicas(struct sim *s)
{
	u64 max_applied = 0, ref = 0, h;
	struct dl_node_status st;
	u32 i, ref_id = 0;

	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_env *e = &s->envs[i];

		if (!e->up || !e->node)
			continue;
		dl_node_get_status(e->node, &st);
		max_applied = DL_MAX(max_applied, st.applied_index);
	}
	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_env *e = &s->envs[i];

		if (!e->up || !e->node)
			continue;
		dl_node_get_status(e->node, &st);
		if (st.applied_index != max_applied)
			continue;
		h = 0xcbf29ce484222325ULL;
		if (dl_lt_snapshot_save(dl_node_lt(e->node), digest_sink,
					&h)) {
			sim_fail(s, "node %u: lock table snapshot failed",
				 e->id);
			return;
		}
		s->n.replicas_compared++;
		if (!ref_id) {
			ref_id = e->id;
			ref = h;
		} else if (h != ref) {
			sim_fail(s, "replicas diverged: node %u's lock table"
				 " differs from node %u's at applied index %"
				 PRIu64, e->id, ref_id, max_applied);
			return;
		}
	}
}

static void check_liveness(struct sim *s)
{
	struct chk_stats st;
	const char *msg;
	u32 i;

	if (s->cfg->layer == LAYER_RAFT) {
		raft_layer_check(s);
		return;
	}
	if (!s->ls_ready) {
		sim_fail(s, "lockspace never created");
		return;
	}
	if (chk_finish(s->chk, s->now) != CHK_OK) {
		chk_first(s->chk, &msg);
		sim_fail(s, "%s", msg);
		return;
	}
	for (i = 0; i < s->cfg->clients; i++) {
		struct client *c = &s->clients[i];

		if (c->state == CL_DONE || c->state == CL_DOWN)
			continue;
		sim_fail(s, "client %u on node %u still %s %.1f s after the"
			 " final heal", i, s->envs[c->node].id,
			 client_state_names[c->state],
			 (double)(s->now - s->fault_end) / NS_PER_SEC);
		return;
	}
	chk_get_stats(s->chk, &st);
	if (s->cfg->election == DL_ELECT_RAFT && !st.max_index) {
		/* the log check would pass vacuously: say so instead */
		sim_fail(s, "no applied Raft entry observed: raft_tap not"
			 " wired (link with --wrap=dl_raft_create)");
		return;
	}
	if (s->cfg->scenario == SC_LEADER_CRASH && s->n.revoked)
		sim_fail(s, "%" PRIu64 " held locks revoked in a leader-crash"
			 " scenario (a majority stayed up)", s->n.revoked);
	if (!s->failed && s->cfg->election == DL_ELECT_RAFT)
		check_replicas(s);
}

void sim_teardown(struct sim *s)
{
	struct heap_item *it;
	u32 i;

	for (i = 0; i < s->n_envs; i++) {
		struct dl_env *e = &s->envs[i];
		struct dl_node *node = e->node;

		net_rx_purge(e);
		if (!e->up)
			continue;
		node_collect_counters(s, e);
		e->up = false;
		e->node = NULL;
		if (s->cfg->layer == LAYER_RAFT)
			raft_layer_crash(s, e);
		else
			dl_node_destroy(node);
	}
	while ((it = heap_pop(&s->q)))
		if (!((struct sim_ev *)it)->embedded)
			free(it);
	heap_free(&s->q);
	/* anything the core handed to call_rcu must be freed before we count */
	rcu_barrier();
}

struct sim *sim_new(const struct sim_cfg *cfg, u64 seed)
{
	struct sim *s = calloc(1, sizeof(*s));
	u32 i;

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->seed = seed;
	s->n_envs = cfg->nodes + cfg->members;
	s->envs = calloc(s->n_envs, sizeof(*s->envs));
	s->clients = calloc(cfg->clients ? cfg->clients : 1,
			    sizeof(*s->clients));
	s->log = calloc(SIM_LOG_LINES, sizeof(*s->log));
	s->chk = chk_create();
	s->chk_state = chk_create();
	if (!s->envs || !s->clients || !s->log || !s->chk || !s->chk_state) {
		sim_delete(s);
		return NULL;
	}
	heap_init(&s->q);
	s->rng_net = seed_mix(seed, 1);
	s->rng_nem = seed_mix(seed, 2);
	s->rng_work = seed_mix(seed, 3);
	s->rng_alloc = seed_mix(seed, 4);
	s->rng_calls = seed_mix(seed, 5);
	s->trace = 0xcbf29ce484222325ULL;
	s->ops = &sim_node_ops;
	s->end = RUN_SETUP_END;
	s->setup.kind = EV_SETUP;
	s->setup.embedded = true;
	s->nemesis.kind = EV_NEMESIS;
	s->nemesis.embedded = true;

	s->base_cfg.cell_id = 0x51u;
	s->base_cfg.election = cfg->election;
	s->base_cfg.n_voters = cfg->nodes;
	for (i = 0; i < cfg->nodes; i++)
		s->base_cfg.voters[i] = i + 1;
	for (i = 0; i < s->n_envs; i++)
		sim_env_init(s, &s->envs[i], i);
	work_init(s);
	sim_current = s;
	return s;
}

/* Start every node at virtual time 0 and queue the lockspace setup. */
void sim_boot(struct sim *s)
{
	u32 i;

	for (i = 0; i < s->n_envs && !s->failed; i++)
		node_start(s, &s->envs[i]);
	sim_queue(s, &s->setup, 0);
}

void sim_delete(struct sim *s)
{
	if (!s)
		return;
	if (sim_current == s)
		sim_current = NULL;
	chk_destroy(s->chk);
	chk_destroy(s->chk_state);
	free(s->log);
	free(s->clients);
	free(s->envs);
	free(s);
}

int sim_run(const struct sim_cfg *cfg, u64 seed, struct run_result *res)
{
	u64 live0 = sim_alloc_live_count(), bytes0 = sim_alloc_live_bytes();
	struct sim *s = sim_new(cfg, seed);

	if (!s)
		return -ENOMEM;
	sim_boot(s);
	sim_loop(s);
	if (!s->failed)
		check_liveness(s);
	if (s->failed && s->cfg->layer == LAYER_NODE) {
		u32 l = sim_leader_idx(s);

		dump_nodes(s);
		if (l)
			sim_dump_lock_table(s, &s->envs[l - 1]);
	}
	sim_teardown(s);

	memset(res, 0, sizeof(*res));
	res->leaked_allocs = sim_alloc_live_count() - live0;
	res->leaked_bytes = sim_alloc_live_bytes() - bytes0;
	if (!s->failed && res->leaked_allocs)
		sim_fail(s, "memory leak: %" PRIu64 " allocations, %" PRIu64
			 " bytes still live after every node was destroyed",
			 res->leaked_allocs, res->leaked_bytes);
	res->ok = !s->failed;
	res->trace = s->trace;
	res->vtime = s->now;
	res->n = s->n;
	res->ctr = s->ctr;
	chk_get_stats(s->chk, &res->st);
	if (s->failed) {
		printf("# seed %" PRIu64 ": %s\n", seed, s->fail_msg);
		sim_log_dump(s, stdout, cfg->verbose ? 0 : 60);
	}
	sim_delete(s);
	return 0;
}
