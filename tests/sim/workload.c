// SPDX-License-Identifier: GPL-2.0
/*
 * workload.c - the simulated lock users.  Each client is one owner on one
 * node and runs --ops operations, one at a time: a lock in a mixed mode
 * (mostly PR/EX on a few hot resources), sometimes a trylock (NOQUEUE) or a
 * timeout, held for a random time and unlocked; sometimes a cancel while
 * waiting or a release_owner (the fd closed).  Every step and every answer
 * goes to the checker in virtual-time order.
 *
 * Setup comes first: the lockspace is created through the cell (retried on
 * another voter until done), then clients and the nemesis start.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "sim.h"

#define LS_NAME		"sim"
#define HOT_RES		4
#define COLD_RES	32
#define OWNER_GEN_SHIFT	16
#define SETUP_RETRY_NS	(2 * NS_PER_SEC)
#define SETUP_LIMIT_NS	(30 * NS_PER_SEC)

enum plan { PLAN_NONE, PLAN_CANCEL, PLAN_RELEASE };

static u64 owner_of(const struct client *c)
{
	return ((u64)c->gen << OWNER_GEN_SHIFT) | (c->idx + 1);
}

static void check(struct sim *s, enum chk_kind k)
{
	const char *msg;

	if (k == CHK_OK)
		return;
	chk_first(s->chk, &msg);
	sim_fail(s, "%s", msg);
}

static void wake(struct sim *s, struct client *c, u64 delay)
{
	heap_remove(&s->q, &c->ev.hi);
	sim_queue(s, &c->ev, s->now + delay);
}

static void next_op_later(struct sim *s, struct client *c)
{
	c->state = CL_IDLE;
	c->ops_done++;
	wake(s, c, rng_below(&s->rng_work, 20 * NS_PER_MS));
}

void work_init(struct sim *s)
{
	u32 i;

	for (i = 0; i < s->cfg->clients; i++) {
		struct client *c = &s->clients[i];

		c->idx = i;
		c->node = (u32)((u64)i * s->n_envs / s->cfg->clients);
		c->ev.kind = EV_CLIENT;
		c->ev.embedded = true;
		c->ev.idx = i;
		c->state = CL_IDLE;
	}
}

void start_clients(struct sim *s)
{
	u32 i;

	for (i = 0; i < s->cfg->clients; i++) {
		struct client *c = &s->clients[i];

		if (!s->envs[c->node].up)
			c->state = CL_DOWN;
		else
			wake(s, c, rng_below(&s->rng_work, 50 * NS_PER_MS));
	}
}

void setup_step(struct sim *s)
{
	u64 t0;
	u32 i;

	if (s->ls_ready)
		return;
	if (s->now > SETUP_LIMIT_NS) {
		sim_fail(s, "lockspace not created after %" PRIu64 " s",
			 SETUP_LIMIT_NS / NS_PER_SEC);
		return;
	}
	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_env *e = &s->envs[(s->ls_tries + i) % s->cfg->nodes];
		int err;

		if (!e->up)
			continue;
		sim_enter(e, &t0);
		err = dl_node_ls_create(e->node, (const u8 *)LS_NAME,
					sizeof(LS_NAME) - 1, 0, 32,
					s->cfg->cache ? DL_NODE_LS_CACHE : 0, 1,
					&s->ls_req);
		sim_leave(e, t0);
		if (err) {
			sim_fail(s, "ls_create on node %u: %d", e->id, err);
			return;
		}
		s->setup.idx = e->idx;
		sim_node_observe(s, e);
		break;
	}
	s->ls_tries++;
	sim_queue(s, &s->setup, s->now + SETUP_RETRY_NS);
}

static void setup_done(struct sim *s, struct dl_env *e,
		       const struct dl_lock_event *ev)
{
	if (s->ls_ready || e->idx != s->setup.idx || ev->req_id != s->ls_req)
		return;
	if (ev->status && ev->status != -EEXIST) {
		sim_logf(s, "lockspace create: %d, retrying", ev->status);
		return;
	}
	s->ls_ready = true;
	heap_remove(&s->q, &s->setup.hi);
	sim_logf(s, "lockspace ready");
	start_clients(s);
	nemesis_start(s);
}

static void pick_request(struct sim *s, struct client *c,
			 struct dl_lock_args *a, char *name, size_t cap)
{
	u64 r = rng_below(&s->rng_work, 100);

	c->res = r < 80 ? (u32)rng_below(&s->rng_work, HOT_RES) :
		 HOT_RES + (u32)rng_below(&s->rng_work, COLD_RES);
	snprintf(name, cap, "%s%u", c->res < HOT_RES ? "hot" : "r", c->res);
	r = rng_below(&s->rng_work, 100);
	c->mode = r < 35 ? 5 : r < 65 ? 3 : r < 73 ? 0 : r < 81 ? 1 :
		  r < 90 ? 2 : 4;
	memset(a, 0, sizeof(*a));
	a->owner = owner_of(c);
	a->cookie = c->idx;
	a->lockspace = (const u8 *)LS_NAME;
	a->ls_len = sizeof(LS_NAME) - 1;
	a->resource = (const u8 *)name;
	a->res_len = strlen(name);
	a->mode = c->mode;
	c->noqueue = rng_pm(&s->rng_work, 150);
	if (c->noqueue)
		a->flags |= DL_LKF_NOQUEUE;
	if (rng_pm(&s->rng_work, 200))
		a->timeout_ms = 50 + rng_below(&s->rng_work, 950);
}

static void start_op(struct sim *s, struct client *c)
{
	u64 t0;
	struct dl_env *e = &s->envs[c->node];
	struct dl_lock_args a;
	char name[16];
	u64 r;
	int err;

	if (s->healed || c->ops_done >= s->cfg->ops) {
		c->state = CL_DONE;
		return;
	}
	pick_request(s, c, &a, name, sizeof(name));
	c->req = ++s->req_seq;
	check(s, chk_invoke(s->chk, s->now, c->req, e->id, c->res, c->mode));
	sim_enter(e, &t0);
	err = dl_node_lock(e->node, &a, &c->node_req, &c->lock_id);
	sim_leave(e, t0);
	if (err) {
		sim_fail(s, "node %u refused a valid lock request: %d", e->id,
			 err);
		return;
	}
	sim_logf(s, "c%u n%u lock req %" PRIu64 " (node req %" PRIu64 " lock %"
		 PRIu64 ") %s mode %u%s%s", c->idx, e->id, c->req, c->node_req,
		 c->lock_id, name, c->mode, c->noqueue ? " noqueue" : "",
		 a.timeout_ms ? " timeout" : "");
	s->n.locks++;
	if (c->noqueue)
		s->n.trylocks++;
	if (a.timeout_ms)
		s->n.timeouts_req++;
	c->state = CL_WAITING;
	c->cancel_planned = false;
	r = rng_below(&s->rng_work, 1000);
	if (r < 50) {
		c->ev.src = PLAN_CANCEL;
		wake(s, c, NS_PER_MS + rng_below(&s->rng_work, 100 * NS_PER_MS));
	} else if (r < 70) {
		c->ev.src = PLAN_RELEASE;
		wake(s, c, NS_PER_MS + rng_below(&s->rng_work, 100 * NS_PER_MS));
	} else {
		c->ev.src = PLAN_NONE;
	}
	sim_node_observe(s, e);
}

static void release_owner(struct sim *s, struct client *c)
{
	u64 t0;
	struct dl_env *e = &s->envs[c->node];
	int err;

	sim_logf(s, "c%u n%u release owner (req %" PRIu64 ")", c->idx, e->id,
		 c->req);
	check(s, chk_forget(s->chk, s->now, c->req));
	sim_enter(e, &t0);
	sim_fail_alloc_arm_call(s);
	err = dl_node_release_owner(e->node, owner_of(c));
	sim_fail_alloc_disarm();
	sim_leave(e, t0);
	if (err)
		sim_fail(s, "release_owner on node %u: %d", e->id, err);
	s->n.releases++;
	/* the next operation comes from a new owner (a new fd) */
	c->gen++;
	next_op_later(s, c);
	sim_node_observe(s, e);
}

