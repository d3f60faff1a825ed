/* SPDX-License-Identifier: GPL-2.0 */
/*
 * checker.h - the simulator's invariant checker over an in-memory history.
 *
 * The simulator (or a unit test) feeds every observable event in virtual
 * time order; each call checks the invariants the event can break, at once,
 * so the first violation is reported at the step that caused it:
 *
 *   - at most one leader per term;
 *   - no two incompatible grants of one resource held at the same time, from
 *     the holders' point of view: a holder holds from the moment its grant is
 *     delivered until it invokes unlock, is told REVOKED, its owner is
 *     released or its node dies;
 *   - fencing tokens strictly increase per resource in grant order: a grant
 *     that starts after an incompatible holding ended carries a larger token;
 *   - applied log prefixes agree: one digest per log index across all nodes;
 *   - every request is answered exactly once, and by the end of the run
 *     (bounded time after the final heal) none is left unanswered.
 *
 * The checker knows nothing about the core: requests, resources and nodes are
 * plain numbers chosen by the caller.  It does not depend on env.h either, so
 * it can be tested on its own.
 */
#ifndef DLOCK_SIM_CHECKER_H
#define DLOCK_SIM_CHECKER_H

#include <stdbool.h>
#include <stdint.h>

enum chk_kind {
	CHK_OK = 0,
	CHK_TWO_LEADERS,	/* two nodes leader in one term */
	CHK_EXCLUSION,		/* incompatible holdings overlap */
	CHK_FENCING,		/* token did not increase */
	CHK_LOG_DIVERGED,	/* two digests for one log index */
	CHK_UNANSWERED,		/* request never answered */
	CHK_DOUBLE_ANSWER,	/* request answered twice */
	CHK_BAD_EVENT,		/* event about an unknown or ended request */
	CHK_KIND_COUNT
};

/* Lock modes, numbered as enum dlock_mode (NL..EX). */
#define CHK_MODES	6

struct chk;

struct chk *chk_create(void);
void chk_destroy(struct chk *c);

/* Name of a violation kind, for reports. */
const char *chk_kind_name(enum chk_kind kind);

/* Whether two lock modes may be held together (DLM matrix). */
bool chk_modes_compatible(unsigned int a, unsigned int b);

/*
 * Events.  @t is virtual time in ns, non-decreasing between calls.  @req is
 * the caller's unique id of one lock request; the holding it creates keeps
 * that id until it ends.  Each returns CHK_OK or the violation it found (the
 * first violation is also kept, see chk_first()).
 */
enum chk_kind chk_invoke(struct chk *c, uint64_t t, uint64_t req,
			 uint32_t node, uint32_t res, unsigned int mode);
enum chk_kind chk_grant(struct chk *c, uint64_t t, uint64_t req,
			uint64_t token);
enum chk_kind chk_fail(struct chk *c, uint64_t t, uint64_t req, int err);
/* The holder lets go (unlock invoked): its holding ends now. */
enum chk_kind chk_unlock(struct chk *c, uint64_t t, uint64_t req);
/* The holder is told its lock is lost: its holding ends now. */
enum chk_kind chk_revoke(struct chk *c, uint64_t t, uint64_t req);
/*
 * The request's owner went away (release_owner, or cancel acknowledged by
 * the caller's own bookkeeping): a holding ends and an unanswered request no
 * longer needs an answer.  Later answers to it are ignored.
 */
enum chk_kind chk_forget(struct chk *c, uint64_t t, uint64_t req);
/* A node died: every request and holding of its owners is forgotten. */
enum chk_kind chk_node_down(struct chk *c, uint64_t t, uint32_t node);
/* @node reports itself leader of @term. */
enum chk_kind chk_leader(struct chk *c, uint64_t t, uint32_t node,
			 uint64_t term);
/* @node applied log entry @index whose content hashes to @digest. */
enum chk_kind chk_applied(struct chk *c, uint64_t t, uint32_t node,
			  uint64_t index, uint64_t digest);
/* End of run: every request still pending is a violation. */
enum chk_kind chk_finish(struct chk *c, uint64_t t);

/* Number of violations so far, and a description of the first one. */
unsigned long chk_violations(const struct chk *c);
enum chk_kind chk_first(const struct chk *c, const char **msg);

/* Statistics for summaries. */
struct chk_stats {
	unsigned long invoked, granted, failed, revoked, forgotten;
	unsigned long leaders;		/* distinct terms with a leader */
	uint64_t max_index;		/* highest applied index seen */
};
void chk_get_stats(const struct chk *c, struct chk_stats *st);

#endif /* DLOCK_SIM_CHECKER_H */
