/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a small streaming JSON writer for dlockadm --json.
 *
 * Output is compact (no spaces), one document per writer, ended by a
 * newline.  Misuse (a value in an object without a key, unbalanced ends,
 * nesting too deep) is not written out; it marks the writer failed, and
 * json_finish() reports it, so a bug can never print half-valid JSON
 * silently.  Strings are escaped per RFC 8259; bytes that are not valid
 * UTF-8 become U+FFFD, so the output is always valid UTF-8.
 */
#ifndef DLOCKADM_JSON_H
#define DLOCKADM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json_writer {
	FILE *out;
	unsigned int depth;
	bool failed;
	bool have_key;			/* a key was written, its value is due */
	bool done;			/* the top-level value is complete */
	char kind[JSON_MAX_DEPTH];	/* '{' or '[' per open container */
	bool first[JSON_MAX_DEPTH];	/* nothing written in it yet */
};

void json_init(struct json_writer *w, FILE *out);
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_string_len(struct json_writer *w, const char *s, size_t len);
void json_u64(struct json_writer *w, uint64_t v);
void json_i64(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/*
 * End the document with a newline.  0 when it was complete and well formed,
 * -EINVAL on misuse, -EIO when the stream failed.
 */
int json_finish(struct json_writer *w);

#endif /* DLOCKADM_JSON_H */
