// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-matrix - collect the cells of a kernel x filesystem x scenario
 * matrix run into one table.
 *
 *   gup-repro-matrix --dir MDIR --kernels K1,K2 --fs F1,F2 --scenarios S1,S2
 *
 * Each cell is MDIR/<kernel label>/<fs>/<scenario>/ with the verdict.txt
 * and run.txt of its own ./run.sh.  Writes MDIR/matrix.txt (plain text,
 * <= 80 columns), MDIR/matrix.md and MDIR/matrix.json, and prints
 * matrix.txt.  A cell without a verdict is ERROR:no verdict.
 * Exit: 0, 2 on bad usage or when an output cannot be written.
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

#define MAXN	16
#define MAXFOOT	64

struct cell {
	char result[160], verdict[64], reason[320], warning[256], release[96];
	char package[160], seconds[32], dir[512];
};

static char *kernels[MAXN], *fss[MAXN], *scens[MAXN];
static int nk, nf, ns;
static struct cell cells[MAXN][MAXN][MAXN];
static char foot[MAXFOOT][200];
static int nfoot;

static int split(char *list, char **out, const char *what)
{
	int n = 0;

	for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
		if (n == MAXN) {
			fprintf(stderr, "gup-repro-matrix: more than %d %s\n", MAXN, what);
			exit(2);
		}
		out[n++] = t;
	}
	return n;
}

/* The directory name of a kernel spec: debian:sid -> sid, else the spec. */
static const char *label(const char *spec)
{
	return !strncmp(spec, "debian:", 7) ? spec + 7 : spec;
}

static void load(const char *mdir)
{
	char path[1024];

	for (int k = 0; k < nk; k++)
		for (int f = 0; f < nf; f++)
			for (int s = 0; s < ns; s++) {
				struct cell *c = &cells[k][f][s];

				snprintf(c->dir, sizeof(c->dir), "%s/%s/%s", label(kernels[k]),
					 fss[f], scens[s]);
				snprintf(path, sizeof(path), "%s/%s/verdict.txt", mdir, c->dir);
				kv_read(path, "cell: ", c->result, sizeof(c->result));
				kv_read(path, "verdict: ", c->verdict, sizeof(c->verdict));
				kv_read(path, "reason: ", c->reason, sizeof(c->reason));
				kv_read(path, "warning: ", c->warning, sizeof(c->warning));
				if (!c->result[0])
					snprintf(c->result, sizeof(c->result), "ERROR:no verdict");
				snprintf(path, sizeof(path), "%s/%s/run.txt", mdir, c->dir);
				kv_read(path, "kernel: ", c->release, sizeof(c->release));
				kv_read(path, "kernel-package: ", c->package, sizeof(c->package));
				kv_read(path, "seconds: ", c->seconds, sizeof(c->seconds));
			}
}

/* The exact release of kernel row @k: from any of its cells. */
static const char *release_of(int k)
{
	for (int f = 0; f < nf; f++)
		for (int s = 0; s < ns; s++)
			if (cells[k][f][s].release[0])
				return cells[k][f][s].release;
	return label(kernels[k]);
}

static int footnote(const char *text)
{
	int i;

	for (i = 0; i < nfoot; i++)
		if (!strcmp(foot[i], text))
			return i + 1;
	if (nfoot == MAXFOOT)
		return 0;
	snprintf(foot[nfoot], sizeof(foot[0]), "%s", text);
	return ++nfoot;
}

/* At most 14 columns: the grid's cell text. */
static void short_form(const char *result, char *out, size_t len)
{
	const char *colon = strchr(result, ':');

	if (!strncmp(result, "REPRODUCED:", 11))
		snprintf(out, len, "REPRO [%d]", footnote(colon + 1));
	else if (!strncmp(result, "MITIGATED:", 10))
		snprintf(out, len, "MIT %.10s", colon + 1);
	else if (!strncmp(result, "ERROR:", 6))
		snprintf(out, len, "ERROR [%d]", footnote(result));
	else if (!strcmp(result, "CLEAN"))
		snprintf(out, len, "clean");
	else
		snprintf(out, len, "%.14s", result);
}

