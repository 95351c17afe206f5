// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_matrix.c - libFuzzer harness for the matrix tables
 * (repro-user/host/matrix.c): the input is a cell's verdict.txt, a NUL byte,
 * and its run.txt.  The cell must reach matrix.json (never dropped), and
 * matrix.txt and matrix.md must be printable, valid UTF-8 (matrix.txt in
 * 80 columns).
 */
#define FUZZING 1
#include "../../repro-user/host/matrix.c"

#include <stdint.h>

#include "fuzz_check.h"

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
	json_t *json;
	char *dump;

	one(&kernels, "debian:sid");
	one(&fss, "ext4");
	one(&scens, "unlocked-dirty");
	if (make_labels() || alloc_cells())
		abort();
	cells[0].dir = strdup("sid/ext4/unlocked-dirty");
	if (vlen)
		v = fmemopen((void *)data, vlen, "r");
	if (nul && size - vlen > 1)
		r = fmemopen((void *)(nul + 1), size - vlen - 1, "r");
	load_cell(&cells[0], v, r);
	if (v)
		fclose(v);
	if (r)
		fclose(r);

	fuzz_out_open(&out);
	write_txt(out.f, "2026-01-01 00:00 UTC");
	fuzz_out_done(&out, "matrix.txt", 80);
	free_footnotes();
	fuzz_out_open(&out);
	write_md(out.f, "2026-01-01 00:00 UTC");
	fuzz_out_done(&out, "matrix.md", 0);

	json = matrix_json("2026-01-01 00:00 UTC");
	if (!json || json_array_size(json_object_get(json, "cells")) != 1) {
		fprintf(stderr, "matrix.json: the cell was dropped\n");
		abort();
	}
	dump = json_dumps(json, 0);
	if (!dump)
		abort();
	free(dump);
	json_decref(json);
	free_all();
	return 0;
}
