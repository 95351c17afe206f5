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

#include <jansson.h>

#include "kvfile.h"

#include "checker.h"
#include "folio_flags.h"

#define COLS		80
#define TL_MAX_ROWS	500	/* timeline rows shown; the rest are counted */
#define MAX_STEPS	128

enum lane { L_USER, L_MODULE, L_MM, L_FS, L_WB, L_NR };
static const char *const lane_names[L_NR] = {
	"user space", "gup_repro module", "mm", "filesystem", "writeback",
};

struct step {
	char name[32], result[8], errname[24];
	uint64_t t0, t1;
	int seq;
};

struct tl_item {		/* one row of the merged timeline */
	uint64_t ts;
	enum lane lane;
	const struct ck_event *ev;	/* NULL for a user step */
	const struct step *st;
	long evidx;
};

/* What the run's other files say (all through text_safe()). */
static struct step steps[MAX_STEPS];
static int nr_steps;
static char kernel_pkg[160], scenario[64], step_list[512], fs_name[32];
static char warn_line[256], warn_trace[512];
/* verdict.txt's lines that report.txt renders (gup-repro-verdict decides) */
static char final_verdict[64], final_reason[512], final_integrity[256], final_fsck[256];

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pintrace-report: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static int contains_frame(const struct ck_event *e, const char *what)
{
	int i;

	for (i = 0; i < e->nr_stack; i++)
		if (strstr(e->stack[i], what))
			return 1;
	return 0;
}

static enum lane lane_of(const struct ck_event *e)
{
	switch (e->kind) {
	case PT_K_PIN: case PT_K_UNPIN: case PT_K_DIRTY:
		return contains_frame(e, "[gup_repro]") ? L_MODULE : L_MM;
	case PT_K_MKCLEAN: case PT_K_CLEAR_DIRTY: case PT_K_RELEASE:
		return L_MM;
	case PT_K_FS_DIRTY: case PT_K_MKWRITE:
		return L_FS;
	case PT_K_WB_START: case PT_K_WB_END:
		return L_WB;
	case PT_K_WARN:
		return !strncmp(e->str, "fs/", 3) || e->probe == PT_EXT4_WARNING_INODE ? L_FS : L_MM;
	default:
		return L_MM;
	}
}

/* A string member of a steps.jsonl object, escaped; "" if absent. */
static void step_str(json_t *o, const char *key, char *out, size_t len)
{
	json_t *v = json_object_get(o, key);

	text_safe(out, len, json_is_string(v) ? json_string_value(v) : "",
		  json_is_string(v) ? json_string_length(v) : 0);
}

static void load_steps(FILE *f)
{
	char *line = malloc(KV_LINE_MAX + 1);

	while (line && nr_steps < MAX_STEPS && read_bounded(f, line, KV_LINE_MAX + 1) == 1) {
		json_t *o = json_loads(line, 0, NULL);
		struct step *s = &steps[nr_steps];

		if (o && json_is_string(json_object_get(o, "step"))) {
			step_str(o, "step", s->name, sizeof(s->name));
			step_str(o, "result", s->result, sizeof(s->result));
			step_str(o, "errname", s->errname, sizeof(s->errname));
			s->t0 = (uint64_t)json_integer_value(json_object_get(o, "t0_ns"));
			s->t1 = (uint64_t)json_integer_value(json_object_get(o, "t1_ns"));
			s->seq = (int)json_integer_value(json_object_get(o, "seq"));
			if (s->t0)
				nr_steps++;
		}
		json_decref(o);
	}
	free(line);
}

/*
 * Fixed-width flags, one letter a flag, '.' when clear:
 * L locked, U uptodate, D dirty, W writeback, B buffer heads (PG_private),
 * M mapped, P maybe DMA-pinned.
 */
#define FLAGS_LEGEND "flags: L locked, U uptodate, D dirty, W writeback, " \
	"B buffer heads, M mapped, P maybe DMA-pinned; '.' = not set"
static void flags_text(unsigned int flags, char *buf, size_t len)
{
	size_t i, n = GUPR_FLAG_COLUMNS < len ? GUPR_FLAG_COLUMNS : len - 1;

	memset(buf, '.', n);
	buf[n] = '\0';
	for (i = 0; i < GUPR_NR_FLAGS; i++)
		if (gupr_flags[i].letter && (size_t)gupr_flags[i].column < n &&
		    (flags & gupr_flags[i].bit))
			buf[gupr_flags[i].column] = gupr_flags[i].letter;
}

