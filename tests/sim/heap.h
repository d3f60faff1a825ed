/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heap.h - the simulator's event queue: a binary min-heap keyed by
 * (time, seq).  seq is a global counter taken when an event is queued, so two
 * events due at the same virtual time always run in the order they were
 * queued, whatever the heap's shape: that is what makes a seed replay
 * exactly.  Items carry their heap position so a node's one timer can be
 * moved or removed in O(log n) instead of leaving stale copies behind.
 */
#ifndef DLOCK_SIM_HEAP_H
#define DLOCK_SIM_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct heap_item {
	uint64_t time;
	uint64_t seq;
	uint32_t pos;		/* index in the heap; valid while queued */
	bool queued;
};

struct heap {
	struct heap_item **v;
	uint32_t n, cap;
	uint64_t next_seq;
};

void heap_init(struct heap *h);
void heap_free(struct heap *h);
/* Queue @it at @time (it must not be queued); returns 0 or -ENOMEM. */
int heap_push(struct heap *h, struct heap_item *it, uint64_t time);
/* Remove @it if queued. */
void heap_remove(struct heap *h, struct heap_item *it);
/* The earliest item, or NULL. */
static inline struct heap_item *heap_top(const struct heap *h)
{
	return h->n ? h->v[0] : NULL;
}
struct heap_item *heap_pop(struct heap *h);

#endif /* DLOCK_SIM_HEAP_H */
