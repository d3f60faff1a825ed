/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dlock: distributed lock manager and leader election for a cell of Linux
 * nodes.  This header is the one ABI between the dlock module and userspace:
 * the generic netlink family used by administrators and the /dev/dlock ioctls
 * used by programs.
 *
 * Every struct here has fixed-size fields, explicit padding and user pointers
 * carried as __u64, so that 32-bit and 64-bit userspace see the same layout.
 * The sizes are asserted at build time on both sides (DLOCK_*_SIZE below).
 */
#ifndef _UAPI_LINUX_DLOCK_H
#define _UAPI_LINUX_DLOCK_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped on every incompatible change of this header. */
#define DLOCK_ABI_VERSION	1

/* Limits shared by every interface. */
#define DLOCK_NAME_MAX		64	/* lockspace and resource names, bytes */
#define DLOCK_LVB_MAX		64	/* value block: 32 or 64 bytes per lockspace */
#define DLOCK_LVB_MIN		32
#define DLOCK_KEY_LEN		32	/* ChaCha20-Poly1305 cell key */
#define DLOCK_DEFAULT_PORT	7477
#define DLOCK_MAX_VOTERS	7

/*
 * Lock modes, the six of the VMS/DLM lock manager, with DLM's numbering.
 * Compatibility (Y = may be held together):
 *
 *        NL CR CW PR PW EX
 *     NL  Y  Y  Y  Y  Y  Y
 *     CR  Y  Y  Y  Y  Y  -
 *     CW  Y  Y  Y  -  -  -
 *     PR  Y  Y  -  Y  -  -
 *     PW  Y  Y  -  -  -  -
 *     EX  Y  -  -  -  -  -
 */
enum dlock_mode {
	DLOCK_MODE_NL = 0,	/* null: holds a place, blocks nobody */
	DLOCK_MODE_CR = 1,	/* concurrent read */
	DLOCK_MODE_CW = 2,	/* concurrent write */
	DLOCK_MODE_PR = 3,	/* protected read (shared) */
	DLOCK_MODE_PW = 4,	/* protected write (update) */
	DLOCK_MODE_EX = 5,	/* exclusive */
	DLOCK_MODE_COUNT
};

/* Lock request flags (struct dlock_lock_req.flags). */
#define DLOCK_LKF_NOQUEUE	(1U << 0)	/* fail with -EAGAIN rather than wait */
#define DLOCK_LKF_CONVERT	(1U << 1)	/* convert the lock named by lock_id */
#define DLOCK_LKF_VALBLK	(1U << 2)	/* read/write the value block */
#define DLOCK_LKF_ASYNC		(1U << 3)	/* return at once; completion via read() */
#define DLOCK_LKF_ALL		(DLOCK_LKF_NOQUEUE | DLOCK_LKF_CONVERT | \
				 DLOCK_LKF_VALBLK | DLOCK_LKF_ASYNC)

/* Election algorithm of a cell. */
enum dlock_election {
	DLOCK_ELECTION_RAFT = 0,	/* default: replicated log, 2f+1 voters */
	DLOCK_ELECTION_BULLY = 1,	/* highest id wins; coordinator locking */
	DLOCK_ELECTION_RING = 2,	/* logical ring; coordinator locking */
	DLOCK_ELECTION_COUNT
};

/* Lock algorithm of a lockspace. */
enum dlock_ls_algo {
	DLOCK_LS_CELL = 0,	/* through the cell's leader/coordinator */
	DLOCK_LS_RA = 1,	/* Ricart-Agrawala, exclusive locks only */
	DLOCK_LS_ALGO_COUNT
};

/* Role of a node in its cell, as reported by status. */
enum dlock_node_state {
	DLOCK_STATE_UNCONFIGURED = 0,	/* no node id or no socket yet */
	DLOCK_STATE_FOLLOWER = 1,
	DLOCK_STATE_CANDIDATE = 2,
	DLOCK_STATE_LEADER = 3,
	DLOCK_STATE_MEMBER = 4,		/* non-voting member */
	DLOCK_STATE_CATCHING_UP = 5,	/* new incarnation, not yet voting */
	DLOCK_STATE_COUNT
};

