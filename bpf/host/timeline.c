// SPDX-License-Identifier: GPL-2.0
/*
 * timeline.c - the victim folio's timeline (pintrace-report,
 * pintrace-report.h): its events, the kernel warnings and the user steps
 * merged by time, as the short timeline printed and in report.txt, as
 * timeline.dat for the swimlane SVG, and as trace.json (Chrome Trace
 * Event format, loads in the Perfetto UI).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kvfile.h"

#include "folio_flags.h"
#include "pintrace-report.h"

static const char *const lane_names[L_NR] = {
	"user space", "gup_repro module", "mm", "filesystem", "writeback",
};

struct tl_item {		/* one row of the merged timeline */
	uint64_t ts;
	enum lane lane;
	const struct ck_event *ev;	/* NULL for a user step */
	const struct step *st;
	long evidx;
};

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

void load_steps(FILE *f, struct pr_run *run)
{
	char *line = malloc(KV_LINE_MAX + 1);

	while (line && run->nr_steps < MAX_STEPS && read_bounded(f, line, KV_LINE_MAX + 1) == 1) {
		json_t *o = json_loads(line, 0, NULL);
		struct step *s = &run->steps[run->nr_steps];

		if (o && json_is_string(json_object_get(o, "step"))) {
			step_str(o, "step", s->name, sizeof(s->name));
			step_str(o, "result", s->result, sizeof(s->result));
			step_str(o, "errname", s->errname, sizeof(s->errname));
			s->t0 = (uint64_t)json_integer_value(json_object_get(o, "t0_ns"));
			s->t1 = (uint64_t)json_integer_value(json_object_get(o, "t1_ns"));
			s->seq = (int)json_integer_value(json_object_get(o, "seq"));
			if (s->t0)
				run->nr_steps++;
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
void flags_text(unsigned int flags, char *buf, size_t len)
{
	size_t i, n = GUPR_FLAG_COLUMNS < len ? GUPR_FLAG_COLUMNS : len - 1;

	memset(buf, '.', n);
	buf[n] = '\0';
	for (i = 0; i < GUPR_NR_FLAGS; i++)
		if (gupr_flags[i].letter && (size_t)gupr_flags[i].column < n &&
		    (flags & gupr_flags[i].bit))
			buf[gupr_flags[i].column] = gupr_flags[i].letter;
}

uint64_t first_ts(const struct ck_trace *t, const struct pr_run *run)
{
	uint64_t ts = t->nr ? t->ev[0].ts_ns : 0;
	int i;

	for (i = 0; i < run->nr_steps; i++)
		if (!ts || run->steps[i].t0 < ts)
			ts = run->steps[i].t0;
	return ts;
}

double since(uint64_t ts, uint64_t t0, double unit)
{
	return (double)(int64_t)(ts - t0) / unit;
}

uint64_t victim_pfn(const struct ck_trace *t, const struct ck_result *r)
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
static long build_timeline(const struct ck_trace *t, const struct pr_run *run, uint64_t pfn,
			   struct tl_item **out)
{
	struct tl_item *it = calloc(t->nr + (size_t)run->nr_steps + 1, sizeof(*it));
	size_t n = 0, i;
	int s;

	*out = it;
	if (!it) {
		fprintf(stderr, "pintrace-report: out of memory\n");
		return -1;
	}
	for (i = 0; i < t->nr; i++) {
		const struct ck_event *e = &t->ev[i];

		if (e->kind != PT_K_WARN && pfn && e->pfn != pfn)
			continue;
		it[n++] = (struct tl_item){ e->ts_ns, lane_of(e), e, NULL, (long)i };
	}
	for (s = 0; s < run->nr_steps; s++)
		it[n++] = (struct tl_item){ run->steps[s].t0, L_USER, NULL, &run->steps[s], -1 };
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

int print_timeline(FILE *f, const struct ck_trace *t, const struct pr_run *run,
		   const struct ck_result *r, uint64_t pfn, int brief)
{
	struct tl_item *it;
	uint64_t t0 = first_ts(t, run);
	long n = build_timeline(t, run, pfn, &it), i, shown = 0, hidden = 0;

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

/* Written one event at a time: a flood of events never becomes a tree. */
int write_chrome_trace(FILE *f, const struct ck_trace *t, const struct pr_run *run)
{
	const struct step *st = run->steps;
	uint64_t t0 = first_ts(t, run);
	int l, s, first = 1;
	size_t i;

	fprintf(f, "{\n \"traceEvents\": [");
	for (l = 0; l < L_NR; l++)
		if (put_event(f, json_pack("{s:s,s:s,s:i,s:i,s:{s:s}}", "name",
					   "process_name", "ph", "M", "pid", l + 1, "tid", 0, "args",
					   "name", lane_names[l]), &first))
			return -1;
	for (s = 0; s < run->nr_steps; s++)
		if (put_event(f, json_pack("{s:s,s:s,s:s,s:f,s:f,s:i,s:i,s:{s:s,s:i}}",
					   "name", st[s].name, "cat", "step", "ph", "X",
					   "ts", since(st[s].t0, t0, 1e3),
					   "dur", since(st[s].t1, st[s].t0, 1e3),
					   "pid", L_USER + 1, "tid", 1, "args",
					   "result", st[s].result, "seq", st[s].seq), &first))
			return -1;
	for (i = 0; i < t->nr; i++)
		if (put_event(f, chrome_event(t, i, t0), &first))
			return -1;
	fprintf(f, "\n ],\n \"displayTimeUnit\": \"ns\"\n}");
	return ferror(f) ? -1 : 0;
}

int write_svg_data(FILE *f, const struct ck_trace *t, const struct pr_run *run,
		   const struct ck_result *r, uint64_t pfn, long *rows)
{
	uint64_t t0 = first_ts(t, run);
	struct tl_item *it;
	long n = build_timeline(t, run, pfn, &it), i;

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

