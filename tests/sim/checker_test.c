// SPDX-License-Identifier: GPL-2.0
/*
 * checker_test.c - crafted histories for the simulator's invariant checker:
 * every violation kind must be flagged at the event that causes it, and
 * histories that look alike but are legal must pass.  A checker that flags
 * nothing, or everything, fails here.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "checker.h"

enum { NL, CR, CW, PR, PW, EX };

#define MS(x) ((uint64_t)(x) * 1000000ULL)

FIXTURE(hist) {
	struct chk *c;
};

FIXTURE_SETUP(hist)
{
	self->c = chk_create();
	ASSERT_NE(NULL, self->c);
}

FIXTURE_TEARDOWN(hist)
{
	chk_destroy(self->c);
}

TEST(compat_matrix)
{
	/* spot checks against the table in uapi/linux/dlock.h */
	EXPECT_TRUE(chk_modes_compatible(NL, EX));
	EXPECT_TRUE(chk_modes_compatible(PR, PR));
	EXPECT_TRUE(chk_modes_compatible(CR, PW));
	EXPECT_TRUE(chk_modes_compatible(CW, CW));
	EXPECT_FALSE(chk_modes_compatible(CW, PR));
	EXPECT_FALSE(chk_modes_compatible(PW, PW));
	EXPECT_FALSE(chk_modes_compatible(EX, CR));
	EXPECT_FALSE(chk_modes_compatible(PR, PW));
	EXPECT_FALSE(chk_modes_compatible(6, NL));
}

/* A legal history with every event kind passes. */
TEST_F(hist, clean_history_passes)
{
	struct chk *c = self->c;
	struct chk_stats st;

	EXPECT_EQ(CHK_OK, chk_leader(c, MS(1), 1, 1));
	EXPECT_EQ(CHK_OK, chk_leader(c, MS(2), 1, 1));
	EXPECT_EQ(CHK_OK, chk_leader(c, MS(9), 2, 2));
	/* two readers share, a writer waits until both let go */
	EXPECT_EQ(CHK_OK, chk_invoke(c, MS(10), 1, 1, 0, PR));
	EXPECT_EQ(CHK_OK, chk_invoke(c, MS(10), 2, 2, 0, PR));
	EXPECT_EQ(CHK_OK, chk_invoke(c, MS(10), 3, 3, 0, EX));
	EXPECT_EQ(CHK_OK, chk_grant(c, MS(11), 1, 5));
	EXPECT_EQ(CHK_OK, chk_grant(c, MS(12), 2, 6));
	EXPECT_EQ(CHK_OK, chk_unlock(c, MS(20), 1));
	EXPECT_EQ(CHK_OK, chk_revoke(c, MS(21), 2));
	EXPECT_EQ(CHK_OK, chk_grant(c, MS(22), 3, 7));
	/* NL is compatible with the EX holder */
	EXPECT_EQ(CHK_OK, chk_invoke(c, MS(23), 4, 1, 0, NL));
	EXPECT_EQ(CHK_OK, chk_grant(c, MS(24), 4, 8));
	/* a trylock that fails, on another resource */
	EXPECT_EQ(CHK_OK, chk_invoke(c, MS(25), 5, 2, 1, EX));
	EXPECT_EQ(CHK_OK, chk_fail(c, MS(26), 5, -EAGAIN));
	/* a revoke racing an unlock is harmless */
	EXPECT_EQ(CHK_OK, chk_unlock(c, MS(30), 3));
	EXPECT_EQ(CHK_OK, chk_revoke(c, MS(31), 3));
	/* a node dies with a pending request: no answer needed */
	EXPECT_EQ(CHK_OK, chk_invoke(c, MS(32), 6, 3, 1, EX));
	EXPECT_EQ(CHK_OK, chk_node_down(c, MS(33), 3));
	EXPECT_EQ(CHK_OK, chk_grant(c, MS(34), 6, 9));
	/* released owner: pending request forgotten */
	EXPECT_EQ(CHK_OK, chk_invoke(c, MS(35), 7, 2, 1, EX));
	EXPECT_EQ(CHK_OK, chk_forget(c, MS(36), 7));
	EXPECT_EQ(CHK_OK, chk_fail(c, MS(37), 7, -ECANCELED));
	/* every node applies the same entries */
	EXPECT_EQ(CHK_OK, chk_applied(c, MS(40), 1, 1, 0xabc));
	EXPECT_EQ(CHK_OK, chk_applied(c, MS(40), 2, 1, 0xabc));
	EXPECT_EQ(CHK_OK, chk_applied(c, MS(41), 2, 2, 0));
	EXPECT_EQ(CHK_OK, chk_applied(c, MS(42), 1, 2, 0));
	EXPECT_EQ(CHK_OK, chk_unlock(c, MS(50), 4));
	EXPECT_EQ(CHK_OK, chk_finish(c, MS(60)));
	EXPECT_EQ(0, chk_violations(c));
	chk_get_stats(c, &st);
	EXPECT_EQ(7, st.invoked);
	EXPECT_EQ(4, st.granted);
	EXPECT_EQ(1, st.failed);
	EXPECT_EQ(2, st.leaders);
	EXPECT_EQ(2, st.max_index);
}

