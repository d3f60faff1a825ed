// SPDX-License-Identifier: GPL-2.0
/*
 * wire_classic.c - Bully, Ring, coordinator and Ricart-Agrawala messages in
 * datagrams (wire_classic.h).
 *
 * Kept apart from wire.c for the reason wire_raft.c is: the framing knows
 * nothing of the algorithms.  wire.c asks dl_wire_classic_bounds() for the
 * body sizes of these ops while it checks a frame; the decoders here then
 * check every field.
 */
#include "lockmode.h"
#include "wire_classic.h"

/* Build-time checks, as in wire_raft.c: a division by zero if false. */
enum {
	dl_wire_bully_types_fit = 1 / (DL_OP_BULLY_BASE + DL_BULLY_MSG_COUNT -
				       1 <= DL_OP_BULLY_LAST),
	dl_wire_ring_types_fit = 1 / (DL_OP_RING_BASE + DL_RING_MSG_COUNT -
				      1 <= DL_OP_RING_LAST),
	dl_wire_coord_types_fit = 1 / (DL_OP_COORD_BASE + DL_COORD_MSG_COUNT -
				       1 <= DL_OP_COORD_LAST),
	dl_wire_ra_types_fit = 1 / (DL_OP_RA_BASE + DL_RA_MSG_COUNT - 1 <=
				    DL_OP_RA_LAST),
	/* a REPORT of every lock a node may hold fits one datagram */
	dl_wire_coord_report_fits = 1 / (DL_WIRE_COORD_MAX <=
					 DL_WIRE_MAX_BODY),
	/* the node counts ops by type in u8-indexed arrays */
	dl_wire_classic_last_fits = 1 / (DL_OP_COORD_LAST <
					 DL_OP_TYPE_COUNT),
};

static const char *const dl_wire_classic_names[] = {
	[DL_OP_BULLY_BASE + DL_BULLY_ELECTION] = "bully_election",
	[DL_OP_BULLY_BASE + DL_BULLY_OK] = "bully_ok",
	[DL_OP_BULLY_BASE + DL_BULLY_COORDINATOR] = "bully_coordinator",
	[DL_OP_BULLY_BASE + DL_BULLY_HEARTBEAT] = "bully_heartbeat",
	[DL_OP_BULLY_BASE + DL_BULLY_HEARTBEAT_ACK] = "bully_heartbeat_ack",
	[DL_OP_RING_BASE + DL_RING_ELECTION] = "ring_election",
	[DL_OP_RING_BASE + DL_RING_COORDINATOR] = "ring_coordinator",
	[DL_OP_RING_BASE + DL_RING_ACK] = "ring_ack",
	[DL_OP_RING_BASE + DL_RING_HEARTBEAT] = "ring_heartbeat",
	[DL_OP_RING_BASE + DL_RING_HEARTBEAT_ACK] = "ring_heartbeat_ack",
	[DL_OP_RA_BASE + DL_RA_REQUEST] = "ra_request",
	[DL_OP_RA_BASE + DL_RA_REPLY] = "ra_reply",
	[DL_OP_RA_BASE + DL_RA_DEFER] = "ra_defer",
	[DL_OP_COORD_BASE + DL_COORD_REQUEST] = "coord_request",
	[DL_OP_COORD_BASE + DL_COORD_GRANT] = "coord_grant",
	[DL_OP_COORD_BASE + DL_COORD_RELEASE] = "coord_release",
	[DL_OP_COORD_BASE + DL_COORD_QUERY] = "coord_query",
	[DL_OP_COORD_BASE + DL_COORD_REPORT] = "coord_report",
};

const char *dl_wire_classic_op_name(unsigned int type)
{
	if (type >= DL_ARRAY_SIZE(dl_wire_classic_names))
		return NULL;
	return dl_wire_classic_names[type];
}

bool dl_wire_classic_bounds(unsigned int type, u16 *min, u16 *max)
{
	if (!dl_wire_classic_op_name(type))
		return false;
	if (type <= DL_OP_BULLY_LAST) {
		*min = DL_WIRE_BULLY_LEN;
		*max = DL_WIRE_BULLY_LEN;
	} else if (type <= DL_OP_RING_LAST) {
		*min = DL_WIRE_RING_FIXED;
		*max = DL_WIRE_RING_MAX;
	} else if (type <= DL_OP_RA_LAST) {
		*min = DL_WIRE_RA_FIXED + 1;
		*max = DL_WIRE_RA_MAX;
	} else if (type == DL_OP_COORD_BASE + DL_COORD_QUERY) {
		*min = 8;
		*max = 8;
	} else if (type == DL_OP_COORD_BASE + DL_COORD_REPORT) {
		*min = DL_WIRE_COORD_REPORT_FIXED;
		*max = DL_WIRE_COORD_MAX;
	} else {
		*min = 8 + DL_WIRE_COORD_LOCK_FIXED + 1;
		*max = 8 + DL_WIRE_COORD_LOCK_MAX;
	}
	return true;
}

/* ---- Bully ---------------------------------------------------------- */

