// SPDX-License-Identifier: GPL-2.0
/*
 * wire.c - framing of dlock datagrams and the bodies of the node layer's
 * ops (client requests, events, sessions).  Raft bodies are in wire_raft.c.
 *
 * Every read goes through a bounds-checked cursor: a decoder can be handed
 * any bytes at all and never reads outside them.
 */
#include "wire.h"
#include "wire_classic.h"

/* ---- Field cursor ---------------------------------------------------- */

static bool dl_wire_take(struct dl_wire_buf *b, size_t n)
{
	if (b->err || b->left < n) {
		b->err = -ENOSPC;
		b->left = 0;
		return false;
	}
	b->left -= n;
	return true;
}

void dl_wire_put_u8(struct dl_wire_buf *b, u8 v)
{
	if (!dl_wire_take(b, 1))
		return;
	*b->wp++ = v;
}

void dl_wire_put_u16(struct dl_wire_buf *b, u16 v)
{
	if (!dl_wire_take(b, 2))
		return;
	b->wp[0] = (u8)v;
	b->wp[1] = (u8)(v >> 8);
	b->wp += 2;
}

void dl_wire_put_u32(struct dl_wire_buf *b, u32 v)
{
	if (!dl_wire_take(b, 4))
		return;
	b->wp[0] = (u8)v;
	b->wp[1] = (u8)(v >> 8);
	b->wp[2] = (u8)(v >> 16);
	b->wp[3] = (u8)(v >> 24);
	b->wp += 4;
}

void dl_wire_put_u64(struct dl_wire_buf *b, u64 v)
{
	dl_wire_put_u32(b, (u32)v);
	dl_wire_put_u32(b, (u32)(v >> 32));
}

void dl_wire_put_bytes(struct dl_wire_buf *b, const void *p, size_t len)
{
	if (!len || !dl_wire_take(b, len))
		return;
	memcpy(b->wp, p, len);
	b->wp += len;
}

u8 dl_wire_get_u8(struct dl_wire_buf *b)
{
	if (!dl_wire_take(b, 1))
		return 0;
	return *b->rp++;
}

u16 dl_wire_get_u16(struct dl_wire_buf *b)
{
	u16 v;

	if (!dl_wire_take(b, 2))
		return 0;
	v = (u16)(b->rp[0] | (b->rp[1] << 8));
	b->rp += 2;
	return v;
}

u32 dl_wire_get_u32(struct dl_wire_buf *b)
{
	u32 v;

	if (!dl_wire_take(b, 4))
		return 0;
	v = (u32)b->rp[0] | ((u32)b->rp[1] << 8) | ((u32)b->rp[2] << 16) |
	    ((u32)b->rp[3] << 24);
	b->rp += 4;
	return v;
}

u64 dl_wire_get_u64(struct dl_wire_buf *b)
{
	u64 lo = dl_wire_get_u32(b);
	u64 hi = dl_wire_get_u32(b);

	return lo | (hi << 32);
}

void dl_wire_get_bytes(struct dl_wire_buf *b, void *p, size_t len)
{
	if (!len)
		return;
	if (!dl_wire_take(b, len)) {
		memset(p, 0, len);
		return;
	}
	memcpy(p, b->rp, len);
	b->rp += len;
}

int dl_wire_buf_done(const struct dl_wire_buf *b)
{
	if (b->err || b->left)
		return DL_WIRE_EBODY;
	return 0;
}

/* ---- Names and drop reasons ------------------------------------------ */

static const char *const dl_wire_op_names[DL_OP_TYPE_COUNT] = {
	/* DL_OP_RAFT_BASE + enum dl_raft_msg_type (raft.h) */
	[DL_OP_RAFT_BASE + 0] = "raft_prevote",
	[DL_OP_RAFT_BASE + 1] = "raft_prevote_resp",
	[DL_OP_RAFT_BASE + 2] = "raft_vote",
	[DL_OP_RAFT_BASE + 3] = "raft_vote_resp",
	[DL_OP_RAFT_BASE + 4] = "raft_append",
	[DL_OP_RAFT_BASE + 5] = "raft_append_resp",
	[DL_OP_RAFT_BASE + 6] = "raft_snapshot",
	[DL_OP_RAFT_BASE + 7] = "raft_snapshot_resp",
	[DL_OP_RAFT_BASE + 8] = "raft_timeout_now",
	[DL_OP_REQUEST] = "request",
	[DL_OP_RESPONSE] = "response",
	[DL_OP_EVENT] = "event",
	[DL_OP_REDIRECT] = "redirect",
	[DL_OP_EVENT_ACK] = "event_ack",
	[DL_OP_HEARTBEAT] = "heartbeat",
	[DL_OP_LEASE] = "lease",
	[DL_OP_HELLO] = "hello",
	[DL_OP_SNAP_CHUNK] = "snap_chunk",
	[DL_OP_SNAP_ACK] = "snap_ack",
	/* DL_OP_BULLY_BASE..DL_OP_COORD_LAST: wire_classic.c */
};

