// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_matrix.c - libFuzzer harness for the matrix tables
 * (repro-user/host/matrix-tables.c, matrix.h): the input is a cell's verdict.txt, a NUL byte,
 * and its run.txt.  The cell must reach matrix.json (never dropped), and
 * matrix.txt and matrix.md must be printable, valid UTF-8 (matrix.txt in
 * 80 columns).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "matrix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(struct list *l, const char *s)
{
	l->v = malloc(sizeof(*l->v));
	if (!l->v)
		abort();
	l->v[0] = (char *)s;
	l->n = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t vlen = nul ? (size_t)(nul - data) : size;
	FILE *v = NULL, *r = NULL;
	struct fuzz_out out;
	struct matrix m = {};
	json_t *json;
	char *dump;

	one(&m.kernels, "debian:sid");
	one(&m.fss, "ext4");
	one(&m.scens, "unlocked-dirty");
	if (make_labels(&m) || alloc_cells(&m))
		abort();
	m.cells[0].dir = strdup("sid/ext4/unlocked-dirty");
	if (vlen)
		v = fmemopen((void *)data, vlen, "r");
	if (nul && size - vlen > 1)
		r = fmemopen((void *)(nul + 1), size - vlen - 1, "r");
	load_cell(&m.cells[0], v, r, r, r);	/* the run part is host.txt too */
	if (v)
		fclose(v);
	if (r)
		fclose(r);

	fuzz_out_open(&out);
	write_txt(&m, out.f, "2026-01-01 00:00 UTC");
	fuzz_out_done(&out, "matrix.txt", 80);
	free_footnotes(&m);
	fuzz_out_open(&out);
	write_md(&m, out.f, "2026-01-01 00:00 UTC");
	fuzz_out_done(&out, "matrix.md", 0);

	json = matrix_json(&m, "2026-01-01 00:00 UTC");
	if (!json || json_array_size(json_object_get(json, "cells")) != 1) {
		fprintf(stderr, "matrix.json: the cell was dropped\n");
		abort();
	}
	dump = json_dumps(json, 0);
	if (!dump)
		abort();
	free(dump);
	json_decref(json);
	free_all(&m);
	return 0;
}
