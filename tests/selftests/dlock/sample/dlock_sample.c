// SPDX-License-Identifier: GPL-2.0
/*
 * dlock_sample.ko: a kernel client of dlock's in-kernel API, for the
 * selftests.  Loaded (insmod) in a network namespace whose node is in a
 * running cell with the lockspace "ls" (module parameter), it runs from its
 * init, in kernel context:
 *
 *   1. handle A takes EX on "res" asynchronously (completion + blocking
 *      callbacks) and is granted with a fencing token;
 *   2. handle B's NOQUEUE EX request fails with -EAGAIN;
 *   3. handle B's blocking PR request waits, and A gets a blocking
 *      callback asking for PR;
 *   4. A unlocks asynchronously; B is granted PR with a larger token;
 *   5. B converts down to NL and releases with the synchronous helpers;
 *      A takes EX again with dlock_lock_sync() and releases it.
 *
 * It prints "dlock_sample: PASS" and loads, or "dlock_sample: FAIL: ..."
 * and refuses to load (-EIO), so insmod's status is the test result.
 */
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "dlock_api.h"

static char *ls = "sample";
module_param(ls, charp, 0444);
MODULE_PARM_DESC(ls, "lockspace to use (must exist in the cell)");

static char *res = "sample-res";
module_param(res, charp, 0444);
MODULE_PARM_DESC(res, "resource name");

/* Outcome of one lock's callbacks. */
struct sample_lock {
	struct dlock_lksb lksb;
	struct completion ast;
	struct completion bast;
	int bast_mode;
};

static void sample_ast(void *arg)
{
	struct sample_lock *sl = arg;

	complete(&sl->ast);
}

static void sample_bast(void *arg, int mode)
{
	struct sample_lock *sl = arg;

	sl->bast_mode = mode;
	complete(&sl->bast);
}

static void sample_init_lock(struct sample_lock *sl)
{
	memset(sl, 0, sizeof(*sl));
	init_completion(&sl->ast);
	init_completion(&sl->bast);
	sl->bast_mode = -1;
}

/* Wait for a callback, at most 20 s (TCG is slow, failover slower). */
static bool sample_wait(struct completion *c)
{
	return wait_for_completion_timeout(c, 20 * HZ) > 0;
}

#define FAIL(fmt, ...) do {						\
	pr_err("dlock_sample: FAIL: " fmt "\n", ##__VA_ARGS__);		\
	ret = -EIO;							\
	goto out;							\
} while (0)

static int sample_run(struct net *net)
{
	static struct sample_lock a, b;
	struct dlock_ls *lsa = NULL, *lsb = NULL;
	struct dlock_lksb sync = { };
	size_t rlen = strlen(res);
	u64 token_a;
	int ret;

	sample_init_lock(&a);
	sample_init_lock(&b);
	ret = dlock_ls_open(net, ls, &lsa);
	if (ret)
		FAIL("dlock_ls_open A: %d", ret);
	ret = dlock_ls_open(net, ls, &lsb);
	if (ret)
		FAIL("dlock_ls_open B: %d", ret);

	/* 1 */
	ret = dlock_lock(lsa, DLOCK_MODE_EX, &a.lksb, 0, res, rlen, 0,
			 sample_ast, &a, sample_bast);
	if (ret)
		FAIL("dlock_lock A EX: %d", ret);
	if (!sample_wait(&a.ast) || a.lksb.status)
		FAIL("A EX not granted: %d", a.lksb.status);
	token_a = a.lksb.token;
	pr_info("dlock_sample: A granted EX, token %llu\n", token_a);

	/* 2 */
	ret = dlock_lock(lsb, DLOCK_MODE_EX, &b.lksb, DLOCK_LKF_NOQUEUE, res,
			 rlen, 0, sample_ast, &b, NULL);
	if (ret)
		FAIL("dlock_lock B NOQUEUE: %d", ret);
	if (!sample_wait(&b.ast) || b.lksb.status != -EAGAIN)
		FAIL("B NOQUEUE: status %d, not -EAGAIN", b.lksb.status);
	pr_info("dlock_sample: B NOQUEUE EX refused with -EAGAIN\n");

	/* 3 */
	sample_init_lock(&b);
	ret = dlock_lock(lsb, DLOCK_MODE_PR, &b.lksb, 0, res, rlen, 0,
			 sample_ast, &b, NULL);
	if (ret)
		FAIL("dlock_lock B PR: %d", ret);
	if (!sample_wait(&a.bast) || a.bast_mode != DLOCK_MODE_PR)
		FAIL("A got no blocking callback for PR (mode %d)",
		     a.bast_mode);
	if (completion_done(&b.ast))
		FAIL("B granted PR while A holds EX");
	pr_info("dlock_sample: A got a blocking callback for PR\n");

	/* 4 */
	reinit_completion(&a.ast);
	ret = dlock_unlock(lsa, &a.lksb, 0);
	if (ret)
		FAIL("dlock_unlock A: %d", ret);
	if (!sample_wait(&a.ast) || a.lksb.status)
		FAIL("A unlock: %d", a.lksb.status);
	if (!sample_wait(&b.ast) || b.lksb.status)
		FAIL("B PR not granted after A's unlock: %d", b.lksb.status);
	if (b.lksb.token <= token_a)
		FAIL("token did not grow: %llu then %llu", token_a,
		     b.lksb.token);
	pr_info("dlock_sample: B granted PR, token %llu\n", b.lksb.token);

	/* 5 */
	ret = dlock_lock_sync(lsb, DLOCK_MODE_NL, &b.lksb, DLOCK_LKF_CONVERT,
			      res, rlen, 10000);
	if (ret)
		FAIL("B convert to NL: %d", ret);
	ret = dlock_unlock_sync(lsb, &b.lksb, 0);
	if (ret)
		FAIL("B unlock_sync: %d", ret);
	ret = dlock_lock_sync(lsa, DLOCK_MODE_EX, &sync, 0, res, rlen, 10000);
	if (ret)
		FAIL("A lock_sync EX: %d", ret);
	ret = dlock_unlock_sync(lsa, &sync, 0);
	if (ret)
		FAIL("A unlock_sync: %d", ret);
	pr_info("dlock_sample: PASS\n");
out:
	dlock_ls_close(lsb);
	dlock_ls_close(lsa);
	return ret;
}

static int __init dlock_sample_init(void)
{
	return sample_run(current->nsproxy->net_ns);
}

static void __exit dlock_sample_exit(void)
{
}

module_init(dlock_sample_init);
module_exit(dlock_sample_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dlock in-kernel API sample client (selftests)");
