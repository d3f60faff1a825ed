/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dlock.h - libdlock, the C library over the dlock kernel module.
 *
 * Two independent handles:
 *
 *   struct dlock_admin  the generic netlink family "dlock": configure this
 *                       network namespace's node and read its status.
 *   struct dlock_events the "events" multicast group of that family: cell
 *                       notifications (leader change, membership, ...).
 *   struct dlock_dev    an open /dev/dlock: the file that owns locks
 *                       (dlock_ls_open, dlock_lock, dlock_trylock,
 *                       dlock_convert, dlock_lock_async, dlock_unlock,
 *                       dlock_cancel, dlock_lock_info, dlock_read_event).
 *                       Closing it releases every lock it holds.
 *
 * Conventions, for every function here:
 *
 *   - Errors are returned as a negative errno (-EINVAL, -ENOENT, ...);
 *     dlock_strerror() turns one into a message.  0 (or a value >= 0 where
 *     documented) means success.
 *   - No global mutable state.  Handles are independent of one another, so
 *     threads may each use their own handle freely.  An admin or events
 *     handle must not be used by two threads at the same time without the
 *     caller's own locking; a dlock_dev handle may (the kernel serializes
 *     the calls on one file, and a thread blocked in dlock_lock() does not
 *     stop another from unlocking or cancelling).
 *   - A handle talks to the node of the network namespace the calling thread
 *     was in when the handle was opened.
 *   - Structs filled by the library have reserved space at the end, so later
 *     versions report more without changing their size.
 *
 * The kernel ABI (ioctl structs, netlink attributes, enums) is
 * <linux/dlock.h>, included here.
 */
#ifndef DLOCK_H
#define DLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <linux/dlock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- library ------------------------------------------------------------ */

/* Version of the loaded library, e.g. "0.1.0". */
const char *dlock_lib_version(void);

/* The kernel ABI (DLOCK_ABI_VERSION) the loaded library was built for. */
unsigned int dlock_lib_abi_version(void);

/*
 * A message for an error returned by this library.  Accepts the negative
 * errno as returned (or a positive one).  Where an errno has one meaning for
 * dlock, the message says it (-EPERM names CAP_NET_ADMIN, -EAGAIN a lock
 * held in an incompatible mode, ...); otherwise it is the C library's
 * description.  The string is constant: never freed, never overwritten.
 */
const char *dlock_strerror(int err);

/*
 * The name of an enum dlock_node_state ("follower", "leader", ...), or
 * "unknown" for a value this library does not know.
 */
const char *dlock_state_name(uint32_t state);

/* ---- administration: generic netlink ------------------------------------ */

struct dlock_admin;

/* A node's status as the kernel reports it (DLOCK_CMD_GET_STATUS). */
struct dlock_status {
	uint32_t abi_version;	/* the module's DLOCK_ABI_VERSION */
	uint32_t node_id;	/* 0 when not configured */
	uint32_t cell_id;
	uint32_t state;		/* enum dlock_node_state */
	uint32_t leader_id;	/* 0 when there is no known leader */
	uint32_t reserved0;
	uint64_t term;		/* current election term */
	uint64_t reserved[8];	/* zero; for fields of later versions */
};

/*
 * Connect to the "dlock" generic netlink family of the calling thread's
 * network namespace.  On success *admp is a new handle.  -ENOENT: the family
 * does not exist (the module is not loaded).  Other errors come from the
 * netlink socket.
 */
int dlock_admin_open(struct dlock_admin **admp);

/* Close a handle from dlock_admin_open(); NULL is ignored. */
void dlock_admin_close(struct dlock_admin *adm);

/* Read the node's status into *st. */
int dlock_admin_status(struct dlock_admin *adm, struct dlock_status *st);

/* Which fields of struct dlock_node_conf to change. */
#define DLOCK_CONF_NODE_ID		(1U << 0)
#define DLOCK_CONF_CELL_ID		(1U << 1)
#define DLOCK_CONF_LISTEN_PORT		(1U << 2)
#define DLOCK_CONF_LISTEN_ADDR4		(1U << 3)
#define DLOCK_CONF_LISTEN_ADDR6		(1U << 4)
#define DLOCK_CONF_KEY			(1U << 5)
#define DLOCK_CONF_ELECTION		(1U << 6)
#define DLOCK_CONF_ROLE			(1U << 7)
#define DLOCK_CONF_ELECTION_TIMEOUT	(1U << 8)
#define DLOCK_CONF_HEARTBEAT		(1U << 9)
#define DLOCK_CONF_LEASE		(1U << 10)
#define DLOCK_CONF_LOCK_DELAY		(1U << 11)
#define DLOCK_CONF_ALL			((1U << 12) - 1)

