/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Steps and scenarios of the gup-repro driver.  A scenario is data: a name,
 * a one-line description and a comma-separated list of step names.  The
 * step table maps each name to the function that performs it.
 */
#ifndef GUP_REPRO_STEPS_H
#define GUP_REPRO_STEPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GUPR_MAX_STEPS	64

/* Byte patterns, so a page's content tells who wrote it last. */
#define GUPR_PATTERN_USER	0x55	/* 'U': written through the user mapping */
#define GUPR_PATTERN_KERNEL	0x4b	/* 'K': written through the pin */
#define GUPR_PATTERN_FILE	0x2e	/* '.': the victim as mkfs made it */
#define GUPR_PATTERN_IOURING	0x52	/* 'R': io_uring READ_FIXED into the pin */

/* Who wrote a page's expected content last (struct gupr_ctx.writer). */
enum gupr_writer { GUPR_W_FILE, GUPR_W_USER, GUPR_W_PIN, GUPR_W_HOLE };

/**
 * struct gupr_ctx - what the steps of one run share
 * @path: victim file.
 * @device: the module's misc device.
 * @nr_pages: pages mapped and pinned, in pages.
 * @page_size: bytes per page.
 * @fd: victim file descriptor or -1.
 * @dev_fd: /dev/gup_repro descriptor or -1 (opened by the first module step).
 * @map: the MAP_SHARED mapping or NULL.
 * @nr_pinned: pages the module holds, in pages.
 * @ino: victim inode number (set by open-file).
 * @dev: victim st_dev (set by open-file).
 * @verify_note: set by the verify step: what the file holds.
 * @ring: io_uring instance of the iouring-* steps (opaque here).
 * @ring_registered: buffers are registered with @ring.
 * @private_map: @map is MAP_PRIVATE (its writes never reach the file).
 * @expect: what each byte of the file must hold on disk after a sync
 *	(nr_pages * page_size bytes), kept by every step that writes.
 * @expect_size: the file size the steps leave, in bytes.
 * @writer: per page, the last &enum gupr_writer of @expect.
 * @gone: per page, the page the pin holds was removed from the file's
 *	page cache (truncate, punch-hole): writes through the pin are not
 *	expected on disk from then on.
 * @excused: per page, a write through the pin went to a @gone page.
 * @step_log: the JSON log (the verify-disk step writes its records there).
 * @step_check: gupr_integrity() runs for the verify-disk step: its records
 *	say "phase":"step" (the verdict reads only the final check's).
 */
struct gupr_ctx {
	const char *path;
	const char *device;
	unsigned int nr_pages;
	size_t page_size;
	int fd;
	int dev_fd;
	unsigned char *map;
	unsigned int nr_pinned;
	unsigned long long ino;
	unsigned long long dev;
	char verify_note[64];
	void *ring;
	int ring_registered;
	int private_map;
	unsigned char *expect;
	unsigned long long expect_size;
	unsigned char *writer;
	unsigned char *gone;
	unsigned char *excused;
	FILE *step_log;
	int step_check;
};

/**
 * struct gupr_step - one action of a scenario
 * @name: the name used in --steps and in the scenario table.
 * @desc: what it does, one line, for --list.
 * @run: does it; returns 0 or a negative errno, stores a result value
 *	(bytes, pages, ...) in *ret.
 * @needs: what must hold before it runs (%GUPR_NEED_*), checked by the
 *	dry run over the whole list.
 * @gives: what it makes hold (%GUPR_NEED_*) or, for its @takes, undoes.
 * @takes: what it undoes.
 * @refusable: a long-term pin the kernel may refuse on purpose (the v6.5
 *	"disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings"
 *	check, io_uring's own file-backed check): EFAULT or EOPNOTSUPP from
 *	this step ends the scenario as "refused" (a mitigation), not "failed".
 * @reports_wb: a sync step (msync, fsync, sync-file-range): EIO, EUCLEAN
 *	or ENOSPC from it is the filesystem reporting a failed writeback (btrfs
 *	refuses a folio dirtied without ->page_mkwrite with EUCLEAN): noted in
 *	the status record, and the scenario goes on to the integrity check.
 */
struct gupr_step {
	const char *name;
	const char *desc;
	int (*run)(struct gupr_ctx *ctx, long *ret);
	unsigned int needs, gives, takes;
	int refusable;
	int reports_wb;
};

/* Order of steps: what a step needs, gives and takes (the dry run). */
#define GUPR_NEED_OPEN		0x1	/* the victim is open */
#define GUPR_NEED_MAP		0x2	/* it is mapped */
#define GUPR_NEED_PIN		0x4	/* the module holds a pin */
#define GUPR_NEED_FULL		0x8	/* the file still covers every page */
#define GUPR_NEED_RING		0x10	/* io_uring buffers registered */
#define GUPR_NEED_CLOSED	0x20	/* nothing open yet (open-file) */
#define GUPR_NEED_NOMAP		0x40	/* nothing mapped yet (mmap-*) */

