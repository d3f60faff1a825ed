/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env.h - the one seam between the portable protocol core and its host.
 *
 * Everything under kmod/core/ includes this header and nothing from
 * <linux/...>, so the same .c files build into dlock.ko and into the userspace
 * simulator.  The host supplies:
 *
 *   - scalar types (u8..u64, s32, s64, bool, size_t), memcpy/memset/memcmp,
 *     and the macros below, from its own header;
 *   - the functions declared here: clock, one timer per node, datagram send,
 *     allocation, randomness, logging, and RCU-style read-side helpers.
 *
 * Execution model, which both hosts guarantee: every entry point of one node
 * (message receive, timer expiry, a local request) is called serialized, in a
 * context that may allocate with the equivalent of GFP_KERNEL but must not
 * block on the network.  The core never sleeps and never calls back into the
 * host while the host is inside one of its own calls to the core, except
 * through the functions below.
 */
#ifndef DLOCK_CORE_ENV_H
#define DLOCK_CORE_ENV_H

#ifdef __KERNEL__
#include "../env_kernel.h"
#else
#include "env_user.h"
#endif

/*
 * A host context, one per node.  Opaque to the core: the core gets it when a
 * node is created and passes it back on every call below.
 */
struct dl_env;

/* Monotonic time in nanoseconds.  Never goes back; may drift between nodes. */
u64 dl_env_now_ns(struct dl_env *env);

/*
 * One wake-up per node.  The core keeps its own deadlines and asks the host
 * for a single call back at the earliest one; re-arming replaces the previous
 * deadline.  At expiry the host calls the node's timer entry point (declared
 * by the core's node API).  A deadline in the past fires as soon as possible.
 */
void dl_env_timer_arm(struct dl_env *env, u64 deadline_ns);
void dl_env_timer_cancel(struct dl_env *env);

/*
 * Best-effort datagram to another node of the cell, by node id.  The host
 * owns addressing, sealing (authentication/encryption) and the socket; the
 * buffer is only borrowed for the duration of the call.  Returns 0 or a
 * negative errno; a datagram may be lost, duplicated or reordered even when
 * 0 is returned.
 */
int dl_env_send(struct dl_env *env, u32 dst_node, const void *buf, size_t len);

/* Uniformly random 32 bits (not for keys). */
u32 dl_env_random(struct dl_env *env);

/* Zeroed allocation; NULL on failure, which the core always handles. */
void *dl_zalloc(size_t size);
void dl_free(const void *p);

/*
 * Typed objects: the core's objects that exist by the million (a held
 * lock's records) come from a type of one exact size, so that the kernel
 * host can give each type its own kmem_cache instead of rounding every
 * object up to the next kmalloc size (a 136-byte resource in kmalloc-192
 * wastes 56 bytes per held lock, in every replica).  A type is a static
 * variable of the core (DL_OBJTYPE), listed in objtypes.c; the host keeps
 * its cache in @host, created when the host loads and destroyed when it
 * unloads.
 * Objects of one type are freed to that type.  The userspace host has no
 * caches: dl_zalloc()/dl_free() of the type's size.
 */
struct dl_objtype {
	const char *name;	/* the cache's name (/proc/slabinfo) */
	u32 size;		/* bytes of every object of the type */
	void *host;		/* the host's cache */
};

#define DL_OBJTYPE(var, cache_name, bytes) \
	struct dl_objtype var = { .name = (cache_name), .size = (bytes) }

#ifdef __KERNEL__
void *dl_obj_zalloc(struct dl_objtype *type);
void dl_obj_free(struct dl_objtype *type, const void *p);
#else
static inline void *dl_obj_zalloc(struct dl_objtype *type)
{
	return dl_zalloc(type->size);
}

static inline void dl_obj_free(struct dl_objtype *type, const void *p)
{
	(void)type;
	dl_free(p);
}
#endif

/* Logging.  Levels follow the kernel's: 3 err, 4 warning, 6 info, 7 debug. */
#define DL_LOG_ERR	3
#define DL_LOG_WARN	4
#define DL_LOG_INFO	6
#define DL_LOG_DEBUG	7
void dl_env_log(struct dl_env *env, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * RCU-style read side, so that dumps and lookups from other contexts (netlink,
 * ioctl) can read tables the protocol work updates.  The host maps these to
 * the kernel's RCU or to liburcu:
 *
 *   dl_rcu_read_lock() / dl_rcu_read_unlock()
 *   dl_rcu_dereference(p)
 *   dl_rcu_assign_pointer(p, v)
 *   dl_synchronize_rcu()
 *   __dl_rcu, the annotation of a pointer read with dl_rcu_dereference()
 *     (sparse checks every access to it in the kernel build)
 *
 * They are defined as macros by the host header.
 */

/* Helpers every core file uses, defined here once. */
#define DL_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define dl_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define DL_MIN(a, b)		((a) < (b) ? (a) : (b))
#define DL_MAX(a, b)		((a) > (b) ? (a) : (b))

#endif /* DLOCK_CORE_ENV_H */
