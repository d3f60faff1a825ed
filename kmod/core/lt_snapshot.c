// SPDX-License-Identifier: GPL-2.0
/*
 * lt_snapshot.c - serialize the whole lock table, and rebuild it, for Raft
 * log compaction and for catching a lagging replica up.
 *
 * The stream is a sequence of records: type byte, 16-bit little-endian
 * payload length, payload.  Order:
 *
 *   HDR, FLOOR*, (OWNER DEDUP*)*, (LS (RES LOCK+)*)*, END
 *
 * Owners come in creation order (their dedup memory and floor included;
 * DEDUP records carry the slots of a grown memory), lockspaces
 * and resources in creation order, locks of a resource grant queue first,
 * then convert queue, then wait queue, each in queue order.  Every list the
 * state machine walks is thus rebuilt in the same order, so a loaded table
 * behaves exactly as the saved one (and saves to the same bytes).  The one
 * order not carried explicitly, each owner's locks, is always ascending
 * lock id and is re-sorted after loading.
 *
 * The loader trusts nothing: every record is bounds-checked and checked for
 * consistency (ids unique and below the counters, owners known, modes
 * matching the queue, no incompatible grants on one resource, counts
 * matching the header) and any violation fails the whole load with -EINVAL.
 */
#include "lt_internal.h"

#define LT_SNAP_MAGIC		0x544c4c44U	/* "DLLT" */
#define LT_SNAP_VERSION		2	/* 2: growing dedup, owner floor */
#define LT_SNAP_BUF		4096
#define LT_REC_HDR		3

enum lt_rec_type {
	LT_REC_HDR_T = 1,
	LT_REC_FLOOR = 2,
	LT_REC_OWNER = 3,
	LT_REC_LS = 4,
	LT_REC_RES = 5,
	LT_REC_LOCK = 6,
	LT_REC_END = 7,
	LT_REC_DEDUP = 8,	/* more dedup slots of the owner before it */
};

#define LT_RES_F_LVB		0x1	/* value block follows */
#define LT_RES_F_INVALID	0x2	/* value block invalidated */

#define LT_OWNER_BYTES		(4 + 8 + 8)
#define LT_DEDUP_BYTES		(8 + 8 + 8 + 4 + 4 + 1 + 1 + 1)
/*
 * An owner record: key, floor, slot count, then the first
 * DL_LT_DEDUP_SLOTS slots; a grown memory continues in DEDUP records of
 * DL_LT_DEDUP_SLOTS slots each (records stay small: the sink takes chunks
 * of at most LT_SNAP_BUF bytes).  Every slot is saved, empty ones too, in
 * order, so a loaded table saves back the same bytes.
 */
#define LT_DEDUP_REC_BYTES	(DL_LT_DEDUP_SLOTS * LT_DEDUP_BYTES)
#define LT_OWNER_REC_BYTES	(LT_OWNER_BYTES + 8 + 2 + LT_DEDUP_REC_BYTES)
#define LT_FLOOR_REC_BYTES	(4 + 8 + 2 + DL_LT_RELEASED_SLOTS * 24)
/*
 * The loader's record buffer holds the largest record: an owner's, a
 * node's, or a resource's (2 + 64-byte name + 64-byte value block).
 */
#define LT_REC_MAX		DL_MAX(DL_MAX(LT_OWNER_REC_BYTES, \
					      LT_FLOOR_REC_BYTES), 256)

/* ---- save ---- */

struct lt_saver {
	dl_lt_chunk_fn fn;
	void *ctx;
	int err;
	size_t len;
	u8 buf[LT_SNAP_BUF];
};

static void lt_save_flush(struct lt_saver *s)
{
	if (!s->err && s->len)
		s->err = s->fn(s->ctx, s->buf, s->len);
	s->len = 0;
}

/* Start a record of @len payload bytes; returns where to write them. */
static u8 *lt_rec(struct lt_saver *s, u8 type, size_t len)
{
	u8 *p;

	if (s->len + LT_REC_HDR + len > sizeof(s->buf))
		lt_save_flush(s);
	p = s->buf + s->len;
	lt_put8(&p, type);
	lt_put16(&p, (u16)len);
	s->len += LT_REC_HDR + len;
	return p;
}

