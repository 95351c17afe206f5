// SPDX-License-Identifier: GPL-2.0
/*
 * odirect-delayed - GUP-after-writeback through O_DIRECT reads, no module.
 *
 * Build:  cc -static -O2 -o odirect-delayed odirect-delayed.c -lpthread
 * gupr: slow-dev=1000
 *
 * an O_DIRECT pread() in a second thread from a block device whose completions are
 * delayed (the guest's /dev/nullb0: null_blk irqmode=2 completion_nsec,
 * run.sh --slow-dev MS) into the victim page of a MAP_SHARED file mapping.
 * The block layer takes the destination pages before it queues the bio
 * (bio_iov_iter_get_pages(): get_user_pages_fast, FOLL_GET, before v6.4
 * or so; iov_iter_extract_pages(): pin_user_pages_fast, FOLL_PIN, after),
 * marks them dirty at submission (bio_set_pages_dirty) and dirties them
 * again when the read completes (bio_release_pages(.., true) in the reading task for the synchronous simple path; bio_check_pages_dirty -> bio_dirty_fn in a kworker for the async one).
 * While the read is in flight we msync(MS_SYNC) the victim: writeback
 * cleans it and folio_mkclean() write-protects the PTE; the completion
 * then dirties the clean page with no ->page_mkwrite.
 *
 * How we know the pages are held before we clean: we wait until the
 * device's /sys/dev/block/MAJ:MIN/inflight shows a read in flight; a
 * request only exists after the bio was built, and the bio is built from
 * the pages GUP returned.  The window is the device's completion delay
 * (--slow-dev MS, 1000 ms by default for this scenario); msync takes a few
 * tens of ms under TCG.  After msync we check the read is still in flight:
 * if it is not, the window was missed (exit 4).
 *
 * Usage: odirect-delayed [--file PATH] [--dev BLOCKDEV] [--fault NAME] [--safe]
 *        [--expect FILE] [--wait-ms MS] [--log FILE] [--help]
 *   --file PATH    victim file (default $GUPR_VICTIM, else /mnt/scratch/victim)
 *   --dev DEV      the delayed block device (default $GUPR_SLOW_DEV)
 *   --log FILE     JSON step lines (default $GUPR_STEPS_LOG when set)
 *   --wait-ms MS   how long to wait for the read to be in flight (default 10000)
 *   --fault NAME   inject a fault inside the window, after writeback
 *                  cleaned the page and while the kernel still holds it:
 *                  reclaim, cold, drop-caches, truncate, punch-hole
 *                  (window-fault.h; default $GUPR_FAULT when set)
 *   --safe         the same steps without the race: msync (and the fault)
 *                  only after the read completed (a control run)
 *   --expect FILE  write the bytes the victim's first page must hold on
 *                  disk at the end to FILE (a test compares the file read
 *                  back with them)
 * After the sequence the disk must hold what the device put into the page:
 * the integrity check (disk-check.h) writes its records to the --log (off
 * with GUPR_INTEGRITY=0).
 * Exit: 0 the sequence ran (cleaned while the read held the page); 1 a
 *       step failed; 2 bad usage; 4 the window was missed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "trigger.h"
#include "window-fault.h"

#define PROG "odirect-delayed"

static unsigned char *victim;
static int dev_fd = -1;
static int victim_fd = -1;

static void usage(FILE *f)
{
	trigger_delayed_usage(f, PROG,
			      "an O_DIRECT pread() in a second thread from a block device with delayed completions into a\n");
}

static ssize_t read_ret;
static int read_err;
static unsigned long long read_t0;

static void *reader(void *arg)
{
	(void)arg;
	read_t0 = now_ns();
	read_ret = pread(dev_fd, victim, psz, 0);
	read_err = read_ret < 0 ? errno : 0;
	step("odirect-read", read_err, (long)read_ret, read_t0,
	     read_err ? NULL : "O_DIRECT pread from the delayed device into the victim mapping");
	return NULL;
}

/*
 * The O_DIRECT read in a second thread, the window while it is in flight
 * (with --safe: after it completed), and its result.  Returns -1 to go on,
 * else the exit status.
 */
static int odirect_read(dev_t rdev, const struct trigger_args *a)
{
	unsigned long long t0 = 0, pins0;
	pthread_t th;
	int c = -1;

	pins0 = vmstat("nr_foll_pin_acquired");
	if (pthread_create(&th, NULL, reader, NULL))
		return trigger_fail(PROG, "thread", EAGAIN, t0);

	/* The read holds the page once its request is in flight. */
	if (!a->safe)
		c = trigger_delayed_window(PROG, victim, victim_fd, rdev, a->wait_ms, pins0, a->fault, 0);
	if (c >= 0)
		return c;

	pthread_join(th, NULL);
	t0 = read_t0;
	if (read_err)
		return trigger_fail(PROG, "odirect-read", read_err, t0);
	if ((size_t)read_ret != psz)
		return trigger_fail(PROG, "odirect-read", EIO, t0);
	if (a->safe)
		return trigger_delayed_window(PROG, victim, victim_fd, rdev, a->wait_ms, pins0, a->fault, 1);
	return -1;
}

int main(int argc, char **argv)
{
	return trigger_delayed_main(argc, argv, PROG, usage, &victim, &victim_fd, &dev_fd,
				    odirect_read);
}