/**
 * gupr_check_order() - refuse a step list whose order makes no sense
 * @plan: the steps.
 * @n: how many.
 * @why: on failure, set to a static text saying what is missing.
 *
 * Return: -1 if every step finds what it needs, else the index of the
 * first step that does not.
 */
int gupr_check_order(const struct gupr_step *const *plan, int n, const char **why);

/**
 * gupr_integrity() - the data-integrity oracle
 * @c: the run's context (its expectations).
 * @log: where the JSON records go.
 * @lost: set to the number of pages with data lost.
 *
 * Syncs, drops the victim from the page cache, reads it back with O_DIRECT
 * (buffered where the filesystem has no O_DIRECT: tmpfs) and compares with
 * @c->expect; writes one "integrity" record per page and an
 * "integrity-summary" record to @log.
 *
 * Return: 0, or a negative errno when the check could not run.
 */
int gupr_integrity(struct gupr_ctx *c, FILE *log, unsigned int *lost);

/**
 * struct gupr_scenario - a named list of steps
 * @name: scenario name, says what happens.
 * @desc: one-line description for --list.
 * @steps: comma-separated step names.
 */
struct gupr_scenario {
	const char *name;
	const char *desc;
	const char *steps;
};

extern const struct gupr_step gupr_steps[];
extern const size_t gupr_nr_steps;
extern const struct gupr_scenario gupr_scenarios[];
extern const size_t gupr_nr_scenarios;
/* the module-free triggers as driver steps, for gupr_expect() only */
extern const struct gupr_scenario gupr_triggers[];
extern const size_t gupr_nr_triggers;

/**
 * struct gupr_expectation - what a matrix cell should show
 * @result: a POSIX extended regular expression the cell's result
 *	(REPRODUCED:site, VIOLATION, LOSS, MITIGATED:errno, CLEAN) matches.
 * @why: the rule that gives it, for people and test names.
 */
struct gupr_expectation {
	const char *result;
	const char *why;
};

/**
 * gupr_expect() - the result a scenario should give on a kernel and a
 * filesystem, computed from what its steps do, the way the kernel's
 * gup_longterm selftest computes should_work from the mapping and the
 * filesystem instead of listing answers: a FOLL_LONGTERM pin (pin-longterm,
 * io_uring fixed buffers) of a MAP_SHARED file is refused from v6.5 (EFAULT),
 * io_uring refused file-backed buffers itself before (EOPNOTSUPP); a write
 * and an unlocked set_page_dirty() through a pin after writeback warns on
 * ext4 (ext4_dirty_folio from v5.18, ext4_set_page_dirty before), is seen
 * by the ordering checker only on xfs and btrfs, and so is a dirtying under
 * the folio lock (the triggers' set_page_dirty_lock()) on ext4 too; shmem
 * (tmpfs), a write through the user mapping and a MAP_PRIVATE mapping (an
 * anonymous COW copy) are clean.  On the dirty-tracked filesystems, as
 * measured on four kernels: a write through the pin that nothing dirties
 * is lost; reclaim before the write strips ext4's buffer heads of a
 * FOLL_GET folio (lost) and, before 6.1, of a FOLL_PIN one; truncation and
 * a hole punched under the pin are clean.
 * @sc: the scenario, or a trigger of gupr_triggers[].
 * @major: kernel version, e.g. 6 for 6.1.0-56-cloud-amd64.
 * @minor: e.g. 1.
 * @fs: ext4, xfs, btrfs or tmpfs.
 * @e: filled when there is a prediction.
 *
 * Return: 1 with @e filled, 0 when the outcome is not predicted (reclaim,
 * truncation, holes and a write nothing dirties on tmpfs, truncate-mid,
 * another filesystem).
 */
int gupr_expect(const struct gupr_scenario *sc, unsigned int major,
		unsigned int minor, const char *fs, struct gupr_expectation *e);

const struct gupr_step *gupr_find_step(const char *name);
const struct gupr_scenario *gupr_find_scenario(const char *name);

/**
 * gupr_parse_steps() - resolve a comma-separated step list
 * @list: "a,b,c"; empty items are an error.
 * @out: filled with up to %GUPR_MAX_STEPS step pointers.
 * @bad: on -ENOENT, set to a malloc()ed copy of the unknown name.
 *
 * Return: the number of steps (>= 1), -EINVAL for an empty list or empty
 * item, -E2BIG for more than %GUPR_MAX_STEPS, -ENOENT for an unknown name.
 */
int gupr_parse_steps(const char *list, const struct gupr_step **out, char **bad);

#endif
