// SPDX-License-Identifier: GPL-2.0
/* json.c - the JSON writer of json.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

/*
 * Called before every value and every key: checks that one may come here
 * and writes the comma that separates it from its predecessor.
 */
static bool json_prepare(struct json_writer *w, bool is_key)
{
	if (w->failed)
		return false;
	if (w->done)
		goto misuse;
	if (!w->depth) {
		if (is_key)
			goto misuse;
		return true;
	}
	if (w->kind[w->depth - 1] == '{') {
		if (is_key == w->have_key)
			goto misuse;
		if (!is_key) {
			w->have_key = false;
			return true;
		}
	} else if (is_key) {
		goto misuse;
	}
	if (!w->first[w->depth - 1])
		fputc(',', w->out);
	w->first[w->depth - 1] = false;
	return true;
misuse:
	w->failed = true;
	return false;
}

/* After a complete value: at depth 0 the document is done. */
static void json_value_done(struct json_writer *w)
{
	if (!w->depth)
		w->done = true;
}

static void json_begin(struct json_writer *w, char kind)
{
	if (!json_prepare(w, false))
		return;
	if (w->depth == JSON_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	fputc(kind, w->out);
	w->kind[w->depth] = kind;
	w->first[w->depth] = true;
	w->depth++;
}

static void json_end(struct json_writer *w, char kind)
{
	if (w->failed)
		return;
	if (!w->depth || w->kind[w->depth - 1] != kind || w->have_key) {
		w->failed = true;
		return;
	}
	w->depth--;
	fputc(kind == '{' ? '}' : ']', w->out);
	json_value_done(w);
}

void json_object_begin(struct json_writer *w)
{
	json_begin(w, '{');
}

void json_object_end(struct json_writer *w)
{
	json_end(w, '{');
}

void json_array_begin(struct json_writer *w)
{
	json_begin(w, '[');
}

void json_array_end(struct json_writer *w)
{
	json_end(w, '[');
}

/*
 * Length of the valid UTF-8 sequence at s (at most len bytes), or 0 when
 * the bytes there are not one: overlong forms, surrogates and code points
 * past U+10FFFF are all invalid (RFC 3629).
 */
static size_t utf8_sequence_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void json_write_string(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', out);
	while (i < len) {
		switch (s[i]) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (s[i] < 0x20) {
				fprintf(out, "\\u%04x", s[i]);
				break;
			}
			n = utf8_sequence_len(s + i, len - i);
			if (!n) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(s + i, 1, n, out);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', out);
}

void json_key(struct json_writer *w, const char *key)
{
	if (!json_prepare(w, true))
		return;
	json_write_string(w->out, key, strlen(key));
	fputc(':', w->out);
	w->have_key = true;
}

void json_string_len(struct json_writer *w, const char *s, size_t len)
{
	if (!json_prepare(w, false))
		return;
	json_write_string(w->out, s, len);
	json_value_done(w);
}

void json_string(struct json_writer *w, const char *s)
{
	json_string_len(w, s, strlen(s));
}

void json_u64(struct json_writer *w, uint64_t v)
{
	if (!json_prepare(w, false))
		return;
	fprintf(w->out, "%" PRIu64, v);
	json_value_done(w);
}

void json_i64(struct json_writer *w, int64_t v)
{
	if (!json_prepare(w, false))
		return;
	fprintf(w->out, "%" PRId64, v);
	json_value_done(w);
}

void json_bool(struct json_writer *w, bool v)
{
	if (!json_prepare(w, false))
		return;
	fputs(v ? "true" : "false", w->out);
	json_value_done(w);
}

void json_null(struct json_writer *w)
{
	if (!json_prepare(w, false))
		return;
	fputs("null", w->out);
	json_value_done(w);
}

int json_finish(struct json_writer *w)
{
	if (w->failed || !w->done)
		return -EINVAL;
	fputc('\n', w->out);
	if (fflush(w->out) || ferror(w->out))
		return -EIO;
	return 0;
}
