/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim.h - the deterministic simulator: many dlock nodes (the real
 * kmod/core code) in one process, a virtual clock, a network with faults,
 * a nemesis, a lock workload, and the invariant checker watching it all.
 *
 * Determinism: every random choice comes from a PRNG stream derived from the
 * run seed (one stream per node, one for the network, the nemesis and the
 * workload, so a change in one does not shift the others), events run in
 * (virtual time, queue order), and nothing depends on addresses or the
 * wall clock.  The same seed therefore gives the same trace hash.
 */
#ifndef DLOCK_SIM_SIM_H
#define DLOCK_SIM_SIM_H

#include <stdio.h>

#include "env.h"
#include "node.h"
#include "counters.h"
#include "heap.h"
#include "checker.h"

#define NS_PER_MS	((u64)1000000)
#define NS_PER_SEC	((u64)1000000000)

/* Longest wait of a receive drain (the kernel: its work's wake-up). */
#define SIM_RX_BATCH_MAX_NS	(500 * (u64)1000)

/* Fault kinds, as --faults names them. */
enum sim_fault {
	F_CRASH,
	F_RESTART,
	F_PARTITION,
	F_LOSS,
	F_DUP,
	F_REORDER,
	F_DELAY,
	F_SKEW,
	F_COUNT
};
extern const char *const sim_fault_names[F_COUNT];

/* Named scenarios that replace the random nemesis. */
enum sim_scenario {
	SC_RANDOM = 0,		/* randomized nemesis from --faults */
	SC_LEADER_CRASH,	/* crash the leader, one at a time, restart it */
	SC_VOTE_RESTART,	/* --faults, and voters restart right after
				 * granting a vote (double votes across lives)
				 */
	SC_SNAPSHOT_LAG,	/* a follower catches up by snapshot from a
				 * large table (snaplag.c)
				 */
};

#define SIM_MAX_VOTERS	7

/* What each simulated machine runs. */
enum sim_layer {
	LAYER_NODE = 0,		/* the whole node (node.h): locks, sessions */
	LAYER_RAFT,		/* bare Raft (raft.h) over the same wire */
};

struct sim_cfg {
	const char *algo;	/* --algo name */
	u32 election;		/* its enum dl_node_election */
	u32 nodes;		/* voters */
	u32 members;		/* non-voting members */
	u32 clients;
	u32 ops;		/* lock operations per client */
	u64 seed;
	u32 runs;
	u32 faults;		/* bit per enum sim_fault */
	u32 scenario;		/* enum sim_scenario */
	u32 layer;		/* enum sim_layer */
	u64 duration_ns;	/* length of the fault phase */
	u64 grace_ns;		/* bound after the final heal */
	u32 skew_ppm;		/* max clock rate error of one node */
	int verbose;
	bool quiet;		/* only failures and the summary */
	bool cache;		/* --cache: the lockspace caches grants */
	u32 fail_alloc_pm;	/* --fail-alloc: node allocations failed */
};

enum sim_ev_kind {
	EV_TIMER,		/* a node's env timer (embedded in its env) */
	EV_DELIVER,		/* a datagram arrives (allocated) */
	EV_CLIENT,		/* a client's next step (embedded) */
	EV_NEMESIS,		/* next fault-schedule step (embedded) */
	EV_RESTART,		/* bring a crashed node back (allocated) */
	EV_SETUP,		/* retry creating the lockspace (embedded) */
	EV_CRASH,		/* crash a voter that just voted (allocated) */
	EV_RX_DRAIN,		/* a node drains its receive queue (embedded) */
};

struct sim_ev {
	struct heap_item hi;	/* first: the heap hands us this pointer */
	u8 kind;
	bool embedded;		/* not freed after it runs */
	u32 idx;		/* node or client index */
	u32 src;		/* sender's node index (EV_DELIVER) */
	struct sim_ev *next;	/* in a node's receive queue (EV_DELIVER) */
	u32 len;
	u8 data[];
};

