/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - dlock tracepoints: leader changes, grants, releases,
 * revocations and datagram drops, under events/dlock/ in tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dlock

#if !defined(DLOCK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define DLOCK_TRACE_H

#include <linux/tracepoint.h>

/* A node saw a new leader (0: none known) or changed its own state. */
TRACE_EVENT(dlock_leader,
	TP_PROTO(u32 node, u32 leader, u64 term, u32 state),
	TP_ARGS(node, leader, term, state),
	TP_STRUCT__entry(
		__field(u32, node)
		__field(u32, leader)
		__field(u64, term)
		__field(u32, state)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->leader = leader;
		__entry->term = term;
		__entry->state = state;
	),
	TP_printk("node=%u leader=%u term=%llu state=%u", __entry->node,
		  __entry->leader, __entry->term, __entry->state)
);

/* A local owner was granted a lock. */
TRACE_EVENT(dlock_grant,
	TP_PROTO(u32 node, u64 owner, u64 lock_id, u32 mode, u64 token),
	TP_ARGS(node, owner, lock_id, mode, token),
	TP_STRUCT__entry(
		__field(u32, node)
		__field(u32, mode)
		__field(u64, owner)
		__field(u64, lock_id)
		__field(u64, token)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->mode = mode;
		__entry->owner = owner;
		__entry->lock_id = lock_id;
		__entry->token = token;
	),
	TP_printk("node=%u owner=%llu lock=%llu mode=%u token=%llu",
		  __entry->node, __entry->owner, __entry->lock_id,
		  __entry->mode, __entry->token)
);

/* A local owner's unlock or cancel completed. */
TRACE_EVENT(dlock_release,
	TP_PROTO(u32 node, u64 owner, u64 lock_id),
	TP_ARGS(node, owner, lock_id),
	TP_STRUCT__entry(
		__field(u32, node)
		__field(u64, owner)
		__field(u64, lock_id)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->owner = owner;
		__entry->lock_id = lock_id;
	),
	TP_printk("node=%u owner=%llu lock=%llu", __entry->node,
		  __entry->owner, __entry->lock_id)
);

/* A local owner lost a lock: lease expired or the cell re-formed. */
TRACE_EVENT(dlock_revoke,
	TP_PROTO(u32 node, u64 owner, u64 lock_id, u64 token),
	TP_ARGS(node, owner, lock_id, token),
	TP_STRUCT__entry(
		__field(u32, node)
		__field(u64, owner)
		__field(u64, lock_id)
		__field(u64, token)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->owner = owner;
		__entry->lock_id = lock_id;
		__entry->token = token;
	),
	TP_printk("node=%u owner=%llu lock=%llu token=%llu", __entry->node,
		  __entry->owner, __entry->lock_id, __entry->token)
);

/*
 * The transport dropped a datagram before the core saw it; @reason is an
 * enum dlock_drop (node.h).  No string field: __assign_str() changed its
 * arguments between 6.1 and 6.12.
 */
TRACE_EVENT(dlock_drop,
	TP_PROTO(u32 node, u32 reason),
	TP_ARGS(node, reason),
	TP_STRUCT__entry(
		__field(u32, node)
		__field(u32, reason)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->reason = reason;
	),
	TP_printk("node=%u reason=%s", __entry->node,
		  __print_symbolic(__entry->reason,
				   { 0, "malformed" },
				   { 1, "forged" },
				   { 2, "replayed" },
				   { 3, "wrong_cell" },
				   { 4, "unknown_peer" },
				   { 5, "queue_full" },
				   { 6, "not_running" }))
);

#endif /* DLOCK_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
