// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-compare - the before/after table of ./run.sh compare.
 *
 *   gup-repro-compare --matrix MDIR --base SPEC --patched SPEC
 *                     [--header FILE] [--out DIR]
 *
 * Reads the matrix that ran every cell on both kernels (MDIR/matrix.json,
 * written by gup-repro-matrix; SPEC is each kernel's spec as matrix.json
 * names it) and each cell's verdict.txt (a --repeat cell's counts:
 * "reproduced: K", "tested: N"), pairs the cells of one scenario and
 * filesystem, and writes DIR/compare.txt (plain text, lines of at most 80
 * columns, for a mail), compare.md and compare.json; compare.txt is
 * printed too.  FILE's lines (tree, commits, patches: the shell's) head
 * the text and go into the JSON as "about".
 *
 * A cell's class: reproducing (REPRODUCED, VIOLATION, LOSS, CORRUPT),
 * clean (CLEAN, MITIGATED) or untested (ERROR).  A pair is
 *   fixed      reproducing on base, clean on the patched kernel
 *   broke      clean on base, reproducing on the patched kernel
 *   untested   either side could not be tested
 *   changed    the same class, another cell (e.g. MITIGATED:EFAULT ->
 *              CLEAN) or, with --repeat, reproduction rates whose 95%
 *              Wilson intervals do not overlap
 *   unchanged  the rest.
 * Exit: 0 when no pair broke, 1 when one did (a cell clean on base
 * reproduces with the patch), 2 on bad usage or input.
 *
 * Every string read from the run directories went through text_safe()
 * (kv_get, and gup-repro-matrix for matrix.json) and is bounded here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvfile.h"
#include "stats.h"

#define MAX_PAIRS	4096
#define MAX_ABOUT	32

enum klass { C_CLEAN, C_REPRO, C_UNTESTED };
enum change { P_UNCHANGED, P_FIXED, P_BROKE, P_CHANGED, P_UNTESTED, NR_CHANGE };

static const char *const change_name[NR_CHANGE] = {
	"unchanged", "fixed", "broke", "changed", "could not test"
};

/* One kernel's result of one cell. */
struct side {
	int present;
	char result[96];	/* the matrix cell: REPRODUCED:ext4_dirty_folio, ... */
	char dir[256];		/* its run directory in the matrix */
	long repro, tested;	/* runs: with --repeat N, else 1 or 0 */
	enum klass klass;
};

struct pair {
	char fs[32], scenario[96];
	struct side base, patched;
	enum change change;
	int order[2];		/* sort key: scenario, filesystem */
};

static struct pair pairs[MAX_PAIRS];
static int npairs;
static char about[MAX_ABOUT][256];
static int nabout;

static enum klass klass_of(const char *r)
{
	if (!strncmp(r, "REPRODUCED", 10) || !strcmp(r, "VIOLATION") || !strcmp(r, "LOSS") ||
	    !strncmp(r, "CORRUPT", 7))
		return C_REPRO;
	if (!strcmp(r, "CLEAN") || !strncmp(r, "MITIGATED", 9))
		return C_CLEAN;
	return C_UNTESTED;
}

/*
 * The runs of a cell: a --repeat cell's verdict.txt counts them
 * ("reproduced:", "tested:"); a single run is 1 of 1 or 0 of 1, and an
 * untested one 0 of 0.
 */
static void side_runs(struct side *s, const char *mdir)
{
	char path[4096], v[32] = "";

	s->klass = klass_of(s->result);
	s->tested = s->klass != C_UNTESTED;
	s->repro = s->klass == C_REPRO;
	if (snprintf(path, sizeof(path), "%s/%s/verdict.txt", mdir, s->dir) >= (int)sizeof(path))
		return;
	kv_read(path, "tested: ", v, sizeof(v));
	if (!v[0])
		return;
	s->tested = strtol(v, NULL, 10);
	v[0] = '\0';
	kv_read(path, "reproduced: ", v, sizeof(v));
	s->repro = strtol(v, NULL, 10);
	if (s->tested < 0 || s->repro < 0 || s->repro > s->tested)
		s->tested = s->repro = 0;
}

