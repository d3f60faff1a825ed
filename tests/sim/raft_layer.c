// SPDX-License-Identifier: GPL-2.0
/*
 * raft_layer.c - dlock-sim --layer raft: bare Raft instances (raft.h) on
 * the voters, their messages framed by the real wire code (wire.h) and
 * carried by the simulated network, under the same nemesis.  Clients are
 * proposers: they append random commands through whoever leads.
 *
 * It checks what Raft alone promises: at most one leader per term, applied
 * logs agreeing index by index (raft_tap.c), and progress after the final
 * heal: a probe entry proposed then is applied by every running voter
 * within the grace bound.  The node layer adds locks on top; this layer
 * lets a Raft bug be told apart from a node bug.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "sim.h"
#include "raft.h"
#include "wire.h"

#define RAFT_CELL	0x52u
#define PROBE_RETRY_NS	(100 * NS_PER_MS)

static void rearm(struct dl_env *e)
{
	u64 d = dl_raft_next_deadline(e->raft);

	if (d == ~0ULL)
		dl_env_timer_cancel(e);
	else
		dl_env_timer_arm(e, d);
}

static void rl_send(void *ctx, const struct dl_raft_msg *m)
{
	struct dl_env *e = ctx;
	struct dl_wire_hdr h = {
		.cell_id = RAFT_CELL,
		.src = e->id,
		.dst = m->to,
		.incarnation = e->incarnation,
		.seq = ++e->dgram_seq,
	};
	struct dl_wire_writer w;
	u8 body[DL_WIRE_MTU];
	int n;

	n = dl_wire_enc_raft(body, sizeof(body), m);
	if (n < 0) {
		sim_fail(e->sim, "node %u: cannot encode Raft %s: %d", e->id,
			 dl_raft_msg_type_name(m->type), n);
		return;
	}
	dl_wire_writer_init(&w, &h);
	n = dl_wire_writer_add(&w, dl_wire_raft_op(m->type), body, n);
	if (n) {
		sim_fail(e->sim, "node %u: Raft %s does not fit a datagram: %d",
			 e->id, dl_raft_msg_type_name(m->type), n);
		return;
	}
	net_send(e, m->to, w.buf, dl_wire_writer_finish(&w));
}

/*
 * The state machine is a hash chain over every applied entry.  Its value at
 * each index must be the same on every node, whether the node applied the
 * entries one by one or loaded a snapshot: that checks InstallSnapshot.
 */
