// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_verdict.c - libFuzzer harness for the console-log verdict parser
 * (the units of repro-user/host/verdict.h): the input is a console log,
 * parsed and judged under every boot status, and read as an ordering.txt;
 * then the same bytes as a run directory's steps.jsonl, guest.log,
 * fsck.txt and a repeated run's verdict.txt (the decider's other oracles).
 * Every verdict must be printable, valid UTF-8 with lines under
 * OUT_LINE_MAX.  Those files live in one directory per process ($TMPDIR
 * or /tmp, fuzz-verdict-*), removed when the process exits (-runs,
 * -max_total_time, each process of -fork and -jobs).
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz_check.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as DIR/NAME. */
static void put(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

/* the process's directory, made at its first input (run_dir()) */
static char dir[4096];

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* At exit: the directory and what is in it. */
static void rm_dir(void)
{
	if (*dir)
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* The process's directory with its run-01/, made once. */
static const char *run_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char sub[4200];

	if (*dir)
		return dir;
	snprintf(dir, sizeof(dir), "%s/fuzz-verdict-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(rm_dir);
	snprintf(sub, sizeof(sub), "%s/run-01", dir);
	if (mkdir(sub, 0700))
		abort();
	return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oracles or = {};
	static const char *const status[] = { "ok", "timeout", "qemu-error" };
	struct ordering ord = { "", "", "", "" };
	struct fuzz_out out;
	struct log *lg;
	FILE *f;
	int rc;

	if (!size)
		return 0;
	lg = calloc(1, sizeof(*lg));
	f = fmemopen((void *)data, size, "r");
	if (!lg || !f)
		abort();
	console_parse(f, lg, 1);
	rewind(f);
	rc = read_ordering(f, &ord);
	fclose(f);
	for (size_t i = 0; i < sizeof(status) / sizeof(status[0]); i++) {
		fuzz_out_open(&out);
		verdict(out.f, lg, status[i], rc ? NULL : &ord, NULL);
		fuzz_out_done(&out, "verdict", OUT_LINE_MAX - 1);
	}
	run_dir();
	put(dir, "steps.jsonl", data, size);
	put(dir, "guest.log", data, size);
	put(dir, "fsck.txt", data, size);
	put(dir, "run-01/verdict.txt", data, size);
	read_guest(dir, lg, &or);
	read_steps(dir, lg, &or);
	read_fsck(dir, &or);
	or.dir = dir;
	fuzz_out_open(&out);
	verdict(out.f, lg, "ok", rc ? NULL : &ord, &or);
	fuzz_out_done(&out, "verdict", OUT_LINE_MAX - 1);
	fuzz_out_open(&out);
	verdict_repeat(out.f, dir, 1);
	fuzz_out_done(&out, "verdict", OUT_LINE_MAX - 1);
	fuzz_out_open(&out);
	verdict_error(out.f, "x", NULL, NULL, &or);
	fuzz_out_done(&out, "verdict", OUT_LINE_MAX - 1);
	free(lg);
	return 0;
}
