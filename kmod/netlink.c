// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "dlock" generic netlink family.
 *
 * One family for every network namespace (netnsok): a request acts on the
 * node of the namespace of the socket it came on.  Every attribute of the
 * uapi has a policy here, and the family is strictly validated (no
 * resv_start_op: unknown attributes, trailing garbage and reserved header
 * bits are refused by the genetlink core before our handlers run), so a
 * handler only sees well-typed values and checks what a policy cannot say.
 *
 * Only commands that really work are registered; the others of the uapi get
 * -EOPNOTSUPP from the genetlink core until they are implemented.  Likewise
 * SET_NODE names any attribute it does not handle yet rather than ignoring
 * it, so an administrator never believes a setting took effect.
 */

#include "netlink.h"
#include "netns.h"
#include "node.h"

#include "core/counters.h"
#include "core/locktable.h"

#include <linux/dlock.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

/*
 * Time settings: at least 1 ms, at most an hour.  Not const: 6.1's
 * nla_policy points at a mutable struct netlink_range_validation.
 */
static struct netlink_range_validation dlock_ms_range = {
	.min = 1,
	.max = 3600 * 1000,
};

/* A lock delay may be zero (release at once) and at most an hour. */
static struct netlink_range_validation dlock_lock_delay_range = {
	.max = 3600 * 1000,
};

/*
 * Node ids are plain u32 here although 0 is never a valid one: 0 means
 * "none" in the uapi, and a request naming node 0 is a bad value (-EINVAL,
 * with the attribute pointed at), not an integer out of range (-ERANGE, what
 * a policy minimum would answer).  Handlers check it.
 */
