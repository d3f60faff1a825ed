// SPDX-License-Identifier: GPL-2.0
/* common.c - error reporting and option handling shared by the commands. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "dlockadm.h"
#include "json.h"

int dlockadm_error(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("dlockadm: ", stderr);
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
