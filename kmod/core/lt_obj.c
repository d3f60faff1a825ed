// SPDX-License-Identifier: GPL-2.0
/*
 * lt_obj.c - the lock table's objects: allocation with memory accounting,
 * lockspaces, resources, owners, per-node records and locks; their hash
 * lookups, construction, queue placement and freeing; table creation and
 * destruction.  No policy here: what to grant, when and to whom is
 * locktable.c's business.
 */
#include "lt_internal.h"
#include "objtypes.h"

/* ---- allocation and hashing ---- */

void *lt_alloc(struct dl_lt *lt, size_t size)
{
	void *p = dl_zalloc(size);

	if (p)
		lt->mem += size;
	return p;
}

void lt_free(struct dl_lt *lt, const void *p, size_t size)
{
	if (!p)
		return;
	dl_free(p);
	lt->mem -= size;
}

/*
 * The typed objects of a held lock (core/env.h): resources in four size
 * classes by name length (names are 1..64 bytes; most are short), and the
 * locks beyond a resource's first.
 */
#define LT_RES_OBJ(bytes) (offsetof(struct lt_res, name) + (bytes))

struct dl_objtype dl_lt_res_types[DL_LT_RES_CLASSES] = {
	{ .name = "dlock_lt_res8", .size = LT_RES_OBJ(8) },
	{ .name = "dlock_lt_res16", .size = LT_RES_OBJ(16) },
	{ .name = "dlock_lt_res32", .size = LT_RES_OBJ(32) },
	{ .name = "dlock_lt_res64", .size = LT_RES_OBJ(DL_LT_NAME_MAX) },
};

DL_OBJTYPE(dl_lt_lock_type, "dlock_lt_lock", sizeof(struct lt_lock_ext));

static unsigned int lt_res_class(u8 name_len)
{
	if (name_len <= 8)
		return 0;
	if (name_len <= 16)
		return 1;
	if (name_len <= 32)
		return 2;
	return 3;
}

static void *lt_obj_alloc(struct dl_lt *lt, struct dl_objtype *type)
{
	void *p = dl_obj_zalloc(type);

	if (p)
		lt->mem += type->size;
	return p;
}

static void lt_obj_free(struct dl_lt *lt, struct dl_objtype *type,
			const void *p)
{
	dl_obj_free(type, p);
	lt->mem -= type->size;
}

u64 lt_res_hash(u32 ls_id, const u8 *name, size_t len)
{
	return lt_hash_bytes(ls_id, name, len);
}

u64 lt_owner_hash(const struct dl_lt_owner *o)
{
	return lt_hash_u64(o->node ^ lt_hash_u64(o->incarnation ^
						 lt_hash_u64(o->id)));
}

static u64 lt_res_hash_of(const struct lt_hnode *n)
{
	const struct lt_res *r = dl_container_of(n, struct lt_res, hnode);

	return lt_res_hash(r->ls->id, r->name, r->name_len);
}

static u64 lt_lock_hash_of(const struct lt_hnode *n)
{
	return lt_hash_u64(dl_container_of(n, struct lt_lock, hnode)->id);
}

static u64 lt_owner_hash_of(const struct lt_hnode *n)
{
	return lt_owner_hash(&dl_container_of(n, struct lt_owner, hnode)->key);
}

static u64 lt_floor_hash_of(const struct lt_hnode *n)
{
	return lt_hash_u64(dl_container_of(n, struct lt_node_floor,
					   hnode)->node);
}

static bool lt_owner_eq(const struct dl_lt_owner *a,
			const struct dl_lt_owner *b)
{
	return a->node == b->node && a->incarnation == b->incarnation &&
	       a->id == b->id;
}

/* ---- lookups and constructors ---- */

struct lt_ls *lt_ls_by_id(const struct dl_lt *lt, u32 id)
{
	struct lt_ls *ls;

	/* Few lockspaces per cell: a list walk is fine. */
	dl_list_for_each_entry(ls, &lt->lockspaces, lt_node)
		if (ls->id == id)
			return ls;
	return NULL;
}

