// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/dlock.
 *
 * An open file is bound to the node of the network namespace of the process
 * that opened it, for its whole life, like a socket: it holds a reference on
 * that namespace, so the node outlives every file using it, and passing the
 * file to a process in another namespace does not change which node it
 * talks to.  Locks belong to the open file (struct dlock_file, a local
 * owner of the node) and are released in the whole cell when it is closed,
 * which also happens when its process dies.
 *
 * A blocking LOCK waits for the core's completion event; a signal cancels
 * the request, and a grant that won the race is not lost: it is unlocked
 * (or, for a conversion, kept and reported).  DLOCK_LKF_ASYNC requests and
 * notifications (blocking, revoked) are read() as struct dlock_event.
 *
 * ioctl numbers are matched whole: type, number, direction and size.  A
 * known number with another size or direction is a different, unknown
 * request (-ENOTTY), never a guess.  The structs have the same layout for
 * 32-bit callers, so compat_ptr_ioctl only needs to convert the pointer.
 */

#include "chardev.h"
#include "netns.h"
#include "node.h"

#include "core/locktable.h"

#include <linux/dlock.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

/* Lockspaces one file may have open at a time. */
#define DLOCK_FILE_MAX_LS	16
/* Events waiting for read(); more are dropped (and counted). */
#define DLOCK_FILE_EVQ		256

/* A lockspace handle of a file: ls_id is its index + 1. */
struct dlock_file_ls {
	u8 name[DLOCK_NAME_MAX];
	u32 len;
};

/*
 * What the file knows of a lock it holds, for LOCK_INFO.  A file may hold
 * a million locks, most without a value block: those records are 16 bytes
 * (kmalloc-16), and only a grant that carried a value block gets room for
 * one (DLOCK_LVB_MAX, @lvb_room).
 */
struct dlock_file_lock {
	u64 token;
	u8 mode;
	u8 lvb_len;
	u8 lvb_room;
	u8 lvb[];
};

/*
 * A blocking call waiting for its completion: LOCK by request id, UNLOCK by
 * lock id.  Lives on the waiter's stack, on the file's list under dn->lock.
 */
struct dlock_file_wait {
	struct list_head entry;
	bool unlock;
	u64 req_id;
	u64 lock_id;
	bool done;
	struct dl_lock_event ev;
};

/* What one open of /dev/dlock holds.  Guarded by the node's dn->lock. */
struct dlock_file {
	/* The opener's namespace, hence the node; a reference of ours. */
	struct net *net;
	struct dlock_owner owner;
	/* The node generation the file's locks live in (netns.h). */
	u32 generation;

	struct dlock_file_ls ls[DLOCK_FILE_MAX_LS];
	u32 n_ls;

	/* lock id -> struct dlock_file_lock, for granted locks. */
	struct xarray locks;
	struct list_head waiters;
	/* Locks unlocked for an interrupted LOCK: their UNLOCKED is quiet. */
	u64 quiet[8];

	wait_queue_head_t wq;
	struct dlock_event evq[DLOCK_FILE_EVQ];
	u32 ev_head, ev_count;
	u64 ev_dropped;
};

static struct dlock_file *owner_file(struct dlock_owner *owner)
{
	return container_of(owner, struct dlock_file, owner);
}

static void dlock_file_push(struct dlock_file *df, const struct dl_lock_event *ev)
{
	struct dlock_event *e;

	if (df->ev_count == DLOCK_FILE_EVQ) {
		df->ev_dropped++;
		return;
	}
	e = &df->evq[(df->ev_head + df->ev_count) % DLOCK_FILE_EVQ];
	memset(e, 0, sizeof(*e));
	/* The core's event kinds have the uapi's numbers (core/node.h). */
	e->type = ev->type;
	e->status = ev->status < 0 ? -ev->status : 0;
	e->lock_id = ev->lock_id;
	e->cookie = ev->cookie;
	e->token = ev->token;
	e->mode = ev->mode;
	e->lvb_len = min_t(u32, ev->lvb_len, DLOCK_LVB_MAX);
	memcpy(e->lvb, ev->lvb, e->lvb_len);
	df->ev_count++;
}

