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

TEST(seconds_to_ms)
{
	uint32_t ms = 7;

	ASSERT_EQ(0, parse_seconds_ms("2", 0, UINT32_MAX, &ms));
	ASSERT_EQ(2000, ms);
	ASSERT_EQ(0, parse_seconds_ms("0.5", 0, UINT32_MAX, &ms));
	ASSERT_EQ(500, ms);
	ASSERT_EQ(0, parse_seconds_ms("1.250", 0, UINT32_MAX, &ms));
	ASSERT_EQ(1250, ms);
	ASSERT_EQ(0, parse_seconds_ms(".001", 0, UINT32_MAX, &ms));
	ASSERT_EQ(1, ms);
	ASSERT_EQ(0, parse_seconds_ms("3.", 0, UINT32_MAX, &ms));
	ASSERT_EQ(3000, ms);
	ASSERT_EQ(0, parse_seconds_ms("0", 0, UINT32_MAX, &ms));
	ASSERT_EQ(0, ms);
	ms = 7;
	ASSERT_EQ(-EINVAL, parse_seconds_ms("", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-EINVAL, parse_seconds_ms(".", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-EINVAL, parse_seconds_ms("1.2345", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-EINVAL, parse_seconds_ms("1..2", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-EINVAL, parse_seconds_ms("-1", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-EINVAL, parse_seconds_ms("1e3", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-EINVAL, parse_seconds_ms(" 1", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-ERANGE, parse_seconds_ms("0", 1, UINT32_MAX, &ms));
	ASSERT_EQ(-ERANGE, parse_seconds_ms("4294968", 0, UINT32_MAX, &ms));
	ASSERT_EQ(-ERANGE, parse_seconds_ms("99999999999999999999", 0,
					    UINT32_MAX, &ms));
	ASSERT_EQ(7, ms);
	ASSERT_EQ(0, parse_seconds_ms("4294967.295", 0, UINT32_MAX, &ms));
	ASSERT_EQ(UINT32_MAX, ms);
}

TEST(endpoints)
{
	static const uint8_t v4[4] = { 10, 0, 0, 1 };
	static const uint8_t v6[16] = { 0xfe, 0x80, [15] = 1 };
	uint8_t addr[16];
	uint32_t family;
	uint16_t port;

	ASSERT_EQ(0, parse_endpoint("10.0.0.1", &family, addr, &port));
	ASSERT_EQ(AF_INET, family);
	ASSERT_EQ(0, port);
	ASSERT_EQ(0, memcmp(addr, v4, 4));
	ASSERT_EQ(0, parse_endpoint("10.0.0.1:7477", &family, addr, &port));
	ASSERT_EQ(7477, port);
	ASSERT_EQ(0, parse_endpoint("fe80::1", &family, addr, &port));
	ASSERT_EQ(AF_INET6, family);
	ASSERT_EQ(0, port);
	ASSERT_EQ(0, memcmp(addr, v6, 16));
	ASSERT_EQ(0, parse_endpoint("[fe80::1]:9", &family, addr, &port));
	ASSERT_EQ(9, port);
	ASSERT_EQ(0, parse_endpoint("[fe80::1]", &family, addr, &port));
	ASSERT_EQ(0, port);
	ASSERT_EQ(-EINVAL, parse_endpoint("", &family, addr, &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("10.0.0", &family, addr, &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("10.0.0.1:0", &family, addr, &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("10.0.0.1:65536", &family, addr,
					  &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("10.0.0.1:", &family, addr, &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("[fe80::1", &family, addr, &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("[fe80::1]x", &family, addr, &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("[10.0.0.1]:1x", &family, addr,
					  &port));
	ASSERT_EQ(-EINVAL, parse_endpoint("host.example", &family, addr,
					  &port));
}

TEST(keys)
{
	/* The same 32 bytes 0x00..0x1f as hex and as base64. */
	static const char hex[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	static const char b64[] =
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	uint8_t key[32], want[32];
	int i;

	for (i = 0; i < 32; i++)
		want[i] = (uint8_t)i;
	memset(key, 0xaa, sizeof(key));
	ASSERT_EQ(0, parse_key(hex, key));
	ASSERT_EQ(0, memcmp(key, want, 32));
	memset(key, 0xaa, sizeof(key));
	ASSERT_EQ(0, parse_key(b64, key));
	ASSERT_EQ(0, memcmp(key, want, 32));
	memset(key, 0xaa, sizeof(key));
	ASSERT_EQ(-EINVAL, parse_key("", key));
	ASSERT_EQ(-EINVAL, parse_key("00", key));
	/* 63 and 65 hex digits; a non-hex digit; base64 without padding */
	ASSERT_EQ(-EINVAL, parse_key(hex + 1, key));
	ASSERT_EQ(-EINVAL, parse_key("0000000000000000000000000000000000000000000000000000000000000000f", key));
	ASSERT_EQ(-EINVAL, parse_key("g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", key));
	ASSERT_EQ(-EINVAL, parse_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", key));
	/* a last digit with its spare bits set is not canonical */
	ASSERT_EQ(-EINVAL, parse_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", key));
	ASSERT_EQ(-EINVAL, parse_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=", key));
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0xaa, key[i]);
}

TEST_HARNESS_MAIN
