/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dlock_api.h - the in-kernel API of dlock, shaped like fs/dlm's: a kernel
 * client opens a lockspace in a network namespace (that namespace's node),
 * and takes, converts and releases locks asynchronously, learning outcomes
 * through a completion callback (the AST) and requests that its locks
 * block through a blocking callback (the BAST).  dlock_lock_sync() and
 * dlock_unlock_sync() wait for the outcome instead.
 *
 * Callbacks run in process context from a work item, never under dlock's
 * locks, so they may call back into this API (e.g. unlock from a BAST).
 * Callbacks of one lockspace run one at a time, in the order of events.
 */
#ifndef DLOCK_API_H
#define DLOCK_API_H

#include <linux/types.h>
#include <linux/dlock.h>

struct net;
struct dlock_ls;

/**
 * struct dlock_lksb - the lock status block of one lock
 * @status: outcome of the last request: 0 granted, -EAGAIN (NOQUEUE),
 *	-ETIMEDOUT, -ECANCELED, -ENOENT (no such lockspace), -ENOTCONN (the
 *	node stopped), -ENOLCK (the lock was revoked: lease lost or re-form),
 *	or for an unlock, 0 once it completed
 * @lock_id: the lock's id, set by dlock_lock(); give it back for
 *	conversions (DLOCK_LKF_CONVERT) and unlocks
 * @token: fencing token of the last grant
 * @mode: granted mode
 * @lvb: with DLOCK_LKF_VALBLK, a DLOCK_LVB_MAX-byte value block buffer:
 *	written from PW/EX on conversion down and unlock, read on grant
 * @lvb_len: bytes of @lvb valid after a grant
 */
struct dlock_lksb {
	int status;
	u64 lock_id;
	u64 token;
	u32 mode;
	u8 *lvb;
	u32 lvb_len;
};

/* Completion (AST) and blocking (BAST) callbacks. */
typedef void (*dlock_ast_t)(void *astarg);
typedef void (*dlock_bast_t)(void *astarg, int mode);

int dlock_ls_open(struct net *net, const char *name, struct dlock_ls **lsp);
void dlock_ls_close(struct dlock_ls *ls);

int dlock_lock(struct dlock_ls *ls, int mode, struct dlock_lksb *lksb,
	       u32 flags, const void *name, unsigned int namelen,
	       u32 timeout_ms, dlock_ast_t ast, void *astarg,
	       dlock_bast_t bast);
int dlock_unlock(struct dlock_ls *ls, struct dlock_lksb *lksb, u32 flags);
int dlock_cancel(struct dlock_ls *ls, struct dlock_lksb *lksb);

int dlock_lock_sync(struct dlock_ls *ls, int mode, struct dlock_lksb *lksb,
		    u32 flags, const void *name, unsigned int namelen,
		    u32 timeout_ms);
int dlock_unlock_sync(struct dlock_ls *ls, struct dlock_lksb *lksb,
		      u32 flags);

#endif /* DLOCK_API_H */
