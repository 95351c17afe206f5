// SPDX-License-Identifier: GPL-2.0
/*
 * pintrace-report - host side: check the ordering in a run's events.jsonl
 * and write what a filesystem maintainer reads.
 *
 *   pintrace-report --events FILE [--steps FILE] [--run FILE] [--verdict FILE]
 *                   [--guest FILE] [--out DIR] [--max-events N]
 *                   [--no-report | --report-only]
 *
 * Prints the short timeline of the victim folio and the checker's result.
 * With --out, writes DIR/ordering.txt (the checker's result, one oracle of
 * gup-repro-verdict), DIR/report.txt (plain text, <= 80 columns, for an
 * LKML mail), DIR/trace.json (Chrome Trace Event format, loads in the
 * Perfetto UI) and DIR/timeline.svg (swimlanes, drawn by gnuplot).
 * It decides no verdict: report.txt renders the run's verdict.txt given
 * with --verdict (the kernel warning, the verdict, integrity and fsck
 * lines).  run.sh runs it with --no-report (everything but report.txt)
 * before gup-repro-verdict and with --report-only after it.
 *
 * Every input quotes the guest, which is untrusted: strings are escaped
 * on reading (text_safe(), kvfile.h), timeline rows are cut at 80 columns
 * and at most TL_MAX_ROWS of them are shown; the checker holds at most
 * --max-events events (default: its 512 MB budget, CK_MAX_EVENTS).
 *
 * Exit: 0 invariant held, 1 violation, 3 trace incomplete, 4 no trace,
 * 2 usage or I/O error.
 *
 * The units (pintrace-report.h, docs/code.md): checker.c loads and checks
 * the events, timeline.c and report-text.c write what is read; this file
 * is the command line, the inputs and the output files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvfile.h"

#include "pintrace-report.h"

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pintrace-report: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* Swimlanes with gnuplot: x = order of events (time in the label). */
static int write_svg(const char *dir, const struct ck_trace *t, const struct pr_run *run,
		     const struct ck_result *r)
{
	char dat[4096], gp[4096], svg[4096];
	uint64_t pfn = victim_pfn(t, r);
	long n = 0;
	FILE *f;
	int status, rc;
	pid_t pid;

	snprintf(dat, sizeof(dat), "%s/timeline.dat", dir);
	snprintf(gp, sizeof(gp), "%s/timeline.gp", dir);
	snprintf(svg, sizeof(svg), "%s/timeline.svg", dir);
	f = fopen(dat, "w");
	if (!f) {
		error("%s: %s", dat, strerror(errno));
		return -1;
	}
	rc = write_svg_data(f, t, run, r, pfn, &n);
	if (out_close(f, dat, !rc))
		return -1;
	f = fopen(gp, "w");
	if (!f) {
		error("%s: %s", gp, strerror(errno));
		return -1;
	}
	fprintf(f, "set terminal svg size %ld,560 dynamic font 'sans,11' background '#ffffff'\n"
		"set output '%s'\n"
		"set title 'folio pfn %#llx: %s' noenhanced\n"
		"set xlabel 'event order (time since the first event in the label)'\n"
		"set yrange [0.3:%d.9]\nset xrange [0:%ld]\n"
		"set ytics ('writeback' 1, 'filesystem' 2, 'mm' 3, 'gup\\_repro module' 4, 'user space' 5)\n"
		"set grid ytics\nunset key\nset border 3\nset xtics nomirror\nset ytics nomirror\n"
		"plot '%s' using 1:2:(int($4) ? 0xcc0000 : 0x1f4e9a) with points pt 7 ps 1.2 lc rgb variable, \\\n"
		"     '' using 1:($2+0.12):3 with labels left rotate by 35 font ',9' noenhanced\n",
		n * 34 + 420, svg, (unsigned long long)pfn, ck_verdict_name(r->verdict),
		L_NR, n + 3, dat);
	if (out_close(f, gp, 1))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		unlink(svg);	/* whatever of it gnuplot wrote */
		fprintf(stderr, "pintrace-report: gnuplot failed; no timeline.svg\n");
		return -1;
	}
	return 0;
}

struct args {
	const char *events, *steps, *run, *verdict, *guest, *dir;
	size_t max_events;
	int no_report, report_only;
};

