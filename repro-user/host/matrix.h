/* SPDX-License-Identifier: GPL-2.0 */
/*
 * matrix.h - the units of gup-repro-matrix (docs/code.md):
 *   matrix-tables.c  the cells of a kernel x filesystem x scenario matrix
 *                    and the tables made of them: matrix.txt, matrix.md,
 *                    matrix.json
 *   matrix.c         the command line, the cells' files, the outputs
 */
#ifndef GUPR_MATRIX_H
#define GUPR_MATRIX_H

#include <stdio.h>

#include <jansson.h>

#define MAX_LIST	4096		/* entries of one list */
#define MAX_CELLS	(1 << 20)
#define GRID_COLS	4		/* scenarios per block of matrix.txt */

/**
 * struct cell - one run of the matrix, from its verdict.txt, run.txt and
 * host.txt (every value through text_safe())
 * @result: the verdict's "cell:" (REPRODUCED:ext4_dirty_folio, CLEAN, ...);
 *	"ERROR:no verdict" without one.
 * @verdict: "verdict:".
 * @reason: "reason:".
 * @warning: "warning:".
 * @release: run.txt's "kernel:".
 * @package: run.txt's "kernel-package:".
 * @seconds: run.txt's "seconds:".
 * @host: host.txt's "host:" ("" for a local cell).
 * @dir: <kernel label>/<fs>/<scenario>, allocated.
 */
struct cell {
	char result[160], verdict[64], reason[320], warning[256], release[96];
	char package[160], seconds[32], host[160];
	char *dir;
};

/**
 * struct list - a list of names (a command line's comma-separated list)
 * @v: the names.
 * @n: how many.
 */
struct list {
	char **v;
	int n;
};

/**
 * struct matrix - the matrix
 * @kernels: the kernel specs (--kernels).
 * @fss: the filesystems (--fs).
 * @scens: the scenarios (--scenarios).
 * @labels: each kernel's directory name (make_labels()).
 * @cells: @kernels.n * @fss.n * @scens.n cells, kernel-major (cell_at()).
 * @foot: the footnotes of matrix.txt, @nfoot of them (@capfoot allocated).
 * @nfoot: footnotes in @foot.
 * @capfoot: room in @foot.
 */
struct matrix {
	struct list kernels, fss, scens, labels;
	struct cell *cells;
	char **foot;
	int nfoot, capfoot;
};

/**
 * cell_at() - the cell of kernel @k, filesystem @f, scenario @s
 * @m: the matrix, its cells allocated.
 * @k: index in @m->kernels.
 * @f: index in @m->fss.
 * @s: index in @m->scens.
 * Return: the cell.
 */
struct cell *cell_at(const struct matrix *m, int k, int f, int s);

/**
 * make_labels() - each kernel spec's directory name, the one rule
 * (matrix.sh asks for it with --print-labels): debian:sid -> sid; a kernel
 * tree's path -> tree-<last component>; prepared:DIR -> <last component of
 * DIR>; characters other than [A-Za-z0-9._+-] as '_'; else the spec
 * @m: the matrix: @labels from @kernels.
 * Return: 0, or -1 out of memory.
 */
int make_labels(struct matrix *m);

/**
 * alloc_cells() - the matrix's cells, zeroed
 * @m: the matrix, its lists set.
 * Return: 0, or -1 after saying why (more than MAX_CELLS, out of memory).
 */
int alloc_cells(struct matrix *m);

/**
 * load_cell() - one cell from its files, escaped and bounded by kv_get()
 * @c: the cell.
 * @verdict: its verdict.txt, or NULL.
 * @run: its run.txt, or NULL.
 * @first_run: a cell run --repeat N times has no run.txt of its own: its
 *	first run's (run-01/run.txt) names the kernel (release, package);
 *	NULL otherwise.  Its seconds are then the verdict's (the runs' added
 *	up: matrix.sh repeat_cells()).
 * @host: its host.txt, or NULL.
 */
void load_cell(struct cell *c, FILE *verdict, FILE *run, FILE *first_run, FILE *host);

/**
 * write_txt() - matrix.txt: counts, the grid (at most GRID_COLS scenarios
 * side by side, lines of at most 80 columns), legend, footnotes, hosts
 * @m: the matrix; its footnotes are made on the way (free_footnotes()).
 * @o: the stream.
 * @when: the date line's time.
 */
void write_txt(struct matrix *m, FILE *o, const char *when);

/**
 * write_md() - matrix.md: one table row a kernel and filesystem, each cell
 * a link to its run directory
 * @m: the matrix.
 * @o: the stream.
 * @when: the heading's time.
 */
void write_md(const struct matrix *m, FILE *o, const char *when);

/**
 * matrix_json() - matrix.json as a tree: "generated" and every cell
 * @m: the matrix.
 * @when: the time it was made.
 * Return: the tree, or NULL when a cell could not be encoded (a cell is
 * never dropped).
 */
json_t *matrix_json(const struct matrix *m, const char *when);

/**
 * free_footnotes() - forget matrix.txt's footnotes (before writing it again)
 * @m: the matrix.
 */
void free_footnotes(struct matrix *m);

/**
 * free_all() - free the matrix: cells, labels, lists, footnotes
 * @m: the matrix, empty afterwards.
 */
void free_all(struct matrix *m);

#endif
