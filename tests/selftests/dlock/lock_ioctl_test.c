// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/dlock lock ioctls: every malformed request is refused with its
 * errno and changes nothing; requests on a node that does not run fail
 * with ENOTCONN; read() and poll() of a file with no events.  Each test
 * runs in a fresh network namespace (an unconfigured node).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dlock.h>

#include "fail_self.h"
#include "kselftest_harness.h"

/* failslab.sh: failures in each test, not the harness (fail_self.h). */
FAIL_SELF_IN_TESTS();

FIXTURE(dev) {
	int fd;
	__u32 ls_id;
};

FIXTURE_SETUP(dev)
{
	struct dlock_ls_open o;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->fd = open("/dev/" DLOCK_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	memset(&o, 0, sizeof(o));
	strcpy((char *)o.name, "ls");
	ASSERT_EQ(0, ioctl(self->fd, DLOCK_IOC_LS_OPEN, &o));
	EXPECT_NE(0, o.ls_id);
	self->ls_id = o.ls_id;
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static void lock_req(struct dlock_lock_req *r, __u32 ls_id)
{
	memset(r, 0, sizeof(*r));
	r->ls_id = ls_id;
	r->mode = DLOCK_MODE_EX;
	r->name_len = 3;
	memcpy(r->name, "res", 3);
}

TEST_F(dev, ls_open_rejects_bad_names_and_flags)
{
	struct dlock_ls_open o;

	memset(&o, 0, sizeof(o));
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LS_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);		/* empty */
	memset(o.name, 'a', sizeof(o.name));
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LS_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);		/* no NUL */
	memset(&o, 0, sizeof(o));
	strcpy((char *)o.name, "ls");
	o.name[10] = 'x';
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LS_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);		/* garbage after the NUL */
	memset(&o, 0, sizeof(o));
	strcpy((char *)o.name, "ls");
	o.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LS_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	o.flags = 0;
	o.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LS_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	/* The same name again is the same handle. */
	o.reserved = 0;
	ASSERT_EQ(0, ioctl(self->fd, DLOCK_IOC_LS_OPEN, &o));
	EXPECT_EQ(self->ls_id, o.ls_id);
}

TEST_F(dev, lock_rejects_bad_requests)
{
	struct dlock_lock_req r;

	lock_req(&r, self->ls_id);
	r.mode = DLOCK_MODE_COUNT;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EINVAL, errno);
	lock_req(&r, self->ls_id);
	r.flags = 1U << 7;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EINVAL, errno);
	lock_req(&r, self->ls_id);
	r.name_len = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EINVAL, errno);
	r.name_len = DLOCK_NAME_MAX + 1;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EINVAL, errno);
	lock_req(&r, self->ls_id);
	r.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EINVAL, errno);
	lock_req(&r, self->ls_id);
	r.flags = DLOCK_LKF_CONVERT;	/* without a lock id */
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EINVAL, errno);
	lock_req(&r, self->ls_id);
	r.flags = DLOCK_LKF_VALBLK;
	r.lvb_len = DLOCK_LVB_MAX + 1;
	r.lvb_ptr = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EINVAL, errno);
	lock_req(&r, self->ls_id);
	r.flags = DLOCK_LKF_VALBLK | DLOCK_LKF_CONVERT;
	r.lock_id = 1;
	r.lvb_len = 8;
	r.lvb_ptr = 8;		/* unmapped */
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EFAULT, errno);
	lock_req(&r, 0);
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EBADF, errno);
	lock_req(&r, self->ls_id + 1);
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, lock_without_a_running_node_is_enotconn)
{
	struct dlock_lock_req r;

	lock_req(&r, self->ls_id);
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(ENOTCONN, errno);
	r.flags = DLOCK_LKF_ASYNC | DLOCK_LKF_NOQUEUE;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK, &r));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(dev, unlock_cancel_info_reject_bad_requests)
{
	struct dlock_unlock_req u = { 0 };
	struct dlock_cancel_req c = { 0 };
	struct dlock_lock_info li;

	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_UNLOCK, &u));
	EXPECT_EQ(EINVAL, errno);		/* lock id 0 */
	u.lock_id = 5;
	u.flags = DLOCK_LKF_NOQUEUE;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_UNLOCK, &u));
	EXPECT_EQ(EINVAL, errno);
	u.flags = DLOCK_LKF_VALBLK;		/* no buffer */
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_UNLOCK, &u));
	EXPECT_EQ(EINVAL, errno);
	u.flags = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_UNLOCK, &u));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_CANCEL, &c));
	EXPECT_EQ(EINVAL, errno);
	c.lock_id = 5;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_CANCEL, &c));
	EXPECT_EQ(ENOTCONN, errno);
	memset(&li, 0, sizeof(li));
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK_INFO, &li));
	EXPECT_EQ(EINVAL, errno);
	li.lock_id = 5;
	EXPECT_EQ(-1, ioctl(self->fd, DLOCK_IOC_LOCK_INFO, &li));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(dev, read_and_poll_without_events)
{
	struct dlock_event ev[2];
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	int fl = fcntl(self->fd, F_GETFL);

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, ev, sizeof(ev[0]) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd, ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, poll(&p, 1, 50));
}

TEST_HARNESS_MAIN
