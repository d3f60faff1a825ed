/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node_cell.h - the unit tests' simulated cell: nodes of the core wired by
 * an in-test datagram queue through env_unit's send hook, on a manual
 * clock, with cuts and one-way drops, and every node's lock events
 * recorded.  Shared by core_node_test.c, core_cache_test.c and
 * core_coord_node_test.c; include it after kselftest_harness.h, env_unit.h
 * and node.h.  Set cell_election before cell_new() for a Bully or Ring
 * cell (default Raft), cell_timeouts for other timing; a cell's latency
 * delays every datagram.
 */
#ifndef DLOCK_TEST_NODE_CELL_H
#define DLOCK_TEST_NODE_CELL_H

#define MAXN	8
#define MAXEV	256
#define MS	1000000ULL
#define LS	"ls"

struct rec_ev {
	struct dl_lock_event ev;
	u64 at;
};

struct pkt {
	struct pkt *next;
	u64 due;			/* delivered once the clock reaches it */
	u32 dst;
	size_t len;
	u8 buf[DL_WIRE_MTU];
};

struct cell {
	int n;
	u32 id[MAXN];
	bool voter[MAXN];
	struct dl_env env[MAXN];
	struct dl_node *node[MAXN];
	bool cut[MAXN];			/* isolated: drops to and from */
	bool mute[MAXN];		/* one-way: drops what it sends */
	u32 cut_from, cut_to;		/* drop one direction, if non-zero */
	u64 latency;			/* one-way, every datagram (ns) */
	/* optional: true drops the datagram node index s sends to d */
	bool (*drop)(struct cell *c, int s, int d, const void *buf,
		     size_t len);
	u64 now;
	struct pkt *head, **tail;
	struct rec_ev ev[MAXN][MAXEV];
	int nev[MAXN];
};

static int idx_of(struct cell *c, u32 id)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->id[i] == id)
			return i;
	return -1;
}

static int hook_send(struct dl_env *env, u32 dst, const void *buf, size_t len)
{
	struct cell *c = env->priv;
	int s = idx_of(c, env->node_id), d = idx_of(c, dst);
	struct pkt *p;

	if (d < 0 || c->cut[s] || c->cut[d] || c->mute[s] ||
	    (c->cut_from == env->node_id && c->cut_to == dst) ||
	    (c->drop && c->drop(c, s, d, buf, len)))
		return 0;
	p = calloc(1, sizeof(*p));
	p->due = c->now + c->latency;
	p->dst = dst;
	p->len = len;
	memcpy(p->buf, buf, len);
	*c->tail = p;
	c->tail = &p->next;
	return 0;
}

static void on_event(void *host, const struct dl_lock_event *ev)
{
	struct dl_env *env = host;
	struct cell *c = env->priv;
	int i = idx_of(c, env->node_id);

	if (c->nev[i] < MAXEV) {
		c->ev[i][c->nev[i]].ev = *ev;
		c->ev[i][c->nev[i]].at = c->now;
		c->nev[i]++;
	}
}

static const struct dl_node_ops ops = { .lock_event = on_event };

static u32 cell_election;	/* of the cells the next cell_new() makes */
static struct dl_node_timeouts cell_timeouts;	/* theirs (0: defaults) */

static void cell_add_at(struct cell *c, int i, u32 id, bool voter,
			u32 n_voters, u64 incarnation)
{
	struct dl_node_config cfg = {
		.node_id = id, .cell_id = 1, .incarnation = incarnation,
		.rejoin = incarnation > 1, .election = cell_election,
		.role = voter ? DL_NODE_VOTER : DL_NODE_MEMBER,
		.n_voters = n_voters, .timeouts = cell_timeouts,
	};
	int k;

	for (k = 0; k < (int)n_voters; k++)
		cfg.voters[k] = k + 1;
	c->id[i] = id;
	c->voter[i] = voter;
	c->env[i].node_id = id;
	c->env[i].now_ns = c->now;
	c->env[i].rng = 1000 + id;
	c->env[i].send = hook_send;
	c->env[i].priv = c;
	c->node[i] = dl_node_create(&c->env[i], &cfg, &ops, &c->env[i]);
}

static void cell_add(struct cell *c, u32 id, bool voter, u32 n_voters)
{
	cell_add_at(c, c->n++, id, voter, n_voters, 1);
}