TEST_F(hist, two_leaders_in_one_term)
{
	const char *msg;

	EXPECT_EQ(CHK_OK, chk_leader(self->c, MS(1), 1, 3));
	EXPECT_EQ(CHK_OK, chk_leader(self->c, MS(2), 2, 4));
	EXPECT_EQ(CHK_TWO_LEADERS, chk_leader(self->c, MS(3), 2, 3));
	EXPECT_EQ(1, chk_violations(self->c));
	EXPECT_EQ(CHK_TWO_LEADERS, chk_first(self->c, &msg));
	EXPECT_NE(NULL, strstr(msg, "term 3"));
}

TEST_F(hist, many_terms_then_two_leaders)
{
	uint64_t term;

	/* forces the term table to grow several times */
	for (term = 1; term <= 5000; term++)
		ASSERT_EQ(CHK_OK, chk_leader(self->c, term, term % 7, term));
	EXPECT_EQ(CHK_TWO_LEADERS, chk_leader(self->c, MS(9), 1, 4000));
	EXPECT_EQ(CHK_OK, chk_leader(self->c, MS(9), 4000 % 7, 4000));
}

TEST_F(hist, two_exclusive_holders)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	chk_invoke(self->c, MS(1), 2, 2, 7, EX);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 10));
	EXPECT_EQ(CHK_EXCLUSION, chk_grant(self->c, MS(3), 2, 11));
}

TEST_F(hist, reader_overlaps_writer)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, PW);
	chk_invoke(self->c, MS(1), 2, 2, 7, PR);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 10));
	EXPECT_EQ(CHK_EXCLUSION, chk_grant(self->c, MS(3), 2, 11));
}

/* The revoke must reach the old holder BEFORE the new grant. */
TEST_F(hist, grant_before_revoke_is_overlap)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	chk_invoke(self->c, MS(1), 2, 2, 7, EX);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 10));
	EXPECT_EQ(CHK_EXCLUSION, chk_grant(self->c, MS(5), 2, 11));
	EXPECT_EQ(CHK_OK, chk_revoke(self->c, MS(6), 1));
}

TEST_F(hist, grant_after_revoke_is_fine)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	chk_invoke(self->c, MS(1), 2, 2, 7, EX);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 10));
	EXPECT_EQ(CHK_OK, chk_revoke(self->c, MS(4), 1));
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(5), 2, 11));
	EXPECT_EQ(0, chk_violations(self->c));
}

TEST_F(hist, overlap_on_other_resource_is_fine)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	chk_invoke(self->c, MS(1), 2, 2, 8, EX);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 10));
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(3), 2, 1));
	EXPECT_EQ(0, chk_violations(self->c));
}

TEST_F(hist, token_goes_back)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	chk_invoke(self->c, MS(1), 2, 2, 7, EX);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 10));
	EXPECT_EQ(CHK_OK, chk_unlock(self->c, MS(3), 1));
	EXPECT_EQ(CHK_FENCING, chk_grant(self->c, MS(4), 2, 9));
}