static uint64_t first_ts(const struct ck_trace *t)
{
	uint64_t ts = t->nr ? t->ev[0].ts_ns : 0;
	int i;

	for (i = 0; i < nr_steps; i++)
		if (!ts || steps[i].t0 < ts)
			ts = steps[i].t0;
	return ts;
}

/* @ts - @t0 in @unit (1e6: ms), signed: the guest's clocks may disagree. */
static double since(uint64_t ts, uint64_t t0, double unit)
{
	return (double)(int64_t)(ts - t0) / unit;
}

/* The folio the timeline shows: the first violated one, or the first seen. */
static uint64_t victim_pfn(const struct ck_trace *t, const struct ck_result *r)
{
	return r->nr_v ? r->v[0].pfn : (t->nr ? t->ev[0].pfn : 0);
}

static int cmp_item(const void *a, const void *b)
{
	const struct tl_item *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->evidx < y->evidx ? -1 : x->evidx > y->evidx;
}

/*
 * The victim folio's timeline: its events, the warnings, and the user
 * steps, merged by time (events keep their seq order among themselves).
 * Return: the number of rows, or -1 out of memory.
 */
static long build_timeline(const struct ck_trace *t, uint64_t pfn, struct tl_item **out)
{
	struct tl_item *it = calloc(t->nr + (size_t)nr_steps + 1, sizeof(*it));
	size_t n = 0, i;
	int s;

	*out = it;
	if (!it) {
		error("out of memory");
		return -1;
	}
	for (i = 0; i < t->nr; i++) {
		const struct ck_event *e = &t->ev[i];

		if (e->kind != PT_K_WARN && pfn && e->pfn != pfn)
			continue;
		it[n++] = (struct tl_item){ e->ts_ns, lane_of(e), e, NULL, (long)i };
	}
	for (s = 0; s < nr_steps; s++)
		it[n++] = (struct tl_item){ steps[s].t0, L_USER, NULL, &steps[s], -1 };
	qsort(it, n, sizeof(*it), cmp_item);
	return (long)n;
}

static const char *item_name(const struct tl_item *it, char *buf, size_t len)
{
	if (it->st) {
		snprintf(buf, len, "%s%s%s", it->st->name,
			 strcmp(it->st->result, "ok") ? " FAILED " : "",
			 strcmp(it->st->result, "ok") ? it->st->errname : "");
		return buf;
	}
	if (it->ev->kind == PT_K_WARN)
		snprintf(buf, len, "%s %s:%lld", it->ev->probe == PT_WARN ? "WARN" : "ext4_warning",
			 it->ev->str, it->ev->arg);
	else
		snprintf(buf, len, "%s", ck_probe_name(it->ev->probe));
	return buf;
}

/* Is this timeline row one of the violation's evidence events? */
static const char *mark_of(const struct ck_result *r, long idx)
{
	int i;

	for (i = 0; i < r->nr_v; i++) {
		if (idx == r->v[i].clean)
			return "<- cleaned, PTE read-only";
		if (idx == r->v[i].dirty)
			return "<- dirtied, no page_mkwrite";
		if (idx == r->v[i].warn)
			return "<- kernel warning";
	}
	return "";
}

/* The short timeline skips the nested fs hooks and writeback end. */
static int brief_skips(const struct tl_item *it, const char *mark)
{
	return it->ev && !*mark &&
	       (it->ev->kind == PT_K_FS_DIRTY || it->ev->kind == PT_K_WB_END ||
		it->ev->kind == PT_K_CLEAR_DIRTY);
}

/* One timeline row, at most COLS columns. */
static void print_row(FILE *f, const struct tl_item *it, uint64_t t0, const char *mark)
{
	char name[256], fl[16] = "", row[COLS + 1];
	int len;

	if (it->ev && it->ev->kind != PT_K_WARN)
		flags_text(it->ev->flags, fl, sizeof(fl));
	item_name(it, name, sizeof(name));
	name[utf8_fit(name, 26)] = '\0';
	len = snprintf(row, sizeof(row), "%9.3f  %-6.6s %-26s %-7s %s",
		       since(it->ts, t0, 1e6),
		       it->lane == L_MODULE ? "module" : it->lane == L_USER ? "user" :
		       it->lane == L_FS ? "fs" : it->lane == L_WB ? "wb" : "mm",
		       name, fl, mark);
	if (len < 0)
		len = 0;
	len = (int)utf8_fit(row, (size_t)len < sizeof(row) ? (size_t)len : sizeof(row) - 1);
	row[len] = '\0';
	while (len > 0 && row[len - 1] == ' ')
		row[--len] = '\0';
	fprintf(f, "%s\n", row);
}

