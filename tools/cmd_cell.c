// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_cell.c - "dlockadm cell create|load|show|reform": a cell as one
 * thing: this node, its peers and the lockspaces, set up in one go.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "cellconf.h"
#include "dlockadm.h"
#include "json.h"
#include "parse.h"

/* How long "cell load" waits for a leader to order its lockspaces. */
#define CELL_LOAD_LEADER_WAIT_MS	15000

static void cell_usage(FILE *out)
{
	fputs("Usage: dlockadm [-n NETNS] cell create CELL_ID id NODE_ID [SETTING VALUE...]\n"
	      "       dlockadm [-n NETNS] cell load FILE\n"
	      "       dlockadm [-j] [-n NETNS] cell show\n"
	      "       dlockadm [-n NETNS] cell reform\n"
	      "\n"
	      "  cell create  make this node NODE_ID of cell CELL_ID, with any\n"
	      "               other 'node set' setting (listen, key, ...), in\n"
	      "               one request.  Needs CAP_NET_ADMIN.\n"
	      "  cell load    configure the node, add the peers and create the\n"
	      "               lockspaces of FILE ('-': stdin); see dlockadm(8)\n"
	      "               for the format.  The whole file is checked before\n"
	      "               anything is applied; peers already there with the\n"
	      "               same endpoint and role, and existing lockspaces,\n"
	      "               are kept.  If a step fails, the peers and\n"
	      "               lockspaces added so far are removed again.\n"
	      "  cell show    this node's status, its peers and the lockspaces.\n"
	      "               --json: {\"status\":{...},\"peers\":[...],\n"
	      "               \"lockspaces\":[...]} as status, peer show and\n"
	      "               lockspace show print them.\n"
	      "  cell reform  re-form the cell from this voter and the voters it\n"
	      "               reaches, after a majority is lost for good: it\n"
	      "               leads at once, every lock is revoked, fencing\n"
	      "               tokens move on.  Refused while a majority is\n"
	      "               reachable.  Unsafe if the lost nodes may come\n"
	      "               back: see dlockadm(8).\n", out);
}

static int cell_create(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_node_conf conf = { 0 };
	struct dlock_admin *adm;
	int code, err;

	if (argc < 2)
		return dlockadm_missing("cell", "create", "CELL_ID");
	if (parse_u32(argv[1], 0, UINT32_MAX, &conf.cell_id))
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid cell id '%s' (expected 0..%u)",
				      argv[1], UINT32_MAX);
	conf.set = DLOCK_CONF_CELL_ID;
	for (int i = 2; i < argc; i += 2)
		if (!strcmp(argv[i], "cell"))
			return dlockadm_error(DLOCKADM_EXIT_USAGE,
					      "'cell' given twice");
	code = dlockadm_parse_node_conf("cell", argc - 2, argv + 2, &conf);
	if (code)
		return code;
	if (!(conf.set & DLOCK_CONF_NODE_ID))
		return dlockadm_missing("cell", "create", "'id NODE_ID'");
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_configure(adm, &conf);
	memset(conf.key, 0, sizeof(conf.key));
	if (err)
		code = dlockadm_admin_error(adm, err, "cannot create cell");
	dlock_admin_close(adm);
	return code;
}

static int64_t cell_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Errors that mean "no leader yet": worth waiting for one. */
static bool cell_no_leader_yet(int err)
{
	return err == -ETIMEDOUT || err == -ENOTCONN || err == -EAGAIN;
}

/* Undo what cell_load added, newest first, saying what could not be. */
static void cell_load_rollback(struct dlock_admin *adm,
			       const struct cellconf *cc,
			       const bool *peer_added, const bool *ls_added)
{
	size_t i;
	int err;

	for (i = cc->nls; i-- > 0;) {
		if (!ls_added[i])
			continue;
		err = dlock_admin_del_lockspace(adm, cc->ls[i].name);
		if (err)
			dlockadm_error(0, "could not remove lockspace '%s' again: %s",
				       cc->ls[i].name, dlock_strerror(err));
	}
	for (i = cc->npeers; i-- > 0;) {
		if (!peer_added[i])
			continue;
		err = dlock_admin_del_peer(adm, cc->peers[i].id);
		if (err)
			dlockadm_error(0, "could not remove peer %u again: %s",
				       cc->peers[i].id, dlock_strerror(err));
	}
}

