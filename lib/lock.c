// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lock.c - the lock calls over /dev/dlock: lockspace handles, synchronous,
 * non-blocking, time-limited and asynchronous locks, conversions, unlock,
 * cancel, the value block and the fencing token.
 *
 * Every call is one ioctl on the handle's file, and the kernel serializes
 * them per file; the handle holds no state of its own that a call changes,
 * so one handle may be used by several threads at once (a thread blocked in
 * dlock_lock() does not stop another from unlocking).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "dlock.h"
#include "device.h"

/* The user pointer of an ioctl struct, as the ABI carries it. */
static uint64_t dlock_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int dlock_ls_open(struct dlock_dev *dev, const char *name, uint32_t *ls_id)
{
	struct dlock_ls_open arg;
	size_t len;

	if (!dev || !name || !ls_id)
		return -EINVAL;
	len = strnlen(name, DLOCK_NAME_MAX);
	if (!len || len == DLOCK_NAME_MAX)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	memcpy(arg.name, name, len);
	if (ioctl(dlock_dev_fd(dev), DLOCK_IOC_LS_OPEN, &arg) < 0)
		return -errno;
	*ls_id = arg.ls_id;
	return 0;
}

/* The fields every lock request shares; 0 or -EINVAL. */
static int dlock_req_init(struct dlock_lock_req *req, uint32_t ls_id,
			  const void *res, size_t res_len, uint32_t mode,
			  uint32_t flags)
{
	if (!ls_id || !res || !res_len || res_len > DLOCK_NAME_MAX ||
	    mode >= DLOCK_MODE_COUNT || flags & ~DLOCK_LKF_ALL)
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->ls_id = ls_id;
	req->mode = mode;
	req->flags = flags;
	req->name_len = (uint32_t)res_len;
	memcpy(req->name, res, res_len);
	return 0;
}

/* Issue a synchronous request and fill *grant from what came back. */
static int dlock_req_sync(struct dlock_dev *dev, struct dlock_lock_req *req,
			  struct dlock_grant *grant)
{
	struct dlock_grant g;

	memset(&g, 0, sizeof(g));
	if (req->flags & DLOCK_LKF_VALBLK && !req->lvb_ptr) {
		/* Read the value block into the grant itself. */
		req->lvb_ptr = dlock_ptr(g.lvb);
		req->lvb_len = sizeof(g.lvb);
	}
	if (ioctl(dlock_dev_fd(dev), DLOCK_IOC_LOCK, req) < 0)
		return -errno;
	g.lock_id = req->lock_id;
	g.token = req->token;
	g.mode = req->mode;
	if (req->flags & DLOCK_LKF_VALBLK && req->lvb_ptr == dlock_ptr(g.lvb))
		g.lvb_len = req->lvb_len;
	if (grant)
		*grant = g;
	return 0;
}

int dlock_lock(struct dlock_dev *dev, uint32_t ls_id, const void *res,
	       size_t res_len, uint32_t mode, uint32_t flags,
	       uint32_t timeout_ms, struct dlock_grant *grant)
{
	struct dlock_lock_req req;
	int err;

	if (!dev)
		return -EINVAL;
	/* Conversions and asynchronous requests have their own calls. */
	if (flags & ~(DLOCK_LKF_NOQUEUE | DLOCK_LKF_VALBLK))
		return -EINVAL;
	err = dlock_req_init(&req, ls_id, res, res_len, mode, flags);
	if (err)
		return err;
	req.timeout_ms = timeout_ms;
	return dlock_req_sync(dev, &req, grant);
}

int dlock_trylock(struct dlock_dev *dev, uint32_t ls_id, const void *res,
		  size_t res_len, uint32_t mode, struct dlock_grant *grant)
{
	return dlock_lock(dev, ls_id, res, res_len, mode, DLOCK_LKF_NOQUEUE,
			  0, grant);
}