static int print_timeline(FILE *f, const struct ck_trace *t, const struct ck_result *r,
			  uint64_t pfn, int brief)
{
	struct tl_item *it;
	uint64_t t0 = first_ts(t);
	long n = build_timeline(t, pfn, &it), i, shown = 0, hidden = 0;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *mark = it[i].ev ? mark_of(r, it[i].evidx) : "";

		if (brief && brief_skips(&it[i], mark))
			continue;
		if (shown == TL_MAX_ROWS) {
			hidden++;
			continue;
		}
		print_row(f, &it[i], t0, mark);
		shown++;
	}
	if (hidden)
		fprintf(f, "      ... %ld more rows not shown\n", hidden);
	free(it);
	return 0;
}

/* Print @text wrapped at COLS with @indent spaces on continuation lines. */
static void wrap(FILE *f, const char *first, int indent, const char *text)
{
	int col = fprintf(f, "%s", first);
	const char *p = text;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (col + (int)w + 1 > COLS && col > indent) {
			col = fprintf(f, "\n%*s", indent, "") - 1;
		} else if (p != text) {
			col += fprintf(f, " ");
		}
		if ((int)w > COLS - col)	/* one word wider than the page */
			w = utf8_fit(p, (size_t)(COLS - col > 0 ? COLS - col : 0)) ?: w;
		col += fprintf(f, "%.*s", (int)w, p);
		p += w;
		while (*p == ' ')
			p++;
	}
	fprintf(f, "\n");
}

/* report.txt: the header (kernel, fs, scenario, steps). */
static void report_header(FILE *f, const struct ck_trace *t, const struct ck_result *r)
{
	char buf[512];
	int i;

	fprintf(f, "gup-repro: GUP write after writeback - ordering %s\n\n", ck_verdict_name(r->verdict));
	wrap(f, "kernel:    ", 11, *kernel_pkg ? kernel_pkg : t->kernel);
	snprintf(buf, sizeof(buf), "%s, victim inode %llu on %s", *fs_name ? fs_name : "?",
		 (unsigned long long)t->ino, t->dev);
	wrap(f, "fs:        ", 11, buf);
	wrap(f, "scenario:  ", 11, *scenario ? scenario : "?");
	snprintf(buf, sizeof(buf), "%s", step_list);
	for (i = 0; buf[i]; i++)
		if (buf[i] == ',')
			buf[i] = ' ';
	wrap(f, "steps:     ", 11, buf);
}

/* report.txt: the kernel warning as the verdict quoted it. */
static void report_warning(FILE *f)
{
	char buf[512], *save = NULL;

	fprintf(f, "\nKernel warning\n--------------\n");
	if (!*warn_line) {
		fprintf(f, "none: the kernel printed no warning for this run.\n");
		return;
	}
	wrap(f, "", 2, warn_line);
	if (*warn_trace) {
		fprintf(f, "Call Trace (trimmed):\n");
		snprintf(buf, sizeof(buf), "%s", warn_trace);
		for (char *s = strtok_r(buf, " ", &save); s; s = strtok_r(NULL, " ", &save))
			fprintf(f, "  %.*s\n", (int)utf8_fit(s, COLS - 2), s);
	}
}