static struct pair *pair_of(const char *fs, const char *scenario)
{
	for (int i = 0; i < npairs; i++)
		if (!strcmp(pairs[i].fs, fs) && !strcmp(pairs[i].scenario, scenario))
			return &pairs[i];
	if (npairs == MAX_PAIRS)
		return NULL;
	snprintf(pairs[npairs].fs, sizeof(pairs[npairs].fs), "%s", fs);
	snprintf(pairs[npairs].scenario, sizeof(pairs[npairs].scenario), "%s", scenario);
	return &pairs[npairs++];
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The cells of @base and @patched from MDIR/matrix.json, paired. */
static int read_matrix(const char *mdir, const char *base, const char *patched)
{
	char path[4096];
	json_error_t err;
	json_t *root, *cells, *c;
	size_t i;

	snprintf(path, sizeof(path), "%s/matrix.json", mdir);
	root = json_load_file(path, 0, &err);
	if (!root) {
		fprintf(stderr, "gup-repro-compare: %s: %s\n", path, err.text);
		return -1;
	}
	cells = json_object_get(root, "cells");
	json_array_foreach(cells, i, c) {
		const char *k = jstr(c, "kernel");
		struct side *s;
		struct pair *p;

		if (strcmp(k, base) && strcmp(k, patched))
			continue;
		p = pair_of(jstr(c, "fs"), jstr(c, "scenario"));
		if (!p) {
			fprintf(stderr, "gup-repro-compare: more than %d cells\n", MAX_PAIRS);
			json_decref(root);
			return -1;
		}
		s = strcmp(k, base) ? &p->patched : &p->base;
		s->present = 1;
		snprintf(s->result, sizeof(s->result), "%s", jstr(c, "result"));
		snprintf(s->dir, sizeof(s->dir), "%s", jstr(c, "dir"));
		side_runs(s, mdir);
	}
	json_decref(root);
	return 0;
}

/*
 * The pairs by scenario, then filesystem, each in the order the matrix
 * first names it: one scenario's filesystems stand together.
 */
static int first_index(const char *what, int fs)
{
	for (int i = 0; i < npairs; i++)
		if (!strcmp(fs ? pairs[i].fs : pairs[i].scenario, what))
			return i;
	return npairs;
}

static int by_scenario(const void *a, const void *b)
{
	const struct pair *p = a, *q = b;
	int d = p->order[0] - q->order[0];

	return d ? d : p->order[1] - q->order[1];
}

static void sort_pairs(void)
{
	for (int i = 0; i < npairs; i++) {
		pairs[i].order[0] = first_index(pairs[i].scenario, 0);
		pairs[i].order[1] = first_index(pairs[i].fs, 1);
	}
	qsort(pairs, (size_t)npairs, sizeof(pairs[0]), by_scenario);
}

/* Two rates whose 95% intervals do not overlap (both sides tested). */
static int rates_differ(const struct side *a, const struct side *b)
{
	double alo, ahi, blo, bhi;

	if (a->tested < 2 || b->tested < 2)
		return 0;
	wilson_bounds(a->repro, a->tested, &alo, &ahi);
	wilson_bounds(b->repro, b->tested, &blo, &bhi);
	return ahi < blo || bhi < alo;
}

static enum change classify(const struct pair *p)
{
	const struct side *b = &p->base, *a = &p->patched;