struct lt_ls *lt_ls_by_name(const struct dl_lt *lt, const u8 *name,
			    size_t len)
{
	struct lt_ls *ls;

	dl_list_for_each_entry(ls, &lt->lockspaces, lt_node)
		if (ls->name_len == len && !memcmp(ls->name, name, len))
			return ls;
	return NULL;
}

struct lt_ls *lt_ls_new(struct dl_lt *lt, u32 id, const u8 *name, u8 name_len,
			u8 lvb_len)
{
	struct lt_ls *ls = lt_alloc(lt, sizeof(*ls));

	if (!ls)
		return NULL;
	ls->id = id;
	ls->name_len = name_len;
	ls->lvb_len = lvb_len;
	memcpy(ls->name, name, name_len);
	dl_list_init(&ls->resources);
	dl_list_add_tail(&ls->lt_node, &lt->lockspaces);
	lt->nls++;
	return ls;
}

void lt_ls_free(struct dl_lt *lt, struct lt_ls *ls)
{
	dl_list_del(&ls->lt_node);
	lt->nls--;
	lt_free(lt, ls, sizeof(*ls));
}

struct lt_res *lt_res_find(const struct dl_lt *lt, u32 ls_id, const u8 *name,
			   size_t len)
{
	struct lt_hnode *n;

	n = lt_htab_bucket(&lt->res_hash, lt_res_hash(ls_id, name, len));
	for (; n; n = n->next) {
		struct lt_res *r = dl_container_of(n, struct lt_res, hnode);

		if (r->ls->id == ls_id && r->name_len == len &&
		    !memcmp(r->name, name, len))
			return r;
	}
	return NULL;
}

struct lt_res *lt_res_new(struct dl_lt *lt, struct lt_ls *ls, const u8 *name,
			  u8 len, bool want_lvb)
{
	struct dl_objtype *type = &dl_lt_res_types[lt_res_class(len)];
	struct lt_res *r = lt_obj_alloc(lt, type);

	if (!r)
		return NULL;
	if (want_lvb) {
		r->lvb = lt_alloc(lt, ls->lvb_len);
		if (!r->lvb) {
			lt_obj_free(lt, type, r);
			return NULL;
		}
	}
	r->ls = ls;
	r->name_len = len;
	memcpy(r->name, name, len);
	dl_list_init(&r->grantq);
	dl_list_add_tail(&r->ls_node, &ls->resources);
	lt_htab_add(&lt->res_hash, &r->hnode, lt_res_hash(ls->id, name, len));
	ls->nres++;
	lt->nres++;
	return r;
}

bool lt_res_empty(const struct lt_res *r)
{
	return dl_list_empty(&r->grantq) &&
	       lt_res_queue_empty(r, LT_Q_CONVERT) &&
	       lt_res_queue_empty(r, LT_Q_WAIT);
}

int lt_res_cont_alloc(struct dl_lt *lt, struct lt_res *r)
{
	struct lt_cont *ct;
	struct lt_lock *lk;

	if (r->cont)
		return 0;
	ct = lt_alloc(lt, sizeof(*ct));
	if (!ct)
		return -ENOMEM;
	dl_list_init(&ct->convertq);
	dl_list_init(&ct->waitq);
	/* what lt_res_gcount() derived from the lone lock until now */
	dl_list_for_each_entry(lk, &r->grantq, res_node)
		ct->gcount[lk->gr_mode]++;
	r->cont = ct;
	return 0;
}

/*
 * Back to at most one lock, granted: the record is not needed any more
 * (and a command undone for memory leaves the table as it found it).
 */
void lt_res_cont_trim(struct dl_lt *lt, struct lt_res *r)
{
	struct lt_cont *ct = r->cont;

	if (!ct || !dl_list_empty(&ct->convertq) ||
	    !dl_list_empty(&ct->waitq) || r->grantq.next->next != &r->grantq)
		return;
	r->cont = NULL;
	lt_free(lt, ct, sizeof(*ct));
}

