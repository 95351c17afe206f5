// SPDX-License-Identifier: GPL-2.0
/*
 * verdict-outcome.c - the verdict block of one run (gup-repro-verdict,
 * verdict.h): of the outcomes below the first that applies decides, and
 * its "verdict:", "reason:" lines come first; then the symptom, the
 * ordering checker, the integrity check, fsck and the notes, and last the
 * "cell:" of matrices and the "exit:" status.
 *
 *   1   FS CORRUPTION   the filesystem's checker reports damage on the
 *                       scratch image after the guest unmounted it
 *   1   DATA LOSS       a write that must be on disk is not (the driver's
 *                       O_DIRECT read-back after sync and cache drop)
 *   1   REPRODUCED      a known symptom of the bug class is in the log
 *   1   VIOLATION       no symptom, but the ordering checker found the
 *                       invariant violated
 *   0   NOT REPRODUCED  the scenario completed and no known symptom fired
 *   0   MITIGATED       the kernel refused the long-term pin on purpose
 *   125 COULD NOT TEST  boot failure, timeout, truncated log, a failed step,
 *                       or a guest crash that is not a known symptom
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvfile.h"
#include "verdict.h"

void emit(FILE *o, const char *fmt, ...)
{
	char raw[4096], safe[OUT_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	fprintf(o, "%s\n", text_safe(safe, sizeof(safe), raw, sizeof(raw)));
}

static void print_event(FILE *o, const char *key, const struct event *ev)
{
	char trace[MAX_TRACE * 97 + 1];
	size_t n = 0;
	int i;

	emit(o, "%s: %s", key, ev->line);
	if (ev->func[0] || ev->file[0]) {
		if (ev->file[0])
			emit(o, "site: %s (%s:%d)", ev->func[0] ? ev->func : "?", ev->file,
			     ev->lineno);
		else
			emit(o, "site: %s", ev->func[0] ? ev->func : "?");
	}
	if (ev->nr_trace) {
		for (i = 0; i < ev->nr_trace; i++)
			n += (size_t)snprintf(trace + n, sizeof(trace) - n, " %s", ev->trace[i]);
		emit(o, "trace:%s", trace);
	}
}

static const char *byte_name(int b, char *buf, size_t len)
{
	if (b < 0)
		snprintf(buf, len, "?");
	else if (b >= 0x21 && b < 0x7f)
		snprintf(buf, len, "'%c' (0x%02x)", b, b);
	else
		snprintf(buf, len, "0x%02x", b);
	return buf;
}

static void print_symptom(FILE *o, const struct log *lg)
{
	print_event(o, "warning", &lg->symptom);
}

/* The integrity and fsck lines of a verdict block. */
static void emit_oracles(FILE *o, const struct log *lg, const struct oracles *or,
			 enum fsck_state fs, int corrupt)
{
	if (or && or->integ) {
		char ms[32] = "";

		if (or->integ_ms >= 0 && or->integ_ms < 1e9)
			snprintf(ms, sizeof(ms), ", %.0f ms", or->integ_ms);
		if (or->integ_error[0])
			emit(o, "integrity: not checked: %s (%s)", or->integ_error, or->integ_method);
		else
			emit(o, "integrity: %ld of %ld pages as expected, %ld lost, %ld not expected on disk (%s%s)%s%s",
			     or->integ_ok, or->integ_pages, or->integ_lost, or->integ_excused,
			     or->integ_method, ms, or->integ_fsync[0] ? "; its fsync: " : "",
			     or->integ_fsync);
	} else if (or && lg->complete) {
		emit(o, "integrity: not checked (no integrity record)");
	}
	if (or && or->fsck) {
		static const char *const names[] = { "not run", "clean", "DAMAGE", "log not replayed",
						     "checker failed" };

		if (or->fsck_skip[0])
			emit(o, "fsck: not run: %s", or->fsck_skip);
		else
			emit(o, "fsck: %s: %s (exit %d)%s", or->fsck_tool, names[fs], or->fsck_rc,
			     fs == FSCK_DAMAGE && !corrupt ? ", not counted: the guest did not unmount cleanly" : "");
	}
}

