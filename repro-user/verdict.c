// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-verdict - classify a guest console log (host side).
 *
 *   gup-repro-verdict [--boot-status ok|timeout|qemu-error|output-limit]
 *                     [--ordering ORDERING_TXT] CONSOLE_LOG
 *
 * Prints "key: value" lines (verdict, reason, warning, site, trace, notes)
 * and exits the way `git bisect run` wants:
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
 * A last "cell:" line condenses the verdict for matrices:
 * REPRODUCED:<site>, VIOLATION, MITIGATED:<errno>, CLEAN or ERROR:<why>.
 *
 * Known symptoms are a table (symptoms[] below): the WARN_ON_ONCE in
 * ext4_dirty_folio() (v5.18+) / ext4_set_page_dirty() (v5.8..v5.17), the
 * ext4 "does not have buffers attached" warning of the writeback paths and
 * a "kernel BUG at fs/ext4/" as older kernels print it.
 *
 * The log is untrusted (the guest kernel is deliberately corrupted): every
 * line printed goes through text_safe() (control characters and invalid
 * UTF-8 escaped as \xNN) and is at most OUT_LINE_MAX bytes long.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"

#define MAX_TRACE	12
#define MAX_NOTES	8
#define LINE_MAX_KEEP	512
#define OUT_LINE_MAX	512	/* longest line printed, escapes included */

enum kind { K_WARNING, K_BUG_AT, K_MESSAGE };

static const struct symptom {
	enum kind kind;
	const char *match;	/* function (WARNING), path prefix (BUG), text */
	const char *what;
} symptoms[] = {
	{ K_WARNING, "ext4_dirty_folio",
	  "ext4 was asked to dirty a clean folio it does not hold locked (no ->page_mkwrite)" },
	{ K_WARNING, "ext4_set_page_dirty",
	  "ext4 was asked to dirty a clean page it does not hold locked (no ->page_mkwrite)" },
	{ K_WARNING, "ext4_journalled_dirty_folio",
	  "ext4 (data=journal) dirtied a folio without buffer heads" },
	{ K_MESSAGE, "does not have buffers attached",
	  "ext4 writeback found a dirty page without buffer heads" },
	{ K_BUG_AT, "fs/ext4/",
	  "ext4 hit a BUG_ON while handling the GUP-dirtied page" },
};

struct event {
	char line[LINE_MAX_KEEP];	/* the log line, timestamp stripped */
	char func[128];
	char file[160];
	int lineno;
	const struct symptom *sym;
	char trace[MAX_TRACE][96];
	int nr_trace;
};

struct log {
	int booted, done, guest_rc;
	int complete, failed, refused;
	char failed_step[64], failed_errno[32], scenario[64];
	struct event symptom;		/* first known symptom */
	int have_symptom;
	struct event crash;		/* first BUG/Oops/panic not a symptom */
	int have_crash;
	char panic[LINE_MAX_KEEP];
	char other[MAX_NOTES][LINE_MAX_KEEP];	/* other WARNINGs */
	int nr_other;
	long lines;
};

