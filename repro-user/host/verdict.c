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
 * Known symptoms are a table (symptoms[] below): the WARN_ON_ONCE in
 * ext4_dirty_folio() (v5.18+) / ext4_set_page_dirty() (v5.8..v5.17), the
 * ext4 "does not have buffers attached" warning of the writeback paths, a
 * "kernel BUG at fs/ext4/" as older kernels print it, and btrfs's "folio N
 * is marked dirty without notifying the fs" (btrfs_writepage_cow_fixup(),
 * which then fails the writeback with -EUCLEAN).
 *
 * The log is untrusted (the guest kernel is deliberately corrupted): every
 * line printed goes through text_safe() (control characters and invalid
 * UTF-8 escaped as \xNN) and is at most OUT_LINE_MAX bytes long.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"
#include "stats.h"

#define MAX_TRACE	12
#define MAX_NOTES	8
#define LINE_MAX_KEEP	512
#define OUT_LINE_MAX	512	/* longest line printed, escapes included */

enum kind { K_WARNING, K_BUG_AT, K_MESSAGE };

static const struct symptom {
	enum kind kind;
	const char *match;	/* function (WARNING), path prefix (BUG), text */
	const char *what;
	const char *site;	/* K_MESSAGE: the function that prints it, if fixed */
} symptoms[] = {
	{ K_WARNING, "ext4_dirty_folio",
	  "ext4 was asked to dirty a clean folio it does not hold locked (no ->page_mkwrite)", NULL },
	{ K_WARNING, "ext4_set_page_dirty",
	  "ext4 was asked to dirty a clean page it does not hold locked (no ->page_mkwrite)", NULL },
	{ K_WARNING, "ext4_journalled_dirty_folio",
	  "ext4 (data=journal) dirtied a folio without buffer heads", NULL },
	{ K_MESSAGE, "does not have buffers attached",
	  "ext4 writeback found a dirty page without buffer heads", NULL },
	{ K_MESSAGE, "is marked dirty without notifying the fs",
	  "btrfs writeback found a folio dirtied without ->page_mkwrite and refused it (EUCLEAN)",
	  "btrfs_writepage_cow_fixup" },
	{ K_BUG_AT, "fs/ext4/",
	  "ext4 hit a BUG_ON while handling the GUP-dirtied page", NULL },
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
	char guest_error[128];		/* guest.log "gupr-meta: error=" */
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

/*
 * "scenario=NAME status=complete|failed|refused [step=S] [errno=E]": the
 * status of the driver or a trigger, from the console (bare console mode)
 * or guest.log's "gupr-meta: scenario=..." line (--dir mode).
 */
static void status_line(struct log *lg, const char *s)
{
	const char *p;

	if (strncmp(s, "scenario=", 9) || !strstr(s, " status="))
		return;
	sscanf(s + 9, "%63s", lg->scenario);
	lg->complete = lg->failed = lg->refused = 0;
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

/*
 * The guest init's and the driver's status lines ("gup-repro: ...").  In
 * --dir mode the status comes from steps.jsonl and guest.log instead, and
 * the console is read for the kernel's messages only (@console_status 0).
 */
static int console_status = 1;

static void driver_line(struct log *lg, const char *s)
{
	if (!console_status)
		return;
	if (!strncmp(s, "gup-repro: guest init started", 29)) {
		lg->booted = 1;
	} else if (!strncmp(s, "gup-repro: guest done rc=", 25)) {
		lg->done = 1;
		lg->guest_rc = parse_int(s + 25);
	} else if (!strncmp(s, "gup-repro: ", 11)) {
		status_line(lg, s + 11);
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

	if (!strstr(s, "EXT4-fs") && !strstr(s, "does not have buffers") && !strstr(s, "BTRFS"))
		return 0;
	ev->sym = match(K_MESSAGE, ev, s);
	if (ev->sym && !lg->have_symptom) {
		p = strstr(s, "): ");
		if (ev->sym->site) {
			copy(ev->func, sizeof(ev->func), ev->sym->site);
		} else if (p) {
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

/*
 * ordering.txt of pintrace-report: "ordering: X", "why: ...", "invariant:
 * ...", and "private: ..." when the violating folio lost its buffer heads
 * between the clean and the dirtying.
 */
struct ordering {
	char verdict[32], why[512], invariant[256], private[384];
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
		else if (!strncmp(line, "private: ", 9) && !o->private[0])
			copy(o->private, sizeof(o->private), line + 9);
	}
	return o->verdict[0] ? 0 : -EINVAL;
}

/**
 * struct oracles - what a run directory says besides the console
 * @dir: the run directory (--dir mode), else NULL.
 * @integ: the driver wrote an integrity summary record.
 * @integ_pages: pages compared.
 * @integ_ok: pages as expected.
 * @integ_lost: pages with a difference that is not an expected loss.
 * @integ_excused: pages whose writes are not expected on disk (README).
 * @integ_method: how the file was read back ("O_DIRECT", "buffered",
 *	"remount after O_DIRECT EUCLEAN": the direct read failed, the guest
 *	unmounted and mounted the filesystem again and read it buffered).
 * @integ_how: the read-back in words, for the DATA LOSS reason.
 * @integ_error: why the check could not run, or "".
 * @integ_fsync: the errno name the check's own fsync() returned, or "".
 * @integ_ms: how long the check took in the guest, in ms (-1: not said).
 * @lost_page: first lost page.
 * @lost_off: its first differing byte, from the start of the file.
 * @lost_want: the byte expected there.
 * @lost_found: the byte found.
 * @lost_writer: who wrote the expected byte ("user", "pin", "file").
 * @fsck: fsck.txt was present.
 * @fsck_tool: e2fsck, xfs_repair, btrfs.
 * @fsck_cmd: the command line run on the host.
 * @fsck_rc: its exit status, or -1.
 * @fsck_skip: why the checker did not run, or "".
 * @fsck_lines: the first lines of its output that name a problem.
 * @nr_fsck_lines: lines in @fsck_lines.
 * @unmounted: the guest unmounted the scratch filesystem cleanly.
 * @wb_error: the first writeback error a sync step reported ("fsync
 *	EUCLEAN"), from the driver's status record, or "".
 * @kernel_label: --kernel-label.
 * @trace_note: --trace-note.
 */
struct oracles {
	const char *dir;
	int integ;
	long integ_pages, integ_ok, integ_lost, integ_excused;
	char integ_method[64], integ_how[96], integ_error[128], integ_fsync[32];
	double integ_ms;
	long lost_page, lost_off;
	int lost_want, lost_found;
	char lost_writer[16];
	int fsck;
	char fsck_tool[32], fsck_cmd[256], fsck_skip[256];
	int fsck_rc;
	char fsck_lines[4][256];
	int nr_fsck_lines;
	int unmounted;
	char wb_error[96];
	const char *kernel_label, *trace_note;
};

/* The string value of "key" in one JSON line, bounded; "" if absent. */
static void json_str(const char *line, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	while (p[n] && p[n] != '"' && n + 1 < len)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The number value of "key" in one JSON line; @def if absent. */
static long json_num(const char *line, const char *key, long def)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return def;
	return strtol(p + strlen(pat), NULL, 10);
}

/*
 * The read-back method with the direct read's error when the driver fell
 * back to a remount ("direct_error" of the integrity summary): "remount
 * after O_DIRECT EUCLEAN".
 */
static void integ_method_note(const char *line, struct oracles *or)
{
	char direct[32], method[32];

	json_str(line, "direct_error", direct, sizeof(direct));
	snprintf(or->integ_how, sizeof(or->integ_how), "with %s after sync and a page-cache drop",
		 or->integ_method);
	if (!direct[0])
		return;
	snprintf(method, sizeof(method), "%s", or->integ_method);
	snprintf(or->integ_method, sizeof(or->integ_method), "%s after O_DIRECT %s", method, direct);
	snprintf(or->integ_how, sizeof(or->integ_how),
		 "after unmounting and mounting the filesystem, as the O_DIRECT read failed with %s", direct);
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "r");
}

/*
 * steps.jsonl: the driver's status record ({"event":"status",...}) and its
 * integrity records ({"event":"integrity",...} per page, then
 * {"event":"integrity-summary",...}).
 */
static void read_steps(const char *dir, struct log *lg, struct oracles *or)
{
	char *buf = malloc(KV_LINE_MAX + 1), v[64], st[256];
	FILE *f = open_in(dir, "steps.jsonl");

	while (f && buf && read_bounded(f, buf, KV_LINE_MAX + 1)) {
		json_str(buf, "event", v, sizeof(v));
		if (!strncmp(v, "integrity", 9)) {
			char phase[16];

			json_str(buf, "phase", phase, sizeof(phase));
			if (!strcmp(phase, "step"))	/* a verify-disk step's check */
				continue;
		}
		if (!strcmp(v, "status")) {
			char scen[64], status[16], step[64], err[32];

			json_str(buf, "scenario", scen, sizeof(scen));
			json_str(buf, "status", status, sizeof(status));
			json_str(buf, "step", step, sizeof(step));
			json_str(buf, "errname", err, sizeof(err));
			snprintf(st, sizeof(st), "scenario=%s status=%s step=%s errno=%s",
				 scen[0] ? scen : "?", status, step, err);
			status_line(lg, st);
			json_str(buf, "writeback_error", or->wb_error, sizeof(or->wb_error));
		} else if (!strcmp(v, "integrity")) {
			json_str(buf, "result", v, sizeof(v));
			if (strcmp(v, "lost") || or->integ_lost++)
				continue;
			or->lost_page = json_num(buf, "page", -1);
			or->lost_off = json_num(buf, "first_diff", -1);
			or->lost_want = (int)json_num(buf, "expected_byte", -1);
			or->lost_found = (int)json_num(buf, "found_byte", -1);
			json_str(buf, "writer", or->lost_writer, sizeof(or->lost_writer));
		} else if (!strcmp(v, "integrity-summary")) {
			or->integ = 1;
			or->integ_pages = json_num(buf, "pages", 0);
			or->integ_ok = json_num(buf, "ok", 0);
			or->integ_excused = json_num(buf, "excused", 0);
			json_str(buf, "method", or->integ_method, sizeof(or->integ_method));
			or->integ_ms = strstr(buf, "\"ms\":") ?
				strtod(strstr(buf, "\"ms\":") + 5, NULL) : -1;
			json_str(buf, "error", or->integ_error, sizeof(or->integ_error));
			json_str(buf, "fsync_error", or->integ_fsync, sizeof(or->integ_fsync));
			integ_method_note(buf, or);
		}
	}
	free(buf);
	if (f)
		fclose(f);
}

/* guest.log: boot, a trigger's status, an init error, the unmount. */
static void read_guest(const char *dir, struct log *lg, struct oracles *or)
{
	char *buf = malloc(KV_LINE_MAX + 1);
	FILE *f = open_in(dir, "guest.log");

	while (f && buf && read_bounded(f, buf, KV_LINE_MAX + 1)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (strncmp(buf, "gupr-meta: ", 11))
			continue;
		if (!strncmp(buf + 11, "kernel=", 7))
			lg->booted = 1;
		else if (!strncmp(buf + 11, "scenario=", 9))
			status_line(lg, buf + 11);
		else if (!strncmp(buf + 11, "error=", 6) && !lg->guest_error[0])
			copy(lg->guest_error, sizeof(lg->guest_error), buf + 17);
		else if (!strcmp(buf + 11, "umount=ok"))
			or->unmounted = 1;
	}
	free(buf);
	if (f)
		fclose(f);
}

/*
 * fsck.txt, written on the host after the guest powered off:
 *   fsck-tool: e2fsck|xfs_repair|btrfs   fsck-command: ...   fsck-exit: N
 *   fsck-skipped: WHY                     then the tool's output.
 */
static void read_fsck(const char *dir, struct oracles *or)
{
	char *buf = malloc(KV_LINE_MAX + 1);
	FILE *f = open_in(dir, "fsck.txt");
	int body = 0;

	or->fsck_rc = -1;
	if (!f) {
		free(buf);
		return;
	}
	or->fsck = 1;
	while (buf && read_bounded(f, buf, KV_LINE_MAX + 1)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (!body && !strncmp(buf, "fsck-tool: ", 11)) {
			copy(or->fsck_tool, sizeof(or->fsck_tool), buf + 11);
		} else if (!body && !strncmp(buf, "fsck-command: ", 14)) {
			copy(or->fsck_cmd, sizeof(or->fsck_cmd), buf + 14);
		} else if (!body && !strncmp(buf, "fsck-exit: ", 11)) {
			or->fsck_rc = parse_int(buf + 11);
		} else if (!body && !strncmp(buf, "fsck-skipped: ", 14)) {
			copy(or->fsck_skip, sizeof(or->fsck_skip), buf + 14);
		} else if (!body && !strcmp(buf, "output:")) {
			body = 1;
		} else if (body && buf[0] && or->nr_fsck_lines < 4 &&
			   strncmp(buf, "Pass ", 5) && strncmp(buf, "Phase ", 6) &&
			   strncmp(buf, "        - ", 10) && strncmp(buf, "[", 1) &&
			   strncmp(buf, "Opening ", 8) && strncmp(buf, "Checking ", 9) &&
			   strncmp(buf, "e2fsck ", 7) && strncmp(buf, "No modify flag", 14) &&
			   strncmp(buf, "gupr-scratch: ", 14)) {
			copy(or->fsck_lines[or->nr_fsck_lines++], sizeof(or->fsck_lines[0]), buf);
		}
	}
	free(buf);
	fclose(f);
}

enum fsck_state { FSCK_NONE, FSCK_CLEAN, FSCK_DAMAGE, FSCK_DIRTY_LOG, FSCK_FAILED };

/*
 * The checker's exit status, by its own manual: e2fsck -n 0 clean, 4
 * errors left uncorrected, 8 and up an operational error; xfs_repair -n 0
 * clean, 1 corruption, 2 a dirty log it did not replay; btrfs check
 * --readonly 0 clean, 1 errors (or it could not open the image).
 */
static enum fsck_state fsck_state(const struct oracles *or)
{
	if (!or->fsck || or->fsck_skip[0] || or->fsck_rc < 0)
		return FSCK_NONE;
	if (or->fsck_rc == 0)
		return FSCK_CLEAN;
	if (!strcmp(or->fsck_tool, "e2fsck"))
		return or->fsck_rc >= 8 ? FSCK_FAILED : FSCK_DAMAGE;
	if (!strcmp(or->fsck_tool, "xfs_repair"))
		return or->fsck_rc == 2 ? FSCK_DIRTY_LOG : or->fsck_rc == 1 ?
			FSCK_DAMAGE : FSCK_FAILED;
	if (!strcmp(or->fsck_tool, "btrfs"))
		return or->fsck_rc == 1 ? FSCK_DAMAGE : FSCK_FAILED;
	return FSCK_FAILED;
}

static const char *byte_name(int b, char *buf, size_t len)
{
	if (b < 0)
		snprintf(buf, len, "?");
	else if (b >= 0x21 && b < 0x7f)
		snprintf(buf, len, "'%c' (0x%02x)", b, b);
	else
		snprintf(buf, len, "0x%02x", b);
	return buf;
}

static void print_symptom(FILE *o, const struct log *lg)
{
	print_event(o, "warning", &lg->symptom);
}

/* The integrity and fsck lines of a verdict block. */
static void emit_oracles(FILE *o, const struct log *lg, const struct oracles *or,
			 enum fsck_state fs, int corrupt)
{
	if (or && or->integ) {
		char ms[32] = "";

		if (or->integ_ms >= 0 && or->integ_ms < 1e9)
			snprintf(ms, sizeof(ms), ", %.0f ms", or->integ_ms);
		if (or->integ_error[0])
			emit(o, "integrity: not checked: %s (%s)", or->integ_error, or->integ_method);
		else
			emit(o, "integrity: %ld of %ld pages as expected, %ld lost, %ld not expected on disk (%s%s)%s%s",
			     or->integ_ok, or->integ_pages, or->integ_lost, or->integ_excused,
			     or->integ_method, ms, or->integ_fsync[0] ? "; its fsync: " : "",
			     or->integ_fsync);
	}
	else if (or && lg->complete)
		emit(o, "integrity: not checked (no integrity record)");
	if (or && or->fsck) {
		static const char *const names[] = { "not run", "clean", "DAMAGE", "log not replayed",
						     "checker failed" };

		if (or->fsck_skip[0])
			emit(o, "fsck: not run: %s", or->fsck_skip);
		else
			emit(o, "fsck: %s: %s (exit %d)%s", or->fsck_tool, names[fs], or->fsck_rc,
			     fs == FSCK_DAMAGE && !corrupt ? ", not counted: the guest did not unmount cleanly" : "");
	}
}

/* The notes of a verdict block: what else happened besides the verdict. */
static void emit_notes(FILE *o, const struct log *lg, const struct oracles *or,
		       const char *boot_status, int rc, int corrupt, int lost)
{
	int i;

	if (rc == 1 && (corrupt || lost) && lg->have_symptom)
		emit(o, "note: the kernel also warned (REPRODUCED:%s)",
		     lg->symptom.func[0] ? lg->symptom.func : lg->symptom.file);
	if (or && or->wb_error[0])
		emit(o, "note: the filesystem reported a writeback error to the application: %s",
		     or->wb_error);
	if (rc == 1 && corrupt && lost)
		emit(o, "note: data was lost too (page %ld, file offset %ld)", or->lost_page, or->lost_off);
	if (rc == 1 && strcmp(boot_status, "ok"))
		emit(o, "note: afterwards the guest ended with: %s", boot_status);
	if (rc == 1 && lg->have_crash)
		emit(o, "note: afterwards the guest crashed: %s", lg->crash.line);
	for (i = 0; i < lg->nr_other; i++)
		emit(o, "note: other warning: %s", lg->other[i]);
}

/*
 * The outcomes of a run, one function each: each emits the "verdict:" and "reason:" lines (and
 * any lines that belong under the reason), fills the matrix cell and returns the exit code.
 */
static int outcome_corrupt(FILE *o, const struct oracles *or, char *cell, size_t n)
{
	int i;

	emit(o, "verdict: FS CORRUPTION");
	emit(o, "reason: %s found damage on the scratch image after the guest unmounted it (%s, exit %d)",
	     or->fsck_tool, or->fsck_cmd, or->fsck_rc);
	for (i = 0; i < or->nr_fsck_lines; i++)
		emit(o, "fsck-says: %s", or->fsck_lines[i]);
	snprintf(cell, n, "CORRUPT:%s", or->fsck_tool);
	return 1;
}

static int outcome_lost(FILE *o, const struct oracles *or, char *cell, size_t n)
{
	char a[32], b[32];

	emit(o, "verdict: DATA LOSS");
	emit(o, "reason: page %ld of the victim: expected %s written through the %s, found %s on disk at file offset %ld (read back %s)",
	     or->lost_page, byte_name(or->lost_want, a, sizeof(a)),
	     !strcmp(or->lost_writer, "pin") ? "pin (kernel)" :
	     !strcmp(or->lost_writer, "user") ? "user mapping" : or->lost_writer,
	     byte_name(or->lost_found, b, sizeof(b)), or->lost_off, or->integ_how);
	snprintf(cell, n, "LOSS");
	return 1;
}

static int outcome_symptom(FILE *o, const struct log *lg, const struct ordering *ord, char *cell,
			   size_t n)
{
	emit(o, "verdict: REPRODUCED");
	if (ord && ord->private[0] && !strncmp(lg->symptom.sym->match, "ext4_", 5) &&
	    lg->symptom.sym->kind == K_WARNING)
		/* ext4_dirty_folio's other WARN_ON_ONCE: !folio_buffers() */
		emit(o, "reason: ext4 was asked to dirty a folio whose buffer heads were released while the page was held (no ->page_mkwrite)");
	else
		emit(o, "reason: %s", lg->symptom.sym->what);
	snprintf(cell, n, "REPRODUCED:%s",
		 lg->symptom.func[0] ? lg->symptom.func : lg->symptom.file);
	return 1;
}

/* The guest did not run the scenario to its end: it was killed, never booted or crashed. */
static int outcome_no_run(FILE *o, const struct log *lg, const char *boot_status, char *cell,
			  size_t n)
{
	emit(o, "verdict: COULD NOT TEST");
	if (strcmp(boot_status, "ok")) {
		if (!strcmp(boot_status, "timeout"))
			emit(o, "reason: timeout: the guest did not power off in time%s",
			     lg->booted ? " (hang after init started)" : " (hang during boot)");
		else if (!strcmp(boot_status, "output-limit"))
			emit(o, "reason: output-limit: the guest wrote more than its bound to a serial file and was killed");
		else
			emit(o, "reason: %s", boot_status);
		snprintf(cell, n, "ERROR:%s", boot_status);
	} else if (!lg->booted) {
		emit(o, "reason: boot failure: the guest init never started%s%s",
		     lg->panic[0] ? ": " : "", lg->panic);
		snprintf(cell, n, "ERROR:boot failure");
	} else {
		emit(o, "reason: guest crash, not a known symptom of the bug class");
		print_event(o, "crash", &lg->crash);
		snprintf(cell, n, "ERROR:crash in %s", lg->crash.func[0] ? lg->crash.func : "?");
	}
	return 125;
}

static int outcome_mitigated(FILE *o, const struct log *lg, char *cell, size_t n)
{
	emit(o, "verdict: MITIGATED");
	emit(o, "reason: the kernel refused the long-term pin at step %s with %s",
	     lg->failed_step, lg->failed_errno);
	snprintf(cell, n, "MITIGATED:%s", lg->failed_errno);
	return 0;
}

/* The guest ran but the scenario failed or its log stops before the end. */
static int outcome_unfinished(FILE *o, const struct log *lg, const struct oracles *or, char *cell,
			      size_t n)
{
	emit(o, "verdict: COULD NOT TEST");
	if (lg->failed) {
		emit(o, "reason: scenario %s failed at step %s (%s)", lg->scenario,
		     lg->failed_step, lg->failed_errno);
		snprintf(cell, n, "ERROR:%s %s", lg->failed_step, lg->failed_errno);
	} else if (lg->guest_error[0]) {
		emit(o, "reason: the guest init failed: %s", lg->guest_error);
		snprintf(cell, n, "ERROR:%s", lg->guest_error);
	} else {
		emit(o, or ? "reason: the scenario did not finish (no status record in steps.jsonl or guest.log)" :
		     "reason: console log ends before the scenario finished (truncated)");
		snprintf(cell, n, "ERROR:truncated log");
	}
	return 125;
}

static int outcome_violation(FILE *o, const struct ordering *ord, char *cell, size_t n)
{
	emit(o, "verdict: VIOLATION");
	emit(o, "reason: no kernel warning, but %s", ord->invariant);
	snprintf(cell, n, "VIOLATION");
	return 1;
}

static int outcome_clean(FILE *o, const struct log *lg, char *cell, size_t n)
{
	emit(o, "verdict: NOT REPRODUCED");
	emit(o, "reason: scenario %s completed; no known symptom in %ld log lines",
	     lg->scenario, lg->lines);
	snprintf(cell, n, "CLEAN");
	return 0;
}

static int verdict(FILE *o, const struct log *lg, const char *boot_status,
		   const struct ordering *ord, const struct oracles *or)
{
	int rc;
	int violated = ord && !strcmp(ord->verdict, "VIOLATION");
	enum fsck_state fs = or ? fsck_state(or) : FSCK_NONE;
	int ran = !strcmp(boot_status, "ok") && lg->booted && !lg->have_crash;
	int corrupt = ran && fs == FSCK_DAMAGE && or->unmounted;
	int lost = ran && or && or->integ && or->integ_lost > 0;
	char cell[256];

	/* The first that applies, in this order, decides. */
	if (corrupt)
		rc = outcome_corrupt(o, or, cell, sizeof(cell));
	else if (lost)
		rc = outcome_lost(o, or, cell, sizeof(cell));
	else if (lg->have_symptom)
		rc = outcome_symptom(o, lg, ord, cell, sizeof(cell));
	else if (!ran)
		rc = outcome_no_run(o, lg, boot_status, cell, sizeof(cell));
	else if (lg->refused)
		rc = outcome_mitigated(o, lg, cell, sizeof(cell));
	else if (lg->failed || !lg->complete)
		rc = outcome_unfinished(o, lg, or, cell, sizeof(cell));
	else if (violated)
		rc = outcome_violation(o, ord, cell, sizeof(cell));
	else
		rc = outcome_clean(o, lg, cell, sizeof(cell));

	if (lg->have_symptom)
		print_symptom(o, lg);
	if (ord)
		emit(o, "ordering: %s: %s", ord->verdict, ord->why);
	if (ord && ord->private[0])
		emit(o, "buffers: %s", ord->private);
	emit_oracles(o, lg, or, fs, corrupt);
	emit_notes(o, lg, or, boot_status, rc, corrupt, lost);
	if (or && or->kernel_label)
		emit(o, "kernel: %s", or->kernel_label);
	if (or && or->trace_note)
		emit(o, "trace: %s", or->trace_note);
	emit(o, "cell: %s", cell);
	emit(o, "exit: %d", rc);
	return rc;
}

/* --error REASON / --interrupted SIG: runs that never reached a verdict. */
static int verdict_error(FILE *o, const char *reason, const char *sig, const char *phase,
			 const struct oracles *or)
{
	int rc = 125;

	emit(o, "verdict: COULD NOT TEST");
	if (sig) {
		rc = !strcmp(sig, "INT") ? 130 : !strcmp(sig, "TERM") ? 143 : 129;
		emit(o, "reason: interrupted by SIG%s during %s", sig, phase ? phase : "?");
	} else {
		emit(o, "reason: %s", reason);
	}
	if (or->kernel_label)
		emit(o, "kernel: %s", or->kernel_label);
	if (or->trace_note)
		emit(o, "trace: %s", or->trace_note);
	if (sig)
		emit(o, "cell: ERROR:interrupted");
	else
		emit(o, "cell: ERROR:%.60s", reason);
	emit(o, "exit: %d", rc);
	return rc;
}

static int reproducing(const char *v)
{
	return !strcmp(v, "REPRODUCED") || !strcmp(v, "VIOLATION") ||
	       !strcmp(v, "DATA LOSS") || !strcmp(v, "FS CORRUPTION");
}

/* the verdicts of --repeat, in the order their counts are printed */
static const char *const repeat_order[] = { "FS CORRUPTION", "DATA LOSS", "REPRODUCED",
					    "VIOLATION", "NOT REPRODUCED", "MITIGATED",
					    "COULD NOT TEST" };
#define NR_REPEAT_ORDER 7

/* The tally of --repeat's runs: counts per verdict, reproduced, tested. */
struct repeat_tally {
	long per[NR_REPEAT_ORDER], repro, tested, untested;
};

/*
 * Read run-01 .. run-N/verdict.txt of @dir: each run's cell into @cells
 * (a run without a verdict is COULD NOT TEST, "ERROR:no verdict") and the
 * counts into @t.
 */
static void read_repeat_runs(const char *dir, long n, char (*cells)[128], struct repeat_tally *t)
{
	long i;

	for (i = 0; i < n; i++) {
		char sub[64], v[64] = "", c[128] = "";
		FILE *f;
		int k;

		snprintf(sub, sizeof(sub), "run-%02ld/verdict.txt", i + 1);
		f = open_in(dir, sub);
		if (f) {
			kv_get(f, "verdict: ", v, sizeof(v));
			rewind(f);
			kv_get(f, "cell: ", c, sizeof(c));
			fclose(f);
		}
		for (k = 0; k < NR_REPEAT_ORDER && strcmp(v, repeat_order[k]); k++)
			;
		if (k == NR_REPEAT_ORDER) {
			k = NR_REPEAT_ORDER - 1;
			snprintf(c, sizeof(c), "ERROR:no verdict");
		}
		t->per[k]++;
		snprintf(cells[i], sizeof(cells[i]), "%s", c);
		if (reproducing(repeat_order[k]))
			t->repro++, t->tested++;
		else if (k == NR_REPEAT_ORDER - 1)
			t->untested++;
		else
			t->tested++;
	}
}

/* The matrix cell of N runs: the commonest reproducing cell, else the commonest. */
static void repeat_cell(char (*cells)[128], long n, char *best, size_t len)
{
	long bestn = -1, i, j;
	int bestr = -1;

	best[0] = '\0';
	for (i = 0; i < n; i++) {
		int r = !strncmp(cells[i], "REPRODUCED", 10) || !strcmp(cells[i], "VIOLATION") ||
			!strcmp(cells[i], "LOSS") || !strncmp(cells[i], "CORRUPT", 7);
		long cnt = 0;

		for (j = 0; j < n; j++)
			cnt += !strcmp(cells[i], cells[j]);
		if (r > bestr || (r == bestr && cnt > bestn)) {
			bestr = r;
			bestn = cnt;
			snprintf(best, len, "%s", cells[i]);
		}
	}
}

/*
 * --repeat-dir DIR --runs N: one verdict over DIR/run-01 .. run-N.  Rule:
 * exit 1 if any run reproduced (REPRODUCED, VIOLATION, DATA LOSS, FS
 * CORRUPTION), else 125 if any could not be tested, else 0.
 */
static int verdict_repeat(FILE *o, const char *dir, long n)
{
	struct repeat_tally t = {};
	char (*cells)[128] = calloc((size_t)n, sizeof(*cells));
	char counts[512] = "", w[64], best[128];
	size_t off = 0;
	long i;

	if (!cells)
		return 2;
	read_repeat_runs(dir, n, cells, &t);
	for (i = 0; i < NR_REPEAT_ORDER; i++)
		if (t.per[i])
			off += (size_t)snprintf(counts + off, sizeof(counts) - off, "%s%s %ld",
						off ? ", " : "", repeat_order[i], t.per[i]);
	repeat_cell(cells, n, best, sizeof(best));
	free(cells);
	if (t.tested) {
		wilson(t.repro, t.tested, w, sizeof(w));
		emit(o, "verdict: %s of %ld runs; reproduced %ld/%ld = %.1f%% (95%% Wilson interval %s)",
		     counts, n, t.repro, t.tested, 100.0 * (double)t.repro / (double)t.tested, w);
	} else {
		emit(o, "verdict: %s of %ld runs; no run could be tested", counts, n);
	}
	emit(o, "runs: %ld", n);
	emit(o, "reproduced: %ld", t.repro);
	emit(o, "tested: %ld", t.tested);
	emit(o, "could-not-test: %ld", t.untested);
	emit(o, "rule: exit 1 if any run reproduced (REPRODUCED, VIOLATION, DATA LOSS or FS CORRUPTION), else 125 if any run could not be tested, else 0; the rate counts reproduced runs among tested runs");
	emit(o, "cell: %s", best);
	i = t.repro ? 1 : t.untested ? 125 : 0;
	emit(o, "exit: %ld", i);
	return (int)i;
}

#ifndef FUZZING
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

static int boot_status_ok(const char *s)
{
	return !strcmp(s, "ok") || !strcmp(s, "timeout") || !strcmp(s, "qemu-error") ||
	       !strcmp(s, "output-limit");
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
 * Parse the command line into @a and @or (kernel label, trace note).
 * Returns -1 to go on, else the exit status (0 after --help, 2 bad usage).
 */
static int parse_args(int argc, char **argv, struct vargs *a, struct oracles *or)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		} else if (o[0] == '-' && !v) {
			fprintf(stderr, "gup-repro-verdict: %s needs a value (try --help)\n", o);
			return 2;
		} else if (!strcmp(o, "--boot-status")) {
			a->boot_status = v;
			if (!boot_status_ok(v)) {
				fprintf(stderr, "gup-repro-verdict: --boot-status takes ok, timeout, qemu-error or output-limit, not '%s'\n",
					v);
				return 2;
			}
		} else if (!strcmp(o, "--ordering")) {
			a->ordering = v;
		} else if (!strcmp(o, "--dir")) {
			a->dir = v;
		} else if (!strcmp(o, "--kernel-label")) {
			or->kernel_label = v;
		} else if (!strcmp(o, "--trace-note")) {
			or->trace_note = v;
		} else if (!strcmp(o, "--error")) {
			a->error_reason = v;
		} else if (!strcmp(o, "--interrupted")) {
			a->sig = v;
			if (strcmp(v, "INT") && strcmp(v, "TERM") && strcmp(v, "HUP")) {
				fprintf(stderr, "gup-repro-verdict: --interrupted takes INT, TERM or HUP, not '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(o, "--phase")) {
			a->phase = v;
		} else if (!strcmp(o, "--repeat-dir")) {
			a->rdir = v;
		} else if (!strcmp(o, "--runs")) {
			a->runs = strtol(v, NULL, 10);
			if (a->runs < 1 || a->runs > 1000) {
				fprintf(stderr, "gup-repro-verdict: --runs takes 1..1000, not '%s'\n", v);
				return 2;
			}
		} else if (!strcmp(o, "--seconds")) {
			a->seconds = v;
		} else if (o[0] == '-' || a->path) {
			fprintf(stderr, "gup-repro-verdict: unexpected argument '%s' (try --help)\n", o);
			return 2;
		} else {
			a->path = o;
			continue;
		}
		i++;
	}
	if (a->rdir ? (!a->runs || a->dir || a->path) :
	    a->dir ? !!a->path : (!a->path || a->error_reason || a->sig)) {
		fprintf(stderr, "gup-repro-verdict: give --dir RUN_DIR, --repeat-dir DIR --runs N, or one CONSOLE_LOG (try --help)\n");
		return 2;
	}
	return -1;
}

/* A run directory's boot status: run.txt's "boot-status:", else "ok". */
static const char *dir_boot_status(const char *dir, char *bs, size_t len)
{
	FILE *rf = open_in(dir, "run.txt");

	bs[0] = '\0';
	if (rf) {
		kv_get(rf, "boot-status: ", bs, len);
		fclose(rf);
	}
	bs[strcspn(bs, " ")] = '\0';
	return boot_status_ok(bs) ? bs : "ok";
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
	FILE *f = NULL, *of = NULL;
	int rc = -2, have_ord = 0;

	if (a->dir) {
		console_status = 0;
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
		goto cleanup;
	}
	if (a->dir) {
		of = open_in(a->dir, "ordering.txt");
		if (of && !read_ordering(of, &ord))
			have_ord = 1;
	} else if (a->ordering) {
		of = fopen(a->ordering, "r");
		if (!of || read_ordering(of, &ord)) {
			fprintf(stderr, "gup-repro-verdict: %s: %s\n", a->ordering,
				of ? "no \"ordering:\" line" : strerror(errno));
			goto cleanup;
		}
		have_ord = 1;
	}
	lg = calloc(1, sizeof(*lg));
	if (!lg) {
		fprintf(stderr, "gup-repro-verdict: out of memory\n");
		goto cleanup;
	}
	parse(f, lg);
	if (a->dir) {
		read_guest(a->dir, lg, or);
		read_steps(a->dir, lg, or);
		read_fsck(a->dir, or);
	}
	rc = verdict(o, lg, boot_status, have_ord ? &ord : NULL, a->dir ? or : NULL);
cleanup:
	free(lg);
	if (of)
		fclose(of);
	if (f)
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
#endif /* FUZZING */