/*
 * Which peers of the file are already configured (same endpoint and role:
 * kept; different: refused before anything is applied).
 */
static int cell_load_check_peers(struct dlock_admin *adm,
				 const struct cellconf *cc, bool *present)
{
	struct dlock_peer *cur;
	size_t n, i, j;
	int err, code = 0;

	err = dlock_admin_get_peers(adm, &cur, &n);
	if (err)
		return dlockadm_admin_error(adm, err, "cannot list peers");
	for (i = 0; i < cc->npeers && !code; i++) {
		const struct dlock_peer *p = &cc->peers[i];
		uint16_t port = p->port ? p->port : DLOCK_DEFAULT_PORT;

		for (j = 0; j < n; j++) {
			if (cur[j].id != p->id)
				continue;
			if (cur[j].family != p->family || cur[j].port != port ||
			    cur[j].role != p->role ||
			    memcmp(cur[j].addr, p->addr,
				   p->family == AF_INET ? 4 : 16))
				code = dlockadm_error(DLOCKADM_EXIT_FAILURE,
						      "peer %u exists with another endpoint or role: 'peer del %u' first",
						      p->id, p->id);
			present[i] = true;
		}
	}
	free(cur);
	return code;
}

/* Create the file's lockspaces that do not exist, waiting for a leader. */
static int cell_load_lockspaces(struct dlock_admin *adm,
				const struct cellconf *cc, bool *added)
{
	int64_t deadline = cell_now_ms() + CELL_LOAD_LEADER_WAIT_MS;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	size_t i;
	int err;

	for (i = 0; i < cc->nls; i++) {
		for (;;) {
			err = dlock_admin_add_lockspace_flags(adm,
							      cc->ls[i].name,
							      cc->ls[i].algo,
							      cc->ls[i].lvb_len,
							      cc->ls[i].flags);
			if (!cell_no_leader_yet(err) ||
			    cell_now_ms() >= deadline)
				break;
			nanosleep(&pause, NULL);
		}
		if (err == -EEXIST)
			continue;
		if (err) {
			char what[DLOCK_NAME_MAX + 32];

			snprintf(what, sizeof(what),
				 "cannot add lockspace '%s'", cc->ls[i].name);
			return dlockadm_admin_error(adm, err, what);
		}
		added[i] = true;
	}
	return 0;
}

