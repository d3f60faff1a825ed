// SPDX-License-Identifier: GPL-2.0
/*
 * checker.c - invariants over the simulator's history; see checker.h.
 *
 * Every check is incremental, O(1) or O(holders of one resource) per event,
 * because it runs after every step of thousands of runs.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

enum rq_state {
	RQ_PENDING,	/* invoked, not answered */
	RQ_HELD,	/* granted, holder still holds */
	RQ_ENDED,	/* granted, holding over */
	RQ_FAILED,	/* answered with an error */
	RQ_FORGOTTEN,	/* owner gone; later answers are moot */
};

struct rq {
	uint64_t id;
	uint64_t token;
	uint64_t t_invoke, t_grant;
	uint32_t node, res;
	uint8_t mode;
	uint8_t state;
	bool answered;
	uint32_t hold_pos;	/* index in its resource's active array */
};

struct res {
	uint32_t *active;	/* rq indices of current holders */
	uint32_t nr_active, cap_active;
	/* highest token among ended holdings, per mode */
	uint64_t max_ended[CHK_MODES];
	bool ended_seen[CHK_MODES];
};

struct term_slot {
	uint64_t term;		/* 0 = empty */
	uint32_t node;
};

struct chk {
	struct rq *rqs;
	uint32_t nr_rqs, cap_rqs;
	uint32_t *rq_hash;	/* open addressing: rq index + 1, 0 = empty */
	uint32_t hash_cap;	/* power of two */

	struct res *res;
	uint32_t nr_res;

	struct term_slot *terms;
	uint32_t nr_terms, terms_cap;	/* power of two */

	uint64_t *digest;	/* per log index; 0 = not seen */
	uint32_t *digest_node;	/* who applied it first */
	uint64_t digest_cap, max_index;

	unsigned long violations;
	enum chk_kind first_kind;
	char first_msg[320];
	struct chk_stats st;
};

/* Upper bound on indexes we track, so garbage cannot exhaust memory. */
#define CHK_MAX_INDEX	(1ULL << 26)

static const char *const kind_names[CHK_KIND_COUNT] = {
	[CHK_OK] = "ok",
	[CHK_TWO_LEADERS] = "two-leaders-in-term",
	[CHK_EXCLUSION] = "incompatible-grants-overlap",
	[CHK_FENCING] = "fencing-token-not-increasing",
	[CHK_LOG_DIVERGED] = "applied-logs-diverge",
	[CHK_UNANSWERED] = "request-unanswered",
	[CHK_DOUBLE_ANSWER] = "request-answered-twice",
	[CHK_BAD_EVENT] = "event-for-unknown-request",
};

const char *chk_kind_name(enum chk_kind kind)
{
	if ((unsigned int)kind >= CHK_KIND_COUNT)
		return "?";
	return kind_names[kind];
}

/* The DLM compatibility matrix, NL..EX, as in uapi/linux/dlock.h. */
static const uint8_t compat[CHK_MODES][CHK_MODES] = {
	{ 1, 1, 1, 1, 1, 1 },
	{ 1, 1, 1, 1, 1, 0 },
	{ 1, 1, 1, 0, 0, 0 },
	{ 1, 1, 0, 1, 0, 0 },
	{ 1, 1, 0, 0, 0, 0 },
	{ 1, 0, 0, 0, 0, 0 },
};

bool chk_modes_compatible(unsigned int a, unsigned int b)
{
	if (a >= CHK_MODES || b >= CHK_MODES)
		return false;
	return compat[a][b];
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "checker: out of memory\n");
		abort();
	}
	return p;
}

struct chk *chk_create(void)
{
	struct chk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->hash_cap = 1024;
	c->rq_hash = calloc(c->hash_cap, sizeof(*c->rq_hash));
	c->terms_cap = 64;
	c->terms = calloc(c->terms_cap, sizeof(*c->terms));
	if (!c->rq_hash || !c->terms) {
		chk_destroy(c);
		return NULL;
	}
	return c;
}

void chk_destroy(struct chk *c)
{
	uint32_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr_res; i++)
		free(c->res[i].active);
	free(c->res);
	free(c->rqs);
	free(c->rq_hash);
	free(c->terms);
	free(c->digest);
	free(c->digest_node);
	free(c);
}