/* Copy a string, truncating to @len - 1 bytes. */
static void copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A decimal number as the kernel prints it, clamped to int. */
static int parse_int(const char *s)
{
	long v = strtol(s, NULL, 10);

	return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

/*
 * Print one output line: formatted, then through text_safe(), so whatever
 * the guest put into the arguments reaches the terminal escaped and the
 * line is at most OUT_LINE_MAX - 1 bytes.
 */
static void __attribute__((format(printf, 2, 3))) emit(FILE *o, const char *fmt, ...)
{
	char raw[4096], safe[OUT_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	fprintf(o, "%s\n", text_safe(safe, sizeof(safe), raw, sizeof(raw)));
}

/* "[    2.172246] text" -> "text"; also drops a "<4>" level prefix. */
static char *strip(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (s[0] == '<' && isdigit((unsigned char)s[1]) && s[2] == '>')
		s += 3;
	if (s[0] == '[') {
		char *e = strchr(s, ']');

		if (e && strspn(s + 1, " 0123456789.") == (size_t)(e - s - 1) &&
		    memchr(s, '.', (size_t)(e - s)))
			s = e + 1 + (e[1] == ' ');
	}
	return s;
}

/* "func+0x1f/0x30 [mod]" -> "func"; also ends at '(' and ',' */
static void func_of(const char *s, char *out, size_t len)
{
	size_t n = strcspn(s, "+ \t(,");

	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/*
 * Three formats of __warn()'s first line:
 *   before v3.13: WARNING: at fs/ext4/inode.c:3663 ext4_set_page_dirty+0x1f/0x30()
 *   up to v6.x:   WARNING: CPU: 0 PID: 128 at fs/ext4/inode.c:3663 ext4_dirty_folio+0x1f/0x30
 *   v7.x:         WARNING: fs/ext4/inode.c:3953 at ext4_dirty_folio+0x27/0x40, CPU#1: gup-repro/178
 * Each has FILE:LINE (@loc, @loclen bytes) and the function after it.
 */
static int parse_warning(const char *s, struct event *ev)
{
	const char *p = s + 9, *loc, *func, *at, *colon;
	size_t loclen;

	if (strncmp(s, "WARNING: ", 9))
		return 0;
	if (!strncmp(p, "at ", 3)) {			/* at FILE:LINE FUNC() */
		loc = p + 3;
		loclen = strcspn(loc, " ");
		func = loc[loclen] ? loc + loclen + 1 : NULL;
	} else if (!strncmp(p, "CPU: ", 5)) {		/* ... at FILE:LINE FUNC */
		at = strstr(p, " at ");
		if (!at)
			return 0;
		loc = at + 4;
		loclen = strcspn(loc, " ");
		func = loc[loclen] ? loc + loclen + 1 : NULL;
	} else {					/* FILE:LINE at FUNC, CPU#N */
		at = strstr(p, " at ");
		if (!at)
			return 0;
		loc = p;
		loclen = (size_t)(at - p);
		func = at + 4;
	}
	colon = memchr(loc, ':', loclen);
	if (!colon || !func)
		return 0;
	snprintf(ev->file, sizeof(ev->file), "%.*s", (int)(colon - loc), loc);
	ev->lineno = parse_int(colon + 1);
	func_of(func, ev->func, sizeof(ev->func));
	return 1;
}

/* kernel BUG at fs/ext4/inode.c:2712! */
static int parse_bug_at(const char *s, struct event *ev)
{
	const char *p = strstr(s, "kernel BUG at ");
	const char *colon;

	if (!p)
		return 0;
	p += 14;
	colon = strchr(p, ':');
	if (!colon)
		return 0;
	snprintf(ev->file, sizeof(ev->file), "%.*s", (int)(colon - p), p);
	ev->lineno = parse_int(colon + 1);
	return 1;
}

static const struct symptom *match(enum kind kind, const struct event *ev,
				   const char *line)
{
	size_t i;

	for (i = 0; i < sizeof(symptoms) / sizeof(symptoms[0]); i++) {
		const struct symptom *sy = &symptoms[i];

		if (sy->kind != kind)
			continue;
		if (kind == K_WARNING && !strcmp(ev->func, sy->match))
			return sy;
		if (kind == K_BUG_AT && !strncmp(ev->file, sy->match, strlen(sy->match)))
			return sy;
		if (kind == K_MESSAGE && strstr(line, sy->match))
			return sy;
	}
	return NULL;
}

static int is_crash(const char *s)
{
	static const char *const starts[] = {
		"BUG: ", "Oops: ", "general protection fault", "Kernel panic - not syncing",
		"kernel BUG at ", "INFO: task ", "watchdog: BUG: soft lockup",
		"Unable to handle kernel",
	};
	size_t i;

	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (!strncmp(s, starts[i], strlen(starts[i])))
			return 1;
	return 0;
}

/*
 * Keep the function names of a "Call Trace:" block, reliable frames only.
 * Frames look like "func+0x67c/0x9c1 [mod]", before v4.x
 * "[<ffffffff81067bc7>] func+0x77/0x90"; other lines interleave.
 */
static void add_trace(struct event *ev, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (s[0] == '[' && s[1] == '<') {
		const char *e = strstr(s, ">] ");

		if (!e)
			return;
		s = e + 3;
	}
	if (*s == '?' || !strstr(s, "+0x") || ev->nr_trace == MAX_TRACE)
		return;
	func_of(s, ev->trace[ev->nr_trace], sizeof(ev->trace[0]));
	if (ev->trace[ev->nr_trace][0])
		ev->nr_trace++;
}

/*
 * A kernel record can land in the middle of a line user space was writing
 * to the same serial console ("... [uptodate private [    2.218642]
 * WARNING: CPU: ..."): return the offset of an embedded "[ sec.usec] "
 * timestamp after the start of the line, or 0.
 */
static size_t embedded_record(const char *s)
{
	const char *p = s;

	if (!*s)
		return 0;
	while ((p = strchr(p + 1, '[')) != NULL) {
		const char *e = strchr(p, ']');
		size_t n = e ? (size_t)(e - p - 1) : 0;

		if (n >= 3 && strspn(p + 1, " 0123456789.") == n &&
		    memchr(p, '.', n + 1) && isdigit((unsigned char)e[-1]))
			return (size_t)(p - s);
	}
	return 0;
}

/* Where the lines after a kernel record belong. */
struct parser {
	struct event *tracing;	/* the symptom or crash whose lines follow */
	int in_trace;		/* inside its "Call Trace:" block */
};

/*
 * Lines of the record being traced: "Call Trace:" opens the frames, an end
 * marker (or the driver speaking again) closes the record.
 * Return: 1 if the line was a frame (or the opening) and is used up.
 */
static int trace_line(struct parser *ps, const char *s)
{
	if (!ps->tracing)
		return 0;
	if (!strncmp(s, "Call Trace:", 11)) {
		ps->in_trace = 1;
		return 1;
	}
	if (!strncmp(s, "---[ end trace", 14) || !strncmp(s, "</TASK>", 7) ||
	    !strncmp(s, "gup-repro:", 10)) {
		ps->tracing = NULL;
		ps->in_trace = 0;
		return 0;
	}
	if (ps->in_trace) {
		add_trace(ps->tracing, s);
		return 1;
	}
	return 0;
}

/* The guest init's and the driver's status lines ("gup-repro: ..."). */
static void driver_line(struct log *lg, const char *s)
{
	const char *p;

	if (!strncmp(s, "gup-repro: guest init started", 29)) {
		lg->booted = 1;
	} else if (!strncmp(s, "gup-repro: guest done rc=", 25)) {
		lg->done = 1;
		lg->guest_rc = parse_int(s + 25);
	} else if (!strncmp(s, "gup-repro: scenario=", 20) && strstr(s, " status=")) {
		sscanf(s + 20, "%63s", lg->scenario);
		if (strstr(s, "status=complete")) {
			lg->complete = 1;
		} else if (strstr(s, "status=failed") || strstr(s, "status=refused")) {
			if (strstr(s, "status=refused"))
				lg->refused = 1;
			else
				lg->failed = 1;
			p = strstr(s, "step=");
			if (p)
				sscanf(p + 5, "%63s", lg->failed_step);
			p = strstr(s, "errno=");
			if (p)
				sscanf(p + 6, "%31s", lg->failed_errno);
		}
	}
}

/* Record @ev as the symptom if it is the first; trace it then. */
static int take_symptom(struct log *lg, struct parser *ps, const struct event *ev, int trace)
{
	if (!ev->sym || lg->have_symptom)
		return 0;
	lg->symptom = *ev;
	lg->have_symptom = 1;
	if (trace)
		ps->tracing = &lg->symptom;
	return 1;
}

/* __warn()'s first line: a symptom, or a note. Return: 1 if it was one. */
static int warning_record(struct log *lg, struct parser *ps, const char *s, struct event *ev)
{
	if (!parse_warning(s, ev))
		return 0;
	ev->sym = match(K_WARNING, ev, s);
	if (!take_symptom(lg, ps, ev, 1) && !ev->sym && lg->nr_other < MAX_NOTES)
		copy(lg->other[lg->nr_other++], LINE_MAX_KEEP, s);
	return 1;
}

/* "EXT4-fs warning (device vda): FUNC:LINE: ..." Return: 1 if it was one. */
static int ext4_message(struct log *lg, struct parser *ps, const char *s, struct event *ev)
{
	const char *p;

	if (!strstr(s, "EXT4-fs") && !strstr(s, "does not have buffers"))
		return 0;
	ev->sym = match(K_MESSAGE, ev, s);
	if (ev->sym && !lg->have_symptom) {
		p = strstr(s, "): ");
		if (p) {
			func_of(p + 3, ev->func, sizeof(ev->func));
			ev->func[strcspn(ev->func, ":")] = '\0';
		}
		take_symptom(lg, ps, ev, 0);
	}
	return 1;
}

/* BUG, Oops, panic: a symptom (BUG in fs/ext4/) or the crash. */
static int crash_record(struct log *lg, struct parser *ps, const char *s, struct event *ev)
{
	if (!is_crash(s))
		return 0;
	if (parse_bug_at(s, ev))
		ev->sym = match(K_BUG_AT, ev, s);
	if (!take_symptom(lg, ps, ev, 1) && !ev->sym && !lg->have_crash) {
		lg->crash = *ev;
		lg->have_crash = 1;
		ps->tracing = &lg->crash;
	}
	if (!strncmp(s, "Kernel panic - not syncing", 26) && !lg->panic[0])
		copy(lg->panic, sizeof(lg->panic), s);
	return 1;
}

/* The function of an Oops is on its RIP line. */
static void rip_line(struct log *lg, const struct parser *ps, const char *s)
{
	const char *p;

	if (ps->tracing != &lg->crash || lg->crash.func[0] || strncmp(s, "RIP: ", 5))
		return;
	p = strchr(s + 5, ':');
	if (p)
		func_of(p + 1, lg->crash.func, sizeof(lg->crash.func));
}

/* One console line (a kernel record or user space's text), timestamp stripped. */
static void parse_line(struct log *lg, struct parser *ps, const char *s)
{
	static struct event ev;

	lg->lines++;
	if (trace_line(ps, s))
		return;
	driver_line(lg, s);
	memset(&ev, 0, sizeof(ev));
	copy(ev.line, sizeof(ev.line), s);
	if (warning_record(lg, ps, s, &ev) || ext4_message(lg, ps, s, &ev) ||
	    crash_record(lg, ps, s, &ev))
		return;
	rip_line(lg, ps, s);
}

static void parse(FILE *f, struct log *lg)
{
	struct parser ps = { NULL, 0 };
	char *buf = malloc(KV_LINE_MAX + 1);	/* longer lines are cut */

	while (buf && read_bounded(f, buf, KV_LINE_MAX + 1)) {
		char *s = strip(buf);
		size_t off;

		while ((off = embedded_record(s)) != 0) {
			char *rest = s + off;
			char saved = *rest;

			*rest = '\0';
			parse_line(lg, &ps, s);
			*rest = saved;
			s = strip(rest);
		}
		parse_line(lg, &ps, s);
	}
	free(buf);
}

static void print_event(FILE *o, const char *key, const struct event *ev)
{
	char trace[MAX_TRACE * 97 + 1];
	size_t n = 0;
	int i;

	emit(o, "%s: %s", key, ev->line);
	if (ev->func[0] || ev->file[0]) {
		if (ev->file[0])
			emit(o, "site: %s (%s:%d)", ev->func[0] ? ev->func : "?", ev->file,
			     ev->lineno);
		else
			emit(o, "site: %s", ev->func[0] ? ev->func : "?");
	}
	if (ev->nr_trace) {
		for (i = 0; i < ev->nr_trace; i++)
			n += (size_t)snprintf(trace + n, sizeof(trace) - n, " %s", ev->trace[i]);
		emit(o, "trace:%s", trace);
	}
}

/* ordering.txt of pintrace-report: "ordering: X", "why: ...", "invariant: ..." */
struct ordering {
	char verdict[32], why[512], invariant[256];
};

static int read_ordering(FILE *f, struct ordering *o)
{
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "ordering: ", 10))
			copy(o->verdict, sizeof(o->verdict), line + 10);
		else if (!strncmp(line, "why: ", 5))
			copy(o->why, sizeof(o->why), line + 5);
		else if (!strncmp(line, "invariant: ", 11))
			copy(o->invariant, sizeof(o->invariant), line + 11);
	}
	return o->verdict[0] ? 0 : -EINVAL;
}

