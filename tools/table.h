/* SPDX-License-Identifier: GPL-2.0 */
/*
 * table.h - aligned tables for people: rows of cells are collected, then
 * printed with every column as wide as its widest cell.
 */
#ifndef DLOCKADM_TABLE_H
#define DLOCKADM_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS	10

struct table {
	size_t ncols;
	size_t nrows;		/* complete rows, the header included */
	size_t pending;		/* cells of the row being added */
	size_t cap;
	char **cells;		/* nrows * ncols, row-major, owned */
	size_t width[TABLE_MAX_COLS];
	int failed;		/* out of memory: table_print says so */
};

/* A table with a header row of ncols names (NULL-terminated list). */
void table_init(struct table *t, const char *const *header);

/* Add a row: exactly t->ncols strings (copied). */
void table_row(struct table *t, ...);

/* Print (header first) and free; 0, or -ENOMEM if a row was lost. */
int table_print(struct table *t, FILE *out);

#endif /* DLOCKADM_TABLE_H */
