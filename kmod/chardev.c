// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/dlock.
 *
 * An open file is bound to the node of the network namespace of the process
 * that opened it, for its whole life, like a socket: it holds a reference on
 * that namespace, so the node outlives every file using it, and passing the
 * file to a process in another namespace does not change which node it
 * talks to.  Locks will belong to the open file (struct dlock_file).
 *
 * ioctl numbers are matched whole: type, number, direction and size.  A
 * known number with another size or direction is a different, unknown
 * request (-ENOTTY), never a guess.  The structs have the same layout for
 * 32-bit callers, so compat_ptr_ioctl only needs to convert the pointer.
 */

#include "chardev.h"
#include "netns.h"

#include <linux/dlock.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

/* What one open of /dev/dlock holds. */
struct dlock_file {
	/* The opener's namespace, hence the node; a reference of ours. */
	struct net *net;
};

static int dlock_chardev_open(struct inode *inode, struct file *file)
{
	struct dlock_file *df;
	int ret;

	/* Events will be read() as a stream: there is no file position. */
	ret = stream_open(inode, file);
	if (ret)
		return ret;

	df = kzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return -ENOMEM;
	df->net = get_net(current->nsproxy->net_ns);
	file->private_data = df;
	return 0;
}

static int dlock_chardev_release(struct inode *inode, struct file *file)
{
	struct dlock_file *df = file->private_data;

	put_net(df->net);
	kfree(df);
	return 0;
}

static long dlock_ioctl_version(struct dlock_file *df,
				struct dlock_version __user *uver)
{
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_version ver = {
		.abi_version = DLOCK_ABI_VERSION,
	};

	mutex_lock(&dn->lock);
	ver.node_id = dn->node_id;
	ver.state = dn->state;
	mutex_unlock(&dn->lock);

	if (copy_to_user(uver, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long dlock_chardev_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct dlock_file *df = file->private_data;

	switch (cmd) {
	case DLOCK_IOC_VERSION:
		return dlock_ioctl_version(df, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations dlock_chardev_fops = {
	.owner = THIS_MODULE,
	.open = dlock_chardev_open,
	.release = dlock_chardev_release,
	.unlocked_ioctl = dlock_chardev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * Mode 0666: any program may take locks.  Administration goes through
 * netlink, which asks for CAP_NET_ADMIN.
 */
static struct miscdevice dlock_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = DLOCK_DEVICE_NAME,
	.fops = &dlock_chardev_fops,
	.mode = 0666,
};

int __init dlock_chardev_init(void)
{
	return misc_register(&dlock_misc);
}

void dlock_chardev_uninit(void)
{
	misc_deregister(&dlock_misc);
}
