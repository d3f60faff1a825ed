// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * admin.c - the administration handle: the "dlock" generic netlink family
 * through libnl-genl.
 *
 * Each handle owns its own netlink socket and builds a fresh libnl callback
 * set per request, so handles share nothing and need no locks.  Requests
 * always ask for an ACK: a reply, then the ACK, or an error carrying the
 * kernel's extended ack.  libnl 3.7 turns kernel errors into its own NLE_*
 * codes and drops the extack, so the error callback here reads both the
 * errno and NLMSGERR_ATTR_MSG itself.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "dlock.h"
#include "admin_priv.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* What one request expects back, handed to the libnl callbacks. */
struct dlock_request {
	struct dlock_admin *adm;
	/* parses a reply's attributes; NULL when no reply is expected */
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
	int err;		/* negative errno from the kernel or a parser */
	bool done;		/* ACK, end of dump or error seen */
};

/* libnl's NLE_* codes back to the errno they stand for. */
int dlock_nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOATTR:
		return -ENOENT;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	default:
		return -EPROTO;
	}
}

void dlock_admin_set_error_msg(struct dlock_admin *adm, const char *msg,
			       size_t len)
{
	if (len >= sizeof(adm->error_msg))
		len = sizeof(adm->error_msg) - 1;
	memcpy(adm->error_msg, msg, len);
	adm->error_msg[len] = '\0';
	adm->has_error_msg = len > 0;
}

/*
 * Find NLMSGERR_ATTR_MSG in an error message.  The TLVs follow struct
 * nlmsgerr and, unless the kernel capped the ack (NETLINK_CAP_ACK), a copy
 * of the request's payload.
 */
static void dlock_admin_save_extack(struct dlock_admin *adm,
				    const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t payload = sizeof(*e);
	size_t start, len;
	const char *msg;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	start = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	if (nlh->nlmsg_len <= start)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + start),
		      nlh->nlmsg_len - start, NULL) < 0)
		return;
	if (!tb[NLMSGERR_ATTR_MSG])
		return;
	msg = nla_data(tb[NLMSGERR_ATTR_MSG]);
	/* The kernel sends it NUL-terminated; do not rely on that. */
	len = strnlen(msg, nla_len(tb[NLMSGERR_ATTR_MSG]));
	dlock_admin_set_error_msg(adm, msg, len);
}

static int dlock_request_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			       void *arg)
{
	struct dlock_request *req = arg;
	const struct nlmsghdr *nlh;

	(void)nla;
	/* libnl hands over the payload; its header sits right before it. */
	nlh = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	dlock_admin_save_extack(req->adm, nlh);
	req->err = e->error < 0 ? e->error : -EPROTO;
	req->done = true;
	return NL_STOP;
}

static int dlock_request_ack(struct nl_msg *msg, void *arg)
{
	struct dlock_request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

/* The end of a dump (NLMSG_DONE): the request is complete. */
static int dlock_request_finish(struct nl_msg *msg, void *arg)
{
	struct dlock_request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

struct nla_policy dlock_reply_policy[DLOCK_A_MAX + 1] = {
	[DLOCK_A_ABI_VERSION] = { .type = NLA_U32 },
	[DLOCK_A_NODE_ID] = { .type = NLA_U32 },
	[DLOCK_A_CELL_ID] = { .type = NLA_U32 },
	[DLOCK_A_STATE] = { .type = NLA_U32 },
	[DLOCK_A_LEADER_ID] = { .type = NLA_U32 },
	[DLOCK_A_TERM] = { .type = NLA_U64 },
	[DLOCK_A_INCARNATION] = { .type = NLA_U64 },
	[DLOCK_A_LISTEN_PORT] = { .type = NLA_U16 },
	[DLOCK_A_ELECTION] = { .type = NLA_U32 },
	[DLOCK_A_ROLE] = { .type = NLA_U32 },
	/*
	 * Nests (PEER, LOCKSPACE, LOCK, COUNTERS) are left unchecked here:
	 * libnl's NLA_NESTED wants a header's worth of payload, and an empty
	 * nest (no counters yet) is a fine answer.  Their parsers check them.
	 */
	[DLOCK_A_EVENT_TYPE] = { .type = NLA_U32 },
	[DLOCK_A_COMMIT_INDEX] = { .type = NLA_U64 },
	[DLOCK_A_APPLIED_INDEX] = { .type = NLA_U64 },
};

static int dlock_request_reply(struct nl_msg *msg, void *arg)
{
	struct dlock_request *req = arg;
	struct nlattr *tb[DLOCK_A_MAX + 1];
	int err;

	if (!req->parse) {
		/* Nothing expected: a module speaking a newer protocol. */
		return NL_OK;
	}
	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, DLOCK_A_MAX,
			    dlock_reply_policy);
	if (err < 0) {
		req->err = -EPROTO;
		return NL_SKIP;
	}
	err = req->parse(tb, req->arg);
	if (err < 0 && !req->err)
		req->err = err;
	return NL_OK;
}

/*
 * Send a request built by the caller (consumed here) and wait for its ACK or
 * error, passing any reply to parse.
 */
int dlock_admin_transact(struct dlock_admin *adm, struct nl_msg *msg,
			 int (*parse)(struct nlattr **tb, void *arg), void *arg)
{
	struct dlock_request req = {
		.adm = adm,
		.parse = parse,
		.arg = arg,
	};
	struct nl_cb *cb;
	int err;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, dlock_request_reply, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, dlock_request_ack, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, dlock_request_finish, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, dlock_request_error, &req);

	err = nl_send_auto(adm->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		err = dlock_nlerr_to_errno(err);
		goto out;
	}
	err = 0;
	while (!req.done) {
		err = nl_recvmsgs(adm->sk, cb);
		if (err < 0 && !req.done) {
			err = dlock_nlerr_to_errno(err);
			goto out;
		}
	}
	err = req.err;
out:
	nl_cb_put(cb);
	return err;
}