void work_step(struct sim *s, struct client *c)
{
	u64 t0;
	struct dl_env *e = &s->envs[c->node];
	int err;

	switch (c->state) {
	case CL_IDLE:
		start_op(s, c);
		break;
	case CL_WAITING:
		if (c->ev.src == PLAN_RELEASE) {
			release_owner(s, c);
			break;
		}
		if (c->ev.src != PLAN_CANCEL || c->cancel_planned)
			break;
		c->cancel_planned = true;
		sim_logf(s, "c%u n%u cancel req %" PRIu64, c->idx, e->id, c->req);
		sim_enter(e, &t0);
		sim_fail_alloc_arm_call(s);
		err = dl_node_cancel(e->node, owner_of(c), c->lock_id);
		sim_fail_alloc_disarm();
		sim_leave(e, t0);
		if (err && err != -EALREADY)
			sim_fail(s, "cancel on node %u: %d", e->id, err);
		s->n.cancels++;
		sim_node_observe(s, e);
		break;
	case CL_HOLDING:
		if (rng_pm(&s->rng_work, 30)) {
			release_owner(s, c);
			break;
		}
		sim_logf(s, "c%u n%u unlock req %" PRIu64, c->idx, e->id, c->req);
		/* the holder stops relying on the lock before it asks */
		check(s, chk_unlock(s->chk, s->now, c->req));
		sim_enter(e, &t0);
		err = dl_node_unlock(e->node, owner_of(c), c->lock_id, NULL, 0);
		sim_leave(e, t0);
		if (err) {
			sim_fail(s, "unlock of a granted lock on node %u: %d",
				 e->id, err);
			break;
		}
		c->state = CL_UNLOCKING;
		sim_node_observe(s, e);
		break;
	default:
		break;
	}
}

