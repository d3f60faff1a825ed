// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_node.c - "dlockadm node set ...": configure this namespace's node
 * (identity, listening socket, key, election algorithm and timings) in one
 * request, and the keyword parser that "cell create" and "cell load" share.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dlockadm.h"
#include "parse.h"

static void node_usage(FILE *out)
{
	fputs("Usage: dlockadm [-n NETNS] node set SETTING VALUE [SETTING VALUE...]\n"
	      "\n"
	      "  node set   change the settings given, in one request that the\n"
	      "             kernel checks whole before applying any; the others\n"
	      "             stay as they are.  Needs CAP_NET_ADMIN.\n"
	      "\n"
	      "Settings:\n"
	      "  id NODE_ID               this node's id, 1..4294967295\n"
	      "  cell CELL_ID             the cell's id, 0..4294967295\n"
	      "  listen ADDR[:PORT]       address (and port) to listen on\n"
	      "  port PORT                UDP port, 1..65535 (default 7477)\n"
	      "  key KEY                  the cell's key: 64 hex digits or base64\n"
	      "  key-file FILE            the key, read from FILE ('-': stdin)\n"
	      "  election raft|bully|ring the election algorithm\n"
	      "  role voter|member        this node's role\n"
	      "  election-timeout MS      election timeout, milliseconds\n"
	      "  heartbeat MS             leader heartbeat interval\n"
	      "  lease MS                 leader lease\n"
	      "  lock-delay MS            how long a dead holder's locks stay\n"
	      "\n"
	      "Numbers are decimal, or hexadecimal with a 0x prefix.  The\n"
	      "heartbeat must be shorter than the election timeout and the\n"
	      "lease, the lock delay at least twice the election timeout.\n", out);
}

static int node_u32(const char *key, const char *v, uint32_t min,
		    uint32_t max, uint32_t *out)
{
	if (parse_u32(v, min, max, out))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid %s '%s' (expected %u..%u)",
				      key, v, min, max);
	return 0;
}

/* Read a key from a file: its first line, one key.  0 or an exit code. */
static int node_key_file(const char *path, uint8_t key[DLOCK_KEY_LEN])
{
	char line[128];
	FILE *f;
	size_t len;
	int err;

	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "cannot read key file '%s': %m", path);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	if (f != stdin)
		fclose(f);
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	err = parse_key(line, key);
	memset(line, 0, sizeof(line));
	if (err)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid key in '%s' (expected 64 hex digits or 44 base64 characters)",
				      path);
	return 0;
}

int dlockadm_node_setting(const char *key, const char *v,
			  struct dlock_node_conf *conf)
{
	static const struct {
		const char *key;
		const char *what;
		uint32_t bit;
		uint32_t min;
		size_t offset;
	} nums[] = {
		{ "id", "node id", DLOCK_CONF_NODE_ID, 1,
		  offsetof(struct dlock_node_conf, node_id) },
		{ "cell", "cell id", DLOCK_CONF_CELL_ID, 0,
		  offsetof(struct dlock_node_conf, cell_id) },
		{ "election-timeout", "election timeout",
		  DLOCK_CONF_ELECTION_TIMEOUT, 1,
		  offsetof(struct dlock_node_conf, election_timeout_ms) },
		{ "heartbeat", "heartbeat", DLOCK_CONF_HEARTBEAT, 1,
		  offsetof(struct dlock_node_conf, heartbeat_ms) },
		{ "lease", "lease", DLOCK_CONF_LEASE, 1,
		  offsetof(struct dlock_node_conf, lease_ms) },
		{ "lock-delay", "lock delay", DLOCK_CONF_LOCK_DELAY, 1,
		  offsetof(struct dlock_node_conf, lock_delay_ms) },
	};
	uint32_t family, n, bit = 0;
	uint8_t addr[16];
	uint16_t port;
	size_t i;
	int code;

	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		if (strcmp(key, nums[i].key))
			continue;
		if (conf->set & nums[i].bit)
			goto twice;
		code = node_u32(nums[i].what, v, nums[i].min, UINT32_MAX, &n);
		if (code)
			return code;
		memcpy((char *)conf + nums[i].offset, &n, sizeof(n));
		conf->set |= nums[i].bit;
		return 0;
	}
	if (!strcmp(key, "listen")) {
		if (parse_endpoint(v, &family, addr, &port))
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "invalid listen address '%s' (expected ADDR, ADDR:PORT or [ADDR6]:PORT)",
					      v);
		bit = family == AF_INET ? DLOCK_CONF_LISTEN_ADDR4 :
					  DLOCK_CONF_LISTEN_ADDR6;
		if (conf->set & bit || (port && conf->set & DLOCK_CONF_LISTEN_PORT))
			goto twice;
		if (family == AF_INET)
			memcpy(conf->listen_addr4, addr, 4);
		else
			memcpy(conf->listen_addr6, addr, 16);
		conf->set |= bit;
		if (port) {
			conf->listen_port = port;
			conf->set |= DLOCK_CONF_LISTEN_PORT;
		}
		return 0;
	}
	if (!strcmp(key, "port")) {
		if (conf->set & DLOCK_CONF_LISTEN_PORT)
			goto twice;
		code = node_u32(key, v, 1, 65535, &n);
		if (code)
			return code;
		conf->listen_port = (uint16_t)n;
		conf->set |= DLOCK_CONF_LISTEN_PORT;
		return 0;
	}
	if (!strcmp(key, "key") || !strcmp(key, "key-file")) {
		if (conf->set & DLOCK_CONF_KEY)
			goto twice;
		if (!strcmp(key, "key-file")) {
			code = node_key_file(v, conf->key);
			if (code)
				return code;
		} else if (parse_key(v, conf->key)) {
			/* Never echo what may be most of a secret. */
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "invalid key (expected 64 hex digits or 44 base64 characters)");
		}
		conf->set |= DLOCK_CONF_KEY;
		return 0;
	}
	if (!strcmp(key, "election")) {
		if (conf->set & DLOCK_CONF_ELECTION)
			goto twice;
		if (!strcmp(v, "raft"))
			conf->election = DLOCK_ELECTION_RAFT;
		else if (!strcmp(v, "bully"))
			conf->election = DLOCK_ELECTION_BULLY;
		else if (!strcmp(v, "ring"))
			conf->election = DLOCK_ELECTION_RING;
		else
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "invalid election '%s' (expected raft, bully or ring)",
					      v);
		conf->set |= DLOCK_CONF_ELECTION;
		return 0;
	}
	if (!strcmp(key, "role")) {
		if (conf->set & DLOCK_CONF_ROLE)
			goto twice;
		if (dlockadm_role_parse(v, &conf->role))
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "invalid role '%s' (expected voter or member)",
					      v);
		conf->set |= DLOCK_CONF_ROLE;
		return 0;
	}
	return -1;

