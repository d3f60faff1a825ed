/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dlockadm.h - what dlockadm's commands share: the parsed global options,
 * the error conventions and the command table.
 */
#ifndef DLOCKADM_H
#define DLOCKADM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
 * Where the input being read is ("FILE:LINE"), or NULL: dlockadm_error()
 * puts it before its message.
 */
extern const char *dlockadm_error_context;

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

/*
 * Take -j/--json and -h/--help out of argv[1..] wherever they are, so the
 * command sees only its own words.  Returns the new argc; *exit_now is set
 * when the usage was printed.
 */
int dlockadm_strip_common(struct dlockadm *ctx, const struct dlockadm_cmd *cmd,
			  int argc, char **argv, bool *exit_now);

/* "ADDR:PORT" or "[ADDR6]:PORT" (no port when 0) into buf. */
void dlockadm_format_endpoint(uint32_t family, const uint8_t *addr,
			      uint16_t port, char *buf, size_t len);

/*
 * A resource name for a table: as it is when printable ASCII without
 * blanks, else "0x" and its bytes in hex.  buf needs 2 * DLOCK_NAME_MAX + 3.
 */
void dlockadm_format_resource(const uint8_t *res, size_t len, char *buf);
#define DLOCKADM_RESOURCE_BUF	(2 * DLOCK_NAME_MAX + 3)

/* "voter" / "member" and back; -EINVAL for other words. */
const char *dlockadm_role_name(uint32_t role);
int dlockadm_role_parse(const char *s, uint32_t *role);

/* One value after a keyword (argv[*i]): the value, or NULL after an error. */
const char *dlockadm_keyword_value(int argc, char **argv, int *i);

/* Report 'cmd sub' without its required what; exit code 2. */
int dlockadm_missing(const char *cmd, const char *sub, const char *what);

/* Report an unknown subcommand of cmd; exit code 2. */
int dlockadm_unknown_sub(const char *cmd, const char *sub);

/*
 * "ID ADDR[:PORT] [role voter|member]" (argv[0..argc-1]) into *peer; 0 or
 * an exit code after the error line.
 */
int dlockadm_parse_peer_spec(int argc, char **argv, struct dlock_peer *peer);

/*
 * "NAME [lvb 32|64] [algo cell|ra] [cache on|off]" into name, *algo,
 * *lvb_len, *flags (DLOCK_LS_F_*); 0 or an exit code after the error line.
 */
int dlockadm_parse_ls_spec(int argc, char **argv, const char **name,
			   uint32_t *algo, uint32_t *lvb_len, uint32_t *flags);

/*
 * One node setting (node set's KEYWORD VALUE) into *conf: 0, an exit code
 * after the error line, or -1 when key is no setting.
 */
int dlockadm_node_setting(const char *key, const char *v,
			  struct dlock_node_conf *conf);

/* KEYWORD VALUE pairs into *conf: 0 or an exit code after the error. */
int dlockadm_parse_node_conf(const char *cmd, int argc, char **argv,
			     struct dlock_node_conf *conf);

struct json_writer;

/* End a --json document: 0, or an exit code after reporting the error. */
int dlockadm_json_finish(struct json_writer *w);

extern const struct dlockadm_cmd dlockadm_cmd_version;
extern const struct dlockadm_cmd dlockadm_cmd_status;
extern const struct dlockadm_cmd dlockadm_cmd_node;
extern const struct dlockadm_cmd dlockadm_cmd_peer;
extern const struct dlockadm_cmd dlockadm_cmd_lockspace;
extern const struct dlockadm_cmd dlockadm_cmd_lock;
extern const struct dlockadm_cmd dlockadm_cmd_stats;
extern const struct dlockadm_cmd dlockadm_cmd_watch;
extern const struct dlockadm_cmd dlockadm_cmd_cell;
extern const struct dlockadm_cmd dlockadm_cmd_elect;

#endif /* DLOCKADM_H */