/*
 * A change to a node's configuration: only the fields named in set are
 * sent, the others stay as they are in the kernel.  Later versions add
 * fields in the reserved space, each with its own DLOCK_CONF_* bit, so a
 * caller built against this version keeps working unchanged.
 */
struct dlock_node_conf {
	uint32_t set;			/* DLOCK_CONF_* */
	uint32_t node_id;		/* non-zero */
	uint32_t cell_id;
	uint16_t listen_port;		/* UDP port, non-zero */
	uint16_t reserved0;		/* zero */
	uint8_t listen_addr4[4];	/* network order */
	uint8_t listen_addr6[16];
	uint8_t key[DLOCK_KEY_LEN];	/* the cell's ChaCha20-Poly1305 key */
	uint32_t election;		/* enum dlock_election */
	uint32_t role;			/* enum dlock_peer_role of this node */
	uint32_t election_timeout_ms;	/* 0 = the module's default */
	uint32_t heartbeat_ms;
	uint32_t lease_ms;
	uint32_t lock_delay_ms;
	uint32_t reserved[8];		/* zero */
};

/*
 * Apply conf in one request: the kernel checks every value before it
 * changes any.  -EINVAL with bits outside DLOCK_CONF_ALL or non-zero
 * reserved fields; -EINVAL or -ERANGE when the kernel refuses a value
 * (dlock_admin_last_error() then says which and why).
 * Needs CAP_NET_ADMIN in the user namespace owning the network namespace
 * (-EPERM otherwise), as do all the calls below that change something.
 */
int dlock_admin_configure(struct dlock_admin *adm,
			  const struct dlock_node_conf *conf);

/* Set this node's id (non-zero) and cell id: dlock_admin_configure(). */
int dlock_admin_set_node(struct dlock_admin *adm, uint32_t node_id,
			 uint32_t cell_id);

/*
 * The explanation that came with the last failed call on this handle: the
 * kernel's extended ack message (which attribute was wrong and why), or the
 * library's own when it refused the call before asking the kernel.  NULL
 * when there was none.  Valid until the next call on the handle.
 */
const char *dlock_admin_last_error(const struct dlock_admin *adm);

/* A member of the cell, as configured and as this node last saw it. */
struct dlock_peer {
	uint32_t id;		/* node id, non-zero */
	uint32_t role;		/* enum dlock_peer_role */
	uint32_t family;	/* AF_INET or AF_INET6 */
	uint16_t port;		/* UDP port; 0 on add = DLOCK_DEFAULT_PORT */
	uint8_t alive;		/* with DLOCK_PEER_HAS_ALIVE */
	uint8_t reserved0;
	uint8_t addr[16];	/* 4 bytes for AF_INET, network order */
	uint32_t has;		/* DLOCK_PEER_HAS_*: which below are known */
	uint32_t rtt_us;	/* smoothed round trip, us (DLOCK_PEER_HAS_RTT) */
	uint64_t last_heard_ms;	/* ms since this node heard from it */
	uint64_t match_index;	/* its log position, as the leader knows */
	uint64_t reserved[4];	/* zero */
};
#define DLOCK_PEER_HAS_ALIVE		(1U << 0)
#define DLOCK_PEER_HAS_LAST_HEARD	(1U << 1)
#define DLOCK_PEER_HAS_RTT		(1U << 2)
#define DLOCK_PEER_HAS_MATCH_INDEX	(1U << 3)

/*
 * Add a peer (id, family, addr, port, role of *peer; the rest must be
 * zero) to this node's cell configuration.  -EEXIST if it is there.
 */
int dlock_admin_add_peer(struct dlock_admin *adm,
			 const struct dlock_peer *peer);

/* Remove peer id.  -ENOENT if there is none. */
int dlock_admin_del_peer(struct dlock_admin *adm, uint32_t id);

/*
 * Every peer, in a new array of *n entries in *peers (NULL when there are
 * none) to be released with free().
 */
int dlock_admin_get_peers(struct dlock_admin *adm, struct dlock_peer **peers,
			  size_t *n);

struct dlock_lockspace {
	char name[DLOCK_NAME_MAX];	/* NUL-terminated */
	uint32_t algo;			/* enum dlock_ls_algo */
	uint32_t lvb_len;		/* 32 or 64 */
	uint32_t resources;		/* as this node knows them */
	uint32_t locks;
	uint32_t flags;			/* DLOCK_LS_F_* */
	uint32_t reserved32;
	uint64_t reserved[3];
};

/*
 * Lockspace flags.  DLOCK_LS_F_CACHE: nodes keep a lock of this lockspace
 * cached after their last local holder let go, and re-grant it locally
 * without a message until another node wants it (Documentation/uapi.rst).
 */
#define DLOCK_LS_F_CACHE	0x1U

/*
 * Create a lockspace in the cell (the leader orders the change, and the
 * call returns once it is decided).  name: 1..DLOCK_NAME_MAX-1 bytes;
 * lvb_len 32 or 64.  -EEXIST, -ETIMEDOUT without a leader.
 */