/* Return: 0 go on, 1 done (help), 2 usage error. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "steps", required_argument, NULL, 's' },
		{ "run", required_argument, NULL, 'r' },
		{ "verdict", required_argument, NULL, 'v' },
		{ "guest", required_argument, NULL, 'g' },
		{ "out", required_argument, NULL, 'o' },
		{ "max-events", required_argument, NULL, 'm' },
		{ "no-report", no_argument, NULL, 'N' },
		{ "report-only", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "e:s:r:v:g:o:m:NRh", opts, NULL)) != -1) {
		switch (opt) {
		case 'e': a->events = optarg; break;
		case 's': a->steps = optarg; break;
		case 'r': a->run = optarg; break;
		case 'v': a->verdict = optarg; break;
		case 'g': a->guest = optarg; break;
		case 'o': a->dir = optarg; break;
		case 'N': a->no_report = 1; break;
		case 'R': a->report_only = 1; break;
		case 'm':
			errno = 0;
			a->max_events = strtoul(optarg, &end, 10);
			if (errno || *end || !a->max_events || optarg[0] == '-' ||
			    a->max_events > CK_MAX_EVENTS) {
				error("--max-events takes 1..%zu, not '%s'", (size_t)CK_MAX_EVENTS, optarg);
				return 2;
			}
			break;
		case 'h':
			printf("usage: pintrace-report --events FILE [--steps FILE] [--run FILE]\n"
			       "       [--verdict FILE] [--guest FILE] [--out DIR] [--max-events N]\n"
			       "       [--no-report | --report-only]\n"
			       "exit: 0 ok, 1 violation, 3 incomplete, 4 no trace, 2 usage\n");
			return 1;
		default:
			return 2;
		}
	}
	if (!a->events || optind < argc) {
		error("--events FILE is required (try --help)");
		return 2;
	}
	return 0;
}

/* events.jsonl into @t, and what the run's other files say into @run. */
static int load_inputs(const struct args *a, struct ck_trace *t, struct pr_run *run)
{
	FILE *f = fopen(a->events, "r");
	int rc;

	if (!f) {
		error("%s: %s", a->events, strerror(errno));
		return -1;
	}
	t->max_events = a->max_events;
	rc = ck_load(f, t);
	fclose(f);
	if (rc) {
		error("out of memory");
		return -1;
	}
	f = a->steps ? fopen(a->steps, "r") : NULL;
	if (f) {
		load_steps(f, run);
		fclose(f);
	}
	kv_read(a->run, "kernel-package: ", run->kernel_pkg, sizeof(run->kernel_pkg));
	kv_read(a->run, "scenario: ", run->scenario, sizeof(run->scenario));
	kv_read(a->run, "steps: ", run->step_list, sizeof(run->step_list));
	kv_read(a->guest, "gupr-meta: fs=", run->fs_name, sizeof(run->fs_name));
	kv_read(a->verdict, "warning: ", run->warn_line, sizeof(run->warn_line));
	kv_read(a->verdict, "trace: ", run->warn_trace, sizeof(run->warn_trace));
	kv_read(a->verdict, "verdict: ", run->final_verdict, sizeof(run->final_verdict));
	kv_read(a->verdict, "reason: ", run->final_reason, sizeof(run->final_reason));
	kv_read(a->verdict, "integrity: ", run->final_integrity, sizeof(run->final_integrity));
	kv_read(a->verdict, "fsck: ", run->final_fsck, sizeof(run->final_fsck));
	return 0;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		error("%s: %s", path, strerror(errno));
	return f;
}

/* Close @f; on a write error report it and remove @path (out_close()). */
static int close_out(FILE *f, int rc, const char *path)
{
	if (out_close(f, path, !rc)) {
		error("%s: cannot write", path);
		return -1;
	}
	return 0;
}

/* ordering.txt, and unless there is no trace report.txt, trace.json, timeline.svg */
static int write_outputs(const struct args *a, const struct ck_trace *t,
			 const struct pr_run *run, const struct ck_result *r)
{
	const char *dir = a->dir;
	char path[4096];
	FILE *f;

	mkdir(dir, 0755);
	if (a->report_only) {
		if (r->verdict == CK_NO_TRACE)
			return 0;
		f = open_out(dir, "report.txt", path, sizeof(path));
		return !f || close_out(f, write_report(f, t, run, r), path) ? -1 : 0;
	}
	f = open_out(dir, "ordering.txt", path, sizeof(path));
	if (!f)
		return -1;
	write_ordering(f, t, r);
	if (close_out(f, 0, path))
		return -1;
	if (r->verdict == CK_NO_TRACE)
		return 0;
	if (!a->no_report) {
		f = open_out(dir, "report.txt", path, sizeof(path));
		if (!f || close_out(f, write_report(f, t, run, r), path))
			return -1;
	}
	f = open_out(dir, "trace.json", path, sizeof(path));
	if (!f || close_out(f, write_chrome_trace(f, t, run), path))
		return -1;
	write_svg(dir, t, run, r);		/* optional: gnuplot may be missing */
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {};
	struct ck_trace t = {};
	static struct ck_result r;
	static struct pr_run run;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc) {
		rc = rc == 1 ? 0 : 2;
		goto cleanup;
	}
	rc = 2;
	if (load_inputs(&a, &t, &run))
		goto cleanup;
	if (ck_check(&t, &r)) {
		error("out of memory");
		goto cleanup;
	}
	printf("timeline (ms, victim folio):\n");
	if (print_timeline(stdout, &t, &run, &r, victim_pfn(&t, &r), 1))
		goto cleanup;
	printf("ordering: %s: %s\n", ck_verdict_name(r.verdict), r.why);
	if (a.dir && write_outputs(&a, &t, &run, &r))
		goto cleanup;
	switch (r.verdict) {
	case CK_OK: rc = 0; break;
	case CK_VIOLATION: rc = 1; break;
	case CK_INCOMPLETE: rc = 3; break;
	default: rc = 4; break;
	}
cleanup:
	ck_free(&t);
	return rc;
}