static int verdict(FILE *o, const struct log *lg, const char *boot_status,
		   const struct ordering *ord)
{
	int i, rc;
	int violated = ord && !strcmp(ord->verdict, "VIOLATION");
	char cell[256];

	if (lg->have_symptom) {
		emit(o, "verdict: REPRODUCED");
		emit(o, "reason: %s", lg->symptom.sym->what);
		print_event(o, "warning", &lg->symptom);
		snprintf(cell, sizeof(cell), "REPRODUCED:%s",
			 lg->symptom.func[0] ? lg->symptom.func : lg->symptom.file);
		rc = 1;
	} else if (strcmp(boot_status, "ok")) {
		emit(o, "verdict: COULD NOT TEST");
		if (!strcmp(boot_status, "timeout"))
			emit(o, "reason: timeout: the guest did not power off in time%s",
			     lg->booted ? " (hang after init started)" : " (hang during boot)");
		else if (!strcmp(boot_status, "output-limit"))
			emit(o, "reason: output-limit: the guest wrote more than its bound to a serial file and was killed");
		else
			emit(o, "reason: %s", boot_status);
		snprintf(cell, sizeof(cell), "ERROR:%s", boot_status);
		rc = 125;
	} else if (!lg->booted) {
		emit(o, "verdict: COULD NOT TEST");
		emit(o, "reason: boot failure: the guest init never started%s%s",
		     lg->panic[0] ? ": " : "", lg->panic);
		snprintf(cell, sizeof(cell), "ERROR:boot failure");
		rc = 125;
	} else if (lg->have_crash) {
		emit(o, "verdict: COULD NOT TEST");
		emit(o, "reason: guest crash, not a known symptom of the bug class");
		print_event(o, "crash", &lg->crash);
		snprintf(cell, sizeof(cell), "ERROR:crash in %s",
			 lg->crash.func[0] ? lg->crash.func : "?");
		rc = 125;
	} else if (lg->refused) {
		emit(o, "verdict: MITIGATED");
		emit(o, "reason: the kernel refused the long-term pin at step %s with %s",
		     lg->failed_step, lg->failed_errno);
		snprintf(cell, sizeof(cell), "MITIGATED:%s", lg->failed_errno);
		rc = 0;
	} else if (lg->failed) {
		emit(o, "verdict: COULD NOT TEST");
		emit(o, "reason: scenario %s failed at step %s (%s)", lg->scenario,
		     lg->failed_step, lg->failed_errno);
		snprintf(cell, sizeof(cell), "ERROR:%s %s", lg->failed_step, lg->failed_errno);
		rc = 125;
	} else if (!lg->complete) {
		emit(o, "verdict: COULD NOT TEST");
		emit(o, "reason: console log ends before the scenario finished (truncated)");
		snprintf(cell, sizeof(cell), "ERROR:truncated log");
		rc = 125;
	} else if (violated) {
		emit(o, "verdict: VIOLATION");
		emit(o, "reason: no kernel warning, but %s", ord->invariant);
		snprintf(cell, sizeof(cell), "VIOLATION");
		rc = 1;
	} else {
		emit(o, "verdict: NOT REPRODUCED");
		emit(o, "reason: scenario %s completed; no known symptom in %ld log lines",
		     lg->scenario, lg->lines);
		snprintf(cell, sizeof(cell), "CLEAN");
		rc = 0;
	}
	if (ord)
		emit(o, "ordering: %s: %s", ord->verdict, ord->why);
	if (rc == 1 && strcmp(boot_status, "ok"))
		emit(o, "note: afterwards the guest ended with: %s", boot_status);
	if (rc == 1 && lg->have_crash)
		emit(o, "note: afterwards the guest crashed: %s", lg->crash.line);
	for (i = 0; i < lg->nr_other; i++)
		emit(o, "note: other warning: %s", lg->other[i]);
	emit(o, "cell: %s", cell);
	emit(o, "exit: %d", rc);
	return rc;
}