/* One simulated machine: the host context env.h leaves to its host. */
struct dl_env {
	struct sim *sim;
	u32 idx;		/* index in sim->envs */
	u32 id;			/* node id: voters 1..N, members N+1.. */
	bool voter;
	bool up;		/* running (not crashed) */
	struct dl_node *node;	/* LAYER_NODE: NULL while crashed */
	struct dl_raft *raft;	/* LAYER_RAFT: NULL while crashed */
	u64 dgram_seq;		/* LAYER_RAFT: datagram sequence */
	u64 applied;		/* LAYER_RAFT: last applied index */
	u64 sm_hash;		/* LAYER_RAFT: state machine: hash chain */
	u8 snap_buf[8];		/* LAYER_RAFT: snapshot being loaded */
	u64 snap_len;
	u64 incarnation;
	u64 rng;
	/* clock: local = offset + t * (1e6 + drift_ppm) / 1e6 */
	u64 offset_ns;
	s64 drift_ppm;
	struct sim_ev timer;
	u8 side;		/* partition side */
	bool in_call;		/* inside a core entry point */
	/*
	 * Receive batching, as the kernel's receive work drains its queue:
	 * with rx_batch_ns set, an arriving datagram waits in @rxq and a drain
	 * @rx_batch_ns after the first one hands the whole queue to the core
	 * in one dl_node_rx_begin()/dl_node_rx_end() entry.  Zero: every
	 * datagram is its own dl_node_recv() entry.  Drawn per node per run.
	 */
	u64 rx_batch_ns;
	struct sim_ev *rxq, **rxq_tail;
	u32 rxq_len;
	struct sim_ev rx_drain;
	u32 last_state;
	u64 crashes;
};

enum client_state {
	CL_IDLE,		/* between operations */
	CL_WAITING,		/* lock requested, no answer yet */
	CL_HOLDING,		/* granted; unlocks when its event fires */
	CL_UNLOCKING,		/* unlock issued, waiting for UNLOCKED */
	CL_DOWN,		/* its node is crashed */
	CL_DONE,		/* all operations done */
};

struct client {
	struct sim_ev ev;
	u32 idx;
	u32 node;		/* env index */
	u32 gen;		/* owner generation: bumped by release_owner */
	u32 state;
	u32 ops_done;
	u64 req;		/* checker id of the current request */
	u64 node_req;		/* the node's request id */
	u64 lock_id;
	u32 res, mode;
	bool cancel_planned;
	bool noqueue;
};

struct sim_counts {
	u64 sent, delivered, dropped_loss, dropped_part, dropped_down, dups;
	u64 recv_errors;
	u64 rx_batches, rx_batched;	/* drains of more than one datagram */
	u64 events, locks, trylocks, timeouts_req, cancels, releases;
	u64 granted, failed, unlocked, revoked, blocking, stale_events;
	u64 fail_by_errno[8];	/* EAGAIN, ETIMEDOUT, ECANCELED, other... */
	u64 crashes, restarts, partitions;
	u64 leader_changes;
	u64 no_req_id;		/* FAILED events without their req_id */
	u64 alloc_failed;	/* --fail-alloc: allocations failed */
	u64 replicas_compared;	/* voters' tables checked equal at the end */
};

struct sim {
	const struct sim_cfg *cfg;
	u64 seed;
	u64 now;		/* global virtual time, ns */
	struct heap q;
	struct dl_env *envs;
	u32 n_envs;
	struct client *clients;
	struct chk *chk;
	struct chk *chk_state;	/* LAYER_RAFT: state hash per index */
	struct dl_node_config base_cfg;
	const struct dl_node_ops *ops;

	/* PRNG streams */
	u64 rng_net, rng_nem, rng_work;
	u64 rng_alloc;		/* --fail-alloc draws */
	u64 rng_calls;	/* --fail-alloc draws in release, cancel */

	/* network faults in force */
	u32 loss_pm, dup_pm, reorder_pm, delay_pm;	/* per mille */
	bool partitioned, asym;

	/* phases */
	bool ls_ready;
	u64 ls_req;
	u32 ls_tries;
	u64 fault_end;		/* the final heal */
	u64 end;		/* hard end of the run */
	bool healed;
	struct sim_ev nemesis, setup;
	u32 crashed_voters;
	u32 last_leader;	/* env index + 1 of the last leader seen */
	u64 probe_index;	/* LAYER_RAFT: entry proposed after the heal */
	bool probe_sent;

	u64 trace;		/* hash of every delivered event */
	u64 same_time_steps, last_step_time;
	bool failed;
	char fail_msg[512];
	struct sim_counts n;
	struct dl_counters ctr;	/* sum over nodes, incl. destroyed ones */
	u64 req_seq;

	/* --bench: lock events go here instead of to the clients */
	void (*lock_hook)(struct sim *s, struct dl_env *e,
			  const struct dl_lock_event *ev);
	bool (*stop)(struct sim *s);	/* checked after every step */
	bool timing;			/* time the core's entry points */
	u64 core_ns;			/* time spent inside them */
	u64 core_insn;			/* user instructions inside them */
	/* raft_tap.c: SNAPSHOT messages sent to each voter, by id - 1 ... */
	u64 snap_chunks_to[SIM_MAX_VOTERS];
	/* ... and the size of the last snapshot completely sent to it */
	u64 snap_bytes_to[SIM_MAX_VOTERS];
	u64 hook_granted, hook_failed;
	u64 peak_queue;			/* most events queued at once */

