// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_lockspace.c - "dlockadm lockspace add|del|show": the cell's
 * namespaces of lock resources.
 */
#include <stdlib.h>
#include <string.h>

#include "dlockadm.h"
#include "json.h"
#include "parse.h"
#include "table.h"

static void lockspace_usage(FILE *out)
{
	fputs("Usage: dlockadm [-n NETNS] lockspace add NAME [lvb 32|64] [algo cell|ra]\n"
	      "                                     [cache on|off]\n"
	      "       dlockadm [-n NETNS] lockspace del NAME\n"
	      "       dlockadm [-j] [-n NETNS] lockspace show [NAME]\n"
	      "\n"
	      "  lockspace add   create lockspace NAME (1..63 bytes) in the cell,\n"
	      "                  with a value block of 32 or 64 bytes (default\n"
	      "                  64) and the lock algorithm: cell (through the\n"
	      "                  leader, the default) or ra (Ricart-Agrawala).\n"
	      "                  cache on: each node keeps a lock cached after\n"
	      "                  its last holder let go and grants it again\n"
	      "                  without a message until another node wants it\n"
	      "                  (default off).  The leader orders the change;\n"
	      "                  it fails without one.  Needs CAP_NET_ADMIN.\n"
	      "  lockspace del   remove lockspace NAME; refused while it has\n"
	      "                  locks.  Needs CAP_NET_ADMIN.\n"
	      "  lockspace show  list the lockspaces (or only NAME): algorithm,\n"
	      "                  value block size, caching, resources and\n"
	      "                  locks.  --json: an array of objects with name,\n"
	      "                  algo, lvb_len, cache, resources, locks.\n", out);
}

static const char *ls_algo_name(uint32_t algo)
{
	return algo == DLOCK_LS_CELL ? "cell" : algo == DLOCK_LS_RA ? "ra" :
	       "unknown";
}

int dlockadm_parse_ls_spec(int argc, char **argv, const char **name,
			   uint32_t *algo, uint32_t *lvb_len, uint32_t *flags)
{
	bool have_lvb = false, have_algo = false, have_cache = false;
	const char *v;
	int i;

	if (argc < 1)
		return dlockadm_missing("lockspace", "add", "NAME");
	if (!*argv[0] || strlen(argv[0]) >= DLOCK_NAME_MAX)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid lockspace name '%s' (1..%d bytes)",
				      argv[0], DLOCK_NAME_MAX - 1);
	*name = argv[0];
	*algo = DLOCK_LS_CELL;
	*lvb_len = DLOCK_LVB_MAX;
	*flags = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "lvb") && !have_lvb) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (strcmp(v, "32") && strcmp(v, "64"))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid value block size '%s' (expected 32 or 64)",
						      v);
			*lvb_len = (uint32_t)atoi(v);
			have_lvb = true;
		} else if (!strcmp(argv[i], "algo") && !have_algo) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (!strcmp(v, "cell"))
				*algo = DLOCK_LS_CELL;
			else if (!strcmp(v, "ra"))
				*algo = DLOCK_LS_RA;
			else
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid algorithm '%s' (expected cell or ra)",
						      v);
			have_algo = true;
		} else if (!strcmp(argv[i], "cache") && !have_cache) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (!strcmp(v, "on"))
				*flags |= DLOCK_LS_F_CACHE;
			else if (strcmp(v, "off"))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid cache setting '%s' (expected on or off)",
						      v);
			have_cache = true;
		} else if (!strcmp(argv[i], "lvb") ||
			   !strcmp(argv[i], "algo") ||
			   !strcmp(argv[i], "cache")) {
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "'%s' given twice", argv[i]);
		} else {
			return dlockadm_bad_argument("lockspace", argv[i]);
		}
	}
	return 0;
}

static int lockspace_add(struct dlockadm *ctx, int argc, char **argv)
{
	uint32_t algo, lvb_len, flags;
	struct dlock_admin *adm;
	const char *name;
	int code, err;

	code = dlockadm_parse_ls_spec(argc - 1, argv + 1, &name, &algo,
				      &lvb_len, &flags);
	if (code)
		return code;
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_add_lockspace_flags(adm, name, algo, lvb_len, flags);
	if (err)
		code = dlockadm_admin_error(adm, err, "cannot add lockspace");
	dlock_admin_close(adm);
	return code;
}

