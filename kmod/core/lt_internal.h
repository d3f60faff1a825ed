/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lt_internal.h - the lock table's data structures, shared by its files
 * (locktable.c: the state machine, lt_obj.c: its objects, lt_hash.c: hash
 * tables, lt_cmd.c: command codec, lt_query.c: read-only views,
 * lt_snapshot.c: snapshot).  Not for users of the table.
 *
 * Memory layout is chosen for the "1,000,000 held locks" target: a held
 * lock nobody else wants is one object of 168 bytes on x86-64 (resource,
 * lock and a name of up to 8 bytes, from a cache of that exact size), the
 * hash tables add about 8 more, a value block is only allocated once
 * something is written to it (until then it reads as zeros), and the
 * queues and counts only a shared resource needs are in struct lt_cont,
 * allocated when a resource gets its second lock.
 */
#ifndef DLOCK_CORE_LT_INTERNAL_H
#define DLOCK_CORE_LT_INTERNAL_H

#include "env.h"
#include "list.h"
#include "lockmode.h"
#include "locktable.h"

/* ---- little-endian helpers (byte by byte: no alignment assumptions) ---- */

static inline void lt_put8(u8 **p, u8 v)
{
	*(*p)++ = v;
}

static inline void lt_put16(u8 **p, u16 v)
{
	lt_put8(p, v & 0xff);
	lt_put8(p, v >> 8);
}

static inline void lt_put32(u8 **p, u32 v)
{
	lt_put16(p, v & 0xffff);
	lt_put16(p, v >> 16);
}

static inline void lt_put64(u8 **p, u64 v)
{
	lt_put32(p, (u32)v);
	lt_put32(p, (u32)(v >> 32));
}

static inline void lt_putmem(u8 **p, const void *src, size_t len)
{
	memcpy(*p, src, len);
	*p += len;
}

/*
 * A bounds-checked reader: every get fails (and latches the failure) rather
 * than read past the end, so a decoder checks rd.err once at the end.
 */
struct lt_reader {
	const u8 *p;
	size_t left;
	bool err;
};

static inline bool lt_need(struct lt_reader *rd, size_t n)
{
	if (rd->err || rd->left < n) {
		rd->err = true;
		return false;
	}
	return true;
}

static inline u8 lt_get8(struct lt_reader *rd)
{
	u8 v;

	if (!lt_need(rd, 1))
		return 0;
	v = rd->p[0];
	rd->p++;
	rd->left--;
	return v;
}

static inline u16 lt_get16(struct lt_reader *rd)
{
	u16 lo = lt_get8(rd);

	return lo | (u16)lt_get8(rd) << 8;
}

static inline u32 lt_get32(struct lt_reader *rd)
{
	u32 lo = lt_get16(rd);

	return lo | (u32)lt_get16(rd) << 16;
}

static inline u64 lt_get64(struct lt_reader *rd)
{
	u64 lo = lt_get32(rd);

	return lo | (u64)lt_get32(rd) << 32;
}

static inline void lt_getmem(struct lt_reader *rd, void *dst, size_t len)
{
	if (!lt_need(rd, len))
		return;
	memcpy(dst, rd->p, len);
	rd->p += len;
	rd->left -= len;
}

/* ---- hash tables (lt_hash.c) ---- */

struct lt_hnode {
	struct lt_hnode *next;
};

/*
 * Chained hash table of intrusive nodes, power-of-two buckets, doubled when
 * the load reaches LT_HTAB_GROW_LOAD and halved when it falls below
 * 1 / LT_HTAB_SHRINK_DIV (lt_hash.c).  Lookups walk one bucket; the caller
 * compares keys.  Iteration order of buckets is never used for anything
 * replicated.
 */
struct lt_htab {
	struct lt_hnode **buckets;
	u32 nbuckets;
	u64 count;
	/* the key hash of a node, for rehashing on resize */
	u64 (*hash_of)(const struct lt_hnode *n);
	/* the table's memory account (dl_lt.mem), for resizes */
	size_t *mem;
};

