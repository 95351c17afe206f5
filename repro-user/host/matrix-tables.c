// SPDX-License-Identifier: GPL-2.0
/*
 * matrix-tables.c - the cells of a matrix and its tables (gup-repro-matrix,
 * matrix.h): matrix.txt (plain text, <= 80 columns), matrix.md and
 * matrix.json.  The cell files quote the guest: every value was read
 * through text_safe() (kvfile.h), so matrix.json is valid UTF-8 and the
 * terminal sees no control characters.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kvfile.h"
#include "matrix.h"

struct cell *cell_at(const struct matrix *m, int k, int f, int s)
{
	return &m->cells[((size_t)k * (size_t)m->fss.n + (size_t)f) * (size_t)m->scens.n + (size_t)s];
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

int make_labels(struct matrix *m)
{
	m->labels.v = calloc((size_t)m->kernels.n ? (size_t)m->kernels.n : 1, sizeof(*m->labels.v));
	if (!m->labels.v)
		return -1;
	for (m->labels.n = 0; m->labels.n < m->kernels.n; m->labels.n++) {
		m->labels.v[m->labels.n] = make_label(m->kernels.v[m->labels.n]);
		if (!m->labels.v[m->labels.n])
			return -1;
	}
	return 0;
}

static const char *label(const struct matrix *m, int k)
{
	return m->labels.v[k];
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

void load_cell(struct cell *c, FILE *verdict, FILE *run, FILE *first_run, FILE *host)
{
	FILE *kernel = run ? run : first_run;

	get(host, "host: ", c->host, sizeof(c->host));
	get(verdict, "cell: ", c->result, sizeof(c->result));
	get(verdict, "verdict: ", c->verdict, sizeof(c->verdict));
	get(verdict, "reason: ", c->reason, sizeof(c->reason));
	get(verdict, "warning: ", c->warning, sizeof(c->warning));
	get(kernel, "kernel: ", c->release, sizeof(c->release));
	get(kernel, "kernel-package: ", c->package, sizeof(c->package));
	get(run ? run : verdict, "seconds: ", c->seconds, sizeof(c->seconds));
	if (!c->result[0])
		snprintf(c->result, sizeof(c->result), "ERROR:no verdict");
}

/* The exact release of kernel row @k: from any of its cells. */
static const char *release_of(const struct matrix *m, int k)
{
	for (int f = 0; f < m->fss.n; f++)
		for (int s = 0; s < m->scens.n; s++)
			if (cell_at(m, k, f, s)->release[0])
				return cell_at(m, k, f, s)->release;
	return label(m, k);
}

/* The number of footnote @text, added if new; 0 if out of memory. */
static int footnote(struct matrix *m, const char *text)
{
	int i;

	for (i = 0; i < m->nfoot; i++)
		if (!strcmp(m->foot[i], text))
			return i + 1;
	if (m->nfoot == m->capfoot) {
		int ncap = m->capfoot ? m->capfoot * 2 : 16;
		char **nf = realloc(m->foot, (size_t)ncap * sizeof(*nf));

		if (!nf)
			return 0;
		m->foot = nf;
		m->capfoot = ncap;
	}
	m->foot[m->nfoot] = strdup(text);
	if (!m->foot[m->nfoot])
		return 0;
	return ++m->nfoot;
}

void free_footnotes(struct matrix *m)
{
	for (int i = 0; i < m->nfoot; i++)
		free(m->foot[i]);
	free(m->foot);
	m->foot = NULL;
	m->nfoot = m->capfoot = 0;
}