static const struct nla_policy dlock_peer_policy[DLOCK_A_PEER_MAX + 1] = {
	[DLOCK_A_PEER_ID]		= { .type = NLA_U32 },
	[DLOCK_A_PEER_ADDR4]		= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[DLOCK_A_PEER_ADDR6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[DLOCK_A_PEER_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[DLOCK_A_PEER_ROLE]		= NLA_POLICY_MAX(NLA_U32, DLOCK_ROLE_MEMBER),
	[DLOCK_A_PEER_ALIVE]		= NLA_POLICY_MAX(NLA_U8, 1),
	[DLOCK_A_PEER_LAST_HEARD_MS]	= { .type = NLA_U64 },
	[DLOCK_A_PEER_RTT_US]		= { .type = NLA_U32 },
	[DLOCK_A_PEER_MATCH_INDEX]	= { .type = NLA_U64 },
	[DLOCK_A_PEER_PAD]		= { .type = NLA_REJECT },
};

static const struct nla_policy dlock_ls_policy[DLOCK_A_LS_MAX + 1] = {
	[DLOCK_A_LS_NAME]		= { .type = NLA_NUL_STRING,
					    .len = DLOCK_NAME_MAX - 1 },
	[DLOCK_A_LS_ALGO]		= NLA_POLICY_MAX(NLA_U32,
							 DLOCK_LS_ALGO_COUNT - 1),
	/* 32 or 64: the range here, the exact choice in the handler. */
	[DLOCK_A_LS_LVB_LEN]		= NLA_POLICY_RANGE(NLA_U32,
							   DLOCK_LVB_MIN,
							   DLOCK_LVB_MAX),
	[DLOCK_A_LS_RESOURCES]		= { .type = NLA_U32 },
	[DLOCK_A_LS_LOCKS]		= { .type = NLA_U32 },
	[DLOCK_A_LS_CACHE]		= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy dlock_lock_policy[DLOCK_A_LOCK_MAX + 1] = {
	[DLOCK_A_LOCK_RESOURCE]		= NLA_POLICY_RANGE(NLA_BINARY, 1,
							   DLOCK_NAME_MAX),
	[DLOCK_A_LOCK_NODE_ID]		= { .type = NLA_U32 },
	[DLOCK_A_LOCK_OWNER]		= { .type = NLA_U64 },
	[DLOCK_A_LOCK_MODE]		= NLA_POLICY_MAX(NLA_U32,
							 DLOCK_MODE_COUNT - 1),
	[DLOCK_A_LOCK_REQ_MODE]		= NLA_POLICY_MAX(NLA_U32,
							 DLOCK_MODE_COUNT - 1),
	[DLOCK_A_LOCK_WAITING]		= NLA_POLICY_MAX(NLA_U8, 1),
	[DLOCK_A_LOCK_TOKEN]		= { .type = NLA_U64 },
	[DLOCK_A_LOCK_PAD]		= { .type = NLA_REJECT },
};

/* Counters nest entries, and each entry is a nest of NAME and VALUE. */
static const struct nla_policy dlock_ctr_policy[DLOCK_A_CTR_MAX + 1] = {
	[DLOCK_A_CTR_ENTRY]		= NLA_POLICY_NESTED(dlock_ctr_policy),
	[DLOCK_A_CTR_NAME]		= { .type = NLA_NUL_STRING,
					    .len = DLOCK_NAME_MAX - 1 },
	[DLOCK_A_CTR_VALUE]		= { .type = NLA_U64 },
	[DLOCK_A_CTR_PAD]		= { .type = NLA_REJECT },
};

static const struct nla_policy dlock_policy[DLOCK_A_MAX + 1] = {
	[DLOCK_A_ABI_VERSION]		= { .type = NLA_U32 },
	[DLOCK_A_NODE_ID]		= { .type = NLA_U32 },
	[DLOCK_A_CELL_ID]		= { .type = NLA_U32 },
	[DLOCK_A_STATE]			= NLA_POLICY_MAX(NLA_U32,
							 DLOCK_STATE_COUNT - 1),
	[DLOCK_A_LEADER_ID]		= { .type = NLA_U32 },
	[DLOCK_A_TERM]			= { .type = NLA_U64 },
	[DLOCK_A_INCARNATION]		= { .type = NLA_U64 },
	[DLOCK_A_LISTEN_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[DLOCK_A_LISTEN_ADDR4]		= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[DLOCK_A_LISTEN_ADDR6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[DLOCK_A_KEY]			= NLA_POLICY_EXACT_LEN(DLOCK_KEY_LEN),
	[DLOCK_A_ELECTION]		= NLA_POLICY_MAX(NLA_U32,
							 DLOCK_ELECTION_COUNT - 1),
	[DLOCK_A_ELECTION_TIMEOUT_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
								&dlock_ms_range),
	[DLOCK_A_HEARTBEAT_MS]		= NLA_POLICY_FULL_RANGE(NLA_U32,
								&dlock_ms_range),
	[DLOCK_A_LEASE_MS]		= NLA_POLICY_FULL_RANGE(NLA_U32,
								&dlock_ms_range),
	[DLOCK_A_LOCK_DELAY_MS]		= NLA_POLICY_FULL_RANGE(NLA_U32,
							&dlock_lock_delay_range),
	[DLOCK_A_ROLE]			= NLA_POLICY_MAX(NLA_U32,
							 DLOCK_ROLE_MEMBER),
	[DLOCK_A_PEER]			= NLA_POLICY_NESTED(dlock_peer_policy),
	[DLOCK_A_LOCKSPACE]		= NLA_POLICY_NESTED(dlock_ls_policy),
	[DLOCK_A_LOCK]			= NLA_POLICY_NESTED(dlock_lock_policy),
	[DLOCK_A_COUNTERS]		= NLA_POLICY_NESTED(dlock_ctr_policy),
	[DLOCK_A_EVENT_TYPE]		= NLA_POLICY_RANGE(NLA_U32,
							   DLOCK_EVENT_LEADER_CHANGE,
							   DLOCK_EVENT_LOCK_REVOKED),
	[DLOCK_A_COMMIT_INDEX]		= { .type = NLA_U64 },
	[DLOCK_A_APPLIED_INDEX]		= { .type = NLA_U64 },
	[DLOCK_A_PAD]			= { .type = NLA_REJECT },
};

static struct genl_family dlock_genl_family;

/*
 * Refuse an attribute a command does not handle yet, naming it in the
 * extended ack.  Extack messages must be string literals (6.1 has no
 * formatted form), hence one case per attribute.
 */
static int dlock_nl_unsupported(struct netlink_ext_ack *extack,
				const struct nlattr *attr)
{
	switch (nla_type(attr)) {
	case DLOCK_A_ABI_VERSION:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_ABI_VERSION: attribute not supported yet");
		break;
	case DLOCK_A_NODE_ID:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_NODE_ID: attribute not supported yet");
		break;
	case DLOCK_A_CELL_ID:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_CELL_ID: attribute not supported yet");
		break;
	case DLOCK_A_STATE:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_STATE: attribute not supported yet");
		break;
	case DLOCK_A_LEADER_ID:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LEADER_ID: attribute not supported yet");
		break;
	case DLOCK_A_TERM:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_TERM: attribute not supported yet");
		break;
	case DLOCK_A_INCARNATION:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_INCARNATION: attribute not supported yet");
		break;
	case DLOCK_A_LISTEN_PORT:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LISTEN_PORT: attribute not supported yet");
		break;
	case DLOCK_A_LISTEN_ADDR4:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LISTEN_ADDR4: attribute not supported yet");
		break;
	case DLOCK_A_LISTEN_ADDR6:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LISTEN_ADDR6: attribute not supported yet");
		break;
	case DLOCK_A_KEY:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_KEY: attribute not supported yet");
		break;
	case DLOCK_A_ELECTION:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_ELECTION: attribute not supported yet");
		break;
	case DLOCK_A_ELECTION_TIMEOUT_MS:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_ELECTION_TIMEOUT_MS: attribute not supported yet");
		break;
	case DLOCK_A_HEARTBEAT_MS:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_HEARTBEAT_MS: attribute not supported yet");
		break;
	case DLOCK_A_LEASE_MS:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LEASE_MS: attribute not supported yet");
		break;
	case DLOCK_A_LOCK_DELAY_MS:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LOCK_DELAY_MS: attribute not supported yet");
		break;
	case DLOCK_A_ROLE:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_ROLE: attribute not supported yet");
		break;
	case DLOCK_A_PEER:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_PEER: attribute not supported yet");
		break;
	case DLOCK_A_LOCKSPACE:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LOCKSPACE: attribute not supported yet");
		break;
	case DLOCK_A_LOCK:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_LOCK: attribute not supported yet");
		break;
	case DLOCK_A_COUNTERS:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_COUNTERS: attribute not supported yet");
		break;
	case DLOCK_A_EVENT_TYPE:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_EVENT_TYPE: attribute not supported yet");
		break;
	case DLOCK_A_COMMIT_INDEX:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_COMMIT_INDEX: attribute not supported yet");
		break;
	case DLOCK_A_APPLIED_INDEX:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "DLOCK_A_APPLIED_INDEX: attribute not supported yet");
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "attribute not supported yet");
		break;
	}
	return -EOPNOTSUPP;
}

/*
 * Fail on the first attribute present in the request that is not in
 * @handled (a zero-terminated list), before the command changes anything.
 */
static int dlock_nl_only(struct genl_info *info, const int *handled)
{
	const int *h;
	int type;

	for (type = DLOCK_A_UNSPEC + 1; type <= DLOCK_A_MAX; type++) {
		if (!info->attrs[type])
			continue;
		for (h = handled; *h && *h != type; h++)
			;
		if (!*h)
			return dlock_nl_unsupported(info->extack,
						    info->attrs[type]);
	}
	return 0;
}

static int dlock_nl_fill_status(struct sk_buff *msg, struct dlock_net *dn)
{
	struct dl_node_status st = { };

	lockdep_assert_held(&dn->lock);

	/* Without a running node there is no leader and no term: 0, none. */
	if (dn->node)
		dl_node_get_status(dn->node->core, &st);
	else
		st.state = DLOCK_STATE_UNCONFIGURED;

	if (nla_put_u32(msg, DLOCK_A_ABI_VERSION, DLOCK_ABI_VERSION) ||
	    nla_put_u32(msg, DLOCK_A_NODE_ID, dn->node_id) ||
	    nla_put_u32(msg, DLOCK_A_CELL_ID, dn->cell_id) ||
	    nla_put_u32(msg, DLOCK_A_STATE, st.state) ||
	    nla_put_u32(msg, DLOCK_A_LEADER_ID, st.leader_id) ||
	    nla_put_u64_64bit(msg, DLOCK_A_TERM, st.term, DLOCK_A_PAD))
		return -EMSGSIZE;
	if (dn->node &&
	    (nla_put_u64_64bit(msg, DLOCK_A_INCARNATION, st.incarnation,
			       DLOCK_A_PAD) ||
	     nla_put_u64_64bit(msg, DLOCK_A_COMMIT_INDEX, st.commit_index,
			       DLOCK_A_PAD) ||
	     nla_put_u64_64bit(msg, DLOCK_A_APPLIED_INDEX, st.applied_index,
			       DLOCK_A_PAD) ||
	     nla_put_u32(msg, DLOCK_A_ELECTION, st.election) ||
	     nla_put_u32(msg, DLOCK_A_ROLE, st.role)))
		return -EMSGSIZE;
	if (dn->cfg.node_id &&
	    nla_put_u16(msg, DLOCK_A_LISTEN_PORT, dn->cfg.port))
		return -EMSGSIZE;
	return 0;
}

static int dlock_nl_get_status(struct sk_buff *skb, struct genl_info *info)
{
	static const int handled[] = { 0 };
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = dlock_nl_only(info, handled);
	if (ret)
		return ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &dlock_genl_family, 0,
				DLOCK_CMD_GET_STATUS);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}

	mutex_lock(&dn->lock);
	ret = dlock_nl_fill_status(msg, dn);
	mutex_unlock(&dn->lock);
	if (ret)
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

/* The cell's timing with the core's defaults filled in, to check it. */
static u32 dlock_ms_or(u32 ms, u32 dflt)
{
	return ms ? ms : dflt;
}

/*
 * Restart the node of @dn (if it can run) after its configuration changed,
 * going back to @old, and @undo-ing a peer table change, when the new one
 * cannot start, so that a refused change changes nothing.
 */
static int dlock_nl_apply(struct dlock_net *dn, const struct dlock_node_cfg *old,
			  void (*undo)(struct dlock_net *dn, void *arg),
			  void *undo_arg, struct netlink_ext_ack *extack)
{
	bool was_running = dn->node;
	const char *msg = "cannot start the node";
	int ret;

	dlock_node_stop(dn);
	dn->node_id = dn->cfg.node_id;
	dn->cell_id = dn->cfg.cell_id;
	if (!dn->cfg.node_id || !dn->cfg.key_set)
		return 0;
	/* A running node that restarts lost its log: it rejoins the cell. */
	ret = dlock_node_start(dn, was_running, &msg);
	if (!ret)
		return 0;

	/*
	 * NL_SET_ERR_MSG() wants a literal; @msg always points at one (a
	 * static string of node.c), which is what the macro stores.
	 */
	if (extack)
		extack->_msg = msg;
	if (undo)
		undo(dn, undo_arg);
	dn->cfg = *old;
	dn->node_id = dn->cfg.node_id;
	dn->cell_id = dn->cfg.cell_id;
	if (was_running && dlock_node_start(dn, true, &msg))
		pr_warn("node %u: could not restart with its previous configuration\n",
			dn->node_id);
	return ret;
}

static int dlock_nl_set_node(struct sk_buff *skb, struct genl_info *info)
{
	static const int handled[] = {
		DLOCK_A_NODE_ID, DLOCK_A_CELL_ID, DLOCK_A_LISTEN_PORT,
		DLOCK_A_LISTEN_ADDR4, DLOCK_A_LISTEN_ADDR6, DLOCK_A_KEY,
		DLOCK_A_ELECTION, DLOCK_A_ELECTION_TIMEOUT_MS,
		DLOCK_A_HEARTBEAT_MS, DLOCK_A_LEASE_MS, DLOCK_A_LOCK_DELAY_MS,
		DLOCK_A_ROLE, 0
	};
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dlock_node_cfg cfg, old;
	u32 hb, el, lease, delay;
	int type, ret;

	ret = dlock_nl_only(info, handled);
	if (ret)
		return ret;
	for (type = DLOCK_A_UNSPEC + 1; type <= DLOCK_A_MAX; type++)
		if (attrs[type])
			break;
	if (type > DLOCK_A_MAX) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give DLOCK_A_NODE_ID and/or DLOCK_A_CELL_ID");
		return -EINVAL;
	}
	if (attrs[DLOCK_A_NODE_ID] && !nla_get_u32(attrs[DLOCK_A_NODE_ID])) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DLOCK_A_NODE_ID],
				    "node id 0 is reserved: it means unset");
		return -EINVAL;
	}

	mutex_lock(&dn->lock);
	cfg = dn->cfg;
	if (attrs[DLOCK_A_NODE_ID]) {
		cfg.node_id = nla_get_u32(attrs[DLOCK_A_NODE_ID]);
		if (xa_load(&dn->peers, cfg.node_id)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[DLOCK_A_NODE_ID],
					    "node id is already a peer's");
			ret = -EEXIST;
			goto out;
		}
	}
	if (attrs[DLOCK_A_CELL_ID])
		cfg.cell_id = nla_get_u32(attrs[DLOCK_A_CELL_ID]);
	if (attrs[DLOCK_A_LISTEN_PORT])
		cfg.port = nla_get_u16(attrs[DLOCK_A_LISTEN_PORT]);
	if (!cfg.port)
		cfg.port = DLOCK_DEFAULT_PORT;
	if (attrs[DLOCK_A_LISTEN_ADDR4]) {
		cfg.has_addr4 = true;
		cfg.addr4 = nla_get_in_addr(attrs[DLOCK_A_LISTEN_ADDR4]);
	}
	if (attrs[DLOCK_A_LISTEN_ADDR6]) {
		cfg.has_addr6 = true;
		cfg.addr6 = nla_get_in6_addr(attrs[DLOCK_A_LISTEN_ADDR6]);
	}
	if (attrs[DLOCK_A_KEY]) {
		nla_memcpy(cfg.key, attrs[DLOCK_A_KEY], DLOCK_KEY_LEN);
		cfg.key_set = true;
	}
	if (attrs[DLOCK_A_ELECTION])
		cfg.election = nla_get_u32(attrs[DLOCK_A_ELECTION]);
	if (attrs[DLOCK_A_ROLE])
		cfg.role = nla_get_u32(attrs[DLOCK_A_ROLE]);
	if (attrs[DLOCK_A_ELECTION_TIMEOUT_MS])
		cfg.timeouts.election_ms =
			nla_get_u32(attrs[DLOCK_A_ELECTION_TIMEOUT_MS]);
	if (attrs[DLOCK_A_HEARTBEAT_MS])
		cfg.timeouts.heartbeat_ms =
			nla_get_u32(attrs[DLOCK_A_HEARTBEAT_MS]);
	if (attrs[DLOCK_A_LEASE_MS])
		cfg.timeouts.lease_ms = nla_get_u32(attrs[DLOCK_A_LEASE_MS]);
	if (attrs[DLOCK_A_LOCK_DELAY_MS])
		cfg.timeouts.lock_delay_ms =
			nla_get_u32(attrs[DLOCK_A_LOCK_DELAY_MS]);

	/* The core's rules (core/node.c), with its defaults for zeros. */
	hb = dlock_ms_or(cfg.timeouts.heartbeat_ms, 50);
	el = dlock_ms_or(cfg.timeouts.election_ms, 150);
	lease = dlock_ms_or(cfg.timeouts.lease_ms, 1000);
	delay = dlock_ms_or(cfg.timeouts.lock_delay_ms, 500);
	if (hb >= el || hb >= lease) {
		NL_SET_ERR_MSG(info->extack,
			       "heartbeat must be shorter than the election timeout and the lease");
		ret = -EINVAL;
		goto out;
	}
	if (delay < 2 * el) {
		/* An old leader's last appends must be over (session.c). */
		NL_SET_ERR_MSG(info->extack,
			       "lock delay must be at least twice the election timeout");
		ret = -EINVAL;
		goto out;
	}

	/*
	 * Every node of a cell runs the same election, whose messages the
	 * others would not understand: it is chosen before the node starts
	 * (with or before the key), not changed under a running cell.
	 */
	if (dn->node && cfg.election != dn->cfg.election) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DLOCK_A_ELECTION],
				    "the election of a running node cannot change: set it before the key, on every node of the cell");
		ret = -EBUSY;
		goto out;
	}

	old = dn->cfg;
	dn->cfg = cfg;
	ret = dlock_nl_apply(dn, &old, NULL, NULL, info->extack);
