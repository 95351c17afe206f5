/* SPDX-License-Identifier: GPL-2.0 */
/*
 * verdict.h - the units of gup-repro-verdict, the one place a run's
 * verdict is decided (docs/code.md):
 *   verdict-console.c  the console log: known symptoms, crashes, the
 *                      driver's and the guest init's status lines
 *   verdict-oracles.c  the run directory's other oracles: steps.jsonl,
 *                      guest.log, fsck.txt, ordering.txt, run.txt
 *   verdict-outcome.c  the verdict block: the outcome that applies and
 *                      every line printed about it
 *   verdict-repeat.c   the counted verdict of N repeated runs
 *   verdict.c          the command line (main)
 *
 * Every input is untrusted (the guest kernel is deliberately corrupted):
 * what the units keep is bounded by the arrays below, and every line
 * printed goes through emit() (text_safe(): control characters and
 * invalid UTF-8 escaped as \xNN, at most OUT_LINE_MAX - 1 bytes).
 */
#ifndef GUPR_VERDICT_H
#define GUPR_VERDICT_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRACE	12	/* call trace frames kept of a record */
#define MAX_NOTES	8	/* other WARNINGs kept */
#define LINE_MAX_KEEP	512	/* bytes kept of a log line */
#define OUT_LINE_MAX	512	/* longest line printed, escapes included */

/* How a known symptom shows in the log: __warn(), BUG(), a message. */
enum kind { K_WARNING, K_BUG_AT, K_MESSAGE };

/**
 * struct symptom - a known symptom of the bug class (symptoms[] of
 * verdict-console.c)
 * @kind: how it shows.
 * @match: K_WARNING: the function; K_BUG_AT: a path prefix; K_MESSAGE: text
 *	in the line.
 * @what: the verdict's reason.
 * @site: K_MESSAGE: the function that prints it, if fixed, else NULL.
 */
struct symptom {
	enum kind kind;
	const char *match;
	const char *what;
	const char *site;
};

/**
 * struct event - a kernel record of the console log
 * @line: the log line, timestamp stripped.
 * @func: the function it names ("" if none).
 * @file: the source file it names ("" if none).
 * @lineno: the line in @file.
 * @sym: the known symptom it is, or NULL.
 * @trace: the function names of its "Call Trace:" block.
 * @nr_trace: frames in @trace.
 */
struct event {
	char line[LINE_MAX_KEEP];
	char func[128];
	char file[160];
	int lineno;
	const struct symptom *sym;
	char trace[MAX_TRACE][96];
	int nr_trace;
};

/**
 * struct log - what the console log (and in --dir mode guest.log and
 * steps.jsonl) say about the run
 * @booted: the guest init started.
 * @done: the guest init said it was done ("guest done rc=").
 * @guest_rc: its rc.
 * @complete: the scenario's status is "complete".
 * @failed: its status is "failed" (at @failed_step with @failed_errno).
 * @refused: its status is "refused": the kernel refused the long-term pin.
 * @failed_step: the step that failed or was refused.
 * @failed_errno: its errno name.
 * @scenario: the scenario's name.
 * @symptom: the first known symptom (if @have_symptom).
 * @have_symptom: a known symptom is in the log.
 * @crash: the first BUG/Oops/panic that is not a symptom (if @have_crash).
 * @have_crash: there is one.
 * @panic: the first "Kernel panic - not syncing" line, or "".
 * @other: other WARNINGs, @nr_other of them.
 * @guest_error: guest.log's "gupr-meta: error=", or "".
 * @nr_other: lines in @other.
 * @lines: console lines read.
 */
struct log {
	int booted, done, guest_rc;
	int complete, failed, refused;
	char failed_step[64], failed_errno[32], scenario[64];
	struct event symptom;
	int have_symptom;
	struct event crash;
	int have_crash;
	char panic[LINE_MAX_KEEP];
	char other[MAX_NOTES][LINE_MAX_KEEP];
	char guest_error[128];
	int nr_other;
	long lines;
};

/**
 * struct ordering - ordering.txt of pintrace-report
 * @verdict: "ordering: X" (VIOLATION, OK, ...).
 * @why: "why: ...".
 * @invariant: "invariant: ...".
 * @private: the first "private: ..." line: the violating folio lost its
 *	buffer heads between the clean and the dirtying ("" if not).
 */
struct ordering {
	char verdict[32], why[512], invariant[256], private[384];
};

