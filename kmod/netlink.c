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

#include <linux/dlock.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>

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
	lockdep_assert_held(&dn->lock);

	/*
	 * No cell runs yet (the protocol core is not in the module), so
	 * there is no leader and no term: 0 is what the uapi means by none.
	 */
	if (nla_put_u32(msg, DLOCK_A_ABI_VERSION, DLOCK_ABI_VERSION) ||
	    nla_put_u32(msg, DLOCK_A_NODE_ID, dn->node_id) ||
	    nla_put_u32(msg, DLOCK_A_CELL_ID, dn->cell_id) ||
	    nla_put_u32(msg, DLOCK_A_STATE, dn->state) ||
	    nla_put_u32(msg, DLOCK_A_LEADER_ID, 0) ||
	    nla_put_u64_64bit(msg, DLOCK_A_TERM, 0, DLOCK_A_PAD))
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

static int dlock_nl_set_node(struct sk_buff *skb, struct genl_info *info)
{
	static const int handled[] = { DLOCK_A_NODE_ID, DLOCK_A_CELL_ID, 0 };
	struct dlock_net *dn = dlock_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	int ret;

	ret = dlock_nl_only(info, handled);
	if (ret)
		return ret;
	if (!attrs[DLOCK_A_NODE_ID] && !attrs[DLOCK_A_CELL_ID]) {
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
	if (attrs[DLOCK_A_NODE_ID])
		dn->node_id = nla_get_u32(attrs[DLOCK_A_NODE_ID]);
	if (attrs[DLOCK_A_CELL_ID])
		dn->cell_id = nla_get_u32(attrs[DLOCK_A_CELL_ID]);
	mutex_unlock(&dn->lock);
	return 0;
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