out:
	memzero_explicit(&cfg, sizeof(cfg));
	mutex_unlock(&dn->lock);
	return ret;
}

static int dlock_nl_peer_addr(struct nlattr **pa, struct dlock_peer *peer,
			      struct netlink_ext_ack *extack,
			      const struct nlattr *nest)
{
	u16 port = DLOCK_DEFAULT_PORT;

	if (pa[DLOCK_A_PEER_PORT])
		port = nla_get_u16(pa[DLOCK_A_PEER_PORT]);
	if (!!pa[DLOCK_A_PEER_ADDR4] == !!pa[DLOCK_A_PEER_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a peer needs exactly one of DLOCK_A_PEER_ADDR4 and DLOCK_A_PEER_ADDR6");
		return -EINVAL;
	}
	if (pa[DLOCK_A_PEER_ADDR4]) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&peer->addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = nla_get_in_addr(pa[DLOCK_A_PEER_ADDR4]);
		if (!sin->sin_addr.s_addr) {
			NL_SET_ERR_MSG_ATTR(extack, pa[DLOCK_A_PEER_ADDR4],
					    "peer address 0.0.0.0 cannot be reached");
			return -EINVAL;
		}
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer->addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = nla_get_in6_addr(pa[DLOCK_A_PEER_ADDR6]);
		if (ipv6_addr_any(&sin6->sin6_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, pa[DLOCK_A_PEER_ADDR6],
					    "peer address :: cannot be reached");
			return -EINVAL;
		}
	}
	return 0;
}

