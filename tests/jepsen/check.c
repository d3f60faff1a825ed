// SPDX-License-Identifier: GPL-2.0
/*
 * jepsen_check: the checker of a Jepsen history of a dlock cell (the line
 * format is in history.h; Documentation/testing.rst explains the rules).
 *
 *   jepsen_check [-b BOUND_MS] [-q] HISTORY...
 *
 * Rules, each a kind of violation:
 *   malformed      a line that does not parse, a completion nobody invoked,
 *                  an invoke while the client's previous op is pending
 *   incomplete     an invoked op that never completed, though its client's
 *                  node did not crash (a client stuck in the kernel)
 *   unclear-error  a failure whose reason is not one of the errors the
 *                  interface documents for it (EIO, an unnamed errno...)
 *   overlap        two holds of incompatible modes on one resource that
 *                  overlap in real time, the older one never revoked
 *   stale-write    the same, the older one revoked, but the register still
 *                  accepted its token after the newer holder used it
 *   token-order    a grant that began after another completed, with a
 *                  fencing token not above it
 *   register       the register's own log: a gap in its sequence, or an
 *                  accepted write whose token is not above the previous one
 *   lost-update    an accepted write that is not the previous one + 1, or a
 *                  final value other than the number of accepted writes
 *   recovery       after the final heal, no agreed leader or no granted
 *                  lock within BOUND_MS (default 60000)
 *
 * Clocks: "info clock" lines (a run across separate kernels, whose times
 * are each guest's clock plus a measured offset) give a bound of each
 * time's error in VALUE ns.  With E the largest, every hold is shrunk by E
 * at both ends and every request's invocation moved E earlier before the
 * real-time rules (overlap, stale-write, token-order) compare them: what
 * they report cannot be an artifact of the clocks, and an overlap longer
 * than 2E is still caught.  Without clock lines E is 0 (one kernel).
 *
 * Prints a summary (ops completed, failures by reason, longest
 * unavailability after a heal) and one line per violation; exits 1 if
 * there is any, 2 on a usage or I/O error.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NONE		(-1LL)
#define T_INF		UINT64_MAX
#define NAME_LEN	32

struct event {
	uint64_t t;
	char client[NAME_LEN], node[NAME_LEN], type[8], op[16];
	char res[NAME_LEN], mode[4], result[NAME_LEN];
	long long token, value, seq;
	const char *file;
	int line;
	long order;	/* position in the input, to keep the sort stable */
};

struct hold {
	const struct event *grant;
	uint64_t invoked, start, end;
	uint64_t raw_start, raw_end;	/* as logged, before the clock allowance */
	int mode;
	bool revoked, crashed;
};

struct client {
	char name[NAME_LEN], node[NAME_LEN];
	const struct event *pending;
	long hold;		/* index in holds, -1 if none */
	bool ended, crashed;
};

struct reason {
	char op[16], why[NAME_LEN];
	long n;
};

static struct event *ev;
static long n_ev, cap_ev;
static struct hold *holds;
static long n_holds, cap_holds;
static struct client clients[512];
static int n_clients;
static struct reason reasons[128];
static int n_reasons;
static long violations;
static bool quiet;

/* The DLM compatibility matrix (uapi/linux/dlock.h), NL..EX. */
static const bool compat[6][6] = {
	{ 1, 1, 1, 1, 1, 1 },
	{ 1, 1, 1, 1, 1, 0 },
	{ 1, 1, 1, 0, 0, 0 },
	{ 1, 1, 0, 1, 0, 0 },
	{ 1, 1, 0, 0, 0, 0 },
	{ 1, 0, 0, 0, 0, 0 },
};

static const char * const mode_names[6] = { "NL", "CR", "CW", "PR", "PW", "EX" };

