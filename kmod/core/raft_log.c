// SPDX-License-Identifier: GPL-2.0
/*
 * raft_log.c - Raft's in-memory log (see raft_log.h).
 */
#include "raft_log.h"

#define DL_RAFT_LOG_MIN_CAP	16

static struct dl_raft_log_entry *slot(const struct dl_raft_log *log, u32 i)
{
	return &log->ring[(log->head + i) & (log->cap - 1)];
}

static void entry_free(struct dl_raft_log *log, struct dl_raft_log_entry *e)
{
	log->bytes -= e->len;
	dl_free(e->data);
	memset(e, 0, sizeof(*e));
}

void dl_raft_log_init(struct dl_raft_log *log)
{
	memset(log, 0, sizeof(*log));
}

void dl_raft_log_destroy(struct dl_raft_log *log)
{
	dl_raft_log_truncate_after(log, log->base_index);
	dl_free(log->ring);
	dl_raft_log_init(log);
}

const struct dl_raft_log_entry *dl_raft_log_get(const struct dl_raft_log *log,
						u64 index)
{
	if (index <= log->base_index || index > dl_raft_log_last(log))
		return NULL;
	return slot(log, (u32)(index - log->base_index - 1));
}

int dl_raft_log_term(const struct dl_raft_log *log, u64 index, u64 *term)
{
	const struct dl_raft_log_entry *e;

	if (index == log->base_index) {
		*term = log->base_term;
		return 0;
	}
	e = dl_raft_log_get(log, index);
	if (!e)
		return -ENOENT;
	*term = e->term;
	return 0;
}

u64 dl_raft_log_last_term(const struct dl_raft_log *log)
{
	if (!log->count)
		return log->base_term;
	return slot(log, log->count - 1)->term;
}

/* Double the ring, unwrapping it so the first entry lands in slot 0. */
static int grow(struct dl_raft_log *log)
{
	u32 new_cap = log->cap ? log->cap * 2 : DL_RAFT_LOG_MIN_CAP;
	struct dl_raft_log_entry *ring;
	u32 i;

	if (new_cap < log->cap)
		return -ENOMEM;
	ring = dl_zalloc(sizeof(*ring) * (size_t)new_cap);
	if (!ring)
		return -ENOMEM;
	for (i = 0; i < log->count; i++)
		ring[i] = *slot(log, i);
	dl_free(log->ring);
	log->ring = ring;
	log->cap = new_cap;
	log->head = 0;
	return 0;
}

int dl_raft_log_append(struct dl_raft_log *log, u64 term, u8 type,
		       const void *data, u16 len)
{
	struct dl_raft_log_entry *e;
	u8 *copy = NULL;

	if (log->count == log->cap && grow(log))
		return -ENOMEM;
	if (len) {
		copy = dl_zalloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, data, len);
	}
	e = slot(log, log->count);
	e->term = term;
	e->type = type;
	e->len = len;
	e->data = copy;
	log->count++;
	log->bytes += len;
	return 0;
}

void dl_raft_log_truncate_after(struct dl_raft_log *log, u64 index)
{
	while (log->count && dl_raft_log_last(log) > index) {
		entry_free(log, slot(log, log->count - 1));
		log->count--;
	}
}

void dl_raft_log_compact(struct dl_raft_log *log, u64 index)
{
	while (log->count && log->base_index < index) {
		struct dl_raft_log_entry *e = slot(log, 0);

		log->base_term = e->term;
		log->base_index++;
		entry_free(log, e);
		log->head = (log->head + 1) & (log->cap - 1);
		log->count--;
	}
}

void dl_raft_log_reset(struct dl_raft_log *log, u64 index, u64 term)
{
	dl_raft_log_truncate_after(log, log->base_index);
	log->base_index = index;
	log->base_term = term;
	log->head = 0;
}
