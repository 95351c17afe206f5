// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-matrix - collect the cells of a kernel x filesystem x scenario
 * matrix run into one table.
 *
 *   gup-repro-matrix --dir MDIR --kernels K1,K2 --fs F1,F2 --scenarios S1,S2
 *
 * Each cell is MDIR/<kernel label>/<fs>/<scenario>/ with the verdict.txt
 * and run.txt of its own ./run.sh, and host.txt when a host of --hosts ran
 * it (matrix.json's "host", matrix.md and a "hosts:" line of matrix.txt
 * name it; "" and nothing for a local cell).  Writes MDIR/matrix.txt (plain text,
 * <= 80 columns), MDIR/matrix.md and MDIR/matrix.json, and prints
 * matrix.txt.  A cell without a verdict is ERROR:no verdict.  The grid of
 * matrix.txt shows at most four scenarios side by side; more scenarios make
 * more blocks below each other, so every line fits 80 columns.
 *
 * The cell files quote the guest: every value read goes through text_safe()
 * (kvfile.h), so matrix.json is valid UTF-8 and the terminal sees no
 * control characters.
 * Exit: 0, 2 on bad usage, out of memory, or when an output cannot be
 * written.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "kvfile.h"

#define MAX_LIST	4096		/* entries of one list */
#define MAX_CELLS	(1 << 20)
#define GRID_COLS	4		/* scenarios per block of matrix.txt */

struct cell {
	char result[160], verdict[64], reason[320], warning[256], release[96];
	char package[160], seconds[32], host[160];
	char *dir;		/* <kernel label>/<fs>/<scenario> */
};

struct list {
	char **v;
	int n;
};

static struct list kernels, fss, scens, labels;
static struct cell *cells;	/* nk * nf * ns, kernel-major */
static char **foot;
static int nfoot, capfoot;

static struct cell *cell_at(int k, int f, int s)
{
	return &cells[((size_t)k * (size_t)fss.n + (size_t)f) * (size_t)scens.n + (size_t)s];
}

/*
 * The directory name of a kernel spec, the one rule (matrix.sh asks for it
 * with --print-labels): debian:sid -> sid; a kernel tree's path ->
 * tree-<last component>; prepared:DIR (a kernel ./run.sh bisect or
 * compare prepared) -> <last component of DIR>; characters other than
 * [A-Za-z0-9._+-] as '_'; else the spec.  Returns an allocated string, or
 * NULL.
 */
static char *make_label(const char *spec)
{
	const char *p = spec, *end, *prefix = "tree-";
	char *l, *q;

	if (!strncmp(spec, "debian:", 7))
		return strdup(spec + 7);
	if (!strncmp(spec, "prepared:", 9)) {
		spec += 9;
		prefix = "";
	} else if (!strchr(spec, '/')) {
		return strdup(spec);
	}
	end = spec + strlen(spec);
	while (end > spec && end[-1] == '/')
		end--;
	for (p = end; p > spec && p[-1] != '/'; p--)
		;
	if (asprintf(&l, "%s%.*s", prefix, (int)(end - p), p) < 0)
		return NULL;
	for (q = l + strlen(prefix); *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("._+-", *q))
			*q = '_';
	return l;
}

static int make_labels(void)
{
	labels.v = calloc((size_t)kernels.n ? (size_t)kernels.n : 1, sizeof(*labels.v));
	if (!labels.v)
		return -1;
	for (labels.n = 0; labels.n < kernels.n; labels.n++) {
		labels.v[labels.n] = make_label(kernels.v[labels.n]);
		if (!labels.v[labels.n])
			return -1;
	}
	return 0;
}

static const char *label(int k)
{
	return labels.v[k];
}

/*
 * One cell from its verdict.txt and run.txt (either may be NULL): the
 * values, escaped and bounded by kv_get().
 */
static void get(FILE *f, const char *key, char *out, size_t len)
{
	if (!f)
		return;
	rewind(f);
	kv_get(f, key, out, len);
}

