// SPDX-License-Identifier: GPL-2.0
/*
 * integrity.c - the data-integrity oracle of gup-repro (steps.h): after
 * the steps (and in the verify-disk step) the victim is read back from the
 * disk (disk-check.h: sync, page-cache drop, O_DIRECT) and compared page
 * by page with what the steps wrote; one JSON record a page and a summary
 * go to the step log, which gup-repro-verdict reads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "steps.h"
#include "triggers/disk-check.h"

static const char *const writer_names[] = { "file", "user", "pin", "hole" };

/* One page against its expectation: "ok", "lost" or "beyond-eof". */
static void compare_page(const struct gupr_ctx *c, unsigned int i, const unsigned char *got,
			 unsigned long long got_size, FILE *log, unsigned int *ok,
			 unsigned int *lost)
{
	unsigned long long start = (unsigned long long)i * c->page_size;
	long long diff;
	int want, found;
	const char *result = gupr_disk_compare_page(c->expect, c->expect_size, got, got_size, i,
						    c->page_size, &diff, &want, &found);

	if (!strcmp(result, "lost"))
		(*lost)++;
	else if (!strcmp(result, "ok"))
		(*ok)++;
	gupr_disk_page_record(log, c->step_check ? "step" : "final", i, result,
			      writer_names[c->writer[i]], want, found, diff,
			      c->expect[start < c->expect_size ? start : 0],
			      start < got_size ? got[start] : -1, c->excused[i]);
}

int gupr_integrity(struct gupr_ctx *c, FILE *log, unsigned int *lost)
{
	size_t len = c->nr_pages * c->page_size;
	unsigned int i, ok = 0, excused = 0;
	unsigned char *buf = NULL;
	struct gupr_disk_read r = { .method = "O_DIRECT" };
	struct timespec t0, t1;
	int err;

	*lost = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (posix_memalign((void **)&buf, 4096, len ? len : 4096)) {
		err = -ENOMEM;
		goto out;
	}
	err = gupr_disk_read(c->path, buf, len, !c->step_check, &r);
	if (err)
		goto out;
	for (i = 0; i < c->nr_pages; i++) {
		compare_page(c, i, buf, r.got, log, &ok, lost);
		excused += c->excused[i];
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
out:
	gupr_disk_summary_record(log, c->step_check ? "step" : "final", c->nr_pages, ok, *lost,
				 excused, c->expect_size, err ? 0 :
				 (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, &r, err);
	free(buf);
	return err;
}