int lt_htab_init(struct lt_htab *h, u64 (*hash_of)(const struct lt_hnode *n),
		 size_t *mem);
void lt_htab_free(struct lt_htab *h, size_t *mem);
/* Insert; grows the table when it can (a failed grow only costs speed). */
void lt_htab_add(struct lt_htab *h, struct lt_hnode *n, u64 hash);
void lt_htab_del(struct lt_htab *h, struct lt_hnode *n, u64 hash);

static inline struct lt_hnode *lt_htab_bucket(const struct lt_htab *h,
					      u64 hash)
{
	return h->buckets[hash & (h->nbuckets - 1)];
}

u64 lt_hash_bytes(u64 seed, const u8 *p, size_t len);
u64 lt_hash_u64(u64 v);

/* ---- table objects ---- */

/* What a remembered request ended in (struct lt_dedup.kind). */
enum lt_dedup_kind {
	LT_DD_EMPTY = 0,
	LT_DD_PENDING = 1,	/* queued: the answer comes later */
	LT_DD_GRANTED = 2,
	LT_DD_FAILED = 3,
	LT_DD_UNLOCKED = 4,
	LT_DD_LS_DONE = 5,
	LT_DD_KIND_MAX = LT_DD_LS_DONE,
};

struct lt_dedup {
	u64 req_id;
	u64 lock_id;
	u64 token;
	s32 err;
	u32 ls_id;
	u8 kind;
	u8 mode;
	u8 flags;	/* DL_LKF_VALBLK: re-send the value block */
};

struct lt_owner {
	struct lt_hnode hnode;		/* lt->owner_hash */
	struct dl_list lt_node;		/* lt->owners, creation order */
	struct dl_list locks;		/* its locks, ascending lock id */
	struct dl_lt_owner key;
	u64 nlocks;
	u64 floor;			/* highest dl_lt_cmd.floor seen */
	u64 dd_top;			/* >= every req_id in @dedup */
	u32 dd_cap;			/* slots in @dedup, a power of 2 */
	struct lt_dedup *dedup;		/* remembered requests, any order */
};

/* An owner that RELEASE_OWNER has forgotten, and that command's req_id. */
struct lt_tombstone {
	u64 incarnation;
	u64 id;
	u64 req_id;
};

/*
 * What the table remembers of a node, apart from its owners: its lowest
 * live incarnation (set by NODE_INCARNATION; owners of older ones are
 * stale) and its last released owners, so that a LOCK of a released owner
 * arriving late (duplicated or reordered on the way to the leader) cannot
 * bring the owner back with a lock nobody will ever unlock.  Request ids
 * grow node-wide, so "late" means a request id below the release's; a
 * higher one is the owner id reused by a new owner, which is fine.
 */
struct lt_node_floor {
	struct lt_hnode hnode;		/* lt->node_hash */
	struct dl_list lt_node;		/* lt->nodes, creation order */
	u32 node;
	u64 incarnation;		/* 0: no floor yet */
	u8 nreleased;			/* valid entries in released[] */
	u8 released_next;		/* ring cursor */
	struct lt_tombstone released[DL_LT_RELEASED_SLOTS];
};

struct lt_ls {
	struct dl_list lt_node;		/* lt->lockspaces, creation order */
	struct dl_list resources;	/* creation order */
	u32 id;
	u8 name_len;
	u8 lvb_len;
	u8 flags;			/* DL_LT_LS_* */
	u8 name[DL_LT_NAME_MAX];
	u32 nres;
	u64 nlocks;
};

/*
 * A lock: its place on a resource's queue, in its owner's list and in the
 * lock id hash.  Its resource is not stored here: see lt_lock_res().
 */
struct lt_lock {
	struct lt_hnode hnode;		/* lt->lock_hash, key id */
	struct dl_list res_node;	/* one of res's three queues */
	struct dl_list owner_node;	/* owner->locks */
	struct lt_owner *owner;
	u64 id;
	u64 token;			/* of the current grant; 0 if none */
	u64 req_id;			/* pending request (or the last one) */
	u8 gr_mode;			/* DL_MODE_NONE while a new request */
	u8 rq_mode;			/* DL_MODE_NONE unless waiting */
	u8 queue;			/* enum lt_queue */
	u8 flags;			/* DL_LKF_* of the pending request */
	u8 bast_sent;			/* modes already sent in BLOCKING */
	u8 mark;			/* scratch for deadlock search */
	bool in_slot;			/* it is its resource's @slot */
};

