// SPDX-License-Identifier: GPL-2.0
/* table.c - the aligned tables of table.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* Append one cell (taking ownership); a failure marks the table. */
static void table_add(struct table *t, char *cell)
{
	size_t n = t->nrows * t->ncols + t->pending;
	size_t len, col;

	if (!cell || t->failed) {
		free(cell);
		t->failed = 1;
		return;
	}
	if (n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (!cells) {
			free(cell);
			t->failed = 1;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	t->cells[n] = cell;
	col = t->pending++;
	len = strlen(cell);
	if (len > t->width[col])
		t->width[col] = len;
	if (t->pending == t->ncols) {
		t->pending = 0;
		t->nrows++;
	}
}

void table_init(struct table *t, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	while (header[t->ncols] && t->ncols < TABLE_MAX_COLS)
		t->ncols++;
	for (size_t i = 0; i < t->ncols; i++)
		table_add(t, strdup(header[i]));
}

void table_row(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++)
		table_add(t, strdup(va_arg(ap, const char *)));
	va_end(ap);
}

int table_print(struct table *t, FILE *out)
{
	int err = t->failed ? -ENOMEM : 0;

	if (!err) {
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				const char *cell = t->cells[r * t->ncols + c];

				/* No trailing blanks after the last column. */
				if (c + 1 == t->ncols)
					fprintf(out, "%s\n", cell);
				else
					fprintf(out, "%-*s  ", (int)t->width[c],
						cell);
			}
		}
	}
	for (size_t i = 0; i < t->nrows * t->ncols + t->pending; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
	return err;
}