void lt_res_free(struct dl_lt *lt, struct lt_res *r)
{
	lt_htab_del(&lt->res_hash, &r->hnode,
		    lt_res_hash(r->ls->id, r->name, r->name_len));
	dl_list_del(&r->ls_node);
	r->ls->nres--;
	lt->nres--;
	lt_free(lt, r->cont, sizeof(*r->cont));
	lt_free(lt, r->lvb, r->ls->lvb_len);
	lt_obj_free(lt, &dl_lt_res_types[lt_res_class(r->name_len)], r);
}

/* Make sure the value block has storage, before anything changes. */
int lt_res_lvb_alloc(struct dl_lt *lt, struct lt_res *r)
{
	if (!r->lvb)
		r->lvb = lt_alloc(lt, r->ls->lvb_len);
	return r->lvb ? 0 : -ENOMEM;
}

struct lt_owner *lt_owner_find(const struct dl_lt *lt,
			       const struct dl_lt_owner *key)
{
	struct lt_hnode *n = lt_htab_bucket(&lt->owner_hash,
					    lt_owner_hash(key));

	for (; n; n = n->next) {
		struct lt_owner *o = dl_container_of(n, struct lt_owner, hnode);

		if (lt_owner_eq(&o->key, key))
			return o;
	}
	return NULL;
}

struct lt_owner *lt_owner_new(struct dl_lt *lt, const struct dl_lt_owner *key)
{
	struct lt_owner *o = lt_alloc(lt, sizeof(*o));

	if (!o)
		return NULL;
	o->dedup = lt_alloc(lt, DL_LT_DEDUP_SLOTS * sizeof(*o->dedup));
	if (!o->dedup) {
		lt_free(lt, o, sizeof(*o));
		return NULL;
	}
	o->dd_cap = DL_LT_DEDUP_SLOTS;
	o->key = *key;
	dl_list_init(&o->locks);
	dl_list_add_tail(&o->lt_node, &lt->owners);
	lt_htab_add(&lt->owner_hash, &o->hnode, lt_owner_hash(key));
	lt->nowners++;
	return o;
}

void lt_owner_free(struct dl_lt *lt, struct lt_owner *o)
{
	lt_htab_del(&lt->owner_hash, &o->hnode, lt_owner_hash(&o->key));
	dl_list_del(&o->lt_node);
	lt->nowners--;
	lt_free(lt, o->dedup, o->dd_cap * sizeof(*o->dedup));
	lt_free(lt, o, sizeof(*o));
}

struct lt_node_floor *lt_floor_find(const struct dl_lt *lt, u32 node)
{
	struct lt_hnode *n = lt_htab_bucket(&lt->node_hash,
					    lt_hash_u64(node));

	for (; n; n = n->next) {
		struct lt_node_floor *f;

		f = dl_container_of(n, struct lt_node_floor, hnode);
		if (f->node == node)
			return f;
	}
	return NULL;
}

struct lt_node_floor *lt_floor_new(struct dl_lt *lt, u32 node, u64 inc)
{
	struct lt_node_floor *f = lt_alloc(lt, sizeof(*f));

	if (!f)
		return NULL;
	f->node = node;
	f->incarnation = inc;
	dl_list_add_tail(&f->lt_node, &lt->nodes);
	lt_htab_add(&lt->node_hash, &f->hnode, lt_hash_u64(node));
	return f;
}

struct lt_lock *lt_lock_find(const struct dl_lt *lt, u64 id)
{
	struct lt_hnode *n = lt_htab_bucket(&lt->lock_hash, lt_hash_u64(id));

	for (; n; n = n->next) {
		struct lt_lock *lk = dl_container_of(n, struct lt_lock, hnode);

		if (lk->id == id)
			return lk;
	}
	return NULL;
}

/* Give a lock's memory back: its resource's slot, or its own object. */
static void lt_lock_free(struct dl_lt *lt, struct lt_res *r,
			 struct lt_lock *lk)
{
	if (lk->in_slot)
		r->slot_used = false;
	else
		lt_obj_free(lt, &dl_lt_lock_type,
			    dl_container_of(lk, struct lt_lock_ext, lk));
}

/*
 * Allocate a lock, hash it and put it at the tail of its owner's list.  The
 * caller sets the modes and calls lt_lock_enqueue().  Lock ids only grow, so
 * appending keeps the owner's list in ascending id order.  The resource's
 * own slot is used when it is free: the first lock of a new resource never
 * fails to allocate.  A lock beside others gets the resource its
 * contention record (struct lt_cont) first.  Every lock already on @res
 * is queued.
 */