struct nl_msg *dlock_admin_new_request(struct dlock_admin *adm, uint8_t cmd,
				       int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, adm->family, 0,
			 NLM_F_ACK | flags, cmd, DLOCK_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int dlock_admin_open(struct dlock_admin **admp)
{
	struct dlock_admin *adm;
	int one = 1;
	int err;

	if (!admp)
		return -EINVAL;
	*admp = NULL;
	adm = calloc(1, sizeof(*adm));
	if (!adm)
		return -ENOMEM;
	adm->sk = nl_socket_alloc();
	if (!adm->sk) {
		err = -ENOMEM;
		goto err_free;
	}
	err = genl_connect(adm->sk);
	if (err < 0) {
		err = dlock_nlerr_to_errno(err);
		goto err_sock;
	}
	/*
	 * Ask for the kernel's explanation with every error, and for acks
	 * without a copy of the request.  Kernels before 4.12 lack these;
	 * errors are then reported without explanation, which is fine.
	 */
	setsockopt(nl_socket_get_fd(adm->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(adm->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	adm->family = genl_ctrl_resolve(adm->sk, DLOCK_GENL_NAME);
	if (adm->family < 0) {
		err = dlock_nlerr_to_errno(adm->family);
		goto err_sock;
	}
	*admp = adm;
	return 0;

err_sock:
	nl_socket_free(adm->sk);
err_free:
	free(adm);
	return err;
}

void dlock_admin_close(struct dlock_admin *adm)
{
	if (!adm)
		return;
	nl_socket_free(adm->sk);
	free(adm);
}

const char *dlock_admin_last_error(const struct dlock_admin *adm)
{
	if (!adm || !adm->has_error_msg)
		return NULL;
	return adm->error_msg;
}

static int dlock_parse_status(struct nlattr **tb, void *arg)
{
	struct dlock_status *st = arg;

	/* The ABI version is what tells a status reply from anything else. */
	if (!tb[DLOCK_A_ABI_VERSION])
		return -EPROTO;
	st->abi_version = nla_get_u32(tb[DLOCK_A_ABI_VERSION]);
	if (tb[DLOCK_A_NODE_ID])
		st->node_id = nla_get_u32(tb[DLOCK_A_NODE_ID]);
	if (tb[DLOCK_A_CELL_ID])
		st->cell_id = nla_get_u32(tb[DLOCK_A_CELL_ID]);
	if (tb[DLOCK_A_STATE])
		st->state = nla_get_u32(tb[DLOCK_A_STATE]);
	if (tb[DLOCK_A_LEADER_ID])
		st->leader_id = nla_get_u32(tb[DLOCK_A_LEADER_ID]);
	if (tb[DLOCK_A_TERM])
		st->term = nla_get_u64(tb[DLOCK_A_TERM]);
	return 0;
}

int dlock_admin_status(struct dlock_admin *adm, struct dlock_status *st)
{
	struct dlock_status reply;
	struct nl_msg *msg;
	int err;

	if (!adm || !st)
		return -EINVAL;
	adm->has_error_msg = false;
	msg = dlock_admin_new_request(adm, DLOCK_CMD_GET_STATUS, 0);
	if (!msg)
		return -ENOMEM;
	/* abi_version 0 after a successful transaction means no reply came. */
	memset(&reply, 0, sizeof(reply));
	err = dlock_admin_transact(adm, msg, dlock_parse_status, &reply);
	if (!err && !reply.abi_version) {
		static const char why[] = "the module sent no status";

		dlock_admin_set_error_msg(adm, why, sizeof(why) - 1);
		err = -EPROTO;
	}
	if (err)
		return err;
	*st = reply;
	return 0;
}

/* The attributes of the fields named in conf->set; < 0 when msg is full. */
static int dlock_put_node_conf(struct nl_msg *msg,
			       const struct dlock_node_conf *conf)
{
	static const struct {
		uint32_t bit;
		int attr;
		size_t offset;
	} u32s[] = {
		{ DLOCK_CONF_NODE_ID, DLOCK_A_NODE_ID,
		  offsetof(struct dlock_node_conf, node_id) },
		{ DLOCK_CONF_CELL_ID, DLOCK_A_CELL_ID,
		  offsetof(struct dlock_node_conf, cell_id) },
		{ DLOCK_CONF_ELECTION, DLOCK_A_ELECTION,
		  offsetof(struct dlock_node_conf, election) },
		{ DLOCK_CONF_ROLE, DLOCK_A_ROLE,
		  offsetof(struct dlock_node_conf, role) },
		{ DLOCK_CONF_ELECTION_TIMEOUT, DLOCK_A_ELECTION_TIMEOUT_MS,
		  offsetof(struct dlock_node_conf, election_timeout_ms) },
		{ DLOCK_CONF_HEARTBEAT, DLOCK_A_HEARTBEAT_MS,
		  offsetof(struct dlock_node_conf, heartbeat_ms) },
		{ DLOCK_CONF_LEASE, DLOCK_A_LEASE_MS,
		  offsetof(struct dlock_node_conf, lease_ms) },
		{ DLOCK_CONF_LOCK_DELAY, DLOCK_A_LOCK_DELAY_MS,
		  offsetof(struct dlock_node_conf, lock_delay_ms) },
	};
	size_t i;
	uint32_t v;

	for (i = 0; i < ARRAY_SIZE(u32s); i++) {
		if (!(conf->set & u32s[i].bit))
			continue;
		memcpy(&v, (const char *)conf + u32s[i].offset, sizeof(v));
		if (nla_put_u32(msg, u32s[i].attr, v) < 0)
			return -EMSGSIZE;
	}
	if ((conf->set & DLOCK_CONF_LISTEN_PORT) &&
	    nla_put_u16(msg, DLOCK_A_LISTEN_PORT, conf->listen_port) < 0)
		return -EMSGSIZE;
	if ((conf->set & DLOCK_CONF_LISTEN_ADDR4) &&
	    nla_put(msg, DLOCK_A_LISTEN_ADDR4, 4, conf->listen_addr4) < 0)
		return -EMSGSIZE;
	if ((conf->set & DLOCK_CONF_LISTEN_ADDR6) &&
	    nla_put(msg, DLOCK_A_LISTEN_ADDR6, 16, conf->listen_addr6) < 0)
		return -EMSGSIZE;
	if ((conf->set & DLOCK_CONF_KEY) &&
	    nla_put(msg, DLOCK_A_KEY, DLOCK_KEY_LEN, conf->key) < 0)
		return -EMSGSIZE;
	return 0;
}

int dlock_admin_configure(struct dlock_admin *adm,
			  const struct dlock_node_conf *conf)
{
	struct nl_msg *msg;
	size_t i;

	if (!adm || !conf)
		return -EINVAL;
	adm->has_error_msg = false;
	if (conf->set & ~DLOCK_CONF_ALL) {
		static const char why[] = "unknown DLOCK_CONF_* bits in set";

		dlock_admin_set_error_msg(adm, why, sizeof(why) - 1);
		return -EINVAL;
	}
	/* Zero now, so that later versions may give them a meaning. */
	for (i = 0; i < ARRAY_SIZE(conf->reserved); i++) {
		if (conf->reserved[i]) {
			static const char why[] = "reserved fields must be zero";

			dlock_admin_set_error_msg(adm, why, sizeof(why) - 1);
			return -EINVAL;
		}
	}
	/*
	 * Values are not checked here: the kernel's policy is the one
	 * authority on them, and its extack says precisely what is wrong.
	 */
	msg = dlock_admin_new_request(adm, DLOCK_CMD_SET_NODE, 0);
	if (!msg)
		return -ENOMEM;
	if (dlock_put_node_conf(msg, conf) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return dlock_admin_transact(adm, msg, NULL, NULL);
}

int dlock_admin_set_node(struct dlock_admin *adm, uint32_t node_id,
			 uint32_t cell_id)
{
	struct dlock_node_conf conf = {
		.set = DLOCK_CONF_NODE_ID | DLOCK_CONF_CELL_ID,
		.node_id = node_id,
		.cell_id = cell_id,
	};

	return dlock_admin_configure(adm, &conf);
}