static void lt_save_owner_key(u8 **p, const struct dl_lt_owner *o)
{
	lt_put32(p, o->node);
	lt_put64(p, o->incarnation);
	lt_put64(p, o->id);
}

/* DL_LT_DEDUP_SLOTS slots from @d. */
static void lt_save_dedup(u8 **p, const struct lt_dedup *d)
{
	int i;

	for (i = 0; i < DL_LT_DEDUP_SLOTS; i++, d++) {
		lt_put64(p, d->req_id);
		lt_put64(p, d->lock_id);
		lt_put64(p, d->token);
		lt_put32(p, (u32)d->err);
		lt_put32(p, d->ls_id);
		lt_put8(p, d->kind);
		lt_put8(p, d->mode);
		lt_put8(p, d->flags);
	}
}

static void lt_save_res(struct lt_saver *s, const struct lt_res *r)
{
	size_t lvb = r->lvb ? r->ls->lvb_len : 0;
	const struct lt_lock *lk;
	u8 q, *p;

	p = lt_rec(s, LT_REC_RES, 2 + r->name_len + lvb);
	lt_put8(&p, (r->lvb ? LT_RES_F_LVB : 0) |
		    (r->lvb_invalid ? LT_RES_F_INVALID : 0));
	lt_put8(&p, r->name_len);
	lt_putmem(&p, r->name, r->name_len);
	if (lvb)
		lt_putmem(&p, r->lvb, lvb);

	for (q = LT_Q_GRANT; q <= LT_Q_MAX; q++) {
		struct dl_list *queue = lt_res_queue((struct lt_res *)r, q);

		if (!queue)
			continue;
		dl_list_for_each_entry(lk, queue, res_node) {
			p = lt_rec(s, LT_REC_LOCK, 8 + LT_OWNER_BYTES + 5 + 16);
			lt_put64(&p, lk->id);
			lt_save_owner_key(&p, &lk->owner->key);
			lt_put8(&p, lk->gr_mode);
			lt_put8(&p, lk->rq_mode);
			lt_put8(&p, lk->queue);
			lt_put8(&p, lk->flags);
			lt_put8(&p, lk->bast_sent);
			lt_put64(&p, lk->token);
			lt_put64(&p, lk->req_id);
		}
	}
}

int dl_lt_snapshot_save(const struct dl_lt *lt, dl_lt_chunk_fn fn, void *ctx)
{
	const struct lt_node_floor *f;
	const struct lt_owner *o;
	const struct lt_ls *ls;
	struct lt_saver *s;
	int err, i;
	u8 *p;

	s = dl_zalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->ctx = ctx;

	p = lt_rec(s, LT_REC_HDR_T, 4 + 4 + 4 + 8 + 8 + 8 + 4 + 8 + 8);
	lt_put32(&p, LT_SNAP_MAGIC);
	lt_put32(&p, LT_SNAP_VERSION);
	lt_put32(&p, lt->next_ls_id);
	lt_put64(&p, lt->next_lock_id);
	lt_put64(&p, lt->token_seq);
	lt_put64(&p, lt->applied);
	lt_put32(&p, lt->nls);
	lt_put64(&p, lt->nowners);
	lt_put64(&p, lt->nlocks);

	dl_list_for_each_entry(f, &lt->nodes, lt_node) {
		p = lt_rec(s, LT_REC_FLOOR, LT_FLOOR_REC_BYTES);
		lt_put32(&p, f->node);
		lt_put64(&p, f->incarnation);
		lt_put8(&p, f->nreleased);
		lt_put8(&p, f->released_next);
		for (i = 0; i < DL_LT_RELEASED_SLOTS; i++) {
			lt_put64(&p, f->released[i].incarnation);
			lt_put64(&p, f->released[i].id);
			lt_put64(&p, f->released[i].req_id);
		}
	}
	dl_list_for_each_entry(o, &lt->owners, lt_node) {
		p = lt_rec(s, LT_REC_OWNER, LT_OWNER_REC_BYTES);
		lt_save_owner_key(&p, &o->key);
		lt_put64(&p, o->floor);
		lt_put16(&p, (u16)o->dd_cap);
		lt_save_dedup(&p, o->dedup);
		for (i = DL_LT_DEDUP_SLOTS; i < (int)o->dd_cap;
		     i += DL_LT_DEDUP_SLOTS) {
			p = lt_rec(s, LT_REC_DEDUP, LT_DEDUP_REC_BYTES);
			lt_save_dedup(&p, o->dedup + i);
		}
	}
	dl_list_for_each_entry(ls, &lt->lockspaces, lt_node) {
		const struct lt_res *r;

		p = lt_rec(s, LT_REC_LS, 4 + 3 + ls->name_len);
		lt_put32(&p, ls->id);
		lt_put8(&p, ls->lvb_len);
		lt_put8(&p, ls->flags);
		lt_put8(&p, ls->name_len);
		lt_putmem(&p, ls->name, ls->name_len);
		dl_list_for_each_entry(r, &ls->resources, ls_node)
			lt_save_res(s, r);
	}
	lt_rec(s, LT_REC_END, 0);
	lt_save_flush(s);
	err = s->err;
	dl_free(s);
	return err;
}