/*
 * Shortest and longest body of each op type this version knows; an op
 * outside these bounds is refused while the frame is checked, before any
 * body decoder runs.  A zero max marks a type this version does not know.
 */
struct dl_wire_op_bounds {
	u16 min;
	u16 max;
};

#define DL_EVENT_FIXED	(4 + 4 + 4 + 8 * 6)

static const struct dl_wire_op_bounds dl_wire_bounds[DL_OP_TYPE_COUNT] = {
	[DL_OP_REQUEST] = { 12, DL_WIRE_MAX_BODY },
	[DL_OP_RESPONSE] = { 20, 20 },
	[DL_OP_EVENT] = { DL_EVENT_FIXED, DL_EVENT_FIXED + DL_WIRE_LVB_MAX },
	[DL_OP_REDIRECT] = { 20, 20 },
	[DL_OP_EVENT_ACK] = { 16, 16 },
	[DL_OP_HEARTBEAT] = { 8, 8 },
	[DL_OP_LEASE] = { 20, 20 },
	[DL_OP_HELLO] = { 9, 9 },
};

const char *dl_wire_op_name(unsigned int type)
{
	const char *name = dl_wire_classic_op_name(type);

	if (name)
		return name;
	if (type >= DL_OP_TYPE_COUNT || !dl_wire_op_names[type])
		return "unknown";
	return dl_wire_op_names[type];
}

static bool dl_wire_op_bounds(unsigned int type, u16 *min, u16 *max)
{
	if (type >= DL_OP_TYPE_COUNT)
		return false;
	if (type >= DL_OP_RAFT_BASE && type <= DL_OP_RAFT_LAST) {
		/* wire_raft.c checks Raft bodies field by field */
		if (!dl_wire_op_names[type])
			return false;
		*min = DL_WIRE_RAFT_FIXED;
		*max = DL_WIRE_MAX_BODY;
		return true;
	}
	if (type >= DL_OP_BULLY_BASE && type <= DL_OP_COORD_LAST)
		return dl_wire_classic_bounds(type, min, max);
	if (!dl_wire_bounds[type].max)
		return false;
	*min = dl_wire_bounds[type].min;
	*max = dl_wire_bounds[type].max;
	return true;
}

bool dl_wire_op_known(unsigned int type)
{
	u16 min, max;

	return dl_wire_op_bounds(type, &min, &max);
}

static const struct {
	int err;
	const char *name;
} dl_wire_drops[DL_DROP_REASONS] = {
	[DL_DROP_OVERSIZE] = { DL_WIRE_EOVERSIZE, "oversize" },
	[DL_DROP_SHORT] = { DL_WIRE_ESHORT, "short" },
	[DL_DROP_MAGIC] = { DL_WIRE_EMAGIC, "magic" },
	[DL_DROP_VERSION] = { DL_WIRE_EVERSION, "version" },
	[DL_DROP_CELL] = { DL_WIRE_ECELL, "cell" },
	[DL_DROP_ADDR] = { DL_WIRE_EADDR, "addr" },
	[DL_DROP_COUNT_MISMATCH] = { DL_WIRE_ECOUNT, "count" },
	[DL_DROP_TRUNC] = { DL_WIRE_ETRUNC, "trunc" },
	[DL_DROP_TYPE] = { DL_WIRE_ETYPE, "type" },
	[DL_DROP_BODY] = { DL_WIRE_EBODY, "body" },
	[DL_DROP_STALE] = { -ESTALE, "stale" },
	[DL_DROP_UNKNOWN_PEER] = { -ENOENT, "unknown_peer" },
	[DL_DROP_OTHER] = { 0, "other" },
};

