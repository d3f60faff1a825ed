// SPDX-License-Identifier: GPL-2.0
/*
 * net.c - the simulated network: per-datagram latency (base + jitter) and
 * the faults the nemesis switches on and off: loss, duplication, reordering
 * (extra random delay on some datagrams), delay spikes, and partitions
 * (symmetric between sides, or one-way).  A datagram to a crashed node is
 * lost, as UDP to a dead host would be.
 */
#include <stdlib.h>

#include "sim.h"

/* A LAN: 100 us base latency, up to 400 us jitter. */
#define NET_BASE_NS	100000ULL
#define NET_JITTER_NS	400000ULL
#define NET_REORDER_NS	(20 * NS_PER_MS)
#define NET_SPIKE_MIN	(50 * NS_PER_MS)
#define NET_SPIKE_SPAN	(250 * NS_PER_MS)

struct dl_env *sim_env_by_id(struct sim *s, u32 id)
{
	if (!id || id > s->n_envs)
		return NULL;
	return &s->envs[id - 1];
}

/*
 * Whether @a may send to @b now.  Symmetric partitions cut every link
 * between sides; an asymmetric one only lets side 1 hear side 0 and not
 * the other way round (a half-broken NIC or a one-way firewall rule).
 */
static bool link_up(const struct sim *s, const struct dl_env *a,
		    const struct dl_env *b)
{
	if (!s->partitioned || a->side == b->side)
		return true;
	if (s->asym)
		return !(a->side == 1 && b->side == 0);
	return false;
}

static u64 latency(struct sim *s)
{
	u64 d = NET_BASE_NS + rng_below(&s->rng_net, NET_JITTER_NS);

	if (rng_pm(&s->rng_net, s->reorder_pm))
		d += rng_below(&s->rng_net, NET_REORDER_NS);
	if (rng_pm(&s->rng_net, s->delay_pm))
		d += NET_SPIKE_MIN + rng_below(&s->rng_net, NET_SPIKE_SPAN);
	return d;
}

static void queue_copy(struct sim *s, struct dl_env *from, struct dl_env *to,
		       const void *buf, size_t len)
{
	struct sim_ev *ev = malloc(sizeof(*ev) + len);

	if (!ev) {
		fprintf(stderr, "dlock-sim: out of memory\n");
		exit(2);
	}
	memset(ev, 0, sizeof(*ev));
	ev->kind = EV_DELIVER;
	ev->idx = to->idx;
	ev->src = from->idx;
	ev->len = len;
	memcpy(ev->data, buf, len);
	sim_queue(s, ev, s->now + latency(s));
}

int net_send(struct dl_env *from, u32 dst_id, const void *buf, size_t len)
{
	struct sim *s = from->sim;
	struct dl_env *to = sim_env_by_id(s, dst_id);

	if (!to || to == from)
		return -EHOSTUNREACH;
	if (!len || len > 65507)
		return -EMSGSIZE;
	/* a destroyed node sends nothing; catch a core that tries */
	if (!from->up && !from->in_call) {
		sim_fail(s, "node %u sent a datagram while not running",
			 from->id);
		return -ENETDOWN;
	}
	s->n.sent++;
	if (!link_up(s, from, to)) {
		s->n.dropped_part++;
		return 0;
	}
	if (rng_pm(&s->rng_net, s->loss_pm)) {
		s->n.dropped_loss++;
		return 0;
	}
	queue_copy(s, from, to, buf, len);
	if (rng_pm(&s->rng_net, s->dup_pm)) {
		s->n.dups++;
		queue_copy(s, from, to, buf, len);
	}
	return 0;
}

static void net_recv_one(struct sim *s, struct dl_env *to, struct sim_ev *ev)
{
	int err = dl_node_recv(to->node, ev->data, ev->len);

	if (err) {
		s->n.recv_errors++;
		if (s->cfg->verbose > 1)
			sim_logf(s, "n%u dropped datagram from n%u: %d",
				 to->id, ev->src + 1, err);
	}
}

/*
 * A datagram arrives.  Returns true when the node's receive queue took it
 * (it is freed by the drain), false when the caller frees it.
 */
bool net_deliver(struct sim *s, struct sim_ev *ev)
{
	u64 t0;
	struct dl_env *to = &s->envs[ev->idx];
	u64 h = 0xcbf29ce484222325ULL;
	u32 i;

	for (i = 0; i < ev->len; i++)
		h = (h ^ ev->data[i]) * 0x100000001b3ULL;
	trace_mix(s, h ^ ((u64)ev->src << 40) ^ ((u64)ev->idx << 20));
	if (!to->up) {
		s->n.dropped_down++;
		return false;
	}
	s->n.delivered++;
	if (s->cfg->layer == LAYER_RAFT) {
		raft_layer_recv(s, to, ev->data, ev->len);
		return false;
	}
	if (to->rx_batch_ns) {
		ev->next = NULL;
		*to->rxq_tail = ev;
		to->rxq_tail = &ev->next;
		to->rxq_len++;
		if (!to->rx_drain.hi.queued)
			sim_queue(s, &to->rx_drain, s->now + to->rx_batch_ns);
		return true;
	}
	sim_enter(to, &t0);
	sim_fail_alloc_arm(s);
	net_recv_one(s, to, ev);
	sim_fail_alloc_disarm();
	sim_leave(to, t0);
	sim_node_observe(s, to);
	return false;
}

/* Free what waits in @e's receive queue (a crash, the end of a run). */
void net_rx_purge(struct dl_env *e)
{
	struct sim_ev *ev;

	while ((ev = e->rxq)) {
		e->rxq = ev->next;
		free(ev);
	}
	e->rxq_tail = &e->rxq;
	e->rxq_len = 0;
}

/* The whole receive queue in one core entry, as the kernel's work does. */
void net_rx_drain(struct sim *s, struct dl_env *e)
{
	struct sim_ev *ev;
	u64 t0;

	if (!e->up || !e->rxq) {
		net_rx_purge(e);
		return;
	}
	trace_mix(s, 0xd7a1ULL ^ ((u64)e->idx << 32) ^ e->rxq_len);
	if (e->rxq_len > 1) {
		s->n.rx_batches++;
		s->n.rx_batched += e->rxq_len;
	}
	sim_enter(e, &t0);
	sim_fail_alloc_arm(s);
	dl_node_rx_begin(e->node);
	while ((ev = e->rxq)) {
		e->rxq = ev->next;
		net_recv_one(s, e, ev);
		free(ev);
	}
	e->rxq_tail = &e->rxq;
	e->rxq_len = 0;
	dl_node_rx_end(e->node);
	sim_fail_alloc_disarm();
	sim_leave(e, t0);
	sim_node_observe(s, e);
}

void net_heal(struct sim *s)
{
	u32 i;

	s->loss_pm = 0;
	s->dup_pm = 0;
	s->reorder_pm = 0;
	s->delay_pm = 0;
	s->partitioned = false;
	s->asym = false;
	for (i = 0; i < s->n_envs; i++)
		s->envs[i].side = 0;
}