/* ---- load ---- */

struct dl_lt_loader {
	struct dl_lt *lt;
	int err;
	bool seen_hdr, seen_end;
	u8 last_type;
	/* the record being assembled */
	u8 hdr[LT_REC_HDR];
	size_t hdr_have;
	size_t need, have;
	/* what the header promised */
	u32 want_nls;
	u64 want_owners, want_locks;
	/* the lockspace and resource the next records belong to */
	struct lt_ls *ls;
	struct lt_res *res;
	u8 last_queue;
	/* the owner whose DEDUP records may follow, and its next slot */
	struct lt_owner *dd_owner;
	u32 dd_next;
	u8 rec[LT_REC_MAX];
};

struct dl_lt_loader *dl_lt_load_begin(void)
{
	struct dl_lt_loader *ld = dl_zalloc(sizeof(*ld));

	if (!ld)
		return NULL;
	ld->lt = dl_lt_create();
	if (!ld->lt) {
		dl_free(ld);
		return NULL;
	}
	return ld;
}

static bool lt_mode_or_none(u8 m)
{
	return m == DL_MODE_NONE || dl_mode_valid(m);
}

/* A resource is complete: it must hold locks, and compatible grants only. */
static int lt_load_res_done(struct dl_lt_loader *ld)
{
	struct lt_res *r = ld->res;
	u32 a, b;

	if (!r)
		return 0;
	ld->res = NULL;
	/* a settled table has no blocking notes left to look for */
	r->recheck_blocking = false;
	if (lt_res_empty(r))
		return -EINVAL;
	for (a = 0; a < DL_MODE_COUNT; a++) {
		for (b = a; b < DL_MODE_COUNT; b++) {
			if (!lt_res_gcount(r, a) || !lt_res_gcount(r, b))
				continue;
			if (a == b && lt_res_gcount(r, a) < 2)
				continue;
			if (!dl_mode_compat(a, b))
				return -EINVAL;
		}
	}
	return 0;
}

static void lt_load_owner_key(struct lt_reader *rd, struct dl_lt_owner *o)
{
	o->node = lt_get32(rd);
	o->incarnation = lt_get64(rd);
	o->id = lt_get64(rd);
}

static int lt_load_hdr(struct dl_lt_loader *ld, struct lt_reader *rd)
{
	struct dl_lt *lt = ld->lt;

	if (lt_get32(rd) != LT_SNAP_MAGIC || lt_get32(rd) != LT_SNAP_VERSION)
		return -EINVAL;
	lt->next_ls_id = lt_get32(rd);
	lt->next_lock_id = lt_get64(rd);
	lt->token_seq = lt_get64(rd);
	lt->applied = lt_get64(rd);
	ld->want_nls = lt_get32(rd);
	ld->want_owners = lt_get64(rd);
	ld->want_locks = lt_get64(rd);
	ld->seen_hdr = true;
	return 0;
}