int dl_wire_drop_index(int err)
{
	int i;

	for (i = 0; i < DL_DROP_OTHER; i++)
		if (dl_wire_drops[i].err == err)
			return i;
	return DL_DROP_OTHER;
}

const char *dl_wire_drop_name(int index)
{
	if (index < 0 || index >= DL_DROP_REASONS)
		return "unknown";
	return dl_wire_drops[index].name;
}

/* ---- Framing ---------------------------------------------------------- */

int dl_wire_open(const void *buf, size_t len, u32 cell_id, u32 self,
		 struct dl_wire_hdr *hdr, struct dl_wire_reader *rd)
{
	const u8 *p = buf, *end;
	struct dl_wire_buf b;
	unsigned int i;

	if (len > DL_WIRE_MTU)
		return DL_WIRE_EOVERSIZE;
	if (len < DL_WIRE_HDR_LEN)
		return DL_WIRE_ESHORT;

	dl_wire_buf_read(&b, p, DL_WIRE_HDR_LEN);
	if (dl_wire_get_u16(&b) != DL_WIRE_MAGIC)
		return DL_WIRE_EMAGIC;
	if (dl_wire_get_u8(&b) != DL_WIRE_VERSION)
		return DL_WIRE_EVERSION;
	hdr->n_ops = dl_wire_get_u8(&b);
	hdr->cell_id = dl_wire_get_u32(&b);
	hdr->src = dl_wire_get_u32(&b);
	hdr->dst = dl_wire_get_u32(&b);
	hdr->incarnation = dl_wire_get_u64(&b);
	hdr->seq = dl_wire_get_u64(&b);
	if (hdr->cell_id != cell_id)
		return DL_WIRE_ECELL;
	if (!hdr->src || hdr->src == self || hdr->dst != self)
		return DL_WIRE_EADDR;
	if (!hdr->n_ops || hdr->n_ops > DL_WIRE_MAX_OPS)
		return DL_WIRE_ECOUNT;

	/* Walk every op's frame before anything acts on the datagram. */
	end = p + len;
	p += DL_WIRE_HDR_LEN;
	for (i = 0; i < hdr->n_ops; i++) {
		u16 blen, min, max;
		u8 type, flags;

		if (end - p < DL_WIRE_OP_HDR_LEN)
			return DL_WIRE_ETRUNC;
		type = p[0];
		flags = p[1];
		blen = (u16)(p[2] | (p[3] << 8));
		p += DL_WIRE_OP_HDR_LEN;
		if (blen > end - p)
			return DL_WIRE_ETRUNC;
		if (flags || !dl_wire_op_bounds(type, &min, &max))
			return DL_WIRE_ETYPE;
		if (blen < min || blen > max)
			return DL_WIRE_EBODY;
		p += blen;
	}
	if (p != end)
		return DL_WIRE_ECOUNT;

	rd->pos = (const u8 *)buf + DL_WIRE_HDR_LEN;
	rd->end = end;
	rd->left = hdr->n_ops;
	return 0;
}

bool dl_wire_next(struct dl_wire_reader *rd, struct dl_wire_op *op)
{
	if (!rd->left || rd->end - rd->pos < DL_WIRE_OP_HDR_LEN)
		return false;
	op->type = rd->pos[0];
	op->len = (u16)(rd->pos[2] | (rd->pos[3] << 8));
	op->body = rd->pos + DL_WIRE_OP_HDR_LEN;
	if (op->len > rd->end - op->body)
		return false;
	rd->pos = op->body + op->len;
	rd->left--;
	return true;
}

void dl_wire_writer_init(struct dl_wire_writer *w, const struct dl_wire_hdr *hdr)
{
	struct dl_wire_buf b;

	dl_wire_buf_write(&b, w->buf, DL_WIRE_HDR_LEN);
	dl_wire_put_u16(&b, DL_WIRE_MAGIC);
	dl_wire_put_u8(&b, DL_WIRE_VERSION);
	dl_wire_put_u8(&b, 0);
	dl_wire_put_u32(&b, hdr->cell_id);
	dl_wire_put_u32(&b, hdr->src);
	dl_wire_put_u32(&b, hdr->dst);
	dl_wire_put_u64(&b, hdr->incarnation);
	dl_wire_put_u64(&b, hdr->seq);
	w->len = DL_WIRE_HDR_LEN;
	w->n_ops = 0;
}

