// SPDX-License-Identifier: GPL-2.0
/*
 * env.c - the kernel implementation of the core's seam (core/env.h).
 *
 * The core is only ever called from process context under the node's
 * dlock_net.lock (netlink, ioctls, and the node's ordered work items), so
 * everything here may sleep and allocate with GFP_KERNEL, except the timer
 * callback, which runs in interrupt context and only schedules work.
 */

#include "node.h"

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "core/env.h"
#include "core/objtypes.h"

static struct dlock_node *env_node(struct dl_env *env)
{
	return container_of(env, struct dlock_node, env);
}

u64 dl_env_now_ns(struct dl_env *env)
{
	return ktime_get_ns();
}

/* Interrupt context: hand over to the node's work, which takes the lock. */
static enum hrtimer_restart dlock_env_timer_fn(struct hrtimer *timer)
{
	struct dl_env *env = container_of(timer, struct dl_env, timer);

	dlock_node_timer_fired(env_node(env));
	return HRTIMER_NORESTART;
}

void dlock_env_init(struct dl_env *env)
{
	hrtimer_init(&env->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	env->timer.function = dlock_env_timer_fn;
}

void dl_env_timer_arm(struct dl_env *env, u64 deadline_ns)
{
	/*
	 * ktime_get_ns() is CLOCK_MONOTONIC, so the core's deadlines are
	 * absolute times of the hrtimer's clock; one in the past fires at
	 * once.  Re-arming replaces the previous deadline.
	 */
	if (deadline_ns >= KTIME_MAX) {
		/* "Never" (e.g. U64_MAX) would wrap to a past ktime. */
		hrtimer_try_to_cancel(&env->timer);
		return;
	}
	hrtimer_start(&env->timer, ns_to_ktime(deadline_ns), HRTIMER_MODE_ABS);
}

void dl_env_timer_cancel(struct dl_env *env)
{
	hrtimer_cancel(&env->timer);
}

int dl_env_send(struct dl_env *env, u32 dst_node, const void *buf, size_t len)
{
	return dlock_node_send(env_node(env), dst_node, buf, len);
}

u32 dl_env_random(struct dl_env *env)
{
	return get_random_u32();
}

/*
 * The lock table's hash arrays grow past what kmalloc can give (4 MiB and
 * more with a million locks held): kvzalloc falls back to vmalloc for
 * those instead of failing with a page allocator warning.
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/*
 * fail_alloc: failures injected into dl_zalloc() alone, configured in
 * /sys/kernel/debug/dlock/fail_alloc/ (probability, interval, times,
 * verbose...; Documentation/fault-injection/fault-injection.rst).
 * failslab can only aim at tasks, and most of the core's allocating (the
 * receive path, replication, the lock table) runs in the node's work items
 * on a kworker shared with the rest of the kernel: this attribute reaches
 * those allocations without failing anybody else's.  Off (probability 0)
 * until configured.
 */
static DECLARE_FAULT_ATTR(dlock_fail_alloc);
static struct dentry *dlock_debugfs_dir;

/*
 * Debugfs failing to create the files is no reason to refuse loading:
 * the attribute then stays off, as it is on kernels without it.
 */
void dlock_fail_alloc_init(void)
{
	dlock_debugfs_dir = debugfs_create_dir("dlock", NULL);
	fault_create_debugfs_attr("fail_alloc", dlock_debugfs_dir,
				  &dlock_fail_alloc);
}

void dlock_fail_alloc_exit(void)
{
	debugfs_remove_recursive(dlock_debugfs_dir);
	dlock_debugfs_dir = NULL;
}

static bool dlock_should_fail_alloc(size_t size)
{
	return should_fail(&dlock_fail_alloc, size);
}
#else
static bool dlock_should_fail_alloc(size_t size)
{
	return false;
}
#endif

void *dl_zalloc(size_t size)
{
	if (dlock_should_fail_alloc(size))
		return NULL;
	return kvzalloc(size, GFP_KERNEL);
}

void dl_free(const void *p)
{
	kvfree(p);
}

/*
 * Typed objects (core/env.h): one kmem_cache per type, of the type's exact
 * size, all created when the module loads (core/objtypes.h says why not
 * on first use) and destroyed at unload, after every node is gone.
 */
void *dl_obj_zalloc(struct dl_objtype *type)
{
	if (dlock_should_fail_alloc(type->size))
		return NULL;
	return kmem_cache_zalloc(type->host, GFP_KERNEL);
}

void dl_obj_free(struct dl_objtype *type, const void *p)
{
	if (p)
		kmem_cache_free(type->host, (void *)p);
}

int dlock_obj_caches_create(void)
{
	unsigned int i;

	for (i = 0; i < dl_nobjtypes; i++) {
		struct dl_objtype *type = dl_objtypes[i];

		type->host = kmem_cache_create(type->name, type->size, 0, 0,
					       NULL);
		if (!type->host) {
			dlock_obj_caches_destroy();
			return -ENOMEM;
		}
	}
	return 0;
}

/* At unload, or when creating them failed; NULL ones were never made. */
void dlock_obj_caches_destroy(void)
{
	unsigned int i;

	for (i = 0; i < dl_nobjtypes; i++) {
		kmem_cache_destroy(dl_objtypes[i]->host);
		dl_objtypes[i]->host = NULL;
	}
}

/* The core names the node in its messages; only the level is ours. */
void dl_env_log(struct dl_env *env, int level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (level) {
	case DL_LOG_ERR:
		pr_err("%pV\n", &vaf);
		break;
	case DL_LOG_WARN:
		pr_warn("%pV\n", &vaf);
		break;
	case DL_LOG_INFO:
		pr_info("%pV\n", &vaf);
		break;
	default:
		/* Debug chatter goes through dynamic debug. */
		pr_debug("%pV\n", &vaf);
		break;
	}
	va_end(args);
}
