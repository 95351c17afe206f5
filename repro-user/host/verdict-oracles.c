// SPDX-License-Identifier: GPL-2.0
/*
 * verdict-oracles.c - the oracles of a run directory besides its console
 * (gup-repro-verdict --dir, verdict.h): the driver's steps.jsonl (status
 * and data-integrity records), the guest init's guest.log, the host's
 * fsck.txt, pintrace-report's ordering.txt and run.sh's run.txt.
 *
 * steps.jsonl is read with jansson, one JSON object a line.  A line that
 * is not one (not JSON, cut at KV_LINE_MAX bytes, invalid UTF-8, a control
 * character in a string, an integer beyond 64 bits) is skipped whole, as
 * is any other line (the guest tests' TAP shares the port).  What a
 * record says is kept bounded as before: strings cut to their field's
 * size, numbers as strtol() read the old hand-rolled format (a real is
 * cut toward 0, a value that is not a number is 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"
#include "verdict.h"

/* ordering.txt: "ordering: X", "why: ...", "invariant: ...", "private: ...". */
int read_ordering(FILE *f, struct ordering *o)
{
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "ordering: ", 10))
			copy_str(o->verdict, sizeof(o->verdict), line + 10);
		else if (!strncmp(line, "why: ", 5))
			copy_str(o->why, sizeof(o->why), line + 5);
		else if (!strncmp(line, "invariant: ", 11))
			copy_str(o->invariant, sizeof(o->invariant), line + 11);
		else if (!strncmp(line, "private: ", 9) && !o->private[0])
			copy_str(o->private, sizeof(o->private), line + 9);
	}
	return o->verdict[0] ? 0 : -EINVAL;
}

/* The string @key of the JSON object @o, cut to @len - 1 bytes; "" if absent or not a string. */
static void json_get_str(const json_t *o, const char *key, char *out, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	copy_str(out, len, s ? s : "");
}

/* The number @key of @o: @def if absent, 0 if not a number; a real is cut toward 0. */
static long json_get_long(const json_t *o, const char *key, long def)
{
	const json_t *v = json_object_get(o, key);
	double d;

	if (!v)
		return def;
	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (!json_is_real(v))
		return 0;
	d = json_real_value(v);
	return d >= (double)LONG_MAX ? LONG_MAX : d <= (double)LONG_MIN ? LONG_MIN : (long)d;
}

/*
 * The read-back method with the direct read's error when the driver fell
 * back to a remount ("direct_error" of the integrity summary @o): "remount
 * after O_DIRECT EUCLEAN".
 */
static void integ_method_note(const json_t *o, struct oracles *or)
{
	char direct[32], method[32], text[160];	/* each cut to its size */

	json_get_str(o, "direct_error", direct, sizeof(direct));
	snprintf(text, sizeof(text), "with %s after sync and a page-cache drop", or->integ_method);
	copy_str(or->integ_how, sizeof(or->integ_how), text);
	if (!direct[0])
		return;
	copy_str(method, sizeof(method), or->integ_method);
	snprintf(text, sizeof(text), "%s after O_DIRECT %s", method, direct);
	copy_str(or->integ_method, sizeof(or->integ_method), text);
	snprintf(text, sizeof(text),
		 "after unmounting and mounting the filesystem, as the O_DIRECT read failed with %s", direct);
	copy_str(or->integ_how, sizeof(or->integ_how), text);
}

FILE *open_in(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "r");
}

/* The driver's status record ({"event":"status",...}) @o. */
static void steps_status(const json_t *o, struct log *lg, struct oracles *or)
{
	char scen[64], status[16], step[64], err[32], st[256];

	json_get_str(o, "scenario", scen, sizeof(scen));
	json_get_str(o, "status", status, sizeof(status));
	json_get_str(o, "step", step, sizeof(step));
	json_get_str(o, "errname", err, sizeof(err));
	snprintf(st, sizeof(st), "scenario=%s status=%s step=%s errno=%s",
		 scen[0] ? scen : "?", status, step, err);
	status_line(lg, st);
	json_get_str(o, "writeback_error", or->wb_error, sizeof(or->wb_error));
}