/*
 * A lock beyond its resource's first: allocated on its own (lt_lock_type),
 * with the pointer to its resource that the slot lock does without.
 */
struct lt_lock_ext {
	struct lt_lock lk;
	struct lt_res *res;
};

/*
 * What only a resource with more than one lock needs: the queues of
 * pending requests and the per-mode grant counts.  A resource without one
 * (res->cont == NULL) has at most one lock, and that lock is granted or
 * about to be (a lone request is always grantable): its queues read as
 * empty and its counts are the mode of the one lock on @grantq, if any
 * (lt_res_gcount()).  Allocated by lt_lock_new() for a resource that
 * already has a lock (and by the snapshot loader for a lone pending lock),
 * freed when the resource is back to at most one granted lock.
 */
struct lt_cont {
	struct dl_list convertq;	/* granted, converting: FIFO */
	struct dl_list waitq;		/* new requests: FIFO */
	u32 gcount[DL_MODE_COUNT];	/* granted locks per granted mode */
};

/*
 * A resource exists only while it has a lock, and most resources have
 * exactly one (a lock nobody else wants): so a resource carries one lock
 * in @slot, and a held lock on an uncontended resource is ONE allocation
 * of resource, lock and name (lt_res_type[], by name length), with no
 * pointer from the lock back to the resource.  Further locks on the same
 * resource are struct lt_lock_ext.
 */
struct lt_res {
	struct lt_hnode hnode;		/* lt->res_hash, key (ls id, name) */
	struct dl_list ls_node;		/* ls->resources */
	struct lt_ls *ls;
	struct dl_list grantq;		/* granted, not converting */
	struct lt_cont *cont;		/* NULL: at most one lock, see above */
	u8 *lvb;			/* NULL: all zeros */
	struct lt_res *dirty_next;	/* lt->dirty list, see lt_settle() */
	bool lvb_invalid;
	bool dirty;
	bool recheck_blocking;		/* queues changed: see lt_res_process */
	bool slot_used;			/* @slot is a live lock */
	u8 name_len;			/* here, in @slot's alignment gap */
	struct lt_lock slot;		/* the first lock, see above */
	u8 name[];
};

enum lt_queue {
	LT_Q_GRANT = 0,
	LT_Q_CONVERT = 1,
	LT_Q_WAIT = 2,
	LT_Q_MAX = LT_Q_WAIT,
};

struct dl_lt {
	struct dl_list lockspaces;
	struct dl_list owners;
	struct dl_list nodes;
	struct lt_htab res_hash;
	struct lt_htab lock_hash;
	struct lt_htab owner_hash;
	struct lt_htab node_hash;
	struct lt_res *dirty_head, *dirty_tail;
	u32 next_ls_id;
	u32 nls;
	u64 next_lock_id;
	u64 token_seq;
	u64 applied;
	u64 nres;
	u64 nlocks;
	u64 ngranted;
	u64 nwaiting;
	u64 nowners;
	u64 dedup_evictions;		/* dl_lt_stats.dedup_evictions */
	size_t mem;			/* dl_lt_mem_bytes() */
};

/* ---- locktable.c, for the snapshot loader ---- */

int lt_dd_grow(struct dl_lt *lt, struct lt_owner *o);

/* ---- lt_obj.c, for the state machine, queries and snapshot ---- */

void *lt_alloc(struct dl_lt *lt, size_t size);
void lt_free(struct dl_lt *lt, const void *p, size_t size);

u64 lt_res_hash(u32 ls_id, const u8 *name, size_t len);
u64 lt_owner_hash(const struct dl_lt_owner *o);

struct lt_ls *lt_ls_by_id(const struct dl_lt *lt, u32 id);
struct lt_ls *lt_ls_by_name(const struct dl_lt *lt, const u8 *name,
			    size_t len);
