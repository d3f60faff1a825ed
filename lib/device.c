// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * device.c - the /dev/dlock handle: open, close and the ioctl wrappers.
 *
 * The handle is a struct rather than a bare fd so that per-file state a
 * later version may need has a home without changing any prototype.  The
 * lock calls are in lock.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "dlock.h"
#include "device.h"

/*
 * The ioctl structs cross the user/kernel boundary by size: if this library
 * and the module disagreed on one, the ioctl numbers would differ and every
 * call would fail with ENOTTY, or worse, match with a different layout.  The
 * module asserts the same sizes.
 */
_Static_assert(sizeof(struct dlock_version) == DLOCK_VERSION_SIZE,
	       "struct dlock_version size");
_Static_assert(sizeof(struct dlock_ls_open) == DLOCK_LS_OPEN_SIZE,
	       "struct dlock_ls_open size");
_Static_assert(sizeof(struct dlock_lock_req) == DLOCK_LOCK_REQ_SIZE,
	       "struct dlock_lock_req size");
_Static_assert(sizeof(struct dlock_unlock_req) == DLOCK_UNLOCK_REQ_SIZE,
	       "struct dlock_unlock_req size");
_Static_assert(sizeof(struct dlock_cancel_req) == DLOCK_CANCEL_REQ_SIZE,
	       "struct dlock_cancel_req size");
_Static_assert(sizeof(struct dlock_lock_info) == DLOCK_LOCK_INFO_SIZE,
	       "struct dlock_lock_info size");
_Static_assert(sizeof(struct dlock_event) == DLOCK_EVENT_SIZE,
	       "struct dlock_event size");

#define DLOCK_DEV_PATH	"/dev/" DLOCK_DEVICE_NAME

int dlock_open(struct dlock_dev **devp)
{
	struct dlock_dev *dev;

	if (!devp)
		return -EINVAL;
	*devp = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = open(DLOCK_DEV_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dev->fd < 0) {
		int err = -errno;

		free(dev);
		return err;
	}
	*devp = dev;
	return 0;
}

void dlock_close(struct dlock_dev *dev)
{
	if (!dev)
		return;
	close(dev->fd);
	free(dev);
}

int dlock_fd(const struct dlock_dev *dev)
{
	return dev ? dev->fd : -EINVAL;
}

int dlock_version(struct dlock_dev *dev, struct dlock_version *ver)
{
	struct dlock_version v;

	if (!dev || !ver)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	if (ioctl(dev->fd, DLOCK_IOC_VERSION, &v) < 0)
		return -errno;
	*ver = v;
	return 0;
}