int dlock_convert(struct dlock_dev *dev, uint32_t ls_id, const void *res,
		  size_t res_len, uint64_t lock_id, uint32_t mode,
		  uint32_t flags, uint32_t timeout_ms, const void *lvb,
		  size_t lvb_len, struct dlock_grant *grant)
{
	struct dlock_lock_req req;
	int err;

	if (!dev || !lock_id)
		return -EINVAL;
	if (flags & ~(DLOCK_LKF_NOQUEUE | DLOCK_LKF_VALBLK))
		return -EINVAL;
	/* A value to write needs VALBLK; VALBLK alone reads it. */
	if ((lvb || lvb_len) &&
	    (!(flags & DLOCK_LKF_VALBLK) || !lvb || !lvb_len ||
	     lvb_len > DLOCK_LVB_MAX))
		return -EINVAL;
	err = dlock_req_init(&req, ls_id, res, res_len, mode,
			     flags | DLOCK_LKF_CONVERT);
	if (err)
		return err;
	req.lock_id = lock_id;
	req.timeout_ms = timeout_ms;
	if (lvb) {
		req.lvb_ptr = dlock_ptr(lvb);
		req.lvb_len = (uint32_t)lvb_len;
	}
	return dlock_req_sync(dev, &req, grant);
}

int dlock_lock_async(struct dlock_dev *dev, uint32_t ls_id, const void *res,
		     size_t res_len, uint32_t mode, uint32_t flags,
		     uint64_t cookie, uint64_t *lock_id)
{
	struct dlock_lock_req req;
	int err;

	if (!dev || !lock_id)
		return -EINVAL;
	/* The value block comes with the DLOCK_EV_GRANT event. */
	if (flags & ~(DLOCK_LKF_NOQUEUE | DLOCK_LKF_VALBLK))
		return -EINVAL;
	err = dlock_req_init(&req, ls_id, res, res_len, mode,
			     flags | DLOCK_LKF_ASYNC);
	if (err)
		return err;
	req.cookie = cookie;
	if (ioctl(dlock_dev_fd(dev), DLOCK_IOC_LOCK, &req) < 0)
		return -errno;
	*lock_id = req.lock_id;
	return 0;
}

int dlock_unlock(struct dlock_dev *dev, uint64_t lock_id, const void *lvb,
		 size_t lvb_len)
{
	struct dlock_unlock_req req;

	if (!dev || !lock_id)
		return -EINVAL;
	if ((lvb && (!lvb_len || lvb_len > DLOCK_LVB_MAX)) ||
	    (!lvb && lvb_len))
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.lock_id = lock_id;
	if (lvb) {
		req.flags = DLOCK_LKF_VALBLK;
		req.lvb_ptr = dlock_ptr(lvb);
		req.lvb_len = (uint32_t)lvb_len;
	}
	if (ioctl(dlock_dev_fd(dev), DLOCK_IOC_UNLOCK, &req) < 0)
		return -errno;
	return 0;
}

int dlock_cancel(struct dlock_dev *dev, uint64_t lock_id)
{
	struct dlock_cancel_req req = { .lock_id = lock_id };

	if (!dev || !lock_id)
		return -EINVAL;
	if (ioctl(dlock_dev_fd(dev), DLOCK_IOC_CANCEL, &req) < 0)
		return -errno;
	return 0;
}

int dlock_lock_info(struct dlock_dev *dev, uint64_t lock_id,
		    struct dlock_grant *grant)
{
	struct dlock_lock_info info;

	if (!dev || !lock_id || !grant)
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	info.lock_id = lock_id;
	if (ioctl(dlock_dev_fd(dev), DLOCK_IOC_LOCK_INFO, &info) < 0)
		return -errno;
	if (info.lvb_len > DLOCK_LVB_MAX)
		return -EPROTO;
	memset(grant, 0, sizeof(*grant));
	grant->lock_id = lock_id;
	grant->token = info.token;
	grant->mode = info.mode;
	grant->lvb_len = info.lvb_len;
	memcpy(grant->lvb, info.lvb, info.lvb_len);
	return 0;
}

int dlock_read_event(struct dlock_dev *dev, struct dlock_event *ev,
		     int timeout_ms)
{
	struct pollfd pfd;
	ssize_t n;
	int ret;

	if (!dev || !ev)
		return -EINVAL;
	pfd.fd = dlock_dev_fd(dev);
	pfd.events = POLLIN;
	pfd.revents = 0;
	/*
	 * poll() first so that a blocking file never blocks a caller who
	 * asked for a bound; the read may still find nothing when another
	 * thread took the event, which is -EAGAIN like a timeout.
	 */
	ret = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -EAGAIN;
	n = dlock_dev_read_nonblock(dev, ev, sizeof(*ev));
	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(*ev))
		return -EPROTO;
	return 0;
}
