// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-matrix - collect the cells of a kernel x filesystem x scenario
 * matrix run into one table.
 *
 *   gup-repro-matrix --dir MDIR --kernels K1,K2 --fs F1,F2 --scenarios S1,S2
 *
 * Each cell is MDIR/<kernel label>/<fs>/<scenario>/ with the verdict.txt
 * and run.txt of its own ./run.sh (with --repeat: the counted verdict.txt,
 * and a run.txt in each run-NN/), and host.txt when a host of --hosts ran
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
 *
 * The units (matrix.h, docs/code.md): matrix-tables.c holds the cells and
 * writes the tables; this file is the command line and the files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "kvfile.h"
#include "matrix.h"

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

static int load(struct matrix *m, const char *mdir)
{
	for (int k = 0; k < m->kernels.n; k++)
		for (int f = 0; f < m->fss.n; f++)
			for (int s = 0; s < m->scens.n; s++) {
				struct cell *c = cell_at(m, k, f, s);
				FILE *v, *r, *first = NULL, *h;

				if (asprintf(&c->dir, "%s/%s/%s", m->labels.v[k], m->fss.v[f],
					     m->scens.v[s]) < 0) {
					c->dir = NULL;
					return -1;
				}
				v = open_in(mdir, c->dir, "verdict.txt");
				r = open_in(mdir, c->dir, "run.txt");
				if (!r)	/* --repeat: the runs are run-01 .. run-NN */
					first = open_in(mdir, c->dir, "run-01/run.txt");
				h = open_in(mdir, c->dir, "host.txt");
				load_cell(c, v, r, first, h);
				if (v)
					fclose(v);
				if (r)
					fclose(r);
				if (first)
					fclose(first);
				if (h)
					fclose(h);
			}
	return 0;
}

static int write_json(const struct matrix *m, const char *path, const char *when)
{
	json_t *root = matrix_json(m, when);
	int rc = -1;

	if (root && !json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER))
		rc = 0;
	else if (root)
		unlink(path);	/* what of it was written */
	json_decref(root);
	return rc;
}

/* Write matrix.txt and print it, matrix.md, matrix.json. */
static int write_outputs(struct matrix *m, const char *dir, const char *when)
{
	char *path = NULL;
	FILE *o = NULL;
	int rc = -1;

	if (asprintf(&path, "%s/matrix.txt", dir) < 0)
		return -1;
	o = fopen(path, "w");
	if (!o)
		goto err;
	write_txt(m, o, when);
	if (out_close(o, path, 1))
		goto err_closed;
	free_footnotes(m);
	write_txt(m, stdout, when);
	free(path);
	if (asprintf(&path, "%s/matrix.md", dir) < 0)
		return -1;
	o = fopen(path, "w");
	if (!o)
		goto err;
	write_md(m, o, when);
	if (out_close(o, path, 1))
		goto err_closed;
	free(path);
	if (asprintf(&path, "%s/matrix.json", dir) < 0)
		return -1;
	if (write_json(m, path, when)) {
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
	struct matrix m = {};
	int print_labels = 0;
	char when[64];
	const char *dir = NULL;
	time_t now = time(NULL);
	int opt, rc = 2;

	while ((opt = getopt_long(argc, argv, "d:k:f:s:", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'k': if (split(optarg, &m.kernels, "kernels")) goto cleanup; break;
		case 'f': if (split(optarg, &m.fss, "filesystems")) goto cleanup; break;
		case 's': if (split(optarg, &m.scens, "scenarios")) goto cleanup; break;
		case 'L': print_labels = 1; break;
		default: goto cleanup;
		}
	}
	if (m.kernels.n && make_labels(&m)) {
		fprintf(stderr, "gup-repro-matrix: out of memory\n");
		goto cleanup;
	}
	if (print_labels && m.kernels.n) {
		for (int k = 0; k < m.kernels.n; k++)
			printf("%s\n", m.labels.v[k]);
		rc = 0;
		goto cleanup;
	}
	if (!dir || !m.kernels.n || !m.fss.n || !m.scens.n) {
		fprintf(stderr, "usage: gup-repro-matrix --dir MDIR --kernels K,.. --fs F,.. --scenarios S,..\n"
				"       gup-repro-matrix --print-labels --kernels K,..\n");
		goto cleanup;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	if (alloc_cells(&m))
		goto cleanup;
	if (load(&m, dir)) {
		fprintf(stderr, "gup-repro-matrix: out of memory\n");
		goto cleanup;
	}
	if (write_outputs(&m, dir, when))
		goto cleanup;
	rc = 0;
cleanup:
	free_all(&m);
	return rc;
}