size_t dl_wire_writer_room(const struct dl_wire_writer *w)
{
	size_t used = w->len + DL_WIRE_OP_HDR_LEN;

	if (w->n_ops >= DL_WIRE_MAX_OPS || used >= DL_WIRE_MTU)
		return 0;
	return DL_WIRE_MTU - used;
}

int dl_wire_writer_add(struct dl_wire_writer *w, u8 type, const void *body,
		       size_t len)
{
	u16 min, max;

	if (!dl_wire_op_bounds(type, &min, &max) || len < min || len > max)
		return -EINVAL;
	if (len > dl_wire_writer_room(w))
		return -ENOSPC;
	w->buf[w->len] = type;
	w->buf[w->len + 1] = 0;
	w->buf[w->len + 2] = (u8)len;
	w->buf[w->len + 3] = (u8)(len >> 8);
	if (len)
		memcpy(w->buf + w->len + DL_WIRE_OP_HDR_LEN, body, len);
	w->len += DL_WIRE_OP_HDR_LEN + len;
	w->n_ops++;
	return 0;
}

size_t dl_wire_writer_finish(struct dl_wire_writer *w)
{
	if (!w->n_ops)
		return 0;
	w->buf[3] = (u8)w->n_ops;
	return w->len;
}

/* ---- Node-layer bodies ------------------------------------------------ */

static int dl_wire_enc_end(const struct dl_wire_buf *b, const void *start)
{
	if (b->err)
		return -ENOSPC;
	return (int)dl_wire_buf_used(b, start);
}

int dl_wire_enc_request(void *buf, size_t cap, const struct dl_wire_request *m)
{
	struct dl_wire_buf b;

	if (!m->cmd_len || m->ls_len > DL_WIRE_NAME_MAX ||
	    (m->ls_len && !m->ls_name))
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->req_id);
	dl_wire_put_u8(&b, m->ls_len);
	dl_wire_put_bytes(&b, m->ls_name, m->ls_len);
	dl_wire_put_u16(&b, m->cmd_len);
	dl_wire_put_bytes(&b, m->cmd, m->cmd_len);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_request(const struct dl_wire_op *op, struct dl_wire_request *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_REQUEST)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->req_id = dl_wire_get_u64(&b);
	m->ls_len = dl_wire_get_u8(&b);
	if (b.err || m->ls_len > DL_WIRE_NAME_MAX || m->ls_len > b.left)
		return DL_WIRE_EBODY;
	m->ls_name = m->ls_len ? b.rp : NULL;
	b.rp += m->ls_len;
	b.left -= m->ls_len;
	m->cmd_len = dl_wire_get_u16(&b);
	m->cmd = b.rp;
	if (b.err || !m->cmd_len || m->cmd_len != b.left)
		return DL_WIRE_EBODY;
	return 0;
}

int dl_wire_enc_response(void *buf, size_t cap,
			 const struct dl_wire_response *m)
{
	struct dl_wire_buf b;

	if (m->status > 0)
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->req_id);
	dl_wire_put_u32(&b, (u32)m->status);
	dl_wire_put_u64(&b, m->index);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_response(const struct dl_wire_op *op,
			 struct dl_wire_response *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_RESPONSE)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->req_id = dl_wire_get_u64(&b);
	m->status = (s32)dl_wire_get_u32(&b);
	m->index = dl_wire_get_u64(&b);
	if (m->status > 0)
		return DL_WIRE_EBODY;
	return dl_wire_buf_done(&b);
}