static int lt_load_floor(struct dl_lt_loader *ld, struct lt_reader *rd)
{
	u32 node = lt_get32(rd);
	u64 inc = lt_get64(rd);
	struct lt_node_floor *f;
	int i;

	if (rd->err || !node || lt_floor_find(ld->lt, node))
		return -EINVAL;
	f = lt_floor_new(ld->lt, node, inc);
	if (!f)
		return -ENOMEM;
	f->nreleased = lt_get8(rd);
	f->released_next = lt_get8(rd);
	if (f->nreleased > DL_LT_RELEASED_SLOTS ||
	    f->released_next >= DL_LT_RELEASED_SLOTS)
		return -EINVAL;
	for (i = 0; i < DL_LT_RELEASED_SLOTS; i++) {
		struct lt_tombstone *t = &f->released[i];

		t->incarnation = lt_get64(rd);
		t->id = lt_get64(rd);
		t->req_id = lt_get64(rd);
		/* slots not filled yet are zero, so they save back the same */
		if (i >= f->nreleased && (t->incarnation || t->id || t->req_id))
			return -EINVAL;
	}
	/* the ring fills in order: until full, the cursor is the count */
	if (f->nreleased < DL_LT_RELEASED_SLOTS &&
	    f->released_next != f->nreleased)
		return -EINVAL;
	return 0;
}

/* DL_LT_DEDUP_SLOTS slots of @o into @d. */
static int lt_load_dedup(struct lt_reader *rd, struct lt_owner *o,
			 struct lt_dedup *d)
{
	int i;

	for (i = 0; i < DL_LT_DEDUP_SLOTS; i++, d++) {
		d->req_id = lt_get64(rd);
		if (d->req_id > o->dd_top)
			o->dd_top = d->req_id;
		d->lock_id = lt_get64(rd);
		d->token = lt_get64(rd);
		d->err = (s32)lt_get32(rd);
		d->ls_id = lt_get32(rd);
		d->kind = lt_get8(rd);
		d->mode = lt_get8(rd);
		d->flags = lt_get8(rd);
		if (d->kind > LT_DD_KIND_MAX || !lt_mode_or_none(d->mode) ||
		    (d->flags & ~DL_LKF_ALL))
			return -EINVAL;
		/* An empty slot is all zeros, so it saves back the same. */
		if (d->kind == LT_DD_EMPTY &&
		    (d->req_id || d->lock_id || d->token || d->err ||
		     d->ls_id || d->mode || d->flags))
			return -EINVAL;
	}
	return 0;
}

static int lt_load_owner(struct dl_lt_loader *ld, struct lt_reader *rd)
{
	struct dl_lt_owner key;
	struct lt_owner *o;
	u32 cap;

	lt_load_owner_key(rd, &key);
	if (rd->err || !key.node || lt_owner_find(ld->lt, &key))
		return -EINVAL;
	o = lt_owner_new(ld->lt, &key);
	if (!o)
		return -ENOMEM;
	o->floor = lt_get64(rd);
	cap = lt_get16(rd);
	/* the sizes lt_dd_add() makes: DL_LT_DEDUP_SLOTS doubled */
	if (cap < DL_LT_DEDUP_SLOTS || cap > DL_LT_DEDUP_MAX ||
	    (cap & (cap - 1)))
		return -EINVAL;
	while (o->dd_cap < cap)
		if (lt_dd_grow(ld->lt, o))
			return -ENOMEM;
	ld->dd_owner = o;
	ld->dd_next = DL_LT_DEDUP_SLOTS;
	return lt_load_dedup(rd, o, o->dedup);
}

/* The next DL_LT_DEDUP_SLOTS slots of the owner just loaded. */
static int lt_load_dedup_rec(struct dl_lt_loader *ld, struct lt_reader *rd)
{
	struct lt_owner *o = ld->dd_owner;

	if (!o || ld->dd_next >= o->dd_cap)
		return -EINVAL;
	ld->dd_next += DL_LT_DEDUP_SLOTS;
	return lt_load_dedup(rd, o,
			     o->dedup + ld->dd_next - DL_LT_DEDUP_SLOTS);
}

