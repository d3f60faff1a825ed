// SPDX-License-Identifier: GPL-2.0
/*
 * lt_cmd.c - lock-table commands: validation and the compact little-endian
 * encoding that travels in Raft entries.
 *
 * One command encodes as its type byte followed by the fields that type
 * uses, in a fixed order; variable parts (names, value blocks) are preceded
 * by their length byte.  Fields a type does not use are not encoded and
 * must be zero in struct dl_lt_cmd, so a command has exactly one encoding
 * and decode(encode(c)) == c.
 *
 * An entry (batch) is: version byte, command count byte (1..255), then the
 * commands back to back, with nothing after the last one.
 */
#include "lt_internal.h"

#define LT_BATCH_VERSION	1
#define LT_OWNER_SIZE		(4 + 8 + 8)

static bool lt_lvb_len_ok(u8 len)
{
	return len == DL_LT_LVB_MIN || len == DL_LT_LVB_MAX;
}

static bool lt_owner_zero(const struct dl_lt_owner *o)
{
	return !o->node && !o->incarnation && !o->id;
}

int dl_lt_cmd_check(const struct dl_lt_cmd *c)
{
	bool convert = c->flags & DL_LKF_CONVERT;

	/* a floor counts the owner's requests up to this one, no further */
	if (dl_lt_cmd_has_floor(c->type) ? c->floor > c->req_id : !!c->floor)
		return -EINVAL;
	switch (c->type) {
	case DL_LT_CMD_LS_CREATE:
		if (c->mode || (c->flags & ~DL_LT_LS_FLAGS) || c->ls_id ||
		    c->lock_id ||
		    c->target_req || !c->owner.node ||
		    !c->name_len || c->name_len > DL_LT_NAME_MAX ||
		    !lt_lvb_len_ok(c->lvb_len))
			return -EINVAL;
		return 0;
	case DL_LT_CMD_LS_REMOVE:
	case DL_LT_CMD_RELEASE_OWNER:
		if (c->mode || c->flags || c->lock_id || c->target_req ||
		    c->name_len || c->lvb_len || !c->owner.node)
			return -EINVAL;
		if (c->type == DL_LT_CMD_LS_REMOVE ? !c->ls_id : !!c->ls_id)
			return -EINVAL;
		return 0;
	case DL_LT_CMD_LOCK:
		if (!dl_mode_valid(c->mode) || (c->flags & ~DL_LKF_ALL) ||
		    !c->ls_id || c->target_req || !c->owner.node)
			return -EINVAL;
		if (convert) {
			if (!c->lock_id || c->name_len)
				return -EINVAL;
			if (c->lvb_len && (!(c->flags & DL_LKF_VALBLK) ||
					   !lt_lvb_len_ok(c->lvb_len)))
				return -EINVAL;
			return 0;
		}
		if (c->lock_id || c->lvb_len || !c->name_len ||
		    c->name_len > DL_LT_NAME_MAX)
			return -EINVAL;
		return 0;
	case DL_LT_CMD_UNLOCK:
		if (c->mode || (c->flags & ~DL_LKF_VALBLK) || c->ls_id ||
		    !c->lock_id || c->target_req || c->name_len ||
		    !c->owner.node)
			return -EINVAL;
		if (c->lvb_len && (!(c->flags & DL_LKF_VALBLK) ||
				   !lt_lvb_len_ok(c->lvb_len)))
			return -EINVAL;
		return 0;
	case DL_LT_CMD_CANCEL:
		if (c->mode || c->flags || c->ls_id || c->name_len ||
		    c->lvb_len || !c->owner.node)
			return -EINVAL;
		if (!c->lock_id == !c->target_req)
			return -EINVAL;
		return 0;
	case DL_LT_CMD_EXPIRE_NODE:
	case DL_LT_CMD_NODE_INCARNATION:
		if (c->mode || c->flags || c->ls_id || c->lock_id ||
		    c->target_req || c->name_len || c->lvb_len || c->req_id ||
		    !c->owner.node || c->owner.id)
			return -EINVAL;
		if (c->type == DL_LT_CMD_EXPIRE_NODE && c->owner.incarnation)
			return -EINVAL;
		return 0;
	case DL_LT_CMD_REVOKE_ALL:
		if (c->mode || c->flags || c->ls_id || c->lock_id ||
		    c->target_req || c->name_len || c->lvb_len || c->req_id ||
		    !lt_owner_zero(&c->owner))
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

size_t dl_lt_cmd_size(const struct dl_lt_cmd *c)
{
	size_t head = 1 + LT_OWNER_SIZE + 8;	/* type, owner, req_id */

	if (dl_lt_cmd_has_floor(c->type))
		head += 8;
	switch (c->type) {
	case DL_LT_CMD_LS_CREATE:
		return head + 3 + c->name_len;
	case DL_LT_CMD_LS_REMOVE:
		return head + 4;
	case DL_LT_CMD_LOCK:
		if (c->flags & DL_LKF_CONVERT)
			return head + 4 + 2 + 8 + 1 + c->lvb_len;
		return head + 4 + 2 + 1 + c->name_len;
	case DL_LT_CMD_UNLOCK:
		return head + 8 + 1 + 1 + c->lvb_len;
	case DL_LT_CMD_CANCEL:
		return head + 8 + 8;
	case DL_LT_CMD_RELEASE_OWNER:
		return head;
	case DL_LT_CMD_EXPIRE_NODE:
		return 1 + 4;
	case DL_LT_CMD_NODE_INCARNATION:
		return 1 + 4 + 8;
	case DL_LT_CMD_REVOKE_ALL:
		return 1;
	}
	return 0;
}

static void lt_put_owner(u8 **p, const struct dl_lt_owner *o)
{
	lt_put32(p, o->node);
	lt_put64(p, o->incarnation);
	lt_put64(p, o->id);
}

static void lt_get_owner(struct lt_reader *rd, struct dl_lt_owner *o)
{
	o->node = lt_get32(rd);
	o->incarnation = lt_get64(rd);
	o->id = lt_get64(rd);
}

int dl_lt_cmd_encode(const struct dl_lt_cmd *c, u8 *buf, size_t len)
{
	size_t need;
	u8 *p = buf;

	if (dl_lt_cmd_check(c))
		return -EINVAL;
	need = dl_lt_cmd_size(c);
	if (need > len)
		return -ENOSPC;

	lt_put8(&p, c->type);
	switch (c->type) {
	case DL_LT_CMD_EXPIRE_NODE:
		lt_put32(&p, c->owner.node);
		return p - buf;
	case DL_LT_CMD_NODE_INCARNATION:
		lt_put32(&p, c->owner.node);
		lt_put64(&p, c->owner.incarnation);
		return p - buf;
	case DL_LT_CMD_REVOKE_ALL:
		return p - buf;
	}

	lt_put_owner(&p, &c->owner);
	lt_put64(&p, c->req_id);
	if (dl_lt_cmd_has_floor(c->type))
		lt_put64(&p, c->floor);
	switch (c->type) {
	case DL_LT_CMD_LS_CREATE:
		lt_put8(&p, c->lvb_len);
		lt_put8(&p, c->flags);
		lt_put8(&p, c->name_len);
		lt_putmem(&p, c->name, c->name_len);
		break;
	case DL_LT_CMD_LS_REMOVE:
		lt_put32(&p, c->ls_id);
		break;
	case DL_LT_CMD_LOCK:
		lt_put32(&p, c->ls_id);
		lt_put8(&p, c->mode);
		lt_put8(&p, c->flags);
		if (c->flags & DL_LKF_CONVERT) {
			lt_put64(&p, c->lock_id);
			lt_put8(&p, c->lvb_len);
			lt_putmem(&p, c->lvb, c->lvb_len);
		} else {
			lt_put8(&p, c->name_len);
			lt_putmem(&p, c->name, c->name_len);
		}
		break;
	case DL_LT_CMD_UNLOCK:
		lt_put64(&p, c->lock_id);
		lt_put8(&p, c->flags);
		lt_put8(&p, c->lvb_len);
		lt_putmem(&p, c->lvb, c->lvb_len);
		break;
	case DL_LT_CMD_CANCEL:
		lt_put64(&p, c->lock_id);
		lt_put64(&p, c->target_req);
		break;
	}
	return p - buf;
}

/* Variable part: a length byte, then that many bytes, at most @max. */
static u8 lt_get_var(struct lt_reader *rd, u8 *dst, size_t max)
{
	u8 len = lt_get8(rd);

	if (len > max) {
		rd->err = true;
		return 0;
	}
	lt_getmem(rd, dst, len);
	return len;
}

int dl_lt_cmd_decode(const u8 *buf, size_t len, struct dl_lt_cmd *c)
{
	struct lt_reader rd = { .p = buf, .left = len };

	memset(c, 0, sizeof(*c));
	if (!buf)
		return -EINVAL;
	c->type = lt_get8(&rd);
	switch (c->type) {
	case DL_LT_CMD_EXPIRE_NODE:
		c->owner.node = lt_get32(&rd);
		goto out;
	case DL_LT_CMD_NODE_INCARNATION:
		c->owner.node = lt_get32(&rd);
		c->owner.incarnation = lt_get64(&rd);
		goto out;
	case DL_LT_CMD_REVOKE_ALL:
		goto out;
	case DL_LT_CMD_LS_CREATE:
	case DL_LT_CMD_LS_REMOVE:
	case DL_LT_CMD_LOCK:
	case DL_LT_CMD_UNLOCK:
	case DL_LT_CMD_CANCEL:
	case DL_LT_CMD_RELEASE_OWNER:
		break;
	default:
		return -EINVAL;
	}

	lt_get_owner(&rd, &c->owner);
	c->req_id = lt_get64(&rd);
	if (dl_lt_cmd_has_floor(c->type))
		c->floor = lt_get64(&rd);
	switch (c->type) {
	case DL_LT_CMD_LS_CREATE:
		c->lvb_len = lt_get8(&rd);
		c->flags = lt_get8(&rd);
		c->name_len = lt_get_var(&rd, c->name, DL_LT_NAME_MAX);
		break;
	case DL_LT_CMD_LS_REMOVE:
		c->ls_id = lt_get32(&rd);
		break;
	case DL_LT_CMD_LOCK:
		c->ls_id = lt_get32(&rd);
		c->mode = lt_get8(&rd);
		c->flags = lt_get8(&rd);
		if (c->flags & DL_LKF_CONVERT) {
			c->lock_id = lt_get64(&rd);
			c->lvb_len = lt_get_var(&rd, c->lvb, DL_LT_LVB_MAX);
		} else {
			c->name_len = lt_get_var(&rd, c->name, DL_LT_NAME_MAX);
		}
		break;
	case DL_LT_CMD_UNLOCK:
		c->lock_id = lt_get64(&rd);
		c->flags = lt_get8(&rd);
		c->lvb_len = lt_get_var(&rd, c->lvb, DL_LT_LVB_MAX);
		break;
	case DL_LT_CMD_CANCEL:
		c->lock_id = lt_get64(&rd);
		c->target_req = lt_get64(&rd);
		break;
	}
out:
	if (rd.err || dl_lt_cmd_check(c))
		return -EINVAL;
	return (int)(len - rd.left);
}

void dl_lt_batch_init(struct dl_lt_batch *b)
{
	b->buf[0] = LT_BATCH_VERSION;
	b->buf[1] = 0;
	b->len = DL_LT_BATCH_HDR;
	b->count = 0;
}

int dl_lt_batch_add(struct dl_lt_batch *b, const struct dl_lt_cmd *cmd)
{
	int n;

	if (dl_lt_cmd_check(cmd))
		return -EINVAL;
	if (b->count >= DL_LT_BATCH_MAX_CMDS)
		return -ENOSPC;
	n = dl_lt_cmd_encode(cmd, b->buf + b->len, sizeof(b->buf) - b->len);
	if (n < 0)
		return n;
	b->len += n;
	b->count++;
	b->buf[1] = (u8)b->count;
	return 0;
}

int dl_lt_batch_decode(const u8 *buf, size_t len, struct dl_lt_cmd *cmds,
		       u32 max)
{
	size_t off = DL_LT_BATCH_HDR;
	u32 count, i;

	if (!buf || len < DL_LT_BATCH_HDR || len > DL_LT_ENTRY_MAX ||
	    buf[0] != LT_BATCH_VERSION)
		return -EINVAL;
	count = buf[1];
	if (!count || count > max)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		struct dl_lt_cmd scratch;
		int n = dl_lt_cmd_decode(buf + off, len - off,
					 cmds ? &cmds[i] : &scratch);

		if (n < 0)
			return -EINVAL;
		off += n;
	}
	if (off != len)
		return -EINVAL;
	return count;
}