/* A page's integrity record @o: lost pages counted, the first one's details kept. */
static void steps_page(const json_t *o, struct oracles *or)
{
	char result[64];

	json_get_str(o, "result", result, sizeof(result));
	if (strcmp(result, "lost") || or->integ_lost++)
		return;
	or->lost_page = json_get_long(o, "page", -1);
	or->lost_off = json_get_long(o, "first_diff", -1);
	or->lost_want = (int)json_get_long(o, "expected_byte", -1);
	or->lost_found = (int)json_get_long(o, "found_byte", -1);
	json_get_str(o, "writer", or->lost_writer, sizeof(or->lost_writer));
}

/* The integrity summary record @o. */
static void steps_summary(const json_t *o, struct oracles *or)
{
	const json_t *ms = json_object_get(o, "ms");

	or->integ = 1;
	or->integ_pages = json_get_long(o, "pages", 0);
	or->integ_ok = json_get_long(o, "ok", 0);
	or->integ_excused = json_get_long(o, "excused", 0);
	json_get_str(o, "method", or->integ_method, sizeof(or->integ_method));
	or->integ_ms = !ms ? -1 : json_is_number(ms) ? json_number_value(ms) : 0;
	json_get_str(o, "error", or->integ_error, sizeof(or->integ_error));
	json_get_str(o, "fsync_error", or->integ_fsync, sizeof(or->integ_fsync));
	integ_method_note(o, or);
}

/* One record of steps.jsonl; a verify-disk step's integrity check (phase "step") is not the run's. */
static void steps_record(const json_t *o, struct log *lg, struct oracles *or)
{
	char ev[64], phase[16];

	json_get_str(o, "event", ev, sizeof(ev));
	if (!strncmp(ev, "integrity", 9)) {
		json_get_str(o, "phase", phase, sizeof(phase));
		if (!strcmp(phase, "step"))
			return;
	}
	if (!strcmp(ev, "status"))
		steps_status(o, lg, or);
	else if (!strcmp(ev, "integrity"))
		steps_page(o, or);
	else if (!strcmp(ev, "integrity-summary"))
		steps_summary(o, or);
}

void read_steps(const char *dir, struct log *lg, struct oracles *or)
{
	char *buf = malloc(KV_LINE_MAX + 1);
	FILE *f = open_in(dir, "steps.jsonl");

	while (f && buf && read_bounded(f, buf, KV_LINE_MAX + 1)) {
		/* what follows the object on its line is ignored */
		json_t *o = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);

		if (json_is_object(o))
			steps_record(o, lg, or);
		json_decref(o);
	}
	free(buf);
	if (f)
		fclose(f);
}

/* guest.log: boot, a trigger's status, an init error, the unmount. */
void read_guest(const char *dir, struct log *lg, struct oracles *or)
{
	char *buf = malloc(KV_LINE_MAX + 1);
	FILE *f = open_in(dir, "guest.log");

	while (f && buf && read_bounded(f, buf, KV_LINE_MAX + 1)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (strncmp(buf, "gupr-meta: ", 11))
			continue;
		if (!strncmp(buf + 11, "kernel=", 7))
			lg->booted = 1;
		else if (!strncmp(buf + 11, "scenario=", 9))
			status_line(lg, buf + 11);
		else if (!strncmp(buf + 11, "error=", 6) && !lg->guest_error[0])
			copy_str(lg->guest_error, sizeof(lg->guest_error), buf + 17);
		else if (!strcmp(buf + 11, "umount=ok"))
			or->unmounted = 1;
	}
	free(buf);
	if (f)
		fclose(f);
}