static void load_cell(struct cell *c, FILE *verdict, FILE *run, FILE *host)
{
	get(host, "host: ", c->host, sizeof(c->host));
	get(verdict, "cell: ", c->result, sizeof(c->result));
	get(verdict, "verdict: ", c->verdict, sizeof(c->verdict));
	get(verdict, "reason: ", c->reason, sizeof(c->reason));
	get(verdict, "warning: ", c->warning, sizeof(c->warning));
	get(run, "kernel: ", c->release, sizeof(c->release));
	get(run, "kernel-package: ", c->package, sizeof(c->package));
	get(run, "seconds: ", c->seconds, sizeof(c->seconds));
	if (!c->result[0])
		snprintf(c->result, sizeof(c->result), "ERROR:no verdict");
}

/* The exact release of kernel row @k: from any of its cells. */
static const char *release_of(int k)
{
	for (int f = 0; f < fss.n; f++)
		for (int s = 0; s < scens.n; s++)
			if (cell_at(k, f, s)->release[0])
				return cell_at(k, f, s)->release;
	return label(k);
}

/* The number of footnote @text, added if new; 0 if out of memory. */
static int footnote(const char *text)
{
	int i;

	for (i = 0; i < nfoot; i++)
		if (!strcmp(foot[i], text))
			return i + 1;
	if (nfoot == capfoot) {
		int ncap = capfoot ? capfoot * 2 : 16;
		char **nf = realloc(foot, (size_t)ncap * sizeof(*nf));

		if (!nf)
			return 0;
		foot = nf;
		capfoot = ncap;
	}
	foot[nfoot] = strdup(text);
	if (!foot[nfoot])
		return 0;
	return ++nfoot;
}

static void free_footnotes(void)
{
	for (int i = 0; i < nfoot; i++)
		free(foot[i]);
	free(foot);
	foot = NULL;
	nfoot = capfoot = 0;
}

/* At most 14 columns: the grid's cell text. */
static void short_form(const char *result, char *out, size_t len)
{
	const char *colon = strchr(result, ':');

	if (!strncmp(result, "CORRUPT", 7))
		snprintf(out, len, "CORRUPT");
	else if (!strcmp(result, "LOSS"))
		snprintf(out, len, "LOSS");
	else if (!strncmp(result, "REPRODUCED:", 11))
		snprintf(out, len, "REPRO [%d]", footnote(colon + 1));
	else if (!strncmp(result, "MITIGATED:", 10))
		snprintf(out, len, "MIT %.*s", (int)utf8_fit(colon + 1, 10), colon + 1);
	else if (!strncmp(result, "ERROR:", 6))
		snprintf(out, len, "ERROR [%d]", footnote(result));
	else if (!strcmp(result, "CLEAN"))
		snprintf(out, len, "clean");
	else if (!strcmp(result, "PASS"))	/* fstests cells (run.sh fstests) */
		snprintf(out, len, "pass");
	else if (!strncmp(result, "FAIL:", 5))
		snprintf(out, len, "FAIL %.*s", (int)utf8_fit(colon + 1, 9), colon + 1);
	else if (!strncmp(result, "NOTRUN:", 7))
		snprintf(out, len, "notrun [%d]", footnote(colon + 1));
	else
		snprintf(out, len, "%.*s", (int)utf8_fit(result, 14), result);
}

/* @s padded or cut to @w bytes (never inside a UTF-8 sequence), then a space. */
static size_t column(char *out, size_t len, const char *s, int w)
{
	int n = (int)utf8_fit(s, (size_t)w);
	int r = snprintf(out, len, "%.*s%*s", n, s, w - n, "");

	return r < 0 ? 0 : (size_t)r < len ? (size_t)r : len - 1;
}

/* One block of the grid: scenarios @s0 .. @s1 - 1. */
static void write_grid(FILE *o, int s0, int s1)
{
	char buf[64], rel[96], row[32 + GRID_COLS * 16];
	size_t len;

	fprintf(o, "%-14s %-5s", "kernel", "fs");
	for (int s = s0; s < s1; s++) {
		column(buf, sizeof(buf), scens.v[s], 14);
		fprintf(o, " %s", buf);
	}
	fprintf(o, "\n%.14s %.5s", "--------------", "-----");
	for (int s = s0; s < s1; s++)
		fprintf(o, " %.14s", "--------------");
	fprintf(o, "\n");
	for (int k = 0; k < kernels.n; k++) {
		char *cut;

		snprintf(rel, sizeof(rel), "%s", release_of(k));
		cut = strstr(rel, "-cloud-amd64");
		if (cut)
			*cut = '\0';
		for (int f = 0; f < fss.n; f++) {
			len = column(row, sizeof(row), f ? "" : rel, 14);
			row[len++] = ' ';
			len += column(row + len, sizeof(row) - len, fss.v[f], 5);
			for (int s = s0; s < s1; s++) {
				char cell[64];

				short_form(cell_at(k, f, s)->result, cell, sizeof(cell));
				row[len++] = ' ';
				len += column(row + len, sizeof(row) - len, cell, 14);
			}
			while (len > 0 && row[len - 1] == ' ')
				row[--len] = '\0';
			fprintf(o, "%s\n", row);
		}
	}
}

