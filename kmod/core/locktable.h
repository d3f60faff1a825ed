/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locktable.h - the lock table: the replicated state machine of the core.
 *
 * Every voter holds one struct dl_lt and feeds it the same commands in the
 * same order (Raft's apply); the table is deterministic, so every replica
 * reaches the same state and computes the same outputs.  Nothing in here
 * reads a clock or a random number: time-based behaviour (request timeouts,
 * lease expiry, lock-delay) happens by the node layer PROPOSING commands
 * (CANCEL, EXPIRE_NODE, ...) when its own timers fire.
 *
 * Model, as in DLM: a table holds lockspaces (by id, named); a lockspace holds
 * resources (binary names); a resource has a grant queue, a convert queue and
 * a wait queue of locks, a value block and a fencing token.  A lock belongs
 * to an owner (node, incarnation, owner id) and is named by a table-wide
 * lock id.
 *
 * Rules the table enforces:
 *  - Conversions are granted before new requests; any conversion compatible
 *    with every other granted mode is granted (in convert-queue order).  A
 *    down-conversion is always granted at once.
 *  - New requests are granted in FIFO order: a request is granted only when
 *    the convert queue is empty, it is compatible with every granted mode and
 *    no earlier request is still waiting (no starvation of an EX waiter by a
 *    stream of PR requests).
 *  - Conversion deadlock (converters each blocked by another converter's
 *    granted mode, in a cycle) is broken by failing the conversion queued
 *    last among the cycle with -EDEADLK; that lock keeps its granted mode.
 *  - NOQUEUE: a request that cannot be granted at once fails with -EAGAIN.
 *  - Fencing token: one table-wide sequence; EVERY grant (new lock, up- or
 *    down-conversion) takes the next value.  So the tokens of one resource
 *    strictly increase across grants, revocations, resource re-creation and
 *    leader changes (the sequence is replicated state), and a revoked holder's
 *    token is always below the next grant's.  EXPIRE_NODE and REVOKE_ALL also
 *    advance the sequence explicitly, so "advanced" is observable even when
 *    nothing is granted.
 *  - Value block (32 or 64 bytes, per lockspace): written from the command by
 *    UNLOCK or by a down-conversion from PW/EX when VALBLK is set; returned
 *    with every grant that set VALBLK.  Marked invalid when a PW/EX holder
 *    is revoked (EXPIRE_NODE, NODE_INCARNATION, REVOKE_ALL); the next write
 *    makes it valid again.  Like DLM, a resource (and its value block) is
 *    freed when its last lock goes; a new resource starts zeroed and valid.
 *  - Dedup: a request (LOCK, UNLOCK, CANCEL, LS_*) whose (owner, request
 *    id) the owner's dedup memory holds is not executed again; its
 *    recorded answer is emitted again (nothing if it is still waiting).
 *    Every such request carries a @floor: the lowest request id of its
 *    owner whose answer the owner's node has not received yet (a queued,
 *    acknowledged request counts as unanswered: its GRANTED may be lost
 *    and polled for).  The table keeps the highest floor seen per owner;
 *    a request below it is a duplicate of an answered one (retransmitted,
 *    or appended to the log twice) and is dropped without an answer.  A
 *    remembered request may be forgotten only once it is below the floor,
 *    so a duplicate is either remembered or dropped, never run twice: the
 *    memory starts at DL_LT_DEDUP_SLOTS and doubles when every slot is at
 *    or above the floor, up to DL_LT_DEDUP_MAX (what it needs is the count
 *    of requests since the owner's oldest unanswered one: a request long
 *    queued holds it open).  Only past that is the oldest answered
 *    request forgotten regardless, and dl_lt_stats.dedup_evictions counts
 *    it (growing that fails for memory fails the apply: see dl_lt_apply).
 *    Floor 0 means "unknown" (a proposer that does not track answers).
 *  - Every request gets exactly one answer (GRANTED, FAILED, UNLOCKED or
 *    LS_DONE), except the pending requests of an owner removed by
 *    RELEASE_OWNER, which is gone.  A revoked owner's pending requests fail
 *    with -ECONNRESET before its grants are REVOKED.
 *  - State is per owner until RELEASE_OWNER (or its node's EXPIRE_NODE /
 *    NODE_INCARNATION) forgets it: the node layer proposes RELEASE_OWNER
 *    when a file is closed or a kernel client goes away.  The table keeps
 *    the node's last DL_LT_RELEASED_SLOTS released owners with the request
 *    id of their release: a later-applied LOCK or LS_* of such an owner
 *    with a LOWER request id (a duplicate still in flight) fails with
 *    -ESTALE rather than bring the owner back.  This relies on request ids
 *    growing node-wide within one incarnation (a per-node counter); owner
 *    ids may then be reused (a new owner's requests are above the release).
 *  - A new NL request is granted at once even when others wait (DLM's
 *    EXPEDITE, by default): NL blocks nobody, so it overtakes nobody.
 *  - EXPIRE_NODE releases at once: the lock-delay (Chubby's grace before a
 *    dead holder's locks are given away) is the node layer's timer, which
 *    proposes EXPIRE_NODE lock-delay after the lease ran out.  After it the
 *    node must rejoin under a new incarnation (NODE_INCARNATION) whose
 *    floor makes any late request of the old one fail with -ESTALE.  In
 *    between, the table would still accept the old incarnation's requests:
 *    the leader's node layer does not propose requests from a node whose
 *    session it has expired.
 *  - Costs: lookups by lock id, resource and owner are O(1) (hash tables);
 *    a conversion deadlock search is O(converters^2) on that resource; a
 *    CANCEL by target_req walks the owner's locks; blocking notes walk the
 *    resource's holders, only when its queues or grants changed.
 *  - Not internally locked, not RCU: the caller serializes every call on
 *    one table, queries included.  Hash tables grow, never shrink.
 *  - A command that is invalid against the current state (unknown lockspace,
 *    lock id not owned by that owner, bad mode...) produces one FAILED output
 *    and changes nothing.
 */
#ifndef DLOCK_CORE_LOCKTABLE_H
#define DLOCK_CORE_LOCKTABLE_H

#include "env.h"
#include "lockmode.h"

#define DL_LT_NAME_MAX		64	/* lockspace and resource names, bytes */
#define DL_LT_LVB_MAX		64
#define DL_LT_LVB_MIN		32
#define DL_LT_ENTRY_MAX		1024	/* a Raft entry: one encoded batch */
#define DL_LT_DEDUP_SLOTS	16	/* remembered requests per owner, first */
#define DL_LT_DEDUP_MAX		1024	/* ... and at most, unless evicting */
#define DL_LT_RELEASED_SLOTS	16	/* remembered released owners per node */

/**
 * struct dl_lt_owner - who holds a lock.
 * @node: node id of the owner's node; outputs are delivered there.
 * @incarnation: that node's incarnation when the owner was created.
 * @id: owner id, unique among the live owners of (node, incarnation): an
 *	open file, a kernel client, or the node itself for cached grants.
 *	May be reused once RELEASE_OWNER forgot it (see the rules above).
 */
struct dl_lt_owner {
	u32 node;
	u64 incarnation;
	u64 id;
};

/*
 * Lockspace flags (LS_CREATE's @flags, dl_lt_ls_info, GRANTED outputs).
 * DL_LT_LS_CACHE: nodes may keep a grant of this lockspace cached after
 * their last local owner let go (the node-level grant cache, local.c);
 * the table itself treats such a lockspace like any other.
 */
#define DL_LT_LS_CACHE		0x1U
#define DL_LT_LS_FLAGS		DL_LT_LS_CACHE

/* Command types; the values are the wire encoding, never renumber. */
enum dl_lt_cmd_type {
	DL_LT_CMD_LS_CREATE = 1,	/* ls_name, lvb_len -> LS_DONE(ls_id) */
	DL_LT_CMD_LS_REMOVE = 2,	/* ls_id; -EBUSY while it has locks */
	DL_LT_CMD_LOCK = 3,		/* new lock or conversion */
	DL_LT_CMD_UNLOCK = 4,		/* lock_id [+ lvb with VALBLK] */
	DL_LT_CMD_CANCEL = 5,		/* a pending request: see target_req */
	DL_LT_CMD_RELEASE_OWNER = 6,	/* every lock of owner; forget it */
	DL_LT_CMD_EXPIRE_NODE = 7,	/* owner.node's lease expired */
	DL_LT_CMD_NODE_INCARNATION = 8,	/* owner.node rejoined as incarnation */
	DL_LT_CMD_REVOKE_ALL = 9,	/* cell re-formed */
	DL_LT_CMD_MAX = DL_LT_CMD_REVOKE_ALL,
};

/**
 * struct dl_lt_cmd - one lock-table command, decoded.
 * @type: enum dl_lt_cmd_type.
 * @mode: LOCK: requested mode.
 * @flags: LOCK: DL_LKF_*; UNLOCK: 0 or DL_LKF_VALBLK; LS_CREATE: DL_LT_LS_*.
 * @ls_id: lockspace, for LS_REMOVE, LOCK.  Unused (0) otherwise.
 * @owner: the requester for LS_*, LOCK, UNLOCK, CANCEL, RELEASE_OWNER.
 *	EXPIRE_NODE uses owner.node only; NODE_INCARNATION uses owner.node and
 *	owner.incarnation (the new one: everything older is released).
 *	REVOKE_ALL uses none (encoded as zero).
 * @req_id: request id, unique per owner, chosen by the owner's node; the
 *	answer carries it back, and dedup is keyed on it.
 * @floor: LS_*, LOCK, UNLOCK, CANCEL: the lowest request id of @owner
 *	still unanswered at its node (<= @req_id), or 0 if unknown; see the
 *	dedup rule above.  Otherwise 0.
 * @lock_id: LOCK|CONVERT, UNLOCK: the lock.  CANCEL: the lock whose
 *	pending request (waiting new lock or conversion) to cancel, or 0 to
 *	name it by @target_req instead.  Otherwise 0.
 * @target_req: CANCEL with @lock_id 0: the request id of the pending LOCK
 *	to cancel (the owner's node may not know the lock id of a request that
 *	is still waiting).  Otherwise 0.  Exactly one of the two is non-zero.
 * @name_len: LS_CREATE: length of @name (1..64), the lockspace name.
 *	LOCK without CONVERT: length of @name (1..64), the resource name.
 * @lvb_len: LS_CREATE: 32 or 64, the lockspace's value block size.
 *	LOCK|CONVERT|VALBLK and UNLOCK|VALBLK: 0 (nothing to write) or the
 *	lockspace's size, with @lvb the value to write (used only when the
 *	lock is released or down-converted from PW/EX).
 * @name: see @name_len.
 * @lvb: see @lvb_len.
 *
 * Fields a type does not use must be zero: the decoder enforces it, so that
 * one command has one encoding.
 */
struct dl_lt_cmd {
	u8 type;
	u8 mode;
	u8 flags;
	u8 name_len;
	u8 lvb_len;
	u32 ls_id;
	struct dl_lt_owner owner;
	u64 req_id;
	u64 floor;
	u64 lock_id;
	u64 target_req;
	u8 name[DL_LT_NAME_MAX];
	u8 lvb[DL_LT_LVB_MAX];
};

/* Whether commands of @type carry a floor (see struct dl_lt_cmd). */
static inline bool dl_lt_cmd_has_floor(u8 type)
{
	return type == DL_LT_CMD_LS_CREATE || type == DL_LT_CMD_LS_REMOVE ||
	       type == DL_LT_CMD_LOCK || type == DL_LT_CMD_UNLOCK ||
	       type == DL_LT_CMD_CANCEL;
}

/**
 * dl_lt_cmd_check() - validate a command's fields (not against any state).
 * @cmd: the command.
 *
 * Returns 0 or -EINVAL: unknown type, bad mode or flags, bad lengths, a field
 * the type does not use that is not zero.
 */
int dl_lt_cmd_check(const struct dl_lt_cmd *cmd);

/**
 * dl_lt_cmd_size() - bytes dl_lt_cmd_encode() needs for @cmd.
 * @cmd: a command that passes dl_lt_cmd_check().
 */
size_t dl_lt_cmd_size(const struct dl_lt_cmd *cmd);

/**
 * dl_lt_cmd_encode() - encode one command, compact little-endian.
 * @cmd: the command; checked with dl_lt_cmd_check() first.
 * @buf: output.
 * @len: room in @buf.
 *
 * Returns the number of bytes written, -EINVAL for a bad command or
 * -ENOSPC if @len is too small (nothing useful is written then).
 */
int dl_lt_cmd_encode(const struct dl_lt_cmd *cmd, u8 *buf, size_t len);

/**
 * dl_lt_cmd_decode() - decode one command from the front of @buf.
 * @buf: input.
 * @len: bytes in @buf.
 * @cmd: output; zeroed first, undefined content on error.
 *
 * Returns bytes consumed (> 0) or -EINVAL for truncated, oversized, unknown
 * or inconsistent input.  Never reads beyond @buf + @len.
 */
int dl_lt_cmd_decode(const u8 *buf, size_t len, struct dl_lt_cmd *cmd);

/**
 * struct dl_lt_batch - builds one Raft entry of several commands.
 * @buf: the entry under construction.
 * @len: bytes used.
 * @count: commands in it.
 */
struct dl_lt_batch {
	u8 buf[DL_LT_ENTRY_MAX];
	size_t len;
	u32 count;
};

#define DL_LT_BATCH_MAX_CMDS	255
#define DL_LT_BATCH_HDR		2	/* version byte, command count */

/** dl_lt_batch_init() - start an empty batch. @b: the batch. */
void dl_lt_batch_init(struct dl_lt_batch *b);

/**
 * dl_lt_batch_add() - append one command to a batch.
 * @b: the batch.
 * @cmd: the command.
 *
 * Returns 0, -EINVAL for a bad command, or -ENOSPC when the entry would
 * exceed DL_LT_ENTRY_MAX bytes or DL_LT_BATCH_MAX_CMDS commands (the batch
 * is unchanged: propose it and start another).
 */
int dl_lt_batch_add(struct dl_lt_batch *b, const struct dl_lt_cmd *cmd);

/**
 * dl_lt_batch_decode() - decode a whole entry.
 * @buf: the entry (as given to Raft's apply).
 * @len: its length.
 * @cmds: output array, or NULL to only validate the entry.
 * @max: room in @cmds.
 *
 * All or nothing: returns the number of commands (>= 1) or -EINVAL if the
 * entry is malformed in any way (bad header, count mismatch, any bad
 * command, trailing bytes, more than @max commands).
 */
int dl_lt_batch_decode(const u8 *buf, size_t len, struct dl_lt_cmd *cmds,
		       u32 max);

/* Output types. */
enum dl_lt_out_type {
	DL_LT_OUT_GRANTED = 1,	/* a lock or conversion was granted */
	DL_LT_OUT_FAILED = 2,	/* a request failed: err */
	DL_LT_OUT_UNLOCKED = 3,	/* an UNLOCK/CANCEL/RELEASE_OWNER completed */
	DL_LT_OUT_BLOCKING = 4,	/* the holder blocks a waiter wanting mode */
	DL_LT_OUT_REVOKED = 5,	/* a lock was taken away (lease, re-form) */
	DL_LT_OUT_LS_DONE = 6,	/* LS_CREATE/LS_REMOVE completed: ls_id */
};

/**
 * struct dl_lt_out - one output of dl_lt_apply().
 * @type: enum dl_lt_out_type.
 * @mode: GRANTED: the granted mode.  BLOCKING: the mode a waiter wants.
 *	REVOKED: the mode that was held.
 * @lvb_valid: GRANTED with VALBLK: false if the value block was invalidated
 *	by a revoked writer and not written since.
 * @lvb_len: GRANTED with VALBLK: the lockspace's size; else 0.
 * @err: FAILED: negative errno (-EAGAIN, -EDEADLK, -ECANCELED, -ENOENT,
 *	-EINVAL, -EEXIST, -EBUSY, -ENOSPC, -ESTALE, -ECONNRESET: a waiting
 *	request of a revoked owner).  Otherwise 0.
 * @ls_id: the lockspace concerned (0 if none).
 * @ls_flags: GRANTED: the lockspace's DL_LT_LS_* flags.
 * @owner: to whom the output is addressed; owner.node is where the node
 *	layer delivers it.
 * @req_id: GRANTED/FAILED/UNLOCKED/LS_DONE: the request answered.
 *	BLOCKING/REVOKED: 0.
 * @lock_id: the lock concerned (0 for FAILED of a new request never queued,
 *	RELEASE_OWNER's UNLOCKED and LS_DONE).
 * @token: GRANTED/REVOKED: the fencing token of that grant.
 * @lvb: GRANTED with VALBLK: the value block; valid during the callback only.
 */
struct dl_lt_out {
	u8 type;
	u8 mode;
	bool lvb_valid;
	u8 lvb_len;
	s32 err;
	u32 ls_id;
	u8 ls_flags;
	struct dl_lt_owner owner;
	u64 req_id;
	u64 lock_id;
	u64 token;
	const u8 *lvb;
};

/*
 * Output callback.  Called synchronously from dl_lt_apply(), in an order that
 * is the same on every replica.  Must not call back into the table.
 */
typedef void (*dl_lt_out_fn)(void *ctx, const struct dl_lt_out *out);

struct dl_lt;

/** dl_lt_create() - an empty table; NULL on allocation failure. */
struct dl_lt *dl_lt_create(void);

/** dl_lt_destroy() - free a table and everything in it. @lt: may be NULL. */
void dl_lt_destroy(struct dl_lt *lt);

/**
 * dl_lt_apply() - apply one command.
 * @lt: the table.
 * @cmd: the command (already decoded; checked again here).
 * @out: output callback (may be NULL to discard outputs).
 * @ctx: passed to @out.
 *
 * Returns 0 when the command was applied, including when it was rejected
 * against the state with a FAILED output (-ENOENT, -EBUSY, -ESTALE for an
 * owner of an incarnation its node has left...).  Returns -EINVAL, with
 * nothing changed, if dl_lt_cmd_check() fails (a FAILED -EINVAL output is
 * sent to the owner when the command type has one).
 *
 * Returns -ENOMEM if an allocation failed: the command is atomic with
 * respect to memory (it allocates everything it needs before it changes
 * anything), so the table is exactly as before the call and nothing was
 * output.  A local shortage is no answer another replica would give, so
 * the caller must not go on to the next command: it applies this one
 * again later (the node layer's apply retry), and the replica reaches the
 * same state as the others, only later.
 */
int dl_lt_apply(struct dl_lt *lt, const struct dl_lt_cmd *cmd,
		dl_lt_out_fn out, void *ctx);

/**
 * dl_lt_apply_entry() - decode a Raft entry and apply its commands in order.
 * @lt: the table.
 * @data: the entry.
 * @len: its length.
 * @out: output callback.
 * @ctx: passed to @out.
 *
 * A malformed entry is rejected as a whole with -EINVAL before anything is
 * applied.  Otherwise returns 0, or -ENOMEM when a command failed for
 * memory: the commands before it are applied, it and those after it are
 * not (see dl_lt_apply()).
 */
int dl_lt_apply_entry(struct dl_lt *lt, const void *data, size_t len,
		      dl_lt_out_fn out, void *ctx);

/* ---- queries, for dumps and for the node layer ---- */

/**
 * struct dl_lt_ls_info - one lockspace, as dumped.
 * @ls_id: its id (assigned by LS_CREATE, from 1, never reused).
 * @name_len: bytes in @name.
 * @lvb_len: 32 or 64.
 * @flags: DL_LT_LS_* given at creation.
 * @name: its name.
 * @resources: resources with at least one lock.
 * @locks: locks (granted, converting or waiting).
 */
struct dl_lt_ls_info {
	u32 ls_id;
	u8 name_len;
	u8 lvb_len;
	u8 flags;
	u8 name[DL_LT_NAME_MAX];
	u32 resources;
	u64 locks;
};

/**
 * dl_lt_ls_find() - look a lockspace up by name.
 * @lt: the table.
 * @name: its name.
 * @name_len: 1..64.
 * @info: filled when found (may be NULL).
 *
 * Returns its id, or 0 if there is none.
 */
u32 dl_lt_ls_find(const struct dl_lt *lt, const u8 *name, size_t name_len,
		  struct dl_lt_ls_info *info);

/**
 * dl_lt_ls_get() - a lockspace by id.
 * @lt: the table.
 * @ls_id: the id.
 * @info: filled.
 *
 * Returns 0 or -ENOENT.
 */
int dl_lt_ls_get(const struct dl_lt *lt, u32 ls_id, struct dl_lt_ls_info *info);

/**
 * dl_lt_walk_ls() - visit lockspaces in creation order.
 * @lt: the table.
 * @skip: number of lockspaces to skip first (resuming a netlink dump).
 * @fn: called per lockspace; a non-zero return stops the walk.
 * @ctx: passed to @fn.
 *
 * Returns the number of lockspaces passed to @fn that returned 0.
 */
typedef int (*dl_lt_ls_fn)(void *ctx, const struct dl_lt_ls_info *ls);
u64 dl_lt_walk_ls(const struct dl_lt *lt, u64 skip, dl_lt_ls_fn fn,
		  void *ctx);

/**
 * struct dl_lt_lock_info - one lock, as dumped.
 * @ls_id: its lockspace.
 * @res_len: bytes in @res.
 * @res: the resource name; valid during the callback only.
 * @lock_id: the lock.
 * @owner: its owner.
 * @mode: granted mode, DL_MODE_NONE for a waiting new request.
 * @req_mode: requested mode while converting or waiting, else DL_MODE_NONE.
 * @waiting: on the convert or wait queue.
 * @token: fencing token of the current grant (0 if never granted).
 */
struct dl_lt_lock_info {
	u32 ls_id;
	u8 res_len;
	const u8 *res;
	u64 lock_id;
	struct dl_lt_owner owner;
	u8 mode;
	u8 req_mode;
	bool waiting;
	u64 token;
};

/**
 * dl_lt_walk_locks() - visit the locks of a lockspace.
 * @lt: the table.
 * @ls_id: the lockspace.
 * @skip: number of locks to skip first (resuming a netlink dump).
 * @fn: called per lock; a non-zero return stops the walk.
 * @ctx: passed to @fn.
 *
 * Order: resources in creation order; per resource its grant queue, then its
 * convert queue, then its wait queue.  Returns the number of locks passed to
 * @fn that returned 0, or 0 for an unknown lockspace.
 */
typedef int (*dl_lt_lock_fn)(void *ctx, const struct dl_lt_lock_info *lk);
u64 dl_lt_walk_locks(const struct dl_lt *lt, u32 ls_id, u64 skip,
		     dl_lt_lock_fn fn, void *ctx);

/**
 * dl_lt_lock_get() - one lock by id.
 * @lt: the table.
 * @lock_id: the lock.
 * @info: filled (info->res valid until the table next changes).
 * @lvb: if not NULL, receives the resource's value block (DL_LT_LVB_MAX).
 * @lvb_valid: if not NULL, receives its validity.
 *
 * Returns 0 or -ENOENT.
 */
int dl_lt_lock_get(const struct dl_lt *lt, u64 lock_id,
		   struct dl_lt_lock_info *info, u8 *lvb, bool *lvb_valid);

/**
 * struct dl_lt_stats - table-wide counts.
 * @lockspaces: lockspaces.
 * @resources: resources with at least one lock.
 * @locks: all locks.
 * @granted: locks holding a granted mode (converting ones included).
 * @waiting: locks on a convert or wait queue.
 * @owners: owners with state (locks or dedup memory).
 * @next_lock_id: the id the next new lock gets.
 * @token_seq: the last fencing token handed out.
 * @applied: commands applied since creation (or since the snapshot base).
 */
struct dl_lt_stats {
	u32 lockspaces;
	u64 resources;
	u64 locks;
	u64 granted;
	u64 waiting;
	u64 owners;
	u64 next_lock_id;
	u64 token_seq;
	u64 applied;
	u64 dedup_evictions;	/* unanswered requests forgotten, see dedup */
};

/** dl_lt_get_stats() - fill @st from @lt. */
void dl_lt_get_stats(const struct dl_lt *lt, struct dl_lt_stats *st);

/**
 * dl_lt_mem_bytes() - memory the table holds, by sizeof-based accounting.
 * @lt: the table.
 *
 * Sum of every allocation's requested size (structs, names, value blocks,
 * hash bucket arrays); allocator overhead not included.
 */
size_t dl_lt_mem_bytes(const struct dl_lt *lt);

/**
 * dl_lt_check() - verify the table's internal invariants.
 * @lt: the table.
 *
 * For the simulator and tests, after every command: per resource the
 * granted modes are pairwise compatible and match the per-mode counts,
 * every lock sits on the queue its modes say, nothing grantable is left
 * waiting (a conversion compatible with the other grants; a wait-queue
 * head with no conversion pending and compatible with the grants), no two
 * converters block each other, tokens are non-zero and at most the sequence,
 * every owner's locks are in ascending id order, every object is found
 * through its hash table, and the counters agree with a full walk.
 * O(size of the table).  Returns 0 or -EUCLEAN.
 */
int dl_lt_check(const struct dl_lt *lt);

/* ---- snapshot ---- */

/*
 * Snapshot sink: receives the serialized table in pieces.  Returns 0 or a
 * negative errno, which aborts the save and is returned by it.
 */
typedef int (*dl_lt_chunk_fn)(void *ctx, const void *buf, size_t len);

/**
 * dl_lt_snapshot_save() - serialize the whole table.
 * @lt: the table.
 * @fn: receives the bytes, in order, in pieces of at most 4096 bytes.
 * @ctx: passed to @fn.
 *
 * The byte stream is a function of the table's state only: two tables in
 * the same state serialize to the same bytes.  Returns 0 or @fn's error.
 */
int dl_lt_snapshot_save(const struct dl_lt *lt, dl_lt_chunk_fn fn, void *ctx);

struct dl_lt_loader;

/** dl_lt_load_begin() - start loading a snapshot; NULL on -ENOMEM. */
struct dl_lt_loader *dl_lt_load_begin(void);

/**
 * dl_lt_load_chunk() - feed the next piece of a snapshot.
 * @ld: the loader.
 * @buf: bytes, cut anywhere.
 * @len: how many.
 *
 * Returns 0, -EINVAL for a malformed snapshot or -ENOMEM.  After an error
 * every further call fails; call dl_lt_load_end() to free.
 */
int dl_lt_load_chunk(struct dl_lt_loader *ld, const void *buf, size_t len);

/**
 * dl_lt_load_end() - finish loading.
 * @ld: the loader; freed.
 * @out: receives the new table on success (NULL otherwise).
 *
 * Returns 0, or -EINVAL if the snapshot was malformed or incomplete, or the
 * first error of dl_lt_load_chunk().
 */
int dl_lt_load_end(struct dl_lt_loader *ld, struct dl_lt **out);

#endif /* DLOCK_CORE_LOCKTABLE_H */
