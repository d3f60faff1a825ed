/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wire.h - the datagram format between dlock nodes.
 *
 * A datagram is a fixed header followed by one or more operations:
 *
 *   header (32 bytes, little-endian, no padding, no struct casting):
 *     u16 magic        DL_WIRE_MAGIC
 *     u8  version      DL_WIRE_VERSION
 *     u8  n_ops        1..DL_WIRE_MAX_OPS
 *     u32 cell_id      datagrams of another cell are dropped
 *     u32 src          sender node id (non-zero)
 *     u32 dst          receiver node id (non-zero)
 *     u64 incarnation  sender's incarnation (changes when it restarts)
 *     u64 seq          per-sender datagram number, for the replay window
 *   op (repeated n_ops times):
 *     u8  type         enum dl_wire_op_type
 *     u8  flags        zero for now; receivers reject others
 *     u16 len          body length in bytes
 *     u8  body[len]
 *
 * The sum of the framed ops must be exactly the datagram length, and the
 * datagram is at most DL_WIRE_MTU bytes so it never fragments on a 1280-byte
 * IPv6 path once the transport adds its seal.  Decoding checks the whole
 * frame before any op is acted on, so a bad datagram changes nothing; each
 * reason for refusing one has its own error code (DL_WIRE_E*), which the
 * node turns into a drop counter.
 *
 * Bodies are encoded field by field, little-endian, through the
 * dl_wire_put_*()/dl_wire_get_*() helpers; the per-op layouts are documented
 * next to their structs below and in Documentation/protocol.rst.
 */
#ifndef DLOCK_CORE_WIRE_H
#define DLOCK_CORE_WIRE_H

#include "env.h"

#define DL_WIRE_MAGIC		0xd10c
#define DL_WIRE_VERSION		1
#define DL_WIRE_MTU		1200
#define DL_WIRE_HDR_LEN		32
#define DL_WIRE_OP_HDR_LEN	4
#define DL_WIRE_MAX_OPS		64
#define DL_WIRE_MAX_BODY	(DL_WIRE_MTU - DL_WIRE_HDR_LEN - DL_WIRE_OP_HDR_LEN)
#define DL_WIRE_LVB_MAX		64

/*
 * Operation types.  Ranges are reserved per subsystem so that election
 * algorithms and lockspace algorithms added later get stable numbers:
 *
 *   0x01..0x0f  Raft (the op type is DL_OP_RAFT_BASE + raft message type)
 *   0x10..0x1f  client requests and their outcomes
 *   0x20..0x2f  sessions: heartbeats, leases, incarnations
 *   0x30..0x3f  snapshot transfer
 *   0x40..0x4f  Bully election
 *   0x50..0x5f  Ring election
 *   0x60..0x6f  Ricart-Agrawala lockspaces
 *   0x70..0x7f  coordinator locking (requests, grants, rebuild)
 */
enum dl_wire_op_type {
	DL_OP_NONE = 0x00,		/* never valid on the wire */
	DL_OP_RAFT_BASE = 0x01,
	DL_OP_RAFT_LAST = 0x0f,

	DL_OP_REQUEST = 0x10,		/* node -> leader: lock-table command */
	DL_OP_RESPONSE = 0x11,		/* leader -> node: request accepted */
	DL_OP_EVENT = 0x12,		/* leader -> node: lock-table output */
	DL_OP_REDIRECT = 0x13,		/* not the leader; hint who is */
	DL_OP_EVENT_ACK = 0x14,		/* node -> leader: REVOKED received */

	DL_OP_HEARTBEAT = 0x20,		/* node -> leader: keep my lease */
	DL_OP_LEASE = 0x21,		/* leader -> node: lease granted */
	DL_OP_HELLO = 0x22,		/* node -> all: I (re)started */

	DL_OP_SNAP_CHUNK = 0x30,
	DL_OP_SNAP_ACK = 0x31,

	/* base + the engine's message type: wire_classic.h */
	DL_OP_BULLY_BASE = 0x40,
	DL_OP_BULLY_LAST = 0x4f,
	DL_OP_RING_BASE = 0x50,
	DL_OP_RING_LAST = 0x5f,
	DL_OP_RA_BASE = 0x60,
	DL_OP_RA_LAST = 0x6f,
	DL_OP_COORD_BASE = 0x70,
	DL_OP_COORD_LAST = 0x7f,

