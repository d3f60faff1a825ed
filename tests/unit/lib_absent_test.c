// SPDX-License-Identifier: GPL-2.0
/*
 * lib_absent_test.c - libdlock on a host without the dlock module: both
 * handles fail to open with -ENOENT and leave nothing behind, and every call
 * refuses bad arguments before touching the kernel.
 */
#include <errno.h>
#include <unistd.h>

/*
 * The harness is not -Wextra clean: it compares expected and seen as they
 * come (our literals are int) and leaves some parameters unused.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "../../lib/dlock.h"

TEST(open_without_device_is_enoent)
{
	struct dlock_dev *dev = (struct dlock_dev *)1;

	if (access("/dev/dlock", F_OK) == 0)
		SKIP(return, "/dev/dlock exists: the module is loaded here");
	ASSERT_EQ(-ENOENT, dlock_open(&dev));
	ASSERT_EQ(NULL, dev);
}

TEST(admin_open_without_family_is_enoent)
{
	struct dlock_admin *adm = (struct dlock_admin *)1;
	int err;

	err = dlock_admin_open(&adm);
	if (err == 0) {
		dlock_admin_close(adm);
		SKIP(return, "the dlock genetlink family exists here");
	}
	ASSERT_EQ(-ENOENT, err);
	ASSERT_EQ(NULL, adm);
}

TEST(null_arguments_are_einval)
{
	struct dlock_version ver;
	struct dlock_status st;

	ASSERT_EQ(-EINVAL, dlock_open(NULL));
	ASSERT_EQ(-EINVAL, dlock_admin_open(NULL));
	ASSERT_EQ(-EINVAL, dlock_version(NULL, &ver));
	ASSERT_EQ(-EINVAL, dlock_admin_status(NULL, &st));
	ASSERT_EQ(-EINVAL, dlock_admin_set_node(NULL, 1, 0));
	ASSERT_EQ(-EINVAL, dlock_admin_configure(NULL, NULL));
	ASSERT_EQ(-EINVAL, dlock_fd(NULL));
	ASSERT_EQ(NULL, dlock_admin_last_error(NULL));
	/* Closing nothing is allowed, as with free(). */
	dlock_close(NULL);
	dlock_admin_close(NULL);
}

TEST_HARNESS_MAIN