static int rl_apply(void *ctx, u64 index, const struct dl_raft_entry *ent)
{
	struct dl_env *e = ctx;
	struct sim *s = e->sim;
	const u8 *p = ent->data;
	u64 h = e->sm_hash;
	u32 i;

	if (index != e->applied + 1 && e->applied)
		sim_fail(s, "node %u applied index %" PRIu64 " after %"
			 PRIu64, e->id, index, e->applied);
	e->applied = index;
	h = (h ^ ent->term) * 0x100000001b3ULL;
	for (i = 0; i < ent->len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	e->sm_hash = h;
	if (!s->failed &&
	    chk_applied(s->chk_state, s->now, e->id, index, h) != CHK_OK) {
		const char *msg;

		chk_first(s->chk_state, &msg);
		sim_fail(s, "state machine: %s", msg);
	}
	return 0;
}

static int rl_snapshot_save(void *ctx, dl_raft_emit_fn emit, void *sink)
{
	struct dl_env *e = ctx;
	u8 buf[8];
	u32 i;

	for (i = 0; i < 8; i++)
		buf[i] = (u8)(e->sm_hash >> (8 * i));
	return emit(sink, buf, sizeof(buf));
}

static int rl_snapshot_load(void *ctx, u64 offset, const void *buf,
			    size_t len, bool last)
{
	struct dl_env *e = ctx;
	u64 h = 0;
	u32 i;

	if (!offset)
		e->snap_len = 0;
	if (offset != e->snap_len || offset + len > sizeof(e->snap_buf))
		return -EINVAL;
	memcpy(e->snap_buf + offset, buf, len);
	e->snap_len += len;
	if (!last)
		return 0;
	if (e->snap_len != sizeof(e->snap_buf))
		return -EINVAL;
	for (i = 0; i < 8; i++)
		h |= (u64)e->snap_buf[i] << (8 * i);
	e->sm_hash = h;
	/* the next apply follows the snapshot's index, whatever it is */
	e->applied = 0;
	return 0;
}

static u32 rl_random(void *ctx)
{
	return dl_env_random(ctx);
}

static const struct dl_raft_ops rl_ops = {
	.send = rl_send,
	.apply = rl_apply,
	.snapshot_save = rl_snapshot_save,
	.snapshot_load = rl_snapshot_load,
	.random = rl_random,
};

int raft_layer_start(struct sim *s, struct dl_env *e)
{
	struct dl_raft_config cfg = { 0 };
	u32 i;

	if (!e->voter) {
		/* Raft has no members; they stay idle in this layer */
		return 0;
	}
	e->incarnation++;
	cfg.env = e;
	cfg.self_id = e->id;
	cfg.incarnation = e->incarnation;
	/* a restarted voter has lost its log and must catch up */
	cfg.bootstrap = e->incarnation == 1;
	cfg.nr_voters = s->cfg->nodes;
	for (i = 0; i < s->cfg->nodes; i++)
		cfg.voters[i] = i + 1;
	cfg.prevote = true;
	cfg.check_quorum = true;
	/* compact often, so restarts are served by snapshots */
	cfg.snapshot_threshold = 32;
	cfg.snapshot_trailing = 8;
	e->applied = 0;
	e->sm_hash = 0xcbf29ce484222325ULL;
	e->in_call = true;
	e->raft = dl_raft_create(&cfg, &rl_ops, e, dl_env_now_ns(e));
	if (!e->raft) {
		e->in_call = false;
		sim_fail(s, "dl_raft_create(node %u) failed", e->id);
		return -ENOMEM;
	}
	e->up = true;
	rearm(e);
	e->in_call = false;
	sim_logf(s, "raft node %u up, incarnation %" PRIu64, e->id,
		 e->incarnation);
	return 0;
}

void raft_layer_crash(struct sim *s, struct dl_env *e)
{
	(void)s;
	dl_raft_destroy(e->raft);
	e->raft = NULL;
}

void raft_layer_recv(struct sim *s, struct dl_env *e, const void *buf,
		     size_t len)
{
	struct dl_raft_entry ents[DL_RAFT_MAX_ENTRIES];
	struct dl_wire_reader rd;
	struct dl_wire_hdr hdr;
	struct dl_wire_op op;
	struct dl_raft_msg m;
	int err;

	if (!e->raft)
		return;
	err = dl_wire_open(buf, len, RAFT_CELL, e->id, &hdr, &rd);
	if (err) {
		s->n.recv_errors++;
		return;
	}
	e->in_call = true;
	while (dl_wire_next(&rd, &op)) {
		if (op.type < DL_OP_RAFT_BASE || op.type > DL_OP_RAFT_LAST ||
		    dl_wire_dec_raft(&op, &hdr, &m, ents)) {
			s->n.recv_errors++;
			continue;
		}
		if (s->cfg->verbose > 1)
			sim_logf(s, "n%u <- n%u %s term %" PRIu64 " index %"
				 PRIu64 " log_term %" PRIu64 " flags %#x",
				 e->id, m.from, dl_raft_msg_type_name(m.type),
				 m.term, m.index, m.log_term, m.flags);
		if (dl_raft_step(e->raft, &m, dl_env_now_ns(e)))
			s->n.recv_errors++;
	}
	rearm(e);
	e->in_call = false;
	raft_layer_observe(s, e);
}

void raft_layer_timer(struct sim *s, struct dl_env *e)
{
	if (!e->raft)
		return;
	e->in_call = true;
	dl_raft_tick(e->raft, dl_env_now_ns(e));
	rearm(e);
	e->in_call = false;
	raft_layer_observe(s, e);
}

bool raft_layer_is_leader(struct dl_env *e, u64 *term)
{
	if (!e->raft || dl_raft_role(e->raft) != DL_RAFT_LEADER)
		return false;
	*term = dl_raft_term(e->raft);
	return true;
}

/*
 * The leader lease is what lets the lock service grant without a round
 * trip: while one leader's lease is valid (by its own skewed clock), no
 * other node's may be, at the same instant of global time.
 */
static void check_lease(struct sim *s, struct dl_env *e, u64 term)
{
	u32 i;

	if (!dl_raft_lease_valid(e->raft, dl_env_now_ns(e)))
		return;
	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_env *o = &s->envs[i];

		if (o == e || !o->raft ||
		    !dl_raft_lease_valid(o->raft, dl_env_now_ns(o)))
			continue;
		sim_fail(s, "two valid leader leases at once: node %u (term %"
			 PRIu64 ") and node %u (term %" PRIu64 ")", e->id,
			 term, o->id, dl_raft_term(o->raft));
		return;
	}
}