struct lt_lock *lt_lock_new(struct dl_lt *lt, struct lt_owner *o,
			    struct lt_res *res, u64 id)
{
	bool new_cont = !res->cont && !lt_res_empty(res);
	struct lt_lock *lk;

	if (new_cont && lt_res_cont_alloc(lt, res))
		return NULL;
	if (!res->slot_used) {
		lk = &res->slot;
		memset(lk, 0, sizeof(*lk));
		lk->in_slot = true;
		res->slot_used = true;
	} else {
		struct lt_lock_ext *ext = lt_obj_alloc(lt, &dl_lt_lock_type);

		if (!ext) {
			if (new_cont)
				lt_res_cont_trim(lt, res);
			return NULL;
		}
		ext->res = res;
		lk = &ext->lk;
	}
	lk->id = id;
	lk->owner = o;
	lk->gr_mode = DL_MODE_NONE;
	lk->rq_mode = DL_MODE_NONE;
	dl_list_init(&lk->res_node);
	dl_list_add_tail(&lk->owner_node, &o->locks);
	o->nlocks++;
	res->ls->nlocks++;
	lt->nlocks++;
	lt_htab_add(&lt->lock_hash, &lk->hnode, lt_hash_u64(id));
	return lk;
}

/*
 * Undo lt_lock_new() of a lock never queued: an allocation the same command
 * needed after it failed, and the command must leave the table as it was.
 */
void lt_lock_unnew(struct dl_lt *lt, struct lt_lock *lk)
{
	struct lt_res *r = lt_lock_res(lk);

	dl_list_del(&lk->owner_node);
	lk->owner->nlocks--;
	r->ls->nlocks--;
	lt->nlocks--;
	lt_htab_del(&lt->lock_hash, &lk->hnode, lt_hash_u64(lk->id));
	lt_lock_free(lt, r, lk);
	lt_res_cont_trim(lt, r);
}

/*
 * Put @lk at the tail of @queue, keeping the counters right.  A pending
 * queue needs the resource's contention record: lt_lock_new() gave it one
 * if @lk is not alone, and a lone lock is granted without waiting (or the
 * snapshot loader allocated one).
 */
void lt_lock_enqueue(struct dl_lt *lt, struct lt_lock *lk, u8 queue)
{
	struct lt_res *r = lt_lock_res(lk);

	lk->queue = queue;
	dl_list_add_tail(&lk->res_node, lt_res_queue(r, queue));
	if (queue != LT_Q_GRANT) {
		lt->nwaiting++;
		r->recheck_blocking = true;
	}
	if (lk->gr_mode != DL_MODE_NONE) {
		if (r->cont)
			r->cont->gcount[lk->gr_mode]++;
		lt->ngranted++;
	}
}

void lt_lock_dequeue(struct dl_lt *lt, struct lt_lock *lk)
{
	struct lt_res *r = lt_lock_res(lk);

	dl_list_del(&lk->res_node);
	if (lk->queue != LT_Q_GRANT) {
		lt->nwaiting--;
		r->recheck_blocking = true;
	}
	if (lk->gr_mode != DL_MODE_NONE) {
		if (r->cont)
			r->cont->gcount[lk->gr_mode]--;
		lt->ngranted--;
	}
}

void lt_mark_dirty(struct dl_lt *lt, struct lt_res *r)
{
	if (r->dirty)
		return;
	r->dirty = true;
	r->dirty_next = NULL;
	if (lt->dirty_tail)
		lt->dirty_tail->dirty_next = r;
	else
		lt->dirty_head = r;
	lt->dirty_tail = r;
}

/* Remove and free a lock; its resource is processed at settle time. */
void lt_lock_release(struct dl_lt *lt, struct lt_lock *lk)
{
	struct lt_res *r = lt_lock_res(lk);

	lt_lock_dequeue(lt, lk);
	/* the rest is what undoing a new lock does; @r outlives @lk */
	lt_lock_unnew(lt, lk);
	lt_mark_dirty(lt, r);
}