	DL_OP_TYPE_COUNT = 0x80,	/* counters are indexed by op type */
};

/*
 * Why a datagram was refused.  Negative errno values, one per reason, so
 * callers can both propagate them and count them (dl_wire_drop_index()).
 */
#define DL_WIRE_EOVERSIZE	(-E2BIG)	/* longer than DL_WIRE_MTU */
#define DL_WIRE_ESHORT		(-ENODATA)	/* shorter than the header */
#define DL_WIRE_EMAGIC		(-EBADMSG)	/* not a dlock datagram */
#define DL_WIRE_EVERSION	(-EPROTONOSUPPORT)
#define DL_WIRE_ECELL		(-EXDEV)	/* another cell's datagram */
#define DL_WIRE_EADDR		(-EADDRNOTAVAIL) /* src 0/self or dst not us */
#define DL_WIRE_ECOUNT		(-ERANGE)	/* n_ops 0, too many, or extra bytes */
#define DL_WIRE_ETRUNC		(-EOVERFLOW)	/* an op runs past the end */
#define DL_WIRE_ETYPE		(-ENOMSG)	/* unknown op type or flags */
#define DL_WIRE_EBODY		(-EPROTO)	/* body inconsistent with its type */

/* Drop reasons as counter indexes; DL_DROP_OTHER for anything else. */
enum dl_wire_drop {
	DL_DROP_OVERSIZE,
	DL_DROP_SHORT,
	DL_DROP_MAGIC,
	DL_DROP_VERSION,
	DL_DROP_CELL,
	DL_DROP_ADDR,
	DL_DROP_COUNT_MISMATCH,
	DL_DROP_TRUNC,
	DL_DROP_TYPE,
	DL_DROP_BODY,
	DL_DROP_STALE,		/* an older incarnation of the sender */
	DL_DROP_UNKNOWN_PEER,	/* sender not in the cell's configuration */
	DL_DROP_OTHER,
	DL_DROP_REASONS
};

/**
 * dl_wire_drop_index() - counter index for a decode or receive error
 * @err: negative error returned by a decoder or dl_node_recv()
 *
 * Return: an enum dl_wire_drop value, DL_DROP_OTHER when @err is not one of
 * the wire's reasons.
 */
int dl_wire_drop_index(int err);

/** dl_wire_drop_name() - short name of a drop reason, for counters. */
const char *dl_wire_drop_name(int index);

/** dl_wire_op_name() - short name of an op type; "unknown" if unassigned. */
const char *dl_wire_op_name(unsigned int type);

/** dl_wire_op_known() - whether @type is an op this version understands. */
bool dl_wire_op_known(unsigned int type);

/**
 * struct dl_wire_hdr - the decoded fixed header
 * @cell_id: cell the datagram belongs to
 * @src: sending node
 * @dst: receiving node
 * @incarnation: sender's incarnation
 * @seq: sender's datagram sequence number
 * @n_ops: number of operations that follow
 */
struct dl_wire_hdr {
	u32 cell_id;
	u32 src;
	u32 dst;
	u64 incarnation;
	u64 seq;
	u8 n_ops;
};

/**
 * struct dl_wire_op - one framed operation, pointing into the datagram
 * @type: enum dl_wire_op_type
 * @len: body length
 * @body: first byte of the body (borrowed from the datagram buffer)
 */
struct dl_wire_op {
	u8 type;
	u16 len;
	const u8 *body;
};

/**
 * struct dl_wire_reader - cursor over a datagram that dl_wire_open() checked
 * @pos: next op header
 * @end: one past the datagram
 * @left: ops still to return
 */
struct dl_wire_reader {
	const u8 *pos;
	const u8 *end;
	unsigned int left;
};

/**
 * dl_wire_open() - check a whole datagram and prepare to iterate its ops
 * @buf: received bytes
 * @len: their number
 * @cell_id: our cell; other cells' datagrams are refused
 * @self: our node id; datagrams for another node or from ourselves are
 *	refused
 * @hdr: out: the decoded header
 * @rd: out: a reader positioned on the first op
 *
 * Checks length bounds, magic, version, cell, addresses, the op count, and
 * that every op's framing lies inside the datagram, its type is known, its
 * flags are zero and its body has a length its type allows, and that no byte
 * follows the last op.  Nothing in the body is trusted until the op's own
 * decoder has checked it.
 *
 * Return: 0, or one of the DL_WIRE_E* codes.
 */