/* Role of a peer in the cell's configuration. */
enum dlock_peer_role {
	DLOCK_ROLE_VOTER = 0,
	DLOCK_ROLE_MEMBER = 1,
};

/* ------------------------------------------------------------------------ */
/* Generic netlink family                                                   */
/* ------------------------------------------------------------------------ */

#define DLOCK_GENL_NAME		"dlock"
#define DLOCK_GENL_VERSION	1
#define DLOCK_GENL_MCGRP_EVENTS	"events"

enum dlock_cmd {
	DLOCK_CMD_UNSPEC,
	DLOCK_CMD_GET_STATUS,		/* node id, ABI, state, leader, term */
	DLOCK_CMD_SET_NODE,		/* node id, cell id, listen, key, algos */
	DLOCK_CMD_ADD_PEER,
	DLOCK_CMD_DEL_PEER,
	DLOCK_CMD_GET_PEERS,		/* dump */
	DLOCK_CMD_ADD_LOCKSPACE,
	DLOCK_CMD_DEL_LOCKSPACE,
	DLOCK_CMD_GET_LOCKSPACES,	/* dump */
	DLOCK_CMD_GET_LOCKS,		/* dump: holders and waiters */
	DLOCK_CMD_GET_COUNTERS,
	DLOCK_CMD_REFORM,		/* re-form after losing a majority */
	DLOCK_CMD_EVENT,		/* multicast notification */
	__DLOCK_CMD_MAX
};
#define DLOCK_CMD_MAX (__DLOCK_CMD_MAX - 1)

enum dlock_attr {
	DLOCK_A_UNSPEC,
	DLOCK_A_ABI_VERSION,		/* u32 */
	DLOCK_A_NODE_ID,		/* u32, non-zero */
	DLOCK_A_CELL_ID,		/* u32 */
	DLOCK_A_STATE,			/* u32, enum dlock_node_state */
	DLOCK_A_LEADER_ID,		/* u32, 0 when none */
	DLOCK_A_TERM,			/* u64 */
	DLOCK_A_INCARNATION,		/* u64 */
	DLOCK_A_LISTEN_PORT,		/* u16 */
	DLOCK_A_LISTEN_ADDR4,		/* binary, 4 bytes, network order */
	DLOCK_A_LISTEN_ADDR6,		/* binary, 16 bytes */
	DLOCK_A_KEY,			/* binary, DLOCK_KEY_LEN; write-only */
	DLOCK_A_ELECTION,		/* u32, enum dlock_election */
	DLOCK_A_ELECTION_TIMEOUT_MS,	/* u32 */
	DLOCK_A_HEARTBEAT_MS,		/* u32 */
	DLOCK_A_LEASE_MS,		/* u32 */
	DLOCK_A_LOCK_DELAY_MS,		/* u32 */
	DLOCK_A_ROLE,			/* u32, enum dlock_peer_role */
	DLOCK_A_PEER,			/* nest of DLOCK_A_PEER_* */
	DLOCK_A_LOCKSPACE,		/* nest of DLOCK_A_LS_* */
	DLOCK_A_LOCK,			/* nest of DLOCK_A_LOCK_* */
	DLOCK_A_COUNTERS,		/* nest of DLOCK_A_CTR_* */
	DLOCK_A_EVENT_TYPE,		/* u32, enum dlock_event_type */
	DLOCK_A_COMMIT_INDEX,		/* u64 */
	DLOCK_A_APPLIED_INDEX,		/* u64 */
	DLOCK_A_PAD,
	__DLOCK_A_MAX
};
#define DLOCK_A_MAX (__DLOCK_A_MAX - 1)