	if (!b->present || !a->present || b->klass == C_UNTESTED || a->klass == C_UNTESTED)
		return P_UNTESTED;
	if (b->klass == C_REPRO && a->klass == C_CLEAN)
		return P_FIXED;
	if (b->klass == C_CLEAN && a->klass == C_REPRO)
		return P_BROKE;
	if (strcmp(b->result, a->result) || rates_differ(b, a))
		return P_CHANGED;
	return P_UNCHANGED;
}

/* "REPRODUCED:ext4_dirty_folio" or, with runs, "... 3/5 60% (23-88%)" */
static void side_text(const struct side *s, int repeat, char *out, size_t len)
{
	char w[32];

	if (!s->present) {
		snprintf(out, len, "(not run)");
		return;
	}
	if (!repeat) {
		snprintf(out, len, "%s", s->result);
		return;
	}
	wilson(s->repro, s->tested, w, sizeof(w));
	snprintf(out, len, "%s %ld/%ld (%s)", s->result, s->repro, s->tested, w);
}

static int max_runs(void)
{
	long m = 0;

	for (int i = 0; i < npairs; i++) {
		if (pairs[i].base.tested > m)
			m = pairs[i].base.tested;
		if (pairs[i].patched.tested > m)
			m = pairs[i].patched.tested;
	}
	return m > 1;
}

static void summary(char *out, size_t len)
{
	int n[NR_CHANGE] = {};
	size_t off = 0;

	for (int i = 0; i < npairs; i++)
		n[pairs[i].change]++;
	off += (size_t)snprintf(out + off, len - off, "fixed %d, broke %d, changed %d, unchanged %d",
				n[P_FIXED], n[P_BROKE], n[P_CHANGED], n[P_UNCHANGED]);
	if (n[P_UNTESTED] && off < len)
		snprintf(out + off, len - off, ", could not test %d", n[P_UNTESTED]);
}

/*
 * compare.txt: a cell a line block of at most 80 columns; a cell whose
 * two results do not fit beside each other puts the patched one on a
 * line of its own.
 */
static void write_txt(FILE *o)
{
	int repeat = max_runs();
	char s[160];

	for (int i = 0; i < nabout; i++)
		fprintf(o, "%.*s\n", (int)utf8_fit(about[i], 80), about[i]);
	if (nabout)
		fprintf(o, "\n");
	fprintf(o, "%-28s %-5s %s\n", "scenario", "fs", "base -> patched");
	for (int i = 0; i < npairs; i++) {
		const struct pair *p = &pairs[i];
		char b[256], a[256], line[600];

		side_text(&p->base, repeat, b, sizeof(b));
		side_text(&p->patched, repeat, a, sizeof(a));
		snprintf(line, sizeof(line), "%-28.28s %-5.5s %s -> %s", p->scenario, p->fs, b, a);
		if (!p->change && !repeat && strlen(line) <= 80) {
			fprintf(o, "%s\n", line);
			continue;
		}
		fprintf(o, "%-28.28s %-5.5s%s%s\n", p->scenario, p->fs, p->change ? "  * " : "",
			p->change ? change_name[p->change] : "");
		fprintf(o, "    base:    %.*s\n", (int)utf8_fit(b, 67), b);
		fprintf(o, "    patched: %.*s\n", (int)utf8_fit(a, 67), a);
	}
	summary(s, sizeof(s));
	fprintf(o, "\nsummary: %s\n", s);
	if (repeat)
		fprintf(o, "Rates: reproduced/tested runs, 95%% Wilson interval.\n");
	fprintf(o, "fixed: reproducing on base, clean (or the pin refused) with the patch;\n"
		   "broke: the reverse; changed: another result or rate of the same kind.\n");
}

static void write_md(FILE *o)
{
	int repeat = max_runs();
	char s[160];

	fprintf(o, "# gup-repro compare\n\n");
	for (int i = 0; i < nabout; i++)
		fprintf(o, "    %s\n", about[i]);
	fprintf(o, "\n| scenario | fs | base | patched | change |\n|---|---|---|---|---|\n");
	for (int i = 0; i < npairs; i++) {
		const struct pair *p = &pairs[i];
		char b[256], a[256];

		side_text(&p->base, repeat, b, sizeof(b));
		side_text(&p->patched, repeat, a, sizeof(a));
		fprintf(o, "| %s | %s | [%s](matrix/%s/) | [%s](matrix/%s/) | %s%s%s |\n", p->scenario, p->fs,
			b, p->base.dir, a, p->patched.dir, p->change ? "**" : "", change_name[p->change],
			p->change ? "**" : "");
	}
	summary(s, sizeof(s));
	fprintf(o, "\n%s\n", s);
}

static json_t *side_json(const struct side *s)
{
	return json_pack("{s:s,s:s,s:I,s:I}", "result", s->present ? s->result : "",
			 "dir", s->dir, "reproduced", (json_int_t)s->repro, "tested", (json_int_t)s->tested);
}

static int write_json(const char *path)
{
	json_t *root = json_object(), *arr = json_array(), *ab = json_array(), *counts = json_object();
	int n[NR_CHANGE] = {}, rc = -1;

	if (!root || !arr || !ab || !counts)
		goto out;
	for (int i = 0; i < nabout; i++)
		if (json_array_append_new(ab, json_string(about[i])))
			goto out;
	for (int i = 0; i < npairs; i++) {
		const struct pair *p = &pairs[i];
		json_t *c = json_pack("{s:s,s:s,s:o,s:o,s:s}", "scenario", p->scenario, "fs", p->fs,
				      "base", side_json(&p->base), "patched", side_json(&p->patched),
				      "change", change_name[p->change]);

		n[p->change]++;
		if (!c || json_array_append_new(arr, c))
			goto out;
	}
	for (int i = 0; i < NR_CHANGE; i++)
		if (json_object_set_new(counts, change_name[i], json_integer(n[i])))
			goto out;
	if (json_object_set(root, "about", ab) || json_object_set(root, "cells", arr) ||
	    json_object_set(root, "summary", counts))
		goto out;
	{
		char tmp[4200];

		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		rc = json_dump_file(root, tmp, JSON_INDENT(1) | JSON_ENSURE_ASCII);
		if (!rc && rename(tmp, path))
			rc = -1;
		if (rc)
			unlink(tmp);
	}
out:
	json_decref(ab);
	json_decref(arr);
	json_decref(counts);
	json_decref(root);
	return rc;
}

/* The lines of the header file, escaped and bounded. */
static int read_header(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "gup-repro-compare: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (nabout < MAX_ABOUT && read_bounded(f, line, sizeof(line))) {
		line[strcspn(line, "\r\n")] = '\0';
		text_safe(about[nabout++], sizeof(about[0]), line, sizeof(line));
	}
	fclose(f);
	return 0;
}