/* The notes of a verdict block: what else happened besides the verdict. */
static void emit_notes(FILE *o, const struct log *lg, const struct oracles *or,
		       const char *boot_status, int rc, int corrupt, int lost)
{
	int i;

	if (rc == 1 && (corrupt || lost) && lg->have_symptom)
		emit(o, "note: the kernel also warned (REPRODUCED:%s)",
		     lg->symptom.func[0] ? lg->symptom.func : lg->symptom.file);
	if (or && or->wb_error[0])
		emit(o, "note: the filesystem reported a writeback error to the application: %s",
		     or->wb_error);
	if (rc == 1 && corrupt && lost)
		emit(o, "note: data was lost too (page %ld, file offset %ld)", or->lost_page, or->lost_off);
	if (rc == 1 && strcmp(boot_status, "ok"))
		emit(o, "note: afterwards the guest ended with: %s", boot_status);
	if (rc == 1 && lg->have_crash)
		emit(o, "note: afterwards the guest crashed: %s", lg->crash.line);
	for (i = 0; i < lg->nr_other; i++)
		emit(o, "note: other warning: %s", lg->other[i]);
}

/*
 * The outcomes of a run, one function each: each emits the "verdict:" and "reason:" lines (and
 * any lines that belong under the reason), fills the matrix cell and returns the exit code.
 */
static int outcome_corrupt(FILE *o, const struct oracles *or, char *cell, size_t n)
{
	int i;

	emit(o, "verdict: FS CORRUPTION");
	emit(o, "reason: %s found damage on the scratch image after the guest unmounted it (%s, exit %d)",
	     or->fsck_tool, or->fsck_cmd, or->fsck_rc);
	for (i = 0; i < or->nr_fsck_lines; i++)
		emit(o, "fsck-says: %s", or->fsck_lines[i]);
	snprintf(cell, n, "CORRUPT:%s", or->fsck_tool);
	return 1;
}

static int outcome_lost(FILE *o, const struct oracles *or, char *cell, size_t n)
{
	char a[32], b[32];

	emit(o, "verdict: DATA LOSS");
	emit(o, "reason: page %ld of the victim: expected %s written through the %s, found %s on disk at file offset %ld (read back %s)",
	     or->lost_page, byte_name(or->lost_want, a, sizeof(a)),
	     !strcmp(or->lost_writer, "pin") ? "pin (kernel)" :
	     !strcmp(or->lost_writer, "user") ? "user mapping" : or->lost_writer,
	     byte_name(or->lost_found, b, sizeof(b)), or->lost_off, or->integ_how);
	snprintf(cell, n, "LOSS");
	return 1;
}

static int outcome_symptom(FILE *o, const struct log *lg, const struct ordering *ord, char *cell,
			   size_t n)
{
	emit(o, "verdict: REPRODUCED");
	if (ord && ord->private[0] && !strncmp(lg->symptom.sym->match, "ext4_", 5) &&
	    lg->symptom.sym->kind == K_WARNING)
		/* ext4_dirty_folio's other WARN_ON_ONCE: !folio_buffers() */
		emit(o, "reason: ext4 was asked to dirty a folio whose buffer heads were released while the page was held (no ->page_mkwrite)");
	else
		emit(o, "reason: %s", lg->symptom.sym->what);
	snprintf(cell, n, "REPRODUCED:%s",
		 lg->symptom.func[0] ? lg->symptom.func : lg->symptom.file);
	return 1;
}

/* The guest did not run the scenario to its end: it was killed, never booted or crashed. */
static int outcome_no_run(FILE *o, const struct log *lg, const char *boot_status, char *cell,
			  size_t n)
{
	emit(o, "verdict: COULD NOT TEST");
	if (strcmp(boot_status, "ok")) {
		if (!strcmp(boot_status, "timeout"))
			emit(o, "reason: timeout: the guest did not power off in time%s",
			     lg->booted ? " (hang after init started)" : " (hang during boot)");
		else if (!strcmp(boot_status, "output-limit"))
			emit(o, "reason: output-limit: the guest wrote more than its bound to a serial file and was killed");
		else
			emit(o, "reason: %s", boot_status);
		snprintf(cell, n, "ERROR:%s", boot_status);
	} else if (!lg->booted) {
		emit(o, "reason: boot failure: the guest init never started%s%s",
		     lg->panic[0] ? ": " : "", lg->panic);
		snprintf(cell, n, "ERROR:boot failure");
	} else {
		emit(o, "reason: guest crash, not a known symptom of the bug class");
		print_event(o, "crash", &lg->crash);
		snprintf(cell, n, "ERROR:crash in %s", lg->crash.func[0] ? lg->crash.func : "?");
	}
	return 125;
}

static int outcome_mitigated(FILE *o, const struct log *lg, char *cell, size_t n)
{
	emit(o, "verdict: MITIGATED");
	emit(o, "reason: the kernel refused the long-term pin at step %s with %s",
	     lg->failed_step, lg->failed_errno);
	snprintf(cell, n, "MITIGATED:%s", lg->failed_errno);
	return 0;
}