int dl_wire_open(const void *buf, size_t len, u32 cell_id, u32 self,
		 struct dl_wire_hdr *hdr, struct dl_wire_reader *rd);

/**
 * dl_wire_next() - the next op of a datagram dl_wire_open() accepted
 * @rd: the reader
 * @op: out: the op
 *
 * Return: true with @op filled, false after the last op.
 */
bool dl_wire_next(struct dl_wire_reader *rd, struct dl_wire_op *op);

/**
 * struct dl_wire_writer - builds one datagram for one destination
 * @buf: the datagram
 * @len: bytes used
 * @n_ops: ops written
 */
struct dl_wire_writer {
	u8 buf[DL_WIRE_MTU];
	size_t len;
	unsigned int n_ops;
};

/**
 * dl_wire_writer_init() - start a datagram
 * @w: the writer
 * @hdr: header fields (n_ops is ignored: dl_wire_writer_finish() sets it)
 */
void dl_wire_writer_init(struct dl_wire_writer *w, const struct dl_wire_hdr *hdr);

/**
 * dl_wire_writer_add() - append one op with an already encoded body
 * @w: the writer
 * @type: op type
 * @body: encoded body
 * @len: body length
 *
 * Return: 0, -ENOSPC when the op does not fit in this datagram (start
 * another one), -EINVAL for an unknown type or a body too large for any
 * datagram.
 */
int dl_wire_writer_add(struct dl_wire_writer *w, u8 type, const void *body,
		       size_t len);

/** dl_wire_writer_room() - body bytes the next op may still use, or 0. */
size_t dl_wire_writer_room(const struct dl_wire_writer *w);

/**
 * dl_wire_writer_finish() - seal the op count into the header
 * @w: the writer
 *
 * Return: the datagram length, 0 if no op was added.
 */
size_t dl_wire_writer_finish(struct dl_wire_writer *w);

/*
 * Field-level encoding.  A struct dl_wire_buf wraps a body being written or
 * read; an overflow or underflow sets @err and every later call is a no-op,
 * so encoders and decoders check once at the end.
 */
struct dl_wire_buf {
	u8 *wp;			/* write cursor, NULL when reading */
	const u8 *rp;		/* read cursor, NULL when writing */
	size_t left;
	int err;
};

static inline void dl_wire_buf_write(struct dl_wire_buf *b, void *buf,
				     size_t cap)
{
	b->wp = buf;
	b->rp = NULL;
	b->left = cap;
	b->err = 0;
}

static inline void dl_wire_buf_read(struct dl_wire_buf *b, const void *buf,
				    size_t len)
{
	b->wp = NULL;
	b->rp = buf;
	b->left = len;
	b->err = 0;
}

void dl_wire_put_u8(struct dl_wire_buf *b, u8 v);
void dl_wire_put_u16(struct dl_wire_buf *b, u16 v);
void dl_wire_put_u32(struct dl_wire_buf *b, u32 v);
void dl_wire_put_u64(struct dl_wire_buf *b, u64 v);
void dl_wire_put_bytes(struct dl_wire_buf *b, const void *p, size_t len);
u8 dl_wire_get_u8(struct dl_wire_buf *b);
u16 dl_wire_get_u16(struct dl_wire_buf *b);
u32 dl_wire_get_u32(struct dl_wire_buf *b);
u64 dl_wire_get_u64(struct dl_wire_buf *b);
void dl_wire_get_bytes(struct dl_wire_buf *b, void *p, size_t len);

/*
 * Decoders of a whole body end with dl_wire_buf_done(): it turns leftover
 * bytes or an underflow into DL_WIRE_EBODY.
 */
int dl_wire_buf_done(const struct dl_wire_buf *b);

/* Bytes written so far into a body started at @start. */
static inline size_t dl_wire_buf_used(const struct dl_wire_buf *b,
				      const void *start)
{
	return (size_t)(b->wp - (const u8 *)start);
}

/* ---- Client requests ------------------------------------------------- */

