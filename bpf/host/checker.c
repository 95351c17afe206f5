// SPDX-License-Identifier: GPL-2.0
/*
 * checker.c - load pintrace's events.jsonl (jansson) and check the
 * folio_mkclean / ->page_mkwrite / set_page_dirty ordering per folio.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checker.h"
#include "../../repro-user/include/folio_flags.h"
#include "kvfile.h"

#define X_TABLE(id, sym, kind, shape)	{ sym, kind },
static const struct {
	const char *sym;
	enum pt_kind kind;
} probes[PT_NR_PROBES] = { PT_PROBES(X_TABLE) };

/* Frames of a filesystem's own buffered-write path: dirtying from there
 * went through ->write_begin/->write_end, not through a user mapping. */
static const char *const own_write_paths[] = {
	"generic_perform_write", "iomap_file_buffered_write", "btrfs_buffered_write",
	"block_write_end", "generic_write_end",
};

const char *ck_kind_name(enum pt_kind k)
{
	return k < PT_K_NR ? pt_kind_names[k] : "?";
}

const char *ck_probe_name(int probe)
{
	return probe >= 0 && probe < PT_NR_PROBES ? probes[probe].sym : "?";
}

const char *ck_verdict_name(enum ck_verdict v)
{
	switch (v) {
	case CK_OK: return "OK";
	case CK_VIOLATION: return "VIOLATION";
	case CK_INCOMPLETE: return "INCOMPLETE";
	default: return "NO TRACE";
	}
}

static int probe_by_name(const char *name)
{
	int i;

	for (i = 0; i < PT_NR_PROBES; i++)
		if (!strcmp(probes[i].sym, name))
			return i;
	return -1;
}

/* A guest string, escaped and bounded (text_safe()); "" if not a string. */
static void copy_str(char *dst, size_t len, json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";

	text_safe(dst, len, s, json_is_string(v) ? json_string_length(v) : 0);
}

static uint64_t get_u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static int parse_event(json_t *o, struct ck_event *e)
{
	const char *name = json_string_value(json_object_get(o, "event"));
	json_t *v;
	size_t i;

	e->probe = name ? probe_by_name(name) : -1;
	if (e->probe < 0)
		return -1;
	e->kind = probes[e->probe].kind;
	e->seq = get_u64(o, "seq");
	e->cpu_seq = get_u64(o, "cpu_seq");
	e->ts_ns = get_u64(o, "ts_ns");
	e->pfn = get_u64(o, "pfn");
	e->ino = get_u64(o, "ino");
	e->index = get_u64(o, "index");
	e->cpu = (int)get_u64(o, "cpu");
	e->pid = (int)get_u64(o, "pid");
	e->tid = (int)get_u64(o, "tid");
	e->refcount = (int)get_u64(o, "refcount");
	v = json_object_get(o, "arg");
	e->arg = json_is_integer(v) ? json_integer_value(v) : (long long)get_u64(o, "line");
	copy_str(e->dev, sizeof(e->dev), json_object_get(o, "dev"));
	copy_str(e->comm, sizeof(e->comm), json_object_get(o, "comm"));
	v = json_object_get(o, "file");
	copy_str(e->str, sizeof(e->str), v ? v : json_object_get(o, "function"));
	json_array_foreach(json_object_get(o, "flags"), i, v)
		if (json_is_string(v))
			e->flags |= gupr_flag_bit(json_string_value(v));
	json_array_foreach(json_object_get(o, "stack"), i, v) {
		if (e->nr_stack == CK_MAX_STACK)
			break;
		copy_str(e->stack[e->nr_stack++], sizeof(e->stack[0]), v);
	}
	return 0;
}