	/* per-run log ring, printed on failure */
	char (*log)[160];
	u32 log_head, log_len;
};

#define SIM_LOG_LINES	4096

/* raft_tap.c: the run whose checker sees applied log entries */
extern struct sim *sim_current;

/* env_sim.c */
void sim_env_init(struct sim *s, struct dl_env *e, u32 idx);
u64 sim_local_time(const struct dl_env *e, u64 t);
void sim_logf(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_log_dump(struct sim *s, FILE *f, u32 lines);
void sim_fail(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
u64 sim_alloc_live_bytes(void);
u64 sim_alloc_live_count(void);
void sim_fail_alloc_arm(struct sim *s);
void sim_fail_alloc_arm_call(struct sim *s);
void sim_fail_alloc_disarm(void);
u64 rng_next(u64 *state);
u64 rng_below(u64 *state, u64 n);	/* uniform in [0, n) */
bool rng_pm(u64 *state, u32 per_mille);
u64 seed_mix(u64 seed, u64 stream);
void trace_mix(struct sim *s, u64 v);
void sim_queue(struct sim *s, struct sim_ev *ev, u64 time);
void sim_node_observe(struct sim *s, struct dl_env *e);

/* net.c */
int net_send(struct dl_env *from, u32 dst_id, const void *buf, size_t len);
bool net_deliver(struct sim *s, struct sim_ev *ev);
void net_rx_drain(struct sim *s, struct dl_env *e);
void net_rx_purge(struct dl_env *e);
void net_heal(struct sim *s);
struct dl_env *sim_env_by_id(struct sim *s, u32 id);

/* nodes.c */
int node_start(struct sim *s, struct dl_env *e);
void node_crash(struct sim *s, struct dl_env *e);
void node_collect_counters(struct sim *s, struct dl_env *e);
u32 sim_leader_idx(struct sim *s);	/* env index + 1, 0 if none */
u32 sim_voters_available(struct sim *s);

/* nemesis.c */
void nemesis_start(struct sim *s);
void nemesis_step(struct sim *s);
void nemesis_restart(struct sim *s, struct sim_ev *ev);
void nemesis_voted(struct sim *s, struct dl_env *e);

/* insn.c: instruction counter for --bench (false/0: not available) */
bool sim_insn_open(void);
bool sim_insn_available(void);
u64 sim_insn_read(void);
void sim_insn_close(void);
void nemesis_crash(struct sim *s, struct sim_ev *ev);

/* workload.c */
void work_init(struct sim *s);
void work_step(struct sim *s, struct client *c);
void work_node_down(struct sim *s, struct dl_env *e);
void work_node_up(struct sim *s, struct dl_env *e);
void work_lock_event(struct dl_env *e, const struct dl_lock_event *ev);
bool work_quiet(struct sim *s);
void setup_step(struct sim *s);
void start_clients(struct sim *s);

/* raft_layer.c: --layer raft */
int raft_layer_start(struct sim *s, struct dl_env *e);
void raft_layer_crash(struct sim *s, struct dl_env *e);
void raft_layer_recv(struct sim *s, struct dl_env *e, const void *buf,
		     size_t len);
void raft_layer_timer(struct sim *s, struct dl_env *e);
void raft_layer_observe(struct sim *s, struct dl_env *e);
void raft_layer_setup(struct sim *s);
void raft_layer_client(struct sim *s, struct client *c);
bool raft_layer_quiet(struct sim *s);
bool raft_layer_is_leader(struct dl_env *e, u64 *term);
bool raft_layer_voting(struct dl_env *e);
void raft_layer_check(struct sim *s);

/* lt_dump.c */
void sim_dump_lock_table(struct sim *s, struct dl_env *e);

/* run.c */
struct run_result {
	bool ok;
	u64 trace;
	u64 vtime;
	struct sim_counts n;
	struct dl_counters ctr;
	struct chk_stats st;
	u64 leaked_bytes, leaked_allocs;
};
int sim_run(const struct sim_cfg *cfg, u64 seed, struct run_result *res);
struct sim *sim_new(const struct sim_cfg *cfg, u64 seed);
void sim_boot(struct sim *s);
void sim_loop(struct sim *s);
void sim_teardown(struct sim *s);
void sim_delete(struct sim *s);
u64 sim_clock_ns(void);
/* Bracket a core entry point: marks the node busy and times it. */
void sim_enter(struct dl_env *e, u64 *t0);
void sim_leave(struct dl_env *e, u64 t0);

#endif /* DLOCK_SIM_SIM_H */
