// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ltcmd.c - libFuzzer target for the lock table's decoders.
 *
 * The first input byte picks the decoder:
 *   even: the rest is a Raft entry (command batch).  A decode must either
 *         fail with -EINVAL or re-encode to exactly the same bytes; an
 *         accepted entry is then applied to a small table and must keep it
 *         consistent (the table checks its own counters against a walk).
 *   odd:  the rest is a snapshot, fed to the loader in pieces whose size
 *         comes from the first byte.  An accepted snapshot must save back
 *         to the same bytes.
 * ASan catches any out-of-bounds read; abort() flags a broken property.
 */
#include <stdio.h>
#include <stdlib.h>

#include "locktable.h"

/* The unit-test host seam gives us dl_zalloc() and friends. */

static int count_lock(void *ctx, const struct dl_lt_lock_info *lk)
{
	u64 *n = ctx;

	(void)lk;
	(*n)++;
	return 0;
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "property broken: %s\n", what);
		abort();
	}
}

struct sink {
	u8 *p;
	size_t len, cap;
};

static int sink_fn(void *ctx, const void *buf, size_t len)
{
	struct sink *s = ctx;

	if (s->len + len > s->cap) {
		size_t cap = s->cap * 2 + len + 4096;
		u8 *p = realloc(s->p, cap);

		if (!p)
			return -ENOMEM;
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->len, buf, len);
	s->len += len;
	return 0;
}

static void fuzz_entry(const u8 *data, size_t size)
{
	static struct dl_lt_cmd cmds[DL_LT_BATCH_MAX_CMDS];
	struct dl_lt_batch re;
	struct dl_lt_stats st;
	struct dl_lt *lt;
	struct dl_lt_cmd ls = { .type = DL_LT_CMD_LS_CREATE, .req_id = 1,
				.name_len = 2, .name = "ls", .lvb_len = 32 };
	u64 walked = 0;
	u32 id;
	int n, i;

	n = dl_lt_batch_decode(data, size, cmds, DL_LT_BATCH_MAX_CMDS);
	if (n < 0) {
		check(n == -EINVAL, "decode error is -EINVAL");
		return;
	}
	dl_lt_batch_init(&re);
	for (i = 0; i < n; i++)
		check(!dl_lt_batch_add(&re, &cmds[i]), "re-encode");
	check(re.len == size && !memcmp(re.buf, data, size),
	      "one command, one encoding");

	lt = dl_lt_create();
	if (!lt)
		return;
	ls.owner.node = 9;
	dl_lt_apply(lt, &ls, NULL, NULL);
	check(dl_lt_apply_entry(lt, data, size, NULL, NULL) == 0,
	      "valid entry applies");
	/* apply it twice: repeats must be harmless */
	check(dl_lt_apply_entry(lt, data, size, NULL, NULL) == 0,
	      "valid entry applies again");
	dl_lt_get_stats(lt, &st);
	for (id = 1; id <= 8; id++)
		dl_lt_walk_locks(lt, id, 0, count_lock, &walked);
	check(walked == st.locks, "lock count matches a walk");
	dl_lt_destroy(lt);
}

static void fuzz_snapshot(const u8 *data, size_t size, size_t step)
{
	struct dl_lt_loader *ld = dl_lt_load_begin();
	struct sink s = { 0 };
	struct dl_lt *lt = NULL;
	size_t off = 0;

	if (!ld)
		return;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (dl_lt_load_chunk(ld, data + off, n))
			break;
		off += n;
	}
	if (dl_lt_load_end(ld, &lt))
		return;
	check(!dl_lt_snapshot_save(lt, sink_fn, &s), "save a loaded table");
	check(s.len == size && !memcmp(s.p, data, size),
	      "a loaded snapshot saves back the same");
	free(s.p);
	dl_lt_destroy(lt);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_snapshot(data + 1, size - 1, 1 + (data[0] >> 1));
	else
		fuzz_entry(data + 1, size - 1);
	return 0;
}