/*
 * fsck.txt, written on the host after the guest powered off:
 *   fsck-tool: e2fsck|xfs_repair|btrfs   fsck-command: ...   fsck-exit: N
 *   fsck-skipped: WHY                     then the tool's output.
 */
void read_fsck(const char *dir, struct oracles *or)
{
	char *buf = malloc(KV_LINE_MAX + 1);
	FILE *f = open_in(dir, "fsck.txt");
	int body = 0;

	or->fsck_rc = -1;
	if (!f) {
		free(buf);
		return;
	}
	or->fsck = 1;
	while (buf && read_bounded(f, buf, KV_LINE_MAX + 1)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (!body && !strncmp(buf, "fsck-tool: ", 11)) {
			copy_str(or->fsck_tool, sizeof(or->fsck_tool), buf + 11);
		} else if (!body && !strncmp(buf, "fsck-command: ", 14)) {
			copy_str(or->fsck_cmd, sizeof(or->fsck_cmd), buf + 14);
		} else if (!body && !strncmp(buf, "fsck-exit: ", 11)) {
			or->fsck_rc = parse_int(buf + 11);
		} else if (!body && !strncmp(buf, "fsck-skipped: ", 14)) {
			copy_str(or->fsck_skip, sizeof(or->fsck_skip), buf + 14);
		} else if (!body && !strcmp(buf, "output:")) {
			body = 1;
		} else if (body && buf[0] && or->nr_fsck_lines < 4 &&
			   strncmp(buf, "Pass ", 5) && strncmp(buf, "Phase ", 6) &&
			   strncmp(buf, "        - ", 10) && strncmp(buf, "[", 1) &&
			   strncmp(buf, "Opening ", 8) && strncmp(buf, "Checking ", 9) &&
			   strncmp(buf, "e2fsck ", 7) && strncmp(buf, "No modify flag", 14) &&
			   strncmp(buf, "gupr-scratch: ", 14)) {
			copy_str(or->fsck_lines[or->nr_fsck_lines++], sizeof(or->fsck_lines[0]), buf);
		}
	}
	free(buf);
	fclose(f);
}

/*
 * The checker's exit status, by its own manual: e2fsck -n 0 clean, 4
 * errors left uncorrected, 8 and up an operational error; xfs_repair -n 0
 * clean, 1 corruption, 2 a dirty log it did not replay; btrfs check
 * --readonly 0 clean, 1 errors (or it could not open the image).
 */
enum fsck_state fsck_state(const struct oracles *or)
{
	if (!or->fsck || or->fsck_skip[0] || or->fsck_rc < 0)
		return FSCK_NONE;
	if (or->fsck_rc == 0)
		return FSCK_CLEAN;
	if (!strcmp(or->fsck_tool, "e2fsck"))
		return or->fsck_rc >= 8 ? FSCK_FAILED : FSCK_DAMAGE;
	if (!strcmp(or->fsck_tool, "xfs_repair"))
		return or->fsck_rc == 2 ? FSCK_DIRTY_LOG : or->fsck_rc == 1 ?
			FSCK_DAMAGE : FSCK_FAILED;
	if (!strcmp(or->fsck_tool, "btrfs"))
		return or->fsck_rc == 1 ? FSCK_DAMAGE : FSCK_FAILED;
	return FSCK_FAILED;
}

int boot_status_ok(const char *s)
{
	return !strcmp(s, "ok") || !strcmp(s, "timeout") || !strcmp(s, "qemu-error") ||
	       !strcmp(s, "output-limit");
}

/* A run directory's boot status: run.txt's "boot-status:", else "ok". */
const char *dir_boot_status(const char *dir, char *bs, size_t len)
{
	FILE *rf = open_in(dir, "run.txt");

	bs[0] = '\0';
	if (rf) {
		kv_get(rf, "boot-status: ", bs, len);
		fclose(rf);
	}
	bs[strcspn(bs, " ")] = '\0';
	return boot_status_ok(bs) ? bs : "ok";
}
