// SPDX-License-Identifier: GPL-2.0
/* cmd_node.c - "dlockadm node set [id N] [cell C]": configure the node. */
#include <stdint.h>
#include <string.h>

#include "dlockadm.h"
#include "parse.h"

static void node_usage(FILE *out)
{
	fputs("Usage: dlockadm [-n NETNS] node set [id NODE_ID] [cell CELL_ID]\n"
	      "\n"
	      "  node set   set this network namespace's node id (1..4294967295),\n"
	      "             its cell id (0..4294967295), or both, in one request;\n"
	      "             what is not given stays as it is.  Needs\n"
	      "             CAP_NET_ADMIN.\n"
	      "\n"
	      "Numbers are decimal, or hexadecimal with a 0x prefix.\n", out);
}

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
			  struct dlock_node_conf *conf, bool *exit_now)
{
	int i, code;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "id") &&
		    !(conf->set & DLOCK_CONF_NODE_ID)) {
			code = node_parse_value(argc, argv, &i, "node id", 1,
						&conf->node_id);
			if (code)
				return code;
			conf->set |= DLOCK_CONF_NODE_ID;
		} else if (!strcmp(argv[i], "cell") &&
			   !(conf->set & DLOCK_CONF_CELL_ID)) {
			code = node_parse_value(argc, argv, &i, "cell id", 0,
						&conf->cell_id);
			if (code)
				return code;
			conf->set |= DLOCK_CONF_CELL_ID;
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
	if (!conf->set)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'node set' needs 'id NODE_ID' and/or 'cell CELL_ID' (try 'dlockadm node help')");
	return 0;
}

static int node_set(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_node_conf conf = { 0 };
	struct dlock_admin *adm;
	bool exit_now = false;
	int code, err;

	code = node_set_parse(ctx, argc, argv, &conf, &exit_now);
	if (code || exit_now)
		return code;
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	/* Only what was given is sent: without 'cell' the cell id stays. */
	err = dlock_admin_configure(adm, &conf);
	if (err)
		code = dlockadm_admin_error(adm, err, "cannot set node");
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
	.summary = "configure the node: node set [id N] [cell C]",
	.run = node_run,
	.usage = node_usage,
};
