/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device.h - the /dev/dlock handle as the library's files share it.
 *
 * The file is opened O_NONBLOCK: the lock ioctls wait whatever the flag
 * says, and read() of events must never block a caller who polled first,
 * since another thread sharing the handle may have taken the event.
 */
#ifndef DLOCK_LIB_DEVICE_H
#define DLOCK_LIB_DEVICE_H

#include <errno.h>
#include <unistd.h>

struct dlock_dev {
	int fd;
};

static inline int dlock_dev_fd(const struct dlock_dev *dev)
{
	return dev->fd;
}

/* read() without blocking: bytes read, or a negative errno. */
static inline ssize_t dlock_dev_read_nonblock(struct dlock_dev *dev,
					      void *buf, size_t len)
{
	ssize_t n = read(dev->fd, buf, len);

	return n < 0 ? -errno : n;
}

#endif /* DLOCK_LIB_DEVICE_H */
