/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pintrace-report.h - the units of pintrace-report (docs/code.md):
 *   checker.c        events.jsonl and the ordering checker (checker.h)
 *   timeline.c       the victim folio's timeline: the short one printed,
 *                    timeline.dat for the SVG, trace.json
 *   report-text.c    report.txt and ordering.txt
 *   pintrace-report.c  the command line, the inputs, the output files
 *
 * What the run's other files say is kept in a struct pr_run, every string
 * through text_safe() (kvfile.h) on reading.
 */
#ifndef GUPR_PINTRACE_REPORT_H
#define GUPR_PINTRACE_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "checker.h"

#define COLS		80	/* width of report.txt and the timeline */
#define TL_MAX_ROWS	500	/* timeline rows shown; the rest are counted */
#define MAX_STEPS	128	/* user steps kept of steps.jsonl */

/* The timeline's swimlanes. */
enum lane { L_USER, L_MODULE, L_MM, L_FS, L_WB, L_NR };

/**
 * struct step - a user step of steps.jsonl
 * @name: the step.
 * @result: "ok" or "failed".
 * @errname: its errno name when it failed.
 * @t0: when it started, guest CLOCK_MONOTONIC in ns.
 * @t1: when it ended, in ns.
 * @seq: its number in the plan.
 */
struct step {
	char name[32], result[8], errname[24];
	uint64_t t0, t1;
	int seq;
};

/**
 * struct pr_run - what the run's other files say
 * @steps: the user steps of steps.jsonl (--steps), @nr_steps of them.
 * @nr_steps: steps in @steps.
 * @kernel_pkg: run.txt's "kernel-package:".
 * @scenario: run.txt's "scenario:".
 * @step_list: run.txt's "steps:" (comma-separated).
 * @fs_name: guest.log's "gupr-meta: fs=".
 * @warn_line: verdict.txt's "warning:" (the kernel warning).
 * @warn_trace: verdict.txt's "trace:" (its call trace, blank-separated).
 * @final_verdict: verdict.txt's "verdict:", which report.txt renders.
 * @final_reason: its "reason:".
 * @final_integrity: its "integrity:".
 * @final_fsck: its "fsck:".
 */
struct pr_run {
	struct step steps[MAX_STEPS];
	int nr_steps;
	char kernel_pkg[160], scenario[64], step_list[512], fs_name[32];
	char warn_line[256], warn_trace[512];
	char final_verdict[64], final_reason[512], final_integrity[256], final_fsck[256];
};

/* timeline.c */

/**
 * load_steps() - the user steps of a steps.jsonl into @run
 * @f: the file: one JSON object a line; those with a "step" string and a
 *	t0_ns are steps, other lines and cut lines are skipped.
 * @run: @steps and @nr_steps (at most MAX_STEPS), appended to.
 */
void load_steps(FILE *f, struct pr_run *run);

/**
 * victim_pfn() - the folio the timeline shows
 * @t: the trace.
 * @r: the checker's result.
 * Return: the pfn of the first violated folio, else of the first event
 * (0 without events).
 */
uint64_t victim_pfn(const struct ck_trace *t, const struct ck_result *r);

/**
 * first_ts() - when the run's first event or step happened
 * @t: the trace.
 * @run: the steps.
 * Return: the earliest timestamp, guest CLOCK_MONOTONIC in ns (0: none).
 */
uint64_t first_ts(const struct ck_trace *t, const struct pr_run *run);

/**
 * since() - @ts - @t0 in @unit, signed: the guest's clocks may disagree
 * @ts: a time in ns.
 * @t0: the origin in ns.
 * @unit: ns a unit: 1e6 for ms, 1e3 for us.
 * Return: the difference in @unit.
 */
double since(uint64_t ts, uint64_t t0, double unit);

/**
 * flags_text() - folio flags as fixed-width letters, '.' when clear
 * (FLAGS_LEGEND)
 * @flags: GUP_REPRO_F_* bits.
 * @buf: the text, NUL-terminated.
 * @len: size of @buf in bytes.
 */
void flags_text(unsigned int flags, char *buf, size_t len);
#define FLAGS_LEGEND "flags: L locked, U uptodate, D dirty, W writeback, " \
	"B buffer heads, M mapped, P maybe DMA-pinned; '.' = not set"

/**
 * print_timeline() - the timeline of folio @pfn, one row a line of at most
 * COLS columns, at most TL_MAX_ROWS rows (then a count of the rest)
 * @f: the stream.
 * @t: the trace.
 * @run: the user steps, merged in by time.
 * @r: the checker's result (the violation's events are marked).
 * @pfn: the folio; 0 for all.
 * @brief: skip the nested fs hooks and writeback's end.
 * Return: 0, or -1 out of memory (said on stderr).
 */
int print_timeline(FILE *f, const struct ck_trace *t, const struct pr_run *run,
		   const struct ck_result *r, uint64_t pfn, int brief);

/**
 * write_svg_data() - timeline.dat, gnuplot's input: one labelled point a
 * row, at most TL_MAX_ROWS
 * @f: the stream.
 * @t: the trace.
 * @run: the user steps.
 * @r: the checker's result.
 * @pfn: the folio.
 * @rows: the rows written.
 * Return: 0, or -1 out of memory (said on stderr).
 */
int write_svg_data(FILE *f, const struct ck_trace *t, const struct pr_run *run,
		   const struct ck_result *r, uint64_t pfn, long *rows);

/**
 * write_chrome_trace() - trace.json in the Chrome Trace Event format: one
 * process a swimlane, the steps as spans, the events as instants
 * @f: the stream, written one event at a time.
 * @t: the trace.
 * @run: the user steps.
 * Return: 0, or -1 out of memory or on a write error.
 */
int write_chrome_trace(FILE *f, const struct ck_trace *t, const struct pr_run *run);

/* report-text.c */

/**
 * write_report() - report.txt: plain text of at most COLS columns for a
 * mail: the run, the kernel warning, the timeline, the invariant, each
 * violation's evidence and the verdict
 * @f: the stream.
 * @t: the trace.
 * @run: the run's other files.
 * @r: the checker's result.
 * Return: 0, or -1 out of memory.
 */
int write_report(FILE *f, const struct ck_trace *t, const struct pr_run *run,
		 const struct ck_result *r);

/**
 * write_ordering() - ordering.txt, the oracle gup-repro-verdict reads:
 * "ordering:", "why:", "invariant:", one "violation:" and "private:" line
 * a violated folio, and the event counts
 * @f: the stream.
 * @t: the trace.
 * @r: the checker's result.
 */
void write_ordering(FILE *f, const struct ck_trace *t, const struct ck_result *r);

#endif