/*
 * "hosts: A 3 cells, B 1 cell" in the order the hosts first appear, wrapped
 * at 80 columns; nothing when every cell ran here.
 */
static void write_hosts(FILE *o)
{
	size_t n = (size_t)kernels.n * (size_t)fss.n * (size_t)scens.n, col = 0;

	for (size_t i = 0; i < n; i++) {
		const char *h = cells[i].host;
		size_t count = 0, j;
		char item[200];
		int len;

		if (!*h)
			continue;
		for (j = 0; j < i && strcmp(cells[j].host, h); j++)
			;
		if (j < i)
			continue;	/* counted at its first cell */
		for (j = i; j < n; j++)
			count += !strcmp(cells[j].host, h);
		len = snprintf(item, sizeof(item), "%s%.*s %zu cell%s", col ? ", " : "hosts: ",
			       (int)utf8_fit(h, 60), h, count, count == 1 ? "" : "s");
		if (len < 0)
			continue;
		if (col && col + (size_t)len > 80) {
			fprintf(o, ",\n");
			col = 0;
			len = snprintf(item, sizeof(item), "  %.*s %zu cell%s",
				       (int)utf8_fit(h, 60), h, count, count == 1 ? "" : "s");
			if (len < 0)
				continue;
		}
		fputs(item, o);
		col += (size_t)len;
	}
	if (col)
		fprintf(o, "\n");
}

/* the index of @r among the counts of matrix.txt's summary lines */
static int count_index(const char *r)
{
	static const char *const prefix[] = { "REPRODUCED", "VIOLATION", "MITIGATED", "CLEAN", "",
					      "LOSS", "CORRUPT", "PASS", "FAIL:", "NOTRUN:" };

	for (int i = 0; i < 10; i++)
		if (i != 4 && !strncmp(r, prefix[i], strlen(prefix[i])))
			return i;
	return 4;
}

static void write_txt(FILE *o, const char *when)
{
	size_t counts[10] = {}, total = 0;

	for (int k = 0; k < kernels.n; k++)
		for (int f = 0; f < fss.n; f++)
			for (int s = 0; s < scens.n; s++) {
				const char *r = cell_at(k, f, s)->result;

				counts[count_index(r)]++;
				total++;
			}
	fprintf(o, "gup-repro matrix, %s: %zu cells\n", when, total);
	fprintf(o, "%zu reproduced, %zu violation, %zu mitigated, %zu clean, %zu error\n",
		counts[0], counts[1], counts[2], counts[3], counts[4]);
	if (counts[5] || counts[6])
		fprintf(o, "%zu data loss, %zu fs corruption\n", counts[5], counts[6]);
	if (counts[7] || counts[8] || counts[9])
		fprintf(o, "fstests: %zu passed, %zu failed otherwise, %zu not run\n",
			counts[7], counts[8], counts[9]);
	for (int s0 = 0; s0 < scens.n; s0 += GRID_COLS) {
		fprintf(o, "\n");
		write_grid(o, s0, s0 + GRID_COLS < scens.n ? s0 + GRID_COLS : scens.n);
	}
	fprintf(o, "\nREPRO = REPRODUCED (kernel warning), VIOLATION = ordering violated\n"
		"without a warning, MIT = MITIGATED (pin refused, errno), clean = neither.\n");
	if (counts[5] || counts[6])
		fprintf(o, "LOSS = DATA LOSS (a write missing on disk), CORRUPT = FS CORRUPTION\n"
			"(the filesystem's checker found damage).\n");
	if (counts[7] || counts[8] || counts[9])
		fprintf(o, "fstests: REPRO = the test failed on a known symptom (its .dmesg), FAIL\n"
			"dmesg/output/fsck/exit/crash = failed otherwise, notrun = [not run].\n");
	for (int i = 0; i < nfoot; i++)
		fprintf(o, "[%d] %.*s\n", i + 1, (int)utf8_fit(foot[i], 74), foot[i]);
	write_hosts(o);
	fprintf(o, "Full results and links to every run: matrix.md, matrix.json.\n");
}

