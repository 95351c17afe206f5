/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_check.h - what the libFuzzer harnesses assert about any output a
 * host parser produced from untrusted input: no control character but the
 * newline, valid UTF-8, and (optionally) bounded lines.  A failed check
 * aborts, which libFuzzer reports as a finding.
 */
#ifndef GUPR_FUZZ_CHECK_H
#define GUPR_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "kvfile.h"

/* @max_line: longest line allowed in bytes, 0 for no limit. */
static inline void fuzz_check_text(const char *what, const char *s, size_t n, size_t max_line)
{
	size_t i = 0, line = 0;

	while (i < n) {
		const unsigned char c = (unsigned char)s[i];
		size_t w;

		if (c == '\n') {
			line = 0;
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(stderr, "%s: control byte 0x%02x at offset %zu\n", what, c, i);
			abort();
		}
		w = utf8_len((const unsigned char *)s + i, n - i);
		if (!w) {
			fprintf(stderr, "%s: invalid UTF-8 at offset %zu\n", what, i);
			abort();
		}
		i += w;
		line += w;
		if (max_line && line > max_line) {
			fprintf(stderr, "%s: line longer than %zu bytes at offset %zu\n", what,
				max_line, i);
			abort();
		}
	}
}

/* An in-memory stream to write into; check and free with fuzz_out_done(). */
struct fuzz_out {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void fuzz_out_open(struct fuzz_out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f)
		abort();
}

static inline void fuzz_out_done(struct fuzz_out *o, const char *what, size_t max_line)
{
	fclose(o->f);
	fuzz_check_text(what, o->buf, o->len, max_line);
	free(o->buf);
}

#endif