static int lt_load_ls(struct dl_lt_loader *ld, struct lt_reader *rd)
{
	struct dl_lt *lt = ld->lt;
	u8 name[DL_LT_NAME_MAX];
	u32 id = lt_get32(rd);
	u8 lvb_len = lt_get8(rd);
	u8 flags = lt_get8(rd);
	u8 name_len = lt_get8(rd);
	int err = lt_load_res_done(ld);

	if (err)
		return err;
	if (name_len > DL_LT_NAME_MAX)
		return -EINVAL;
	lt_getmem(rd, name, name_len);
	if (rd->err || !id || !name_len ||
	    (lt->next_ls_id && id >= lt->next_ls_id) ||
	    (lvb_len != DL_LT_LVB_MIN && lvb_len != DL_LT_LVB_MAX) ||
	    (flags & ~DL_LT_LS_FLAGS) ||
	    lt_ls_by_id(lt, id) || lt_ls_by_name(lt, name, name_len))
		return -EINVAL;
	ld->ls = lt_ls_new(lt, id, name, name_len, lvb_len);
	if (!ld->ls)
		return -ENOMEM;
	ld->ls->flags = flags;
	return 0;
}

static int lt_load_res(struct dl_lt_loader *ld, struct lt_reader *rd)
{
	u8 flags = lt_get8(rd), len = lt_get8(rd);
	u8 name[DL_LT_NAME_MAX];
	struct lt_res *r;
	int err = lt_load_res_done(ld);

	if (err)
		return err;
	if (!ld->ls || !len || len > DL_LT_NAME_MAX ||
	    (flags & ~(LT_RES_F_LVB | LT_RES_F_INVALID)))
		return -EINVAL;
	lt_getmem(rd, name, len);
	if (rd->err || lt_res_find(ld->lt, ld->ls->id, name, len))
		return -EINVAL;
	r = lt_res_new(ld->lt, ld->ls, name, len, flags & LT_RES_F_LVB);
	if (!r)
		return -ENOMEM;
	if (r->lvb)
		lt_getmem(rd, r->lvb, ld->ls->lvb_len);
	r->lvb_invalid = flags & LT_RES_F_INVALID;
	ld->res = r;
	ld->last_queue = LT_Q_GRANT;
	return 0;
}

static int lt_load_lock(struct dl_lt_loader *ld, struct lt_reader *rd)
{
	struct dl_lt *lt = ld->lt;
	struct dl_lt_owner key;
	struct lt_owner *o;
	struct lt_lock *lk;
	u8 gr, rq, queue, flags, bast;
	u64 id, token, req_id;

	id = lt_get64(rd);
	lt_load_owner_key(rd, &key);
	gr = lt_get8(rd);
	rq = lt_get8(rd);
	queue = lt_get8(rd);
	flags = lt_get8(rd);
	bast = lt_get8(rd);
	token = lt_get64(rd);
	req_id = lt_get64(rd);
	if (rd->err || !ld->res || !id ||
	    (lt->next_lock_id && id >= lt->next_lock_id) ||
	    lt_lock_find(lt, id) || queue > LT_Q_MAX ||
	    queue < ld->last_queue || (flags & ~DL_LKF_ALL) ||
	    bast >= (1U << DL_MODE_COUNT) || token > lt->token_seq)
		return -EINVAL;
	switch (queue) {
	case LT_Q_GRANT:
		if (!dl_mode_valid(gr) || rq != DL_MODE_NONE || !token)
			return -EINVAL;
		break;
	case LT_Q_CONVERT:
		if (!dl_mode_valid(gr) || !dl_mode_valid(rq) || !token)
			return -EINVAL;
		break;
	default:
		if (gr != DL_MODE_NONE || !dl_mode_valid(rq) || token)
			return -EINVAL;
		break;
	}
	o = lt_owner_find(lt, &key);
	if (!o)
		return -EINVAL;
	/* a pending lock alone on its resource still needs the queues */
	if (queue != LT_Q_GRANT && lt_res_cont_alloc(lt, ld->res))
		return -ENOMEM;
	lk = lt_lock_new(lt, o, ld->res, id);
	if (!lk)
		return -ENOMEM;
	lk->gr_mode = gr;
	lk->rq_mode = rq;
	lk->flags = flags;
	lk->bast_sent = bast;
	lk->token = token;
	lk->req_id = req_id;
	lt_lock_enqueue(lt, lk, queue);
	ld->last_queue = queue;
	return 0;
}

static int lt_load_end(struct dl_lt_loader *ld)
{
	struct dl_lt *lt = ld->lt;
	struct lt_owner *o;
	int err = lt_load_res_done(ld);

	if (err)
		return err;
	if (lt->nls != ld->want_nls || lt->nowners != ld->want_owners ||
	    lt->nlocks != ld->want_locks)
		return -EINVAL;
	dl_list_for_each_entry(o, &lt->owners, lt_node)
		lt_owner_sort_locks(o);
	ld->seen_end = true;
	return 0;
}

