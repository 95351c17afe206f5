// SPDX-License-Identifier: GPL-2.0
/*
 * iouring-read-delayed - GUP-after-writeback through io_uring reads, no module.
 *
 * Build:  cc -static -O2 -o iouring-read-delayed iouring-read-delayed.c -lpthread -luring
 * gupr: slow-dev=1000
 *
 * io_uring IORING_OP_READ (ordinary, unregistered buffer) from a block device whose completions are
 * delayed (the guest's /dev/nullb0: null_blk irqmode=2 completion_nsec,
 * run.sh --slow-dev MS) into the victim page of a MAP_SHARED file mapping.
 * The block layer takes the destination pages before it queues the bio
 * (bio_iov_iter_get_pages(): get_user_pages_fast, FOLL_GET, before v6.4
 * or so; iov_iter_extract_pages(): pin_user_pages_fast, FOLL_PIN, after),
 * marks them dirty at submission (bio_set_pages_dirty) and dirties them
 * again when the read completes (bio_check_pages_dirty(), which finds the page clean and defers to a worker: bio_dirty_fn -> bio_release_pages(.., true) from a kworker).
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
 * Usage: iouring-read-delayed [--file PATH] [--dev BLOCKDEV] [--fault NAME] [--safe]
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
#include <liburing.h>

#define PROG "iouring-read-delayed"

static unsigned char *victim;
static int dev_fd = -1;
static int victim_fd = -1;

static void usage(FILE *f)
{
	trigger_delayed_usage(f, PROG,
			      "io_uring IORING_OP_READ (ordinary, unregistered buffer) from a block device with delayed completions into a\n");
}

/*
 * The io_uring read: set up, submit, the window while it is in flight
 * (with --safe: after its completion), and its completion.  Returns -1 to
 * go on, else the exit status.
 */
static int iouring_read(dev_t rdev, const struct trigger_args *a)
{
	unsigned long long t0, pins0, read_t0;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	long n;
	int c, err;

	pins0 = vmstat("nr_foll_pin_acquired");
	t0 = now_ns();
	err = -io_uring_queue_init(4, &ring, 0);
	if (err)
		return trigger_fail(PROG, "iouring-setup", err, t0);
	step("iouring-setup", 0, 0, t0, NULL);

	read_t0 = t0 = now_ns();
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, dev_fd, victim, (unsigned int)psz, 0);
	n = io_uring_submit(&ring);
	if (n != 1)
		return trigger_fail(PROG, "iouring-submit", n < 0 ? (int)-n : EIO, t0);
	step("iouring-submit", 0, n, t0, "IORING_OP_READ, ordinary buffer: the victim mapping");

	/* The read holds the page once its request is in flight. */
	if (!a->safe) {
		c = trigger_delayed_window(PROG, victim, victim_fd, rdev, a->wait_ms, pins0, a->fault, 0);
		if (c >= 0)
			return c;
	}

	t0 = now_ns();
	err = -io_uring_wait_cqe(&ring, &cqe);
	if (err)
		return trigger_fail(PROG, "iouring-complete", err, t0);
	n = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	if (n < 0)
		return trigger_fail(PROG, "iouring-complete", (int)-n, t0);
	if ((size_t)n != psz)
		return trigger_fail(PROG, "iouring-complete", EIO, t0);
	step("iouring-complete", 0, n, read_t0, "the completion dirtied the page (bio_check_pages_dirty)");
	io_uring_queue_exit(&ring);
	if (a->safe)
		return trigger_delayed_window(PROG, victim, victim_fd, rdev, a->wait_ms, pins0, a->fault, 1);
	return -1;
}

int main(int argc, char **argv)
{
	return trigger_delayed_main(argc, argv, PROG, usage, &victim, &victim_fd, &dev_fd,
				    iouring_read);
}
