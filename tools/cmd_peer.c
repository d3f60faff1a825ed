// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_peer.c - "dlockadm peer add|del|show": the other members of the
 * cell, as this node is configured to reach them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dlockadm.h"
#include "json.h"
#include "parse.h"
#include "table.h"

static void peer_usage(FILE *out)
{
	fputs("Usage: dlockadm [-j] [-n NETNS] peer add ID ADDR[:PORT] [role voter|member]\n"
	      "       dlockadm [-n NETNS] peer del ID\n"
	      "       dlockadm [-j] [-n NETNS] peer show\n"
	      "\n"
	      "  peer add   add node ID (1..4294967295) at ADDR (IPv4, IPv6,\n"
	      "             or [IPv6]:PORT) to this node's cell; PORT defaults\n"
	      "             to 7477, role to voter.  Needs CAP_NET_ADMIN.\n"
	      "  peer del   remove node ID.  Needs CAP_NET_ADMIN.\n"
	      "  peer show  list the peers: id, endpoint, role, whether this node\n"
	      "             hears from it, how long ago, and its log position as\n"
	      "             the leader knows it ('-' where not known).\n"
	      "             --json: an array of objects with id, family,\n"
	      "             address, port, role, and alive, last_heard_ms,\n"
	      "             match_index when known.\n", out);
}

int dlockadm_parse_peer_spec(int argc, char **argv, struct dlock_peer *peer)
{
	uint32_t id, role = DLOCK_ROLE_VOTER;
	const char *v;
	int i;

	if (argc < 2)
		return dlockadm_missing("peer", "add", "ID and ADDR[:PORT]");
	if (parse_u32(argv[0], 1, UINT32_MAX, &id))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid peer id '%s' (expected 1..%u)",
				      argv[0], UINT32_MAX);
	memset(peer, 0, sizeof(*peer));
	peer->id = id;
	if (parse_endpoint(argv[1], &peer->family, peer->addr, &peer->port))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid peer address '%s' (expected ADDR, ADDR:PORT or [ADDR6]:PORT)",
				      argv[1]);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "role"))
			return dlockadm_bad_argument("peer", argv[i]);
		v = dlockadm_keyword_value(argc, argv, &i);
		if (!v)
			return DLOCKADM_EXIT_USAGE;
		if (dlockadm_role_parse(v, &role))
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "invalid role '%s' (expected voter or member)",
					      v);
	}
	peer->role = role;
	return 0;
}

static int peer_add(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_peer peer;
	struct dlock_admin *adm;
	int code, err;

	code = dlockadm_parse_peer_spec(argc - 1, argv + 1, &peer);
	if (code)
		return code;
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_add_peer(adm, &peer);
	if (err)
		code = dlockadm_admin_error(adm, err, "cannot add peer");
	dlock_admin_close(adm);
	return code;
}

static int peer_del(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_admin *adm;
	uint32_t id;
	int code, err;

	if (argc < 2)
		return dlockadm_missing("peer", "del", "ID");
	if (argc > 2)
		return dlockadm_bad_argument("peer", argv[2]);
	if (parse_u32(argv[1], 1, UINT32_MAX, &id))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid peer id '%s' (expected 1..%u)",
				      argv[1], UINT32_MAX);
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_del_peer(adm, id);
	if (err)
		code = dlockadm_admin_error(adm, err, "cannot remove peer");
	dlock_admin_close(adm);
	return code;
}