__attribute__((format(printf, 3, 4)))
static void violation(const char *kind, const struct event *e,
		      const char *fmt, ...)
{
	va_list ap;

	violations++;
	if (violations > 200)
		return;
	printf("VIOLATION %s: ", kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (e)
		printf(" (%s:%d)", e->file, e->line);
	printf("\n");
}

static void *grow(void *p, long *cap, size_t size)
{
	*cap = *cap ? *cap * 2 : 1024;
	p = realloc(p, *cap * size);
	if (!p) {
		perror("jepsen_check");
		exit(2);
	}
	return p;
}

static long long num_field(const char *s)
{
	return strcmp(s, "-") ? atoll(s) : NONE;
}

static int parse_file(const char *path)
{
	char line[1024], tok[3][32];
	unsigned long long t;
	FILE *f = fopen(path, "r");
	int lineno = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct event *e;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (n_ev == cap_ev)
			ev = grow(ev, &cap_ev, sizeof(*ev));
		e = &ev[n_ev];
		memset(e, 0, sizeof(*e));
		e->file = path;
		e->line = lineno;
		e->order = n_ev;
		if (sscanf(line, "%llu %31s %31s %7s %15s %31s %3s %31s %31s %31s %31s",
			   &t, e->client, e->node, e->type, e->op, e->res,
			   e->mode, e->result, tok[0], tok[1], tok[2]) != 11) {
			violation("malformed", e, "cannot parse: %.80s", line);
			continue;
		}
		e->t = t;
		e->token = num_field(tok[0]);
		e->value = num_field(tok[1]);
		e->seq = num_field(tok[2]);
		n_ev++;
	}
	fclose(f);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int mode_of(const char *s)
{
	int m;

	for (m = 0; m < 6; m++)
		if (!strcmp(s, mode_names[m]))
			return m;
	return -1;
}

static struct client *client_of(const struct event *e)
{
	int i;

	for (i = 0; i < n_clients; i++)
		if (!strcmp(clients[i].name, e->client))
			return &clients[i];
	if (n_clients == (int)(sizeof(clients) / sizeof(clients[0]))) {
		fprintf(stderr, "jepsen_check: too many clients\n");
		exit(2);
	}
	memset(&clients[n_clients], 0, sizeof(clients[0]));
	strcpy(clients[n_clients].name, e->client);
	strcpy(clients[n_clients].node, e->node);
	clients[n_clients].hold = -1;
	return &clients[n_clients++];
}

static void count_reason(const char *op, const char *why)
{
	int i;

	for (i = 0; i < n_reasons; i++) {
		if (!strcmp(reasons[i].op, op) && !strcmp(reasons[i].why, why)) {
			reasons[i].n++;
			return;
		}
	}
	if (n_reasons == (int)(sizeof(reasons) / sizeof(reasons[0])))
		return;
	snprintf(reasons[n_reasons].op, sizeof(reasons[0].op), "%s", op);
	snprintf(reasons[n_reasons].why, sizeof(reasons[0].why), "%s", why);
	reasons[n_reasons++].n = 1;
}

static bool in_list(const char *s, const char * const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/*
 * The documented failures of each op.  A lock request: busy (NOQUEUE), its
 * timeout, no cell to talk to, a cell that lost or re-formed under it.  An
 * unlock: the lock was already gone, or went (ENOLCK: revoked, its lease
 * lost, while the release was in flight).  The register: stale token.
 */
static const char * const lock_errors[] = {
	"EAGAIN", "ETIMEDOUT", "ENOTCONN", "ECONNRESET", "ENOLINK", "ESTALE",
	"ECANCELED", NULL
};
static const char * const unlock_errors[] = {
	"ENOENT", "ENOLCK", "ENOTCONN", "ECONNRESET", "ENOLINK", "ESTALE", NULL
};
/* ETIMEDOUT: the register server (regd.c) did not answer in time. */
static const char * const reg_errors[] = { "stale", "ETIMEDOUT", NULL };

static uint64_t n_ok_ops;
static uint64_t last_t;
static uint64_t last_heal, last_leader, last_fault;
static uint64_t *heals;
static long n_heals, cap_heals;
static long revoked_holds, crashed_ops;
static uint64_t clock_err;	/* E: the largest clock error bound, ns */
static long clock_lines;
/* Overlaps of the logged times that the clock allowance alone excused. */
static long clock_excused;

static void completion(struct client *c, const struct event *e)
{
	const struct event *inv = c->pending;
	bool ok = !strcmp(e->type, "ok");

	if (!inv || strcmp(inv->op, e->op)) {
		violation("malformed", e, "%s %s %s completes no invoke of its client",
			  e->client, e->type, e->op);
		return;
	}
	c->pending = NULL;
	if (ok) {
		n_ok_ops++;
	} else {
		const char * const *allowed = !strcmp(e->op, "lock") ?
			lock_errors : !strcmp(e->op, "unlock") ?
			unlock_errors : reg_errors;

		count_reason(e->op, e->result);
		if (!in_list(e->result, allowed))
			violation("unclear-error", e,
				  "%s %s %s failed with %s, not an error this op documents",
				  e->client, e->op, e->res, e->result);
	}
	if (!strcmp(e->op, "lock") && ok) {
		struct hold *h;

		if (c->hold >= 0)
			violation("malformed", e, "%s granted while holding",
				  e->client);
		if (n_holds == cap_holds)
			holds = grow(holds, &cap_holds, sizeof(*holds));
		h = &holds[n_holds];
		memset(h, 0, sizeof(*h));
		h->grant = e;
		h->invoked = inv->t;
		h->start = e->t;
		h->end = T_INF;
		h->mode = mode_of(e->mode);
		if (h->mode < 0 || e->token == NONE) {
			violation("malformed", e, "grant without mode or token");
			return;
		}
		c->hold = n_holds++;
	} else if (!strcmp(e->op, "unlock")) {
		if (!ok && c->hold >= 0)
			holds[c->hold].revoked = true;
		c->hold = -1;
	}
}

static void crash_node(const struct event *e)
{
	int i;

	for (i = 0; i < n_clients; i++) {
		struct client *c = &clients[i];

		if (strcmp(c->node, e->node) || c->ended || c->crashed)
			continue;
		c->crashed = true;
		if (c->pending) {
			crashed_ops++;
			c->pending = NULL;
		}
		if (c->hold >= 0) {
			holds[c->hold].end = e->t;
			holds[c->hold].crashed = true;
			c->hold = -1;
		}
	}
}

static void info(struct client *c, const struct event *e)
{
	if (!strcmp(e->op, "revoked")) {
		if (c->hold >= 0 && holds[c->hold].grant->token == e->token)
			holds[c->hold].revoked = true;
	} else if (!strcmp(e->op, "crash")) {
		crash_node(e);
	} else if (!strcmp(e->op, "fault")) {
		last_fault = e->t;
	} else if (!strcmp(e->op, "heal")) {
		last_heal = e->t;
		if (n_heals == cap_heals)
			heals = grow(heals, &cap_heals, sizeof(*heals));
		heals[n_heals++] = e->t;
	} else if (!strcmp(e->op, "clock")) {
		if (e->value < 0) {
			violation("malformed", e, "clock line without an error bound");
			return;
		}
		clock_lines++;
		if ((uint64_t)e->value > clock_err)
			clock_err = e->value;
	} else if (!strcmp(e->op, "leader")) {
		last_leader = e->t;
	} else if (!strcmp(e->op, "end")) {
		if (c->pending)
			violation("incomplete", e, "%s ended with %s %s pending",
				  e->client, c->pending->op, c->pending->res);
		if (c->hold >= 0)
			violation("malformed", e, "%s ended holding %s",
				  e->client, holds[c->hold].grant->res);
		c->ended = true;
	} else if (!strcmp(e->op, "abort")) {
		violation("unclear-error", e, "%s could not start: %s",
			  e->client, e->result);
		c->ended = true;
	}
}

static void replay(void)
{
	long i;

	for (i = 0; i < n_ev; i++) {
		const struct event *e = &ev[i];
		struct client *c;

		last_t = e->t;
		if (!strcmp(e->type, "reg"))
			continue;
		c = client_of(e);
		if (!strcmp(e->type, "invoke")) {
			if (c->pending)
				violation("malformed", e, "%s invoked %s with %s pending",
					  e->client, e->op, c->pending->op);
			c->pending = e;
			if (!strcmp(e->op, "unlock") && c->hold >= 0)
				holds[c->hold].end = e->t;
		} else if (!strcmp(e->type, "ok") || !strcmp(e->type, "fail")) {
			completion(c, e);
		} else if (!strcmp(e->type, "info")) {
			info(c, e);
		} else {
			violation("malformed", e, "unknown event type %s", e->type);
		}
	}
	for (i = 0; i < n_clients; i++) {
		struct client *c = &clients[i];

		if (c->pending && !c->crashed)
			violation("incomplete", c->pending,
				  "%s: %s %s %s never completed", c->name,
				  c->pending->op, c->pending->res,
				  c->pending->mode);
		if (c->hold >= 0 && holds[c->hold].end == T_INF)
			holds[c->hold].end = last_t;
	}
}

/* Register ops of one hold, from the register's log. */
static long long first_reg_seq(const struct hold *h)
{
	long long best = NONE;
	long i;

	for (i = 0; i < n_ev; i++) {
		const struct event *e = &ev[i];

		if (strcmp(e->type, "reg") || strcmp(e->client, h->grant->client) ||
		    strcmp(e->res, h->grant->res) || e->token != h->grant->token)
			continue;
		if (best == NONE || e->seq < best)
			best = e->seq;
	}
	return best;
}

static const struct event *accepted_after(const struct hold *h, long long seq)
{
	long i;

	for (i = 0; i < n_ev; i++) {
		const struct event *e = &ev[i];

		if (!strcmp(e->type, "reg") && !strcmp(e->result, "ok") &&
		    !strcmp(e->client, h->grant->client) &&
		    !strcmp(e->res, h->grant->res) &&
		    e->token == h->grant->token && e->seq > seq)
			return e;
	}
	return NULL;
}

static int by_res_start(const void *x, const void *y)
{
	const struct hold *a = x, *b = y;
	int c = strcmp(a->grant->res, b->grant->res);

	if (c)
		return c;
	return (a->start > b->start) - (a->start < b->start);
}

/* @a is the older of two overlapping holds of incompatible modes. */
static void check_overlap(const struct hold *a, const struct hold *b)
{
	const struct event *stale;
	long long seq;

	if (!a->revoked && !a->crashed) {
		violation("overlap", b->grant,
			  "%s holds %s %s (token %lld) while %s still holds it %s (token %lld), never revoked",
			  b->grant->client, b->grant->res, mode_names[b->mode],
			  b->grant->token, a->grant->client,
			  mode_names[a->mode], a->grant->token);
		return;
	}
	seq = first_reg_seq(b);
	if (seq == NONE)
		return;
	stale = accepted_after(a, seq);
	if (stale)
		violation("stale-write", stale,
			  "the register accepted revoked %s's token %lld at seq %lld after %s used token %lld at seq %lld",
			  a->grant->client, a->grant->token, stale->seq,
			  b->grant->client, b->grant->token, seq);
}

/*
 * Holds of one resource, sorted by start: overlaps, and tokens against
 * every grant that completed before a request was made (the prefix of
 * the sorted holds that started before it; its running maximum).
 */
static void check_resource(struct hold *h, long n)
{
	long *best = malloc(n * sizeof(*best));
	long i, j, lo, hi;

	if (!best) {
		perror("jepsen_check");
		exit(2);
	}
	for (i = 0; i < n; i++) {
		if (h[i].revoked)
			revoked_holds++;
		best[i] = i;
		if (i && h[best[i - 1]].grant->token >= h[i].grant->token)
			best[i] = best[i - 1];
		for (j = i + 1; j < n && h[j].start < h[i].end; j++)
			if (!compat[h[i].mode][h[j].mode] &&
			    h[j].end > h[i].start)
				check_overlap(&h[i], &h[j]);
		/*
		 * Pairs whose logged times overlap but whose shrunk ones do
		 * not: the allowance's cost, reported so that a bound that
		 * grew large cannot silently empty the check.
		 */
		for (j = i + 1; clock_err && j < n &&
		     h[j].start < h[i].end + 2 * clock_err; j++)
			if (!compat[h[i].mode][h[j].mode] &&
			    !h[i].revoked && !h[i].crashed &&
			    h[j].raw_start < h[i].raw_end &&
			    h[j].raw_end > h[i].raw_start &&
			    !(h[j].start < h[i].end && h[j].end > h[i].start))
				clock_excused++;
	}
	for (i = 0; i < n; i++) {
		const struct hold *a, *b = &h[i];

		/* The holds that started before b was requested: [0, lo). */
		lo = 0;
		hi = n;
		while (lo < hi) {
			long mid = (lo + hi) / 2;

			if (h[mid].start < b->invoked)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo)
			continue;
		a = &h[best[lo - 1]];
		if (a->grant->token >= b->grant->token)
			violation("token-order", b->grant,
				  "%s %s token %lld granted after %s's token %lld completed",
				  b->grant->client, b->grant->res,
				  b->grant->token, a->grant->client,
				  a->grant->token);
	}
	free(best);
}

/*
 * Each time may be off by up to E: keep of each hold only what surely was
 * held (later start, earlier end), and take each request as made as early
 * as it could have been.  An emptied hold overlaps nothing.
 */
static void shrink_holds(uint64_t e)
{
	long i;

	for (i = 0; i < n_holds; i++) {
		struct hold *h = &holds[i];

		h->raw_start = h->start;
		h->raw_end = h->end;
		if (!e)
			continue;
		h->invoked = h->invoked > e ? h->invoked - e : 0;
		h->start += e;
		if (h->end != T_INF)
			h->end = h->end > e ? h->end - e : 0;
		if (h->end < h->start)
			h->end = h->start;
	}
}

static void check_holds(void)
{
	long i, from = 0;

	shrink_holds(clock_err);
	qsort(holds, n_holds, sizeof(*holds), by_res_start);
	for (i = 1; i <= n_holds; i++) {
		if (i < n_holds &&
		    !strcmp(holds[i].grant->res, holds[from].grant->res))
			continue;
		check_resource(&holds[from], i - from);
		from = i;
	}
}

static int by_seq(const void *x, const void *y)
{
	const struct event *a = *(const struct event * const *)x;
	const struct event *b = *(const struct event * const *)y;

	return (a->seq > b->seq) - (a->seq < b->seq);
}

static long writes_ok, writes_stale;

static void check_register(const char *res)
{
	const struct event **ops = NULL, *final = NULL;
	long n = 0, i, accepted = 0;
	long long value = 0, token = NONE;

	for (i = 0; i < n_ev; i++) {
		if (strcmp(ev[i].res, res))
			continue;
		if (!strcmp(ev[i].type, "reg")) {
			ops = realloc(ops, (n + 1) * sizeof(*ops));
			if (!ops)
				exit(2);
			ops[n++] = &ev[i];
		} else if (!strcmp(ev[i].type, "info") &&
			   !strcmp(ev[i].op, "final")) {
			final = &ev[i];
		}
	}
	qsort(ops, n, sizeof(*ops), by_seq);
	for (i = 0; i < n; i++) {
		const struct event *e = ops[i];

		if (e->seq != i + 1) {
			violation("register", e, "%s: sequence %lld where %ld was due",
				  res, e->seq, i + 1);
			break;
		}
		if (strcmp(e->op, "write"))
			continue;
		if (strcmp(e->result, "ok")) {
			writes_stale++;
			continue;
		}
		writes_ok++;
		accepted++;
		if (token != NONE && e->token <= token)
			violation("register", e, "%s: write with token %lld accepted after token %lld",
				  res, e->token, token);
		token = e->token;
		if (e->value != value + 1)
			violation("lost-update", e, "%s: %s wrote %lld over %lld (token %lld): an update was lost",
				  e->client, res, e->value, value, e->token);
		value = e->value;
	}
	if (n && !final)
		violation("lost-update", ops[n - 1], "%s: no final value logged", res);
	else if (final && final->value != accepted)
		violation("lost-update", final, "%s: final value %lld, but %ld writes were accepted",
			  res, final->value, accepted);
	free(ops);
}

static void check_registers(void)
{
	char seen[64][NAME_LEN];
	int n_seen = 0, k;
	long i;

	for (i = 0; i < n_ev; i++) {
		if (strcmp(ev[i].type, "reg") &&
		    !(!strcmp(ev[i].type, "info") && !strcmp(ev[i].op, "final")))
			continue;
		for (k = 0; k < n_seen; k++)
			if (!strcmp(seen[k], ev[i].res))
				break;
		if (k < n_seen || n_seen == 64)
			continue;
		strcpy(seen[n_seen++], ev[i].res);
		check_register(ev[i].res);
	}
}

/* The first granted lock at or after @t, T_INF if none. */
static uint64_t first_grant_after(uint64_t t)
{
	long i;

	for (i = 0; i < n_ev; i++)
		if (ev[i].t >= t && !strcmp(ev[i].type, "ok") &&
		    !strcmp(ev[i].op, "lock"))
			return ev[i].t;
	return T_INF;
}

static void check_recovery(uint64_t bound_ms)
{
	uint64_t worst = 0, worst_at = 0, g;
	long i, unrecovered = 0;

	for (i = 0; i < n_heals; i++) {
		g = first_grant_after(heals[i]);
		if (g == T_INF) {
			unrecovered++;
			continue;
		}
		if (g - heals[i] > worst) {
			worst = g - heals[i];
			worst_at = heals[i];
		}
	}
	if (n_heals)
		printf("unavailability after a heal: longest %llu ms (heal at %llu), over %ld heals%s\n",
		       (unsigned long long)(worst / 1000000),
		       (unsigned long long)worst_at, n_heals,
		       unrecovered ? ", some never followed by a grant" : "");
	if (!last_heal)
		return;
	if (last_fault > last_heal) {
		violation("recovery", NULL, "the history ends with a fault not healed");
		return;
	}
	if (!last_leader || last_leader < last_heal) {
		violation("recovery", NULL, "no agreed leader logged after the final heal");
		return;
	}
	if ((last_leader - last_heal) / 1000000 > bound_ms)
		violation("recovery", NULL, "one leader only %llu ms after the final heal (bound %llu ms)",
			  (unsigned long long)((last_leader - last_heal) / 1000000),
			  (unsigned long long)bound_ms);
	g = first_grant_after(last_heal);
	if (g == T_INF)
		violation("recovery", NULL, "no lock granted after the final heal");
	else if ((g - last_heal) / 1000000 > bound_ms)
		violation("recovery", NULL, "first grant %llu ms after the final heal (bound %llu ms)",
			  (unsigned long long)((g - last_heal) / 1000000),
			  (unsigned long long)bound_ms);
	else
		printf("after the final heal: leader in %llu ms, first grant in %llu ms (bound %llu ms)\n",
		       (unsigned long long)((last_leader - last_heal) / 1000000),
		       (unsigned long long)((g - last_heal) / 1000000),
		       (unsigned long long)bound_ms);
}

static void summary(void)
{
	int i;

	printf("%ld events, %d clients, %llu ops completed, %ld holds (%ld revoked), %ld ops cut by crashes\n",
	       n_ev, n_clients, (unsigned long long)n_ok_ops, n_holds,
	       revoked_holds, crashed_ops);
	printf("register: %ld writes accepted, %ld stale writes rejected\n",
	       writes_ok, writes_stale);
	if (clock_lines)
		printf("clocks: %ld offsets measured, error bound E = %.1f us: holds shrunk by E at each end; %ld overlaps of logged times within 2E not counted\n",
		       clock_lines, clock_err / 1000.0, clock_excused);
	printf("ops failed:");
	for (i = 0; i < n_reasons; i++)
		printf(" %s:%s=%ld", reasons[i].op, reasons[i].why, reasons[i].n);
	printf("%s\n", n_reasons ? "" : " none");
}

int main(int argc, char **argv)
{
	uint64_t bound_ms = 60000;
	int opt, i;

	while ((opt = getopt(argc, argv, "b:q")) != -1) {
		switch (opt) {
		case 'b':
			bound_ms = strtoull(optarg, NULL, 0);
			break;
		case 'q':
			quiet = true;
			break;
		default:
			fprintf(stderr, "usage: jepsen_check [-b BOUND_MS] [-q] HISTORY...\n");
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: jepsen_check [-b BOUND_MS] [-q] HISTORY...\n");
		return 2;
	}
	for (i = optind; i < argc; i++)
		if (parse_file(argv[i]))
			return 2;
	qsort(ev, n_ev, sizeof(*ev), by_time);
	replay();
	check_holds();
	check_registers();
	if (!quiet)
		summary();
	check_recovery(bound_ms);
	printf("%ld violations\n", violations);
	return violations ? 1 : 0;
}
