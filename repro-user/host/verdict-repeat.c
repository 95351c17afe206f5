// SPDX-License-Identifier: GPL-2.0
/*
 * verdict-repeat.c - the counted verdict of N repeated runs
 * (gup-repro-verdict --repeat-dir DIR --runs N, verdict.h): each run's
 * DIR/run-NN/verdict.txt counted by its verdict, the reproduction rate
 * among the tested runs with its 95% Wilson interval (stats.h), and the
 * matrix cell that stands for all of them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"
#include "stats.h"
#include "verdict.h"

static int reproducing(const char *v)
{
	return !strcmp(v, "REPRODUCED") || !strcmp(v, "VIOLATION") ||
	       !strcmp(v, "DATA LOSS") || !strcmp(v, "FS CORRUPTION");
}

/* the verdicts of --repeat, in the order their counts are printed */
static const char *const repeat_order[] = { "FS CORRUPTION", "DATA LOSS", "REPRODUCED",
					    "VIOLATION", "NOT REPRODUCED", "MITIGATED",
					    "COULD NOT TEST" };
#define NR_REPEAT_ORDER 7

/* The tally of --repeat's runs: counts per verdict, reproduced, tested. */
struct repeat_tally {
	long per[NR_REPEAT_ORDER], repro, tested, untested;
};

/*
 * Read run-01 .. run-N/verdict.txt of @dir: each run's cell into @cells
 * (a run without a verdict is COULD NOT TEST, "ERROR:no verdict") and the
 * counts into @t.
 */
static void read_repeat_runs(const char *dir, long n, char (*cells)[128], struct repeat_tally *t)
{
	long i;

	for (i = 0; i < n; i++) {
		char sub[64], v[64] = "", c[128] = "";
		FILE *f;
		int k;

		snprintf(sub, sizeof(sub), "run-%02ld/verdict.txt", i + 1);
		f = open_in(dir, sub);
		if (f) {
			kv_get(f, "verdict: ", v, sizeof(v));
			rewind(f);
			kv_get(f, "cell: ", c, sizeof(c));
			fclose(f);
		}
		for (k = 0; k < NR_REPEAT_ORDER && strcmp(v, repeat_order[k]); k++)
			;
		if (k == NR_REPEAT_ORDER) {
			k = NR_REPEAT_ORDER - 1;
			snprintf(c, sizeof(c), "ERROR:no verdict");
		}
		t->per[k]++;
		snprintf(cells[i], sizeof(cells[i]), "%s", c);
		if (reproducing(repeat_order[k]))
			t->repro++, t->tested++;
		else if (k == NR_REPEAT_ORDER - 1)
			t->untested++;
		else
			t->tested++;
	}
}

/* The matrix cell of N runs: the commonest reproducing cell, else the commonest. */
static void repeat_cell(char (*cells)[128], long n, char *best, size_t len)
{
	long bestn = -1, i, j;
	int bestr = -1;

	best[0] = '\0';
	for (i = 0; i < n; i++) {
		int r = !strncmp(cells[i], "REPRODUCED", 10) || !strcmp(cells[i], "VIOLATION") ||
			!strcmp(cells[i], "LOSS") || !strncmp(cells[i], "CORRUPT", 7);
		long cnt = 0;

		for (j = 0; j < n; j++)
			cnt += !strcmp(cells[i], cells[j]);
		if (r > bestr || (r == bestr && cnt > bestn)) {
			bestr = r;
			bestn = cnt;
			snprintf(best, len, "%s", cells[i]);
		}
	}
}

/*
 * --repeat-dir DIR --runs N: one verdict over DIR/run-01 .. run-N.  Rule:
 * exit 1 if any run reproduced (REPRODUCED, VIOLATION, DATA LOSS, FS
 * CORRUPTION), else 125 if any could not be tested, else 0.
 */
int verdict_repeat(FILE *o, const char *dir, long n)
{
	struct repeat_tally t = {};
	char (*cells)[128] = calloc((size_t)n, sizeof(*cells));
	char counts[512] = "", w[64], best[128];
	size_t off = 0;
	long i;

	if (!cells)
		return 2;
	read_repeat_runs(dir, n, cells, &t);
	for (i = 0; i < NR_REPEAT_ORDER; i++)
		if (t.per[i])
			off += (size_t)snprintf(counts + off, sizeof(counts) - off, "%s%s %ld",
						off ? ", " : "", repeat_order[i], t.per[i]);
	repeat_cell(cells, n, best, sizeof(best));
	free(cells);
	if (t.tested) {
		wilson(t.repro, t.tested, w, sizeof(w));
		emit(o, "verdict: %s of %ld runs; reproduced %ld/%ld = %.1f%% (95%% Wilson interval %s)",
		     counts, n, t.repro, t.tested, 100.0 * (double)t.repro / (double)t.tested, w);
	} else {
		emit(o, "verdict: %s of %ld runs; no run could be tested", counts, n);
	}
	emit(o, "runs: %ld", n);
	emit(o, "reproduced: %ld", t.repro);
	emit(o, "tested: %ld", t.tested);
	emit(o, "could-not-test: %ld", t.untested);
	emit(o, "rule: exit 1 if any run reproduced (REPRODUCED, VIOLATION, DATA LOSS or FS CORRUPTION), else 125 if any run could not be tested, else 0; the rate counts reproduced runs among tested runs");
	emit(o, "cell: %s", best);
	i = t.repro ? 1 : t.untested ? 125 : 0;
	emit(o, "exit: %ld", i);
	return (int)i;
}
