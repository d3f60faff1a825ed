/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dlockadm.h - what dlockadm's commands share: the parsed global options,
 * the error conventions and the command table.
 */
#ifndef DLOCKADM_H
#define DLOCKADM_H

#include <stdbool.h>
#include <stdio.h>

#include "../lib/dlock.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes: runtime failures and command-line mistakes differ. */
#define DLOCKADM_EXIT_FAILURE	1
#define DLOCKADM_EXIT_USAGE	2

struct dlockadm {
	bool json;		/* --json: one JSON document on stdout */
	const char *netns;	/* -n NETNS, or NULL */
	bool netns_entered;	/* already moved into it */
};

struct dlockadm_cmd {
	const char *name;
	const char *summary;
	/* argv[0] is the command's name; returns the exit code */
	int (*run)(struct dlockadm *ctx, int argc, char **argv);
	void (*usage)(FILE *out);
};

/*
 * Print "dlockadm: <message>" as one line on stderr and return code, so
 * callers can "return dlockadm_error(...)".
 */
int dlockadm_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "dlockadm: <what>: <why>" for a libdlock error, exit code 1. */
int dlockadm_lib_error(int err, const char *what);

/* As dlockadm_lib_error, with the kernel's explanation when it sent one. */
int dlockadm_admin_error(struct dlock_admin *adm, int err, const char *what);

/*
 * Options every command accepts after its name: -j/--json and -h/--help.
 * 1 if arg was one and has been applied, 0 if it was not.  For --help the
 * command's usage is printed, and *exit_now is set.
 */
int dlockadm_common_option(struct dlockadm *ctx, const struct dlockadm_cmd *cmd,
			   const char *arg, bool *exit_now);

/* An unknown argument to cmd: error line, exit code 2. */
int dlockadm_bad_argument(const char *cmd, const char *arg);

/*
 * Move into the network namespace of -n, if any; call it after parsing and
 * before any kernel handle is opened.  0 or an exit code.
 */
int dlockadm_enter_netns(struct dlockadm *ctx);

/*
 * Open the admin handle in the right namespace; 0 or an exit code after
 * reporting the error.
 */
int dlockadm_admin_connect(struct dlockadm *ctx, struct dlock_admin **admp);

/*
 * Finish stdout after a command that returned code: flush it and report a
 * write error (exit code 1) unless the command failed already.
 */
int dlockadm_finish_output(int code);

struct json_writer;

/* End a --json document: 0, or an exit code after reporting the error. */
int dlockadm_json_finish(struct json_writer *w);

extern const struct dlockadm_cmd dlockadm_cmd_version;
extern const struct dlockadm_cmd dlockadm_cmd_status;
extern const struct dlockadm_cmd dlockadm_cmd_node;

#endif /* DLOCKADM_H */
