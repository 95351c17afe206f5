/* SPDX-License-Identifier: GPL-2.0 */
/*
 * checker.h - the ordering checker: a per-folio state machine over the
 * events pintrace recorded.
 *
 * Invariant (the one GUP breaks, see "mm/gup: disallow GUP writing to
 * file-backed mappings by default", 2023): once folio_mkclean() has cleaned
 * a folio and write-protected its PTEs, the folio may only become dirty
 * again after the filesystem was told through ->page_mkwrite.  A
 * set_page_dirty() / set_page_dirty_lock() / folio_mark_dirty() that finds
 * the folio clean, with no ->page_mkwrite since the last folio_mkclean(), is
 * a violation - unless it comes from the filesystem's own buffered-write
 * path (->write_begin/->write_end), which reserves blocks itself.
 */
#ifndef GUPR_CHECKER_H
#define GUPR_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pintrace.h"

#define CK_MAX_STACK	PT_MAX_STACK
#define CK_MAX_VIOL	16
#define CK_LINE_MAX	65536		/* longer lines of events.jsonl are malformed */
#define CK_MEM_BUDGET	(512UL << 20)	/* bytes of events held at most */
#define CK_MAX_EVENTS	(CK_MEM_BUDGET / sizeof(struct ck_event))
#define CK_ESC(n)	(4 * (n) + 1)	/* room for n bytes after text_safe() */

/**
 * struct ck_event - one event of events.jsonl
 * @seq: ring buffer order, numbered by the loader.
 * @cpu_seq: the CPU's attempt number (a gap on one CPU is a lost event).
 * @line: line number in the events file.
 * @kind: &enum pt_kind, from the event name through pintrace.h's table.
 *
 * The strings come from the guest and are stored through text_safe()
 * (kvfile.h): printable, valid UTF-8, bounded.
 */
struct ck_event {
	uint64_t seq, cpu_seq, ts_ns, pfn, ino, index;
	int cpu, pid, tid, refcount, line;
	long long arg;
	unsigned int flags;	/* GUP_REPRO_F_* */
	enum pt_kind kind;
	int probe;		/* enum pt_probe */
	char dev[16];
	char comm[CK_ESC(PT_COMM_LEN)];
	char str[CK_ESC(PT_STR_LEN)];	/* warning file or function */
	char stack[CK_MAX_STACK][80];
	int nr_stack;
};

/**
 * struct ck_trace - a parsed events file
 * @ev: events sorted by @seq; @nr of them.
 * @max_events: most events to hold (0: %CK_MAX_EVENTS, the memory budget);
 *	beyond it the rest of the file is not read and @too_many is set.
 * @have_start: the "start" line was seen (victim known).
 * @have_end: the "end" line was seen (pintrace drained and exited).
 * @lost: events the BPF side could not queue ("end" line).
 * @seq_gaps: per-CPU attempt numbers missing between a CPU's first and
 *	last event (events lost on the way).
 * @seq_dups: events whose seq an earlier event already had.
 * @cpu_seq_dups: events whose (cpu, cpu_seq) an earlier event already had.
 * @bad_lines: lines that are not a JSON event (or longer than %CK_LINE_MAX).
 * @ignored: events for other inodes, dropped.
 */
struct ck_trace {
	struct ck_event *ev;
	size_t nr, cap, max_events;
	uint64_t ino;
	char dev[16];
	char kernel[CK_ESC(64)];
	bool have_start, have_end, too_many;
	size_t nr_attached;
	uint64_t lost, seq_gaps, seq_dups, cpu_seq_dups;
	size_t bad_lines, ignored;
};

/**
 * struct ck_violation - evidence for one violated folio
 * @clean: index (in ck_trace.ev) of the folio_mkclean that cleaned it.
 * @dirty: index of the dirtying call that found it clean.
 * @fs_dirty: index of the filesystem's dirty hook in that call, or -1.
 * @warn: index of a warning raised in that call, or -1.
 * @last_mkwrite: index of the last ->page_mkwrite before @clean, or -1.
 * @pinned: the folio was maybe-DMA-pinned when it was dirtied.
 * @released: index of the last release of its private data
 *	(filemap_release_folio / try_to_free_buffers) between @clean and
 *	@dirty, or -1.
 * @lost_private: the folio had private data (buffer heads) when it was
 *	cleaned and none when it was dirtied: the filesystem is asked to
 *	dirty a folio whose per-block state is gone (ext4: "does not have
 *	buffers attached" at writeback).
 */
struct ck_violation {
	long clean, dirty, fs_dirty, warn, last_mkwrite, released;
	uint64_t pfn, index;
	bool pinned, lost_private;
};

enum ck_verdict {
	CK_NO_TRACE,	/* no events file, or no start line */
	CK_OK,		/* complete trace, invariant held */
	CK_VIOLATION,	/* complete trace, invariant violated */
	CK_INCOMPLETE,	/* events were lost or the trace was cut: no verdict */
};

struct ck_result {
	enum ck_verdict verdict;
	struct ck_violation v[CK_MAX_VIOL];
	int nr_v;
	char why[512];
};

/**
 * ck_load() - parse an events.jsonl stream
 * @f: the stream.
 * @t: zeroed trace to fill; free with ck_free().
 *
 * Events of other inodes than the "start" line's victim are dropped
 * (counted in @t->ignored); warnings without an inode are kept.  Events are
 * sorted by their ring buffer order (seq), so the order of lines in the file
 * does not matter.  Set @t->max_events before the call to hold fewer than
 * %CK_MAX_EVENTS.  Return: 0 or -ENOMEM.
 */
int ck_load(FILE *f, struct ck_trace *t);
void ck_free(struct ck_trace *t);

/**
 * ck_check() - run the per-folio state machine
 * @t: a loaded trace.
 * @r: the verdict and up to %CK_MAX_VIOL violations with their evidence.
 *
 * Duplicated sequence numbers, gaps, lost events, malformed lines, a
 * missing end line or too many events make the verdict CK_INCOMPLETE.
 * Return: 0 or -ENOMEM.
 */
int ck_check(const struct ck_trace *t, struct ck_result *r);

const char *ck_verdict_name(enum ck_verdict v);
const char *ck_kind_name(enum pt_kind k);
const char *ck_probe_name(int probe);

#define CK_INVARIANT \
	"a folio of a MAP_SHARED file mapping was dirtied while clean and " \
	"write-protected, with no ->page_mkwrite since the last folio_mkclean"

#endif