static void write_txt(FILE *o, const char *when)
{
	int counts[5] = {};
	char buf[64], rel[96], row[256];

	for (int k = 0; k < nk; k++)
		for (int f = 0; f < nf; f++)
			for (int s = 0; s < ns; s++) {
				const char *r = cells[k][f][s].result;

				counts[!strncmp(r, "REPRODUCED", 10) ? 0 : !strcmp(r, "VIOLATION") ? 1 :
				       !strncmp(r, "MITIGATED", 9) ? 2 : !strcmp(r, "CLEAN") ? 3 : 4]++;
			}
	fprintf(o, "gup-repro matrix, %s: %d cells\n", when, nk * nf * ns);
	fprintf(o, "%d reproduced, %d violation, %d mitigated, %d clean, %d error\n\n",
		counts[0], counts[1], counts[2], counts[3], counts[4]);
	fprintf(o, "%-14s %-5s", "kernel", "fs");
	for (int s = 0; s < ns; s++)
		fprintf(o, " %-14.14s", scens[s]);
	fprintf(o, "\n%.14s %.5s", "--------------", "-----");
	for (int s = 0; s < ns; s++)
		fprintf(o, " %.14s", "--------------");
	fprintf(o, "\n");
	for (int k = 0; k < nk; k++) {
		char *cut;

		snprintf(rel, sizeof(rel), "%s", release_of(k));
		cut = strstr(rel, "-cloud-amd64");
		if (cut)
			*cut = '\0';
		for (int f = 0; f < nf; f++) {
			int len = snprintf(row, sizeof(row), "%-14.14s %-5.5s", f ? "" : rel, fss[f]);

			for (int s = 0; s < ns; s++) {
				short_form(cells[k][f][s].result, buf, sizeof(buf));
				len += snprintf(row + len, sizeof(row) - len, " %-14.14s", buf);
			}
			while (len > 0 && row[len - 1] == ' ')
				row[--len] = '\0';
			fprintf(o, "%s\n", row);
		}
	}
	fprintf(o, "\nREPRO = REPRODUCED (kernel warning), VIOLATION = ordering violated\n"
		"without a warning, MIT = MITIGATED (pin refused, errno), clean = neither.\n");
	for (int i = 0; i < nfoot; i++)
		fprintf(o, "[%d] %.74s\n", i + 1, foot[i]);
	fprintf(o, "Full results and links to every run: matrix.md, matrix.json.\n");
}

static void write_md(FILE *o, const char *when)
{
	fprintf(o, "# gup-repro matrix (%s)\n\n| kernel | fs |", when);
	for (int s = 0; s < ns; s++)
		fprintf(o, " %s |", scens[s]);
	fprintf(o, "\n|---|---|");
	for (int s = 0; s < ns; s++)
		fprintf(o, "---|");
	fprintf(o, "\n");
	for (int k = 0; k < nk; k++)
		for (int f = 0; f < nf; f++) {
			fprintf(o, "| %s | %s |", release_of(k), fss[f]);
			for (int s = 0; s < ns; s++)
				fprintf(o, " [%s](%s/) |", cells[k][f][s].result, cells[k][f][s].dir);
			fprintf(o, "\n");
		}
	fprintf(o, "\nKernel packages:\n\n");
	for (int k = 0; k < nk; k++) {
		const char *pkg = "";

		for (int f = 0; f < nf && !*pkg; f++)
			for (int s = 0; s < ns && !*pkg; s++)
				pkg = cells[k][f][s].package;
		fprintf(o, "- `%s`: %s\n", kernels[k], *pkg ? pkg : "(not prepared)");
	}
}

static int write_json(const char *path, const char *when)
{
	json_t *root = json_object(), *arr = json_array();

	for (int k = 0; k < nk; k++)
		for (int f = 0; f < nf; f++)
			for (int s = 0; s < ns; s++) {
				const struct cell *c = &cells[k][f][s];

				json_array_append_new(arr, json_pack(
					"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
					"kernel", kernels[k], "release", c->release,
					"package", c->package, "fs", fss[f], "scenario", scens[s],
					"result", c->result, "verdict", c->verdict,
					"reason", c->reason, "warning", c->warning,
					"seconds", c->seconds, "dir", c->dir));
			}
	json_object_set_new(root, "generated", json_string(when));
	json_object_set_new(root, "cells", arr);
	if (json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER)) {
		json_decref(root);
		return -1;
	}
	json_decref(root);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "kernels", required_argument, NULL, 'k' },
		{ "fs", required_argument, NULL, 'f' },
		{ "scenarios", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char path[1024], when[64];
	const char *dir = NULL;
	time_t now = time(NULL);
	FILE *o;
	int opt;

	while ((opt = getopt_long(argc, argv, "d:k:f:s:", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'k': nk = split(optarg, kernels, "kernels"); break;
		case 'f': nf = split(optarg, fss, "filesystems"); break;
		case 's': ns = split(optarg, scens, "scenarios"); break;
		default: return 2;
		}
	}
	if (!dir || !nk || !nf || !ns) {
		fprintf(stderr, "usage: gup-repro-matrix --dir MDIR --kernels K,.. --fs F,.. --scenarios S,..\n");
		return 2;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	load(dir);
	snprintf(path, sizeof(path), "%s/matrix.txt", dir);
	o = fopen(path, "w");
	if (!o)
		return fprintf(stderr, "gup-repro-matrix: %s: %s\n", path, strerror(errno)), 2;
	write_txt(o, when);
	fclose(o);
	nfoot = 0;
	write_txt(stdout, when);
	snprintf(path, sizeof(path), "%s/matrix.md", dir);
	o = fopen(path, "w");
	if (!o)
		return fprintf(stderr, "gup-repro-matrix: %s: %s\n", path, strerror(errno)), 2;
	write_md(o, when);
	fclose(o);
	snprintf(path, sizeof(path), "%s/matrix.json", dir);
	if (write_json(path, when))
		return fprintf(stderr, "gup-repro-matrix: cannot write %s\n", path), 2;
	return 0;
}