static void count_failure(struct sim *s, int status)
{
	switch (status) {
	case -EAGAIN:
		s->n.fail_by_errno[0]++;
		break;
	case -ETIMEDOUT:
		s->n.fail_by_errno[1]++;
		break;
	case -ECANCELED:
		s->n.fail_by_errno[2]++;
		break;
	default:
		s->n.fail_by_errno[3]++;
		sim_logf(s, "lock failed with %d", status);
		break;
	}
}

static void on_granted(struct sim *s, struct client *c,
		       const struct dl_lock_event *ev)
{
	u64 hold;

	if (c->state != CL_WAITING || ev->req_id != c->node_req) {
		/* the checker decides whether this is a second answer */
		sim_fail(s, "client %u: grant of req %" PRIu64 " in state %u"
			 " (waiting for %" PRIu64 ")", c->idx, ev->req_id,
			 c->state, c->node_req);
		return;
	}
	check(s, chk_grant(s->chk, s->now, c->req, ev->token));
	s->n.granted++;
	c->state = CL_HOLDING;
	c->lock_id = ev->lock_id;
	hold = NS_PER_MS + rng_below(&s->rng_work, 100 * NS_PER_MS);
	if (rng_pm(&s->rng_work, 100))
		hold += 200 * NS_PER_MS + rng_below(&s->rng_work, NS_PER_SEC);
	wake(s, c, hold);
}

