// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_version.c - "dlockadm version": the tool's version, the library's and
 * the ABI the loaded module speaks, read from /dev/dlock.
 */
#include <errno.h>

#include "dlockadm.h"
#include "json.h"

#ifndef DLOCKADM_VERSION
#error "DLOCKADM_VERSION must be defined by the build"
#endif

static void version_usage(FILE *out)
{
	fputs("Usage: dlockadm [-j] [-n NETNS] version\n"
	      "\n"
	      "Show the versions of dlockadm and libdlock, the dlock ABI the\n"
	      "library speaks, and the ABI of the loaded dlock module (read\n"
	      "from /dev/dlock), or that the module is not loaded.\n", out);
}

/* The module's version; 0, 1 (not loaded) or an exit code in *code. */
static int version_read_module(struct dlockadm *ctx, struct dlock_version *ver,
			       int *code)
{
	struct dlock_dev *dev;
	int err;

	*code = dlockadm_enter_netns(ctx);
	if (*code)
		return -1;
	err = dlock_open(&dev);
	if (err == -ENOENT)
		return 1;
	if (err) {
		*code = dlockadm_lib_error(err, "cannot open /dev/dlock");
		return -1;
	}
	err = dlock_version(dev, ver);
	dlock_close(dev);
	if (err) {
		*code = dlockadm_lib_error(err, "cannot read the module's version");
		return -1;
	}
	return 0;
}

static int version_print_json(const struct dlock_version *ver, bool loaded)
{
	struct json_writer w;

	json_init(&w, stdout);
	json_object_begin(&w);
	json_key(&w, "dlockadm");
	json_string(&w, DLOCKADM_VERSION);
	json_key(&w, "libdlock");
	json_string(&w, dlock_lib_version());
	json_key(&w, "library_abi");
	json_u64(&w, dlock_lib_abi_version());
	json_key(&w, "module_loaded");
	json_bool(&w, loaded);
	json_key(&w, "module_abi");
	if (loaded)
		json_u64(&w, ver->abi_version);
	else
		json_null(&w);
	json_object_end(&w);
	return dlockadm_json_finish(&w);
}

static void version_print_table(const struct dlock_version *ver, bool loaded)
{
	printf("%-9s %s\n", "dlockadm", DLOCKADM_VERSION);
	printf("%-9s %s (ABI %u)\n", "libdlock", dlock_lib_version(),
	       dlock_lib_abi_version());
	if (!loaded)
		printf("%-9s %s\n", "module", "not loaded");
	else if (ver->abi_version != dlock_lib_abi_version())
		printf("%-9s ABI %u (differs from the library's)\n", "module",
		       ver->abi_version);
	else
		printf("%-9s ABI %u\n", "module", ver->abi_version);
}

static int version_run(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_version ver = { 0 };
	bool exit_now = false;
	int i, code, ret;

	for (i = 1; i < argc; i++) {
		if (dlockadm_common_option(ctx, &dlockadm_cmd_version, argv[i],
					   &exit_now)) {
			if (exit_now)
				return 0;
			continue;
		}
		return dlockadm_bad_argument("version", argv[i]);
	}
	ret = version_read_module(ctx, &ver, &code);
	if (ret < 0)
		return code;
	if (ctx->json)
		return version_print_json(&ver, ret == 0);
	version_print_table(&ver, ret == 0);
	return 0;
}

const struct dlockadm_cmd dlockadm_cmd_version = {
	.name = "version",
	.summary = "show tool, library and module versions",
	.run = version_run,
	.usage = version_usage,
};
