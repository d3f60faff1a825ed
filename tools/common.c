// SPDX-License-Identifier: GPL-2.0
/* common.c - error reporting and option handling shared by the commands. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "dlockadm.h"
#include "json.h"

const char *dlockadm_error_context;

int dlockadm_error(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("dlockadm: ", stderr);
	if (dlockadm_error_context)
		fprintf(stderr, "%s: ", dlockadm_error_context);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int dlockadm_lib_error(int err, const char *what)
{
	return dlockadm_error(DLOCKADM_EXIT_FAILURE, "%s: %s", what,
			      dlock_strerror(err));
}

int dlockadm_admin_error(struct dlock_admin *adm, int err, const char *what)
{
	const char *why = dlock_admin_last_error(adm);
	char line[256];
	size_t i;

	if (!why)
		return dlockadm_lib_error(err, what);
	/* Keep the promise of one line whatever the kernel wrote. */
	for (i = 0; why[i] && i < sizeof(line) - 1; i++)
		line[i] = iscntrl((unsigned char)why[i]) ? ' ' : why[i];
	line[i] = '\0';
	return dlockadm_error(DLOCKADM_EXIT_FAILURE, "%s: %s (%s)", what, line,
			      dlock_strerror(err));
}

int dlockadm_common_option(struct dlockadm *ctx, const struct dlockadm_cmd *cmd,
			   const char *arg, bool *exit_now)
{
	if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
		ctx->json = true;
		return 1;
	}
	if (!strcmp(arg, "-h") || !strcmp(arg, "--help") ||
	    !strcmp(arg, "help")) {
		cmd->usage(stdout);
		*exit_now = true;
		return 1;
	}
	return 0;
}

int dlockadm_bad_argument(const char *cmd, const char *arg)
{
	if (arg[0] == '-')
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "unknown option '%s' to '%s' (try 'dlockadm %s help')",
				      arg, cmd, cmd);
	return dlockadm_error(DLOCKADM_EXIT_USAGE,
			      "unexpected argument '%s' to '%s' (try 'dlockadm %s help')",
			      arg, cmd, cmd);
}

int dlockadm_admin_connect(struct dlockadm *ctx, struct dlock_admin **admp)
{
	int err;

	err = dlockadm_enter_netns(ctx);
	if (err)
		return err;
	err = dlock_admin_open(admp);
	if (err == -ENOENT)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "dlock module not loaded (no generic netlink family '%s')",
				      DLOCK_GENL_NAME);
	if (err)
		return dlockadm_lib_error(err, "cannot reach the dlock module");
	return 0;
}

int dlockadm_json_finish(struct json_writer *w)
{
	int err = json_finish(w);

	if (err == -EIO)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "cannot write output: %s",
				      strerror(errno ? errno : EIO));
	if (err)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "internal error: malformed JSON");
	return 0;
}

int dlockadm_finish_output(int code)
{
	/* A failed command has said why already, in its one line. */
	if (code)
		return code;
	if (fflush(stdout) || ferror(stdout)) {
		int err = errno ? errno : EIO;

		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "cannot write output: %s",
				      strerror(err));
	}
	return code;
}

int dlockadm_strip_common(struct dlockadm *ctx, const struct dlockadm_cmd *cmd,
			  int argc, char **argv, bool *exit_now)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			ctx->json = true;
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cmd->usage(stdout);
			*exit_now = true;
			return 0;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

void dlockadm_format_endpoint(uint32_t family, const uint8_t *addr,
			      uint16_t port, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, host,
		       sizeof(host)))
		snprintf(host, sizeof(host), "?");
	if (!port)
		snprintf(buf, len, "%s", host);
	else if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
}

void dlockadm_format_resource(const uint8_t *res, size_t len, char *buf)
{
	size_t i;

	if (len > DLOCK_NAME_MAX)
		len = DLOCK_NAME_MAX;
	for (i = 0; i < len; i++)
		if (res[i] <= ' ' || res[i] >= 0x7f)
			break;
	if (i == len && len && !(len > 1 && res[0] == '0' && res[1] == 'x')) {
		memcpy(buf, res, len);
		buf[len] = '\0';
		return;
	}
	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < len; i++)
		sprintf(buf + 2 + 2 * i, "%02x", res[i]);
	buf[2 + 2 * len] = '\0';
}

const char *dlockadm_role_name(uint32_t role)
{
	return role == DLOCK_ROLE_VOTER ? "voter" :
	       role == DLOCK_ROLE_MEMBER ? "member" : "unknown";
}

int dlockadm_role_parse(const char *s, uint32_t *role)
{
	if (!strcmp(s, "voter"))
		*role = DLOCK_ROLE_VOTER;
	else if (!strcmp(s, "member"))
		*role = DLOCK_ROLE_MEMBER;
	else
		return -EINVAL;
	return 0;
}

const char *dlockadm_keyword_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		dlockadm_error(DLOCKADM_EXIT_USAGE, "'%s' needs a value",
			       argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

int dlockadm_missing(const char *cmd, const char *sub, const char *what)
{
	return dlockadm_error(DLOCKADM_EXIT_USAGE,
			      "'%s %s' needs %s (try 'dlockadm %s help')",
			      cmd, sub, what, cmd);
}

int dlockadm_unknown_sub(const char *cmd, const char *sub)
{
	return dlockadm_error(DLOCKADM_EXIT_USAGE,
			      "unknown %s command '%s' (try 'dlockadm %s help')",
			      cmd, sub, cmd);
}