struct lt_ls *lt_ls_new(struct dl_lt *lt, u32 id, const u8 *name, u8 name_len,
			u8 lvb_len);
struct lt_res *lt_res_find(const struct dl_lt *lt, u32 ls_id, const u8 *name,
			   size_t len);
/* Allocate and hash a resource (and its value block if want_lvb). */
struct lt_res *lt_res_new(struct dl_lt *lt, struct lt_ls *ls, const u8 *name,
			  u8 len, bool want_lvb);
struct lt_owner *lt_owner_find(const struct dl_lt *lt,
			       const struct dl_lt_owner *key);
struct lt_owner *lt_owner_new(struct dl_lt *lt, const struct dl_lt_owner *key);
struct lt_node_floor *lt_floor_find(const struct dl_lt *lt, u32 node);
struct lt_node_floor *lt_floor_new(struct dl_lt *lt, u32 node, u64 inc);
struct lt_lock *lt_lock_find(const struct dl_lt *lt, u64 id);
/* Allocate a lock and link it to owner and res (queue per its fields). */
struct lt_lock *lt_lock_new(struct dl_lt *lt, struct lt_owner *o,
			    struct lt_res *res, u64 id);
/* Undo lt_lock_new() of a lock not queued yet (an allocation failed). */
void lt_lock_unnew(struct dl_lt *lt, struct lt_lock *lk);
void lt_lock_enqueue(struct dl_lt *lt, struct lt_lock *lk, u8 queue);
void lt_lock_dequeue(struct dl_lt *lt, struct lt_lock *lk);
/* Unlink and free a lock; its resource is marked for lt_settle(). */
void lt_lock_release(struct dl_lt *lt, struct lt_lock *lk);
void lt_owner_sort_locks(struct lt_owner *o);
void lt_owner_free(struct dl_lt *lt, struct lt_owner *o);
void lt_ls_free(struct dl_lt *lt, struct lt_ls *ls);
bool lt_res_empty(const struct lt_res *r);
void lt_res_free(struct dl_lt *lt, struct lt_res *r);
/* Give the value block storage (it reads as zeros until then). */
int lt_res_lvb_alloc(struct dl_lt *lt, struct lt_res *r);
/* Queue @r for processing at the end of the command (lt_settle()). */
void lt_mark_dirty(struct dl_lt *lt, struct lt_res *r);

/* Make sure @r has its contention record, before anything changes. */
int lt_res_cont_alloc(struct dl_lt *lt, struct lt_res *r);
/* Free it if @r is back to at most one lock, granted. */
void lt_res_cont_trim(struct dl_lt *lt, struct lt_res *r);

/* A queue of @res; NULL for a pending queue of a resource without one. */
static inline struct dl_list *lt_res_queue(struct lt_res *res, u8 queue)
{
	if (queue == LT_Q_GRANT)
		return &res->grantq;
	if (!res->cont)
		return NULL;
	if (queue == LT_Q_CONVERT)
		return &res->cont->convertq;
	return &res->cont->waitq;
}

static inline bool lt_res_queue_empty(const struct lt_res *res, u8 queue)
{
	const struct dl_list *q = lt_res_queue((struct lt_res *)res, queue);

	return !q || dl_list_empty(q);
}

/* Granted locks of @res in mode @m (valid). */
static inline u32 lt_res_gcount(const struct lt_res *res, u8 m)
{
	const struct lt_lock *lk;

	if (res->cont)
		return res->cont->gcount[m];
	if (dl_list_empty(&res->grantq))
		return 0;
	lk = dl_list_first_entry(&res->grantq, struct lt_lock, res_node);
	return lk->gr_mode == m;
}

/* The resource a lock is on. */
static inline struct lt_res *lt_lock_res(const struct lt_lock *lk)
{
	if (lk->in_slot)
		return dl_container_of(lk, struct lt_res, slot);
	return dl_container_of(lk, struct lt_lock_ext, lk)->res;
}

#endif /* DLOCK_CORE_LT_INTERNAL_H */
