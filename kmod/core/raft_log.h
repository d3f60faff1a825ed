/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raft_log.h - Raft's in-memory log: entries after a base (the last index
 * covered by a snapshot or dropped by compaction), in a ring that grows by
 * doubling so that both appending at the tail and compacting at the head
 * are cheap.  Internal to raft*.c.
 */
#ifndef DLOCK_CORE_RAFT_LOG_H
#define DLOCK_CORE_RAFT_LOG_H

#include "env.h"

/**
 * struct dl_raft_log_entry - an entry the log owns
 * @term: term of the leader that created it
 * @type: enum dl_raft_entry_type
 * @len: bytes at @data
 * @data: owned copy (NULL when @len is 0)
 */
struct dl_raft_log_entry {
	u64 term;
	u8 type;
	u16 len;
	u8 *data;
};

/**
 * struct dl_raft_log - entries base_index+1 .. base_index+count
 * @base_index: index just before the first entry held
 * @base_term: term of the entry at @base_index (0 for index 0)
 * @ring: @cap slots, @count used from @head
 * @cap: a power of two, or 0 before the first append
 * @head: slot of the first entry
 * @count: entries held
 * @bytes: sum of the data lengths held
 */
struct dl_raft_log {
	u64 base_index;
	u64 base_term;
	struct dl_raft_log_entry *ring;
	u32 cap;
	u32 head;
	u32 count;
	u64 bytes;
};

void dl_raft_log_init(struct dl_raft_log *log);
void dl_raft_log_destroy(struct dl_raft_log *log);

static inline u64 dl_raft_log_first(const struct dl_raft_log *log)
{
	return log->base_index + 1;
}

static inline u64 dl_raft_log_last(const struct dl_raft_log *log)
{
	return log->base_index + log->count;
}

/* The entry at @index, or NULL if compacted away or not yet appended. */
const struct dl_raft_log_entry *dl_raft_log_get(const struct dl_raft_log *log,
						u64 index);

/*
 * Term at @index into @term: works for the base index too.  0, or -ENOENT
 * when @index is below the base or past the last entry.
 */
int dl_raft_log_term(const struct dl_raft_log *log, u64 index, u64 *term);

/* Last term, base term when empty. */
u64 dl_raft_log_last_term(const struct dl_raft_log *log);

/* Append a copy of @data at last + 1; 0 or -ENOMEM (log unchanged). */
int dl_raft_log_append(struct dl_raft_log *log, u64 term, u8 type,
		       const void *data, u16 len);

/* Drop entries after @index (@index >= base). */
void dl_raft_log_truncate_after(struct dl_raft_log *log, u64 index);

/*
 * Drop entries up to and including @index (base < @index <= last); the base
 * becomes @index with its term.
 */
void dl_raft_log_compact(struct dl_raft_log *log, u64 index);

/* Drop every entry; the log restarts after @index of @term. */
void dl_raft_log_reset(struct dl_raft_log *log, u64 index, u64 term);

#endif /* DLOCK_CORE_RAFT_LOG_H */