#ifndef FUZZING
static void usage(FILE *o)
{
	fprintf(o, "usage: gup-repro-verdict [--boot-status ok|timeout|qemu-error|output-limit]\n"
		"                         [--ordering ORDERING_TXT] CONSOLE_LOG\n"
		"exit: 1 reproduced, 0 not reproduced, 125 could not test, 2 usage\n");
}

int main(int argc, char **argv)
{
	const char *boot_status = "ok", *path = NULL, *ordering = NULL;
	struct ordering ord = { "", "", "" };
	struct log *lg = NULL;
	FILE *f = NULL, *of = NULL;
	int i, rc = 2;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--boot-status") && i + 1 < argc) {
			boot_status = argv[++i];
			if (strcmp(boot_status, "ok") && strcmp(boot_status, "timeout") &&
			    strcmp(boot_status, "qemu-error") && strcmp(boot_status, "output-limit")) {
				fprintf(stderr, "gup-repro-verdict: --boot-status takes ok, timeout, qemu-error or output-limit, not '%s'\n",
					boot_status);
				goto cleanup;
			}
		} else if (!strcmp(argv[i], "--ordering") && i + 1 < argc) {
			ordering = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			rc = 0;
			goto cleanup;
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "gup-repro-verdict: unexpected argument '%s' (try --help)\n",
				argv[i]);
			goto cleanup;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fprintf(stderr, "gup-repro-verdict: no console log given (try --help)\n");
		goto cleanup;
	}
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "gup-repro-verdict: %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	if (ordering) {
		of = fopen(ordering, "r");
		if (!of || read_ordering(of, &ord)) {
			fprintf(stderr, "gup-repro-verdict: %s: %s\n", ordering,
				of ? "no \"ordering:\" line" : strerror(errno));
			goto cleanup;
		}
	}
	lg = calloc(1, sizeof(*lg));
	if (!lg) {
		fprintf(stderr, "gup-repro-verdict: out of memory\n");
		goto cleanup;
	}
	parse(f, lg);
	rc = verdict(stdout, lg, boot_status, ordering ? &ord : NULL);
cleanup:
	free(lg);
	if (of)
		fclose(of);
	if (f)
		fclose(f);
	return rc;
}
#endif /* FUZZING */
