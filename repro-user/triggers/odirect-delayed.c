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
 * Usage: odirect-delayed [--file PATH] [--dev BLOCKDEV] [--log FILE] [--wait-ms MS] [--fault NAME] [--help]
 *   --file PATH    victim file (default $GUPR_VICTIM, else /mnt/scratch/victim)
 *   --dev DEV      the delayed block device (default $GUPR_SLOW_DEV)
 *   --log FILE     JSON step lines (default $GUPR_STEPS_LOG when set)
 *   --wait-ms MS   how long to wait for the read to be in flight (default 10000)
 *   --fault NAME   inject a fault inside the window, after writeback
 *                  cleaned the page and while the kernel still holds it:
 *                  reclaim, cold, drop-caches, truncate, punch-hole
 *                  (window-fault.h; default $GUPR_FAULT when set)
 * After the sequence the disk must hold what the device put into the page:
 * the integrity check (disk-check.h) writes its records to the --log (off
 * with GUPR_INTEGRITY=0).
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

#include "disk-check.h"
#include "window-fault.h"


#define PROG "odirect-delayed"

static FILE *steplog;
static int nstep;
static pthread_mutex_t loglock = PTHREAD_MUTEX_INITIALIZER;
static size_t psz;
static unsigned char *victim;
static int dev_fd = -1;
static int victim_fd = -1;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* One JSON line per step (the host merges them into the trace timeline). */
static void step(const char *name, int err, long ret, unsigned long long t0, const char *note)
{
	unsigned long long t1 = now_ns();

	pthread_mutex_lock(&loglock);
	nstep++;
	printf("[%2d] %-18s %s ret=%ld%s%s\n", nstep, name, err ? "FAILED" : "ok", ret,
	       note ? "  " : "", note ? note : "");
	fflush(stdout);
	if (steplog) {
		fprintf(steplog, "{\"seq\":%d,\"step\":\"%s\",\"result\":\"%s\",\"ret\":%ld,"
			"\"errno\":%d,\"errname\":\"%s\",\"t0_ns\":%llu,\"t1_ns\":%llu,"
			"\"state\":{\"source\":\"none\"}%s%s%s}\n",
			nstep, name, err ? "error" : "ok", ret, err, err ? strerrorname_np(err) ?: "?" : "",
			t0, t1, note ? ",\"note\":\"" : "", note ? note : "", note ? "\"" : "");
		fflush(steplog);
	}
	pthread_mutex_unlock(&loglock);
}

/* A /proc/vmstat counter, per-CPU deltas folded first (stat_refresh, root). */
static unsigned long long vmstat(const char *key)
{
	FILE *f = fopen("/proc/sys/vm/stat_refresh", "w");
	char k[64];
	unsigned long long v, r = 0;

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return 0;
	while (fscanf(f, "%63s %llu", k, &v) == 2)
		if (!strcmp(k, key))
			r = v;
	fclose(f);
	return r;
}

/* /proc/kpageflags of the page mapped at addr (root): -1 when unknown. */
static long long kpageflags(const void *addr)
{
	uint64_t ent, fl;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	int ok = 0;

	if (fd < 0)
		return -1;
	if (pread(fd, &ent, 8, (off_t)((uintptr_t)addr / psz) * 8) == 8 && (ent >> 63) &&
	    (ent & ((1ULL << 55) - 1)))
		ok = 1;
	close(fd);
	if (!ok)
		return -1;
	fd = open("/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return -1;
	ok = pread(fd, &fl, 8, (off_t)(ent & ((1ULL << 55) - 1)) * 8) == 8;
	close(fd);
	return ok ? (long long)fl : -1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--file PATH] [--dev BLOCKDEV] [--log FILE] [--wait-ms MS] [--help]\n"
		"an O_DIRECT pread() in a second thread from a block device with delayed completions into a\n"
		"MAP_SHARED file page; msync(MS_SYNC) cleans the page while the read is in flight;\n"
		"the completion dirties it again with no ->page_mkwrite.\n"
		"  --file PATH   victim file (default $GUPR_VICTIM, else /mnt/scratch/victim)\n"
		"  --dev DEV     delayed block device (default $GUPR_SLOW_DEV)\n"
		"  --log FILE    JSON step lines (default $GUPR_STEPS_LOG)\n"
		"  --wait-ms MS  wait for the read to be in flight at most MS ms (default 10000)\n"
		"  --fault NAME  in the window: reclaim, cold, drop-caches, truncate, punch-hole\n"
		"Exit: 0 sequence ran, 1 a step failed, 2 bad usage, 4 window missed.\n");
}

/* Reads in flight on the device (/sys/dev/block/M:m/inflight), -1 on error. */
static long inflight_reads(dev_t rdev)
{
	char p[96];
	long r = -1, w;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/inflight", major(rdev), minor(rdev));
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &r, &w) != 2)
		r = -1;
	fclose(f);
	return r;
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
 * The integrity check after the sequence (disk-check.h): EXPECT (one page)
 * must be what the disk holds at the start of the victim, up to
 * EXPECT_SIZE bytes of file; JSON records to the step log, one line to
 * stdout.  Skipped with GUPR_INTEGRITY=0 (run.sh --no-integrity).
 */