void raft_layer_observe(struct sim *s, struct dl_env *e)
{
	u64 term;

	if (s->failed || !raft_layer_is_leader(e, &term))
		return;
	check_lease(s, e, term);
	if (chk_leader(s->chk, s->now, e->id, term) != CHK_OK) {
		const char *msg;

		chk_first(s->chk, &msg);
		sim_fail(s, "%s", msg);
	}
	if (s->last_leader != e->idx + 1) {
		s->last_leader = e->idx + 1;
		s->n.leader_changes++;
		sim_logf(s, "node %u leads term %" PRIu64, e->id, term);
	}
}

void raft_layer_setup(struct sim *s)
{
	/* nothing to create: proposers and the nemesis start at once */
	s->ls_ready = true;
	start_clients(s);
	nemesis_start(s);
}

static int propose(struct sim *s, u64 *index)
{
	u32 l = sim_leader_idx(s);
	struct dl_env *e;
	u8 cmd[64];
	u32 len, i;
	int err;

	if (!l)
		return -ENOTCONN;
	e = &s->envs[l - 1];
	len = 8 + (u32)rng_below(&s->rng_work, sizeof(cmd) - 8);
	for (i = 0; i < len; i++)
		cmd[i] = (u8)rng_next(&s->rng_work);
	e->in_call = true;
	err = dl_raft_propose(e->raft, cmd, len, index);
	if (!err)
		dl_raft_flush(e->raft, dl_env_now_ns(e));
	rearm(e);
	e->in_call = false;
	return err;
}

void raft_layer_client(struct sim *s, struct client *c)
{
	u64 index;

	if (s->healed) {
		/* one probe for the whole cell after the final heal */
		c->state = CL_DONE;
		if (!s->probe_sent && !propose(s, &s->probe_index)) {
			s->probe_sent = true;
			sim_logf(s, "probe entry at index %" PRIu64,
				 s->probe_index);
		}
		if (!s->probe_sent) {
			c->state = CL_IDLE;
			sim_queue(s, &c->ev, s->now + PROBE_RETRY_NS);
		}
		return;
	}
	if (c->ops_done >= s->cfg->ops) {
		/* idle until the heal, then take part in the probe */
		c->state = CL_IDLE;
		sim_queue(s, &c->ev, DL_MAX(s->fault_end, s->now + PROBE_RETRY_NS));
		return;
	}
	if (!propose(s, &index)) {
		c->ops_done++;
		s->n.locks++;
	}
	sim_queue(s, &c->ev, s->now + 5 * NS_PER_MS +
		  rng_below(&s->rng_work, 100 * NS_PER_MS));
}

/* Raft's own applied index: it also counts a loaded snapshot. */
static u64 applied_index(struct dl_env *e)
{
	return e->raft ? dl_raft_applied_index(e->raft) : 0;
}

bool raft_layer_quiet(struct sim *s)
{
	u32 i;

	if (!s->probe_sent)
		return false;
	for (i = 0; i < s->cfg->nodes; i++)
		if (s->envs[i].up && applied_index(&s->envs[i]) < s->probe_index)
			return false;
	return true;
}

/* Whether @e is a voter that counts toward quorums right now. */
bool raft_layer_voting(struct dl_env *e)
{
	struct dl_raft_status st;

	if (!e->raft)
		return false;
	dl_raft_status(e->raft, &st);
	return st.voting;
}

static void dump_status(struct sim *s)
{
	u32 i;

	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_env *e = &s->envs[i];
		struct dl_raft_status st;

		if (!e->raft) {
			sim_logf(s, "status: node %u down", e->id);
			continue;
		}
		dl_raft_status(e->raft, &st);
		sim_logf(s, "status: node %u %s term %" PRIu64 " leader %u"
			 " voted %u voting %d last %" PRIu64 " commit %" PRIu64
			 " applied %" PRIu64, e->id,
			 dl_raft_role_name(st.role), st.term, st.leader,
			 st.voted_for, st.voting, st.last_index, st.commit,
			 st.applied);
	}
}

void raft_layer_check(struct sim *s)
{
	u32 i;

	dump_status(s);

	if (!s->probe_sent) {
		sim_fail(s, "no leader accepted a proposal within %.1f s of"
			 " the final heal",
			 (double)(s->now - s->fault_end) / NS_PER_SEC);
		return;
	}
	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_env *e = &s->envs[i];

		if (e->up && applied_index(e) < s->probe_index)
			sim_fail(s, "node %u applied only up to %" PRIu64
				 ", probe index %" PRIu64 " %.1f s after the"
				 " final heal", e->id, applied_index(e),
				 s->probe_index,
				 (double)(s->now - s->fault_end) / NS_PER_SEC);
	}
}