static bool dlock_file_quiet(struct dlock_file *df, u64 lock_id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(df->quiet); i++) {
		if (df->quiet[i] == lock_id) {
			df->quiet[i] = 0;
			return true;
		}
	}
	return false;
}

static void dlock_file_track(struct dlock_file *df, const struct dl_lock_event *ev)
{
	struct dlock_file_lock *fl;
	u32 lvb_len;

	switch (ev->type) {
	case DL_LEV_GRANTED:
		lvb_len = min_t(u32, ev->lvb_len, DLOCK_LVB_MAX);
		fl = xa_load(&df->locks, ev->lock_id);
		if (!fl || lvb_len > fl->lvb_room) {
			u32 room = lvb_len ? DLOCK_LVB_MAX : 0;
			struct dlock_file_lock *nfl;

			nfl = kzalloc(struct_size(nfl, lvb, room), GFP_KERNEL);
			if (nfl) {
				nfl->lvb_room = room;
				/* replacing an entry never allocates */
				if (xa_err(xa_store(&df->locks, ev->lock_id,
						    nfl, GFP_KERNEL))) {
					kfree(nfl);
					nfl = NULL;
				} else {
					kfree(fl);
					fl = nfl;
				}
			}
			if (!fl)
				return;
			/* no room for the new value block: none is shown */
			if (lvb_len > fl->lvb_room)
				lvb_len = 0;
		}
		fl->token = ev->token;
		fl->mode = ev->mode;
		fl->lvb_len = lvb_len;
		memcpy(fl->lvb, ev->lvb, lvb_len);
		break;
	case DL_LEV_UNLOCKED:
	case DL_LEV_REVOKED:
		kfree(xa_erase(&df->locks, ev->lock_id));
		break;
	}
}

/* Whether @ev completes the blocking call @w. */
static bool dlock_wait_matches(const struct dlock_file_wait *w,
			       const struct dl_lock_event *ev)
{
	/*
	 * A lock revoked (lease lost) while its release is in flight is gone
	 * all the same, and the core then says REVOKED, never UNLOCKED.
	 */
	if (w->unlock)
		return (ev->type == DL_LEV_UNLOCKED ||
			ev->type == DL_LEV_REVOKED) && ev->lock_id == w->lock_id;
	return ev->req_id && ev->req_id == w->req_id &&
	       (ev->type == DL_LEV_GRANTED || ev->type == DL_LEV_FAILED);
}

/* Owner op, under dn->lock: complete a blocking call or queue an event. */
static void dlock_file_event(struct dlock_owner *owner,
			     const struct dl_lock_event *ev)
{
	struct dlock_file *df = owner_file(owner);
	struct dlock_file_wait *w;

	dlock_file_track(df, ev);
	list_for_each_entry(w, &df->waiters, entry) {
		if (w->done)
			continue;
		if (dlock_wait_matches(w, ev)) {
			w->ev = *ev;
			w->done = true;
			wake_up_all(&df->wq);
			return;
		}
	}
	if (ev->type == DL_LEV_UNLOCKED && dlock_file_quiet(df, ev->lock_id))
		return;
	if (ev->type == DL_LEV_DONE)
		return;
	dlock_file_push(df, ev);
	wake_up_all(&df->wq);
}

/* Owner op, under dn->lock: the node stopped; every lock is gone. */
static void dlock_file_node_gone(struct dlock_owner *owner)
{
	struct dlock_file *df = owner_file(owner);
	struct dlock_file_lock *fl;
	struct dlock_file_wait *w;
	unsigned long id;

	list_for_each_entry(w, &df->waiters, entry) {
		if (w->done)
			continue;
		memset(&w->ev, 0, sizeof(w->ev));
		w->ev.type = w->unlock ? DL_LEV_UNLOCKED : DL_LEV_FAILED;
		w->ev.status = -ENOTCONN;
		w->done = true;
	}
	xa_for_each(&df->locks, id, fl) {
		struct dl_lock_event ev = {
			.type = DL_LEV_REVOKED,
			.lock_id = id,
			.token = fl->token,
			.mode = fl->mode,
		};

		dlock_file_push(df, &ev);
		kfree(xa_erase(&df->locks, id));
	}
	wake_up_all(&df->wq);
}

