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
 * Usage: iouring-read-delayed [--file PATH] [--dev BLOCKDEV] [--log FILE] [--wait-ms MS] [--fault NAME] [--help]
 *   --file PATH    victim file (default $GUPR_VICTIM, else /mnt/scratch/victim)
 *   --dev DEV      the delayed block device (default $GUPR_SLOW_DEV)
 *   --log FILE     JSON step lines (default $GUPR_STEPS_LOG when set)
 *   --wait-ms MS   how long to wait for the read to be in flight (default 10000)
 *   --fault NAME   inject a fault inside the window, after writeback
 *                  cleaned the page and while the kernel still holds it:
 *                  reclaim, cold, drop-caches, truncate, punch-hole
 *                  (window-fault.h; default $GUPR_FAULT when set)
 * Exit: 0 the sequence ran (cleaned while the read held the page); 1 a
 *       step failed; 2 bad usage; 4 the window was missed.
 */
#define _GNU_SOURCE
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
	fprintf(f,
		"usage: " PROG " [--file PATH] [--dev BLOCKDEV] [--log FILE] [--wait-ms MS] [--help]\n"
		"io_uring IORING_OP_READ (ordinary, unregistered buffer) from a block device with delayed completions into a\n"
		"MAP_SHARED file page; msync(MS_SYNC) cleans the page while the read is in flight;\n"
		"the completion dirties it again with no ->page_mkwrite.\n"
		"  --file PATH   victim file (default $GUPR_VICTIM, else /mnt/scratch/victim)\n"
		"  --dev DEV     delayed block device (default $GUPR_SLOW_DEV)\n"
		"  --log FILE    JSON step lines (default $GUPR_STEPS_LOG)\n"
		"  --wait-ms MS  wait for the read to be in flight at most MS ms (default 10000)\n"
		"  --fault NAME  in the window: reclaim, cold, drop-caches, truncate, punch-hole\n"
		"Exit: 0 sequence ran, 1 a step failed, 2 bad usage, 4 window missed.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dev", required_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'o' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{ "fault", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("GUPR_VICTIM"), *log = getenv("GUPR_STEPS_LOG");
	const char *dev = getenv("GUPR_SLOW_DEV"), *fault;
	unsigned long long t0 = 0, pins0, t_inflight;
	long wait_ms = 10000, n;
	dev_t rdev = 0;
	char note[160], *end;
	int c, err;
	unsigned char *back;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned long long read_t0;

	if (!path || !*path)
		path = "/mnt/scratch/victim";
	if (log && !*log)
		log = NULL;
	fault = getenv("GUPR_FAULT");
	if (fault && !*fault)
		fault = NULL;
	if (fault && !gupr_window_fault_known(fault)) {
		fprintf(stderr, PROG ": GUPR_FAULT='%s' is not a fault this trigger knows\n", fault);
		return 2;
	}
	while ((c = getopt_long(argc, argv, "f:d:o:w:F:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': path = optarg; break;
		case 'd': dev = optarg; break;
		case 'o': log = optarg; break;
		case 'w':
			errno = 0;
			wait_ms = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || wait_ms < 1 || wait_ms > 600000) {
				fprintf(stderr, PROG ": --wait-ms takes 1..600000, not '%s'\n", optarg);
				usage(stderr);
				return 2;
			}
			break;
		case 'F':
			if (!gupr_window_fault_known(optarg)) {
				fprintf(stderr, PROG ": --fault takes reclaim, cold, drop-caches, truncate or punch-hole, not '%s'\n",
					optarg);
				usage(stderr);
				return 2;
			}
			fault = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!dev || !*dev) {
		fprintf(stderr, PROG ": no delayed block device: give --dev or set GUPR_SLOW_DEV (run.sh --slow-dev MS)\n");
		usage(stderr);
		return 2;
	}
	psz = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (log) {
		steplog = fopen(log, "a");
		if (!steplog) {
			fprintf(stderr, PROG ": cannot open --log %s: %s\n", log, strerror(errno));
			return 2;
		}
	}
	printf(PROG ": file=%s dev=%s page_size=%zu\n", path, dev, psz);

#define FAIL(name, e) return trigger_fail(PROG, name, (e), t0)

	if (trigger_map_victim(PROG, path, &victim, &victim_fd) ||
	    trigger_open_dev(PROG, dev, &dev_fd, &rdev))
		return 1;

	pins0 = vmstat("nr_foll_pin_acquired");
	t0 = now_ns();
	err = -io_uring_queue_init(4, &ring, 0);
	if (err)
		FAIL("iouring-setup", err);
	step("iouring-setup", 0, 0, t0, NULL);

	read_t0 = t0 = now_ns();
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, dev_fd, victim, (unsigned int)psz, 0);
	n = io_uring_submit(&ring);
	if (n != 1)
		FAIL("iouring-submit", n < 0 ? (int)-n : EIO);
	step("iouring-submit", 0, n, t0, "IORING_OP_READ, ordinary buffer: the victim mapping");

	/* The read holds the page once its request is in flight. */
	t0 = now_ns();
	for (;;) {
		n = inflight_reads(rdev);
		if (n > 0)
			break;
		if (now_ns() - t0 > (unsigned long long)wait_ms * 1000000ULL) {
			step("read-in-flight", ETIMEDOUT, -1, t0, NULL);
			printf(PROG ": status=no-window step=read-in-flight: no read in flight within %ld ms\n", wait_ms);
			return 4;
		}
		usleep(500);
	}
	t_inflight = now_ns();
	{
		long long fl = kpageflags(victim);

		snprintf(note, sizeof(note), "request queued: the page is held (nr_foll_pin_acquired +%llu; FOLL_GET does not count)%s",
			 vmstat("nr_foll_pin_acquired") - pins0,
			 fl < 0 ? "" : (fl & (1 << 4)) ? ", page dirty" : ", page clean");
	}
	step("read-in-flight", 0, n, t0, note);

	t0 = now_ns();
	if (msync(victim, psz, MS_SYNC))
		FAIL("msync", errno);
	n = inflight_reads(rdev);
	{
		long long fl = kpageflags(victim);

		snprintf(note, sizeof(note), "victim %s after writeback, read %s in flight (%.1f ms after it was seen)",
			 fl < 0 ? "state unknown" : (fl & (1 << 4)) ? "still dirty" : "clean",
			 n > 0 ? "still" : "no longer", (now_ns() - t_inflight) / 1e6);
	}
	step("msync", 0, 0, t0, note);
	if (n <= 0) {
		printf(PROG ": status=no-window step=msync: the read completed before the clean finished\n");
		return 4;
	}
	if (fault) {
		long long fl;

		t0 = now_ns();
		err = gupr_window_fault(fault, victim_fd, victim, psz);
		fl = kpageflags(victim);
		snprintf(note, sizeof(note), "in the window: victim %s, read %s in flight",
			 fl < 0 ? "not mapped (no PTE)" : (fl & (1 << 4)) ? "mapped, dirty" : "mapped, clean",
			 inflight_reads(rdev) > 0 ? "still" : "no longer");
		step(fault, -err, err ? -1 : 0, t0, note);
		if (err) {
			printf(PROG ": status=failed step=%s errno=%s\n", fault, strerrorname_np(-err));
			return 1;
		}
	}
	if (fault && inflight_reads(rdev) <= 0) {
		printf(PROG ": status=no-window step=%s: the read completed before the fault was injected\n", fault);
		return 4;
	}

	t0 = now_ns();
	err = -io_uring_wait_cqe(&ring, &cqe);
	if (err)
		FAIL("iouring-complete", err);
	n = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	if (n < 0)
		FAIL("iouring-complete", (int)-n);
	if ((size_t)n != psz)
		FAIL("iouring-complete", EIO);
	step("iouring-complete", 0, n, read_t0, "the completion dirtied the page (bio_check_pages_dirty)");
	io_uring_queue_exit(&ring);

	/* The page now holds what the device returned (null_blk: zeroes). */
	t0 = now_ns();
	if (fault && (!strcmp(fault, "truncate") || !strcmp(fault, "punch-hole"))) {
		/* the mapping would fault (SIGBUS past EOF) or show a new page */
		snprintf(note, sizeof(note), "not read: the page left the file under the read (%s)", fault);
		step("verify", 0, 0, t0, note);
		goto close;
	}
	back = malloc(psz);
	if (!back)
		FAIL("verify", ENOMEM);
	memcpy(back, victim, psz);
	snprintf(note, sizeof(note), "page holds %s", back[0] == 'U' ? "the user's 'U' (no data from the device)" :
		 back[0] == 0 ? "the device's zeroes" : "the device's data");
	step("verify", 0, back[0], t0, note);
	free(back);

close:
	t0 = now_ns();
	munmap(victim, psz);
	close(victim_fd);
	close(dev_fd);
	step("close-file", 0, 0, t0, NULL);
	printf(PROG ": status=complete steps=%d\n", nstep);
	return 0;
}
