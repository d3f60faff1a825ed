// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * admin_cell.c - the cell's configuration and state over generic netlink:
 * peers, lockspaces, locks, counters and re-forming.
 *
 * Dumps are collected into one array that grows as replies come, so that a
 * caller gets all or nothing: a dump that fails half-way returns its error
 * and no partial list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "dlock.h"
#include "admin_priv.h"

/* A growing array of fixed-size entries, filled by a dump's replies. */
struct dlock_vec {
	void *items;
	size_t n;
	size_t cap;
	size_t size;		/* of one entry */
	const char *lockspace;	/* GET_LOCKS: the filter, if any */
};

/* A new zeroed entry at the end, or NULL without memory. */
static void *dlock_vec_push(struct dlock_vec *v)
{
	void *item;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *items = realloc(v->items, cap * v->size);

		if (!items)
			return NULL;
		v->items = items;
		v->cap = cap;
	}
	item = (char *)v->items + v->n * v->size;
	memset(item, 0, v->size);
	v->n++;
	return item;
}

/* Hand the array over (NULL when empty) or free it on error. */
static int dlock_vec_finish(struct dlock_vec *v, int err, void **out,
			    size_t *n)
{
	if (err || !v->n) {
		free(v->items);
		v->items = NULL;
		v->n = 0;
	}
	if (err)
		return err;
	*out = v->items;
	*n = v->n;
	return 0;
}

static void dlock_admin_why(struct dlock_admin *adm, const char *why)
{
	dlock_admin_set_error_msg(adm, why, strlen(why));
}

/* ---- peers ---- */

static struct nla_policy dlock_peer_policy[DLOCK_A_PEER_MAX + 1] = {
	[DLOCK_A_PEER_ID] = { .type = NLA_U32 },
	[DLOCK_A_PEER_ADDR4] = { .minlen = 4, .maxlen = 4 },
	[DLOCK_A_PEER_ADDR6] = { .minlen = 16, .maxlen = 16 },
	[DLOCK_A_PEER_PORT] = { .type = NLA_U16 },
	[DLOCK_A_PEER_ROLE] = { .type = NLA_U32 },
	[DLOCK_A_PEER_ALIVE] = { .type = NLA_U8 },
	[DLOCK_A_PEER_LAST_HEARD_MS] = { .type = NLA_U64 },
	[DLOCK_A_PEER_RTT_US] = { .type = NLA_U32 },
	[DLOCK_A_PEER_MATCH_INDEX] = { .type = NLA_U64 },
};

