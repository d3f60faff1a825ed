// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * events.c - the "events" multicast group of the dlock family: a socket of
 * its own, so that notifications never mix with an admin handle's replies.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "dlock.h"
#include "admin_priv.h"

struct dlock_events {
	struct nl_sock *sk;
	struct nl_cb *cb;
	/* what the callback found in the last message; valid when got */
	struct dlock_cell_event ev;
	bool got;
	int err;
};

static int dlock_events_valid(struct nl_msg *msg, void *arg)
{
	struct dlock_events *evs = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[DLOCK_A_MAX + 1];

	if (gh->cmd != DLOCK_CMD_EVENT)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DLOCK_A_MAX,
			  dlock_reply_policy) < 0 || !tb[DLOCK_A_EVENT_TYPE]) {
		evs->err = -EPROTO;
		return NL_STOP;
	}
	memset(&evs->ev, 0, sizeof(evs->ev));
	evs->ev.type = nla_get_u32(tb[DLOCK_A_EVENT_TYPE]);
	if (tb[DLOCK_A_NODE_ID])
		evs->ev.node_id = nla_get_u32(tb[DLOCK_A_NODE_ID]);
	if (tb[DLOCK_A_STATE])
		evs->ev.state = nla_get_u32(tb[DLOCK_A_STATE]);
	if (tb[DLOCK_A_LEADER_ID])
		evs->ev.leader_id = nla_get_u32(tb[DLOCK_A_LEADER_ID]);
	if (tb[DLOCK_A_TERM])
		evs->ev.term = nla_get_u64(tb[DLOCK_A_TERM]);
	evs->got = true;
	/* One event per call: the rest stay in the socket for the next. */
	return NL_STOP;
}

/* Notifications answer no request: every sequence number is fine. */
static int dlock_events_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int dlock_events_open(struct dlock_events **evsp)
{
	struct dlock_events *evs;
	int grp, err;

	if (!evsp)
		return -EINVAL;
	*evsp = NULL;
	evs = calloc(1, sizeof(*evs));
	if (!evs)
		return -ENOMEM;
	evs->sk = nl_socket_alloc();
	evs->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!evs->sk || !evs->cb) {
		err = -ENOMEM;
		goto err;
	}
	err = genl_connect(evs->sk);
	if (err < 0) {
		err = dlock_nlerr_to_errno(err);
		goto err;
	}
	grp = genl_ctrl_resolve_grp(evs->sk, DLOCK_GENL_NAME,
				    DLOCK_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		err = dlock_nlerr_to_errno(grp);
		goto err;
	}
	err = nl_socket_add_membership(evs->sk, grp);
	if (err < 0) {
		err = dlock_nlerr_to_errno(err);
		goto err;
	}
	nl_cb_set(evs->cb, NL_CB_VALID, NL_CB_CUSTOM, dlock_events_valid, evs);
	/*
	 * The callback set is ours, not the socket's, so the socket's
	 * nl_socket_disable_seq_check() would not apply: say it here.
	 */
	nl_cb_set(evs->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, dlock_events_any_seq,
		  NULL);
	*evsp = evs;
	return 0;

err:
	if (evs->cb)
		nl_cb_put(evs->cb);
	if (evs->sk)
		nl_socket_free(evs->sk);
	free(evs);
	return err;
}

void dlock_events_close(struct dlock_events *evs)
{
	if (!evs)
		return;
	nl_cb_put(evs->cb);
	nl_socket_free(evs->sk);
	free(evs);
}

int dlock_events_fd(const struct dlock_events *evs)
{
	return evs ? nl_socket_get_fd(evs->sk) : -EINVAL;
}

int dlock_events_read(struct dlock_events *evs, struct dlock_cell_event *ev,
		      int timeout_ms)
{
	struct pollfd pfd;
	int ret;

	if (!evs || !ev)
		return -EINVAL;
	for (;;) {
		pfd.fd = nl_socket_get_fd(evs->sk);
		pfd.events = POLLIN;
		pfd.revents = 0;
		ret = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
		if (ret < 0)
			return -errno;
		if (!ret)
			return -EAGAIN;
		evs->got = false;
		evs->err = 0;
		ret = nl_recvmsgs(evs->sk, evs->cb);
		if (ret < 0 && !evs->got)
			return dlock_nlerr_to_errno(ret) == -ENOMEM ?
			       -ENOBUFS : dlock_nlerr_to_errno(ret);
		if (evs->err)
			return evs->err;
		if (evs->got) {
			*ev = evs->ev;
			return 0;
		}
		/* Not an event (another command): wait for the next. */
	}
}