twice:
	return dlockadm_error(DLOCKADM_EXIT_USAGE, "'%s' given twice", key);
}

/* What a setting's value is, for "'KEY' needs a ..."; NULL if no setting. */
static const char *node_setting_value(const char *key)
{
	static const char *const keys[][2] = {
		{ "id", "node id" }, { "cell", "cell id" },
		{ "listen", "listen address" }, { "port", "port" },
		{ "key", "key" }, { "key-file", "key file" },
		{ "election", "election algorithm" }, { "role", "role" },
		{ "election-timeout", "timeout in ms" },
		{ "heartbeat", "interval in ms" }, { "lease", "lease in ms" },
		{ "lock-delay", "delay in ms" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i][0]))
			return keys[i][1];
	return NULL;
}

int dlockadm_parse_node_conf(const char *cmd, int argc, char **argv,
			     struct dlock_node_conf *conf)
{
	const char *v;
	int i, code;

	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc) {
			/* A known keyword without value, or a stray word. */
			if (!node_setting_value(argv[i]))
				return dlockadm_bad_argument(cmd, argv[i]);
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "'%s' needs a %s", argv[i],
					      node_setting_value(argv[i]));
		}
		v = argv[i + 1];
		code = dlockadm_node_setting(argv[i], v, conf);
		if (code < 0)
			return dlockadm_bad_argument(cmd, argv[i]);
		if (code)
			return code;
		i++;
	}
	return 0;
}

static int node_set(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_node_conf conf = { 0 };
	struct dlock_admin *adm;
	int code, err;

	if (argc == 2 && !strcmp(argv[1], "help")) {
		node_usage(stdout);
		return 0;
	}
	code = dlockadm_parse_node_conf("node", argc - 1, argv + 1, &conf);
	if (code)
		return code;
	if (!conf.set)
		return dlockadm_missing("node", "set",
					"a SETTING and its VALUE");
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	/* Only what was given is sent: without 'cell' the cell id stays. */
	err = dlock_admin_configure(adm, &conf);
	memset(conf.key, 0, sizeof(conf.key));
	if (err)
		code = dlockadm_admin_error(adm, err, "cannot set node");
	dlock_admin_close(adm);
	return code;
}

static int node_run(struct dlockadm *ctx, int argc, char **argv)
{
	bool exit_now = false;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_node, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	if (argc < 2)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'node' needs a subcommand (try 'dlockadm node help')");
	if (!strcmp(argv[1], "help")) {
		node_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "set"))
		return node_set(ctx, argc - 1, argv + 1);
	return dlockadm_unknown_sub("node", argv[1]);
}

const struct dlockadm_cmd dlockadm_cmd_node = {
	.name = "node",
	.summary = "configure the node: node set id N cell C listen A key K ...",
	.run = node_run,
	.usage = node_usage,
};
