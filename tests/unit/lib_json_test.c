// SPDX-License-Identifier: GPL-2.0
/*
 * lib_json_test.c - dlockadm's JSON writer (tools/json.c): exact output,
 * string escaping, UTF-8 repair, and refusal of malformed documents.
 *
 * The writer is private to dlockadm, not part of libdlock's ABI, and this
 * directory's Makefile links only libdlock, so the source is built in here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* First, so that the tool's code is built with every warning on. */
#include "../../tools/json.c"

/*
 * The harness is not -Wextra clean: it compares expected and seen as they
 * come (our literals are int) and leaves some parameters unused.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

FIXTURE(json)
{
	struct json_writer w;
	FILE *out;
	char *buf;
	size_t len;
};

FIXTURE_SETUP(json)
{
	self->buf = NULL;
	self->out = open_memstream(&self->buf, &self->len);
	ASSERT_NE(NULL, self->out);
	json_init(&self->w, self->out);
}

FIXTURE_TEARDOWN(json)
{
	if (self->out)
		fclose(self->out);
	free(self->buf);
}

/* Finish the document; its text (with the newline) is then in self->buf. */
static int finish(struct json_writer *w, FILE *out)
{
	int err = json_finish(w);

	fflush(out);
	return err;
}

TEST_F(json, object_with_every_kind_of_value)
{
	json_object_begin(&self->w);
	json_key(&self->w, "s");
	json_string(&self->w, "x");
	json_key(&self->w, "u");
	json_u64(&self->w, UINT64_MAX);
	json_key(&self->w, "i");
	json_i64(&self->w, INT64_MIN);
	json_key(&self->w, "t");
	json_bool(&self->w, true);
	json_key(&self->w, "f");
	json_bool(&self->w, false);
	json_key(&self->w, "n");
	json_null(&self->w);
	json_key(&self->w, "a");
	json_array_begin(&self->w);
	json_u64(&self->w, 1);
	json_object_begin(&self->w);
	json_object_end(&self->w);
	json_array_begin(&self->w);
	json_array_end(&self->w);
	json_array_end(&self->w);
	json_object_end(&self->w);
	ASSERT_EQ(0, finish(&self->w, self->out));
	ASSERT_STREQ("{\"s\":\"x\",\"u\":18446744073709551615,"
		     "\"i\":-9223372036854775808,\"t\":true,\"f\":false,"
		     "\"n\":null,\"a\":[1,{},[]]}\n", self->buf);
}

TEST_F(json, top_level_scalar)
{
	json_u64(&self->w, 0);
	ASSERT_EQ(0, finish(&self->w, self->out));
	ASSERT_STREQ("0\n", self->buf);
}

TEST_F(json, escapes)
{
	json_string(&self->w, "q\" b\\ /\b\f\n\r\t\x01\x1f\x7f");
	ASSERT_EQ(0, finish(&self->w, self->out));
	ASSERT_STREQ("\"q\\\" b\\\\ /\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"\n",
		     self->buf);
}

TEST_F(json, embedded_nul)
{
	json_string_len(&self->w, "a\0b", 3);
	ASSERT_EQ(0, finish(&self->w, self->out));
	ASSERT_STREQ("\"a\\u0000b\"\n", self->buf);
}

TEST_F(json, keys_are_escaped)
{
	json_object_begin(&self->w);
	json_key(&self->w, "k\"\n");
	json_u64(&self->w, 1);
	json_object_end(&self->w);
	ASSERT_EQ(0, finish(&self->w, self->out));
	ASSERT_STREQ("{\"k\\\"\\n\":1}\n", self->buf);
}

TEST_F(json, valid_utf8_passes_through)
{
	/* e-acute (2 bytes), euro sign (3), U+10FFFF (4), U+1F600 (4) */
	json_string(&self->w, "\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf\xf0\x9f\x98\x80");
	ASSERT_EQ(0, finish(&self->w, self->out));
	ASSERT_STREQ("\"\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf\xf0\x9f\x98\x80\"\n",
		     self->buf);
}

TEST_F(json, invalid_utf8_becomes_replacement)
{
	/*
	 * A lone continuation byte, an overlong '/', a UTF-16 surrogate,
	 * a code point past U+10FFFF, 0xff, and a sequence cut short by the
	 * end of the string: each bad byte is one U+FFFD, and the good bytes
	 * after it survive.
	 */
	json_string(&self->w, "\x80" "a" "\xc0\xaf" "b" "\xed\xa0\x80" "c"
			      "\xf4\x90\x80\x80" "d" "\xff" "e" "\xe2\x82");
	ASSERT_EQ(0, finish(&self->w, self->out));
	ASSERT_STREQ("\"\\ufffda\\ufffd\\ufffdb\\ufffd\\ufffd\\ufffdc"
		     "\\ufffd\\ufffd\\ufffd\\ufffdd\\ufffde\\ufffd\\ufffd\"\n",
		     self->buf);
}

TEST_F(json, value_without_key_in_object_fails)
{
	json_object_begin(&self->w);
	json_u64(&self->w, 1);
	json_object_end(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, key_without_value_fails)
{
	json_object_begin(&self->w);
	json_key(&self->w, "a");
	json_object_end(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, two_keys_in_a_row_fail)
{
	json_object_begin(&self->w);
	json_key(&self->w, "a");
	json_key(&self->w, "b");
	json_u64(&self->w, 1);
	json_object_end(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, key_in_array_fails)
{
	json_array_begin(&self->w);
	json_key(&self->w, "a");
	json_u64(&self->w, 1);
	json_array_end(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, mismatched_end_fails)
{
	json_array_begin(&self->w);
	json_object_end(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, end_without_begin_fails)
{
	json_object_end(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, unfinished_document_fails)
{
	json_object_begin(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, empty_document_fails)
{
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, second_top_level_value_fails)
{
	json_u64(&self->w, 1);
	json_u64(&self->w, 2);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, too_deep_fails)
{
	int i;

	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array_begin(&self->w);
	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array_end(&self->w);
	ASSERT_EQ(-EINVAL, finish(&self->w, self->out));
}

TEST_F(json, max_depth_is_fine)
{
	int i;

	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&self->w);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_end(&self->w);
	ASSERT_EQ(0, finish(&self->w, self->out));
}

TEST(write_failure_is_eio)
{
	struct json_writer w;
	FILE *full = fopen("/dev/full", "w");

	if (!full)
		SKIP(return, "no /dev/full");
	json_init(&w, full);
	json_string(&w, "x");
	ASSERT_EQ(-EIO, json_finish(&w));
	fclose(full);
}

TEST_HARNESS_MAIN