static int cell_load(struct dlockadm *ctx, int argc, char **argv)
{
	bool peer_present[CELLCONF_MAX_PEERS] = { false };
	bool peer_added[CELLCONF_MAX_PEERS] = { false };
	bool ls_added[CELLCONF_MAX_LS] = { false };
	struct dlock_node_conf key;
	struct dlock_admin *adm;
	struct cellconf *cc;
	const char *path;
	size_t i;
	FILE *f;
	int code, err;

	if (argc < 2)
		return dlockadm_missing("cell", "load", "FILE");
	if (argc > 2)
		return dlockadm_bad_argument("cell", argv[2]);
	path = argv[1];
	/* Read it before entering -n's namespace: paths are the caller's. */
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "cannot open '%s': %m", path);
	cc = calloc(1, sizeof(*cc));
	if (!cc) {
		if (f != stdin)
			fclose(f);
		return dlockadm_error(DLOCKADM_EXIT_FAILURE, "out of memory");
	}
	code = cellconf_parse(f, strcmp(path, "-") ? path : "<stdin>", cc);
	if (f != stdin)
		fclose(f);
	if (code)
		goto out_free;
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		goto out_free;
	code = cell_load_check_peers(adm, cc, peer_present);
	if (code)
		goto out_close;
	/*
	 * The key starts the node, so it goes last, once the node knows its
	 * peers: first every other setting (one request, checked whole by
	 * the kernel: all or nothing), then the peers, then the key.
	 */
	key = cc->node;
	key.set &= DLOCK_CONF_KEY;
	cc->node.set &= ~DLOCK_CONF_KEY;
	if (cc->node.set) {
		err = dlock_admin_configure(adm, &cc->node);
		if (err) {
			code = dlockadm_admin_error(adm, err,
						    "cannot configure the node");
			goto out_close;
		}
	}
	for (i = 0; i < cc->npeers; i++) {
		if (peer_present[i])
			continue;
		err = dlock_admin_add_peer(adm, &cc->peers[i]);
		if (err) {
			char what[48];

			snprintf(what, sizeof(what), "cannot add peer %u",
				 cc->peers[i].id);
			code = dlockadm_admin_error(adm, err, what);
			cell_load_rollback(adm, cc, peer_added, ls_added);
			goto out_close;
		}
		peer_added[i] = true;
	}
	if (key.set) {
		memset(&key, 0, offsetof(struct dlock_node_conf, key));
		key.set = DLOCK_CONF_KEY;
		err = dlock_admin_configure(adm, &key);
		if (err) {
			code = dlockadm_admin_error(adm, err,
						    "cannot set the cell key");
			cell_load_rollback(adm, cc, peer_added, ls_added);
			goto out_close;
		}
	}
	code = cell_load_lockspaces(adm, cc, ls_added);
	if (code)
		cell_load_rollback(adm, cc, peer_added, ls_added);
out_close:
	dlock_admin_close(adm);
out_free:
	memset(&key, 0, sizeof(key));
	memset(cc, 0, sizeof(*cc));
	free(cc);
	return code;
}

static void cell_json_status(struct json_writer *w, const struct dlock_status *st)
{
	json_object_begin(w);
	json_key(w, "node_id");
	json_u64(w, st->node_id);
	json_key(w, "cell_id");
	json_u64(w, st->cell_id);
	json_key(w, "state");
	json_string(w, dlock_state_name(st->state));
	json_key(w, "leader_id");
	json_u64(w, st->leader_id);
	json_key(w, "term");
	json_u64(w, st->term);
	json_key(w, "abi_version");
	json_u64(w, st->abi_version);
	json_object_end(w);
}