/* report.txt: the evidence for one violated folio. */
static void report_violation(FILE *f, const struct ck_trace *t, const struct ck_violation *v,
			     uint64_t t0)
{
	const struct ck_event *c = &t->ev[v->clean], *d = &t->ev[v->dirty];
	char buf[512], fl[16];

	fprintf(f, "\nViolated for folio pfn %#llx, index %llu:\n",
		(unsigned long long)v->pfn, (unsigned long long)v->index);
	snprintf(buf, sizeof(buf), "%s at %.3f ms (seq %llu, comm %s)",
		 ck_probe_name(c->probe), since(c->ts_ns, t0, 1e6),
		 (unsigned long long)c->seq, c->comm);
	wrap(f, "  cleaned:  ", 12, buf);
	flags_text(d->flags, fl, sizeof(fl));
	snprintf(buf, sizeof(buf), "%s at %.3f ms (seq %llu, comm %s); the folio was "
		 "clean (flags %s), refcount %d, %s", ck_probe_name(d->probe),
		 since(d->ts_ns, t0, 1e6), (unsigned long long)d->seq, d->comm, fl,
		 d->refcount, v->pinned ? "maybe DMA-pinned (FOLL_PIN)" : "not pinned");
	wrap(f, "  dirtied:  ", 12, buf);
	if (v->last_mkwrite >= 0) {
		snprintf(buf, sizeof(buf), "%s at %.3f ms, before the clean",
			 ck_probe_name(t->ev[v->last_mkwrite].probe),
			 since(t->ev[v->last_mkwrite].ts_ns, t0, 1e6));
		wrap(f, "  mkwrite:  ", 12, buf);
	} else {
		wrap(f, "  mkwrite:  ", 12, "none seen");
	}
	if (v->fs_dirty >= 0)
		wrap(f, "  fs hook:  ", 12, ck_probe_name(t->ev[v->fs_dirty].probe));
	if (v->lost_private) {
		snprintf(buf, sizeof(buf), "%s at %.3f ms, between the clean and the dirtying: "
			 "dirtied without the buffer heads it had when cleaned",
			 v->released >= 0 ? ck_probe_name(t->ev[v->released].probe) : "released",
			 v->released >= 0 ? since(t->ev[v->released].ts_ns, t0, 1e6) : 0.0);
		wrap(f, "  private:  ", 12, buf);
	}
	if (v->warn >= 0) {
		snprintf(buf, sizeof(buf), "%s:%lld", t->ev[v->warn].str, t->ev[v->warn].arg);
		wrap(f, "  warned:   ", 12, buf);
	}
	fprintf(f, "  stack:\n");
	for (int s = 0; s < d->nr_stack && s < 10; s++)
		fprintf(f, "    %.*s\n", (int)utf8_fit(d->stack[s], 74), d->stack[s]);
}

static int write_report(FILE *f, const struct ck_trace *t, const struct ck_result *r)
{
	uint64_t pfn = victim_pfn(t, r), t0 = first_ts(t);
	char buf[sizeof(r->why) + 32];
	int i;

	report_header(f, t, r);
	report_warning(f);
	snprintf(buf, sizeof(buf), "Timeline of folio pfn %#llx, index %llu (ms)",
		 (unsigned long long)pfn, (unsigned long long)(r->nr_v ? r->v[0].index :
		 (t->nr ? t->ev[0].index : 0)));
	fprintf(f, "\n%s\n%.*s\n", buf, (int)strlen(buf),
		"--------------------------------------------------------------------------------");
	if (print_timeline(f, t, r, pfn, 0))
		return -1;
	wrap(f, "", 0, FLAGS_LEGEND);

	fprintf(f, "\nInvariant\n---------\n");
	wrap(f, "", 0, "Once folio_mkclean() has cleaned a folio and write-protected its "
	     "PTEs, the folio may become dirty again only after the filesystem was "
	     "told through ->page_mkwrite.");
	for (i = 0; i < r->nr_v; i++)
		report_violation(f, t, &r->v[i], t0);
	fprintf(f, "\nVerdict\n-------\n");
	snprintf(buf, sizeof(buf), "%s: %s", ck_verdict_name(r->verdict), r->why);
	wrap(f, "", 0, buf);
	if (*final_verdict) {
		fprintf(f, "\n");
		wrap(f, "verdict:   ", 11, final_verdict);
		if (*final_reason)
			wrap(f, "reason:    ", 11, final_reason);
		if (*final_integrity)
			wrap(f, "integrity: ", 11, final_integrity);
		if (*final_fsck)
			wrap(f, "fsck:      ", 11, final_fsck);
	}
	return 0;
}

/*
 * "private: ..." of a violation whose folio lost its private data (buffer
 * heads) between the clean and the dirtying; @prefix starts the line.
 */
static void write_lost_private(FILE *f, const char *prefix, const struct ck_trace *t,
			       const struct ck_violation *v)
{
	fprintf(f, "%sreleased", prefix);
	if (v->released >= 0)
		fprintf(f, " by %s (seq %llu, comm %s)", ck_probe_name(t->ev[v->released].probe),
			(unsigned long long)t->ev[v->released].seq, t->ev[v->released].comm);
	fprintf(f, " while the page was held: pfn %#llx was dirtied without the private data "
		"(buffer heads) it had when cleaned\n", (unsigned long long)v->pfn);
}