/**
 * struct oracles - what a run directory says besides the console
 * @dir: the run directory (--dir mode), else NULL.
 * @integ: the driver wrote an integrity summary record.
 * @integ_pages: pages compared.
 * @integ_ok: pages as expected.
 * @integ_lost: pages with a difference that is not an expected loss.
 * @integ_excused: pages whose writes are not expected on disk (docs/verdicts.md).
 * @integ_method: how the file was read back ("O_DIRECT", "buffered",
 *	"remount after O_DIRECT EUCLEAN": the direct read failed, the guest
 *	unmounted and mounted the filesystem again and read it buffered).
 * @integ_how: the read-back in words, for the DATA LOSS reason.
 * @integ_error: why the check could not run, or "".
 * @integ_fsync: the errno name the check's own fsync() returned, or "".
 * @integ_ms: how long the check took in the guest, in ms (-1: not said).
 * @lost_page: first lost page.
 * @lost_off: its first differing byte, from the start of the file.
 * @lost_want: the byte expected there.
 * @lost_found: the byte found.
 * @lost_writer: who wrote the expected byte ("user", "pin", "file").
 * @fsck: fsck.txt was present.
 * @fsck_tool: e2fsck, xfs_repair, btrfs.
 * @fsck_cmd: the command line run on the host.
 * @fsck_rc: its exit status, or -1.
 * @fsck_skip: why the checker did not run, or "".
 * @fsck_lines: the first lines of its output that name a problem.
 * @nr_fsck_lines: lines in @fsck_lines.
 * @unmounted: the guest unmounted the scratch filesystem cleanly.
 * @wb_error: the first writeback error a sync step reported ("fsync
 *	EUCLEAN"), from the driver's status record, or "".
 * @kernel_label: --kernel-label.
 * @trace_note: --trace-note.
 */
struct oracles {
	const char *dir;
	int integ;
	long integ_pages, integ_ok, integ_lost, integ_excused;
	char integ_method[64], integ_how[96], integ_error[128], integ_fsync[32];
	double integ_ms;
	long lost_page, lost_off;
	int lost_want, lost_found;
	char lost_writer[16];
	int fsck;
	char fsck_tool[32], fsck_cmd[256], fsck_skip[256];
	int fsck_rc;
	char fsck_lines[4][256];
	int nr_fsck_lines;
	int unmounted;
	char wb_error[96];
	const char *kernel_label, *trace_note;
};

/* What the filesystem's checker said (fsck_state()). */
enum fsck_state { FSCK_NONE, FSCK_CLEAN, FSCK_DAMAGE, FSCK_DIRTY_LOG, FSCK_FAILED };

/**
 * copy_str() - copy a string, truncated to fit
 * @dst: the copy, NUL-terminated.
 * @len: size of @dst in bytes (> 0): at most @len - 1 bytes are copied.
 * @src: the string.
 */
static inline void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/**
 * parse_int() - a decimal number as the kernel prints it, clamped to int
 * @s: the text; what follows the digits is ignored.
 * Return: the number, INT_MIN..INT_MAX (0 when @s has no digits).
 */
