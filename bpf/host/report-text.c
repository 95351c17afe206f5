// SPDX-License-Identifier: GPL-2.0
/*
 * report-text.c - what pintrace-report writes as text
 * (pintrace-report.h): report.txt, plain text of at most 80 columns for a
 * filesystem maintainer's mail, and ordering.txt, the ordering checker's
 * result that gup-repro-verdict reads.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "kvfile.h"

#include "pintrace-report.h"

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
static void report_header(FILE *f, const struct ck_trace *t, const struct pr_run *run,
			  const struct ck_result *r)
{
	char buf[512];
	int i;

	fprintf(f, "gup-repro: GUP write after writeback - ordering %s\n\n", ck_verdict_name(r->verdict));
	wrap(f, "kernel:    ", 11, *run->kernel_pkg ? run->kernel_pkg : t->kernel);
	snprintf(buf, sizeof(buf), "%s, victim inode %llu on %s", *run->fs_name ? run->fs_name : "?",
		 (unsigned long long)t->ino, t->dev);
	wrap(f, "fs:        ", 11, buf);
	wrap(f, "scenario:  ", 11, *run->scenario ? run->scenario : "?");
	snprintf(buf, sizeof(buf), "%s", run->step_list);
	for (i = 0; buf[i]; i++)
		if (buf[i] == ',')
			buf[i] = ' ';
	wrap(f, "steps:     ", 11, buf);
}

/* report.txt: the kernel warning as the verdict quoted it. */
static void report_warning(FILE *f, const struct pr_run *run)
{
	char buf[512], *save = NULL;

	fprintf(f, "\nKernel warning\n--------------\n");
	if (!*run->warn_line) {
		fprintf(f, "none: the kernel printed no warning for this run.\n");
		return;
	}
	wrap(f, "", 2, run->warn_line);
	if (*run->warn_trace) {
		fprintf(f, "Call Trace (trimmed):\n");
		snprintf(buf, sizeof(buf), "%s", run->warn_trace);
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

int write_report(FILE *f, const struct ck_trace *t, const struct pr_run *run,
		 const struct ck_result *r)
{
	uint64_t pfn = victim_pfn(t, r), t0 = first_ts(t, run);
	char buf[sizeof(r->why) + 32];
	int i;

	report_header(f, t, run, r);
	report_warning(f, run);
	snprintf(buf, sizeof(buf), "Timeline of folio pfn %#llx, index %llu (ms)",
		 (unsigned long long)pfn, (unsigned long long)(r->nr_v ? r->v[0].index :
		 (t->nr ? t->ev[0].index : 0)));
	fprintf(f, "\n%s\n%.*s\n", buf, (int)strlen(buf),
		"--------------------------------------------------------------------------------");
	if (print_timeline(f, t, run, r, pfn, 0))
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
	if (*run->final_verdict) {
		fprintf(f, "\n");
		wrap(f, "verdict:   ", 11, run->final_verdict);
		if (*run->final_reason)
			wrap(f, "reason:    ", 11, run->final_reason);
		if (*run->final_integrity)
			wrap(f, "integrity: ", 11, run->final_integrity);
		if (*run->final_fsck)
			wrap(f, "fsck:      ", 11, run->final_fsck);
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

void write_ordering(FILE *f, const struct ck_trace *t, const struct ck_result *r)
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

