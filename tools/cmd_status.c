// SPDX-License-Identifier: GPL-2.0
/* cmd_status.c - "dlockadm status": the node's identity and role. */
#include "dlockadm.h"
#include "json.h"

static void status_usage(FILE *out)
{
	fputs("Usage: dlockadm [-j] [-n NETNS] status [-j]\n"
	      "\n"
	      "Show this network namespace's dlock node: node id, cell id,\n"
	      "state, known leader, election term and the module's ABI.\n"
	      "With --json the same fields as one JSON object:\n"
	      "  node_id, cell_id, state (a word), leader_id (0 = none),\n"
	      "  term, abi_version.\n", out);
}

static int status_print_json(const struct dlock_status *st)
{
	struct json_writer w;

	json_init(&w, stdout);
	json_object_begin(&w);
	json_key(&w, "node_id");
	json_u64(&w, st->node_id);
	json_key(&w, "cell_id");
	json_u64(&w, st->cell_id);
	json_key(&w, "state");
	json_string(&w, dlock_state_name(st->state));
	json_key(&w, "leader_id");
	json_u64(&w, st->leader_id);
	json_key(&w, "term");
	json_u64(&w, st->term);
	json_key(&w, "abi_version");
	json_u64(&w, st->abi_version);
	json_object_end(&w);
	return dlockadm_json_finish(&w);
}

static void status_print_table(const struct dlock_status *st)
{
	if (st->node_id)
		printf("%-11s %u\n", "node id", st->node_id);
	else
		printf("%-11s %s\n", "node id", "unset");
	printf("%-11s %u\n", "cell id", st->cell_id);
	printf("%-11s %s\n", "state", dlock_state_name(st->state));
	if (st->leader_id)
		printf("%-11s %u\n", "leader", st->leader_id);
	else
		printf("%-11s %s\n", "leader", "none");
	printf("%-11s %llu\n", "term", (unsigned long long)st->term);
	printf("%-11s %u\n", "module ABI", st->abi_version);
}

static int status_run(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_admin *adm;
	struct dlock_status st;
	bool exit_now = false;
	int i, code, err;

	for (i = 1; i < argc; i++) {
		if (dlockadm_common_option(ctx, &dlockadm_cmd_status, argv[i],
					   &exit_now)) {
			if (exit_now)
				return 0;
			continue;
		}
		return dlockadm_bad_argument("status", argv[i]);
	}
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_status(adm, &st);
	if (err) {
		code = dlockadm_admin_error(adm, err, "cannot read status");
		dlock_admin_close(adm);
		return code;
	}
	dlock_admin_close(adm);
	if (ctx->json)
		return status_print_json(&st);
	status_print_table(&st);
	return 0;
}

const struct dlockadm_cmd dlockadm_cmd_status = {
	.name = "status",
	.summary = "show the node's id, cell, state, leader and term",
	.run = status_run,
	.usage = status_usage,
};
