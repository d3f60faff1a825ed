// SPDX-License-Identifier: GPL-2.0
/*
 * dlockadm.c - the dlock administration tool: global options and command
 * dispatch.  Each command lives in its own cmd_*.c.
 */
#include <stdlib.h>
#include <string.h>

#include "dlockadm.h"
#include "parse.h"

static const struct dlockadm_cmd *const dlockadm_cmds[] = {
	&dlockadm_cmd_version,
	&dlockadm_cmd_status,
	&dlockadm_cmd_cell,
	&dlockadm_cmd_node,
	&dlockadm_cmd_peer,
	&dlockadm_cmd_lockspace,
	&dlockadm_cmd_lock,
	&dlockadm_cmd_stats,
	&dlockadm_cmd_watch,
	&dlockadm_cmd_elect,
};

#define DLOCKADM_NCMDS ARRAY_SIZE(dlockadm_cmds)

static void dlockadm_usage(FILE *out)
{
	size_t i;

	fputs("Usage: dlockadm [OPTIONS] COMMAND [ARGS...]\n"
	      "\n"
	      "Configure and inspect the dlock node of a network namespace.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json          print one JSON document instead of a table\n"
	      "  -n, --netns NETNS   act in network namespace NETNS (/run/netns/NETNS)\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < DLOCKADM_NCMDS; i++)
		fprintf(out, "  %-10s  %s\n", dlockadm_cmds[i]->name,
			dlockadm_cmds[i]->summary);
	fprintf(out, "  %-10s  %s\n", "help", "show this help, or a command's");
	fputs("\n'dlockadm COMMAND help' shows a command's help.\n", out);
}

static const struct dlockadm_cmd *dlockadm_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < DLOCKADM_NCMDS; i++)
		if (!strcmp(dlockadm_cmds[i]->name, name))
			return dlockadm_cmds[i];
	return NULL;
}

static int dlockadm_unknown_cmd(const char *name)
{
	return dlockadm_error(DLOCKADM_EXIT_USAGE,
			      "unknown command '%s' (try 'dlockadm help')",
			      name);
}

/* help [COMMAND] */
static int dlockadm_help(int argc, char **argv)
{
	const struct dlockadm_cmd *cmd;

	if (argc < 2) {
		dlockadm_usage(stdout);
		return 0;
	}
	if (argc > 2)
		return dlockadm_bad_argument("help", argv[2]);
	if (!strcmp(argv[1], "help")) {
		dlockadm_usage(stdout);
		return 0;
	}
	cmd = dlockadm_find_cmd(argv[1]);
	if (!cmd)
		return dlockadm_unknown_cmd(argv[1]);
	cmd->usage(stdout);
	return 0;
}

static int dlockadm_set_netns(struct dlockadm *ctx, const char *name)
{
	if (check_netns_name(name))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid network namespace name '%s'",
				      name);
	ctx->netns = name;
	return 0;
}

int main(int argc, char **argv)
{
	struct dlockadm ctx = { 0 };
	const struct dlockadm_cmd *cmd;
	int i, code;

	/* Global options come before the command, as with ip(8). */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
			ctx.json = true;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			dlockadm_usage(stdout);
			return dlockadm_finish_output(0);
		} else if (!strcmp(arg, "-n") || !strcmp(arg, "--netns")) {
			if (i + 1 >= argc)
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "option '%s' needs a network namespace name",
						      arg);
			code = dlockadm_set_netns(&ctx, argv[++i]);
			if (code)
				return code;
		} else if (!strncmp(arg, "--netns=", 8)) {
			code = dlockadm_set_netns(&ctx, arg + 8);
			if (code)
				return code;
		} else {
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "unknown option '%s' (try 'dlockadm help')",
					      arg);
		}
	}
	if (i >= argc)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "missing command (try 'dlockadm help')");
	if (!strcmp(argv[i], "help"))
		return dlockadm_finish_output(dlockadm_help(argc - i,
							    argv + i));
	cmd = dlockadm_find_cmd(argv[i]);
	if (!cmd)
		return dlockadm_unknown_cmd(argv[i]);
	code = cmd->run(&ctx, argc - i, argv + i);
	return dlockadm_finish_output(code);
}