/* Parse DLOCK_A_PEER of @info and check its node id; 0 or -errno. */
static int dlock_nl_parse_peer(struct genl_info *info, struct nlattr **pa,
			       u32 *id)
{
	int ret;

	if (!info->attrs[DLOCK_A_PEER]) {
		NL_SET_ERR_MSG(info->extack, "DLOCK_A_PEER nest missing");
		return -EINVAL;
	}
	ret = nla_parse_nested(pa, DLOCK_A_PEER_MAX, info->attrs[DLOCK_A_PEER],
			       dlock_peer_policy, info->extack);
	if (ret)
		return ret;
	if (!pa[DLOCK_A_PEER_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DLOCK_A_PEER],
				    "DLOCK_A_PEER_ID missing");
		return -EINVAL;
	}
	*id = nla_get_u32(pa[DLOCK_A_PEER_ID]);
	if (!*id) {
		NL_SET_ERR_MSG_ATTR(info->extack, pa[DLOCK_A_PEER_ID],
				    "node id 0 is reserved: it means unset");
		return -EINVAL;
	}
	return 0;
}

/* Undo of a peer added or removed, before the old node restarts. */
static void dlock_nl_undo_add(struct dlock_net *dn, void *arg)
{
	struct dlock_peer *peer = arg;

	xa_erase(&dn->peers, peer->id);
}

static void dlock_nl_undo_del(struct dlock_net *dn, void *arg)
{
	struct dlock_peer *peer = arg;

	peer->removing = false;
}

static int dlock_nl_add_peer(struct sk_buff *skb, struct genl_info *info)
{
	static const int handled[] = { DLOCK_A_PEER, 0 };
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	struct nlattr *pa[DLOCK_A_PEER_MAX + 1];
	struct dlock_node_cfg old;
	struct dlock_peer *peer;
	u32 id;
	int ret;

	ret = dlock_nl_only(info, handled);
	if (ret)
		return ret;
	ret = dlock_nl_parse_peer(info, pa, &id);
	if (ret)
		return ret;
	if (pa[DLOCK_A_PEER_ALIVE] || pa[DLOCK_A_PEER_LAST_HEARD_MS] ||
	    pa[DLOCK_A_PEER_RTT_US] || pa[DLOCK_A_PEER_MATCH_INDEX]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DLOCK_A_PEER],
				    "peer state attributes are read-only");
		return -EINVAL;
	}
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return -ENOMEM;
	peer->id = id;
	peer->role = pa[DLOCK_A_PEER_ROLE] ?
		     nla_get_u32(pa[DLOCK_A_PEER_ROLE]) : DLOCK_ROLE_VOTER;
	ret = dlock_nl_peer_addr(pa, peer, info->extack,
				 info->attrs[DLOCK_A_PEER]);
	if (ret)
		goto err_free;

	mutex_lock(&dn->lock);
	if (id == dn->cfg.node_id) {
		NL_SET_ERR_MSG_ATTR(info->extack, pa[DLOCK_A_PEER_ID],
				    "a node is not its own peer");
		ret = -EINVAL;
		goto err_unlock;
	}
	ret = xa_insert(&dn->peers, id, peer, GFP_KERNEL);
	if (ret) {
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG_ATTR(info->extack, pa[DLOCK_A_PEER_ID],
					    "peer already added");
			ret = -EEXIST;
		}
		goto err_unlock;
	}
	if (dn->node && peer->role == DLOCK_ROLE_MEMBER) {
		/* A member joins the running cell. */
		ret = dl_node_peer_add(dn->node->core, id, peer->role);
		if (ret) {
			NL_SET_ERR_MSG(info->extack,
				       "the running node refused the member");
			xa_erase(&dn->peers, id);
			goto err_unlock;
		}
	} else if (dn->node) {
		/* The voter set is fixed per core node: restart it. */
		old = dn->cfg;
		ret = dlock_nl_apply(dn, &old, dlock_nl_undo_add, peer,
				     info->extack);
		if (ret)
			goto err_unlock;
	}
	dlock_nl_notify(dn, DLOCK_EVENT_MEMBERSHIP);
	mutex_unlock(&dn->lock);
	return 0;