int dlock_admin_add_lockspace(struct dlock_admin *adm, const char *name,
			      uint32_t algo, uint32_t lvb_len);

/* The same with DLOCK_LS_F_* flags; -EINVAL for an unknown flag. */
int dlock_admin_add_lockspace_flags(struct dlock_admin *adm, const char *name,
				    uint32_t algo, uint32_t lvb_len,
				    uint32_t flags);

/* Remove a lockspace from the cell.  -ENOENT, -EBUSY while it has locks. */
int dlock_admin_del_lockspace(struct dlock_admin *adm, const char *name);

/* Every lockspace, as dlock_admin_get_peers() returns peers. */
int dlock_admin_get_lockspaces(struct dlock_admin *adm,
			       struct dlock_lockspace **lss, size_t *n);

/* One holder or waiter of a resource. */
struct dlock_lock_entry {
	char lockspace[DLOCK_NAME_MAX];	/* NUL-terminated; "" if not sent */
	uint8_t resource[DLOCK_NAME_MAX];	/* binary */
	uint32_t resource_len;
	uint32_t node_id;		/* the node of the owner */
	uint64_t owner;			/* the owner's session on that node */
	uint32_t mode;			/* granted mode (NL while waiting) */
	uint32_t req_mode;		/* requested mode, while waiting */
	uint32_t waiting;		/* 1: waiting, 0: granted */
	uint32_t reserved0;
	uint64_t token;			/* fencing token of the grant */
	uint64_t reserved[4];
};

/*
 * Holders and waiters: of every lockspace (lockspace NULL), of one, or of
 * one resource (res, res_len) in one.  An array as dlock_admin_get_peers().
 */
int dlock_admin_get_locks(struct dlock_admin *adm, const char *lockspace,
			  const void *res, size_t res_len,
			  struct dlock_lock_entry **locks, size_t *n);

struct dlock_counter {
	char name[DLOCK_NAME_MAX];	/* "group.name", NUL-terminated */
	uint64_t value;
};

/* The node's counters, as dlock_admin_get_peers() returns peers. */
int dlock_admin_get_counters(struct dlock_admin *adm,
			     struct dlock_counter **ctrs, size_t *n);

/*
 * Re-form the cell from this voter and the voters it can reach, after a
 * majority was lost for good: this node leads the new voter set at once,
 * every lock of the cell is revoked (holders get DLOCK_EV_REVOKED) and
 * fencing tokens move on.  -EBUSY while this node still reaches a
 * majority (the cell recovers by itself), -EPERM on a member, -ENOTCONN
 * when the node is not running.  Unsafe while the lost nodes may come
 * back: see dlockadm(8).
 */
int dlock_admin_reform(struct dlock_admin *adm);

/* ---- cell events: generic netlink multicast ----------------------------- */

struct dlock_events;

/* A notification of the "events" group (DLOCK_CMD_EVENT). */
struct dlock_cell_event {
	uint32_t type;		/* enum dlock_event_type */
	uint32_t node_id;	/* the reporting node */
	uint32_t state;		/* its enum dlock_node_state */
	uint32_t leader_id;	/* 0 = none */
	uint64_t term;
	uint64_t reserved[4];
};

/*
 * Subscribe to the events of the calling thread's network namespace.
 * -ENOENT: the module is not loaded.
 */
int dlock_events_open(struct dlock_events **evsp);

/* Close a handle from dlock_events_open(); NULL is ignored. */
void dlock_events_close(struct dlock_events *evs);

/* The handle's file descriptor, for poll(); owned by the handle. */
int dlock_events_fd(const struct dlock_events *evs);

/*
 * The next event into *ev, waiting up to timeout_ms (-1: forever, 0: not
 * at all).  -EAGAIN when none came in time; -ENOBUFS when the kernel
 * dropped events because they were not read fast enough (the next call
 * continues with the newer ones).
 */
int dlock_events_read(struct dlock_events *evs, struct dlock_cell_event *ev,
		      int timeout_ms);

/* "leader-change", "membership", ... or "unknown". */
const char *dlock_event_name(uint32_t type);

/* "NL", "CR", "CW", "PR", "PW", "EX", or "??" for anything else. */
const char *dlock_mode_name(uint32_t mode);

/* ---- programs: /dev/dlock ----------------------------------------------- */

struct dlock_dev;

/*
 * Open /dev/dlock.  On success *devp is a new handle, bound to the node of
 * the calling thread's network namespace.  -ENOENT: no /dev/dlock (the
 * module is not loaded).
 */
int dlock_open(struct dlock_dev **devp);

/* Close a handle from dlock_open(); NULL is ignored. */
void dlock_close(struct dlock_dev *dev);

