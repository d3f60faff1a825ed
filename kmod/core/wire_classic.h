/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wire_classic.h - the messages of the slides' algorithms in datagrams:
 * Bully (elect_bully.h), Ring (elect_ring.h), coordinator locking
 * (coord.h) and Ricart-Agrawala (ra.h).
 *
 * Each message type travels as its own op, the algorithm's base op plus
 * the engine's message type (wire.h reserves a range of 16 per algorithm).
 * The sender and receiver are the datagram header's src and dst; Bully,
 * Ring and coordinator messages take the sender's incarnation from the
 * header too.  Bodies, little-endian:
 *
 *   Bully, every type     u64 epoch
 *   Ring, every type      u64 epoch, u32 origin, u32 leader, u8 nr_ids,
 *                         u32 ids[nr_ids]
 *       ELECTION: 1..DL_ELECT_MAX_NODES distinct non-zero ids, an origin,
 *       no leader; COORDINATOR: origin and leader, no ids; ACK: origin,
 *       leader is the acknowledged type (ELECTION or COORDINATOR), no ids;
 *       HEARTBEAT, HEARTBEAT_ACK: no origin, leader or ids
 *   Coordinator           u64 epoch, then
 *       REQUEST, GRANT, RELEASE: one lock
 *       QUERY: nothing
 *       REPORT: u64 max_req_id, u64 max_token, u8 nr_locks, locks[nr_locks]
 *     a lock: u64 req_id, u8 mode, u8 granted (0/1), u64 token,
 *             u8 name_len (1..DL_COORD_NAME_MAX), u8 name[name_len]
 *   Ricart-Agrawala       u64 clock (non-zero), u64 sender_clock,
 *                         u64 incarnation, u8 name_len (1..DL_RA_NAME_MAX),
 *                         u8 name[name_len]
 *
 * Decoders reject a truncated body, a byte left over and any field out of
 * its range with DL_WIRE_EBODY and fill the message only as far as the
 * engines' own checks then go (ids known to the cell, epochs).
 */
#ifndef DLOCK_CORE_WIRE_CLASSIC_H
#define DLOCK_CORE_WIRE_CLASSIC_H

#include "coord.h"
#include "elect_bully.h"
#include "elect_ring.h"
#include "ra.h"
#include "wire.h"

#define DL_WIRE_BULLY_LEN		8
#define DL_WIRE_RING_FIXED		(8 + 4 + 4 + 1)
#define DL_WIRE_RING_MAX		(DL_WIRE_RING_FIXED + \
					 4 * DL_ELECT_MAX_NODES)
#define DL_WIRE_COORD_LOCK_FIXED	(8 + 1 + 1 + 8 + 1)
#define DL_WIRE_COORD_LOCK_MAX		(DL_WIRE_COORD_LOCK_FIXED + \
					 DL_COORD_NAME_MAX)
#define DL_WIRE_COORD_REPORT_FIXED	(8 + 8 + 8 + 1)
#define DL_WIRE_COORD_MAX		(DL_WIRE_COORD_REPORT_FIXED + \
					 DL_COORD_MAX_LOCKS * \
					 DL_WIRE_COORD_LOCK_MAX)
#define DL_WIRE_RA_FIXED		(8 + 8 + 8 + 1)
#define DL_WIRE_RA_MAX			(DL_WIRE_RA_FIXED + DL_RA_NAME_MAX)

/*
 * dl_wire_classic_bounds() - shortest and longest body of a classic op
 * @type: op type
 * @min: out
 * @max: out
 *
 * Return: false when @type is no classic op this version knows.
 */
bool dl_wire_classic_bounds(unsigned int type, u16 *min, u16 *max);

/* dl_wire_classic_op_name() - "bully_election"...; NULL when unknown. */
const char *dl_wire_classic_op_name(unsigned int type);

/*
 * Encoders: the op type in *@type, the body in @buf; return its length or
 * -EINVAL (a message outside the engine's limits), -ENOSPC.
 */
int dl_wire_enc_bully(void *buf, size_t cap, const struct dl_bully_msg *m,
		      u8 *type);
int dl_wire_enc_ring(void *buf, size_t cap, const struct dl_ring_msg *m,
		     u8 *type);
int dl_wire_enc_coord(void *buf, size_t cap, const struct dl_coord_msg *m,
		      u8 *type);
int dl_wire_enc_ra(void *buf, size_t cap, const struct dl_ra_msg *m,
		   u8 *type);

/*
 * Decoders: @hdr gives from, to (and for Bully, Ring and coordinator
 * messages the incarnation); 0 or DL_WIRE_EBODY (DL_WIRE_ETYPE for an op
 * of another algorithm).  Nothing past op->len is read.
 */
int dl_wire_dec_bully(const struct dl_wire_op *op,
		      const struct dl_wire_hdr *hdr, struct dl_bully_msg *m);
int dl_wire_dec_ring(const struct dl_wire_op *op,
		     const struct dl_wire_hdr *hdr, struct dl_ring_msg *m);
int dl_wire_dec_coord(const struct dl_wire_op *op,
		      const struct dl_wire_hdr *hdr, struct dl_coord_msg *m);
int dl_wire_dec_ra(const struct dl_wire_op *op, const struct dl_wire_hdr *hdr,
		   struct dl_ra_msg *m);

#endif /* DLOCK_CORE_WIRE_CLASSIC_H */