int dl_wire_enc_bully(void *buf, size_t cap, const struct dl_bully_msg *m,
		      u8 *type)
{
	struct dl_wire_buf b;

	if (m->type >= DL_BULLY_MSG_COUNT)
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->epoch);
	if (b.err)
		return -ENOSPC;
	*type = (u8)(DL_OP_BULLY_BASE + m->type);
	return (int)dl_wire_buf_used(&b, buf);
}

int dl_wire_dec_bully(const struct dl_wire_op *op,
		      const struct dl_wire_hdr *hdr, struct dl_bully_msg *m)
{
	struct dl_wire_buf b;

	if (op->type < DL_OP_BULLY_BASE ||
	    op->type >= DL_OP_BULLY_BASE + DL_BULLY_MSG_COUNT)
		return DL_WIRE_ETYPE;
	memset(m, 0, sizeof(*m));
	m->type = op->type - DL_OP_BULLY_BASE;
	m->from = hdr->src;
	m->to = hdr->dst;
	dl_wire_buf_read(&b, op->body, op->len);
	m->epoch = dl_wire_get_u64(&b);
	return dl_wire_buf_done(&b);
}

/* ---- Ring ----------------------------------------------------------- */

/* The fields each type uses, and only those (see wire_classic.h). */
static bool dl_wire_ring_ok(const struct dl_ring_msg *m)
{
	u32 i, j;

	if (m->type >= DL_RING_MSG_COUNT || m->nr_ids > DL_ELECT_MAX_NODES)
		return false;
	for (i = 0; i < m->nr_ids; i++) {
		if (!m->ids[i])
			return false;
		for (j = 0; j < i; j++)
			if (m->ids[j] == m->ids[i])
				return false;
	}
	switch (m->type) {
	case DL_RING_ELECTION:
		return m->nr_ids && m->origin && !m->leader;
	case DL_RING_COORDINATOR:
		return !m->nr_ids && m->origin && m->leader;
	case DL_RING_ACK:
		return !m->nr_ids && m->origin &&
		       (m->leader == DL_RING_ELECTION ||
			m->leader == DL_RING_COORDINATOR);
	default:
		return !m->nr_ids && !m->origin && !m->leader;
	}
}

int dl_wire_enc_ring(void *buf, size_t cap, const struct dl_ring_msg *m,
		     u8 *type)
{
	struct dl_wire_buf b;
	u32 i;

	if (!dl_wire_ring_ok(m))
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->epoch);
	dl_wire_put_u32(&b, m->origin);
	dl_wire_put_u32(&b, m->leader);
	dl_wire_put_u8(&b, (u8)m->nr_ids);
	for (i = 0; i < m->nr_ids; i++)
		dl_wire_put_u32(&b, m->ids[i]);
	if (b.err)
		return -ENOSPC;
	*type = (u8)(DL_OP_RING_BASE + m->type);
	return (int)dl_wire_buf_used(&b, buf);
}

int dl_wire_dec_ring(const struct dl_wire_op *op,
		     const struct dl_wire_hdr *hdr, struct dl_ring_msg *m)
{
	struct dl_wire_buf b;
	u32 i;

	if (op->type < DL_OP_RING_BASE ||
	    op->type >= DL_OP_RING_BASE + DL_RING_MSG_COUNT)
		return DL_WIRE_ETYPE;
	memset(m, 0, sizeof(*m));
	m->type = op->type - DL_OP_RING_BASE;
	m->from = hdr->src;
	m->to = hdr->dst;
	dl_wire_buf_read(&b, op->body, op->len);
	m->epoch = dl_wire_get_u64(&b);
	m->origin = dl_wire_get_u32(&b);
	m->leader = dl_wire_get_u32(&b);
	m->nr_ids = dl_wire_get_u8(&b);
	if (b.err || m->nr_ids > DL_ELECT_MAX_NODES)
		return DL_WIRE_EBODY;
	for (i = 0; i < m->nr_ids; i++)
		m->ids[i] = dl_wire_get_u32(&b);
	if (dl_wire_buf_done(&b) || !dl_wire_ring_ok(m))
		return DL_WIRE_EBODY;
	return 0;
}

/* ---- Coordinator locking ---------------------------------------------- */

static bool dl_wire_coord_lock_ok(const struct dl_coord_lock *lk)
{
	return lk->name_len && lk->name_len <= DL_COORD_NAME_MAX &&
	       lk->req_id && dl_mode_valid(lk->mode);
}

static void dl_wire_put_coord_lock(struct dl_wire_buf *b,
				   const struct dl_coord_lock *lk)
{
	dl_wire_put_u64(b, lk->req_id);
	dl_wire_put_u8(b, lk->mode);
	dl_wire_put_u8(b, lk->granted ? 1 : 0);
	dl_wire_put_u64(b, lk->token);
	dl_wire_put_u8(b, lk->name_len);
	dl_wire_put_bytes(b, lk->name, lk->name_len);
}

static int dl_wire_get_coord_lock(struct dl_wire_buf *b,
				  struct dl_coord_lock *lk)
{
	u8 granted;

