// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_watch.c - "dlockadm watch": stream the cell's events as they come,
 * one line each (with --json, one JSON object per line).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "dlockadm.h"
#include "json.h"
#include "parse.h"

static void watch_usage(FILE *out)
{
	fputs("Usage: dlockadm [-j] [-n NETNS] watch [count N] [timeout SECONDS]\n"
	      "\n"
	      "Print the node's events as they happen: leader changes,\n"
	      "membership changes, a lost lease, revoked locks.  Each line\n"
	      "names the event, the reporting node, its state, the leader and\n"
	      "the term.  With --json, each event is one JSON object on its own\n"
	      "line (type, node_id, state, leader_id, term).\n"
	      "\n"
	      "  count N          stop after N events\n"
	      "  timeout SECONDS  stop after SECONDS; with count, not seeing N\n"
	      "                   events by then is an error (exit status 1)\n", out);
}

static int watch_print(struct dlockadm *ctx, const struct dlock_cell_event *ev)
{
	struct json_writer w;

	if (!ctx->json) {
		printf("%s node %u state %s leader %u term %llu\n",
		       dlock_event_name(ev->type), ev->node_id,
		       dlock_state_name(ev->state), ev->leader_id,
		       (unsigned long long)ev->term);
		return dlockadm_finish_output(0);
	}
	json_init(&w, stdout);
	json_object_begin(&w);
	json_key(&w, "type");
	json_string(&w, dlock_event_name(ev->type));
	json_key(&w, "node_id");
	json_u64(&w, ev->node_id);
	json_key(&w, "state");
	json_string(&w, dlock_state_name(ev->state));
	json_key(&w, "leader_id");
	json_u64(&w, ev->leader_id);
	json_key(&w, "term");
	json_u64(&w, ev->term);
	json_object_end(&w);
	return dlockadm_json_finish(&w) ?: dlockadm_finish_output(0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int watch_run(struct dlockadm *ctx, int argc, char **argv)
{
	uint32_t count = 0, timeout_ms = 0, seen = 0;
	struct dlock_cell_event ev;
	struct dlock_events *evs;
	bool exit_now = false;
	int64_t deadline = 0;
	const char *v;
	int i, code, err, wait;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_watch, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "help")) {
			watch_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "count")) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (parse_u32(v, 1, UINT32_MAX, &count))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid count '%s' (expected 1..%u)",
						      v, UINT32_MAX);
		} else if (!strcmp(argv[i], "timeout")) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (parse_seconds_ms(v, 1, INT32_MAX, &timeout_ms))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid timeout '%s' (seconds, 0.001..%d)",
						      v, INT32_MAX / 1000);
		} else {
			return dlockadm_bad_argument("watch", argv[i]);
		}
	}
	code = dlockadm_enter_netns(ctx);
	if (code)
		return code;
	err = dlock_events_open(&evs);
	if (err == -ENOENT)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "dlock module not loaded (no generic netlink family '%s')",
				      DLOCK_GENL_NAME);
	if (err)
		return dlockadm_lib_error(err, "cannot subscribe to events");
	if (timeout_ms)
		deadline = now_ms() + timeout_ms;
	code = 0;
	while (!count || seen < count) {
		wait = -1;
		if (deadline) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				break;
			wait = (int)left;
		}
		err = dlock_events_read(evs, &ev, wait);
		if (err == -EAGAIN)
			continue;
		if (err == -ENOBUFS) {
			/* Say so, and go on with the events that follow. */
			dlockadm_error(0, "events were lost: the kernel's queue overflowed");
			continue;
		}
		if (err) {
			code = dlockadm_lib_error(err, "cannot read events");
			break;
		}
		seen++;
		code = watch_print(ctx, &ev);
		if (code)
			break;
	}
	dlock_events_close(evs);
	if (!code && count && seen < count)
		code = dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "%u of %u events before the timeout",
				      seen, count);
	return code;
}

const struct dlockadm_cmd dlockadm_cmd_watch = {
	.name = "watch",
	.summary = "stream the cell's events",
	.run = watch_run,
	.usage = watch_usage,
};