static void write_md(FILE *o, const char *when)
{
	fprintf(o, "# gup-repro matrix (%s)\n\n| kernel | fs |", when);
	for (int s = 0; s < scens.n; s++)
		fprintf(o, " %s |", scens.v[s]);
	fprintf(o, "\n|---|---|");
	for (int s = 0; s < scens.n; s++)
		fprintf(o, "---|");
	fprintf(o, "\n");
	for (int k = 0; k < kernels.n; k++)
		for (int f = 0; f < fss.n; f++) {
			fprintf(o, "| %s | %s |", release_of(k), fss.v[f]);
			for (int s = 0; s < scens.n; s++)
				fprintf(o, " [%s](%s/)%s%s |", cell_at(k, f, s)->result, cell_at(k, f, s)->dir,
					cell_at(k, f, s)->host[0] ? " on " : "", cell_at(k, f, s)->host);
			fprintf(o, "\n");
		}
	fprintf(o, "\nKernel packages:\n\n");
	for (int k = 0; k < kernels.n; k++) {
		const char *pkg = "";

		for (int f = 0; f < fss.n && !*pkg; f++)
			for (int s = 0; s < scens.n && !*pkg; s++)
				pkg = cell_at(k, f, s)->package;
		fprintf(o, "- `%s`: %s\n", kernels.v[k], *pkg ? pkg : "(not prepared)");
	}
}

/* matrix.json as a tree; NULL if a cell could not be encoded (never dropped). */
static json_t *matrix_json(const char *when)
{
	json_t *root = json_object(), *arr = json_array();

	if (!root || !arr)
		goto fail;
	for (int k = 0; k < kernels.n; k++)
		for (int f = 0; f < fss.n; f++)
			for (int s = 0; s < scens.n; s++) {
				const struct cell *c = cell_at(k, f, s);
				json_t *o = json_pack(
					"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
					"kernel", kernels.v[k], "release", c->release,
					"package", c->package, "fs", fss.v[f], "scenario", scens.v[s],
					"result", c->result, "verdict", c->verdict,
					"reason", c->reason, "warning", c->warning,
					"seconds", c->seconds, "dir", c->dir ? c->dir : "",
					"host", c->host);

				if (!o || json_array_append_new(arr, o))
					goto fail;
			}
	if (json_object_set_new(root, "generated", json_string(when)) ||
	    json_object_set_new(root, "cells", arr))
		goto fail_root;
	return root;
fail:
	json_decref(arr);
fail_root:
	json_decref(root);
	return NULL;
}

static int alloc_cells(void)
{
	size_t n = (size_t)kernels.n * (size_t)fss.n * (size_t)scens.n;

	if (n > MAX_CELLS) {
		fprintf(stderr, "gup-repro-matrix: %zu cells, more than %d\n", n, MAX_CELLS);
		return -1;
	}
	cells = calloc(n, sizeof(*cells));
	if (!cells) {
		fprintf(stderr, "gup-repro-matrix: out of memory\n");
		return -1;
	}
	return 0;
}

static void free_all(void)
{
	size_t n = (size_t)kernels.n * (size_t)fss.n * (size_t)scens.n;

	for (size_t i = 0; cells && i < n; i++)
		free(cells[i].dir);
	free(cells);
	cells = NULL;
	for (int k = 0; k < labels.n; k++)
		free(labels.v[k]);
	free(labels.v);
	free(kernels.v);
	free(fss.v);
	free(scens.v);
	kernels = fss = scens = labels = (struct list){ NULL, 0 };
	free_footnotes();
}

#ifndef FUZZING
/* Split a comma-separated list (in place); empty entries are skipped. */
static int split(char *arg, struct list *l, const char *what)
{
	char *save = NULL;

	free(l->v);
	l->v = NULL;
	l->n = 0;
	for (char *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char **nv;

		if (l->n == MAX_LIST) {
			fprintf(stderr, "gup-repro-matrix: more than %d %s\n", MAX_LIST, what);
			return -1;
		}
		nv = realloc(l->v, (size_t)(l->n + 1) * sizeof(*nv));
		if (!nv) {
			fprintf(stderr, "gup-repro-matrix: out of memory\n");
			return -1;
		}
		l->v = nv;
		l->v[l->n++] = t;
	}
	return 0;
}