/* The guest ran but the scenario failed or its log stops before the end. */
static int outcome_unfinished(FILE *o, const struct log *lg, const struct oracles *or, char *cell,
			      size_t n)
{
	emit(o, "verdict: COULD NOT TEST");
	if (lg->failed) {
		emit(o, "reason: scenario %s failed at step %s (%s)", lg->scenario,
		     lg->failed_step, lg->failed_errno);
		snprintf(cell, n, "ERROR:%s %s", lg->failed_step, lg->failed_errno);
	} else if (lg->guest_error[0]) {
		emit(o, "reason: the guest init failed: %s", lg->guest_error);
		snprintf(cell, n, "ERROR:%s", lg->guest_error);
	} else {
		emit(o, or ? "reason: the scenario did not finish (no status record in steps.jsonl or guest.log)" :
		     "reason: console log ends before the scenario finished (truncated)");
		snprintf(cell, n, "ERROR:truncated log");
	}
	return 125;
}

static int outcome_violation(FILE *o, const struct ordering *ord, char *cell, size_t n)
{
	emit(o, "verdict: VIOLATION");
	emit(o, "reason: no kernel warning, but %s", ord->invariant);
	snprintf(cell, n, "VIOLATION");
	return 1;
}

static int outcome_clean(FILE *o, const struct log *lg, char *cell, size_t n)
{
	emit(o, "verdict: NOT REPRODUCED");
	emit(o, "reason: scenario %s completed; no known symptom in %ld log lines",
	     lg->scenario, lg->lines);
	snprintf(cell, n, "CLEAN");
	return 0;
}

int verdict(FILE *o, const struct log *lg, const char *boot_status,
	    const struct ordering *ord, const struct oracles *or)
{
	int rc;
	int violated = ord && !strcmp(ord->verdict, "VIOLATION");
	enum fsck_state fs = or ? fsck_state(or) : FSCK_NONE;
	int ran = !strcmp(boot_status, "ok") && lg->booted && !lg->have_crash;
	int corrupt = ran && fs == FSCK_DAMAGE && or->unmounted;
	int lost = ran && or && or->integ && or->integ_lost > 0;
	char cell[256];

	/* The first that applies, in this order, decides. */
	if (corrupt)
		rc = outcome_corrupt(o, or, cell, sizeof(cell));
	else if (lost)
		rc = outcome_lost(o, or, cell, sizeof(cell));
	else if (lg->have_symptom)
		rc = outcome_symptom(o, lg, ord, cell, sizeof(cell));
	else if (!ran)
		rc = outcome_no_run(o, lg, boot_status, cell, sizeof(cell));
	else if (lg->refused)
		rc = outcome_mitigated(o, lg, cell, sizeof(cell));
	else if (lg->failed || !lg->complete)
		rc = outcome_unfinished(o, lg, or, cell, sizeof(cell));
	else if (violated)
		rc = outcome_violation(o, ord, cell, sizeof(cell));
	else
		rc = outcome_clean(o, lg, cell, sizeof(cell));

	if (lg->have_symptom)
		print_symptom(o, lg);
	if (ord)
		emit(o, "ordering: %s: %s", ord->verdict, ord->why);
	if (ord && ord->private[0])
		emit(o, "buffers: %s", ord->private);
	emit_oracles(o, lg, or, fs, corrupt);
	emit_notes(o, lg, or, boot_status, rc, corrupt, lost);
	if (or && or->kernel_label)
		emit(o, "kernel: %s", or->kernel_label);
	if (or && or->trace_note)
		emit(o, "trace: %s", or->trace_note);
	emit(o, "cell: %s", cell);
	emit(o, "exit: %d", rc);
	return rc;
}

/* --error REASON / --interrupted SIG: runs that never reached a verdict. */
int verdict_error(FILE *o, const char *reason, const char *sig, const char *phase,
		  const struct oracles *or)
{
	int rc = 125;

	emit(o, "verdict: COULD NOT TEST");
	if (sig) {
		rc = !strcmp(sig, "INT") ? 130 : !strcmp(sig, "TERM") ? 143 : 129;
		emit(o, "reason: interrupted by SIG%s during %s", sig, phase ? phase : "?");
	} else {
		emit(o, "reason: %s", reason);
	}
	if (or->kernel_label)
		emit(o, "kernel: %s", or->kernel_label);
	if (or->trace_note)
		emit(o, "trace: %s", or->trace_note);
	if (sig)
		emit(o, "cell: ERROR:interrupted");
	else
		emit(o, "cell: ERROR:%.60s", reason);
	emit(o, "exit: %d", rc);
	return rc;
}
