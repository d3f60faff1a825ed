/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dlock.h - libdlock, the C library over the dlock kernel module.
 *
 * Two independent handles:
 *
 *   struct dlock_admin  the generic netlink family "dlock": configure this
 *                       network namespace's node and read its status.
 *   struct dlock_dev    an open /dev/dlock: the file that will own locks.
 *                       Lock calls (dlock_ls_open, dlock_lock, dlock_trylock,
 *                       dlock_convert, dlock_unlock, dlock_cancel and their
 *                       asynchronous forms, whose events are read from
 *                       dlock_fd()) will take this handle; none exists yet.
 *
 * Conventions, for every function here:
 *
 *   - Errors are returned as a negative errno (-EINVAL, -ENOENT, ...);
 *     dlock_strerror() turns one into a message.  0 (or a value >= 0 where
 *     documented) means success.
 *   - No global mutable state.  Handles are independent of one another, so
 *     threads may each use their own handle freely.  One handle must not be
 *     used by two threads at the same time without the caller's own locking.
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
#define DLOCK_CONF_NODE_ID	(1U << 0)
#define DLOCK_CONF_CELL_ID	(1U << 1)
#define DLOCK_CONF_ALL		(DLOCK_CONF_NODE_ID | DLOCK_CONF_CELL_ID)

/*
 * A change to a node's configuration: only the fields named in set are
 * sent, the others stay as they are in the kernel.  Later versions add
 * fields (listen address, key, algorithms) in the reserved space, each with
 * its own DLOCK_CONF_* bit, so a caller built against this version keeps
 * working unchanged.
 */
struct dlock_node_conf {
	uint32_t set;		/* DLOCK_CONF_* */
	uint32_t node_id;	/* non-zero */
	uint32_t cell_id;
	uint32_t reserved[13];	/* zero */
};

/*
 * Apply conf in one request: the kernel checks every value before it
 * changes any.  -EINVAL with bits outside DLOCK_CONF_ALL or non-zero
 * reserved fields; -EINVAL or -ERANGE when the kernel refuses a value
 * (dlock_admin_last_error() then says which and why).
 * Needs CAP_NET_ADMIN in the user namespace owning the network namespace
 * (-EPERM otherwise).
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
 * do not close it.  The asynchronous lock calls will deliver their events
 * through it, to be waited for with poll(); this version has none yet.
 */
int dlock_fd(const struct dlock_dev *dev);

/* DLOCK_IOC_VERSION: the module's ABI version, node id and state. */
int dlock_version(struct dlock_dev *dev, struct dlock_version *ver);

#ifdef __cplusplus
}
#endif

#endif /* DLOCK_H */
