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

#define GUPR_MAX_STEPS	64

/* Byte patterns, so a page's content tells who wrote it last. */
#define GUPR_PATTERN_USER	0x55	/* 'U': written through the user mapping */
#define GUPR_PATTERN_KERNEL	0x4b	/* 'K': written through the pin */

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
};

/**
 * struct gupr_step - one action of a scenario
 * @name: the name used in --steps and in the scenario table.
 * @desc: what it does, one line, for --list.
 * @run: does it; returns 0 or a negative errno, stores a result value
 *	(bytes, pages, ...) in *ret.
 * @refusable: a long-term pin the kernel may refuse on purpose (the v6.5
 *	"disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings"
 *	check, io_uring's own file-backed check): EFAULT or EOPNOTSUPP from
 *	this step ends the scenario as "refused" (a mitigation), not "failed".
 */
struct gupr_step {
	const char *name;
	const char *desc;
	int (*run)(struct gupr_ctx *ctx, long *ret);
	int refusable;
};

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
