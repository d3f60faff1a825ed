// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/dlock selftests: the VERSION ioctl, how unknown or malformed ioctls
 * are refused, and that a file talks to the node of the network namespace
 * it was opened in.
 *
 * The harness forks each test, so a test may unshare(CLONE_NEWNET) freely:
 * tests that set a node id do it in a fresh namespace and leave the
 * caller's node alone.  Needs root and the dlock module loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dlock.h>

#include "genl_util.h"
#include "fail_self.h"
#include "kselftest_harness.h"

/* failslab.sh: failures in each test, not the harness (fail_self.h). */
FAIL_SELF_IN_TESTS();

#define DLOCK_DEV "/dev/" DLOCK_DEVICE_NAME

static int open_dev(struct __test_metadata *_metadata)
{
	int fd = open(DLOCK_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		TH_LOG("open %s: %s (is dlock.ko loaded?)", DLOCK_DEV,
		       strerror(errno));
	return fd;
}

TEST(version)
{
	struct dlock_version ver;
	int fd = open_dev(_metadata);

	ASSERT_LE(0, fd);
	ASSERT_EQ(DLOCK_VERSION_SIZE, sizeof(ver));
	/* Poison, so fields the kernel forgets to write show up. */
	memset(&ver, 0xa5, sizeof(ver));
	ASSERT_EQ(0, ioctl(fd, DLOCK_IOC_VERSION, &ver));
	EXPECT_EQ(DLOCK_ABI_VERSION, ver.abi_version);
	EXPECT_EQ(0, ver.reserved);
	EXPECT_GT(DLOCK_STATE_COUNT, ver.state);
	close(fd);
}

TEST(unknown_ioctl_is_enotty)
{
	struct dlock_version ver;
	int fd = open_dev(_metadata);

	ASSERT_LE(0, fd);
	/* Our magic, a number the ABI does not define. */
	EXPECT_EQ(-1, ioctl(fd, _IOR(DLOCK_IOC_MAGIC, 0x7f,
				     struct dlock_version), &ver));
	EXPECT_EQ(ENOTTY, errno);
	/* VERSION's number and size under another driver's magic. */
	EXPECT_EQ(-1, ioctl(fd, _IOR(DLOCK_IOC_MAGIC + 1, 0x00,
				     struct dlock_version), &ver));
	EXPECT_EQ(ENOTTY, errno);
	/* A bare number with no direction or size at all. */
	EXPECT_EQ(-1, ioctl(fd, _IO(DLOCK_IOC_MAGIC, 0x00), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(version_wrong_size_or_direction_is_enotty)
{
	uint8_t buf[64];
	int fd = open_dev(_metadata);

	ASSERT_LE(0, fd);
	memset(buf, 0, sizeof(buf));
	/* Same magic and number, 8 and 32 bytes instead of 16. */
	EXPECT_EQ(-1, ioctl(fd, _IOC(_IOC_READ, DLOCK_IOC_MAGIC, 0x00, 8),
			    buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOC(_IOC_READ, DLOCK_IOC_MAGIC, 0x00, 32),
			    buf));
	EXPECT_EQ(ENOTTY, errno);
	/* Right size, wrong direction. */
	EXPECT_EQ(-1, ioctl(fd, _IOW(DLOCK_IOC_MAGIC, 0x00,
				     struct dlock_version), buf));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(version_bad_pointer_is_efault)
{
	int fd = open_dev(_metadata);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, DLOCK_IOC_VERSION, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, DLOCK_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

/*
 * Node ids are per namespace: in a namespace whose node is set to 5, the
 * file reports 5; a file opened after moving to a fresh namespace reports
 * 0 there; and the first file keeps talking to the node it was opened on.
 */
TEST(file_uses_node_of_its_netns)
{
	struct dlock_version ver;
	struct dl_genl g;
	int fd_a, fd_b;

	ASSERT_EQ(0, unshare(CLONE_NEWNET)) {
		TH_LOG("unshare(CLONE_NEWNET): %s", strerror(errno));
	}
	ASSERT_EQ(0, dl_genl_open(&g));
	ASSERT_EQ(0, dl_genl_set_node(&g, 5)) {
		TH_LOG("SET_NODE: %s", g.extack);
	}
	dl_genl_close(&g);
	fd_a = open_dev(_metadata);
	ASSERT_LE(0, fd_a);
	ASSERT_EQ(0, ioctl(fd_a, DLOCK_IOC_VERSION, &ver));
	EXPECT_EQ(5, ver.node_id);

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	fd_b = open_dev(_metadata);
	ASSERT_LE(0, fd_b);
	memset(&ver, 0xa5, sizeof(ver));
	ASSERT_EQ(0, ioctl(fd_b, DLOCK_IOC_VERSION, &ver));
	EXPECT_EQ(0, ver.node_id);
	EXPECT_EQ(DLOCK_STATE_UNCONFIGURED, ver.state);
	EXPECT_EQ(DLOCK_ABI_VERSION, ver.abi_version);

	ASSERT_EQ(0, ioctl(fd_a, DLOCK_IOC_VERSION, &ver));
	EXPECT_EQ(5, ver.node_id);
	close(fd_a);
	close(fd_b);
}

/* A file keeps its namespace (and node) alive after the last process left. */
TEST(file_outlives_its_netns_process)
{
	struct dlock_version ver;
	int pipefd[2];
	pid_t pid;
	int status;
	int fd;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dl_genl g;
		char c = 0;
		struct iovec iov = { .iov_base = &c, .iov_len = 1 };
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

		if (unshare(CLONE_NEWNET) || dl_genl_open(&g) ||
		    dl_genl_set_node(&g, 11))
			_exit(1);
		fd = open(DLOCK_DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(1);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		_exit(sendmsg(pipefd[1], &msg, 0) == 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	{
		char c;
		struct iovec iov = { .iov_base = &c, .iov_len = 1 };
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};

		ASSERT_EQ(1, recvmsg(pipefd[0], &msg, 0));
		ASSERT_NE(NULL, CMSG_FIRSTHDR(&msg));
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	}
	/* The namespace's only process is gone; the file still reaches it. */
	ASSERT_EQ(0, ioctl(fd, DLOCK_IOC_VERSION, &ver));
	EXPECT_EQ(11, ver.node_id);
	close(fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