err_unlock:
	mutex_unlock(&dn->lock);
err_free:
	kfree(peer);
	return ret;
}

static int dlock_nl_del_peer(struct sk_buff *skb, struct genl_info *info)
{
	static const int handled[] = { DLOCK_A_PEER, 0 };
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	struct nlattr *pa[DLOCK_A_PEER_MAX + 1];
	struct dlock_node_cfg old;
	struct dlock_peer *peer;
	u32 id;
	int ret;

	ret = dlock_nl_only(info, handled);
	if (ret)
		return ret;
	ret = dlock_nl_parse_peer(info, pa, &id);
	if (ret)
		return ret;

	mutex_lock(&dn->lock);
	peer = xa_load(&dn->peers, id);
	if (!peer) {
		NL_SET_ERR_MSG_ATTR(info->extack, pa[DLOCK_A_PEER_ID],
				    "no such peer");
		ret = -ENOENT;
		goto out;
	}
	if (dn->node && peer->role == DLOCK_ROLE_MEMBER) {
		ret = dl_node_peer_remove(dn->node->core, id);
		if (ret && ret != -ENOENT) {
			NL_SET_ERR_MSG(info->extack,
				       "the running node refused to remove the member");
			goto out;
		}
	}
	if (dn->node && peer->role == DLOCK_ROLE_VOTER) {
		/* Restart without it; it stays in the table if that fails. */
		peer->removing = true;
		old = dn->cfg;
		ret = dlock_nl_apply(dn, &old, dlock_nl_undo_del, peer,
				     info->extack);
		if (ret)
			goto out;
	}
	xa_erase(&dn->peers, id);
	kfree(peer);
	dlock_nl_notify(dn, DLOCK_EVENT_MEMBERSHIP);
	ret = 0;
out:
	mutex_unlock(&dn->lock);
	return ret;
}

static int dlock_nl_fill_peer(struct sk_buff *msg, struct dlock_net *dn,
			      const struct dlock_peer *peer,
			      struct netlink_callback *cb)
{
	struct dl_node_peer_info pi = { };
	struct nlattr *nest;
	bool known = false;
	void *hdr;
	u32 i;

	if (dn->node) {
		for (i = 0; !dl_node_get_peer(dn->node->core, i, &pi); i++) {
			if (pi.id == peer->id) {
				known = true;
				break;
			}
		}
	}