static enum chk_kind violate(struct chk *c, enum chk_kind kind,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum chk_kind violate(struct chk *c, enum chk_kind kind,
			     const char *fmt, ...)
{
	va_list ap;

	if (!c->violations++) {
		int n;

		c->first_kind = kind;
		n = snprintf(c->first_msg, sizeof(c->first_msg), "%s: ",
			     chk_kind_name(kind));
		va_start(ap, fmt);
		vsnprintf(c->first_msg + n, sizeof(c->first_msg) - n, fmt, ap);
		va_end(ap);
	}
	return kind;
}

static uint32_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint32_t *rq_slot(struct chk *c, uint64_t id)
{
	uint32_t mask = c->hash_cap - 1, i = hash64(id) & mask;

	while (c->rq_hash[i] && c->rqs[c->rq_hash[i] - 1].id != id)
		i = (i + 1) & mask;
	return &c->rq_hash[i];
}

static struct rq *rq_find(struct chk *c, uint64_t id)
{
	uint32_t s = *rq_slot(c, id);

	return s ? &c->rqs[s - 1] : NULL;
}

static void rq_hash_grow(struct chk *c)
{
	uint32_t i;

	free(c->rq_hash);
	c->hash_cap *= 2;
	c->rq_hash = calloc(c->hash_cap, sizeof(*c->rq_hash));
	if (!c->rq_hash) {
		fprintf(stderr, "checker: out of memory\n");
		abort();
	}
	for (i = 0; i < c->nr_rqs; i++)
		*rq_slot(c, c->rqs[i].id) = i + 1;
}

static struct res *res_get(struct chk *c, uint32_t r)
{
	if (r >= c->nr_res) {
		uint32_t n = r + 1;

		c->res = xrealloc(c->res, n * sizeof(*c->res));
		memset(c->res + c->nr_res, 0,
		       (n - c->nr_res) * sizeof(*c->res));
		c->nr_res = n;
	}
	return &c->res[r];
}

enum chk_kind chk_invoke(struct chk *c, uint64_t t, uint64_t req,
			 uint32_t node, uint32_t res, unsigned int mode)
{
	struct rq *rq;

	if (mode >= CHK_MODES)
		return violate(c, CHK_BAD_EVENT, "req %" PRIu64
			       " invoked with mode %u", req, mode);
	if (rq_find(c, req))
		return violate(c, CHK_BAD_EVENT, "req %" PRIu64
			       " invoked twice", req);
	if (c->nr_rqs == c->cap_rqs) {
		c->cap_rqs = c->cap_rqs ? c->cap_rqs * 2 : 256;
		c->rqs = xrealloc(c->rqs, c->cap_rqs * sizeof(*c->rqs));
	}
	if ((c->nr_rqs + 1) * 2 > c->hash_cap)
		rq_hash_grow(c);
	rq = &c->rqs[c->nr_rqs];
	memset(rq, 0, sizeof(*rq));
	rq->id = req;
	rq->node = node;
	rq->res = res;
	rq->mode = mode;
	rq->state = RQ_PENDING;
	rq->t_invoke = t;
	*rq_slot(c, req) = ++c->nr_rqs;
	res_get(c, res);
	c->st.invoked++;
	return CHK_OK;
}

static void hold_end(struct chk *c, struct rq *rq)
{
	struct res *r = &c->res[rq->res];
	uint32_t last = r->active[--r->nr_active];

	/* swap-remove keeps every removal O(1) */
	r->active[rq->hold_pos] = last;
	c->rqs[last].hold_pos = rq->hold_pos;
	if (!r->ended_seen[rq->mode] || rq->token > r->max_ended[rq->mode])
		r->max_ended[rq->mode] = rq->token;
	r->ended_seen[rq->mode] = true;
	rq->state = RQ_ENDED;
}

static enum chk_kind answered_twice(struct chk *c, struct rq *rq,
				    const char *what)
{
	return violate(c, CHK_DOUBLE_ANSWER, "req %" PRIu64 " (node %u res %u)"
		       " got %s after it was already answered", rq->id,
		       rq->node, rq->res, what);
}

enum chk_kind chk_grant(struct chk *c, uint64_t t, uint64_t req,
			uint64_t token)
{
	struct rq *rq = rq_find(c, req);
	enum chk_kind ret = CHK_OK;
	struct res *r;
	uint32_t i;
	unsigned int m;

	if (!rq)
		return violate(c, CHK_BAD_EVENT, "grant for unknown req %"
			       PRIu64, req);
	if (rq->state == RQ_FORGOTTEN)
		return CHK_OK;
	if (rq->state != RQ_PENDING)
		return answered_twice(c, rq, "a grant");
	r = &c->res[rq->res];
	for (i = 0; i < r->nr_active; i++) {
		struct rq *h = &c->rqs[r->active[i]];

		if (chk_modes_compatible(h->mode, rq->mode))
			continue;
		ret = violate(c, CHK_EXCLUSION, "res %u: req %" PRIu64
			      " (node %u mode %u token %" PRIu64
			      ") granted at %" PRIu64 " while req %" PRIu64
			      " (node %u mode %u token %" PRIu64
			      ", granted at %" PRIu64 ") still holds",
			      rq->res, rq->id, rq->node, rq->mode, token, t,
			      h->id, h->node, h->mode, h->token, h->t_grant);
		break;
	}
	for (m = 0; m < CHK_MODES && ret == CHK_OK; m++) {
		if (!r->ended_seen[m] || chk_modes_compatible(m, rq->mode))
			continue;
		if (r->max_ended[m] >= token)
			ret = violate(c, CHK_FENCING, "res %u: req %" PRIu64
				      " (node %u mode %u) granted token %"
				      PRIu64 " at %" PRIu64 " but an earlier"
				      " mode-%u holding had token %" PRIu64,
				      rq->res, rq->id, rq->node, rq->mode,
				      token, t, m, r->max_ended[m]);
	}
	if (r->nr_active == r->cap_active) {
		r->cap_active = r->cap_active ? r->cap_active * 2 : 8;
		r->active = xrealloc(r->active,
				     r->cap_active * sizeof(*r->active));
	}
	rq->hold_pos = r->nr_active;
	r->active[r->nr_active++] = rq - c->rqs;
	rq->state = RQ_HELD;
	rq->answered = true;
	rq->token = token;
	rq->t_grant = t;
	c->st.granted++;
	return ret;
}

enum chk_kind chk_fail(struct chk *c, uint64_t t, uint64_t req, int err)
{
	struct rq *rq = rq_find(c, req);

	(void)t;
	if (!rq)
		return violate(c, CHK_BAD_EVENT, "failure %d for unknown req %"
			       PRIu64, err, req);
	if (rq->state == RQ_FORGOTTEN)
		return CHK_OK;
	if (rq->state != RQ_PENDING)
		return answered_twice(c, rq, "a failure");
	rq->state = RQ_FAILED;
	rq->answered = true;
	c->st.failed++;
	return CHK_OK;
}

enum chk_kind chk_unlock(struct chk *c, uint64_t t, uint64_t req)
{
	struct rq *rq = rq_find(c, req);

	(void)t;
	if (!rq || rq->state != RQ_HELD)
		return violate(c, CHK_BAD_EVENT, "unlock of req %" PRIu64
			       " which is not held", req);
	hold_end(c, rq);
	return CHK_OK;
}

enum chk_kind chk_revoke(struct chk *c, uint64_t t, uint64_t req)
{
	struct rq *rq = rq_find(c, req);

	(void)t;
	if (!rq)
		return violate(c, CHK_BAD_EVENT, "revoke of unknown req %"
			       PRIu64, req);
	switch (rq->state) {
	case RQ_HELD:
		hold_end(c, rq);
		c->st.revoked++;
		break;
	case RQ_PENDING:
		/* a waiter told its request is lost: that is its answer */
		rq->state = RQ_FAILED;
		rq->answered = true;
		c->st.revoked++;
		break;
	default:
		/* a revoke racing the holder's own unlock is harmless */
		break;
	}
	return CHK_OK;
}

enum chk_kind chk_forget(struct chk *c, uint64_t t, uint64_t req)
{
	struct rq *rq = rq_find(c, req);

	(void)t;
	if (!rq)
		return violate(c, CHK_BAD_EVENT, "forget of unknown req %"
			       PRIu64, req);
	if (rq->state == RQ_HELD)
		hold_end(c, rq);
	if (rq->state == RQ_PENDING || rq->state == RQ_HELD ||
	    rq->state == RQ_ENDED)
		c->st.forgotten++;
	rq->state = RQ_FORGOTTEN;
	return CHK_OK;
}

enum chk_kind chk_node_down(struct chk *c, uint64_t t, uint32_t node)
{
	uint32_t i;

	for (i = 0; i < c->nr_rqs; i++) {
		struct rq *rq = &c->rqs[i];

		if (rq->node != node)
			continue;
		if (rq->state == RQ_PENDING || rq->state == RQ_HELD)
			chk_forget(c, t, rq->id);
		else
			rq->state = RQ_FORGOTTEN;
	}
	return CHK_OK;
}

enum chk_kind chk_leader(struct chk *c, uint64_t t, uint32_t node,
			 uint64_t term)
{
	uint32_t mask, i;

	if (!term)
		return violate(c, CHK_BAD_EVENT, "node %u leader of term 0",
			       node);
	if ((c->nr_terms + 1) * 2 > c->terms_cap) {
		struct term_slot *old = c->terms;
		uint32_t oldcap = c->terms_cap;

		c->terms_cap *= 2;
		c->terms = calloc(c->terms_cap, sizeof(*c->terms));
		if (!c->terms)
			abort();
		mask = c->terms_cap - 1;
		for (i = 0; i < oldcap; i++) {
			uint32_t j;

			if (!old[i].term)
				continue;
			j = hash64(old[i].term) & mask;
			while (c->terms[j].term)
				j = (j + 1) & mask;
			c->terms[j] = old[i];
		}
		free(old);
	}
	mask = c->terms_cap - 1;
	i = hash64(term) & mask;
	while (c->terms[i].term && c->terms[i].term != term)
		i = (i + 1) & mask;
	if (!c->terms[i].term) {
		c->terms[i].term = term;
		c->terms[i].node = node;
		c->nr_terms++;
		c->st.leaders++;
		return CHK_OK;
	}
	if (c->terms[i].node != node)
		return violate(c, CHK_TWO_LEADERS, "term %" PRIu64 ": node %u"
			       " and node %u both leader (seen at %" PRIu64
			       ")", term, c->terms[i].node, node, t);
	return CHK_OK;
}

enum chk_kind chk_applied(struct chk *c, uint64_t t, uint32_t node,
			  uint64_t index, uint64_t digest)
{
	(void)t;
	if (index >= CHK_MAX_INDEX)
		return violate(c, CHK_BAD_EVENT, "node %u applied index %"
			       PRIu64 ", beyond what the checker tracks",
			       node, index);
	/* 0 marks "not seen yet", so fold it into a real value */
	if (!digest)
		digest = 1;
	if (index >= c->digest_cap) {
		uint64_t n = c->digest_cap ? c->digest_cap : 1024;

		while (n <= index)
			n *= 2;
		c->digest = xrealloc(c->digest, n * sizeof(*c->digest));
		c->digest_node = xrealloc(c->digest_node,
					  n * sizeof(*c->digest_node));
		memset(c->digest + c->digest_cap, 0,
		       (n - c->digest_cap) * sizeof(*c->digest));
		c->digest_cap = n;
	}
	if (index > c->max_index)
		c->max_index = index;
	if (!c->digest[index]) {
		c->digest[index] = digest;
		c->digest_node[index] = node;
		return CHK_OK;
	}
	if (c->digest[index] != digest)
		return violate(c, CHK_LOG_DIVERGED, "index %" PRIu64 ": node %u"
			       " applied %016" PRIx64 ", node %u applied %016"
			       PRIx64, index, c->digest_node[index],
			       c->digest[index], node, digest);
	return CHK_OK;
}

enum chk_kind chk_finish(struct chk *c, uint64_t t)
{
	enum chk_kind ret = CHK_OK;
	uint32_t i;

	for (i = 0; i < c->nr_rqs; i++) {
		struct rq *rq = &c->rqs[i];

		if (rq->state != RQ_PENDING)
			continue;
		ret = violate(c, CHK_UNANSWERED, "req %" PRIu64 " (node %u res"
			      " %u mode %u) invoked at %" PRIu64 " still"
			      " unanswered at %" PRIu64, rq->id, rq->node,
			      rq->res, rq->mode, rq->t_invoke, t);
	}
	return ret;
}

unsigned long chk_violations(const struct chk *c)
{
	return c->violations;
}

enum chk_kind chk_first(const struct chk *c, const char **msg)
{
	if (msg)
		*msg = c->violations ? c->first_msg : "";
	return c->violations ? c->first_kind : CHK_OK;
}

void chk_get_stats(const struct chk *c, struct chk_stats *st)
{
	*st = c->st;
	st->max_index = c->max_index;
}
