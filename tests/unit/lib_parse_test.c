// SPDX-License-Identifier: GPL-2.0
/*
 * lib_parse_test.c - dlockadm's value parsers (tools/parse.c).
 *
 * The parsers are private to dlockadm, not part of libdlock's ABI, and this
 * directory's Makefile links only libdlock, so the source is built in here.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

/* First, so that the tool's code is built with every warning on. */
#include "../../tools/parse.c"

/*
 * The harness is not -Wextra clean: it compares expected and seen as they
 * come (our literals are int) and leaves some parameters unused.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

/* parse_u32() with *out poisoned first, to see that errors leave it alone. */
static int try_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	*out = 0xdeadbeef;
	return parse_u32(s, min, max, out);
}

TEST(u32_decimal)
{
	uint32_t v;

	ASSERT_EQ(0, try_u32("1", 1, UINT32_MAX, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, try_u32("0", 0, UINT32_MAX, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, try_u32("4294967295", 0, UINT32_MAX, &v));
	ASSERT_EQ(UINT32_MAX, v);
	ASSERT_EQ(0, try_u32("123456", 0, UINT32_MAX, &v));
	ASSERT_EQ(123456, v);
}

TEST(u32_hex)
{
	uint32_t v;

	ASSERT_EQ(0, try_u32("0x10", 0, UINT32_MAX, &v));
	ASSERT_EQ(16, v);
	ASSERT_EQ(0, try_u32("0XfF", 0, UINT32_MAX, &v));
	ASSERT_EQ(255, v);
	ASSERT_EQ(0, try_u32("0xffffffff", 0, UINT32_MAX, &v));
	ASSERT_EQ(UINT32_MAX, v);
	ASSERT_EQ(-ERANGE, try_u32("0x100000000", 0, UINT32_MAX, &v));
	ASSERT_EQ(0xdeadbeef, v);
}

TEST(u32_not_numbers)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+1", " 1", "1 ", "1a", "0x", "0xg", "010",
		"1.0", "1e3", "00", "--1", "0x-1",
	};
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, try_u32(bad[i], 0, UINT32_MAX, &v))
			TH_LOG("input '%s'", bad[i]);
		EXPECT_EQ(0xdeadbeef, v);
	}
	ASSERT_EQ(-EINVAL, try_u32(NULL, 0, UINT32_MAX, &v));
}

TEST(u32_range)
{
	uint32_t v;

	ASSERT_EQ(-ERANGE, try_u32("0", 1, UINT32_MAX, &v));
	ASSERT_EQ(0xdeadbeef, v);
	ASSERT_EQ(-ERANGE, try_u32("4294967296", 0, UINT32_MAX, &v));
	ASSERT_EQ(-ERANGE, try_u32("99999999999999999999999999", 0,
				   UINT32_MAX, &v));
	ASSERT_EQ(-ERANGE, try_u32("11", 1, 10, &v));
	ASSERT_EQ(0, try_u32("10", 1, 10, &v));
	ASSERT_EQ(10, v);
}

TEST(netns_names)
{
	char longname[300];

	ASSERT_EQ(0, check_netns_name("blue"));
	ASSERT_EQ(0, check_netns_name("n-1.test_x"));
	ASSERT_EQ(-EINVAL, check_netns_name(""));
	ASSERT_EQ(-EINVAL, check_netns_name("."));
	ASSERT_EQ(-EINVAL, check_netns_name(".."));
	ASSERT_EQ(-EINVAL, check_netns_name("a/b"));
	ASSERT_EQ(-EINVAL, check_netns_name("../etc"));
	ASSERT_EQ(-EINVAL, check_netns_name(NULL));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ASSERT_EQ(-EINVAL, check_netns_name(longname));
}

TEST_HARNESS_MAIN