	hdr = genlmsg_put(msg, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dlock_genl_family, NLM_F_MULTI, DLOCK_CMD_GET_PEERS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(msg, DLOCK_A_PEER);
	if (!nest)
		goto err;
	if (nla_put_u32(msg, DLOCK_A_PEER_ID, peer->id) ||
	    nla_put_u32(msg, DLOCK_A_PEER_ROLE, peer->role))
		goto err;
	if (peer->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&peer->addr;

		if (nla_put_in_addr(msg, DLOCK_A_PEER_ADDR4,
				    sin->sin_addr.s_addr) ||
		    nla_put_u16(msg, DLOCK_A_PEER_PORT, ntohs(sin->sin_port)))
			goto err;
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&peer->addr;

		if (nla_put_in6_addr(msg, DLOCK_A_PEER_ADDR6,
				     &sin6->sin6_addr) ||
		    nla_put_u16(msg, DLOCK_A_PEER_PORT, ntohs(sin6->sin6_port)))
			goto err;
	}
	if (known && pi.rtt_us &&
	    nla_put_u32(msg, DLOCK_A_PEER_RTT_US, pi.rtt_us))
		goto err;
	if (known &&
	    (nla_put_u8(msg, DLOCK_A_PEER_ALIVE, pi.alive) ||
	     nla_put_u64_64bit(msg, DLOCK_A_PEER_MATCH_INDEX, pi.match_index,
			       DLOCK_A_PEER_PAD)))
		goto err;
	if (peer->last_rx_ns &&
	    nla_put_u64_64bit(msg, DLOCK_A_PEER_LAST_HEARD_MS,
			      div_u64(ktime_get_ns() - peer->last_rx_ns,
				      NSEC_PER_MSEC),
			      DLOCK_A_PEER_PAD))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;
err:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* Dump of peers; cb->args[0] is the next peer id to report. */
static int dlock_nl_get_peers(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dlock_net *dn = dlock_net(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct dlock_peer *peer;
	int ret = 0;

	mutex_lock(&dn->lock);
	xa_for_each_start(&dn->peers, id, peer, cb->args[0]) {
		ret = dlock_nl_fill_peer(skb, dn, peer, cb);
		if (ret)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&dn->lock);
	/* A full skb ends this part; the dump resumes at args[0]. */
	return ret == -EMSGSIZE ? skb->len : ret ? ret : skb->len;
}

/* A dump of the lock table: where it is and where it stopped. */
struct dlock_nl_lt_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct dl_lt *lt;
	/* GET_LOCKS filters, from the request. */
	const u8 *res;
	u32 res_len;
	/* The lockspace being walked (GET_LOCKS). */
	const struct dl_lt_ls_info *ls;
	int err;
};

static int dlock_nl_put_ls_name(struct sk_buff *skb,
				const struct dl_lt_ls_info *ls)
{
	char name[DLOCK_NAME_MAX + 1];

	memcpy(name, ls->name, ls->name_len);
	name[ls->name_len] = '\0';
	return nla_put_string(skb, DLOCK_A_LS_NAME, name);
}

static int dlock_nl_ls_one(void *arg, const struct dl_lt_ls_info *ls)
{
	struct dlock_nl_lt_ctx *c = arg;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(c->skb, NETLINK_CB(c->cb->skb).portid,
			  c->cb->nlh->nlmsg_seq, &dlock_genl_family,
			  NLM_F_MULTI, DLOCK_CMD_GET_LOCKSPACES);
	if (!hdr)
		goto full;
	nest = nla_nest_start(c->skb, DLOCK_A_LOCKSPACE);
	if (!nest || dlock_nl_put_ls_name(c->skb, ls) ||
	    nla_put_u32(c->skb, DLOCK_A_LS_ALGO, DLOCK_LS_CELL) ||
	    nla_put_u32(c->skb, DLOCK_A_LS_LVB_LEN, ls->lvb_len) ||
	    nla_put_u32(c->skb, DLOCK_A_LS_RESOURCES, ls->resources) ||
	    nla_put_u32(c->skb, DLOCK_A_LS_LOCKS,
			min_t(u64, ls->locks, U32_MAX)) ||
	    nla_put_u8(c->skb, DLOCK_A_LS_CACHE,
		       !!(ls->flags & DL_LT_LS_CACHE))) {
		genlmsg_cancel(c->skb, hdr);
		goto full;
	}
	nla_nest_end(c->skb, nest);
	genlmsg_end(c->skb, hdr);
	return 0;
full:
	c->err = -EMSGSIZE;
	return 1;
}

/*
 * The lock table lives on voters; a member has none to show.  Returns the
 * table, or NULL with an error set for the dump.
 */
static const struct dl_lt *dlock_nl_lt(struct dlock_net *dn,
				       struct netlink_callback *cb, int *err)
{
	const struct dl_lt *lt;

	if (!dn->node) {
		NL_SET_ERR_MSG(cb->extack, "the node is not running");
		*err = -ENOTCONN;
		return NULL;
	}
	lt = dl_node_lt(dn->node->core);
	if (!lt) {
		NL_SET_ERR_MSG(cb->extack,
			       "a member holds no lock table: ask a voter");
		*err = -EOPNOTSUPP;
	}
	return lt;
}

/* Dump of lockspaces; cb->args[0] counts those already sent. */
static int dlock_nl_get_lockspaces(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct dlock_net *dn = dlock_net(sock_net(skb->sk));
	struct dlock_nl_lt_ctx c = { .skb = skb, .cb = cb };
	int err = 0;

	mutex_lock(&dn->lock);
	c.lt = dlock_nl_lt(dn, cb, &err);
	if (c.lt)
		cb->args[0] += dl_lt_walk_ls(c.lt, cb->args[0],
					     dlock_nl_ls_one, &c);
	mutex_unlock(&dn->lock);
	if (err)
		return err;
	return skb->len;
}

static int dlock_nl_lock_one(void *arg, const struct dl_lt_lock_info *lk)
{
	struct dlock_nl_lt_ctx *c = arg;
	struct nlattr *nest;
	void *hdr;

	if (c->res && (lk->res_len != c->res_len ||
		       memcmp(lk->res, c->res, c->res_len)))
		return 0;
	hdr = genlmsg_put(c->skb, NETLINK_CB(c->cb->skb).portid,
			  c->cb->nlh->nlmsg_seq, &dlock_genl_family,
			  NLM_F_MULTI, DLOCK_CMD_GET_LOCKS);
	if (!hdr)
		goto full;
	nest = nla_nest_start(c->skb, DLOCK_A_LOCKSPACE);
	if (!nest || dlock_nl_put_ls_name(c->skb, c->ls))
		goto cancel;
	nla_nest_end(c->skb, nest);
	nest = nla_nest_start(c->skb, DLOCK_A_LOCK);
	if (!nest ||
	    nla_put(c->skb, DLOCK_A_LOCK_RESOURCE, lk->res_len, lk->res) ||
	    nla_put_u32(c->skb, DLOCK_A_LOCK_NODE_ID, lk->owner.node) ||
	    nla_put_u64_64bit(c->skb, DLOCK_A_LOCK_OWNER, lk->owner.id,
			      DLOCK_A_LOCK_PAD) ||
	    (lk->mode < DLOCK_MODE_COUNT &&
	     nla_put_u32(c->skb, DLOCK_A_LOCK_MODE, lk->mode)) ||
	    (lk->req_mode < DLOCK_MODE_COUNT &&
	     nla_put_u32(c->skb, DLOCK_A_LOCK_REQ_MODE, lk->req_mode)) ||
	    nla_put_u8(c->skb, DLOCK_A_LOCK_WAITING, lk->waiting) ||
	    nla_put_u64_64bit(c->skb, DLOCK_A_LOCK_TOKEN, lk->token,
			      DLOCK_A_LOCK_PAD))
		goto cancel;
	nla_nest_end(c->skb, nest);
	genlmsg_end(c->skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(c->skb, hdr);
full:
	c->err = -EMSGSIZE;
	return 1;
}

/* Visit one lockspace's locks for GET_LOCKS, resuming at cb->args[1]. */
static int dlock_nl_locks_of(void *arg, const struct dl_lt_ls_info *ls)
{
	struct dlock_nl_lt_ctx *c = arg;
	u64 done;

	c->ls = ls;
	done = dl_lt_walk_locks(c->lt, ls->ls_id, c->cb->args[1],
				dlock_nl_lock_one, c);
	/* Locks skipped by the resource filter count as walked too. */
	if (c->err) {
		c->cb->args[1] += done;
		return 1;
	}
	c->cb->args[1] = 0;
	return 0;
}

/*
 * Dump of locks (holders and waiters): every lockspace, or the one named
 * by DLOCK_A_LOCKSPACE, optionally one resource (DLOCK_A_LOCK_RESOURCE in
 * DLOCK_A_LOCK).  cb->args[0]: lockspaces done, [1]: locks done in the
 * current one.
 */
static int dlock_nl_get_locks(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dlock_net *dn = dlock_net(sock_net(skb->sk));
	struct dlock_nl_lt_ctx c = { .skb = skb, .cb = cb };
	struct nlattr *attrs[DLOCK_A_MAX + 1];
	struct nlattr *la[DLOCK_A_LS_MAX + 1];
	struct nlattr *ka[DLOCK_A_LOCK_MAX + 1];
	struct dl_lt_ls_info ls;
	const char *name = NULL;
	int err;

	/*
	 * The request's attributes, parsed here: where the genetlink core
	 * keeps them for a dump differs between 6.1 and 6.12.  The family
	 * already validated them strictly.
	 */
	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, attrs, DLOCK_A_MAX,
			  dlock_policy, cb->extack);
	if (err)
		return err;

	if (attrs[DLOCK_A_LOCKSPACE]) {
		err = nla_parse_nested(la, DLOCK_A_LS_MAX,
				       attrs[DLOCK_A_LOCKSPACE],
				       dlock_ls_policy, cb->extack);
		if (err)
			return err;
		if (!la[DLOCK_A_LS_NAME]) {
			NL_SET_ERR_MSG_ATTR(cb->extack, attrs[DLOCK_A_LOCKSPACE],
					    "DLOCK_A_LS_NAME missing");
			return -EINVAL;
		}
		name = nla_data(la[DLOCK_A_LS_NAME]);
	}
	if (attrs[DLOCK_A_LOCK]) {
		err = nla_parse_nested(ka, DLOCK_A_LOCK_MAX,
				       attrs[DLOCK_A_LOCK], dlock_lock_policy,
				       cb->extack);
		if (err)
			return err;
		if (!name || !ka[DLOCK_A_LOCK_RESOURCE]) {
			NL_SET_ERR_MSG_ATTR(cb->extack, attrs[DLOCK_A_LOCK],
					    "a resource filter needs DLOCK_A_LOCK_RESOURCE and its lockspace");
			return -EINVAL;
		}
		c.res = nla_data(ka[DLOCK_A_LOCK_RESOURCE]);
		c.res_len = nla_len(ka[DLOCK_A_LOCK_RESOURCE]);
	}

	mutex_lock(&dn->lock);
	c.lt = dlock_nl_lt(dn, cb, &err);
	if (!c.lt)
		goto out;
	if (name) {
		if (!dl_lt_ls_find(c.lt, (const u8 *)name, strlen(name), &ls)) {
			NL_SET_ERR_MSG_ATTR(cb->extack, la[DLOCK_A_LS_NAME],
					    "no such lockspace");
			err = -ENOENT;
			goto out;
		}
		if (!cb->args[0] && !dlock_nl_locks_of(&c, &ls))
			cb->args[0] = 1;
	} else {
		cb->args[0] += dl_lt_walk_ls(c.lt, cb->args[0],
					     dlock_nl_locks_of, &c);
	}
out:
	mutex_unlock(&dn->lock);
	if (err)
		return err;
	return skb->len;
}

struct dlock_nl_ctr_ctx {
	struct sk_buff *msg;
};

static int dlock_nl_put_ctr(struct sk_buff *msg, const char *name, u64 value)
{
	struct nlattr *entry = nla_nest_start(msg, DLOCK_A_CTR_ENTRY);

	if (!entry ||
	    nla_put_string(msg, DLOCK_A_CTR_NAME, name) ||
	    nla_put_u64_64bit(msg, DLOCK_A_CTR_VALUE, value, DLOCK_A_CTR_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, entry);
	return 0;
}

/* dl_counters_foreach() callback: "group.name", or "name" for scalars. */
static int dlock_nl_core_ctr(void *arg, const char *group, const char *name,
			     u64 value)
{
	struct dlock_nl_ctr_ctx *ctx = arg;
	char full[DLOCK_NAME_MAX];

	if (group && *group)
		snprintf(full, sizeof(full), "%s.%s", group, name);
	else
		strscpy(full, name, sizeof(full));
	return dlock_nl_put_ctr(ctx->msg, full, value);
}

static int dlock_nl_fill_counters(struct sk_buff *msg, struct dlock_net *dn)
{
	struct dlock_nl_ctr_ctx ctx = { .msg = msg };
	struct dlock_node *node = dn->node;
	char name[DLOCK_NAME_MAX];
	struct nlattr *nest;
	unsigned int i;
	int ret;

	nest = nla_nest_start(msg, DLOCK_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; node && i < DLOCK_DROP_COUNT; i++) {
		snprintf(name, sizeof(name), "transport_drops.%s",
			 dlock_drop_name(i));
		ret = dlock_nl_put_ctr(msg, name, dlock_node_drops(node, i));
		if (ret)
			return ret;
	}
	if (node) {
		ret = dl_counters_foreach(dl_node_counters(node->core),
					  dlock_nl_core_ctr, &ctx);
		if (ret)
			return ret;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int dlock_nl_get_counters(struct sk_buff *skb, struct genl_info *info)
{
	static const int handled[] = { 0 };
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = dlock_nl_only(info, handled);
	if (ret)
		return ret;
	/* Every counter in one message: a few hundred entries at most. */
	msg = genlmsg_new(32 * 1024, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &dlock_genl_family, 0,
				DLOCK_CMD_GET_COUNTERS);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}
	mutex_lock(&dn->lock);
	ret = nla_put_u32(msg, DLOCK_A_NODE_ID, dn->node_id) ? -EMSGSIZE :
	      dlock_nl_fill_counters(msg, dn);
	mutex_unlock(&dn->lock);
	if (ret)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

/*
 * ADD_LOCKSPACE / DEL_LOCKSPACE: the change goes through the cell (the
 * leader orders it), and the reply waits for its outcome.
 */
static int dlock_nl_ls_change(struct genl_info *info, bool create)
{
	static const int handled[] = { DLOCK_A_LOCKSPACE, 0 };
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	struct nlattr *la[DLOCK_A_LS_MAX + 1];
	u32 algo = DLOCK_LS_CELL, lvb_len = DLOCK_LVB_MAX, flags = 0;
	const char *name;
	int ret;

	ret = dlock_nl_only(info, handled);
	if (ret)
		return ret;
	if (!info->attrs[DLOCK_A_LOCKSPACE]) {
		NL_SET_ERR_MSG(info->extack, "DLOCK_A_LOCKSPACE nest missing");
		return -EINVAL;
	}
	ret = nla_parse_nested(la, DLOCK_A_LS_MAX,
			       info->attrs[DLOCK_A_LOCKSPACE], dlock_ls_policy,
			       info->extack);
	if (ret)
		return ret;
	if (!la[DLOCK_A_LS_NAME] || nla_len(la[DLOCK_A_LS_NAME]) < 2) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DLOCK_A_LOCKSPACE],
				    "DLOCK_A_LS_NAME missing or empty");
		return -EINVAL;
	}
	if (la[DLOCK_A_LS_RESOURCES] || la[DLOCK_A_LS_LOCKS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DLOCK_A_LOCKSPACE],
				    "lockspace counts are read-only");
		return -EINVAL;
	}
	if (!create && (la[DLOCK_A_LS_ALGO] || la[DLOCK_A_LS_LVB_LEN] ||
			la[DLOCK_A_LS_CACHE])) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DLOCK_A_LOCKSPACE],
				    "removing a lockspace takes its name only");
		return -EINVAL;
	}
	if (la[DLOCK_A_LS_ALGO])
		algo = nla_get_u32(la[DLOCK_A_LS_ALGO]);
	/* ra: Ricart-Agrawala on this node, no lock table (core/classic.c) */
	if (algo == DLOCK_LS_RA && la[DLOCK_A_LS_CACHE] &&
	    nla_get_u8(la[DLOCK_A_LS_CACHE])) {
		NL_SET_ERR_MSG_ATTR(info->extack, la[DLOCK_A_LS_CACHE],
				    "an ra lockspace has no cache");
		return -EINVAL;
	}
	if (la[DLOCK_A_LS_LVB_LEN])
		lvb_len = nla_get_u32(la[DLOCK_A_LS_LVB_LEN]);
	if (lvb_len != DLOCK_LVB_MIN && lvb_len != DLOCK_LVB_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, la[DLOCK_A_LS_LVB_LEN],
				    "value block is 32 or 64 bytes");
		return -EINVAL;
	}
	if (la[DLOCK_A_LS_CACHE] && nla_get_u8(la[DLOCK_A_LS_CACHE]))
		flags |= DL_NODE_LS_CACHE;
	name = nla_data(la[DLOCK_A_LS_NAME]);

	mutex_lock(&dn->lock);
	if (!dn->node) {
		NL_SET_ERR_MSG(info->extack, "the node is not running");
		ret = -ENOTCONN;
	} else {
		ret = dlock_node_ls_change(dn, create, name, strlen(name),
					   algo, lvb_len, flags);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG(info->extack, "lockspace exists");
		else if (ret == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no such lockspace");
		else if (ret == -EBUSY)
			NL_SET_ERR_MSG(info->extack, "lockspace has locks");
		else if (ret == -EOPNOTSUPP)
			NL_SET_ERR_MSG(info->extack,
				       "only a voter takes part in an ra lockspace");
		else if (ret == -ETIMEDOUT)
			NL_SET_ERR_MSG(info->extack,
				       "no answer from the cell: is there a leader?");
		else if (ret)
			NL_SET_ERR_MSG(info->extack,
				       "the cell refused the lockspace change");
	}
	mutex_unlock(&dn->lock);
	return ret;
}

