// SPDX-License-Identifier: GPL-2.0
/*
 * verdict-console.c - the console log of a run (gup-repro-verdict,
 * verdict.h): the first known symptom of the bug class, the first crash
 * that is not one, other WARNINGs, and in the bare CONSOLE_LOG form the
 * driver's and the guest init's status lines.
 *
 * Known symptoms are a table (symptoms[] below): the WARN_ON_ONCE in
 * ext4_dirty_folio() (v5.18+) / ext4_set_page_dirty() (v5.8..v5.17), the
 * ext4 "does not have buffers attached" warning of the writeback paths, a
 * "kernel BUG at fs/ext4/" as older kernels print it, and btrfs's "folio N
 * is marked dirty without notifying the fs" (btrfs_writepage_cow_fixup(),
 * which then fails the writeback with -EUCLEAN).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"
#include "verdict.h"

static const struct symptom symptoms[] = {
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

/* Where the lines after a kernel record belong, and the record being read. */
struct parser {
	struct event *tracing;	/* the symptom or crash whose lines follow */
	int in_trace;		/* inside its "Call Trace:" block */
	int status;		/* status lines from the console (console_parse()) */
	struct event ev;	/* the current line's record */
};

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
void status_line(struct log *lg, const char *s)
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
 * the console is read for the kernel's messages only (@ps->status 0).
 */
static void driver_line(struct log *lg, const struct parser *ps, const char *s)
{
	if (!ps->status)
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
		copy_str(lg->other[lg->nr_other++], LINE_MAX_KEEP, s);
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
			copy_str(ev->func, sizeof(ev->func), ev->sym->site);
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
		copy_str(lg->panic, sizeof(lg->panic), s);
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
	struct event *ev = &ps->ev;

	lg->lines++;
	if (trace_line(ps, s))
		return;
	driver_line(lg, ps, s);
	memset(ev, 0, sizeof(*ev));
	copy_str(ev->line, sizeof(ev->line), s);
	if (warning_record(lg, ps, s, ev) || ext4_message(lg, ps, s, ev) ||
	    crash_record(lg, ps, s, ev))
		return;
	rip_line(lg, ps, s);
}

void console_parse(FILE *f, struct log *lg, int status)
{
	struct parser ps = { .status = status };
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
