// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_lock.c - "dlockadm lock show": who holds and who waits for the
 * resources of the cell, as this node's view of the lock table shows them.
 */
#include <stdlib.h>
#include <string.h>

#include "dlockadm.h"
#include "json.h"
#include "table.h"

static void lock_usage(FILE *out)
{
	fputs("Usage: dlockadm [-j] [-n NETNS] lock show [LOCKSPACE [RESOURCE]]\n"
	      "\n"
	      "List the holders and waiters of every resource, of the resources\n"
	      "of LOCKSPACE, or of RESOURCE in LOCKSPACE: state (held or\n"
	      "waiting), mode (requested mode for a waiter), owner node and\n"
	      "session, and the fencing token of the grant.  Resources that are\n"
	      "not printable ASCII are shown as 0x and their bytes in hex.\n"
	      "--json: an array of objects with lockspace, resource (as\n"
	      "shown), resource_hex, state, mode, node_id, owner, token.\n", out);
}

static void lock_hex(const uint8_t *res, size_t len, char *buf)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", res[i]);
	buf[2 * len] = '\0';
}

static int lock_print(struct dlockadm *ctx, const struct dlock_lock_entry *e,
		      size_t n)
{
	static const char *const header[] = {
		"LOCKSPACE", "RESOURCE", "STATE", "MODE", "NODE", "OWNER",
		"TOKEN", NULL
	};
	char res[DLOCKADM_RESOURCE_BUF], hex[2 * DLOCK_NAME_MAX + 1];
	char node[16], owner[24], token[24];
	struct json_writer w;
	struct table t;
	uint32_t mode;
	size_t i;

	if (ctx->json) {
		json_init(&w, stdout);
		json_array_begin(&w);
	} else {
		table_init(&t, header);
	}
	for (i = 0; i < n; i++) {
		dlockadm_format_resource(e[i].resource, e[i].resource_len, res);
		mode = e[i].waiting ? e[i].req_mode : e[i].mode;
		if (ctx->json) {
			lock_hex(e[i].resource, e[i].resource_len, hex);
			json_object_begin(&w);
			json_key(&w, "lockspace");
			json_string(&w, e[i].lockspace);
			json_key(&w, "resource");
			json_string(&w, res);
			json_key(&w, "resource_hex");
			json_string(&w, hex);
			json_key(&w, "state");
			json_string(&w, e[i].waiting ? "waiting" : "held");
			json_key(&w, "mode");
			json_string(&w, dlock_mode_name(mode));
			json_key(&w, "node_id");
			json_u64(&w, e[i].node_id);
			json_key(&w, "owner");
			json_u64(&w, e[i].owner);
			json_key(&w, "token");
			json_u64(&w, e[i].token);
			json_object_end(&w);
			continue;
		}
		snprintf(node, sizeof(node), "%u", e[i].node_id);
		snprintf(owner, sizeof(owner), "%llu",
			 (unsigned long long)e[i].owner);
		if (e[i].waiting)
			snprintf(token, sizeof(token), "-");
		else
			snprintf(token, sizeof(token), "%llu",
				 (unsigned long long)e[i].token);
		table_row(&t, e[i].lockspace[0] ? e[i].lockspace : "-", res,
			  e[i].waiting ? "waiting" : "held",
			  dlock_mode_name(mode), node, owner, token);
	}
	if (ctx->json) {
		json_array_end(&w);
		return dlockadm_json_finish(&w);
	}
	if (table_print(&t, stdout))
		return dlockadm_error(DLOCKADM_EXIT_FAILURE, "out of memory");
	return 0;
}

static int lock_show(struct dlockadm *ctx, int argc, char **argv)
{
	const char *ls = argc > 1 ? argv[1] : NULL;
	const char *res = argc > 2 ? argv[2] : NULL;
	struct dlock_lock_entry *e;
	struct dlock_admin *adm;
	size_t n;
	int code, err;

	if (argc > 3)
		return dlockadm_bad_argument("lock", argv[3]);
	if (ls && (!*ls || strlen(ls) >= DLOCK_NAME_MAX))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid lockspace name '%s' (1..%d bytes)",
				      ls, DLOCK_NAME_MAX - 1);
	if (res && (!*res || strlen(res) > DLOCK_NAME_MAX))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid resource '%s' (1..%d bytes)",
				      res, DLOCK_NAME_MAX);
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_get_locks(adm, ls, res, res ? strlen(res) : 0, &e,
				    &n);
	if (err) {
		code = dlockadm_admin_error(adm, err, "cannot list locks");
		dlock_admin_close(adm);
		return code;
	}
	dlock_admin_close(adm);
	code = lock_print(ctx, e, n);
	free(e);
	return code;
}

static int lock_run(struct dlockadm *ctx, int argc, char **argv)
{
	bool exit_now = false;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_lock, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	if (argc < 2 || !strcmp(argv[1], "show") || !strcmp(argv[1], "list"))
		return lock_show(ctx, argc < 2 ? 1 : argc - 1, argv + 1);
	if (!strcmp(argv[1], "help")) {
		lock_usage(stdout);
		return 0;
	}
	return dlockadm_unknown_sub("lock", argv[1]);
}

const struct dlockadm_cmd dlockadm_cmd_lock = {
	.name = "lock",
	.summary = "holders and waiters: lock show [LOCKSPACE [RESOURCE]]",
	.run = lock_run,
	.usage = lock_usage,
};