/*
 * Record types must come in the documented order: each type may follow
 * only the ones listed here.
 */
static bool lt_rec_order_ok(u8 last, u8 type)
{
	switch (type) {
	case LT_REC_HDR_T:
		return last == 0;
	case LT_REC_FLOOR:
		return last == LT_REC_HDR_T || last == LT_REC_FLOOR;
	case LT_REC_OWNER:
		return last == LT_REC_HDR_T || last == LT_REC_FLOOR ||
		       last == LT_REC_OWNER || last == LT_REC_DEDUP;
	case LT_REC_DEDUP:
		return last == LT_REC_OWNER || last == LT_REC_DEDUP;
	case LT_REC_LS:
		return last && last != LT_REC_END;
	case LT_REC_RES:
		return last == LT_REC_LS || last == LT_REC_LOCK;
	case LT_REC_LOCK:
		return last == LT_REC_RES || last == LT_REC_LOCK;
	case LT_REC_END:
		return last && last != LT_REC_END && last != LT_REC_RES;
	}
	return false;
}

static int lt_load_record(struct dl_lt_loader *ld, u8 type, const u8 *buf,
			  size_t len)
{
	struct lt_reader rd = { .p = buf, .left = len };
	int err;

	if (!lt_rec_order_ok(ld->last_type, type))
		return -EINVAL;
	ld->last_type = type;
	if (type != LT_REC_DEDUP && ld->dd_owner) {
		/* the owner before must have had all its slots */
		if (ld->dd_next != ld->dd_owner->dd_cap)
			return -EINVAL;
		ld->dd_owner = NULL;
	}
	switch (type) {
	case LT_REC_HDR_T:
		err = lt_load_hdr(ld, &rd);
		break;
	case LT_REC_FLOOR:
		err = lt_load_floor(ld, &rd);
		break;
	case LT_REC_OWNER:
		err = lt_load_owner(ld, &rd);
		break;
	case LT_REC_LS:
		err = lt_load_ls(ld, &rd);
		break;
	case LT_REC_RES:
		err = lt_load_res(ld, &rd);
		break;
	case LT_REC_LOCK:
		err = lt_load_lock(ld, &rd);
		break;
	case LT_REC_DEDUP:
		err = lt_load_dedup_rec(ld, &rd);
		break;
	default:
		err = lt_load_end(ld);
		break;
	}
	if (err)
		return err;
	/* Every byte of a record must have been used. */
	return rd.err || rd.left ? -EINVAL : 0;
}

int dl_lt_load_chunk(struct dl_lt_loader *ld, const void *data, size_t len)
{
	const u8 *p = data;

	if (ld->err)
		return ld->err;
	while (len) {
		size_t n;

		if (ld->seen_end) {
			ld->err = -EINVAL;	/* bytes after END */
			return ld->err;
		}
		if (ld->hdr_have < LT_REC_HDR) {
			ld->hdr[ld->hdr_have++] = *p++;
			len--;
			if (ld->hdr_have < LT_REC_HDR)
				continue;
			ld->need = ld->hdr[1] | (size_t)ld->hdr[2] << 8;
			ld->have = 0;
			if (ld->need > LT_REC_MAX) {
				ld->err = -EINVAL;
				return ld->err;
			}
		}
		n = DL_MIN(len, ld->need - ld->have);
		memcpy(ld->rec + ld->have, p, n);
		ld->have += n;
		p += n;
		len -= n;
		if (ld->have < ld->need)
			continue;
		ld->err = lt_load_record(ld, ld->hdr[0], ld->rec, ld->need);
		if (ld->err)
			return ld->err;
		ld->hdr_have = 0;
	}
	return 0;
}

int dl_lt_load_end(struct dl_lt_loader *ld, struct dl_lt **out)
{
	int err;

	*out = NULL;
	if (!ld)
		return -EINVAL;
	err = ld->err;
	if (!err && (!ld->seen_end || ld->hdr_have))
		err = -EINVAL;
	if (err)
		dl_lt_destroy(ld->lt);
	else
		*out = ld->lt;
	dl_free(ld);
	return err;
}
