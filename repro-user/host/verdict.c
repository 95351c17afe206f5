// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-verdict - the one place a run's verdict is decided (host side).
 *
 *   gup-repro-verdict --dir RUN_DIR [--boot-status STATUS] [--kernel-label TEXT]
 *                     [--trace-note TEXT] [--error REASON]
 *                     [--interrupted SIG --phase PHASE]
 *   gup-repro-verdict --repeat-dir DIR --runs N
 *   gup-repro-verdict [--boot-status STATUS] [--ordering ORDERING_TXT] CONSOLE_LOG
 *
 * With --dir it reads every oracle of a run directory - console.log (kernel
 * symptoms, crashes), steps.jsonl (the driver's status record and the
 * data-integrity records), guest.log (the guest init's report: boot,
 * trigger status, unmount), ordering.txt (the BPF checker), fsck.txt (the
 * filesystem's own checker on the scratch image), run.txt (boot status) -
 * and writes RUN_DIR/verdict.txt once (and prints it).  --error and
 * --interrupted give the verdict of runs that never got that far; the shell
 * writes no verdict line itself.  --repeat-dir writes the counted verdict
 * of N runs (DIR/run-NN/verdict.txt) to DIR/verdict.txt.  The bare
 * CONSOLE_LOG form classifies a console log alone (fixtures, fuzzing).
 *
 * Prints "key: value" lines (verdict, reason, warning, site, trace, notes)
 * and exits the way `git bisect run` wants:
 *   1   FS CORRUPTION   the filesystem's checker reports damage on the
 *                       scratch image after the guest unmounted it
 *   1   DATA LOSS       a write that must be on disk is not (the driver's
 *                       O_DIRECT read-back after sync and cache drop)
 *   1   REPRODUCED      a known symptom of the bug class is in the log
 *   1   VIOLATION       no symptom, but the ordering checker (bpf/, given
 *                       with --ordering) found the invariant violated
 *   0   NOT REPRODUCED  the scenario completed and no known symptom fired
 *   0   MITIGATED       the kernel refused the long-term pin on purpose
 *                       (the driver's "status=refused": EFAULT/EOPNOTSUPP)
 *   125 COULD NOT TEST  boot failure, timeout, truncated log, a failed step,
 *                       or a guest crash that is not a known symptom
 *   2   usage error
 *
 *   130/143/129         --interrupted INT/TERM/HUP (COULD NOT TEST)
 *
 * A last "cell:" line condenses the verdict for matrices:
 * CORRUPT:<tool>, LOSS, REPRODUCED:<site>, VIOLATION, MITIGATED:<errno>,
 * CLEAN or ERROR:<why>.
 *
 * The units (verdict.h, docs/code.md): verdict-console.c reads the console
 * log, verdict-oracles.c the rest of a run directory, verdict-outcome.c
 * decides and prints the verdict, verdict-repeat.c counts N runs; this
 * file is the command line.
 *
 * The log is untrusted (the guest kernel is deliberately corrupted): every
 * line printed goes through text_safe() (control characters and invalid
 * UTF-8 escaped as \xNN) and is at most OUT_LINE_MAX bytes long.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"
#include "verdict.h"

static void usage(FILE *o)
{
	fprintf(o, "usage: gup-repro-verdict --dir RUN_DIR [--boot-status STATUS] [--kernel-label TEXT]\n"
		"                         [--trace-note TEXT] [--error REASON]\n"
		"                         [--interrupted INT|TERM|HUP --phase PHASE]\n"
		"       gup-repro-verdict --repeat-dir DIR --runs N [--seconds S]\n"
		"       gup-repro-verdict [--boot-status STATUS] [--ordering ORDERING_TXT] CONSOLE_LOG\n"
		"STATUS: ok, timeout, qemu-error, output-limit (--dir: default from run.txt)\n"
		"--dir writes RUN_DIR/verdict.txt, --repeat-dir DIR/verdict.txt; both print it.\n"
		"exit: 1 reproduced (or data loss, fs corruption, violation), 0 not reproduced\n"
		"or mitigated, 125 could not test, 128+N interrupted, 2 usage\n");
}

/*
 * Write @text to DIR/verdict.txt through a temporary name, which a failed
 * write (a full disk) removes (out_close()): no empty or partial file is
 * left behind.
 */
static int write_verdict(const char *dir, const char *text, size_t len)
{
	char tmp[4096], path[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.verdict.txt.tmp", dir);
	snprintf(path, sizeof(path), "%s/verdict.txt", dir);
	f = fopen(tmp, "w");
	if (!f || out_close(f, tmp, fwrite(text, 1, len, f) == len) || rename(tmp, path)) {
		int err = errno;

		if (f)
			unlink(tmp);
		fprintf(stderr, "gup-repro-verdict: %s: cannot write: %s\n", path, strerror(err));
		return -1;
	}
	return 0;
}

/**
 * struct vargs - the command line
 * @boot_status: --boot-status, or NULL (run.txt's, else "ok").
 * @path: CONSOLE_LOG.
 * @ordering: --ordering FILE (with CONSOLE_LOG).
 * @dir: --dir RUN_DIR.
 * @error_reason: --error WHY.
 * @sig: --interrupted INT|TERM|HUP.
 * @phase: --phase (with --error or --interrupted).
 * @rdir: --repeat-dir DIR.
 * @seconds: --seconds (with --repeat-dir).
 * @runs: --runs N (with --repeat-dir).
 */
struct vargs {
	const char *boot_status, *path, *ordering, *dir;
	const char *error_reason, *sig, *phase, *rdir, *seconds;
	long runs;
};

/*
 * One option @c of the command line with its value @v into @a and @or
 * (kernel label, trace note).  Returns -1 to go on, else the exit status
 * (0 after --help, 2 bad usage).
 */
static int parse_opt(int c, const char *v, struct vargs *a, struct oracles *or)
{
	switch (c) {
	case 'h':
		usage(stdout);
		return 0;
	case 'b':
		a->boot_status = v;
		if (boot_status_ok(v))
			break;
		fprintf(stderr, "gup-repro-verdict: --boot-status takes ok, timeout, qemu-error or output-limit, not '%s'\n",
			v);
		return 2;
	case 'i':
		a->sig = v;
		if (!strcmp(v, "INT") || !strcmp(v, "TERM") || !strcmp(v, "HUP"))
			break;
		fprintf(stderr, "gup-repro-verdict: --interrupted takes INT, TERM or HUP, not '%s'\n", v);
		return 2;
	case 'n':
		a->runs = strtol(v, NULL, 10);
		if (a->runs >= 1 && a->runs <= 1000)
			break;
		fprintf(stderr, "gup-repro-verdict: --runs takes 1..1000, not '%s'\n", v);
		return 2;
	case 'O':
		a->ordering = v;
		break;
	case 'd':
		a->dir = v;
		break;
	case 'k':
		or->kernel_label = v;
		break;
	case 't':
		or->trace_note = v;
		break;
	case 'e':
		a->error_reason = v;
		break;
	case 'p':
		a->phase = v;
		break;
	case 'R':
		a->rdir = v;
		break;
	case 's':
		a->seconds = v;
		break;
	}
	return -1;
}

/*
 * Parse the command line into @a and @or (kernel label, trace note).
 * Returns -1 to go on, else the exit status (0 after --help, 2 bad usage).
 */
static int parse_args(int argc, char **argv, struct vargs *a, struct oracles *or)
{
	static const struct option opts[] = {
		{ "boot-status", required_argument, NULL, 'b' },
		{ "ordering", required_argument, NULL, 'O' },
		{ "dir", required_argument, NULL, 'd' },
		{ "kernel-label", required_argument, NULL, 'k' },
		{ "trace-note", required_argument, NULL, 't' },
		{ "error", required_argument, NULL, 'e' },
		{ "interrupted", required_argument, NULL, 'i' },
		{ "phase", required_argument, NULL, 'p' },
		{ "repeat-dir", required_argument, NULL, 'R' },
		{ "runs", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	opterr = 0;	/* the messages below instead */
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == ':') {
			fprintf(stderr, "gup-repro-verdict: %s needs a value (try --help)\n", argv[optind - 1]);
			return 2;
		}
		if (c == '?') {
			char opt[3] = { '-', (char)optopt, '\0' };

			fprintf(stderr, "gup-repro-verdict: unexpected argument '%s' (try --help)\n",
				optopt ? opt : argv[optind - 1]);
			return 2;
		}
		rc = parse_opt(c, optarg, a, or);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		a->path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "gup-repro-verdict: unexpected argument '%s' (try --help)\n", argv[optind]);
		return 2;
	}
	if (a->rdir ? (!a->runs || a->dir || a->path) :
	    a->dir ? !!a->path : (!a->path || a->error_reason || a->sig)) {
		fprintf(stderr, "gup-repro-verdict: give --dir RUN_DIR, --repeat-dir DIR --runs N, or one CONSOLE_LOG (try --help)\n");
		return 2;
	}
	return -1;
}

/*
 * The ordering checker's verdict for @a into @ord: a run directory's
 * ordering.txt when it has an "ordering:" line, or --ordering FILE, which
 * must have one.  Returns 1 when @ord is filled, 0 when there is none, -1
 * after saying why (a bad --ordering FILE).
 */
static int get_ordering(const struct vargs *a, struct ordering *ord)
{
	FILE *of = NULL;
	int rc = 0;

	if (a->dir) {
		of = open_in(a->dir, "ordering.txt");
		rc = of && !read_ordering(of, ord);
	} else if (a->ordering) {
		of = fopen(a->ordering, "r");
		rc = of && !read_ordering(of, ord) ? 1 : -1;
		if (rc < 0)
			fprintf(stderr, "gup-repro-verdict: %s: %s\n", a->ordering,
				of ? "no \"ordering:\" line" : strerror(errno));
	}
	if (of)
		fclose(of);
	return rc;
}

/*
 * The verdict of one run from its console log (a run directory's, or
 * CONSOLE_LOG with --ordering) and, for a directory, every other oracle,
 * written to @o.  Returns the verdict's exit status; -2 when nothing is to
 * be printed (bad input, said on stderr: exit 2).
 */
static int decide_run(FILE *o, struct vargs *a, struct oracles *or)
{
	struct ordering ord = { "", "", "", "" };
	char bs[64], opath[4096];
	const char *boot_status = a->boot_status, *path = a->path;
	struct log *lg = NULL;
	FILE *f;
	int rc = -2, have_ord;

	if (a->dir) {
		or->dir = a->dir;
		snprintf(opath, sizeof(opath), "%s/console.log", a->dir);
		path = opath;
		if (!boot_status)
			boot_status = dir_boot_status(a->dir, bs, sizeof(bs));
	}
	if (!boot_status)
		boot_status = "ok";
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "gup-repro-verdict: %s: %s\n", path, strerror(errno));
		if (a->dir) {
			char why[4200];

			snprintf(why, sizeof(why), "no console log: %s", strerror(errno));
			rc = verdict_error(o, why, NULL, NULL, or);
		}
		return rc;
	}
	have_ord = get_ordering(a, &ord);
	lg = have_ord >= 0 ? calloc(1, sizeof(*lg)) : NULL;
	if (have_ord >= 0 && !lg)
		fprintf(stderr, "gup-repro-verdict: out of memory\n");
	if (lg) {
		console_parse(f, lg, !a->dir);
		if (a->dir) {
			read_guest(a->dir, lg, or);
			read_steps(a->dir, lg, or);
			read_fsck(a->dir, or);
		}
		rc = verdict(o, lg, boot_status, have_ord ? &ord : NULL, a->dir ? or : NULL);
	}
	free(lg);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	struct vargs a = { 0 };
	struct oracles or = {};
	char *text = NULL;
	const char *dir;
	FILE *o = NULL;
	size_t tlen = 0;
	int rc;

	rc = parse_args(argc, argv, &a, &or);
	if (rc >= 0)
		return rc;
	rc = 2;
	dir = a.rdir ? a.rdir : a.dir;
	o = open_memstream(&text, &tlen);
	if (!o)
		goto cleanup;
	if (a.rdir) {
		rc = verdict_repeat(o, a.rdir, a.runs);
		if (a.seconds)
			emit(o, "seconds: %s", a.seconds);
	} else if (a.dir && (a.error_reason || a.sig)) {
		rc = verdict_error(o, a.error_reason, a.sig, a.phase, &or);
	} else {
		rc = decide_run(o, &a, &or);
		if (rc == -2) {
			rc = 2;
			goto cleanup;
		}
	}
	if (fclose(o)) {
		o = NULL;
		rc = 2;
		goto cleanup;
	}
	o = NULL;
	fwrite(text, 1, tlen, stdout);
	if (dir && write_verdict(dir, text, tlen))
		rc = 2;
cleanup:
	if (o)
		fclose(o);
	free(text);
	return rc;
}
