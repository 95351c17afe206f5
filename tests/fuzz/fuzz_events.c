// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_events.c - libFuzzer harness for the events.jsonl loader, the
 * ordering checker and the report writers (pintrace-report's units,
 * bpf/host/pintrace-report.h): the input is an events.jsonl.  The printed
 * timeline and report.txt must be printable, valid UTF-8 and at most 80
 * columns a line (the report's verdict line is wrapped too); ordering.txt
 * and timeline.dat printable; trace.json valid JSON.  The same bytes are
 * also read as a steps.jsonl.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_check.h"
#include "host/pintrace-report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as events.jsonl into @t, checked into @r, and as steps.jsonl into @run. */
static void load(const uint8_t *data, size_t size, struct ck_trace *t, struct ck_result *r,
		 struct pr_run *run)
{
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f || ck_load(f, t))
		abort();
	fclose(f);
	if (ck_check(t, r))
		abort();
	/* the same bytes as a steps.jsonl: user steps join the timeline */
	memset(run, 0, sizeof(*run));
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	load_steps(f, run);
	fclose(f);
}

/* trace.json must be valid JSON (and printable). */
static void check_chrome_trace(const struct ck_trace *t, const struct pr_run *run)
{
	struct fuzz_out out;
	json_error_t err;
	json_t *json;

	fuzz_out_open(&out);
	if (write_chrome_trace(out.f, t, run))
		abort();
	fflush(out.f);
	json = json_loadb(out.buf, out.len, 0, &err);
	if (!json) {
		fprintf(stderr, "trace.json: %s at %d:%d\n", err.text, err.line, err.column);
		abort();
	}
	json_decref(json);
	fuzz_out_done(&out, "trace.json", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_trace t = { .max_events = 4096 };
	static struct ck_result r;
	static struct pr_run run;
	struct fuzz_out out;
	long rows;

	if (!size)
		return 0;
	load(data, size, &t, &r, &run);

	fuzz_out_open(&out);
	if (print_timeline(out.f, &t, &run, &r, victim_pfn(&t, &r), 1))
		abort();
	fuzz_out_done(&out, "timeline", COLS);

	fuzz_out_open(&out);
	if (write_report(out.f, &t, &run, &r))
		abort();
	fuzz_out_done(&out, "report.txt", COLS);

	fuzz_out_open(&out);
	if (write_svg_data(out.f, &t, &run, &r, victim_pfn(&t, &r), &rows))
		abort();
	fuzz_out_done(&out, "timeline.dat", 0);

	fuzz_out_open(&out);
	write_ordering(out.f, &t, &r);
	fuzz_out_done(&out, "ordering.txt", 0);

	check_chrome_trace(&t, &run);
	ck_free(&t);
	return 0;
}