	lk->req_id = dl_wire_get_u64(b);
	lk->mode = dl_wire_get_u8(b);
	granted = dl_wire_get_u8(b);
	lk->token = dl_wire_get_u64(b);
	lk->name_len = dl_wire_get_u8(b);
	if (b->err || granted > 1 || !dl_wire_coord_lock_ok(lk))
		return DL_WIRE_EBODY;
	lk->granted = granted;
	dl_wire_get_bytes(b, lk->name, lk->name_len);
	return b->err ? DL_WIRE_EBODY : 0;
}

int dl_wire_enc_coord(void *buf, size_t cap, const struct dl_coord_msg *m,
		      u8 *type)
{
	struct dl_wire_buf b;
	u32 i;

	if (m->type >= DL_COORD_MSG_COUNT)
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->epoch);
	switch (m->type) {
	case DL_COORD_QUERY:
		break;
	case DL_COORD_REPORT:
		if (m->nr_locks > DL_COORD_MAX_LOCKS)
			return -EINVAL;
		dl_wire_put_u64(&b, m->lock.req_id);
		dl_wire_put_u64(&b, m->lock.token);
		dl_wire_put_u8(&b, (u8)m->nr_locks);
		for (i = 0; i < m->nr_locks; i++) {
			if (!dl_wire_coord_lock_ok(&m->locks[i]))
				return -EINVAL;
			dl_wire_put_coord_lock(&b, &m->locks[i]);
		}
		break;
	default:
		if (!dl_wire_coord_lock_ok(&m->lock))
			return -EINVAL;
		dl_wire_put_coord_lock(&b, &m->lock);
		break;
	}
	if (b.err)
		return -ENOSPC;
	*type = (u8)(DL_OP_COORD_BASE + m->type);
	return (int)dl_wire_buf_used(&b, buf);
}

int dl_wire_dec_coord(const struct dl_wire_op *op,
		      const struct dl_wire_hdr *hdr, struct dl_coord_msg *m)
{
	struct dl_wire_buf b;
	u32 i;

	if (op->type < DL_OP_COORD_BASE ||
	    op->type >= DL_OP_COORD_BASE + DL_COORD_MSG_COUNT)
		return DL_WIRE_ETYPE;
	memset(m, 0, sizeof(*m));
	m->type = op->type - DL_OP_COORD_BASE;
	m->from = hdr->src;
	m->to = hdr->dst;
	m->incarnation = hdr->incarnation;
	dl_wire_buf_read(&b, op->body, op->len);
	m->epoch = dl_wire_get_u64(&b);
	switch (m->type) {
	case DL_COORD_QUERY:
		break;
	case DL_COORD_REPORT:
		m->lock.req_id = dl_wire_get_u64(&b);
		m->lock.token = dl_wire_get_u64(&b);
		m->nr_locks = dl_wire_get_u8(&b);
		if (b.err || m->nr_locks > DL_COORD_MAX_LOCKS)
			return DL_WIRE_EBODY;
		for (i = 0; i < m->nr_locks; i++)
			if (dl_wire_get_coord_lock(&b, &m->locks[i]))
				return DL_WIRE_EBODY;
		break;
	default:
		if (dl_wire_get_coord_lock(&b, &m->lock))
			return DL_WIRE_EBODY;
		break;
	}
	return dl_wire_buf_done(&b);
}

/* ---- Ricart-Agrawala ---------------------------------------------------- */

int dl_wire_enc_ra(void *buf, size_t cap, const struct dl_ra_msg *m,
		   u8 *type)
{
	struct dl_wire_buf b;

	if (m->type >= DL_RA_MSG_COUNT || !m->clock || !m->name_len ||
	    m->name_len > DL_RA_NAME_MAX)
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->clock);
	dl_wire_put_u64(&b, m->sender_clock);
	dl_wire_put_u64(&b, m->incarnation);
	dl_wire_put_u8(&b, m->name_len);
	dl_wire_put_bytes(&b, m->name, m->name_len);
	if (b.err)
		return -ENOSPC;
	*type = (u8)(DL_OP_RA_BASE + m->type);
	return (int)dl_wire_buf_used(&b, buf);
}

int dl_wire_dec_ra(const struct dl_wire_op *op, const struct dl_wire_hdr *hdr,
		   struct dl_ra_msg *m)
{
	struct dl_wire_buf b;

	if (op->type < DL_OP_RA_BASE ||
	    op->type >= DL_OP_RA_BASE + DL_RA_MSG_COUNT)
		return DL_WIRE_ETYPE;
	memset(m, 0, sizeof(*m));
	m->type = op->type - DL_OP_RA_BASE;
	m->from = hdr->src;
	m->to = hdr->dst;
	dl_wire_buf_read(&b, op->body, op->len);
	m->clock = dl_wire_get_u64(&b);
	m->sender_clock = dl_wire_get_u64(&b);
	m->incarnation = dl_wire_get_u64(&b);
	m->name_len = dl_wire_get_u8(&b);
	if (b.err || !m->clock || !m->name_len ||
	    m->name_len > DL_RA_NAME_MAX)
		return DL_WIRE_EBODY;
	dl_wire_get_bytes(&b, m->name, m->name_len);
	return dl_wire_buf_done(&b);
}