static int cell_show(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_lockspace *ls = NULL;
	struct dlock_peer *peers = NULL;
	struct dlock_admin *adm;
	struct dlock_status st;
	size_t npeers = 0, nls = 0, i;
	bool lockspaces_known;
	struct json_writer w;
	char ep[64];
	int code, err;

	if (argc > 1)
		return dlockadm_bad_argument("cell", argv[1]);
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_status(adm, &st);
	if (err) {
		code = dlockadm_admin_error(adm, err, "cannot read status");
		goto out;
	}
	err = dlock_admin_get_peers(adm, &peers, &npeers);
	if (err) {
		code = dlockadm_admin_error(adm, err, "cannot list peers");
		goto out;
	}
	err = dlock_admin_get_lockspaces(adm, &ls, &nls);
	/* A module without the lockspace dump: show the rest. */
	lockspaces_known = err != -EOPNOTSUPP;
	if (err && lockspaces_known) {
		code = dlockadm_admin_error(adm, err,
					    "cannot list lockspaces");
		goto out;
	}
	if (ctx->json) {
		json_init(&w, stdout);
		json_object_begin(&w);
		json_key(&w, "status");
		cell_json_status(&w, &st);
		json_key(&w, "peers");
		json_array_begin(&w);
		for (i = 0; i < npeers; i++) {
			dlockadm_format_endpoint(peers[i].family, peers[i].addr,
						 0, ep, sizeof(ep));
			json_object_begin(&w);
			json_key(&w, "id");
			json_u64(&w, peers[i].id);
			json_key(&w, "address");
			json_string(&w, ep);
			json_key(&w, "port");
			json_u64(&w, peers[i].port);
			json_key(&w, "role");
			json_string(&w, dlockadm_role_name(peers[i].role));
			if (peers[i].has & DLOCK_PEER_HAS_ALIVE) {
				json_key(&w, "alive");
				json_bool(&w, peers[i].alive);
			}
			json_object_end(&w);
		}
		json_array_end(&w);
		json_key(&w, "lockspaces");
		if (!lockspaces_known) {
			json_null(&w);
			nls = 0;
		} else {
			json_array_begin(&w);
		}
		for (i = 0; i < nls; i++) {
			json_object_begin(&w);
			json_key(&w, "name");
			json_string(&w, ls[i].name);
			json_key(&w, "lvb_len");
			json_u64(&w, ls[i].lvb_len);
			json_key(&w, "locks");
			json_u64(&w, ls[i].locks);
			json_object_end(&w);
		}
		if (lockspaces_known)
			json_array_end(&w);
		json_object_end(&w);
		code = dlockadm_json_finish(&w);
		goto out;
	}
	printf("cell %u: node %u, %s, leader %s", st.cell_id, st.node_id,
	       dlock_state_name(st.state), st.leader_id ? "" : "none");
	if (st.leader_id)
		printf("%u", st.leader_id);
	printf(", term %llu\n", (unsigned long long)st.term);
	for (i = 0; i < npeers; i++) {
		dlockadm_format_endpoint(peers[i].family, peers[i].addr,
					 peers[i].port, ep, sizeof(ep));
		printf("  peer %u %s %s%s\n", peers[i].id, ep,
		       dlockadm_role_name(peers[i].role),
		       !(peers[i].has & DLOCK_PEER_HAS_ALIVE) ? "" :
		       peers[i].alive ? " alive" : " unreachable");
	}
	for (i = 0; i < nls; i++)
		printf("  lockspace %s lvb %u locks %u\n", ls[i].name,
		       ls[i].lvb_len, ls[i].locks);
	if (!lockspaces_known)
		printf("  (this module does not list lockspaces)\n");
out:
	free(peers);
	free(ls);
	dlock_admin_close(adm);
	return code;
}

static int cell_reform(struct dlockadm *ctx, int argc, char **argv)
{
	struct dlock_admin *adm;
	int code, err;

	if (argc > 1)
		return dlockadm_bad_argument("cell", argv[1]);
	code = dlockadm_admin_connect(ctx, &adm);
	if (code)
		return code;
	err = dlock_admin_reform(adm);
	if (err) {
		code = dlockadm_admin_error(adm, err, "cannot re-form the cell");
	} else {
		struct dlock_status st;

		/* what the operator wants to see next: who leads, which term */
		if (!dlock_admin_status(adm, &st))
			printf("cell %u re-formed: node %u leads, term %llu\n",
			       st.cell_id, st.leader_id,
			       (unsigned long long)st.term);
	}
	dlock_admin_close(adm);
	return code;
}

static int cell_run(struct dlockadm *ctx, int argc, char **argv)
{
	bool exit_now = false;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_cell, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	if (argc < 2 || !strcmp(argv[1], "show"))
		return cell_show(ctx, argc < 2 ? 1 : argc - 1, argv + 1);
	if (!strcmp(argv[1], "help")) {
		cell_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "create"))
		return cell_create(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return cell_load(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "reform") || !strcmp(argv[1], "re-form"))
		return cell_reform(ctx, argc - 1, argv + 1);
	return dlockadm_unknown_sub("cell", argv[1]);
}

const struct dlockadm_cmd dlockadm_cmd_cell = {
	.name = "cell",
	.summary = "the cell as a whole: cell create|load|show|reform",
	.run = cell_run,
	.usage = cell_usage,
};