static const struct dlock_owner_ops dlock_file_owner_ops = {
	.event = dlock_file_event,
	.node_gone = dlock_file_node_gone,
};

static int dlock_chardev_open(struct inode *inode, struct file *file)
{
	struct dlock_file *df;
	struct dlock_net *dn;
	int ret;

	/* Events are read() as a stream: there is no file position. */
	ret = stream_open(inode, file);
	if (ret)
		return ret;

	df = kzalloc(sizeof(*df), GFP_KERNEL);
	if (!df)
		return -ENOMEM;
	df->net = get_net(current->nsproxy->net_ns);
	df->owner.ops = &dlock_file_owner_ops;
	xa_init(&df->locks);
	INIT_LIST_HEAD(&df->waiters);
	init_waitqueue_head(&df->wq);

	dn = dlock_net(df->net);
	mutex_lock(&dn->lock);
	ret = dlock_owner_register(dn, &df->owner);
	df->generation = dn->generation;
	mutex_unlock(&dn->lock);
	if (ret) {
		put_net(df->net);
		kfree(df);
		return ret;
	}
	file->private_data = df;
	return 0;
}

static int dlock_chardev_release(struct inode *inode, struct file *file)
{
	struct dlock_file *df = file->private_data;
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_file_lock *fl;
	unsigned long id;

	/* Every lock and request of the file goes, in the whole cell. */
	mutex_lock(&dn->lock);
	dlock_owner_unregister(dn, &df->owner);
	mutex_unlock(&dn->lock);

	xa_for_each(&df->locks, id, fl)
		kfree(fl);
	xa_destroy(&df->locks);
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

/*
 * The running node of the file, if its locks can live there: a node that
 * restarted since the file took locks has forgotten them.  Under dn->lock.
 */
static struct dlock_node *dlock_file_node(struct dlock_file *df,
					  struct dlock_net *dn)
{
	lockdep_assert_held(&dn->lock);
	if (!dn->node)
		return NULL;
	if (df->generation != dn->generation) {
		/* Nothing held survives a restart: start over in the new one. */
		if (!xa_empty(&df->locks) || !list_empty(&df->waiters))
			return NULL;
		df->generation = dn->generation;
	}
	return dn->node;
}

static long dlock_ioctl_ls_open(struct dlock_file *df,
				struct dlock_ls_open __user *uarg)
{
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_ls_open arg;
	size_t len;
	u32 i;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved)
		return -EINVAL;
	len = strnlen((const char *)arg.name, sizeof(arg.name));
	if (!len || len == sizeof(arg.name))
		return -EINVAL;
	/* NUL-padded: nothing may follow the terminating NUL. */
	for (i = len; i < sizeof(arg.name); i++)
		if (arg.name[i])
			return -EINVAL;

	mutex_lock(&dn->lock);
	/*
	 * A voter's lock table replica tells the value block size of a
	 * lockspace it has applied.  A name it lacks is not refused here: a
	 * follower may not have applied a lockspace the leader has just
	 * created (ADD_LOCKSPACE returns once the cell committed it, not
	 * once every replica applied it).  The leader resolves the name on
	 * the first lock request, which fails with -ENOENT if the lockspace
	 * does not exist; members, which keep no replica, work the same way.
	 */
	arg.lvb_len = 0;
	if (dn->node && dl_node_lt(dn->node->core)) {
		struct dl_lt_ls_info info;

		if (dl_lt_ls_find(dl_node_lt(dn->node->core), arg.name, len,
				  &info))
			arg.lvb_len = info.lvb_len;
	}
	for (i = 0; i < df->n_ls; i++)
		if (df->ls[i].len == len && !memcmp(df->ls[i].name, arg.name, len))
			break;
	if (i == df->n_ls) {
		if (df->n_ls == DLOCK_FILE_MAX_LS) {
			ret = -EMFILE;
			goto out;
		}
		memcpy(df->ls[i].name, arg.name, len);
		df->ls[i].len = len;
		df->n_ls++;
	}
	arg.ls_id = i + 1;
	ret = 0;
out:
	mutex_unlock(&dn->lock);
	if (!ret && copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return ret;
}

static void dlock_file_unwait(struct dlock_file *df, struct dlock_file_wait *w)
{
	list_del(&w->entry);
}

/*
 * A blocking LOCK was interrupted: cancel the request and wait for its end,
 * so that a grant which won the race is not lost: a new lock so granted is
 * unlocked (quietly), a conversion so granted is kept and reported.
 * Returns true when the request ended granted and is to be reported.
 */
static bool dlock_lock_interrupted(struct dlock_file *df, struct dlock_net *dn,
				   struct dlock_file_wait *w, bool convert)
{
	struct dlock_node *node;
	unsigned int i;

	mutex_lock(&dn->lock);
	node = dn->node;
	if (!w->done && node)
		dl_node_cancel(node->core, df->owner.id, w->lock_id);
	mutex_unlock(&dn->lock);

	/* Only a fatal signal stops this wait: close releases everything. */
	if (wait_event_killable(df->wq, READ_ONCE(w->done)))
		return false;

	mutex_lock(&dn->lock);
	if (w->ev.type == DL_LEV_GRANTED && !convert && dn->node) {
		for (i = 0; i < ARRAY_SIZE(df->quiet); i++) {
			if (!df->quiet[i]) {
				df->quiet[i] = w->lock_id;
				break;
			}
		}
		dl_node_unlock(dn->node->core, df->owner.id, w->lock_id,
			       NULL, 0);
	}
	mutex_unlock(&dn->lock);
	return w->ev.type == DL_LEV_GRANTED && convert;
}

static long dlock_ioctl_lock(struct dlock_file *df,
			     struct dlock_lock_req __user *ureq)
{
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_file_wait w = { };
	struct dl_lock_args args = { };
	struct dlock_lock_req req;
	struct dlock_node *node;
	u8 lvb[DLOCK_LVB_MAX];
	u64 req_id, lock_id;
	struct dlock_file_ls *ls;
	long ret;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.flags & ~DLOCK_LKF_ALL ||
	    req.mode >= DLOCK_MODE_COUNT ||
	    !req.name_len || req.name_len > DLOCK_NAME_MAX)
		return -EINVAL;
	if (req.flags & DLOCK_LKF_VALBLK &&
	    (req.lvb_len > DLOCK_LVB_MAX || (req.lvb_len && !req.lvb_ptr)))
		return -EINVAL;
	if (req.flags & DLOCK_LKF_CONVERT && !req.lock_id)
		return -EINVAL;
	if (req.flags & DLOCK_LKF_VALBLK && req.flags & DLOCK_LKF_CONVERT &&
	    req.lvb_len &&
	    copy_from_user(lvb, u64_to_user_ptr(req.lvb_ptr), req.lvb_len))
		return -EFAULT;

	mutex_lock(&dn->lock);
	if (!req.ls_id || req.ls_id > df->n_ls) {
		ret = -EBADF;
		goto err_unlock;
	}
	node = dlock_file_node(df, dn);
	if (!node) {
		ret = -ENOTCONN;
		goto err_unlock;
	}
	ls = &df->ls[req.ls_id - 1];
	args.owner = df->owner.id;
	args.cookie = req.cookie;
	args.lockspace = ls->name;
	args.ls_len = ls->len;
	args.resource = req.name;
	args.res_len = req.name_len;
	args.mode = req.mode;
	/* DLOCK_LKF_* and DL_LKF_* share their values; ASYNC is ours. */
	args.flags = req.flags & ~DLOCK_LKF_ASYNC;
	args.lock_id = req.lock_id;
	args.timeout_ms = req.timeout_ms;
	if (req.flags & DLOCK_LKF_VALBLK && req.flags & DLOCK_LKF_CONVERT &&
	    req.lvb_len) {
		args.lvb = lvb;
		args.lvb_len = req.lvb_len;
	}
	dl_node_hold_events(node->core);
	ret = dl_node_lock(node->core, &args, &req_id, &lock_id);
	if (ret || req.flags & DLOCK_LKF_ASYNC)
		dl_node_deliver_events(node->core);
	if (ret)
		goto err_unlock;
	if (req.flags & DLOCK_LKF_ASYNC) {
		mutex_unlock(&dn->lock);
		req.lock_id = lock_id;
		req.status = 0;
		req.token = 0;
		if (copy_to_user(ureq, &req, sizeof(req)))
			return -EFAULT;
		return 0;
	}
	w.req_id = req_id;
	w.lock_id = lock_id;
	list_add_tail(&w.entry, &df->waiters);
	/* a grant from the node's cache completes here, no timer trip */
	dl_node_deliver_events(node->core);
	if (w.done) {
		/* and the call ends without taking the mutex again */
		dlock_file_unwait(df, &w);
		mutex_unlock(&dn->lock);
		goto done;
	}
	mutex_unlock(&dn->lock);

	ret = wait_event_interruptible(df->wq, READ_ONCE(w.done));
	if (ret) {
		bool keep = dlock_lock_interrupted(df, dn, &w,
						   req.flags & DLOCK_LKF_CONVERT);

		mutex_lock(&dn->lock);
		dlock_file_unwait(df, &w);
		mutex_unlock(&dn->lock);
		if (!keep)
			return req.timeout_ms ? -EINTR : -ERESTARTSYS;
	} else {
		mutex_lock(&dn->lock);
		dlock_file_unwait(df, &w);
		mutex_unlock(&dn->lock);
	}
done:
	if (w.ev.type != DL_LEV_GRANTED)
		return w.ev.status ? w.ev.status : -EIO;
	req.lock_id = lock_id;
	req.token = w.ev.token;
	req.status = 0;
	if (req.flags & DLOCK_LKF_VALBLK && req.lvb_len) {
		if (copy_to_user(u64_to_user_ptr(req.lvb_ptr), w.ev.lvb,
				 min_t(u32, req.lvb_len, w.ev.lvb_len)))
			return -EFAULT;
		req.lvb_len = min_t(u32, req.lvb_len, w.ev.lvb_len);
	}
	if (copy_to_user(ureq, &req, sizeof(req)))
		return -EFAULT;
	return 0;

err_unlock:
	mutex_unlock(&dn->lock);
	return ret;
}