static FILE *open_in(const char *mdir, const char *dir, const char *name)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s/%s", mdir, dir, name) < 0)
		return NULL;
	f = fopen(path, "r");
	free(path);
	return f;
}

static int load(const char *mdir)
{
	for (int k = 0; k < kernels.n; k++)
		for (int f = 0; f < fss.n; f++)
			for (int s = 0; s < scens.n; s++) {
				struct cell *c = cell_at(k, f, s);
				FILE *v, *r, *h;

				if (asprintf(&c->dir, "%s/%s/%s", label(k), fss.v[f],
					     scens.v[s]) < 0) {
					c->dir = NULL;
					return -1;
				}
				v = open_in(mdir, c->dir, "verdict.txt");
				r = open_in(mdir, c->dir, "run.txt");
				h = open_in(mdir, c->dir, "host.txt");
				load_cell(c, v, r, h);
				if (v)
					fclose(v);
				if (r)
					fclose(r);
				if (h)
					fclose(h);
			}
	return 0;
}

static int write_json(const char *path, const char *when)
{
	json_t *root = matrix_json(when);
	int rc = -1;

	if (root && !json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER))
		rc = 0;
	else if (root)
		unlink(path);	/* what of it was written */
	json_decref(root);
	return rc;
}

/* Write matrix.txt and print it, matrix.md, matrix.json. */
static int write_outputs(const char *dir, const char *when)
{
	char *path = NULL;
	FILE *o = NULL;
	int rc = -1;

	if (asprintf(&path, "%s/matrix.txt", dir) < 0)
		return -1;
	o = fopen(path, "w");
	if (!o)
		goto err;
	write_txt(o, when);
	if (out_close(o, path, 1))
		goto err_closed;
	free_footnotes();
	write_txt(stdout, when);
	free(path);
	if (asprintf(&path, "%s/matrix.md", dir) < 0)
		return -1;
	o = fopen(path, "w");
	if (!o)
		goto err;
	write_md(o, when);
	if (out_close(o, path, 1))
		goto err_closed;
	free(path);
	if (asprintf(&path, "%s/matrix.json", dir) < 0)
		return -1;
	if (write_json(path, when)) {
		fprintf(stderr, "gup-repro-matrix: cannot write %s\n", path);
		goto out;
	}
	rc = 0;
	goto out;
err:
err_closed:
	fprintf(stderr, "gup-repro-matrix: %s: %s\n", path, strerror(errno));
out:
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "kernels", required_argument, NULL, 'k' },
		{ "fs", required_argument, NULL, 'f' },
		{ "scenarios", required_argument, NULL, 's' },
		{ "print-labels", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int print_labels = 0;
	char when[64];
	const char *dir = NULL;
	time_t now = time(NULL);
	int opt, rc = 2;

	while ((opt = getopt_long(argc, argv, "d:k:f:s:", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'k': if (split(optarg, &kernels, "kernels")) goto cleanup; break;
		case 'f': if (split(optarg, &fss, "filesystems")) goto cleanup; break;
		case 's': if (split(optarg, &scens, "scenarios")) goto cleanup; break;
		case 'L': print_labels = 1; break;
		default: goto cleanup;
		}
	}
	if (kernels.n && make_labels()) {
		fprintf(stderr, "gup-repro-matrix: out of memory\n");
		goto cleanup;
	}
	if (print_labels && kernels.n) {
		for (int k = 0; k < kernels.n; k++)
			printf("%s\n", label(k));
		rc = 0;
		goto cleanup;
	}
	if (!dir || !kernels.n || !fss.n || !scens.n) {
		fprintf(stderr, "usage: gup-repro-matrix --dir MDIR --kernels K,.. --fs F,.. --scenarios S,..\n"
				"       gup-repro-matrix --print-labels --kernels K,..\n");
		goto cleanup;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	if (alloc_cells())
		goto cleanup;
	if (load(dir)) {
		fprintf(stderr, "gup-repro-matrix: out of memory\n");
		goto cleanup;
	}
	if (write_outputs(dir, when))
		goto cleanup;
	rc = 0;
cleanup:
	free_all();
	return rc;
}
#endif /* FUZZING */
