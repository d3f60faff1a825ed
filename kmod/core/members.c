// SPDX-License-Identifier: GPL-2.0
/*
 * members.c - the peer table: every other node of the cell this node talks
 * to.  Voters come from the configuration; members (non-voting nodes, up to
 * thousands per cell) are added by the admin.  A peer costs O(1) memory and
 * is found by id through a hash, so the leader's per-datagram work does not
 * grow with the size of the cell.
 */
#include "node_priv.h"

static u32 dl_peer_hash(u32 id)
{
	/* Fibonacci hashing: node ids are often small and consecutive */
	return (id * 2654435761U) >> (32 - DL_PEER_HASH_BITS);
}

int dl_peers_init(struct dl_node *node)
{
	u32 i;

	dl_list_init(&node->peers);
	for (i = 0; i < DL_ARRAY_SIZE(node->peer_hash); i++)
		dl_list_init(&node->peer_hash[i]);
	return 0;
}

struct dl_peer *dl_peer_find(struct dl_node *node, u32 id)
{
	struct dl_peer *peer;

	dl_list_for_each_entry(peer, &node->peer_hash[dl_peer_hash(id)],
			       hash_link)
		if (peer->id == id)
			return peer;
	return NULL;
}

struct dl_peer *dl_peer_insert(struct dl_node *node, u32 id, u32 role)
{
	struct dl_peer *peer = dl_zalloc(sizeof(*peer));

	if (!peer)
		return NULL;
	peer->id = id;
	peer->role = role;
	dl_list_init(&peer->tx_link);
	dl_list_init(&peer->revokes);
	dl_list_add_tail(&peer->hash_link, &node->peer_hash[dl_peer_hash(id)]);
	dl_list_add_tail(&peer->link, &node->peers);
	if (role == DL_NODE_MEMBER)
		node->n_members++;
	/*
	 * A leader counts a new peer's lease from now, as it does for every
	 * peer when it takes office: a peer is never expired before it had a
	 * full lease to show up in.
	 */
	peer->lease_until_ns = dl_node_now(node) +
			       dl_ms(node->cfg.timeouts.lease_ms);
	return peer;
}

void dl_peer_delete(struct dl_node *node, struct dl_peer *peer)
{
	if (peer->tx) {
		dl_free(peer->tx);
		peer->tx = NULL;
		dl_list_del(&peer->tx_link);
	}
	if (peer->role == DL_NODE_MEMBER)
		node->n_members--;
	dl_session_revokes_drop(peer, DL_NEVER);
	dl_list_del(&peer->hash_link);
	dl_list_del(&peer->link);
	dl_free(peer);
}

void dl_peers_destroy(struct dl_node *node)
{
	struct dl_peer *peer, *tmp;

	if (!node->peers.next)
		return;
	dl_list_for_each_entry_safe(peer, tmp, &node->peers, link)
		dl_peer_delete(node, peer);
}
