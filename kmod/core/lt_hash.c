// SPDX-License-Identifier: GPL-2.0
/*
 * lt_hash.c - the lock table's resizable chained hash tables.
 *
 * O(1) lookup of resources by (lockspace, name), locks by id, owners by
 * (node, incarnation, id).  The bucket array doubles when the table holds
 * LT_HTAB_GROW_LOAD entries per bucket, and halves when it holds fewer
 * than one per LT_HTAB_SHRINK_DIV buckets, so that a table emptied after
 * a million locks gives its arrays back.  Between the two the load moves
 * by a factor of 4 before another resize, so an add/delete cycle at a
 * boundary does not rehash every time.  If a resize cannot allocate, the
 * table keeps working with the array it has: a resize failure never
 * changes replicated behaviour.  Nothing replicated depends on bucket
 * order: ordered walks use the dl_list links.
 *
 * A load of 2 costs a chain walk of about two nodes on a miss and halves
 * the array's 8 bytes per entry at a load of 1: with a million locks held,
 * the resource and lock tables cost 4 to 8 bytes per lock each instead of
 * 8 to 16.
 */
#include "lt_internal.h"

#define LT_HTAB_GROW_LOAD	2U
#define LT_HTAB_SHRINK_DIV	4U
#define LT_HTAB_MIN_BUCKETS	64U
/* 2^31 buckets is far beyond any table we can hold; stop doubling there. */
#define LT_HTAB_MAX_BUCKETS	0x80000000U

static struct lt_hnode **lt_buckets_alloc(u32 n, size_t *mem)
{
	struct lt_hnode **b = dl_zalloc((size_t)n * sizeof(*b));

	if (b)
		*mem += (size_t)n * sizeof(*b);
	return b;
}

int lt_htab_init(struct lt_htab *h, u64 (*hash_of)(const struct lt_hnode *n),
		 size_t *mem)
{
	h->buckets = lt_buckets_alloc(LT_HTAB_MIN_BUCKETS, mem);
	if (!h->buckets)
		return -ENOMEM;
	h->nbuckets = LT_HTAB_MIN_BUCKETS;
	h->count = 0;
	h->hash_of = hash_of;
	h->mem = mem;
	return 0;
}

void lt_htab_free(struct lt_htab *h, size_t *mem)
{
	if (!h->buckets)
		return;
	dl_free(h->buckets);
	*mem -= (size_t)h->nbuckets * sizeof(*h->buckets);
	h->buckets = NULL;
	h->nbuckets = 0;
}

/* Rehash into @n buckets; keeps the old array if the new cannot be had. */
static void lt_htab_resize(struct lt_htab *h, u32 n)
{
	struct lt_hnode **nb;
	u32 i;

	nb = lt_buckets_alloc(n, h->mem);
	if (!nb)
		return;
	for (i = 0; i < h->nbuckets; i++) {
		struct lt_hnode *e = h->buckets[i], *next;

		for (; e; e = next) {
			u64 slot = h->hash_of(e) & (n - 1);

			next = e->next;
			e->next = nb[slot];
			nb[slot] = e;
		}
	}
	dl_free(h->buckets);
	*h->mem -= (size_t)h->nbuckets * sizeof(*h->buckets);
	h->buckets = nb;
	h->nbuckets = n;
}

void lt_htab_add(struct lt_htab *h, struct lt_hnode *n, u64 hash)
{
	struct lt_hnode **slot;

	if (h->count >= (u64)h->nbuckets * LT_HTAB_GROW_LOAD &&
	    h->nbuckets < LT_HTAB_MAX_BUCKETS)
		lt_htab_resize(h, h->nbuckets * 2);
	slot = &h->buckets[hash & (h->nbuckets - 1)];
	n->next = *slot;
	*slot = n;
	h->count++;
}

void lt_htab_del(struct lt_htab *h, struct lt_hnode *n, u64 hash)
{
	struct lt_hnode **pp = &h->buckets[hash & (h->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			h->count--;
			break;
		}
	}
	if (h->nbuckets > LT_HTAB_MIN_BUCKETS &&
	    h->count < h->nbuckets / LT_HTAB_SHRINK_DIV)
		lt_htab_resize(h, h->nbuckets / 2);
}

/* FNV-1a, then a final mix so low bits (the bucket index) are good. */
u64 lt_hash_bytes(u64 seed, const u8 *p, size_t len)
{
	u64 h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return lt_hash_u64(h);
}

/* splitmix64's finalizer. */
u64 lt_hash_u64(u64 v)
{
	v ^= v >> 30;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 27;
	v *= 0x94d049bb133111ebULL;
	v ^= v >> 31;
	return v;
}