int dlock_admin_add_peer(struct dlock_admin *adm,
			 const struct dlock_peer *peer)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	size_t i;
	int alen;

	if (!adm || !peer)
		return -EINVAL;
	adm->has_error_msg = false;
	if (!peer->id) {
		dlock_admin_why(adm, "peer id 0 is reserved");
		return -EINVAL;
	}
	if (peer->family == AF_INET) {
		alen = 4;
	} else if (peer->family == AF_INET6) {
		alen = 16;
	} else {
		dlock_admin_why(adm, "peer address family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	/* State fields are the kernel's to report, never to be set. */
	for (i = 0; i < ARRAY_SIZE(peer->reserved); i++)
		if (peer->reserved[i])
			goto bad_state;
	if (peer->has || peer->alive || peer->reserved0 || peer->rtt_us ||
	    peer->last_heard_ms || peer->match_index)
		goto bad_state;
	msg = dlock_admin_new_request(adm, DLOCK_CMD_ADD_PEER, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, DLOCK_A_PEER);
	if (!nest ||
	    nla_put_u32(msg, DLOCK_A_PEER_ID, peer->id) < 0 ||
	    nla_put(msg, alen == 4 ? DLOCK_A_PEER_ADDR4 : DLOCK_A_PEER_ADDR6,
		    alen, peer->addr) < 0 ||
	    (peer->port && nla_put_u16(msg, DLOCK_A_PEER_PORT, peer->port) < 0) ||
	    nla_put_u32(msg, DLOCK_A_PEER_ROLE, peer->role) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return dlock_admin_transact(adm, msg, NULL, NULL);

bad_state:
	dlock_admin_why(adm, "only id, family, addr, port and role may be set");
	return -EINVAL;
}

int dlock_admin_del_peer(struct dlock_admin *adm, uint32_t id)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	if (!adm)
		return -EINVAL;
	adm->has_error_msg = false;
	if (!id) {
		dlock_admin_why(adm, "peer id 0 is reserved");
		return -EINVAL;
	}
	msg = dlock_admin_new_request(adm, DLOCK_CMD_DEL_PEER, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, DLOCK_A_PEER);
	if (!nest || nla_put_u32(msg, DLOCK_A_PEER_ID, id) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return dlock_admin_transact(adm, msg, NULL, NULL);
}

static int dlock_parse_peer(struct nlattr **tb, void *arg)
{
	struct nlattr *pa[DLOCK_A_PEER_MAX + 1];
	struct dlock_vec *v = arg;
	struct dlock_peer *p;

	if (!tb[DLOCK_A_PEER])
		return 0;
	if (nla_parse_nested(pa, DLOCK_A_PEER_MAX, tb[DLOCK_A_PEER],
			     dlock_peer_policy) < 0 || !pa[DLOCK_A_PEER_ID])
		return -EPROTO;
	p = dlock_vec_push(v);
	if (!p)
		return -ENOMEM;
	p->id = nla_get_u32(pa[DLOCK_A_PEER_ID]);
	if (pa[DLOCK_A_PEER_ADDR4]) {
		p->family = AF_INET;
		memcpy(p->addr, nla_data(pa[DLOCK_A_PEER_ADDR4]), 4);
	} else if (pa[DLOCK_A_PEER_ADDR6]) {
		p->family = AF_INET6;
		memcpy(p->addr, nla_data(pa[DLOCK_A_PEER_ADDR6]), 16);
	}
	if (pa[DLOCK_A_PEER_PORT])
		p->port = nla_get_u16(pa[DLOCK_A_PEER_PORT]);
	if (pa[DLOCK_A_PEER_ROLE])
		p->role = nla_get_u32(pa[DLOCK_A_PEER_ROLE]);
	if (pa[DLOCK_A_PEER_ALIVE]) {
		p->alive = nla_get_u8(pa[DLOCK_A_PEER_ALIVE]);
		p->has |= DLOCK_PEER_HAS_ALIVE;
	}
	if (pa[DLOCK_A_PEER_LAST_HEARD_MS]) {
		p->last_heard_ms = nla_get_u64(pa[DLOCK_A_PEER_LAST_HEARD_MS]);
		p->has |= DLOCK_PEER_HAS_LAST_HEARD;
	}
	if (pa[DLOCK_A_PEER_RTT_US]) {
		p->rtt_us = nla_get_u32(pa[DLOCK_A_PEER_RTT_US]);
		p->has |= DLOCK_PEER_HAS_RTT;
	}
	if (pa[DLOCK_A_PEER_MATCH_INDEX]) {
		p->match_index = nla_get_u64(pa[DLOCK_A_PEER_MATCH_INDEX]);
		p->has |= DLOCK_PEER_HAS_MATCH_INDEX;
	}
	return 0;
}

/* Run a dump of cmd (request attributes from put, if any) into v. */
static int dlock_admin_dump(struct dlock_admin *adm, uint8_t cmd,
			    int (*parse)(struct nlattr **tb, void *arg),
			    struct dlock_vec *v, struct nl_msg *msg)
{
	if (!msg)
		msg = dlock_admin_new_request(adm, cmd, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	return dlock_admin_transact(adm, msg, parse, v);
}

int dlock_admin_get_peers(struct dlock_admin *adm, struct dlock_peer **peers,
			  size_t *n)
{
	struct dlock_vec v = { .size = sizeof(struct dlock_peer) };
	int err;

	if (!adm || !peers || !n)
		return -EINVAL;
	adm->has_error_msg = false;
	err = dlock_admin_dump(adm, DLOCK_CMD_GET_PEERS, dlock_parse_peer, &v,
			       NULL);
	return dlock_vec_finish(&v, err, (void **)peers, n);
}

/* ---- lockspaces ---- */

static struct nla_policy dlock_ls_policy[DLOCK_A_LS_MAX + 1] = {
	[DLOCK_A_LS_NAME] = { .type = NLA_STRING },
	[DLOCK_A_LS_ALGO] = { .type = NLA_U32 },
	[DLOCK_A_LS_LVB_LEN] = { .type = NLA_U32 },
	[DLOCK_A_LS_RESOURCES] = { .type = NLA_U32 },
	[DLOCK_A_LS_LOCKS] = { .type = NLA_U32 },
	[DLOCK_A_LS_CACHE] = { .type = NLA_U8 },
};

/* 0 when name is a lockspace name the kernel can take, else -EINVAL. */
static int dlock_check_ls_name(struct dlock_admin *adm, const char *name)
{
	size_t len = name ? strnlen(name, DLOCK_NAME_MAX) : 0;

	if (!len || len == DLOCK_NAME_MAX) {
		dlock_admin_why(adm, "lockspace name must be 1..63 bytes");
		return -EINVAL;
	}
	return 0;
}

static int dlock_admin_ls_change(struct dlock_admin *adm, uint8_t cmd,
				 const char *name, const uint32_t *algo,
				 const uint32_t *lvb_len, uint32_t flags)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	int err;

	if (!adm)
		return -EINVAL;
	adm->has_error_msg = false;
	if (flags & ~DLOCK_LS_F_CACHE) {
		dlock_admin_why(adm, "unknown lockspace flag");
		return -EINVAL;
	}
	err = dlock_check_ls_name(adm, name);
	if (err)
		return err;
	msg = dlock_admin_new_request(adm, cmd, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, DLOCK_A_LOCKSPACE);
	if (!nest || nla_put_string(msg, DLOCK_A_LS_NAME, name) < 0 ||
	    (algo && nla_put_u32(msg, DLOCK_A_LS_ALGO, *algo) < 0) ||
	    (lvb_len && nla_put_u32(msg, DLOCK_A_LS_LVB_LEN, *lvb_len) < 0) ||
	    ((flags & DLOCK_LS_F_CACHE) &&
	     nla_put_u8(msg, DLOCK_A_LS_CACHE, 1) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return dlock_admin_transact(adm, msg, NULL, NULL);
}

int dlock_admin_add_lockspace(struct dlock_admin *adm, const char *name,
			      uint32_t algo, uint32_t lvb_len)
{
	return dlock_admin_ls_change(adm, DLOCK_CMD_ADD_LOCKSPACE, name, &algo,
				     &lvb_len, 0);
}

int dlock_admin_add_lockspace_flags(struct dlock_admin *adm, const char *name,
				    uint32_t algo, uint32_t lvb_len,
				    uint32_t flags)
{
	return dlock_admin_ls_change(adm, DLOCK_CMD_ADD_LOCKSPACE, name, &algo,
				     &lvb_len, flags);
}

int dlock_admin_del_lockspace(struct dlock_admin *adm, const char *name)
{
	return dlock_admin_ls_change(adm, DLOCK_CMD_DEL_LOCKSPACE, name, NULL,
				     NULL, 0);
}

/* Copy a string attribute into a NUL-terminated buffer of DLOCK_NAME_MAX. */
static int dlock_get_name(char *dst, const struct nlattr *attr)
{
	size_t len = strnlen(nla_data(attr), nla_len(attr));

	if (!len || len >= DLOCK_NAME_MAX)
		return -EPROTO;
	memcpy(dst, nla_data(attr), len);
	dst[len] = '\0';
	return 0;
}

static int dlock_parse_ls(struct nlattr **tb, void *arg)
{
	struct nlattr *la[DLOCK_A_LS_MAX + 1];
	struct dlock_vec *v = arg;
	struct dlock_lockspace *ls;

	if (!tb[DLOCK_A_LOCKSPACE])
		return 0;
	if (nla_parse_nested(la, DLOCK_A_LS_MAX, tb[DLOCK_A_LOCKSPACE],
			     dlock_ls_policy) < 0 || !la[DLOCK_A_LS_NAME])
		return -EPROTO;
	ls = dlock_vec_push(v);
	if (!ls)
		return -ENOMEM;
	if (dlock_get_name(ls->name, la[DLOCK_A_LS_NAME]))
		return -EPROTO;
	if (la[DLOCK_A_LS_ALGO])
		ls->algo = nla_get_u32(la[DLOCK_A_LS_ALGO]);
	if (la[DLOCK_A_LS_LVB_LEN])
		ls->lvb_len = nla_get_u32(la[DLOCK_A_LS_LVB_LEN]);
	if (la[DLOCK_A_LS_RESOURCES])
		ls->resources = nla_get_u32(la[DLOCK_A_LS_RESOURCES]);
	if (la[DLOCK_A_LS_LOCKS])
		ls->locks = nla_get_u32(la[DLOCK_A_LS_LOCKS]);
	if (la[DLOCK_A_LS_CACHE] && nla_get_u8(la[DLOCK_A_LS_CACHE]))
		ls->flags |= DLOCK_LS_F_CACHE;
	return 0;
}

int dlock_admin_get_lockspaces(struct dlock_admin *adm,
			       struct dlock_lockspace **lss, size_t *n)
{
	struct dlock_vec v = { .size = sizeof(struct dlock_lockspace) };
	int err;

	if (!adm || !lss || !n)
		return -EINVAL;
	adm->has_error_msg = false;
	err = dlock_admin_dump(adm, DLOCK_CMD_GET_LOCKSPACES, dlock_parse_ls,
			       &v, NULL);
	return dlock_vec_finish(&v, err, (void **)lss, n);
}

/* ---- locks ---- */

static struct nla_policy dlock_lock_policy[DLOCK_A_LOCK_MAX + 1] = {
	[DLOCK_A_LOCK_RESOURCE] = { .minlen = 1, .maxlen = DLOCK_NAME_MAX },
	[DLOCK_A_LOCK_NODE_ID] = { .type = NLA_U32 },
	[DLOCK_A_LOCK_OWNER] = { .type = NLA_U64 },
	[DLOCK_A_LOCK_MODE] = { .type = NLA_U32 },
	[DLOCK_A_LOCK_REQ_MODE] = { .type = NLA_U32 },
	[DLOCK_A_LOCK_WAITING] = { .type = NLA_U8 },
	[DLOCK_A_LOCK_TOKEN] = { .type = NLA_U64 },
};

static int dlock_parse_lock(struct nlattr **tb, void *arg)
{
	struct nlattr *la[DLOCK_A_LOCK_MAX + 1];
	struct nlattr *sa[DLOCK_A_LS_MAX + 1];
	struct dlock_vec *v = arg;
	struct dlock_lock_entry *e;
	const struct nlattr *res;

	if (!tb[DLOCK_A_LOCK])
		return 0;
	if (nla_parse_nested(la, DLOCK_A_LOCK_MAX, tb[DLOCK_A_LOCK],
			     dlock_lock_policy) < 0 ||
	    !la[DLOCK_A_LOCK_RESOURCE])
		return -EPROTO;
	e = dlock_vec_push(v);
	if (!e)
		return -ENOMEM;
	/* The lockspace: in the reply, else the one asked about. */
	if (tb[DLOCK_A_LOCKSPACE]) {
		if (nla_parse_nested(sa, DLOCK_A_LS_MAX, tb[DLOCK_A_LOCKSPACE],
				     dlock_ls_policy) < 0)
			return -EPROTO;
		if (sa[DLOCK_A_LS_NAME] &&
		    dlock_get_name(e->lockspace, sa[DLOCK_A_LS_NAME]))
			return -EPROTO;
	} else if (v->lockspace) {
		strcpy(e->lockspace, v->lockspace);
	}
	res = la[DLOCK_A_LOCK_RESOURCE];
	e->resource_len = nla_len(res);
	memcpy(e->resource, nla_data(res), e->resource_len);
	if (la[DLOCK_A_LOCK_NODE_ID])
		e->node_id = nla_get_u32(la[DLOCK_A_LOCK_NODE_ID]);
	if (la[DLOCK_A_LOCK_OWNER])
		e->owner = nla_get_u64(la[DLOCK_A_LOCK_OWNER]);
	if (la[DLOCK_A_LOCK_MODE])
		e->mode = nla_get_u32(la[DLOCK_A_LOCK_MODE]);
	if (la[DLOCK_A_LOCK_REQ_MODE])
		e->req_mode = nla_get_u32(la[DLOCK_A_LOCK_REQ_MODE]);
	if (la[DLOCK_A_LOCK_WAITING])
		e->waiting = !!nla_get_u8(la[DLOCK_A_LOCK_WAITING]);
	if (la[DLOCK_A_LOCK_TOKEN])
		e->token = nla_get_u64(la[DLOCK_A_LOCK_TOKEN]);
	return 0;
}

int dlock_admin_get_locks(struct dlock_admin *adm, const char *lockspace,
			  const void *res, size_t res_len,
			  struct dlock_lock_entry **locks, size_t *n)
{
	struct dlock_vec v = { .size = sizeof(struct dlock_lock_entry) };
	struct nlattr *nest;
	struct nl_msg *msg;
	int err;

	if (!adm || !locks || !n)
		return -EINVAL;
	adm->has_error_msg = false;
	if (lockspace) {
		err = dlock_check_ls_name(adm, lockspace);
		if (err)
			return err;
	}
	if ((res || res_len) &&
	    (!lockspace || !res || !res_len || res_len > DLOCK_NAME_MAX)) {
		dlock_admin_why(adm, "a resource (1..64 bytes) needs its lockspace");
		return -EINVAL;
	}
	v.lockspace = lockspace;
	msg = dlock_admin_new_request(adm, DLOCK_CMD_GET_LOCKS, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	if (lockspace) {
		nest = nla_nest_start(msg, DLOCK_A_LOCKSPACE);
		if (!nest || nla_put_string(msg, DLOCK_A_LS_NAME, lockspace) < 0)
			goto full;
		nla_nest_end(msg, nest);
	}
	if (res) {
		nest = nla_nest_start(msg, DLOCK_A_LOCK);
		if (!nest || nla_put(msg, DLOCK_A_LOCK_RESOURCE, res_len, res) < 0)
			goto full;
		nla_nest_end(msg, nest);
	}
	err = dlock_admin_dump(adm, DLOCK_CMD_GET_LOCKS, dlock_parse_lock, &v,
			       msg);
	return dlock_vec_finish(&v, err, (void **)locks, n);

full:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ---- counters ---- */

static struct nla_policy dlock_ctr_policy[DLOCK_A_CTR_MAX + 1] = {
	[DLOCK_A_CTR_ENTRY] = { .type = NLA_NESTED },
	[DLOCK_A_CTR_NAME] = { .type = NLA_STRING },
	[DLOCK_A_CTR_VALUE] = { .type = NLA_U64 },
};

static int dlock_parse_counters(struct nlattr **tb, void *arg)
{
	struct nlattr *ca[DLOCK_A_CTR_MAX + 1];
	struct dlock_vec *v = arg;
	struct dlock_counter *c;
	struct nlattr *entry;
	int rem;

	if (!tb[DLOCK_A_COUNTERS])
		return -EPROTO;
	nla_for_each_nested(entry, tb[DLOCK_A_COUNTERS], rem) {
		if (nla_type(entry) != DLOCK_A_CTR_ENTRY)
			continue;
		if (nla_parse_nested(ca, DLOCK_A_CTR_MAX, entry,
				     dlock_ctr_policy) < 0 ||
		    !ca[DLOCK_A_CTR_NAME] || !ca[DLOCK_A_CTR_VALUE])
			return -EPROTO;
		c = dlock_vec_push(v);
		if (!c)
			return -ENOMEM;
		if (dlock_get_name(c->name, ca[DLOCK_A_CTR_NAME]))
			return -EPROTO;
		c->value = nla_get_u64(ca[DLOCK_A_CTR_VALUE]);
	}
	return 0;
}

int dlock_admin_get_counters(struct dlock_admin *adm,
			     struct dlock_counter **ctrs, size_t *n)
{
	struct dlock_vec v = { .size = sizeof(struct dlock_counter) };
	struct nl_msg *msg;
	int err;

	if (!adm || !ctrs || !n)
		return -EINVAL;
	adm->has_error_msg = false;
	msg = dlock_admin_new_request(adm, DLOCK_CMD_GET_COUNTERS, 0);
	if (!msg)
		return -ENOMEM;
	err = dlock_admin_transact(adm, msg, dlock_parse_counters, &v);
	return dlock_vec_finish(&v, err, (void **)ctrs, n);
}

int dlock_admin_reform(struct dlock_admin *adm)
{
	struct nl_msg *msg;

	if (!adm)
		return -EINVAL;
	adm->has_error_msg = false;
	msg = dlock_admin_new_request(adm, DLOCK_CMD_REFORM, 0);
	if (!msg)
		return -ENOMEM;
	return dlock_admin_transact(adm, msg, NULL, NULL);
}
