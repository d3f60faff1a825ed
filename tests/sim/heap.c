// SPDX-License-Identifier: GPL-2.0
/* heap.c - the simulator's (time, seq) event queue; see heap.h. */
#include <errno.h>
#include <stdlib.h>

#include "heap.h"

static bool before(const struct heap_item *a, const struct heap_item *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	return a->seq < b->seq;
}

static void place(struct heap *h, struct heap_item *it, uint32_t i)
{
	h->v[i] = it;
	it->pos = i;
}

static void sift_up(struct heap *h, uint32_t i)
{
	struct heap_item *it = h->v[i];

	while (i) {
		uint32_t parent = (i - 1) / 2;

		if (!before(it, h->v[parent]))
			break;
		place(h, h->v[parent], i);
		i = parent;
	}
	place(h, it, i);
}

static void sift_down(struct heap *h, uint32_t i)
{
	struct heap_item *it = h->v[i];

	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		struct heap_item *best = it;

		if (l < h->n && before(h->v[l], best)) {
			m = l;
			best = h->v[l];
		}
		if (r < h->n && before(h->v[r], best))
			m = r;
		if (m == i)
			break;
		place(h, h->v[m], i);
		i = m;
	}
	place(h, it, i);
}

void heap_init(struct heap *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
	h->next_seq = 0;
}

void heap_free(struct heap *h)
{
	free(h->v);
	heap_init(h);
}

int heap_push(struct heap *h, struct heap_item *it, uint64_t time)
{
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 256;
		struct heap_item **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	it->time = time;
	it->seq = h->next_seq++;
	it->queued = true;
	place(h, it, h->n++);
	sift_up(h, it->pos);
	return 0;
}

void heap_remove(struct heap *h, struct heap_item *it)
{
	uint32_t i = it->pos;
	struct heap_item *last;

	if (!it->queued)
		return;
	it->queued = false;
	last = h->v[--h->n];
	if (i == h->n)
		return;
	place(h, last, i);
	if (i && before(last, h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

struct heap_item *heap_pop(struct heap *h)
{
	struct heap_item *top = heap_top(h);

	if (top)
		heap_remove(h, top);
	return top;
}
