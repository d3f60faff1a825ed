// SPDX-License-Identifier: GPL-2.0
/*
 * lib_strerror_test.c - libdlock's messages and names: dlock_strerror(),
 * dlock_state_name() and the version calls.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

/*
 * The harness is not -Wextra clean: it compares expected and seen as they
 * come (our literals are int) and leaves some parameters unused.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "../../lib/dlock.h"

TEST(strerror_dlock_wording)
{
	ASSERT_NE(NULL, strstr(dlock_strerror(-EPERM), "CAP_NET_ADMIN"));
	ASSERT_NE(NULL, strstr(dlock_strerror(-ENOENT), "module"));
	ASSERT_NE(NULL, strstr(dlock_strerror(-EAGAIN), "incompatible"));
	ASSERT_NE(NULL, strstr(dlock_strerror(-ETIMEDOUT), "timed out"));
	ASSERT_NE(NULL, strstr(dlock_strerror(-EPROTO), "ABI"));
	ASSERT_STREQ("success", dlock_strerror(0));
}

TEST(strerror_falls_back_to_libc)
{
	ASSERT_STREQ("Invalid argument", dlock_strerror(-EINVAL));
	ASSERT_STREQ("Cannot allocate memory", dlock_strerror(-ENOMEM));
}

TEST(strerror_both_signs_same_constant)
{
	/* Same pointer: the message is a constant, not a shared buffer. */
	ASSERT_EQ(dlock_strerror(-EPERM), dlock_strerror(EPERM));
	ASSERT_EQ(dlock_strerror(-EBADF), dlock_strerror(EBADF));
}

TEST(strerror_unknown_values)
{
	ASSERT_STREQ("unknown error", dlock_strerror(100000));
	ASSERT_STREQ("unknown error", dlock_strerror(-100000));
	ASSERT_STREQ("unknown error", dlock_strerror(INT_MIN));
	ASSERT_STREQ("unknown error", dlock_strerror(INT_MAX));
}

#define STRERROR_THREADS 4

static void *strerror_worker(void *arg)
{
	long bad = 0;
	int i, e;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		e = i % 140;
		/* Each errno must map to one stable string in every thread. */
		if (dlock_strerror(-e) != dlock_strerror(e))
			bad++;
	}
	return (void *)bad;
}

TEST(strerror_concurrent_callers_agree)
{
	pthread_t t[STRERROR_THREADS];
	void *bad;
	int i;

	for (i = 0; i < STRERROR_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, strerror_worker, NULL));
	for (i = 0; i < STRERROR_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &bad));
		EXPECT_EQ(NULL, bad);
	}
}

TEST(state_names)
{
	ASSERT_STREQ("unconfigured", dlock_state_name(DLOCK_STATE_UNCONFIGURED));
	ASSERT_STREQ("follower", dlock_state_name(DLOCK_STATE_FOLLOWER));
	ASSERT_STREQ("candidate", dlock_state_name(DLOCK_STATE_CANDIDATE));
	ASSERT_STREQ("leader", dlock_state_name(DLOCK_STATE_LEADER));
	ASSERT_STREQ("member", dlock_state_name(DLOCK_STATE_MEMBER));
	ASSERT_STREQ("catching-up", dlock_state_name(DLOCK_STATE_CATCHING_UP));
	ASSERT_STREQ("unknown", dlock_state_name(DLOCK_STATE_COUNT));
	ASSERT_STREQ("unknown", dlock_state_name(UINT32_MAX));
}

TEST(library_versions)
{
	ASSERT_EQ(DLOCK_ABI_VERSION, dlock_lib_abi_version());
	ASSERT_NE(NULL, dlock_lib_version());
	ASSERT_NE(0, strlen(dlock_lib_version()));
}

TEST_HARNESS_MAIN