void work_lock_event(struct dl_env *e, const struct dl_lock_event *ev)
{
	struct sim *s = e->sim;
	u32 idx = (u32)(ev->owner & ((1U << OWNER_GEN_SHIFT) - 1));
	struct client *c;

	trace_mix(s, ((u64)ev->type << 56) ^ ev->owner ^ (ev->token << 8) ^
		  (u64)(s64)ev->status);
	if (ev->type == DL_LEV_DONE) {
		setup_done(s, e, ev);
		return;
	}
	if (!idx || idx > s->cfg->clients) {
		sim_fail(s, "node %u: event %u for unknown owner %" PRIx64,
			 e->id, ev->type, ev->owner);
		return;
	}
	c = &s->clients[idx - 1];
	sim_logf(s, "c%u n%u event %u status %d req %" PRIu64 " lock %" PRIu64
		 " token %" PRIu64, c->idx, e->id, ev->type, ev->status,
		 ev->req_id, ev->lock_id, ev->token);
	if (c->node != e->idx) {
		sim_fail(s, "node %u: event for owner %" PRIx64
			 " of node %u", e->id, ev->owner, c->node + 1);
		return;
	}
	if (ev->owner != owner_of(c)) {
		/* release_owner promises no more events to that owner */
		sim_fail(s, "node %u: event %u for released owner %" PRIx64,
			 e->id, ev->type, ev->owner);
		return;
	}
	switch (ev->type) {
	case DL_LEV_GRANTED:
		on_granted(s, c, ev);
		break;
	case DL_LEV_FAILED:
		if (c->state == CL_WAITING && !ev->req_id &&
		    ev->lock_id == c->lock_id) {
			/* node.h wants req_id; the lock id still names it */
			s->n.no_req_id++;
		} else if (c->state != CL_WAITING ||
			   ev->req_id != c->node_req) {
			sim_fail(s, "client %u: failure of req %" PRIu64
				 " in state %u", c->idx, ev->req_id, c->state);
			break;
		}
		check(s, chk_fail(s->chk, s->now, c->req, ev->status));
		s->n.failed++;
		count_failure(s, ev->status);
		next_op_later(s, c);
		break;
	case DL_LEV_REVOKED:
		s->n.revoked++;
		if (ev->lock_id != c->lock_id ||
		    (c->state != CL_HOLDING && c->state != CL_UNLOCKING &&
		     c->state != CL_WAITING)) {
			s->n.stale_events++;
			break;
		}
		check(s, chk_revoke(s->chk, s->now, c->req));
		next_op_later(s, c);
		break;
	case DL_LEV_UNLOCKED:
		if (c->state == CL_UNLOCKING && ev->lock_id == c->lock_id) {
			s->n.unlocked++;
			next_op_later(s, c);
		}
		break;
	case DL_LEV_BLOCKING:
		s->n.blocking++;
		break;
	default:
		sim_fail(s, "node %u: unknown event type %u", e->id, ev->type);
		break;
	}
}

void work_node_down(struct sim *s, struct dl_env *e)
{
	u32 i;

	for (i = 0; i < s->cfg->clients; i++) {
		struct client *c = &s->clients[i];

		if (c->node != e->idx || c->state == CL_DONE)
			continue;
		heap_remove(&s->q, &c->ev.hi);
		if (c->state != CL_IDLE)
			c->ops_done++;
		c->state = CL_DOWN;
		c->gen++;
	}
}

void work_node_up(struct sim *s, struct dl_env *e)
{
	u32 i;

	if (!s->ls_ready)
		return;
	for (i = 0; i < s->cfg->clients; i++) {
		struct client *c = &s->clients[i];

		if (c->node != e->idx || c->state != CL_DOWN)
			continue;
		c->state = CL_IDLE;
		wake(s, c, rng_below(&s->rng_work, 50 * NS_PER_MS));
	}
}

bool work_quiet(struct sim *s)
{
	u32 i;

	for (i = 0; i < s->cfg->clients; i++) {
		u32 st = s->clients[i].state;

		if (st != CL_DONE && st != CL_DOWN)
			return false;
	}
	return true;
}