TEST_F(hist, token_repeats)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, PR);
	chk_invoke(self->c, MS(1), 2, 2, 7, PW);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 10));
	EXPECT_EQ(CHK_OK, chk_unlock(self->c, MS(3), 1));
	EXPECT_EQ(CHK_FENCING, chk_grant(self->c, MS(4), 2, 10));
}

/* Shared holders granted out of order by the network are legal. */
TEST_F(hist, compatible_tokens_out_of_order_ok)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, PR);
	chk_invoke(self->c, MS(1), 2, 2, 7, PR);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 2, 11));
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(3), 1, 10));
	EXPECT_EQ(0, chk_violations(self->c));
}

TEST_F(hist, applied_logs_diverge)
{
	const char *msg;

	EXPECT_EQ(CHK_OK, chk_applied(self->c, MS(1), 1, 5, 0x1111));
	EXPECT_EQ(CHK_OK, chk_applied(self->c, MS(1), 2, 5, 0x1111));
	EXPECT_EQ(CHK_OK, chk_applied(self->c, MS(1), 2, 6000, 0x2222));
	EXPECT_EQ(CHK_LOG_DIVERGED,
		  chk_applied(self->c, MS(2), 3, 5, 0x1112));
	EXPECT_EQ(CHK_LOG_DIVERGED, chk_first(self->c, &msg));
	EXPECT_NE(NULL, strstr(msg, "index 5"));
	EXPECT_EQ(CHK_BAD_EVENT,
		  chk_applied(self->c, MS(2), 3, 1ULL << 40, 1));
}

TEST_F(hist, request_never_answered)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	chk_invoke(self->c, MS(1), 2, 2, 7, EX);
	chk_grant(self->c, MS(2), 1, 1);
	EXPECT_EQ(CHK_OK, chk_unlock(self->c, MS(3), 1));
	EXPECT_EQ(CHK_UNANSWERED, chk_finish(self->c, MS(100)));
}

TEST_F(hist, request_answered_twice)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	EXPECT_EQ(CHK_OK, chk_fail(self->c, MS(2), 1, -ETIMEDOUT));
	EXPECT_EQ(CHK_DOUBLE_ANSWER, chk_grant(self->c, MS(3), 1, 4));
}

TEST_F(hist, granted_twice)
{
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	EXPECT_EQ(CHK_OK, chk_grant(self->c, MS(2), 1, 4));
	EXPECT_EQ(CHK_DOUBLE_ANSWER, chk_grant(self->c, MS(3), 1, 4));
}

TEST_F(hist, unknown_requests)
{
	EXPECT_EQ(CHK_BAD_EVENT, chk_grant(self->c, MS(1), 99, 1));
	EXPECT_EQ(CHK_BAD_EVENT, chk_unlock(self->c, MS(1), 99));
	EXPECT_EQ(CHK_BAD_EVENT, chk_invoke(self->c, MS(1), 1, 1, 1, 6));
	chk_invoke(self->c, MS(1), 1, 1, 7, EX);
	EXPECT_EQ(CHK_BAD_EVENT, chk_invoke(self->c, MS(1), 1, 1, 7, EX));
	EXPECT_EQ(CHK_BAD_EVENT, chk_unlock(self->c, MS(1), 1));
	EXPECT_EQ(5, chk_violations(self->c));
}

/* Many holders and requests: hash and arrays grow without losing state. */
TEST_F(hist, scale)
{
	uint64_t i;

	for (i = 1; i <= 20000; i++) {
		ASSERT_EQ(CHK_OK, chk_invoke(self->c, i, i, i % 5,
					     (uint32_t)(i % 1000), PR));
		ASSERT_EQ(CHK_OK, chk_grant(self->c, i, i, i));
	}
	for (i = 1; i <= 20000; i++)
		ASSERT_EQ(CHK_OK, chk_unlock(self->c, 30000 + i, i));
	chk_invoke(self->c, 60000, 1000000, 1, 3, EX);
	EXPECT_EQ(CHK_FENCING, chk_grant(self->c, 60001, 1000000, 19003));
	EXPECT_EQ(CHK_OK, chk_finish(self->c, 70000));
}

TEST_HARNESS_MAIN
