// SPDX-License-Identifier: GPL-2.0
/* cmd_node.c - "dlockadm node set id N [cell C]": configure the node. */
#include <stdint.h>
#include <string.h>

#include "dlockadm.h"
#include "parse.h"

static void node_usage(FILE *out)
{
	fputs("Usage: dlockadm [-n NETNS] node set id NODE_ID [cell CELL_ID]\n"
	      "\n"
	      "  node set   set this network namespace's node id (1..4294967295)\n"
	      "             and, if given, its cell id (0..4294967295); without\n"
	      "             'cell' the cell id stays what it is.  Needs\n"
	      "             CAP_NET_ADMIN.\n"
	      "\n"
	      "Numbers are decimal, or hexadecimal with a 0x prefix.\n", out);
}

/* Parsed "node set" arguments. */
struct node_set_args {
	uint32_t node_id;
	uint32_t cell_id;
	bool have_node_id;
	bool have_cell_id;
};

/* The value after a keyword; 0 or an exit code. */
static int node_parse_value(int argc, char **argv, int *i, const char *what,
			    uint32_t min, uint32_t *out)
{
	const char *key = argv[*i];
	int err;

	if (*i + 1 >= argc)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'%s' needs a %s", key, what);
	(*i)++;
	err = parse_u32(argv[*i], min, UINT32_MAX, out);
	if (err)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid %s '%s' (expected %u..%u)",
				      what, argv[*i], min, UINT32_MAX);
	return 0;
}

static int node_set_parse(struct dlockadm *ctx, int argc, char **argv,
			  struct node_set_args *args, bool *exit_now)
{
	int i, code;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "id") && !args->have_node_id) {
			code = node_parse_value(argc, argv, &i, "node id", 1,
						&args->node_id);
			if (code)
				return code;
			args->have_node_id = true;
		} else if (!strcmp(argv[i], "cell") && !args->have_cell_id) {
			code = node_parse_value(argc, argv, &i, "cell id", 0,
						&args->cell_id);
			if (code)
				return code;
			args->have_cell_id = true;
		} else if (!strcmp(argv[i], "id") || !strcmp(argv[i], "cell")) {
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "'%s' given twice", argv[i]);
		} else if (dlockadm_common_option(ctx, &dlockadm_cmd_node,
						  argv[i], exit_now)) {
			if (*exit_now)
				return 0;
		} else {
			return dlockadm_bad_argument("node", argv[i]);
		}
	}
	if (!args->have_node_id)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'node set' needs 'id NODE_ID' (try 'dlockadm node help')");
	return 0;
}

static int node_set(struct dlockadm *ctx, int argc, char **argv)
{
	struct node_set_args args = { 0 };
	struct dlock_admin *adm;
	struct dlock_status st;
	bool exit_now = false;
	int code, err;

	code = node_set_parse(ctx, argc, argv, &args, &exit_now);
	if (code || exit_now)
		return code;
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	if (!args.have_cell_id) {
		/* The kernel takes both ids at once; keep the current cell. */
		err = dlock_admin_status(adm, &st);
		if (err) {
			code = dlockadm_admin_error(adm, err,
						    "cannot read the current cell id");
			goto out;
		}
		args.cell_id = st.cell_id;
	}
	err = dlock_admin_set_node(adm, args.node_id, args.cell_id);
	if (err)
		code = dlockadm_admin_error(adm, err, "cannot set node");
out:
	dlock_admin_close(adm);
	return code;
}

static int node_run(struct dlockadm *ctx, int argc, char **argv)
{
	bool exit_now = false;

	if (argc < 2)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'node' needs a subcommand (try 'dlockadm node help')");
	if (!strcmp(argv[1], "set"))
		return node_set(ctx, argc - 1, argv + 1);
	if (dlockadm_common_option(ctx, &dlockadm_cmd_node, argv[1],
				   &exit_now) && exit_now)
		return 0;
	return dlockadm_error(DLOCKADM_EXIT_USAGE,
			      "unknown node command '%s' (try 'dlockadm node help')",
			      argv[1]);
}

const struct dlockadm_cmd dlockadm_cmd_node = {
	.name = "node",
	.summary = "configure the node: node set id N [cell C]",
	.run = node_run,
	.usage = node_usage,
};