static int dlock_nl_add_ls(struct sk_buff *skb, struct genl_info *info)
{
	return dlock_nl_ls_change(info, true);
}

static int dlock_nl_del_ls(struct sk_buff *skb, struct genl_info *info)
{
	return dlock_nl_ls_change(info, false);
}

/*
 * REFORM: the administrator declares the lost voters gone for good.  The
 * request carries nothing: the new voter set is this node and the voters
 * it hears, and it is refused while those are a majority (nothing to
 * re-form then, and re-forming would throw away the cell's locks).
 */
static int dlock_nl_reform(struct sk_buff *skb, struct genl_info *info)
{
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	int ret, type;

	for (type = DLOCK_A_UNSPEC + 1; type <= DLOCK_A_MAX; type++) {
		if (info->attrs[type]) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[type],
					    "re-form takes no attributes");
			return -EINVAL;
		}
	}
	mutex_lock(&dn->lock);
	if (!dn->node) {
		NL_SET_ERR_MSG(info->extack, "the node is not running");
		ret = -ENOTCONN;
		goto out;
	}
	ret = dl_node_reform(dn->node->core, NULL);
	switch (ret) {
	case 0:
		break;
	case -EPERM:
		NL_SET_ERR_MSG(info->extack,
			       "a member cannot re-form the cell: run it on a voter");
		break;
	case -EBUSY:
		NL_SET_ERR_MSG(info->extack,
			       "the cell still has a leader, or this node reaches a majority of the voters: it recovers by itself");
		break;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG(info->extack,
			       "the cell's election algorithm cannot re-form");
		break;
	default:
		NL_SET_ERR_MSG(info->extack, "the protocol core refused to re-form");
		break;
	}
	if (!ret)
		dlock_nl_notify(dn, DLOCK_EVENT_MEMBERSHIP);