int dl_wire_enc_event(void *buf, size_t cap, const struct dl_wire_event *m)
{
	struct dl_wire_buf b;

	if (!m->kind || m->kind > DL_WEV_KIND_MAX ||
	    m->lvb_len > DL_WIRE_LVB_MAX || m->status > 0 ||
	    (m->flags & ~DL_WEV_F_ALL))
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u8(&b, m->kind);
	dl_wire_put_u8(&b, m->mode);
	dl_wire_put_u8(&b, m->lvb_len);
	dl_wire_put_u8(&b, m->flags);
	dl_wire_put_u32(&b, (u32)m->status);
	dl_wire_put_u32(&b, m->ls_id);
	dl_wire_put_u64(&b, m->session);
	dl_wire_put_u64(&b, m->owner);
	dl_wire_put_u64(&b, m->req_id);
	dl_wire_put_u64(&b, m->lock_id);
	dl_wire_put_u64(&b, m->token);
	dl_wire_put_u64(&b, m->index);
	dl_wire_put_bytes(&b, m->lvb, m->lvb_len);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_event(const struct dl_wire_op *op, struct dl_wire_event *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_EVENT)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->kind = dl_wire_get_u8(&b);
	m->mode = dl_wire_get_u8(&b);
	m->lvb_len = dl_wire_get_u8(&b);
	m->flags = dl_wire_get_u8(&b);
	m->status = (s32)dl_wire_get_u32(&b);
	m->ls_id = dl_wire_get_u32(&b);
	m->session = dl_wire_get_u64(&b);
	m->owner = dl_wire_get_u64(&b);
	m->req_id = dl_wire_get_u64(&b);
	m->lock_id = dl_wire_get_u64(&b);
	m->token = dl_wire_get_u64(&b);
	m->index = dl_wire_get_u64(&b);
	if (b.err || (m->flags & ~DL_WEV_F_ALL) || !m->kind ||
	    m->kind > DL_WEV_KIND_MAX ||
	    m->lvb_len > DL_WIRE_LVB_MAX || m->status > 0 ||
	    m->lvb_len != b.left)
		return DL_WIRE_EBODY;
	dl_wire_get_bytes(&b, m->lvb, m->lvb_len);
	return dl_wire_buf_done(&b);
}

int dl_wire_enc_redirect(void *buf, size_t cap,
			 const struct dl_wire_redirect *m)
{
	struct dl_wire_buf b;

	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->req_id);
	dl_wire_put_u32(&b, m->leader);
	dl_wire_put_u64(&b, m->term);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_redirect(const struct dl_wire_op *op,
			 struct dl_wire_redirect *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_REDIRECT)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->req_id = dl_wire_get_u64(&b);
	m->leader = dl_wire_get_u32(&b);
	m->term = dl_wire_get_u64(&b);
	return dl_wire_buf_done(&b);
}

int dl_wire_enc_heartbeat(void *buf, size_t cap,
			  const struct dl_wire_heartbeat *m)
{
	struct dl_wire_buf b;

	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->seq);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_heartbeat(const struct dl_wire_op *op,
			  struct dl_wire_heartbeat *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_HEARTBEAT)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->seq = dl_wire_get_u64(&b);
	return dl_wire_buf_done(&b);
}

int dl_wire_enc_event_ack(void *buf, size_t cap,
			  const struct dl_wire_event_ack *m)
{
	struct dl_wire_buf b;

	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->index);
	dl_wire_put_u64(&b, m->lock_id);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_event_ack(const struct dl_wire_op *op,
			  struct dl_wire_event_ack *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_EVENT_ACK)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->index = dl_wire_get_u64(&b);
	m->lock_id = dl_wire_get_u64(&b);
	return dl_wire_buf_done(&b);
}

int dl_wire_enc_lease(void *buf, size_t cap, const struct dl_wire_lease *m)
{
	struct dl_wire_buf b;

	if (!m->lease_ms)
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->seq);
	dl_wire_put_u64(&b, m->term);
	dl_wire_put_u32(&b, m->lease_ms);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_lease(const struct dl_wire_op *op, struct dl_wire_lease *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_LEASE)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->seq = dl_wire_get_u64(&b);
	m->term = dl_wire_get_u64(&b);
	m->lease_ms = dl_wire_get_u32(&b);
	if (!m->lease_ms)
		return DL_WIRE_EBODY;
	return dl_wire_buf_done(&b);
}

int dl_wire_enc_hello(void *buf, size_t cap, const struct dl_wire_hello *m)
{
	struct dl_wire_buf b;

	if (m->role > 1)
		return -EINVAL;
	dl_wire_buf_write(&b, buf, cap);
	dl_wire_put_u64(&b, m->incarnation);
	dl_wire_put_u8(&b, m->role);
	return dl_wire_enc_end(&b, buf);
}

int dl_wire_dec_hello(const struct dl_wire_op *op, struct dl_wire_hello *m)
{
	struct dl_wire_buf b;

	if (op->type != DL_OP_HELLO)
		return DL_WIRE_EBODY;
	dl_wire_buf_read(&b, op->body, op->len);
	m->incarnation = dl_wire_get_u64(&b);
	m->role = dl_wire_get_u8(&b);
	if (m->role > 1)
		return DL_WIRE_EBODY;
	return dl_wire_buf_done(&b);
}
