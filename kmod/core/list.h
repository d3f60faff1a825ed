/* SPDX-License-Identifier: GPL-2.0 */
/*
 * list.h - intrusive doubly linked list for the portable core, shaped like
 * the kernel's <linux/list.h> (which the core may not include).
 */
#ifndef DLOCK_CORE_LIST_H
#define DLOCK_CORE_LIST_H

#include "env.h"

struct dl_list {
	struct dl_list *next, *prev;
};

#define DL_LIST_INIT(name) { &(name), &(name) }

static inline void dl_list_init(struct dl_list *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool dl_list_empty(const struct dl_list *h)
{
	return h->next == h;
}

static inline void dl_list_insert(struct dl_list *n, struct dl_list *prev,
				  struct dl_list *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

/* Add at the tail: FIFO order when consumed from the head. */
static inline void dl_list_add_tail(struct dl_list *n, struct dl_list *h)
{
	dl_list_insert(n, h->prev, h);
}

static inline void dl_list_add(struct dl_list *n, struct dl_list *h)
{
	dl_list_insert(n, h, h->next);
}

static inline void dl_list_del(struct dl_list *n)
{
	n->next->prev = n->prev;
	n->prev->next = n->next;
	n->next = n;
	n->prev = n;
}

#define dl_list_entry(ptr, type, member) dl_container_of(ptr, type, member)
#define dl_list_first_entry(h, type, member) \
	dl_list_entry((h)->next, type, member)

#define dl_list_for_each_entry(pos, h, member)				\
	for (pos = dl_list_entry((h)->next, __typeof__(*pos), member);	\
	     &pos->member != (h);					\
	     pos = dl_list_entry(pos->member.next, __typeof__(*pos), member))

#define dl_list_for_each_entry_safe(pos, n, h, member)			\
	for (pos = dl_list_entry((h)->next, __typeof__(*pos), member),	\
	     n = dl_list_entry(pos->member.next, __typeof__(*pos), member); \
	     &pos->member != (h);					\
	     pos = n, n = dl_list_entry(n->member.next, __typeof__(*n), member))

#endif /* DLOCK_CORE_LIST_H */