out:
	mutex_unlock(&dn->lock);
	return ret;
}

void dlock_nl_notify(struct dlock_net *dn, u32 type)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&dlock_genl_family, dn->net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &dlock_genl_family, 0, DLOCK_CMD_EVENT);
	if (!hdr)
		goto err;
	if (nla_put_u32(msg, DLOCK_A_EVENT_TYPE, type) ||
	    nla_put_u32(msg, DLOCK_A_NODE_ID, dn->node_id))
		goto err;
	if (dn->node) {
		struct dl_node_status st;

		dl_node_get_status(dn->node->core, &st);
		if (nla_put_u32(msg, DLOCK_A_STATE, st.state) ||
		    nla_put_u32(msg, DLOCK_A_LEADER_ID, st.leader_id) ||
		    nla_put_u64_64bit(msg, DLOCK_A_TERM, st.term, DLOCK_A_PAD))
			goto err;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&dlock_genl_family, dn->net, msg, 0, 0,
				GFP_KERNEL);
	return;
err:
	nlmsg_free(msg);
}

static const struct genl_small_ops dlock_genl_ops[] = {
	{
		/* Status is not secret: anyone in the namespace may read it. */
		.cmd = DLOCK_CMD_GET_STATUS,
		.doit = dlock_nl_get_status,
	}, {
		/* CAP_NET_ADMIN in the user namespace owning the netns. */
		.cmd = DLOCK_CMD_SET_NODE,
		.doit = dlock_nl_set_node,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = DLOCK_CMD_ADD_PEER,
		.doit = dlock_nl_add_peer,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = DLOCK_CMD_DEL_PEER,
		.doit = dlock_nl_del_peer,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		/* Addresses and liveness of the cell: not secret either. */
		.cmd = DLOCK_CMD_GET_PEERS,
		.dumpit = dlock_nl_get_peers,
	}, {
		.cmd = DLOCK_CMD_ADD_LOCKSPACE,
		.doit = dlock_nl_add_ls,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = DLOCK_CMD_DEL_LOCKSPACE,
		.doit = dlock_nl_del_ls,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		/* Names and sizes of lockspaces: not secret. */
		.cmd = DLOCK_CMD_GET_LOCKSPACES,
		.dumpit = dlock_nl_get_lockspaces,
	}, {
		/* Who holds and waits for what. */
		.cmd = DLOCK_CMD_GET_LOCKS,
		.dumpit = dlock_nl_get_locks,
	}, {
		.cmd = DLOCK_CMD_GET_COUNTERS,
		.doit = dlock_nl_get_counters,
	}, {
		.cmd = DLOCK_CMD_REFORM,
		.doit = dlock_nl_reform,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group dlock_genl_mcgrps[] = {
	{ .name = DLOCK_GENL_MCGRP_EVENTS },
};

static struct genl_family dlock_genl_family __ro_after_init = {
	.name = DLOCK_GENL_NAME,
	.version = DLOCK_GENL_VERSION,
	.maxattr = DLOCK_A_MAX,
	.policy = dlock_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = dlock_genl_ops,
	.n_small_ops = ARRAY_SIZE(dlock_genl_ops),
	.mcgrps = dlock_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dlock_genl_mcgrps),
};

int __init dlock_genetlink_init(void)
{
	return genl_register_family(&dlock_genl_family);
}

void dlock_genetlink_uninit(void)
{
	genl_unregister_family(&dlock_genl_family);
}