static int peer_print_json(const struct dlock_peer *p, size_t n)
{
	struct json_writer w;
	char addr[64];
	size_t i;

	json_init(&w, stdout);
	json_array_begin(&w);
	for (i = 0; i < n; i++) {
		dlockadm_format_endpoint(p[i].family, p[i].addr, 0, addr,
					 sizeof(addr));
		json_object_begin(&w);
		json_key(&w, "id");
		json_u64(&w, p[i].id);
		json_key(&w, "family");
		json_string(&w, p[i].family == AF_INET6 ? "inet6" : "inet");
		json_key(&w, "address");
		json_string(&w, addr);
		json_key(&w, "port");
		json_u64(&w, p[i].port);
		json_key(&w, "role");
		json_string(&w, dlockadm_role_name(p[i].role));
		if (p[i].has & DLOCK_PEER_HAS_ALIVE) {
			json_key(&w, "alive");
			json_bool(&w, p[i].alive);
		}
		if (p[i].has & DLOCK_PEER_HAS_LAST_HEARD) {
			json_key(&w, "last_heard_ms");
			json_u64(&w, p[i].last_heard_ms);
		}
		if (p[i].has & DLOCK_PEER_HAS_RTT) {
			json_key(&w, "rtt_us");
			json_u64(&w, p[i].rtt_us);
		}
		if (p[i].has & DLOCK_PEER_HAS_MATCH_INDEX) {
			json_key(&w, "match_index");
			json_u64(&w, p[i].match_index);
		}
		json_object_end(&w);
	}
	json_array_end(&w);
	return dlockadm_json_finish(&w);
}

static int peer_print_table(const struct dlock_peer *p, size_t n)
{
	static const char *const header[] = {
		"ID", "ENDPOINT", "ROLE", "ALIVE", "LAST-HEARD", "RTT", "MATCH",
		NULL
	};
	char id[16], ep[64], heard[32], rtt[24], match[24];
	struct table t;
	size_t i;

	table_init(&t, header);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%u", p[i].id);
		dlockadm_format_endpoint(p[i].family, p[i].addr, p[i].port, ep,
					 sizeof(ep));
		if (p[i].has & DLOCK_PEER_HAS_LAST_HEARD)
			snprintf(heard, sizeof(heard), "%llums ago",
				 (unsigned long long)p[i].last_heard_ms);
		else
			snprintf(heard, sizeof(heard), "-");
		/* microseconds in the uapi; people read milliseconds */
		if (p[i].has & DLOCK_PEER_HAS_RTT)
			snprintf(rtt, sizeof(rtt), "%u.%03ums",
				 p[i].rtt_us / 1000, p[i].rtt_us % 1000);
		else
			snprintf(rtt, sizeof(rtt), "-");
		if (p[i].has & DLOCK_PEER_HAS_MATCH_INDEX)
			snprintf(match, sizeof(match), "%llu",
				 (unsigned long long)p[i].match_index);
		else
			snprintf(match, sizeof(match), "-");
		table_row(&t, id, ep, dlockadm_role_name(p[i].role),
			  !(p[i].has & DLOCK_PEER_HAS_ALIVE) ? "-" :
			  p[i].alive ? "yes" : "no", heard, rtt, match);
	}
	if (table_print(&t, stdout))
		return dlockadm_error(DLOCKADM_EXIT_FAILURE, "out of memory");
	return 0;
}

static int peer_show(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_peer *peers;
	struct dlock_admin *adm;
	size_t n;
	int code, err;

	if (argc > 1)
		return dlockadm_bad_argument("peer", argv[1]);
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_get_peers(adm, &peers, &n);
	if (err) {
		code = dlockadm_admin_error(adm, err, "cannot list peers");
		dlock_admin_close(adm);
		return code;
	}
	dlock_admin_close(adm);
	code = ctx->json ? peer_print_json(peers, n) :
			   peer_print_table(peers, n);
	free(peers);
	return code;
}

static int peer_run(struct dlockadm *ctx, int argc, char **argv)
{
	bool exit_now = false;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_peer, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	if (argc < 2 || !strcmp(argv[1], "show") || !strcmp(argv[1], "list"))
		return peer_show(ctx, argc < 2 ? 1 : argc - 1, argv + 1);
	if (!strcmp(argv[1], "help")) {
		peer_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "add"))
		return peer_add(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return peer_del(ctx, argc - 1, argv + 1);
	return dlockadm_unknown_sub("peer", argv[1]);
}

const struct dlockadm_cmd dlockadm_cmd_peer = {
	.name = "peer",
	.summary = "the cell's other nodes: peer add|del|show",
	.run = peer_run,
	.usage = peer_usage,
};
