// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module load and unload.
 *
 * Order matters: the per-netns nodes exist before anything that can reach
 * them (the netlink family, then /dev/dlock) is registered, and go away only
 * after both are gone.
 */

#include "chardev.h"
#include "netlink.h"
#include "netns.h"
#include "node.h"
#include "version.h"

#include <linux/build_bug.h>
#include <linux/dlock.h>
#include <linux/init.h>
#include <linux/module.h>
#include <net/genetlink.h>

/*
 * The uapi structs must have the sizes the header promises, the same for
 * every compiler and word size, or 32-bit callers and libdlock break.
 */
static void __init dlock_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct dlock_version) != DLOCK_VERSION_SIZE);
	BUILD_BUG_ON(sizeof(struct dlock_ls_open) != DLOCK_LS_OPEN_SIZE);
	BUILD_BUG_ON(sizeof(struct dlock_lock_req) != DLOCK_LOCK_REQ_SIZE);
	BUILD_BUG_ON(sizeof(struct dlock_unlock_req) != DLOCK_UNLOCK_REQ_SIZE);
	BUILD_BUG_ON(sizeof(struct dlock_cancel_req) != DLOCK_CANCEL_REQ_SIZE);
	BUILD_BUG_ON(sizeof(struct dlock_lock_info) != DLOCK_LOCK_INFO_SIZE);
	BUILD_BUG_ON(sizeof(struct dlock_event) != DLOCK_EVENT_SIZE);
}

static int __init dlock_mod_init(void)
{
	int ret;

	dlock_check_abi();
	/* Before any node exists: nodes allocate through dl_zalloc(). */
	dlock_fail_alloc_init();

	ret = dlock_obj_caches_create();
	if (ret < 0)
		goto err_caches;

	ret = dlock_netns_init();
	if (ret < 0)
		goto err_netns;

	ret = dlock_genetlink_init();
	if (ret < 0)
		goto err_netlink;

	ret = dlock_chardev_init();
	if (ret < 0)
		goto err_chardev;

	pr_info("dlock " DLOCK_MODULE_VERSION " loaded (ABI %d)\n",
		DLOCK_ABI_VERSION);
	return 0;

err_chardev:
	dlock_genetlink_uninit();
err_netlink:
	dlock_netns_uninit();
err_netns:
	dlock_obj_caches_destroy();
err_caches:
	dlock_fail_alloc_exit();
	return ret;
}

static void __exit dlock_mod_exit(void)
{
	dlock_chardev_uninit();
	dlock_genetlink_uninit();
	dlock_netns_uninit();
	dlock_obj_caches_destroy();
	dlock_fail_alloc_exit();
}

module_init(dlock_mod_init);
module_exit(dlock_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dlock: distributed locks and leader election for a cell of nodes");
MODULE_AUTHOR("dlock developers");
MODULE_VERSION(DLOCK_MODULE_VERSION);
MODULE_ALIAS_GENL_FAMILY(DLOCK_GENL_NAME);