static struct cell *cell_new(int voters, int members)
{
	struct cell *c = calloc(1, sizeof(*c));
	int i, j;

	c->tail = &c->head;
	c->now = 1000 * MS;
	for (i = 0; i < voters; i++)
		cell_add(c, i + 1, true, voters);
	for (i = 0; i < members; i++)
		cell_add(c, 100 + i, false, voters);
	for (i = 0; i < voters; i++)
		for (j = 0; j < members; j++)
			dl_node_peer_add(c->node[i], 100 + j, DL_NODE_MEMBER);
	return c;
}

static void cell_free(struct cell *c)
{
	struct pkt *p;
	int i;

	for (i = 0; i < c->n; i++)
		dl_node_destroy(c->node[i]);
	while ((p = c->head)) {
		c->head = p->next;
		free(p);
	}
	free(c);
}

/* Deliver everything queued and fire due timers until quiet. */
static void settle(struct cell *c)
{
	bool busy = true;
	int i, rounds = 0;

	while (busy) {
		struct pkt *p;

		busy = false;
		if (++rounds > 100000) {
			fprintf(stderr, "# settle: no quiet point at %llu\n",
				(unsigned long long)c->now);
			for (i = 0; i < c->n; i++)
				fprintf(stderr, "#  node %u timer %d at %llu\n",
					c->id[i], c->env[i].timer_armed,
					(unsigned long long)
					c->env[i].timer_deadline_ns);
			abort();
		}
		/* one latency for all: the queue stays in due order */
		while ((p = c->head) && p->due <= c->now) {
			c->head = p->next;
			if (!c->head)
				c->tail = &c->head;
			i = idx_of(c, p->dst);
			unit_fail_alloc.current = c->id[i];
			if (c->node[i])
				dl_node_recv(c->node[i], p->buf, p->len);
			unit_fail_alloc.current = 0;
			free(p);
			busy = true;
		}
		for (i = 0; i < c->n; i++) {
			struct dl_env *e = &c->env[i];

			if (c->node[i] && e->timer_armed &&
			    e->timer_deadline_ns <= c->now) {
				e->timer_armed = false;
				unit_fail_alloc.current = c->id[i];
				dl_node_timer(c->node[i]);
				unit_fail_alloc.current = 0;
				busy = true;
			}
		}
	}
}

static void run_ms(struct cell *c, u64 ms)
{
	u64 t;
	int i;

	for (t = 0; t < ms; t++) {
		c->now += MS;
		for (i = 0; i < c->n; i++)
			c->env[i].now_ns = c->now;
		settle(c);
	}
}

/* The first event of @type (and of @lock_id, unless 0) node @i recorded. */
static __attribute__((unused)) const struct rec_ev *
find_ev(struct cell *c, int i, u32 type, u64 lock_id)
{
	int k;

	for (k = 0; k < c->nev[i]; k++)
		if (c->ev[i][k].ev.type == type &&
		    (!lock_id || c->ev[i][k].ev.lock_id == lock_id))
			return &c->ev[i][k];
	return NULL;
}

/* Run the cell until find_ev() finds that event, for at most @ms ms. */
static __attribute__((unused)) const struct rec_ev *
wait_ev(struct cell *c, int i, u32 type, u64 lock_id, int ms)
{
	const struct rec_ev *e;
	int waited;

	for (waited = 0; !(e = find_ev(c, i, type, lock_id)) && waited < ms;
	     waited += 10)
		run_ms(c, 10);
	return e;
}

static __attribute__((unused)) int leader_idx(struct cell *c)
{
	struct dl_node_status st;
	int i, found = -1;

	for (i = 0; i < c->n; i++) {
		if (!c->node[i] || c->cut[i])
			continue;
		dl_node_get_status(c->node[i], &st);
		if (st.state == DL_STATE_LEADER)
			found = i;
	}
	return found;
}

/* The leader's index once there is one, within @limit_ms; -1 if none. */
static __attribute__((unused)) int wait_leader_idx(struct cell *c,
						   int limit_ms)
{
	int waited, n;

	for (waited = 0; (n = leader_idx(c)) < 0 && waited < limit_ms;
	     waited += 10)
		run_ms(c, 10);
	return n;
}

#endif /* DLOCK_TEST_NODE_CELL_H */