static int lockspace_del(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_admin *adm;
	int code, err;

	if (argc < 2)
		return dlockadm_missing("lockspace", "del", "NAME");
	if (argc > 2)
		return dlockadm_bad_argument("lockspace", argv[2]);
	if (!*argv[1] || strlen(argv[1]) >= DLOCK_NAME_MAX)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid lockspace name '%s' (1..%d bytes)",
				      argv[1], DLOCK_NAME_MAX - 1);
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_del_lockspace(adm, argv[1]);
	if (err)
		code = dlockadm_admin_error(adm, err,
					    "cannot remove lockspace");
	dlock_admin_close(adm);
	return code;
}

static int lockspace_print(struct dlockadm *ctx,
			   const struct dlock_lockspace *ls, size_t n,
			   const char *only)
{
	static const char *const header[] = {
		"NAME", "ALGO", "LVB", "CACHE", "RESOURCES", "LOCKS", NULL
	};
	char lvb[16], res[16], locks[16];
	struct json_writer w;
	struct table t;
	size_t i;

	if (ctx->json) {
		json_init(&w, stdout);
		json_array_begin(&w);
	} else {
		table_init(&t, header);
	}
	for (i = 0; i < n; i++) {
		if (only && strcmp(only, ls[i].name))
			continue;
		if (ctx->json) {
			json_object_begin(&w);
			json_key(&w, "name");
			json_string(&w, ls[i].name);
			json_key(&w, "algo");
			json_string(&w, ls_algo_name(ls[i].algo));
			json_key(&w, "lvb_len");
			json_u64(&w, ls[i].lvb_len);
			json_key(&w, "cache");
			json_bool(&w, ls[i].flags & DLOCK_LS_F_CACHE);
			json_key(&w, "resources");
			json_u64(&w, ls[i].resources);
			json_key(&w, "locks");
			json_u64(&w, ls[i].locks);
			json_object_end(&w);
			continue;
		}
		snprintf(lvb, sizeof(lvb), "%u", ls[i].lvb_len);
		snprintf(res, sizeof(res), "%u", ls[i].resources);
		snprintf(locks, sizeof(locks), "%u", ls[i].locks);
		table_row(&t, ls[i].name, ls_algo_name(ls[i].algo), lvb,
			  ls[i].flags & DLOCK_LS_F_CACHE ? "on" : "off", res,
			  locks);
	}
	if (ctx->json) {
		json_array_end(&w);
		return dlockadm_json_finish(&w);
	}
	if (table_print(&t, stdout))
		return dlockadm_error(DLOCKADM_EXIT_FAILURE, "out of memory");
	return 0;
}

static int lockspace_show(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_lockspace *ls;
	struct dlock_admin *adm;
	const char *only = NULL;
	size_t n, i;
	int code, err;

	if (argc > 2)
		return dlockadm_bad_argument("lockspace", argv[2]);
	if (argc == 2)
		only = argv[1];
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_get_lockspaces(adm, &ls, &n);
	if (err) {
		code = dlockadm_admin_error(adm, err,
					    "cannot list lockspaces");
		dlock_admin_close(adm);
		return code;
	}
	dlock_admin_close(adm);
	for (i = 0; only && i < n; i++)
		if (!strcmp(only, ls[i].name))
			break;
	if (only && i == n)
		code = dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "no lockspace '%s'", only);
	else
		code = lockspace_print(ctx, ls, n, only);
	free(ls);
	return code;
}

static int lockspace_run(struct dlockadm *ctx, int argc, char **argv)
{
	bool exit_now = false;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_lockspace, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	if (argc < 2 || !strcmp(argv[1], "show") || !strcmp(argv[1], "list"))
		return lockspace_show(ctx, argc < 2 ? 1 : argc - 1, argv + 1);
	if (!strcmp(argv[1], "help")) {
		lockspace_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "add"))
		return lockspace_add(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return lockspace_del(ctx, argc - 1, argv + 1);
	return dlockadm_unknown_sub("lockspace", argv[1]);
}

const struct dlockadm_cmd dlockadm_cmd_lockspace = {
	.name = "lockspace",
	.summary = "the cell's lockspaces: lockspace add|del|show",
	.run = lockspace_run,
	.usage = lockspace_usage,
};