/* ---- sorting an owner's locks (snapshot load) ---- */

static struct dl_list *lt_merge(struct dl_list *a, struct dl_list *b)
{
	struct dl_list head = { NULL, NULL }, *t = &head;

	while (a && b) {
		struct lt_lock *la = dl_list_entry(a, struct lt_lock,
						   owner_node);
		struct lt_lock *lb = dl_list_entry(b, struct lt_lock,
						   owner_node);

		if (la->id <= lb->id) {
			t->next = a;
			a = a->next;
		} else {
			t->next = b;
			b = b->next;
		}
		t = t->next;
	}
	t->next = a ? a : b;
	return head.next;
}

/* Merge sort of a NULL-terminated singly linked chain (via ->next). */
static struct dl_list *lt_msort(struct dl_list *l)
{
	struct dl_list *slow = l, *fast, *right;

	if (!l || !l->next)
		return l;
	fast = l->next;
	while (fast && fast->next) {
		slow = slow->next;
		fast = fast->next->next;
	}
	right = slow->next;
	slow->next = NULL;
	return lt_merge(lt_msort(l), lt_msort(right));
}

void lt_owner_sort_locks(struct lt_owner *o)
{
	struct dl_list *head = &o->locks, *p, *prev = head, *l;

	if (dl_list_empty(head))
		return;
	head->prev->next = NULL;
	l = lt_msort(head->next);
	head->next = l;
	for (p = l; p; p = p->next) {
		p->prev = prev;
		prev = p;
	}
	prev->next = head;
	head->prev = prev;
}

/* ---- create / destroy ---- */

struct dl_lt *dl_lt_create(void)
{
	struct dl_lt *lt = dl_zalloc(sizeof(*lt));

	if (!lt)
		return NULL;
	lt->mem = sizeof(*lt);
	dl_list_init(&lt->lockspaces);
	dl_list_init(&lt->owners);
	dl_list_init(&lt->nodes);
	lt->next_ls_id = 1;
	lt->next_lock_id = 1;
	if (lt_htab_init(&lt->res_hash, lt_res_hash_of, &lt->mem) ||
	    lt_htab_init(&lt->lock_hash, lt_lock_hash_of, &lt->mem) ||
	    lt_htab_init(&lt->owner_hash, lt_owner_hash_of, &lt->mem) ||
	    lt_htab_init(&lt->node_hash, lt_floor_hash_of, &lt->mem)) {
		dl_lt_destroy(lt);
		return NULL;
	}
	return lt;
}

void dl_lt_destroy(struct dl_lt *lt)
{
	struct lt_node_floor *f, *ftmp;
	struct lt_owner *o, *otmp;
	struct lt_ls *ls, *lstmp;

	if (!lt)
		return;
	dl_list_for_each_entry_safe(o, otmp, &lt->owners, lt_node) {
		struct lt_lock *lk, *tmp;

		dl_list_for_each_entry_safe(lk, tmp, &o->locks, owner_node)
			lt_lock_release(lt, lk);
		lt_owner_free(lt, o);
	}
	/* Released locks marked their resources dirty: free them all. */
	lt->dirty_head = NULL;
	lt->dirty_tail = NULL;
	dl_list_for_each_entry_safe(ls, lstmp, &lt->lockspaces, lt_node) {
		struct lt_res *r, *rtmp;

		dl_list_for_each_entry_safe(r, rtmp, &ls->resources, ls_node)
			lt_res_free(lt, r);
		lt_ls_free(lt, ls);
	}
	dl_list_for_each_entry_safe(f, ftmp, &lt->nodes, lt_node) {
		lt_htab_del(&lt->node_hash, &f->hnode, lt_hash_u64(f->node));
		dl_list_del(&f->lt_node);
		lt_free(lt, f, sizeof(*f));
	}
	lt_htab_free(&lt->res_hash, &lt->mem);
	lt_htab_free(&lt->lock_hash, &lt->mem);
	lt_htab_free(&lt->owner_hash, &lt->mem);
	lt_htab_free(&lt->node_hash, &lt->mem);
	dl_free(lt);
}