/* Ring buffer order; the file's line order among duplicates (deterministic). */
static int cmp_seq(const void *a, const void *b)
{
	const struct ck_event *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

struct cpu_num {
	int cpu;
	uint64_t n;
};

static int cmp_cpu_num(const void *a, const void *b)
{
	const struct cpu_num *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return (x->n > y->n) - (x->n < y->n);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/*
 * Each CPU numbers the events it tries to queue before taking a ring
 * buffer slot: what is missing between a CPU's first and last number was
 * lost, a number seen twice is a duplicate.  Counted over all events,
 * before the victim filter, with @t->ev sorted by seq.
 */
static int count_seq(struct ck_trace *t)
{
	struct cpu_num *cn;
	size_t i;

	for (i = 1; i < t->nr; i++)
		if (t->ev[i].seq == t->ev[i - 1].seq)
			t->seq_dups++;
	if (!t->nr)
		return 0;
	cn = malloc(t->nr * sizeof(*cn));
	if (!cn)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++)
		cn[i] = (struct cpu_num){ t->ev[i].cpu, t->ev[i].cpu_seq };
	qsort(cn, t->nr, sizeof(*cn), cmp_cpu_num);
	for (i = 1; i < t->nr; i++) {
		if (cn[i].cpu != cn[i - 1].cpu)
			continue;
		if (cn[i].n == cn[i - 1].n)
			t->cpu_seq_dups++;
		else
			t->seq_gaps = sat_add(t->seq_gaps, cn[i].n - cn[i - 1].n - 1);
	}
	free(cn);
	return 0;
}

/*
 * One line of at most CK_LINE_MAX bytes into @buf (NUL-terminated, newline
 * dropped); a longer line is read to its end and reported as too long.
 * Return: 1 a line, 0 end of file, -1 a line too long.
 */
static int read_line(FILE *f, char *buf)
{
	char skip[4096];
	size_t n;

	if (!fgets(buf, CK_LINE_MAX + 1, f))
		return 0;
	n = strlen(buf);		/* a NUL in the line ends it early: malformed */
	if (n && buf[n - 1] == '\n') {
		buf[n - 1] = '\0';
		return 1;
	}
	if (n < CK_LINE_MAX || feof(f))
		return 1;		/* the last line, without a newline */
	while (fgets(skip, sizeof(skip), f))	/* too long: read to its end */
		if (strchr(skip, '\n'))
			break;
	return -1;
}

static void parse_start(json_t *o, struct ck_trace *t)
{
	t->have_start = true;
	t->ino = get_u64(o, "ino");
	copy_str(t->dev, sizeof(t->dev), json_object_get(o, "dev"));
	copy_str(t->kernel, sizeof(t->kernel), json_object_get(o, "kernel"));
	t->nr_attached = json_array_size(json_object_get(o, "attached"));
}

static void parse_end(json_t *o, struct ck_trace *t)
{
	t->have_end = true;
	t->lost = get_u64(o, "lost");
}

/* Append @e within the budget. Return: 0, 1 over the budget, or -ENOMEM. */
static int add_event(struct ck_trace *t, const struct ck_event *e)
{
	size_t max = t->max_events ? t->max_events : CK_MAX_EVENTS;

	if (t->nr == max)
		return 1;
	if (t->nr == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;
		struct ck_event *n;

		if (ncap > max)
			ncap = max;
		n = realloc(t->ev, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->ev = n;
		t->cap = ncap;
	}
	t->ev[t->nr++] = *e;
	return 0;
}

/* One line of events.jsonl. Return: 0, 1 over the budget, or -ENOMEM. */
static int load_line(struct ck_trace *t, const char *line, int lineno)
{
	static struct ck_event e;
	json_t *o;
	const char *name;
	int rc = 0;

	if (!line[0])
		return 0;
	o = json_loads(line, 0, NULL);
	name = json_string_value(json_object_get(o, "event"));
	if (!name) {
		t->bad_lines++;
	} else if (!strcmp(name, "start")) {
		parse_start(o, t);
	} else if (!strcmp(name, "end")) {
		parse_end(o, t);
	} else {
		memset(&e, 0, sizeof(e));
		if (parse_event(o, &e)) {
			t->bad_lines++;
		} else {
			e.line = lineno;
			rc = add_event(t, &e);
		}
	}
	json_decref(o);
	return rc;
}

/*
 * Only the victim's events count (the start line names it, wherever it
 * stands in the file); warnings without an inode are kept.  The order stays.
 */
static void keep_victim(struct ck_trace *t)
{
	size_t i, n = 0;

	if (!t->have_start)
		return;
	for (i = 0; i < t->nr; i++) {
		const struct ck_event *e = &t->ev[i];

		if (e->ino && (e->ino != t->ino || strcmp(e->dev, t->dev)))
			t->ignored++;
		else if (n != i)
			t->ev[n++] = *e;
		else
			n++;
	}
	t->nr = n;
}

int ck_load(FILE *f, struct ck_trace *t)
{
	char *buf = malloc(CK_LINE_MAX + 1);
	int lineno = 0, rc = 0, got;

	if (!buf)
		return -ENOMEM;
	while ((got = read_line(f, buf)) != 0) {
		lineno++;
		if (got < 0) {
			t->bad_lines++;
			continue;
		}
		rc = load_line(t, buf, lineno);
		if (rc == 1) {			/* over the budget: stop reading */
			t->too_many = true;
			rc = 0;
			break;
		}
		if (rc)
			goto out;
	}
	if (t->nr)
		qsort(t->ev, t->nr, sizeof(*t->ev), cmp_seq);
	rc = count_seq(t);
	keep_victim(t);
out:
	free(buf);
	return rc;
}

void ck_free(struct ck_trace *t)
{
	free(t->ev);
	memset(t, 0, sizeof(*t));
}

struct folio_state {
	uint64_t pfn;		/* 0: free slot (events without a folio are skipped) */
	long clean;		/* last folio_mkclean, or -1 */
	long mkwrite;		/* last ->page_mkwrite, or -1 */
	long release;		/* last release of its private data since the clean, or -1 */
	bool private_at_clean;	/* it had private data (buffer heads) when cleaned */
	bool mkwrite_since_clean;
	bool reported;		/* this clean cycle already has a violation */
};

/* Open-addressing table of folios, at least twice the events in size. */
struct folios {
	struct folio_state *s;
	size_t mask, nr;
};

static int folios_init(struct folios *fo, size_t nr_events)
{
	size_t cap = 16;

	while (cap < 2 * nr_events)
		cap *= 2;
	fo->s = calloc(cap, sizeof(*fo->s));
	fo->mask = cap - 1;
	fo->nr = 0;
	return fo->s ? 0 : -ENOMEM;
}

static struct folio_state *state_of(struct folios *fo, uint64_t pfn)
{
	size_t i = (size_t)(pfn * 0x9e3779b97f4a7c15ULL) & fo->mask;

	while (fo->s[i].pfn && fo->s[i].pfn != pfn)
		i = (i + 1) & fo->mask;
	if (!fo->s[i].pfn) {		/* never full: at most one folio an event */
		fo->s[i] = (struct folio_state){ .pfn = pfn, .clean = -1, .mkwrite = -1,
						 .release = -1 };
		fo->nr++;
	}
	return &fo->s[i];
}

static bool own_write_path(const struct ck_event *e)
{
	size_t i;
	int s;

	for (s = 0; s < e->nr_stack; s++)
		for (i = 0; i < sizeof(own_write_paths) / sizeof(own_write_paths[0]); i++) {
			size_t len = strlen(own_write_paths[i]);

			if (!strncmp(e->stack[s], own_write_paths[i], len) &&
			    (e->stack[s][len] == '+' || e->stack[s][len] == '\0'))
				return true;
		}
	return false;
}

/* The rest of one dirtying call: its fs hook and a warning it raised. */
static void evidence(const struct ck_trace *t, size_t i, struct ck_violation *v)
{
	size_t j;

	v->fs_dirty = -1;
	v->warn = -1;
	for (j = i + 1; j < t->nr; j++) {
		const struct ck_event *e = &t->ev[j];

		if (e->tid != t->ev[i].tid)
			continue;
		if (e->kind == PT_K_FS_DIRTY && e->pfn == t->ev[i].pfn) {
			if (v->fs_dirty < 0)
				v->fs_dirty = (long)j;
		} else if (e->kind == PT_K_WARN) {
			if (v->warn < 0)
				v->warn = (long)j;
		} else if (e->kind != PT_K_DIRTY) {
			break;
		}
	}
}

/* A dirtying call @i that found the folio clean with no ->page_mkwrite. */
static void violated(const struct ck_trace *t, size_t i, const struct folio_state *st,
		     struct ck_result *r)
{
	const struct ck_event *e = &t->ev[i];
	struct ck_violation *v;

	if (r->nr_v == CK_MAX_VIOL)
		return;
	v = &r->v[r->nr_v++];
	v->clean = st->clean;
	v->dirty = (long)i;
	v->pfn = e->pfn;
	v->index = e->index;
	v->pinned = e->flags & GUP_REPRO_F_DMA_PINNED;
	v->last_mkwrite = st->mkwrite;
	v->released = st->release;
	v->lost_private = st->private_at_clean && !(e->flags & GUP_REPRO_F_PRIVATE);
	evidence(t, i, v);
}

/* The per-folio state machine over the events. Return: folios seen, or -ENOMEM. */
static long scan(const struct ck_trace *t, struct ck_result *r)
{
	struct folios fo;
	size_t i;
	long nr;

	if (folios_init(&fo, t->nr))
		return -ENOMEM;
	for (i = 0; i < t->nr; i++) {
		const struct ck_event *e = &t->ev[i];
		struct folio_state *st;

		if (e->kind == PT_K_WARN || !e->pfn)
			continue;
		st = state_of(&fo, e->pfn);
		switch (e->kind) {
		case PT_K_MKCLEAN:
			st->clean = (long)i;
			st->mkwrite_since_clean = false;
			st->reported = false;
			st->release = -1;
			st->private_at_clean = e->flags & GUP_REPRO_F_PRIVATE;
			break;
		case PT_K_RELEASE:
			if (st->clean >= 0)
				st->release = (long)i;
			break;
		case PT_K_MKWRITE:
			st->mkwrite = (long)i;
			st->mkwrite_since_clean = true;
			break;
		case PT_K_DIRTY:
			if (st->clean < 0 || st->mkwrite_since_clean || st->reported ||
			    (e->flags & GUP_REPRO_F_DIRTY) || own_write_path(e))
				break;
			st->reported = true;
			violated(t, i, st, r);
			break;
		default:
			break;
		}
	}
	nr = (long)fo.nr;
	free(fo.s);
	return nr;
}

/* Why the trace cannot give a verdict, or "" if it can. */
static void incomplete_why(const struct ck_trace *t, char *why, size_t len)
{
	size_t n = 0;

	why[0] = '\0';
	if (!t->lost && !t->seq_gaps && t->have_end && !t->seq_dups && !t->cpu_seq_dups &&
	    !t->bad_lines && !t->too_many)
		return;
#define ADD(...) (n += (size_t)snprintf(why + n, n < len ? len - n : 0, __VA_ARGS__), n = n < len ? n : len)
	ADD("trace incomplete: %llu event(s) lost, %llu sequence gap(s)",
	    (unsigned long long)t->lost, (unsigned long long)t->seq_gaps);
	if (!t->have_end && !t->too_many)
		ADD(", no end line (pintrace did not finish)");
	if (t->seq_dups)
		ADD(", %llu duplicated sequence number(s)", (unsigned long long)t->seq_dups);
	if (t->cpu_seq_dups)
		ADD(", %llu duplicated per-CPU number(s)", (unsigned long long)t->cpu_seq_dups);
	if (t->bad_lines)
		ADD(", %zu malformed line(s)", t->bad_lines);
	if (t->too_many)
		ADD(", too many events (more than %zu; the rest was not read)",
		    t->max_events ? t->max_events : CK_MAX_EVENTS);
#undef ADD
}

/* The verdict over a scanned trace. */
static void decide(const struct ck_trace *t, long nr_folios, struct ck_result *r)
{
	char inc[sizeof(r->why)];

	incomplete_why(t, inc, sizeof(inc));
	if (!t->have_start) {
		r->verdict = CK_NO_TRACE;
		snprintf(r->why, sizeof(r->why), "no pintrace start line: tracing did not run");
	} else if (!t->nr_attached) {
		r->verdict = CK_NO_TRACE;
		snprintf(r->why, sizeof(r->why), "no probe could be attached");
	} else if (!t->nr && !inc[0]) {
		r->verdict = CK_NO_TRACE;
		snprintf(r->why, sizeof(r->why), "no event of the victim was recorded (%zu probes attached)",
			 t->nr_attached);
	} else if (inc[0]) {
		r->verdict = CK_INCOMPLETE;
		snprintf(r->why, sizeof(r->why), "%.*s; %d candidate violation(s) not confirmed",
			 (int)sizeof(r->why) - 48, inc, r->nr_v);
	} else if (r->nr_v) {
		r->verdict = CK_VIOLATION;
		snprintf(r->why, sizeof(r->why), "%s", CK_INVARIANT);
	} else {
		r->verdict = CK_OK;
		snprintf(r->why, sizeof(r->why),
			 "every dirtying of a cleaned folio followed a ->page_mkwrite (%ld folio(s), %zu events)",
			 nr_folios, t->nr);
	}
}

int ck_check(const struct ck_trace *t, struct ck_result *r)
{
	long nr_folios;

	memset(r, 0, sizeof(*r));
	nr_folios = scan(t, r);
	if (nr_folios < 0)
		return -ENOMEM;
	decide(t, nr_folios, r);
	return 0;
}