static void check_disk(const char *path, const unsigned char *expect,
		       unsigned long long expect_size, const char *writer)
{
	const char *on = getenv("GUPR_INTEGRITY");
	FILE *out = steplog ? steplog : fopen("/dev/null", "w");
	int lost;

	if ((on && !strcmp(on, "0")) || !out)
		return;
	lost = gupr_disk_check(out, path, expect, psz, psz, expect_size, writer);
	if (lost < 0)
		printf(PROG ": integrity: could not check: %s\n", strerror(-lost));
	else
		printf(PROG ": integrity: %d of 1 page(s) differ from what the kernel wrote\n", lost);
	if (out != steplog)
		fclose(out);
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
	unsigned long long t0, pins0, t_inflight;
	long wait_ms = 10000, n;
	struct stat st, dst;
	char note[160], *end;
	int c, err;
	unsigned char *back;
	pthread_t th;

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

#define FAIL(name, e) do {						\
		err = (e);						\
		step(name, err, -1, t0, NULL);				\
		printf(PROG ": status=failed step=%s errno=%s\n", name, strerrorname_np(err)); \
		return 1;						\
	} while (0)

	t0 = now_ns();
	{ int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		FAIL("open-file", errno);
	if (fstat(fd, &st))
		FAIL("open-file", errno);
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size < psz)
		FAIL("open-file", EINVAL);
	step("open-file", 0, (long)st.st_ino, t0, NULL);

	t0 = now_ns();
	victim = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (victim == MAP_FAILED)
		FAIL("mmap-shared", errno);
	victim_fd = fd; }
	step("mmap-shared", 0, (long)psz, t0, NULL);

	t0 = now_ns();
	memset(victim, 'U', psz);	/* write fault: ->page_mkwrite, folio dirty */
	step("user-write", 0, (long)psz, t0, NULL);

	t0 = now_ns();
	dev_fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (dev_fd < 0)
		FAIL("open-dev", errno);
	if (fstat(dev_fd, &dst))
		FAIL("open-dev", errno);
	if (!S_ISBLK(dst.st_mode))
		FAIL("open-dev", ENOTBLK);
	n = inflight_reads(dst.st_rdev);
	if (n < 0)
		FAIL("open-dev", ENOENT);
	if (n > 0)
		FAIL("open-dev", EBUSY);	/* someone else reads it: no clean signal */
	snprintf(note, sizeof(note), "O_DIRECT, %u:%u, no read in flight", major(dst.st_rdev), minor(dst.st_rdev));
	step("open-dev", 0, 0, t0, note);

	pins0 = vmstat("nr_foll_pin_acquired");
	if (pthread_create(&th, NULL, reader, NULL))
		FAIL("thread", EAGAIN);

	/* The read holds the page once its request is in flight. */
	t0 = now_ns();
	for (;;) {
		n = inflight_reads(dst.st_rdev);
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
	n = inflight_reads(dst.st_rdev);
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
			 inflight_reads(dst.st_rdev) > 0 ? "still" : "no longer");
		step(fault, -err, err ? -1 : 0, t0, note);
		if (err) {
			printf(PROG ": status=failed step=%s errno=%s\n", fault, strerrorname_np(-err));
			return 1;
		}
	}
	if (fault && inflight_reads(dst.st_rdev) <= 0) {
		printf(PROG ": status=no-window step=%s: the read completed before the fault was injected\n", fault);
		return 4;
	}

	pthread_join(th, NULL);
	t0 = read_t0;
	if (read_err)
		FAIL("odirect-read", read_err);
	if ((size_t)read_ret != psz)
		FAIL("odirect-read", EIO);

	/* The page now holds what the device returned (null_blk: zeroes). */
	t0 = now_ns();
	if (fault && (!strcmp(fault, "truncate") || !strcmp(fault, "punch-hole"))) {
		/* the mapping would fault (SIGBUS past EOF) or show a new page */
		snprintf(note, sizeof(note), "not read: the page left the file under the read (%s)", fault);
		step("verify", 0, 0, t0, note);
		back = calloc(1, psz);	/* on disk: zeros in the hole, nothing past EOF */
		if (!back)
			FAIL("verify", ENOMEM);
		goto close;
	}
	back = malloc(psz);
	if (!back)
		FAIL("verify", ENOMEM);
	memcpy(back, victim, psz);
	snprintf(note, sizeof(note), "page holds %s", back[0] == 'U' ? "the user's 'U' (no data from the device)" :
		 back[0] == 0 ? "the device's zeroes" : "the device's data");
	step("verify", 0, back[0], t0, note);

close:
	t0 = now_ns();
	munmap(victim, psz);
	close(victim_fd);
	close(dev_fd);
	step("close-file", 0, 0, t0, NULL);
	/* On disk: what the device put into the page through the pin */
	check_disk(path, back, fault && !strcmp(fault, "truncate") ? 0 : (unsigned long long)st.st_size,
		   fault && !strcmp(fault, "punch-hole") ? "hole" : "pin");
	free(back);
	printf(PROG ": status=complete steps=%d\n", nstep);
	return 0;
}
