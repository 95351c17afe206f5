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

static void copy_str(char *dst, size_t len, json_t *v)
{
	snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static uint64_t get_u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static int parse_event(json_t *o, struct ck_event *e)
{
	json_t *v;
	size_t i, j;

	e->probe = probe_by_name(json_string_value(json_object_get(o, "event")));
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
		for (j = 0; j < sizeof(pt_flag_names) / sizeof(pt_flag_names[0]); j++)
			if (json_is_string(v) && !strcmp(json_string_value(v), pt_flag_names[j]))
				e->flags |= 1U << j;
	json_array_foreach(json_object_get(o, "stack"), i, v) {
		if (e->nr_stack == CK_MAX_STACK)
			break;
		copy_str(e->stack[e->nr_stack++], sizeof(e->stack[0]), v);
	}
	return 0;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct ck_event *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Each CPU numbers the events it tries to queue before taking a ring
 * buffer slot: what is missing between a CPU's first and last number was
 * lost.  Counted over all events, before the victim filter.
 */
static void count_gaps(struct ck_trace *t)
{
	uint64_t lo[CK_MAX_CPUS], hi[CK_MAX_CPUS], n[CK_MAX_CPUS] = {};
	size_t i;
	int c;

	for (i = 0; i < t->nr; i++) {
		c = t->ev[i].cpu;
		if (c < 0 || c >= CK_MAX_CPUS)
			continue;
		if (!n[c] || t->ev[i].cpu_seq < lo[c])
			lo[c] = t->ev[i].cpu_seq;
		if (!n[c] || t->ev[i].cpu_seq > hi[c])
			hi[c] = t->ev[i].cpu_seq;
		n[c]++;
	}
	for (c = 0; c < CK_MAX_CPUS; c++)
		if (n[c])
			t->seq_gaps += (hi[c] - lo[c] + 1) - n[c];
}

int ck_load(FILE *f, struct ck_trace *t)
{
	char *buf = NULL;
	size_t cap = 0;
	int lineno = 0;

	while (getline(&buf, &cap, f) > 0) {
		json_t *o = json_loads(buf, 0, NULL);
		const char *name;
		struct ck_event e;

		lineno++;
		if (buf[0] == '\n')
			continue;
		name = json_string_value(json_object_get(o, "event"));
		if (!o || !name) {
			t->bad_lines++;
			json_decref(o);
			continue;
		}
		if (!strcmp(name, "start")) {
			t->have_start = true;
			t->ino = get_u64(o, "ino");
			t->start_ns = get_u64(o, "ts_ns");
			copy_str(t->dev, sizeof(t->dev), json_object_get(o, "dev"));
			copy_str(t->kernel, sizeof(t->kernel), json_object_get(o, "kernel"));
			t->nr_attached = json_array_size(json_object_get(o, "attached"));
		} else if (!strcmp(name, "end")) {
			t->have_end = true;
			t->lost = get_u64(o, "lost");
		} else {
			memset(&e, 0, sizeof(e));
			if (parse_event(o, &e)) {
				t->bad_lines++;
			} else {
				e.line = lineno;
				if (t->nr == t->cap) {
					size_t ncap = t->cap ? t->cap * 2 : 256;
					struct ck_event *n = realloc(t->ev, ncap * sizeof(*n));

					if (!n) {
						json_decref(o);
						free(buf);
						return -ENOMEM;
					}
					t->ev = n;
					t->cap = ncap;
				}
				t->ev[t->nr++] = e;
			}
		}
		json_decref(o);
	}
	free(buf);
	count_gaps(t);
	/*
	 * Only the victim's events count (the start line names it, wherever it
	 * stands in the file); warnings without an inode are kept.
	 */
	if (t->have_start) {
		size_t i, n = 0;

		for (i = 0; i < t->nr; i++) {
			const struct ck_event *e = &t->ev[i];

			if (e->ino && (e->ino != t->ino || strcmp(e->dev, t->dev)))
				t->ignored++;
			else
				t->ev[n++] = *e;
		}
		t->nr = n;
	}
	qsort(t->ev, t->nr, sizeof(*t->ev), cmp_seq);
	return 0;
}

void ck_free(struct ck_trace *t)
{
	free(t->ev);
	memset(t, 0, sizeof(*t));
}

struct folio_state {
	uint64_t pfn;
	long clean;		/* last folio_mkclean, or -1 */
	long mkwrite;		/* last ->page_mkwrite, or -1 */
	bool mkwrite_since_clean;
	bool reported;		/* this clean cycle already has a violation */
};

static struct folio_state *state_of(struct folio_state *fs, size_t *n, uint64_t pfn)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (fs[i].pfn == pfn)
			return &fs[i];
	if (*n == CK_MAX_FOLIOS)
		return NULL;
	fs[*n] = (struct folio_state){ .pfn = pfn, .clean = -1, .mkwrite = -1 };
	return &fs[(*n)++];
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

void ck_check(const struct ck_trace *t, struct ck_result *r)
{
	static struct folio_state fs[CK_MAX_FOLIOS];
	size_t nfs = 0, i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < t->nr; i++) {
		const struct ck_event *e = &t->ev[i];
		struct folio_state *st;

		if (e->kind == PT_K_WARN || !e->pfn)
			continue;
		st = state_of(fs, &nfs, e->pfn);
		if (!st)
			continue;
		switch (e->kind) {
		case PT_K_MKCLEAN:
			st->clean = (long)i;
			st->mkwrite_since_clean = false;
			st->reported = false;
			break;
		case PT_K_MKWRITE:
			st->mkwrite = (long)i;
			st->mkwrite_since_clean = true;
			break;
		case PT_K_DIRTY:
			if (st->clean < 0 || st->mkwrite_since_clean || st->reported ||
			    (e->flags & PT_F_DIRTY) || own_write_path(e))
				break;
			st->reported = true;
			if (r->nr_v < CK_MAX_VIOL) {
				struct ck_violation *v = &r->v[r->nr_v++];

				v->clean = st->clean;
				v->dirty = (long)i;
				v->pfn = e->pfn;
				v->index = e->index;
				v->pinned = e->flags & PT_F_DMA_PINNED;
				v->last_mkwrite = st->mkwrite;
				evidence(t, i, v);
			}
			break;
		default:
			break;
		}
	}
	r->nr_folios = nfs;

	if (!t->have_start) {
		r->verdict = CK_NO_TRACE;
		snprintf(r->why, sizeof(r->why), "no pintrace start line: tracing did not run");
	} else if (!t->nr_attached) {
		r->verdict = CK_NO_TRACE;
		snprintf(r->why, sizeof(r->why), "no probe could be attached");
	} else if (!t->nr && t->have_end && !t->lost) {
		r->verdict = CK_NO_TRACE;
		snprintf(r->why, sizeof(r->why), "no event of the victim was recorded (%zu probes attached)",
			 t->nr_attached);
	} else if (t->lost || t->seq_gaps || !t->have_end) {
		r->verdict = CK_INCOMPLETE;
		snprintf(r->why, sizeof(r->why),
			 "trace incomplete: %llu event(s) lost, %llu sequence gap(s)%s; "
			 "%d candidate violation(s) not confirmed",
			 (unsigned long long)t->lost, (unsigned long long)t->seq_gaps,
			 t->have_end ? "" : ", no end line (pintrace did not finish)", r->nr_v);
	} else if (r->nr_v) {
		r->verdict = CK_VIOLATION;
		snprintf(r->why, sizeof(r->why), "%s", CK_INVARIANT);
	} else {
		r->verdict = CK_OK;
		snprintf(r->why, sizeof(r->why),
			 "every dirtying of a cleaned folio followed a ->page_mkwrite (%zu folio(s), %zu events)",
			 nfs, t->nr);
	}
}
