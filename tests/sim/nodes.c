// SPDX-License-Identifier: GPL-2.0
/*
 * nodes.c - life and death of simulated nodes: create (first boot or restart
 * under a new incarnation, with no state), crash (destroyed on the spot, no
 * goodbye), and watching every node after each of its steps: who claims to
 * lead which term goes to the checker.
 */
#include <inttypes.h>

#include "sim.h"

int node_start(struct sim *s, struct dl_env *e)
{
	u64 t0;
	struct dl_node_config cfg = s->base_cfg;
	struct dl_node *node;
	u32 i;

	if (s->cfg->layer == LAYER_RAFT)
		return raft_layer_start(s, e);
	cfg.node_id = e->id;
	cfg.role = e->voter ? DL_NODE_VOTER : DL_NODE_MEMBER;
	/* incarnations grow across restarts, as the kernel's boot count */
	e->incarnation++;
	cfg.incarnation = e->incarnation;
	/* a restarted voter rejoins a running cell: it must catch up first */
	cfg.rejoin = e->incarnation > 1;
	sim_enter(e, &t0);
	node = dl_node_create(e, &cfg, s->ops, e);
	if (!node) {
		sim_leave(e, t0);
		sim_fail(s, "dl_node_create(node %u, incarnation %" PRIu64
			 ") failed", e->id, e->incarnation);
		return -ENOMEM;
	}
	e->node = node;
	e->up = true;
	/* voters track every member: the leader keeps their sessions */
	if (e->voter) {
		for (i = s->cfg->nodes; i < s->n_envs; i++) {
			int err = dl_node_peer_add(node, s->envs[i].id,
						   DL_NODE_MEMBER);

			if (err) {
				sim_fail(s, "node %u: peer_add(%u) = %d",
					 e->id, s->envs[i].id, err);
				break;
			}
		}
	}
	sim_leave(e, t0);
	e->last_state = DL_STATE_UNCONFIGURED;
	sim_logf(s, "node %u up, incarnation %" PRIu64 ", drift %" PRId64
		 " ppm", e->id, e->incarnation, e->drift_ppm);
	sim_node_observe(s, e);
	return s->failed ? -EINVAL : 0;
}

/* Fold a node's counters into the run's totals (before it goes away). */
void node_collect_counters(struct sim *s, struct dl_env *e)
{
	const struct dl_counters *c;
	struct dl_counters *t = &s->ctr;
	u32 i;

	if (!e->node)
		return;
	c = dl_node_counters(e->node);
	t->tx_datagrams += c->tx_datagrams;
	t->rx_datagrams += c->rx_datagrams;
	t->rx_batches += c->rx_batches;
	t->tx_bytes += c->tx_bytes;
	t->rx_bytes += c->rx_bytes;
	t->tx_errors += c->tx_errors;
	for (i = 0; i < DL_OP_TYPE_COUNT; i++) {
		t->tx_ops[i] += c->tx_ops[i];
		t->rx_ops[i] += c->rx_ops[i];
	}
	for (i = 0; i < DL_DROP_REASONS; i++)
		t->drops[i] += c->drops[i];
	for (i = 0; i < DL_CAUSE_COUNT; i++)
		t->cause_ops[i] += c->cause_ops[i];
	t->acquires += c->acquires;
	t->acquire_fails += c->acquire_fails;
	t->releases += c->releases;
	t->elections += c->elections;
	t->leader_changes += c->leader_changes;
	t->retries += c->retries;
	t->timeouts += c->timeouts;
	t->dup_requests += c->dup_requests;
	t->leases_lost += c->leases_lost;
	t->cache_grants += c->cache_grants;
	t->cache_drops += c->cache_drops;
	t->cache_blocked += c->cache_blocked;
	t->apply_stalls += c->apply_stalls;
	t->follower_commits += c->follower_commits;
	t->nodes_expired += c->nodes_expired;
	t->revoked += c->revoked;
}

void node_crash(struct sim *s, struct dl_env *e)
{
	struct dl_node *node = e->node;

	if (!e->up)
		return;
	node_collect_counters(s, e);
	/* down first: a core that sends from destroy is caught in net_send */
	e->up = false;
	e->node = NULL;
	dl_env_timer_cancel(e);
	if (s->cfg->layer == LAYER_RAFT)
		raft_layer_crash(s, e);
	else
		dl_node_destroy(node);
	heap_remove(&s->q, &e->timer.hi);
	/* what waited in its receive queue dies with it */
	heap_remove(&s->q, &e->rx_drain.hi);
	net_rx_purge(e);
	e->crashes++;
	s->n.crashes++;
	if (e->voter)
		s->crashed_voters++;
	sim_logf(s, "node %u crashed", e->id);
	chk_node_down(s->chk, s->now, e->id);
	work_node_down(s, e);
}

void sim_node_observe(struct sim *s, struct dl_env *e)
{
	struct dl_node_status st;

	if (!e->up || s->failed)
		return;
	if (s->cfg->layer == LAYER_RAFT) {
		raft_layer_observe(s, e);
		return;
	}
	dl_node_get_status(e->node, &st);
	if (st.state == DL_STATE_LEADER) {
		if (chk_leader(s->chk, s->now, e->id, st.term) != CHK_OK) {
			const char *msg;

			chk_first(s->chk, &msg);
			sim_fail(s, "%s", msg);
		}
		if (s->last_leader != e->idx + 1) {
			s->last_leader = e->idx + 1;
			s->n.leader_changes++;
			sim_logf(s, "node %u leads term %" PRIu64, e->id,
				 st.term);
		}
	}
	e->last_state = st.state;
}

/*
 * Voters that count toward a quorum now: up, and not catching up after a
 * restart (such a voter may not vote until a leader says it caught up).
 */
u32 sim_voters_available(struct sim *s)
{
	u32 i, n = 0;

	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_env *e = &s->envs[i];
		struct dl_node_status st;

		if (!e->up)
			continue;
		if (s->cfg->layer == LAYER_RAFT) {
			n += raft_layer_voting(e);
			continue;
		}
		dl_node_get_status(e->node, &st);
		n += st.state != DL_STATE_CATCHING_UP;
	}
	return n;
}

u32 sim_leader_idx(struct sim *s)
{
	u32 i;
	u64 best_term = 0;
	u32 best = 0;

	/* the highest-term self-proclaimed leader still up */
	for (i = 0; i < s->cfg->nodes; i++) {
		struct dl_node_status st;

		u64 term;

		if (!s->envs[i].up)
			continue;
		if (s->cfg->layer == LAYER_RAFT) {
			if (raft_layer_is_leader(&s->envs[i], &term) &&
			    term >= best_term) {
				best_term = term;
				best = i + 1;
			}
			continue;
		}
		dl_node_get_status(s->envs[i].node, &st);
		if (st.state == DL_STATE_LEADER && st.term >= best_term) {
			best_term = st.term;
			best = i + 1;
		}
	}
	return best;
}