static long dlock_ioctl_unlock(struct dlock_file *df,
			       struct dlock_unlock_req __user *ureq)
{
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_file_wait w = { .unlock = true };
	struct dlock_unlock_req req;
	struct dlock_node *node;
	u8 lvb[DLOCK_LVB_MAX];
	const u8 *lvbp = NULL;
	long ret;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~DLOCK_LKF_VALBLK || !req.lock_id)
		return -EINVAL;
	if (req.flags & DLOCK_LKF_VALBLK) {
		if (req.lvb_len > DLOCK_LVB_MAX || !req.lvb_len || !req.lvb_ptr)
			return -EINVAL;
		if (copy_from_user(lvb, u64_to_user_ptr(req.lvb_ptr),
				   req.lvb_len))
			return -EFAULT;
		lvbp = lvb;
	}

	mutex_lock(&dn->lock);
	node = dlock_file_node(df, dn);
	if (!node) {
		mutex_unlock(&dn->lock);
		return -ENOTCONN;
	}
	dl_node_hold_events(node->core);
	ret = dl_node_unlock(node->core, df->owner.id, req.lock_id, lvbp,
			     lvbp ? req.lvb_len : 0);
	if (ret) {
		dl_node_deliver_events(node->core);
		mutex_unlock(&dn->lock);
		return ret;
	}
	w.lock_id = req.lock_id;
	list_add_tail(&w.entry, &df->waiters);
	/* a release of a cached lock's local share is done here */
	dl_node_deliver_events(node->core);
	if (w.done) {
		dlock_file_unwait(df, &w);
		mutex_unlock(&dn->lock);
	} else {
		mutex_unlock(&dn->lock);
		/*
		 * The release is under way whatever happens now; wait for
		 * the cell to confirm it so the next holder can rely on it,
		 * unless a signal says not to bother.
		 */
		ret = wait_event_interruptible(df->wq, READ_ONCE(w.done));
		mutex_lock(&dn->lock);
		dlock_file_unwait(df, &w);
		mutex_unlock(&dn->lock);
	}
	/* Gone, but not released: its value block was not written. */
	if (!ret && w.ev.type == DL_LEV_REVOKED)
		return -ENOLCK;
	if (!ret && w.ev.status && w.ev.status != -ENOTCONN)
		return w.ev.status;
	return 0;
}