/*
 * DL_OP_REQUEST, node -> leader: run a lock-table command.
 *   u64 req_id   the requesting node's request id (dedup key with owner)
 *   u8  ls_len   0, or a lockspace name the leader resolves into the
 *                command's ls_id (members hold no table to resolve it)
 *   u8  ls_name[ls_len]
 *   u16 cmd_len  then cmd_len bytes of the lock table's encoded command
 */
#define DL_WIRE_NAME_MAX	64

struct dl_wire_request {
	u64 req_id;
	u8 ls_len;
	const u8 *ls_name;	/* borrowed */
	u16 cmd_len;
	const u8 *cmd;		/* borrowed */
};

/*
 * DL_OP_RESPONSE, leader -> node: the request was committed (or failed
 * before reaching the log).
 *   u64 req_id
 *   s32 status   0: committed, outcome follows as DL_OP_EVENT; <0: errno
 *   u64 index    log index of the command (0 if not committed)
 */
struct dl_wire_response {
	u64 req_id;
	s32 status;
	u64 index;
};

/* Kinds of DL_OP_EVENT, the lock table's outputs a node must learn. */
enum dl_wire_event_kind {
	DL_WEV_GRANTED = 1,
	DL_WEV_FAILED = 2,
	DL_WEV_UNLOCKED = 3,
	DL_WEV_BLOCKING = 4,
	DL_WEV_REVOKED = 5,
	DL_WEV_DONE = 6,	/* a command without lock output completed */
	DL_WEV_KIND_MAX = DL_WEV_DONE,
};

/*
 * DL_OP_EVENT, leader -> owner's node:
 *   u8  kind     enum dl_wire_event_kind
 *   u8  mode     granted mode, or the mode a waiter wants (BLOCKING)
 *   u8  lvb_len  0..DL_WIRE_LVB_MAX
 *   u8  flags    DL_WEV_F_*: GRANTED: the lockspace's properties
 *   s32 status   0 or negative errno (FAILED)
 *   u32 ls_id    the lockspace (DONE: the one created or removed)
 *   u64 session  owner's session (incarnation) the event is for
 *   u64 owner    owner on the receiving node
 *   u64 req_id   request it answers (0 for BLOCKING/REVOKED)
 *   u64 lock_id  the lock table's lock id
 *   u64 token    fencing token of the grant
 *   u64 index    log index that produced it (orders events; dedup)
 *   u8  lvb[lvb_len]
 */
#define DL_WEV_F_CACHE	0x1	/* the lockspace lets nodes cache grants */
#define DL_WEV_F_ALL	DL_WEV_F_CACHE

struct dl_wire_event {
	u8 kind;
	u8 mode;
	u8 lvb_len;
	u8 flags;
	s32 status;
	u32 ls_id;
	u64 session;
	u64 owner;
	u64 req_id;
	u64 lock_id;
	u64 token;
	u64 index;
	u8 lvb[DL_WIRE_LVB_MAX];
};

/*
 * DL_OP_REDIRECT, any node -> requester: I am not the leader.
 *   u64 req_id
 *   u32 leader   hint, 0 when unknown
 *   u64 term     hint's term
 */
struct dl_wire_redirect {
	u64 req_id;
	u32 leader;
	u64 term;
};

/*
 * DL_OP_EVENT_ACK, owner's node -> leader: a REVOKED EVENT arrived (the
 * leader sends it again until then, see session.c).
 *   u64 index    the EVENT's index
 *   u64 lock_id  the EVENT's lock_id
 */
struct dl_wire_event_ack {
	u64 index;
	u64 lock_id;
};

/* ---- Sessions -------------------------------------------------------- */

/*
 * DL_OP_HEARTBEAT, node -> leader: u64 seq (echoed by the leader).
 * DL_OP_LEASE, leader -> node:
 *   u64 seq       heartbeat answered (0 when unsolicited, e.g. grace grant)
 *   u64 term      leader's term
 *   u32 lease_ms  lease length, counted by the node from when it sent seq
 * DL_OP_HELLO, restarted node -> voters: u64 incarnation, u8 role.
 */
struct dl_wire_heartbeat {
	u64 seq;
};

struct dl_wire_lease {
	u64 seq;
	u64 term;
	u32 lease_ms;
};

