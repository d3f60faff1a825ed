// SPDX-License-Identifier: GPL-2.0
/*
 * core_lockmode_test.c - the DLM compatibility matrix, cell by cell against
 * the table in uapi/linux/dlock.h, and the helpers built on it.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "lockmode.h"
#include "linux/dlock.h"

/* Transcribed from the comment in uapi/linux/dlock.h, row by row. */
static const char *const matrix[DL_MODE_COUNT] = {
	/* NL CR CW PR PW EX */
	"YYYYYY",	/* NL */
	"YYYYY-",	/* CR */
	"YYY---",	/* CW */
	"YY-Y--",	/* PR */
	"YY----",	/* PW */
	"Y-----",	/* EX */
};

TEST(uapi_numbering)
{
	ASSERT_EQ(DLOCK_MODE_NL, DL_MODE_NL);
	ASSERT_EQ(DLOCK_MODE_CR, DL_MODE_CR);
	ASSERT_EQ(DLOCK_MODE_CW, DL_MODE_CW);
	ASSERT_EQ(DLOCK_MODE_PR, DL_MODE_PR);
	ASSERT_EQ(DLOCK_MODE_PW, DL_MODE_PW);
	ASSERT_EQ(DLOCK_MODE_EX, DL_MODE_EX);
	ASSERT_EQ(DLOCK_MODE_COUNT, DL_MODE_COUNT);
	ASSERT_EQ(DLOCK_LKF_NOQUEUE, DL_LKF_NOQUEUE);
	ASSERT_EQ(DLOCK_LKF_CONVERT, DL_LKF_CONVERT);
	ASSERT_EQ(DLOCK_LKF_VALBLK, DL_LKF_VALBLK);
}

TEST(full_matrix)
{
	u32 a, b;

	for (a = 0; a < DL_MODE_COUNT; a++) {
		for (b = 0; b < DL_MODE_COUNT; b++) {
			bool want = matrix[a][b] == 'Y';

			EXPECT_EQ(want, dl_mode_compat(a, b))
				TH_LOG("%s vs %s", dl_mode_name(a),
				       dl_mode_name(b));
			/* symmetric */
			EXPECT_EQ(dl_mode_compat(a, b), dl_mode_compat(b, a));
			/* the mask form agrees with the pairwise form */
			EXPECT_EQ(want, dl_mode_mask_compat(a, 1U << b));
		}
	}
}

TEST(mask_compat)
{
	u32 a, mask;

	/* Compatible with a set iff compatible with each member. */
	for (a = 0; a < DL_MODE_COUNT; a++) {
		for (mask = 0; mask < (1U << DL_MODE_COUNT); mask++) {
			bool want = true;
			u32 b;

			for (b = 0; b < DL_MODE_COUNT; b++)
				if ((mask & (1U << b)) && matrix[a][b] != 'Y')
					want = false;
			EXPECT_EQ(want, dl_mode_mask_compat(a, mask));
		}
	}
	EXPECT_TRUE(dl_mode_mask_compat(DL_MODE_EX, 0));
}

TEST(invalid_modes_never_compatible)
{
	EXPECT_FALSE(dl_mode_valid(DL_MODE_COUNT));
	EXPECT_FALSE(dl_mode_valid(DL_MODE_NONE));
	EXPECT_FALSE(dl_mode_compat(DL_MODE_NL, DL_MODE_COUNT));
	EXPECT_FALSE(dl_mode_compat(DL_MODE_NONE, DL_MODE_NL));
	EXPECT_FALSE(dl_mode_mask_compat(6, 0));
	EXPECT_FALSE(dl_mode_is_down(6, DL_MODE_NL));
	EXPECT_STREQ("??", dl_mode_name(6));
	EXPECT_STREQ("PW", dl_mode_name(DL_MODE_PW));
}

TEST(down_conversions)
{
	u32 a, b;

	/* Down iff everything compatible with the old is with the new. */
	for (a = 0; a < DL_MODE_COUNT; a++) {
		for (b = 0; b < DL_MODE_COUNT; b++) {
			bool want = true;
			u32 m;

			for (m = 0; m < DL_MODE_COUNT; m++)
				if (matrix[a][m] == 'Y' && matrix[b][m] != 'Y')
					want = false;
			EXPECT_EQ(want, dl_mode_is_down(a, b))
				TH_LOG("%s -> %s", dl_mode_name(a),
				       dl_mode_name(b));
		}
	}
	EXPECT_TRUE(dl_mode_is_down(DL_MODE_EX, DL_MODE_NL));
	EXPECT_TRUE(dl_mode_is_down(DL_MODE_PW, DL_MODE_PR));
	EXPECT_FALSE(dl_mode_is_down(DL_MODE_PR, DL_MODE_EX));
	/* not ordered: neither direction is down */
	EXPECT_FALSE(dl_mode_is_down(DL_MODE_PR, DL_MODE_CW));
	EXPECT_FALSE(dl_mode_is_down(DL_MODE_CW, DL_MODE_PR));
}

TEST(lvb_writers)
{
	u32 m;

	for (m = 0; m < DL_MODE_COUNT; m++)
		EXPECT_EQ(m == DL_MODE_PW || m == DL_MODE_EX,
			  dl_mode_writes_lvb(m));
}

TEST_HARNESS_MAIN
