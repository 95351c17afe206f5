/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - the one TAP emitter of the C tests (tests/unit/abi_layout.c,
 * tests/guest/abi_test.c, tests/guest/ioctl_fuzz.c): "ok N - what" or
 * "not ok N - what", numbered in order, the plan before or after the
 * tests, "# " diagnostics, and the exit status from the failures.  The
 * Perl tests use Test::More.  Header-only.
 */
#ifndef GUPR_TAP_H
#define GUPR_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

/* "TAP version 13", then "1..N" when the count is known up front (N > 0). */
static inline void tap_start(int planned)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (planned > 0)
		printf("1..%d\n", planned);
}

/* The next test: ok when @cond; the description is printf-formatted. */
__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

/* The plan after the tests ("1..N"), for a count not known up front. */
static inline void tap_plan_done(void)
{
	printf("1..%d\n", tap_n);
}

/* The exit status: 1 when a test failed. */
static inline int tap_exit(void)
{
	return tap_failed ? 1 : 0;
}

#endif /* GUPR_TAP_H */