struct dl_wire_hello {
	u64 incarnation;
	u8 role;
};

int dl_wire_enc_request(void *buf, size_t cap, const struct dl_wire_request *m);
int dl_wire_dec_request(const struct dl_wire_op *op, struct dl_wire_request *m);
int dl_wire_enc_response(void *buf, size_t cap,
			 const struct dl_wire_response *m);
int dl_wire_dec_response(const struct dl_wire_op *op,
			 struct dl_wire_response *m);
int dl_wire_enc_event(void *buf, size_t cap, const struct dl_wire_event *m);
int dl_wire_dec_event(const struct dl_wire_op *op, struct dl_wire_event *m);
int dl_wire_enc_redirect(void *buf, size_t cap,
			 const struct dl_wire_redirect *m);
int dl_wire_dec_redirect(const struct dl_wire_op *op,
			 struct dl_wire_redirect *m);
int dl_wire_enc_heartbeat(void *buf, size_t cap,
			  const struct dl_wire_heartbeat *m);
int dl_wire_dec_heartbeat(const struct dl_wire_op *op,
			  struct dl_wire_heartbeat *m);
int dl_wire_enc_lease(void *buf, size_t cap, const struct dl_wire_lease *m);
int dl_wire_dec_lease(const struct dl_wire_op *op, struct dl_wire_lease *m);
int dl_wire_enc_event_ack(void *buf, size_t cap,
			  const struct dl_wire_event_ack *m);
int dl_wire_dec_event_ack(const struct dl_wire_op *op,
			  struct dl_wire_event_ack *m);
int dl_wire_enc_hello(void *buf, size_t cap, const struct dl_wire_hello *m);
int dl_wire_dec_hello(const struct dl_wire_op *op, struct dl_wire_hello *m);

/*
 * The encoders return the body length (> 0) or -ENOSPC/-EINVAL; the
 * decoders return 0 or DL_WIRE_EBODY and never read past op->len.
 */

/* ---- Raft (wire_raft.c) ----------------------------------------------- */

/*
 * A struct dl_raft_msg travels as op DL_OP_RAFT_BASE + msg type; from, to
 * and the sender's incarnation are the datagram header's src, dst and
 * incarnation.  Body:
 *   u8  flags        DL_RAFT_F_*
 *   u8  nr_voters    0..DL_RAFT_MAX_VOTERS (SNAPSHOT only)
 *   u16 nr_entries   0..DL_RAFT_MAX_ENTRIES (APPEND only)
 *   u64 to_incarnation, term, index, log_term, commit, hint, ctx, offset
 *   u32 data_len     0..DL_RAFT_MAX_SNAPSHOT_CHUNK (SNAPSHOT only)
 *   u32 voters[nr_voters]
 *   entries[nr_entries]: u64 term, u8 type, u16 len, u8 data[len]
 *   u8  data[data_len]
 */
#define DL_WIRE_RAFT_FIXED	(4 + 8 * 8 + 4)

struct dl_raft_msg;
struct dl_raft_entry;

/** dl_wire_raft_op() - op type carrying Raft message type @msg_type. */
static inline u8 dl_wire_raft_op(u8 msg_type)
{
	return (u8)(DL_OP_RAFT_BASE + msg_type);
}

/**
 * dl_wire_enc_raft() - encode a Raft message body
 * @buf: output
 * @cap: its room
 * @m: the message
 *
 * Return: body length, -EINVAL for a message outside the limits of raft.h,
 * -ENOSPC when @cap is too small.
 */
int dl_wire_enc_raft(void *buf, size_t cap, const struct dl_raft_msg *m);

/**
 * dl_wire_dec_raft() - decode a Raft message body
 * @op: the op (type in the Raft range)
 * @hdr: its datagram's header (from, to, incarnation)
 * @m: out: the message; entries and data point into @op's body
 * @ents: room for DL_RAFT_MAX_ENTRIES entries, which @m->entries uses
 *
 * Return: 0 or DL_WIRE_EBODY.
 */
int dl_wire_dec_raft(const struct dl_wire_op *op, const struct dl_wire_hdr *hdr,
		     struct dl_raft_msg *m, struct dl_raft_entry *ents);

#endif /* DLOCK_CORE_WIRE_H */