static void write_ordering(FILE *f, const struct ck_trace *t, const struct ck_result *r)
{
	int i;

	fprintf(f, "ordering: %s\n", ck_verdict_name(r->verdict));
	fprintf(f, "why: %s\n", r->why);
	if (r->verdict == CK_VIOLATION)
		fprintf(f, "invariant: %s\n", CK_INVARIANT);
	for (i = 0; i < r->nr_v; i++)
		fprintf(f, "violation: pfn %#llx index %llu cleaned by %s (seq %llu), dirtied by %s (seq %llu, comm %s)%s%s%s\n",
			(unsigned long long)r->v[i].pfn, (unsigned long long)r->v[i].index,
			ck_probe_name(t->ev[r->v[i].clean].probe),
			(unsigned long long)t->ev[r->v[i].clean].seq,
			ck_probe_name(t->ev[r->v[i].dirty].probe),
			(unsigned long long)t->ev[r->v[i].dirty].seq, t->ev[r->v[i].dirty].comm,
			r->v[i].pinned ? ", pinned" : "",
			r->v[i].fs_dirty >= 0 ? ", fs hook " : "",
			r->v[i].fs_dirty >= 0 ? ck_probe_name(t->ev[r->v[i].fs_dirty].probe) : "");
	for (i = 0; i < r->nr_v; i++)
		if (r->v[i].lost_private)
			write_lost_private(f, "private: ", t, &r->v[i]);
	fprintf(f, "events: %zu victim, %zu other inodes ignored, %llu lost, %llu gaps\n",
		t->nr, t->ignored, (unsigned long long)t->lost, (unsigned long long)t->seq_gaps);
}

/* One trace event object; NULL if out of memory. */
static json_t *chrome_event(const struct ck_trace *t, size_t i, uint64_t t0)
{
	const struct ck_event *e = &t->ev[i];
	char fl[16], name[96];
	json_t *stack = json_array();
	struct tl_item it = { e->ts_ns, lane_of(e), e, NULL, (long)i };
	int s;

	for (s = 0; s < e->nr_stack; s++)
		json_array_append_new(stack, json_string(e->stack[s]));
	flags_text(e->flags, fl, sizeof(fl));
	return json_pack("{s:s,s:s,s:s,s:s,s:f,s:i,s:i,s:{s:I,s:I,s:I,s:s,s:i,s:s,s:o}}",
			 "name", item_name(&it, name, sizeof(name)),
			 "cat", ck_kind_name(e->kind), "ph", "i", "s", "t",
			 "ts", since(e->ts_ns, t0, 1e3),
			 "pid", lane_of(e) + 1, "tid", e->tid, "args",
			 "seq", (json_int_t)e->seq, "pfn", (json_int_t)e->pfn,
			 "index", (json_int_t)e->index, "flags", fl,
			 "cpu", e->cpu, "comm", e->comm, "stack", stack);
}

/* Write @o as one element of the traceEvents array. */
static int put_event(FILE *f, json_t *o, int *first)
{
	int rc;

	if (!o)
		return -1;
	fprintf(f, "%s\n  ", *first ? "" : ",");
	*first = 0;
	rc = json_dumpf(o, f, JSON_INDENT(1));
	json_decref(o);
	return rc;
}

/*
 * Chrome Trace Event format: one process per swimlane, instant events.
 * Written one event at a time (a flood of events never becomes a tree).
 */
static int write_chrome_trace(FILE *f, const struct ck_trace *t)
{
	uint64_t t0 = first_ts(t);
	int l, s, first = 1;
	size_t i;

	fprintf(f, "{\n \"traceEvents\": [");
	for (l = 0; l < L_NR; l++)
		if (put_event(f, json_pack("{s:s,s:s,s:i,s:i,s:{s:s}}", "name",
					   "process_name", "ph", "M", "pid", l + 1, "tid", 0, "args",
					   "name", lane_names[l]), &first))
			return -1;
	for (s = 0; s < nr_steps; s++)
		if (put_event(f, json_pack("{s:s,s:s,s:s,s:f,s:f,s:i,s:i,s:{s:s,s:i}}",
					   "name", steps[s].name, "cat", "step", "ph", "X",
					   "ts", since(steps[s].t0, t0, 1e3),
					   "dur", since(steps[s].t1, steps[s].t0, 1e3),
					   "pid", L_USER + 1, "tid", 1, "args",
					   "result", steps[s].result, "seq", steps[s].seq), &first))
			return -1;
	for (i = 0; i < t->nr; i++)
		if (put_event(f, chrome_event(t, i, t0), &first))
			return -1;
	fprintf(f, "\n ],\n \"displayTimeUnit\": \"ns\"\n}");
	return ferror(f) ? -1 : 0;
}

