// SPDX-License-Identifier: GPL-2.0
/*
 * wire_raft.c - Raft messages (struct dl_raft_msg, raft.h) in datagrams.
 *
 * Kept apart from wire.c so that the framing does not depend on Raft: the
 * Bully and Ring elections use the same frames without it.  The limits of
 * raft.h make the largest message (a full APPEND) fit one DL_WIRE_MTU
 * datagram, which the build checks below.
 */
#include "raft.h"
#include "wire.h"

#define DL_WIRE_RAFT_ENTRY_HDR	(8 + 1 + 2)

/*
 * Build-time checks (the core has no static_assert of its own): each
 * enumerator divides by zero, a compile error, if its condition is false.
 */
enum {
	/* a full Raft APPEND fits one datagram */
	dl_wire_raft_append_fits = 1 / (DL_WIRE_HDR_LEN + DL_WIRE_OP_HDR_LEN +
					DL_WIRE_RAFT_FIXED +
					DL_RAFT_MAX_APPEND_BYTES <=
					DL_WIRE_MTU),
	/* a full SNAPSHOT chunk too */
	dl_wire_raft_snapshot_fits = 1 / (DL_WIRE_HDR_LEN + DL_WIRE_OP_HDR_LEN +
					  DL_WIRE_RAFT_FIXED +
					  4 * DL_RAFT_MAX_VOTERS +
					  DL_RAFT_MAX_SNAPSHOT_CHUNK <=
					  DL_WIRE_MTU),
	/* Raft's per-entry wire budget covers our entry header */
	dl_wire_raft_entry_fits = 1 / (DL_WIRE_RAFT_ENTRY_HDR <=
				       DL_RAFT_ENTRY_WIRE_OVERHEAD),
	/* Raft message types fit their op range */
	dl_wire_raft_types_fit = 1 / (DL_OP_RAFT_BASE +
				      DL_RAFT_MSG_TYPE_COUNT - 1 <=
				      DL_OP_RAFT_LAST),
};

int dl_wire_enc_raft(void *buf, size_t cap, const struct dl_raft_msg *m)
{
	struct dl_wire_buf b;
	u32 i;

	if (m->type >= DL_RAFT_MSG_TYPE_COUNT || (m->flags & ~DL_RAFT_F_ALL) ||
	    m->nr_voters > DL_RAFT_MAX_VOTERS ||
	    m->nr_entries > DL_RAFT_MAX_ENTRIES ||
	    m->data_len > DL_RAFT_MAX_SNAPSHOT_CHUNK ||
	    (m->nr_entries && !m->entries) || (m->data_len && !m->data))
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u8(&b, m->flags);
	dl_wire_put_u8(&b, (u8)m->nr_voters);
	dl_wire_put_u16(&b, (u16)m->nr_entries);
	dl_wire_put_u64(&b, m->to_incarnation);
	dl_wire_put_u64(&b, m->term);
	dl_wire_put_u64(&b, m->index);
	dl_wire_put_u64(&b, m->log_term);
	dl_wire_put_u64(&b, m->commit);
	dl_wire_put_u64(&b, m->hint);
	dl_wire_put_u64(&b, m->ctx);
	dl_wire_put_u64(&b, m->offset);
	dl_wire_put_u32(&b, m->data_len);
	for (i = 0; i < m->nr_voters; i++)
		dl_wire_put_u32(&b, m->voters[i]);
	for (i = 0; i < m->nr_entries; i++) {
		const struct dl_raft_entry *e = &m->entries[i];

		if (e->len > DL_RAFT_MAX_ENTRY_DATA ||
		    e->type >= DL_RAFT_ENTRY_TYPE_COUNT || (e->len && !e->data))
			return -EINVAL;
		dl_wire_put_u64(&b, e->term);
		dl_wire_put_u8(&b, e->type);
		dl_wire_put_u16(&b, e->len);
		dl_wire_put_bytes(&b, e->data, e->len);
	}
	dl_wire_put_bytes(&b, m->data, m->data_len);
	if (b.err)
		return -ENOSPC;
	return (int)dl_wire_buf_used(&b, buf);
}

int dl_wire_dec_raft(const struct dl_wire_op *op, const struct dl_wire_hdr *hdr,
		     struct dl_raft_msg *m, struct dl_raft_entry *ents)
{
	struct dl_wire_buf b;
	u32 i;

	if (op->type < DL_OP_RAFT_BASE ||
	    op->type >= DL_OP_RAFT_BASE + DL_RAFT_MSG_TYPE_COUNT)
		return DL_WIRE_EBODY;
	memset(m, 0, sizeof(*m));
	m->type = op->type - DL_OP_RAFT_BASE;
	m->from = hdr->src;
	m->to = hdr->dst;
	m->incarnation = hdr->incarnation;
	dl_wire_buf_read(&b, op->body, op->len);
	m->flags = dl_wire_get_u8(&b);
	m->nr_voters = dl_wire_get_u8(&b);
	m->nr_entries = dl_wire_get_u16(&b);
	m->to_incarnation = dl_wire_get_u64(&b);
	m->term = dl_wire_get_u64(&b);
	m->index = dl_wire_get_u64(&b);
	m->log_term = dl_wire_get_u64(&b);
	m->commit = dl_wire_get_u64(&b);
	m->hint = dl_wire_get_u64(&b);
	m->ctx = dl_wire_get_u64(&b);
	m->offset = dl_wire_get_u64(&b);
	m->data_len = dl_wire_get_u32(&b);
	if (b.err || (m->flags & ~DL_RAFT_F_ALL) ||
	    m->nr_voters > DL_RAFT_MAX_VOTERS ||
	    m->nr_entries > DL_RAFT_MAX_ENTRIES ||
	    m->data_len > DL_RAFT_MAX_SNAPSHOT_CHUNK ||
	    (m->nr_entries && m->type != DL_RAFT_MSG_APPEND) ||
	    (m->data_len && m->type != DL_RAFT_MSG_SNAPSHOT) ||
	    (m->nr_voters && m->type != DL_RAFT_MSG_SNAPSHOT))
		return DL_WIRE_EBODY;
	for (i = 0; i < m->nr_voters; i++)
		m->voters[i] = dl_wire_get_u32(&b);
	for (i = 0; i < m->nr_entries; i++) {
		struct dl_raft_entry *e = &ents[i];

		e->term = dl_wire_get_u64(&b);
		e->type = dl_wire_get_u8(&b);
		e->len = dl_wire_get_u16(&b);
		if (b.err || e->type >= DL_RAFT_ENTRY_TYPE_COUNT ||
		    e->len > DL_RAFT_MAX_ENTRY_DATA || e->len > b.left)
			return DL_WIRE_EBODY;
		e->data = b.rp;
		b.rp += e->len;
		b.left -= e->len;
	}
	m->entries = m->nr_entries ? ents : NULL;
	if (b.err || m->data_len != b.left)
		return DL_WIRE_EBODY;
	m->data = m->data_len ? b.rp : NULL;
	return 0;
}
