// SPDX-License-Identifier: GPL-2.0
/* cmd_stats.c - "dlockadm stats": the node's counters. */
#include <stdlib.h>
#include <string.h>

#include "dlockadm.h"
#include "json.h"
#include "table.h"

static void stats_usage(FILE *out)
{
	fputs("Usage: dlockadm [-j] [-n NETNS] stats [PREFIX]\n"
	      "\n"
	      "Show the node's counters (datagrams dropped by reason, elections,\n"
	      "lock requests, ...), every one or those whose name starts with\n"
	      "PREFIX.  --json: one object mapping each counter's name to its\n"
	      "value.\n", out);
}

static int stats_run(struct dlockadm *ctx, int argc, char **argv)
{
	static const char *const header[] = { "COUNTER", "VALUE", NULL };
	struct dlock_counter *c;
	struct dlock_admin *adm;
	const char *prefix = NULL;
	bool exit_now = false;
	struct json_writer w;
	char value[24];
	struct table t;
	size_t n, i;
	int code, err;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_stats, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	if (argc > 1 && !strcmp(argv[1], "help")) {
		stats_usage(stdout);
		return 0;
	}
	if (argc > 2)
		return dlockadm_bad_argument("stats", argv[2]);
	if (argc == 2)
		prefix = argv[1];
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_get_counters(adm, &c, &n);
	if (err) {
		code = dlockadm_admin_error(adm, err, "cannot read counters");
		dlock_admin_close(adm);
		return code;
	}
	dlock_admin_close(adm);
	if (ctx->json) {
		json_init(&w, stdout);
		json_object_begin(&w);
	} else {
		table_init(&t, header);
	}
	for (i = 0; i < n; i++) {
		if (prefix && strncmp(c[i].name, prefix, strlen(prefix)))
			continue;
		if (ctx->json) {
			json_key(&w, c[i].name);
			json_u64(&w, c[i].value);
			continue;
		}
		snprintf(value, sizeof(value), "%llu",
			 (unsigned long long)c[i].value);
		table_row(&t, c[i].name, value);
	}
	free(c);
	if (ctx->json) {
		json_object_end(&w);
		return dlockadm_json_finish(&w);
	}
	if (table_print(&t, stdout))
		return dlockadm_error(DLOCKADM_EXIT_FAILURE, "out of memory");
	return 0;
}

const struct dlockadm_cmd dlockadm_cmd_stats = {
	.name = "stats",
	.summary = "show the node's counters",
	.run = stats_run,
	.usage = stats_usage,
};