/* timeline.dat: one labelled point per row (at most TL_MAX_ROWS). */
static int write_svg_data(FILE *f, const struct ck_trace *t, const struct ck_result *r,
			  uint64_t pfn, long *rows)
{
	uint64_t t0 = first_ts(t);
	struct tl_item *it;
	long n = build_timeline(t, pfn, &it), i;

	if (n < 0)
		return -1;
	if (n > TL_MAX_ROWS)
		n = TL_MAX_ROWS;
	for (i = 0; i < n; i++) {
		char name[256];
		const char *mark = it[i].ev ? mark_of(r, it[i].evidx) : "";

		item_name(&it[i], name, sizeof(name));
		for (char *q = name; *q; q++)	/* the label is a gnuplot string */
			if (*q == '"')
				*q = '\'';
		fprintf(f, "%ld %d \"%s  %.3f ms\" %d\n", i + 1, L_NR - (int)it[i].lane,
			name, since(it[i].ts, t0, 1e6), *mark ? 1 : 0);
	}
	free(it);
	*rows = n;
	return 0;
}

#ifndef FUZZING
/* Swimlanes with gnuplot: x = order of events (time in the label). */
static int write_svg(const char *dir, const struct ck_trace *t, const struct ck_result *r)
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
	rc = write_svg_data(f, t, r, pfn, &n);
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

/* events.jsonl into @t, and what the run's other files say. */
static int load_inputs(const struct args *a, struct ck_trace *t)
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
		load_steps(f);
		fclose(f);
	}
	kv_read(a->run, "kernel-package: ", kernel_pkg, sizeof(kernel_pkg));
	kv_read(a->run, "scenario: ", scenario, sizeof(scenario));
	kv_read(a->run, "steps: ", step_list, sizeof(step_list));
	kv_read(a->guest, "gupr-meta: fs=", fs_name, sizeof(fs_name));
	kv_read(a->verdict, "warning: ", warn_line, sizeof(warn_line));
	kv_read(a->verdict, "trace: ", warn_trace, sizeof(warn_trace));
	kv_read(a->verdict, "verdict: ", final_verdict, sizeof(final_verdict));
	kv_read(a->verdict, "reason: ", final_reason, sizeof(final_reason));
	kv_read(a->verdict, "integrity: ", final_integrity, sizeof(final_integrity));
	kv_read(a->verdict, "fsck: ", final_fsck, sizeof(final_fsck));
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
			 const struct ck_result *r)
{
	const char *dir = a->dir;
	char path[4096];
	FILE *f;

	mkdir(dir, 0755);
	if (a->report_only) {
		if (r->verdict == CK_NO_TRACE)
			return 0;
		f = open_out(dir, "report.txt", path, sizeof(path));
		return !f || close_out(f, write_report(f, t, r), path) ? -1 : 0;
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
		if (!f || close_out(f, write_report(f, t, r), path))
			return -1;
	}
	f = open_out(dir, "trace.json", path, sizeof(path));
	if (!f || close_out(f, write_chrome_trace(f, t), path))
		return -1;
	write_svg(dir, t, r);		/* optional: gnuplot may be missing */
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {};
	struct ck_trace t = {};
	static struct ck_result r;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc) {
		rc = rc == 1 ? 0 : 2;
		goto cleanup;
	}
	rc = 2;
	if (load_inputs(&a, &t))
		goto cleanup;
	if (ck_check(&t, &r)) {
		error("out of memory");
		goto cleanup;
	}
	printf("timeline (ms, victim folio):\n");
	if (print_timeline(stdout, &t, &r, victim_pfn(&t, &r), 1))
		goto cleanup;
	printf("ordering: %s: %s\n", ck_verdict_name(r.verdict), r.why);
	if (a.dir && write_outputs(&a, &t, &r))
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
#endif /* FUZZING */