/*
 * The handle's file descriptor (or -EINVAL for NULL), owned by the handle:
 * do not close it.  It is readable (poll() POLLIN) when an event is
 * queued: an asynchronous grant or failure, a blocking notice, a revoked
 * lock; dlock_read_event() takes one.
 */
int dlock_fd(const struct dlock_dev *dev);

/* DLOCK_IOC_VERSION: the module's ABI version, node id and state. */
int dlock_version(struct dlock_dev *dev, struct dlock_version *ver);

/*
 * Attach the handle to lockspace name; *ls_id is what the lock calls take.
 * Opening the same name twice gives the same id.  Whether the lockspace
 * exists is the cell's to say: the first lock request fails with -ENOENT
 * if it does not.
 */
int dlock_ls_open(struct dlock_dev *dev, const char *name, uint32_t *ls_id);

/* A granted lock, as the lock calls and dlock_lock_info() report it. */
struct dlock_grant {
	uint64_t lock_id;	/* names the lock in later calls */
	uint64_t token;		/* fencing token: grows with every grant */
	uint32_t mode;		/* granted mode */
	uint32_t lvb_len;	/* bytes of lvb read (with DLOCK_LKF_VALBLK) */
	uint8_t lvb[DLOCK_LVB_MAX];
	uint64_t reserved[4];
};

/*
 * Take a lock on resource res (res_len 1..DLOCK_NAME_MAX bytes, binary) of
 * lockspace ls_id in mode (enum dlock_mode), waiting until it is granted,
 * timeout_ms passed (-ETIMEDOUT; 0 = no limit) or a signal came (-EINTR).
 * flags: DLOCK_LKF_NOQUEUE fails at once with -EAGAIN when it cannot be
 * granted; DLOCK_LKF_VALBLK reads the value block into grant->lvb.
 * grant may be NULL.  -ENOTCONN: this node is not in a running cell.
 */
int dlock_lock(struct dlock_dev *dev, uint32_t ls_id, const void *res,
	       size_t res_len, uint32_t mode, uint32_t flags,
	       uint32_t timeout_ms, struct dlock_grant *grant);

/* dlock_lock() with DLOCK_LKF_NOQUEUE: -EAGAIN when it cannot be granted. */
int dlock_trylock(struct dlock_dev *dev, uint32_t ls_id, const void *res,
		  size_t res_len, uint32_t mode, struct dlock_grant *grant);

/*
 * Convert lock_id (a lock on res) to mode, as dlock_lock() waits.  With
 * DLOCK_LKF_VALBLK and lvb (1..DLOCK_LVB_MAX bytes), a holder of PW or EX
 * writes the value block; with DLOCK_LKF_VALBLK alone it is read.
 */
int dlock_convert(struct dlock_dev *dev, uint32_t ls_id, const void *res,
		  size_t res_len, uint64_t lock_id, uint32_t mode,
		  uint32_t flags, uint32_t timeout_ms, const void *lvb,
		  size_t lvb_len, struct dlock_grant *grant);

/*
 * Ask for a lock and return at once with its *lock_id.  The outcome is a
 * DLOCK_EV_GRANT or DLOCK_EV_FAIL event carrying cookie (and the value
 * block with DLOCK_LKF_VALBLK): see dlock_fd() and dlock_read_event().
 * flags: DLOCK_LKF_NOQUEUE, DLOCK_LKF_VALBLK.
 */
int dlock_lock_async(struct dlock_dev *dev, uint32_t ls_id, const void *res,
		     size_t res_len, uint32_t mode, uint32_t flags,
		     uint64_t cookie, uint64_t *lock_id);

/*
 * Release lock_id and wait for the cell to confirm it.  With lvb
 * (1..DLOCK_LVB_MAX bytes) a PW or EX holder writes the value block as it
 * releases; lvb NULL and lvb_len 0 leave it.
 */
int dlock_unlock(struct dlock_dev *dev, uint64_t lock_id, const void *lvb,
		 size_t lvb_len);

/*
 * Cancel a request still waiting (asynchronous, or blocked in another
 * thread): it ends with -ECANCELED.  -ENOENT when there is none.
 */
int dlock_cancel(struct dlock_dev *dev, uint64_t lock_id);

/* The current token, mode and value block of the granted lock_id. */
int dlock_lock_info(struct dlock_dev *dev, uint64_t lock_id,
		    struct dlock_grant *grant);

/*
 * The next event of the handle into *ev, waiting up to timeout_ms (-1:
 * forever, 0: not at all): -EAGAIN when none came.
 */
int dlock_read_event(struct dlock_dev *dev, struct dlock_event *ev,
		     int timeout_ms);

/*
 * A lock mode by name ("NL", "CR", "CW", "PR", "PW", "EX", any case), or
 * -EINVAL.
 */
int dlock_mode_parse(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* DLOCK_H */
