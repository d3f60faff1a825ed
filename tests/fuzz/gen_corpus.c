// SPDX-License-Identifier: GPL-2.0
/*
 * gen_corpus.c - seed corpus for fuzz_ltcmd: a few valid entries (every
 * command type) and a few valid snapshots, written as files into the
 * directory named on the command line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "locktable.h"

static int nfile;
static const char *dir;

static void emit(u8 sel, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03d", dir, nfile++);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputc(sel, f);
	fwrite(p, 1, len, f);
	fclose(f);
}

static u8 snapbuf[1 << 16];
static size_t snaplen;

static int sink(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	if (snaplen + len > sizeof(snapbuf))
		return -ENOSPC;
	memcpy(snapbuf + snaplen, buf, len);
	snaplen += len;
	return 0;
}

int main(int argc, char **argv)
{
	struct dl_lt_owner a = { 1, 1, 1 }, b = { 2, 1, 1 };
	struct dl_lt_cmd c[12];
	struct dl_lt_batch batch;
	struct dl_lt *lt;
	int i, n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	memset(c, 0, sizeof(c));
	c[n].type = DL_LT_CMD_LS_CREATE;
	c[n].owner = a;
	c[n].req_id = 1;
	c[n].name_len = 2;
	memcpy(c[n].name, "ls", 2);
	c[n++].lvb_len = 32;
	c[n].type = DL_LT_CMD_LOCK;
	c[n].owner = a;
	c[n].req_id = 2;
	c[n].ls_id = 1;
	c[n].mode = 3;
	c[n].name_len = 1;
	c[n++].name[0] = 'r';
	c[n] = c[n - 1];
	c[n].owner = b;
	c[n++].mode = 5;
	c[n].type = DL_LT_CMD_LOCK;
	c[n].owner = a;
	c[n].req_id = 3;
	c[n].ls_id = 1;
	c[n].mode = 5;
	c[n].flags = DL_LKF_CONVERT | DL_LKF_VALBLK;
	c[n].lock_id = 1;
	c[n++].lvb_len = 32;
	c[n].type = DL_LT_CMD_UNLOCK;
	c[n].owner = a;
	c[n].req_id = 4;
	c[n++].lock_id = 1;
	c[n].type = DL_LT_CMD_CANCEL;
	c[n].owner = b;
	c[n].req_id = 5;
	c[n++].target_req = 2;
	c[n].type = DL_LT_CMD_RELEASE_OWNER;
	c[n].owner = b;
	c[n++].req_id = 6;
	c[n].type = DL_LT_CMD_EXPIRE_NODE;
	c[n++].owner.node = 2;
	c[n].type = DL_LT_CMD_NODE_INCARNATION;
	c[n].owner.node = 1;
	c[n++].owner.incarnation = 2;
	c[n++].type = DL_LT_CMD_REVOKE_ALL;
	c[n].type = DL_LT_CMD_LS_REMOVE;
	c[n].owner = a;
	c[n].req_id = 7;
	c[n++].ls_id = 1;

	/* one entry per command, and one with all of them */
	for (i = 0; i < n; i++) {
		dl_lt_batch_init(&batch);
		if (dl_lt_batch_add(&batch, &c[i]))
			return 1;
		emit(0, batch.buf, batch.len);
	}
	dl_lt_batch_init(&batch);
	for (i = 0; i < n; i++)
		if (dl_lt_batch_add(&batch, &c[i]))
			return 1;
	emit(0, batch.buf, batch.len);

	/* snapshots of the table after the first 1..4 commands */
	for (i = 1; i <= 4; i++) {
		int j;

		lt = dl_lt_create();
		for (j = 0; j < i; j++)
			dl_lt_apply(lt, &c[j], NULL, NULL);
		snaplen = 0;
		if (dl_lt_snapshot_save(lt, sink, NULL))
			return 1;
		emit((u8)(1 + 2 * (i * 13)), snapbuf, snaplen);
		dl_lt_destroy(lt);
	}
	return 0;
}