static long dlock_ioctl_cancel(struct dlock_file *df,
			       struct dlock_cancel_req __user *ureq)
{
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_cancel_req req;
	struct dlock_node *node;
	long ret;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	if (!req.lock_id)
		return -EINVAL;
	mutex_lock(&dn->lock);
	node = dlock_file_node(df, dn);
	ret = node ? dl_node_cancel(node->core, df->owner.id, req.lock_id) :
		     -ENOTCONN;
	mutex_unlock(&dn->lock);
	return ret;
}

static long dlock_ioctl_lock_info(struct dlock_file *df,
				  struct dlock_lock_info __user *uinfo)
{
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_file_lock *fl;
	struct dlock_lock_info info;
	long ret = 0;

	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if (!info.lock_id)
		return -EINVAL;
	mutex_lock(&dn->lock);
	fl = xa_load(&df->locks, info.lock_id);
	if (fl) {
		info.token = fl->token;
		info.mode = fl->mode;
		info.lvb_len = fl->lvb_len;
		memset(info.lvb, 0, sizeof(info.lvb));
		memcpy(info.lvb, fl->lvb, fl->lvb_len);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&dn->lock);
	if (!ret && copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return ret;
}

static long dlock_chardev_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct dlock_file *df = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DLOCK_IOC_VERSION:
		return dlock_ioctl_version(df, uarg);
	case DLOCK_IOC_LS_OPEN:
		return dlock_ioctl_ls_open(df, uarg);
	case DLOCK_IOC_LOCK:
		return dlock_ioctl_lock(df, uarg);
	case DLOCK_IOC_UNLOCK:
		return dlock_ioctl_unlock(df, uarg);
	case DLOCK_IOC_CANCEL:
		return dlock_ioctl_cancel(df, uarg);
	case DLOCK_IOC_LOCK_INFO:
		return dlock_ioctl_lock_info(df, uarg);
	default:
		return -ENOTTY;
	}
}

