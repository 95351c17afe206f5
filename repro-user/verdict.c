// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-verdict - classify a guest console log (host side).
 *
 *   gup-repro-verdict [--boot-status ok|timeout|qemu-error]
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
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRACE	12
#define MAX_NOTES	8
#define LINE_MAX_KEEP	512

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

/* "func+0x1f/0x30 [mod]" -> "func" */
static void func_of(const char *s, char *out, size_t len)
{
	size_t n = strcspn(s, "+ \t");

	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/*
 * Two formats of __warn()'s first line:
 *   up to v6.x: WARNING: CPU: 0 PID: 128 at fs/ext4/inode.c:3663 ext4_dirty_folio+0x1f/0x30
 *   v7.x:       WARNING: fs/ext4/inode.c:3953 at ext4_dirty_folio+0x27/0x40, CPU#1: gup-repro/178
 */
static int parse_warning(const char *s, struct event *ev)
{
	const char *at = strstr(s, " at ");
	const char *loc, *colon, *end;

	if (strncmp(s, "WARNING: ", 9) || !at)
		return 0;
	if (!strncmp(s + 9, "CPU: ", 5)) {		/* FILE:LINE FUNC after " at " */
		loc = at + 4;
		end = strchr(loc, ' ');
		if (!end)
			return 0;
		func_of(end + 1, ev->func, sizeof(ev->func));
	} else {					/* FILE:LINE before " at ", FUNC after */
		loc = s + 9;
		end = at;
		func_of(at + 4, ev->func, sizeof(ev->func));
		ev->func[strcspn(ev->func, ",")] = '\0';
	}
	colon = memchr(loc, ':', (size_t)(end - loc));
	if (!colon)
		return 0;
	snprintf(ev->file, sizeof(ev->file), "%.*s", (int)(colon - loc), loc);
	ev->lineno = atoi(colon + 1);
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
	ev->lineno = atoi(colon + 1);
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

/* Keep the function names of a "Call Trace:" block, reliable frames only. */
static void add_trace(struct event *ev, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	/* frames look like "func+0x67c/0x9c1 [mod]"; other lines interleave */
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

	while ((p = strchr(p + 1, '[')) != NULL) {
		const char *e = strchr(p, ']');
		size_t n = e ? (size_t)(e - p - 1) : 0;

		if (n >= 3 && strspn(p + 1, " 0123456789.") == n &&
		    memchr(p, '.', n + 1) && isdigit((unsigned char)e[-1]))
			return (size_t)(p - s);
	}
	return 0;
}

struct parser {
	struct event *tracing;
	int in_trace;
};

static void parse_line(struct log *lg, struct parser *ps, char *s);

static void parse(FILE *f, struct log *lg)
{
	struct parser ps = { NULL, 0 };
	char *buf = NULL;
	size_t cap = 0;

	while (getline(&buf, &cap, f) > 0) {
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

static void parse_line(struct log *lg, struct parser *ps, char *s)
{
	struct event *tracing = ps->tracing;
	int in_trace = ps->in_trace;
	struct event ev;
	const char *p;

	lg->lines++;
	if (tracing) {
		if (!strncmp(s, "Call Trace:", 11)) {
			in_trace = 1;
			goto out;
		}
		if (!strncmp(s, "---[ end trace", 14) || !strncmp(s, "</TASK>", 7) ||
		    !strncmp(s, "gup-repro:", 10)) {
			tracing = NULL;
			in_trace = 0;
		} else if (in_trace) {
			add_trace(tracing, s);
			goto out;
		}
	}
	if (!strncmp(s, "gup-repro: guest init started", 29)) {
		lg->booted = 1;
	} else if (!strncmp(s, "gup-repro: guest done rc=", 25)) {
		lg->done = 1;
		lg->guest_rc = atoi(s + 25);
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

	memset(&ev, 0, sizeof(ev));
	copy(ev.line, sizeof(ev.line), s);
	if (parse_warning(s, &ev)) {
		ev.sym = match(K_WARNING, &ev, s);
		if (ev.sym && !lg->have_symptom) {
			lg->symptom = ev;
			lg->have_symptom = 1;
			tracing = &lg->symptom;
		} else if (!ev.sym && lg->nr_other < MAX_NOTES) {
			copy(lg->other[lg->nr_other++], LINE_MAX_KEEP, s);
		}
		goto out;
	}
	if (strstr(s, "EXT4-fs") || strstr(s, "does not have buffers")) {
		ev.sym = match(K_MESSAGE, &ev, s);
		if (ev.sym && !lg->have_symptom) {
			/* EXT4-fs warning (device vda): FUNC:LINE: ... */
			p = strstr(s, "): ");
			if (p) {
				func_of(p + 3, ev.func, sizeof(ev.func));
				ev.func[strcspn(ev.func, ":")] = '\0';
			}
			lg->symptom = ev;
			lg->have_symptom = 1;
		}
		goto out;
	}
	if (is_crash(s)) {
		if (parse_bug_at(s, &ev))
			ev.sym = match(K_BUG_AT, &ev, s);
		if (ev.sym && !lg->have_symptom) {
			lg->symptom = ev;
			lg->have_symptom = 1;
			tracing = &lg->symptom;
		} else if (!ev.sym && !lg->have_crash) {
			lg->crash = ev;
			lg->have_crash = 1;
			tracing = &lg->crash;
		}
		if (!strncmp(s, "Kernel panic - not syncing", 26) && !lg->panic[0])
			copy(lg->panic, sizeof(lg->panic), s);
		goto out;
	}
	/* The function of an Oops is on its RIP line. */
	if (tracing == &lg->crash && !lg->crash.func[0] && !strncmp(s, "RIP: ", 5)) {
		p = strchr(s + 5, ':');
		if (p)
			func_of(p + 1, lg->crash.func, sizeof(lg->crash.func));
	}
out:
	ps->tracing = tracing;
	ps->in_trace = in_trace;
}

static void print_event(const char *key, const struct event *ev)
{
	int i;

	printf("%s: %s\n", key, ev->line);
	if (ev->func[0] || ev->file[0]) {
		printf("site: %s", ev->func[0] ? ev->func : "?");
		if (ev->file[0])
			printf(" (%s:%d)", ev->file, ev->lineno);
		printf("\n");
	}
	if (ev->nr_trace) {
		printf("trace:");
		for (i = 0; i < ev->nr_trace; i++)
			printf(" %s", ev->trace[i]);
		printf("\n");
	}
}

/* ordering.txt of pintrace-report: "ordering: X", "why: ...", "invariant: ..." */
struct ordering {
	char verdict[32], why[512], invariant[256];
};

static int read_ordering(const char *path, struct ordering *o)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "ordering: ", 10))
			copy(o->verdict, sizeof(o->verdict), line + 10);
		else if (!strncmp(line, "why: ", 5))
			copy(o->why, sizeof(o->why), line + 5);
		else if (!strncmp(line, "invariant: ", 11))
			copy(o->invariant, sizeof(o->invariant), line + 11);
	}
	fclose(f);
	return o->verdict[0] ? 0 : -EINVAL;
}

static int verdict(const struct log *lg, const char *boot_status, const struct ordering *ord)
{
	char cell[256];
	int i, rc;
	int violated = ord && !strcmp(ord->verdict, "VIOLATION");

	if (lg->have_symptom) {
		printf("verdict: REPRODUCED\n");
		printf("reason: %s\n", lg->symptom.sym->what);
		print_event("warning", &lg->symptom);
		snprintf(cell, sizeof(cell), "REPRODUCED:%s",
			 lg->symptom.func[0] ? lg->symptom.func : lg->symptom.file);
		rc = 1;
	} else if (strcmp(boot_status, "ok")) {
		printf("verdict: COULD NOT TEST\n");
		if (!strcmp(boot_status, "timeout"))
			printf("reason: timeout: the guest did not power off in time%s\n",
			       lg->booted ? " (hang after init started)" : " (hang during boot)");
		else
			printf("reason: %s\n", boot_status);
		snprintf(cell, sizeof(cell), "ERROR:%s", boot_status);
		rc = 125;
	} else if (!lg->booted) {
		printf("verdict: COULD NOT TEST\n");
		printf("reason: boot failure: the guest init never started%s%s\n",
		       lg->panic[0] ? ": " : "", lg->panic);
		snprintf(cell, sizeof(cell), "ERROR:boot failure");
		rc = 125;
	} else if (lg->have_crash) {
		printf("verdict: COULD NOT TEST\n");
		printf("reason: guest crash, not a known symptom of the bug class\n");
		print_event("crash", &lg->crash);
		snprintf(cell, sizeof(cell), "ERROR:crash in %s",
			 lg->crash.func[0] ? lg->crash.func : "?");
		rc = 125;
	} else if (lg->refused) {
		printf("verdict: MITIGATED\n");
		printf("reason: the kernel refused the long-term pin at step %s with %s\n",
		       lg->failed_step, lg->failed_errno);
		snprintf(cell, sizeof(cell), "MITIGATED:%s", lg->failed_errno);
		rc = 0;
	} else if (lg->failed) {
		printf("verdict: COULD NOT TEST\n");
		printf("reason: scenario %s failed at step %s (%s)\n", lg->scenario,
		       lg->failed_step, lg->failed_errno);
		snprintf(cell, sizeof(cell), "ERROR:%s %s", lg->failed_step, lg->failed_errno);
		rc = 125;
	} else if (!lg->complete) {
		printf("verdict: COULD NOT TEST\n");
		printf("reason: console log ends before the scenario finished (truncated)\n");
		snprintf(cell, sizeof(cell), "ERROR:truncated log");
		rc = 125;
	} else if (violated) {
		printf("verdict: VIOLATION\n");
		printf("reason: no kernel warning, but %s\n", ord->invariant);
		snprintf(cell, sizeof(cell), "VIOLATION");
		rc = 1;
	} else {
		printf("verdict: NOT REPRODUCED\n");
		printf("reason: scenario %s completed; no known symptom in %ld log lines\n",
		       lg->scenario, lg->lines);
		snprintf(cell, sizeof(cell), "CLEAN");
		rc = 0;
	}
	if (ord)
		printf("ordering: %s: %s\n", ord->verdict, ord->why);
	if (rc == 1 && strcmp(boot_status, "ok"))
		printf("note: afterwards the guest ended with: %s\n", boot_status);
	if (rc == 1 && lg->have_crash)
		printf("note: afterwards the guest crashed: %s\n", lg->crash.line);
	for (i = 0; i < lg->nr_other; i++)
		printf("note: other warning: %s\n", lg->other[i]);
	printf("cell: %s\n", cell);
	printf("exit: %d\n", rc);
	return rc;
}

int main(int argc, char **argv)
{
	const char *boot_status = "ok", *path = NULL, *ordering = NULL;
	struct ordering ord = { "", "", "" };
	struct log *lg;
	FILE *f;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--boot-status") && i + 1 < argc) {
			boot_status = argv[++i];
			if (strcmp(boot_status, "ok") && strcmp(boot_status, "timeout") &&
			    strcmp(boot_status, "qemu-error")) {
				fprintf(stderr, "gup-repro-verdict: --boot-status takes ok, timeout or qemu-error, not '%s'\n",
					boot_status);
				return 2;
			}
		} else if (!strcmp(argv[i], "--ordering") && i + 1 < argc) {
			ordering = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: gup-repro-verdict [--boot-status ok|timeout|qemu-error]\n"
			       "                         [--ordering ORDERING_TXT] CONSOLE_LOG\n"
			       "exit: 1 reproduced, 0 not reproduced, 125 could not test, 2 usage\n");
			return 0;
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "gup-repro-verdict: unexpected argument '%s' (try --help)\n",
				argv[i]);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fprintf(stderr, "gup-repro-verdict: no console log given (try --help)\n");
		return 2;
	}
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "gup-repro-verdict: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (ordering && read_ordering(ordering, &ord)) {
		fprintf(stderr, "gup-repro-verdict: %s: no \"ordering:\" line\n", ordering);
		fclose(f);
		return 2;
	}
	lg = calloc(1, sizeof(*lg));
	if (!lg)
		return 2;
	parse(f, lg);
	fclose(f);
	rc = verdict(lg, boot_status, ordering ? &ord : NULL);
	free(lg);
	return rc;
}
