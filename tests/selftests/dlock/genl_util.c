// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink for the dlock selftests (see genl_util.h).  Each
 * request asks for an ack, so every command, whether it replies or not,
 * ends with exactly one NLMSG_ERROR carrying 0 or -errno.
 */
#define _GNU_SOURCE
#include "genl_util.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/dlock.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#define DL_BUF_SIZE 16384

/* A request under construction: header, genetlink header, attributes. */
struct dl_req {
	union {
		struct nlmsghdr nlh;
		char buf[1024];
	};
};

static void dl_req_init(struct dl_req *r, uint16_t family, uint8_t cmd,
			uint8_t version)
{
	struct genlmsghdr *gh;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	gh = NLMSG_DATA(&r->nlh);
	gh->cmd = cmd;
	gh->version = version;
}

static int dl_req_put(struct dl_req *r, uint16_t type, const void *data,
		      uint16_t len)
{
	struct nlattr *a;
	size_t off = NLMSG_ALIGN(r->nlh.nlmsg_len);

	if (off + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(r->buf))
		return -EMSGSIZE;
	a = (struct nlattr *)(r->buf + off);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = off + NLA_ALIGN(a->nla_len);
	return 0;
}

/* Copy the NLMSGERR_ATTR_MSG of an error into g->extack, if there is one. */
static void dl_save_extack(struct dl_genl *g, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const char *p = (const char *)(err + 1);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the whole request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		p += NLMSG_ALIGN(err->msg.nlmsg_len - sizeof(struct nlmsghdr));
	while (p + NLA_HDRLEN <= end) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(g->extack, sizeof(g->extack), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 p + NLA_HDRLEN);
			return;
		}
		p += NLA_ALIGN(a->nla_len);
	}
}

/*
 * Send @r and read until its ack.  A reply message of type @r's family, if
 * any, is copied to @reply (at most @reply_size bytes, starting with the
 * nlmsghdr).  Returns 0 or the negative errno the kernel acked with.
 */
static int dl_transact(struct dl_genl *g, struct dl_req *r, void *reply,
		       size_t reply_size)
{
	static char buf[DL_BUF_SIZE];
	struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	g->extack[0] = '\0';
	r->nlh.nlmsg_seq = ++g->seq;
	if (send(g->fd, r->buf, r->nlh.nlmsg_len, 0) < 0)
		return -errno;

	for (;;) {
		n = recv(g->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != r->nlh.nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nlh);

				if (err->error)
					dl_save_extack(g, nlh);
				return err->error;
			}
			if (nlh->nlmsg_type == r->nlh.nlmsg_type && reply) {
				size_t l = nlh->nlmsg_len;

				memcpy(reply, nlh, l < reply_size ? l :
				       reply_size);
			}
		}
	}
}

/* Calls @fn for each top-level attribute of a genetlink reply. */
static void dl_for_each_attr(const void *reply, size_t reply_size,
			     void (*fn)(const struct nlattr *a, void *arg),
			     void *arg)
{
	const struct nlmsghdr *nlh = reply;
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	const char *end = (const char *)reply +
		(nlh->nlmsg_len < reply_size ? nlh->nlmsg_len : reply_size);
	const struct nlattr *a;

	while (p + NLA_HDRLEN <= end) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return;
		fn(a, arg);
		p += NLA_ALIGN(a->nla_len);
	}
}

static const void *dl_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static void dl_family_attr(const struct nlattr *a, void *arg)
{
	int *id = arg;
	uint16_t v;

	if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
	    a->nla_len == NLA_HDRLEN + sizeof(v)) {
		memcpy(&v, dl_attr_data(a), sizeof(v));
		*id = v;
	}
}

int dl_genl_resolve(struct dl_genl *g, const char *name)
{
	static char reply[DL_BUF_SIZE];
	struct dl_req r;
	int id = -ENODATA;
	int ret;

	dl_req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 2);
	ret = dl_req_put(&r, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	if (ret)
		return ret;
	memset(reply, 0, sizeof(reply));
	ret = dl_transact(g, &r, reply, sizeof(reply));
	if (ret)
		return ret;
	dl_for_each_attr(reply, sizeof(reply), dl_family_attr, &id);
	return id;
}

int dl_genl_open(struct dl_genl *g)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;
	int ret;

	memset(g, 0, sizeof(*g));
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return -errno;
	/* Errors come with their extack message, without the echoed request. */
	setsockopt(g->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(g->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto err;
	}
	ret = dl_genl_resolve(g, DLOCK_GENL_NAME);
	if (ret < 0)
		goto err;
	g->family = (uint16_t)ret;
	return 0;
err:
	close(g->fd);
	g->fd = -1;
	return ret;
}

void dl_genl_close(struct dl_genl *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

static void dl_status_attr(const struct nlattr *a, void *arg)
{
	struct dl_status *st = arg;
	uint32_t v;

	if (a->nla_len != NLA_HDRLEN + sizeof(v))
		return;
	memcpy(&v, dl_attr_data(a), sizeof(v));
	switch (a->nla_type & NLA_TYPE_MASK) {
	case DLOCK_A_ABI_VERSION:
		st->abi_version = v;
		st->has_abi_version = true;
		break;
	case DLOCK_A_NODE_ID:
		st->node_id = v;
		st->has_node_id = true;
		break;
	case DLOCK_A_STATE:
		st->state = v;
		st->has_state = true;
		break;
	}
}

int dl_genl_get_status(struct dl_genl *g, struct dl_status *st)
{
	static char reply[DL_BUF_SIZE];
	struct dl_req r;
	int ret;

	memset(st, 0, sizeof(*st));
	dl_req_init(&r, g->family, DLOCK_CMD_GET_STATUS, DLOCK_GENL_VERSION);
	memset(reply, 0, sizeof(reply));
	ret = dl_transact(g, &r, reply, sizeof(reply));
	if (ret)
		return ret;
	if (((struct nlmsghdr *)reply)->nlmsg_len == 0)
		return -ENODATA;	/* acked without a reply */
	dl_for_each_attr(reply, sizeof(reply), dl_status_attr, st);
	return 0;
}

int dl_genl_set_node(struct dl_genl *g, uint32_t node_id)
{
	struct dl_req r;
	int ret;

	dl_req_init(&r, g->family, DLOCK_CMD_SET_NODE, DLOCK_GENL_VERSION);
	ret = dl_req_put(&r, DLOCK_A_NODE_ID, &node_id, sizeof(node_id));
	if (ret)
		return ret;
	return dl_transact(g, &r, NULL, 0);
}

int dl_drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint32_t bit = 1U << (CAP_NET_ADMIN % 32);
	int i = CAP_NET_ADMIN / 32;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