static bool dlock_file_has_events(struct dlock_file *df)
{
	return READ_ONCE(df->ev_count) > 0;
}

/* read(): whole struct dlock_event records, oldest first. */
static ssize_t dlock_chardev_read(struct file *file, char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct dlock_file *df = file->private_data;
	struct dlock_net *dn = dlock_net(df->net);
	struct dlock_event ev;
	ssize_t done = 0;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;
	for (;;) {
		mutex_lock(&dn->lock);
		if (df->ev_count)
			break;
		mutex_unlock(&dn->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(df->wq,
					       dlock_file_has_events(df));
		if (ret)
			return ret;
	}
	while (df->ev_count && count - done >= sizeof(ev)) {
		ev = df->evq[df->ev_head];
		df->ev_head = (df->ev_head + 1) % DLOCK_FILE_EVQ;
		df->ev_count--;
		mutex_unlock(&dn->lock);
		if (copy_to_user(buf + done, &ev, sizeof(ev)))
			return done ? done : -EFAULT;
		done += sizeof(ev);
		mutex_lock(&dn->lock);
	}
	mutex_unlock(&dn->lock);
	return done;
}

static __poll_t dlock_chardev_poll(struct file *file, poll_table *wait)
{
	struct dlock_file *df = file->private_data;

	poll_wait(file, &df->wq, wait);
	return dlock_file_has_events(df) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations dlock_chardev_fops = {
	.owner = THIS_MODULE,
	.open = dlock_chardev_open,
	.release = dlock_chardev_release,
	.read = dlock_chardev_read,
	.poll = dlock_chardev_poll,
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