/* At most 14 columns: the grid's cell text. */
static void short_form(struct matrix *m, const char *result, char *out, size_t len)
{
	const char *colon = strchr(result, ':');

	if (!strncmp(result, "CORRUPT", 7))
		snprintf(out, len, "CORRUPT");
	else if (!strcmp(result, "LOSS"))
		snprintf(out, len, "LOSS");
	else if (!strncmp(result, "REPRODUCED:", 11))
		snprintf(out, len, "REPRO [%d]", footnote(m, colon + 1));
	else if (!strncmp(result, "MITIGATED:", 10))
		snprintf(out, len, "MIT %.*s", (int)utf8_fit(colon + 1, 10), colon + 1);
	else if (!strncmp(result, "ERROR:", 6))
		snprintf(out, len, "ERROR [%d]", footnote(m, result));
	else if (!strcmp(result, "CLEAN"))
		snprintf(out, len, "clean");
	else if (!strcmp(result, "PASS"))	/* fstests cells (run.sh fstests) */
		snprintf(out, len, "pass");
	else if (!strncmp(result, "FAIL:", 5))
		snprintf(out, len, "FAIL %.*s", (int)utf8_fit(colon + 1, 9), colon + 1);
	else if (!strncmp(result, "NOTRUN:", 7))
		snprintf(out, len, "notrun [%d]", footnote(m, colon + 1));
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
static void write_grid(struct matrix *m, FILE *o, int s0, int s1)
{
	char buf[64], rel[96], row[32 + GRID_COLS * 16];
	size_t len;

	fprintf(o, "%-14s %-5s", "kernel", "fs");
	for (int s = s0; s < s1; s++) {
		column(buf, sizeof(buf), m->scens.v[s], 14);
		fprintf(o, " %s", buf);
	}
	fprintf(o, "\n%.14s %.5s", "--------------", "-----");
	for (int s = s0; s < s1; s++)
		fprintf(o, " %.14s", "--------------");
	fprintf(o, "\n");
	for (int k = 0; k < m->kernels.n; k++) {
		char *cut;

		snprintf(rel, sizeof(rel), "%s", release_of(m, k));
		cut = strstr(rel, "-cloud-amd64");
		if (cut)
			*cut = '\0';
		for (int f = 0; f < m->fss.n; f++) {
			len = column(row, sizeof(row), f ? "" : rel, 14);
			row[len++] = ' ';
			len += column(row + len, sizeof(row) - len, m->fss.v[f], 5);
			for (int s = s0; s < s1; s++) {
				char cell[64];

				short_form(m, cell_at(m, k, f, s)->result, cell, sizeof(cell));
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
static void write_hosts(const struct matrix *m, FILE *o)
{
	size_t n = (size_t)m->kernels.n * (size_t)m->fss.n * (size_t)m->scens.n, col = 0;

	for (size_t i = 0; i < n; i++) {
		const char *h = m->cells[i].host;
		size_t count = 0, j;
		char item[200];
		int len;

		if (!*h)
			continue;
		for (j = 0; j < i && strcmp(m->cells[j].host, h); j++)
			;
		if (j < i)
			continue;	/* counted at its first cell */
		for (j = i; j < n; j++)
			count += !strcmp(m->cells[j].host, h);
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

void write_txt(struct matrix *m, FILE *o, const char *when)
{
	size_t counts[10] = {}, total = 0;

	for (int k = 0; k < m->kernels.n; k++)
		for (int f = 0; f < m->fss.n; f++)
			for (int s = 0; s < m->scens.n; s++) {
				const char *r = cell_at(m, k, f, s)->result;

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
	for (int s0 = 0; s0 < m->scens.n; s0 += GRID_COLS) {
		fprintf(o, "\n");
		write_grid(m, o, s0, s0 + GRID_COLS < m->scens.n ? s0 + GRID_COLS : m->scens.n);
	}
	fprintf(o, "\nREPRO = REPRODUCED (kernel warning), VIOLATION = ordering violated\n"
		"without a warning, MIT = MITIGATED (pin refused, errno), clean = neither.\n");
	if (counts[5] || counts[6])
		fprintf(o, "LOSS = DATA LOSS (a write missing on disk), CORRUPT = FS CORRUPTION\n"
			"(the filesystem's checker found damage).\n");
	if (counts[7] || counts[8] || counts[9])
		fprintf(o, "fstests: REPRO = the test failed on a known symptom (its .dmesg), FAIL\n"
			"dmesg/output/fsck/exit/crash = failed otherwise, notrun = [not run].\n");
	for (int i = 0; i < m->nfoot; i++)
		fprintf(o, "[%d] %.*s\n", i + 1, (int)utf8_fit(m->foot[i], 74), m->foot[i]);
	write_hosts(m, o);
	fprintf(o, "Full results and links to every run: matrix.md, matrix.json.\n");
}

void write_md(const struct matrix *m, FILE *o, const char *when)
{
	fprintf(o, "# gup-repro matrix (%s)\n\n| kernel | fs |", when);
	for (int s = 0; s < m->scens.n; s++)
		fprintf(o, " %s |", m->scens.v[s]);
	fprintf(o, "\n|---|---|");
	for (int s = 0; s < m->scens.n; s++)
		fprintf(o, "---|");
	fprintf(o, "\n");
	for (int k = 0; k < m->kernels.n; k++)
		for (int f = 0; f < m->fss.n; f++) {
			fprintf(o, "| %s | %s |", release_of(m, k), m->fss.v[f]);
			for (int s = 0; s < m->scens.n; s++)
				fprintf(o, " [%s](%s/)%s%s |", cell_at(m, k, f, s)->result, cell_at(m, k, f, s)->dir,
					cell_at(m, k, f, s)->host[0] ? " on " : "", cell_at(m, k, f, s)->host);
			fprintf(o, "\n");
		}
	fprintf(o, "\nKernel packages:\n\n");
	for (int k = 0; k < m->kernels.n; k++) {
		const char *pkg = "";

		for (int f = 0; f < m->fss.n && !*pkg; f++)
			for (int s = 0; s < m->scens.n && !*pkg; s++)
				pkg = cell_at(m, k, f, s)->package;
		fprintf(o, "- `%s`: %s\n", m->kernels.v[k], *pkg ? pkg : "(not prepared)");
	}
}

/* matrix.json as a tree; NULL if a cell could not be encoded (never dropped). */
json_t *matrix_json(const struct matrix *m, const char *when)
{
	json_t *root = json_object(), *arr = json_array();

	if (!root || !arr)
		goto fail;
	for (int k = 0; k < m->kernels.n; k++)
		for (int f = 0; f < m->fss.n; f++)
			for (int s = 0; s < m->scens.n; s++) {
				const struct cell *c = cell_at(m, k, f, s);
				json_t *o = json_pack(
					"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
					"kernel", m->kernels.v[k], "release", c->release,
					"package", c->package, "fs", m->fss.v[f], "scenario", m->scens.v[s],
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

int alloc_cells(struct matrix *m)
{
	size_t n = (size_t)m->kernels.n * (size_t)m->fss.n * (size_t)m->scens.n;

	if (n > MAX_CELLS) {
		fprintf(stderr, "gup-repro-matrix: %zu cells, more than %d\n", n, MAX_CELLS);
		return -1;
	}
	m->cells = calloc(n, sizeof(*m->cells));
	if (!m->cells) {
		fprintf(stderr, "gup-repro-matrix: out of memory\n");
		return -1;
	}
	return 0;
}

void free_all(struct matrix *m)
{
	size_t n = (size_t)m->kernels.n * (size_t)m->fss.n * (size_t)m->scens.n;

	for (size_t i = 0; m->cells && i < n; i++)
		free(m->cells[i].dir);
	free(m->cells);
	m->cells = NULL;
	for (int k = 0; k < m->labels.n; k++)
		free(m->labels.v[k]);
	free(m->labels.v);
	free(m->kernels.v);
	free(m->fss.v);
	free(m->scens.v);
	m->kernels = m->fss = m->scens = m->labels = (struct list){ NULL, 0 };
	free_footnotes(m);
}