enum dlock_peer_attr {
	DLOCK_A_PEER_UNSPEC,
	DLOCK_A_PEER_ID,		/* u32 */
	DLOCK_A_PEER_ADDR4,		/* binary, 4 bytes */
	DLOCK_A_PEER_ADDR6,		/* binary, 16 bytes */
	DLOCK_A_PEER_PORT,		/* u16 */
	DLOCK_A_PEER_ROLE,		/* u32, enum dlock_peer_role */
	DLOCK_A_PEER_ALIVE,		/* u8 */
	DLOCK_A_PEER_LAST_HEARD_MS,	/* u64, ms ago */
	DLOCK_A_PEER_RTT_US,		/* u32 */
	DLOCK_A_PEER_MATCH_INDEX,	/* u64 */
	DLOCK_A_PEER_PAD,
	__DLOCK_A_PEER_MAX
};
#define DLOCK_A_PEER_MAX (__DLOCK_A_PEER_MAX - 1)

enum dlock_ls_attr {
	DLOCK_A_LS_UNSPEC,
	DLOCK_A_LS_NAME,		/* string, < DLOCK_NAME_MAX */
	DLOCK_A_LS_ALGO,		/* u32, enum dlock_ls_algo */
	DLOCK_A_LS_LVB_LEN,		/* u32, 32 or 64 */
	DLOCK_A_LS_RESOURCES,		/* u32 */
	DLOCK_A_LS_LOCKS,		/* u32 */
	DLOCK_A_LS_CACHE,		/* u8, 0 or 1: nodes cache grants */
	__DLOCK_A_LS_MAX
};
#define DLOCK_A_LS_MAX (__DLOCK_A_LS_MAX - 1)

enum dlock_lock_attr {
	DLOCK_A_LOCK_UNSPEC,
	DLOCK_A_LOCK_RESOURCE,		/* binary, 1..DLOCK_NAME_MAX */
	DLOCK_A_LOCK_NODE_ID,		/* u32 */
	DLOCK_A_LOCK_OWNER,		/* u64 */
	DLOCK_A_LOCK_MODE,		/* u32, granted mode */
	DLOCK_A_LOCK_REQ_MODE,		/* u32, requested mode if waiting */
	DLOCK_A_LOCK_WAITING,		/* u8 */
	DLOCK_A_LOCK_TOKEN,		/* u64, fencing token of the grant */
	DLOCK_A_LOCK_PAD,
	__DLOCK_A_LOCK_MAX
};
#define DLOCK_A_LOCK_MAX (__DLOCK_A_LOCK_MAX - 1)

enum dlock_ctr_attr {
	DLOCK_A_CTR_UNSPEC,
	DLOCK_A_CTR_ENTRY,		/* nest: NAME + VALUE */
	DLOCK_A_CTR_NAME,		/* string */
	DLOCK_A_CTR_VALUE,		/* u64 */
	DLOCK_A_CTR_PAD,
	__DLOCK_A_CTR_MAX
};
#define DLOCK_A_CTR_MAX (__DLOCK_A_CTR_MAX - 1)

enum dlock_event_type {
	DLOCK_EVENT_LEADER_CHANGE = 1,
	DLOCK_EVENT_MEMBERSHIP = 2,
	DLOCK_EVENT_LEASE_LOST = 3,
	DLOCK_EVENT_LOCK_REVOKED = 4,
};

/* ------------------------------------------------------------------------ */
/* /dev/dlock                                                               */
/* ------------------------------------------------------------------------ */

#define DLOCK_DEVICE_NAME	"dlock"
#define DLOCK_IOC_MAGIC		0xd1

struct dlock_version {
	__u32 abi_version;		/* out: DLOCK_ABI_VERSION */
	__u32 node_id;			/* out: this netns's node id, 0 if none */
	__u32 state;			/* out: enum dlock_node_state */
	__u32 reserved;			/* out: zero */
};
#define DLOCK_VERSION_SIZE	16