static inline int parse_int(const char *s)
{
	long v = strtol(s, NULL, 10);

	return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

/* verdict-console.c */

/**
 * console_parse() - read a console log into @lg
 * @f: the console log; lines longer than KV_LINE_MAX are cut.
 * @lg: zeroed by the caller; filled with the symptoms, crashes and (with
 *	@status) the status lines found.
 * @status: 1 to take the driver's and the guest init's status from the
 *	console ("gup-repro: ..." lines: the bare CONSOLE_LOG form), 0 when
 *	guest.log and steps.jsonl give it (--dir).
 *
 * Out of memory for its line buffer, it reads nothing (@lg stays empty:
 * the verdict is COULD NOT TEST).
 */
void console_parse(FILE *f, struct log *lg, int status);

/**
 * status_line() - a scenario's status line into @lg
 * @lg: the run's log; its status fields are replaced.
 * @s: "scenario=NAME status=complete|failed|refused [step=S] [errno=E]"
 *	(the driver's or a trigger's); other lines are ignored.
 */
void status_line(struct log *lg, const char *s);

/* verdict-oracles.c */

/**
 * open_in() - open a file of a run directory for reading
 * @dir: the directory.
 * @name: the file's name in it.
 * Return: the stream, or NULL (errno set).
 */
FILE *open_in(const char *dir, const char *name);

/**
 * read_ordering() - ordering.txt of pintrace-report into @o
 * @f: the file.
 * @o: zeroed by the caller.
 * Return: 0, or -EINVAL when it has no "ordering:" line.
 */
int read_ordering(FILE *f, struct ordering *o);

/**
 * read_steps() - the driver's steps.jsonl: its status record and its
 * integrity records (each line one JSON object, read with jansson)
 * @dir: the run directory; a missing file leaves @lg and @or as they are.
 * @lg: the status record's scenario status (status_line()).
 * @or: the integrity records' counts and first lost page, the writeback
 *	error; the records of a verify-disk step (phase "step") are skipped.
 */
void read_steps(const char *dir, struct log *lg, struct oracles *or);

/**
 * read_guest() - guest.log's "gupr-meta: " lines: boot, a trigger's
 * status, the init's error, the scratch filesystem's unmount
 * @dir: the run directory; a missing file leaves @lg and @or as they are.
 * @lg: @booted, the status (status_line()), @guest_error.
 * @or: @unmounted.
 */
void read_guest(const char *dir, struct log *lg, struct oracles *or);

/**
 * read_fsck() - fsck.txt, the filesystem checker's report on the host
 * @dir: the run directory.
 * @or: @fsck (fsck.txt present), the tool, command, exit status (-1 if
 *	not said), why it was skipped, and the first lines of its output
 *	that name a problem.
 */
void read_fsck(const char *dir, struct oracles *or);

/**
 * fsck_state() - what the checker's exit status means, by its manual
 * @or: the oracles read_fsck() filled.
 * Return: FSCK_NONE when it did not run, else its state.
 */
enum fsck_state fsck_state(const struct oracles *or);

/**
 * boot_status_ok() - @s is a boot status run.sh writes
 * @s: the status.
 * Return: 1 for ok, timeout, qemu-error and output-limit, else 0.
 */
int boot_status_ok(const char *s);

/**
 * dir_boot_status() - a run directory's boot status: run.txt's
 * "boot-status:" (its first word), else "ok"
 * @dir: the run directory.
 * @bs: buffer for the status.
 * @len: size of @bs in bytes.
 * Return: @bs when it holds a valid status (boot_status_ok()), else "ok".
 */
const char *dir_boot_status(const char *dir, char *bs, size_t len);

/* verdict-outcome.c */

/**
 * emit() - print one output line: formatted, then through text_safe(), so
 * whatever the guest put into the arguments reaches the terminal escaped
 * @o: the stream.
 * @fmt: printf format of the line, without its newline.
 *
 * The line is at most OUT_LINE_MAX - 1 bytes long.
 */
void emit(FILE *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * verdict() - decide and print the verdict block of one run
 * @o: the stream.
 * @lg: the console (and for a directory guest.log, steps.jsonl).
 * @boot_status: how the guest ended: "ok", "timeout", ...
 * @ord: ordering.txt, or NULL.
 * @or: the run directory's other oracles, or NULL (a bare console log).
 * Return: the exit status: 1 reproduced (FS CORRUPTION, DATA LOSS,
 * REPRODUCED, VIOLATION), 0 NOT REPRODUCED or MITIGATED, 125 COULD NOT TEST.
 */
int verdict(FILE *o, const struct log *lg, const char *boot_status,
	    const struct ordering *ord, const struct oracles *or);

/**
 * verdict_error() - the verdict block of a run that never reached one
 * @o: the stream.
 * @reason: --error REASON (when @sig is NULL).
 * @sig: --interrupted INT|TERM|HUP, or NULL.
 * @phase: --phase, or NULL.
 * @or: the kernel label and trace note.
 * Return: 125, or for @sig 130 (INT), 143 (TERM), 129 (HUP).
 */
int verdict_error(FILE *o, const char *reason, const char *sig, const char *phase,
		  const struct oracles *or);

/* verdict-repeat.c */

/**
 * verdict_repeat() - the counted verdict of @n runs, DIR/run-01 ..
 * run-NN/verdict.txt
 * @o: the stream.
 * @dir: the directory of the runs.
 * @n: the number of runs (1..1000).
 * Return: 1 if any run reproduced, else 125 if any could not be tested,
 * else 0; 2 when out of memory (nothing printed).
 */
int verdict_repeat(FILE *o, const char *dir, long n);

#endif