/* Write @name in @dir through a temporary file: a reader never sees half. */
static int write_file(const char *dir, const char *name, void (*fn)(FILE *))
{
	char path[4096], tmp[4200];
	FILE *o;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	o = fopen(tmp, "w");
	if (!o)
		return -1;
	fn(o);
	if (fclose(o) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void usage(FILE *o)
{
	fprintf(o, "usage: gup-repro-compare --matrix MDIR --base SPEC --patched SPEC [--header FILE] [--out DIR]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "matrix", required_argument, NULL, 'm' },
		{ "base", required_argument, NULL, 'b' },
		{ "patched", required_argument, NULL, 'p' },
		{ "header", required_argument, NULL, 'H' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *mdir = NULL, *base = NULL, *patched = NULL, *header = NULL, *out = NULL;
	char path[4096];
	int c, broke = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mdir = optarg; break;
		case 'b': base = optarg; break;
		case 'p': patched = optarg; break;
		case 'H': header = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!mdir || !base || !patched || optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((header && read_header(header)) || read_matrix(mdir, base, patched))
		return 2;
	if (!npairs) {
		fprintf(stderr, "gup-repro-compare: %s/matrix.json has no cell of %s or %s\n", mdir, base, patched);
		return 2;
	}
	sort_pairs();
	for (int i = 0; i < npairs; i++) {
		pairs[i].change = classify(&pairs[i]);
		broke |= pairs[i].change == P_BROKE;
	}
	write_txt(stdout);
	if (out) {
		snprintf(path, sizeof(path), "%s/compare.json", out);
		if (write_file(out, "compare.txt", write_txt) || write_file(out, "compare.md", write_md) ||
		    write_json(path)) {
			fprintf(stderr, "gup-repro-compare: cannot write the tables into %s: %s\n", out,
				strerror(errno));
			return 2;
		}
	}
	return broke;
}