/* Open (attach this file to) a lockspace; returns its handle in ls_id. */
struct dlock_ls_open {
	__u8  name[DLOCK_NAME_MAX];	/* in: NUL-padded */
	__u32 flags;			/* in: zero */
	__u32 ls_id;			/* out */
	__u32 lvb_len;			/* out: 32 or 64 */
	__u32 reserved;			/* in: zero */
};
#define DLOCK_LS_OPEN_SIZE	80

struct dlock_lock_req {
	__u32 ls_id;			/* in */
	__u32 mode;			/* in: enum dlock_mode */
	__u32 flags;			/* in: DLOCK_LKF_* */
	__u32 timeout_ms;		/* in: 0 = wait forever */
	__u64 lock_id;			/* in with CONVERT, else out */
	__u64 cookie;			/* in: returned with async events */
	__u64 lvb_ptr;			/* in: user pointer, with VALBLK */
	__u64 token;			/* out: fencing token of the grant */
	__u32 lvb_len;			/* in: buffer length, with VALBLK */
	__u32 name_len;			/* in: 1..DLOCK_NAME_MAX */
	__u8  name[DLOCK_NAME_MAX];	/* in: resource name, binary */
	__u32 status;			/* out: 0 or a positive errno (async) */
	__u32 reserved;			/* in: zero */
};
#define DLOCK_LOCK_REQ_SIZE	128

struct dlock_unlock_req {
	__u64 lock_id;			/* in */
	__u64 lvb_ptr;			/* in: with VALBLK, written from PW/EX */
	__u32 lvb_len;			/* in */
	__u32 flags;			/* in: DLOCK_LKF_VALBLK only */
};
#define DLOCK_UNLOCK_REQ_SIZE	24

struct dlock_cancel_req {
	__u64 lock_id;			/* in */
};
#define DLOCK_CANCEL_REQ_SIZE	8

/* Read the current value block and token of a granted lock. */
struct dlock_lock_info {
	__u64 lock_id;			/* in */
	__u64 token;			/* out */
	__u32 mode;			/* out: granted mode */
	__u32 lvb_len;			/* out */
	__u8  lvb[DLOCK_LVB_MAX];	/* out */
};
#define DLOCK_LOCK_INFO_SIZE	88

/* Events read() from /dev/dlock, one struct per event. */
enum dlock_ev_type {
	DLOCK_EV_GRANT = 1,	/* an ASYNC lock or conversion completed */
	DLOCK_EV_FAIL = 2,	/* an ASYNC request failed: status = errno */
	DLOCK_EV_BLOCKING = 3,	/* a waiter is blocked by this lock */
	DLOCK_EV_REVOKED = 4,	/* lease lost or cell re-formed */
	DLOCK_EV_UNLOCKED = 5,	/* an unlock or cancel completed */
};

struct dlock_event {
	__u32 type;			/* enum dlock_ev_type */
	__u32 status;			/* 0 or positive errno */
	__u64 lock_id;
	__u64 cookie;
	__u64 token;
	__u32 mode;			/* granted mode, or blocking mode wanted */
	__u32 lvb_len;
	__u8  lvb[DLOCK_LVB_MAX];
};
#define DLOCK_EVENT_SIZE	104

#define DLOCK_IOC_VERSION	_IOR(DLOCK_IOC_MAGIC, 0x00, struct dlock_version)
#define DLOCK_IOC_LS_OPEN	_IOWR(DLOCK_IOC_MAGIC, 0x01, struct dlock_ls_open)
#define DLOCK_IOC_LOCK		_IOWR(DLOCK_IOC_MAGIC, 0x02, struct dlock_lock_req)
#define DLOCK_IOC_UNLOCK	_IOW(DLOCK_IOC_MAGIC, 0x03, struct dlock_unlock_req)
#define DLOCK_IOC_CANCEL	_IOW(DLOCK_IOC_MAGIC, 0x04, struct dlock_cancel_req)
#define DLOCK_IOC_LOCK_INFO	_IOWR(DLOCK_IOC_MAGIC, 0x05, struct dlock_lock_info)

#endif /* _UAPI_LINUX_DLOCK_H */
