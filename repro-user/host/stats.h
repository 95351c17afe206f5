/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h - the reproduction rate of repeated runs: what --repeat N
 * (gup-repro-verdict --repeat-dir) and ./run.sh compare
 * (gup-repro-compare) print beside a count.
 */
#ifndef GUPR_STATS_H
#define GUPR_STATS_H

#include <math.h>
#include <stdio.h>

/**
 * wilson_bounds() - the 95% Wilson score interval of @k successes in @n
 * trials (Wilson 1927; z = 1.959964), which unlike the normal
 * approximation stays inside [0, 1] and is not empty at k = 0 or k = n
 * @k: runs that reproduced.
 * @n: runs tested (> 0).
 * @lo: lower bound, 0..1.
 * @hi: upper bound, 0..1.
 */
static inline void wilson_bounds(long k, long n, double *lo, double *hi)
{
	double z = 1.959964, z2 = z * z, p = (double)k / (double)n, c, h;

	c = (p + z2 / (2.0 * n)) / (1 + z2 / n);
	h = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
	*lo = k ? (c - h < 0 ? 0 : c - h) : 0;
	*hi = k == n ? 1 : (c + h > 1 ? 1 : c + h);
}

/**
 * wilson() - wilson_bounds() as text, "12.3%-98.7%", or "n/a" for n = 0
 * @k: runs that reproduced.
 * @n: runs tested.
 * @out: the text.
 * @len: size of @out in bytes.
 */
static inline void wilson(long k, long n, char *out, size_t len)
{
	double lo, hi;

	if (n <= 0) {
		snprintf(out, len, "n/a");
		return;
	}
	wilson_bounds(k, n, &lo, &hi);
	snprintf(out, len, "%.1f%%-%.1f%%", 100 * lo, 100 * hi);
}

#endif
