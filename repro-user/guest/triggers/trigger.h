/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trigger.h - what every trigger does the same way: its step lines,
 * /proc/vmstat and /proc/kpageflags readings, the victim page, the reads
 * in flight on a block device, the window in which writeback cleans a page
 * the kernel holds, and the bytes the file must hold afterwards.
 * Header-only (static inline).
 */
#ifndef TRIGGER_H
#define TRIGGER_H

#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>

#include "window-fault.h"

#ifndef TRIGGER_EXPORT
/*
 * In gup-repro a trigger builds with the one cc line of its header, in a
 * directory holding it and the headers of this folder; it takes its
 * defaults from the guest init's environment (the --exec contract,
 * docs/triggers.md) and checks the disk itself (disk-check.h,
 * docs/verdicts.md).  An export (vm-images/fstests-export.sh, which
 * defines TRIGGER_EXPORT and inlines the headers) leaves both to its test:
 * keep what is outside these blocks free of the project's names and paths.
 */
#include "disk-check.h"
#define TRIGGER_DEF_FILE	" (default $GUPR_VICTIM, else /mnt/scratch/victim)"
#define TRIGGER_DEF_DEV		" (default $GUPR_SLOW_DEV)"
#define TRIGGER_DEF_LOG		" (default $GUPR_STEPS_LOG)"
#define TRIGGER_DEF_FAULT	" (default $GUPR_FAULT)"
#define TRIGGER_DEV_HINT	" or set GUPR_SLOW_DEV (run.sh --slow-dev MS)"
#else
#define TRIGGER_DEF_FILE	""
#define TRIGGER_DEF_DEV		""
#define TRIGGER_DEF_LOG		""
#define TRIGGER_DEF_FAULT	""
#define TRIGGER_DEV_HINT	""
#endif

/* An errno's name (glibc 2.32 and later), else its message. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define errname(err)	(strerrorname_np(err) ?: "?")
#else
#define errname(err)	strerror(err)
#endif

static FILE *steplog;		/* --log FILE: the JSON step lines, or NULL */
static int nstep;
static pthread_mutex_t loglock = PTHREAD_MUTEX_INITIALIZER;
static size_t psz;		/* the page size */

static inline unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* One line per step on stdout, and one JSON line to the --log file. */
static inline void step(const char *name, int err, long ret, unsigned long long t0, const char *note)
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
			nstep, name, err ? "error" : "ok", ret, err, err ? errname(err) : "",
			t0, t1, note ? ",\"note\":\"" : "", note ? note : "", note ? "\"" : "");
		fflush(steplog);
	}
	pthread_mutex_unlock(&loglock);
}

/* A /proc/vmstat counter, per-CPU deltas folded first (stat_refresh, root). */
static inline unsigned long long vmstat(const char *key)
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
static inline long long kpageflags(const void *addr)
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

/*
 * The reads a dm-delay device holds: the first number of each delay
 * target's status ("READS WRITES FLUSHES"), summed, read with the
 * DM_TABLE_STATUS ioctl; -1 when @rdev has no delay target or its status
 * cannot be read.  Device-mapper counts no read in flight in sysfs while
 * the target holds it (seen on 6.1).
 */
static inline long dm_delay_reads(dev_t rdev)
{
	union {
		struct dm_ioctl io;
		char buf[16384];
	} u;
	struct dm_target_spec *spec;
	long n = -1, r;
	unsigned int i;
	char *base;
	int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&u, 0, sizeof(u));
	u.io.version[0] = DM_VERSION_MAJOR;
	u.io.data_size = sizeof(u);
	u.io.data_start = sizeof(struct dm_ioctl);
	u.io.dev = rdev;
	if (ioctl(fd, DM_TABLE_STATUS, &u.io) || (u.io.flags & DM_BUFFER_FULL_FLAG) ||
	    u.io.data_start >= sizeof(u))
		u.io.target_count = 0;
	close(fd);
	u.buf[sizeof(u) - 1] = '\0';
	base = u.buf + u.io.data_start;
	spec = (struct dm_target_spec *)base;
	for (i = 0; i < u.io.target_count; i++) {
		if ((char *)(spec + 1) >= u.buf + sizeof(u) - 1)
			break;
		if (!strncmp(spec->target_type, "delay", sizeof(spec->target_type)) &&
		    sscanf((char *)(spec + 1), "%ld", &r) == 1)
			n = (n < 0 ? 0 : n) + r;
		if (spec->next <= (unsigned int)((char *)spec - base) || spec->next >= sizeof(u) - u.io.data_start)
			break;
		spec = (struct dm_target_spec *)(base + spec->next);
	}
	return n;
}

/*
 * Reads in flight on the device: those a dm-delay device holds
 * (dm_delay_reads()), else /sys/dev/block/M:m/inflight's; -1 on error.
 */
static inline long inflight_reads(dev_t rdev)
{
	char p[96];
	long r = -1, w;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/dm", major(rdev), minor(rdev));
	if (!access(p, F_OK)) {
		r = dm_delay_reads(rdev);
		if (r >= 0)
			return r;
	}
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/inflight", major(rdev), minor(rdev));
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &r, &w) != 2)
		r = -1;
	fclose(f);
	return r;
}

/*
 * A failed step: its step line and the status line
 * "PROG: status=failed step=NAME errno=E".  Returns the exit status, 1.
 */
static inline int trigger_fail(const char *prog, const char *name, int err,
			       unsigned long long t0)
{
	step(name, err, -1, t0, NULL);
	printf("%s: status=failed step=%s errno=%s\n", prog, name, errname(err));
	return 1;
}

/*
 * The victim page, as every trigger starts: the open-file, mmap-shared
 * (MAP_SHARED, one page) and user-write steps (the write fault runs
 * ->page_mkwrite and dirties the folio).  Sets *map, *fd and *size (the
 * file's); returns 0, or 1 after trigger_fail().
 */
static inline int trigger_map_victim(const char *prog, const char *path,
				     unsigned char **map, int *fd, unsigned long long *size)
{
	unsigned long long t0 = now_ns();
	int f = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;

	if (f < 0 || fstat(f, &st))
		return trigger_fail(prog, "open-file", errno, t0);
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size < psz)
		return trigger_fail(prog, "open-file", EINVAL, t0);
	step("open-file", 0, (long)st.st_ino, t0, NULL);
	*size = (unsigned long long)st.st_size;

	t0 = now_ns();
	*map = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (*map == MAP_FAILED)
		return trigger_fail(prog, "mmap-shared", errno, t0);
	*fd = f;
	step("mmap-shared", 0, (long)psz, t0, NULL);

	t0 = now_ns();
	memset(*map, 'U', psz);	/* write fault: ->page_mkwrite, folio dirty */
	step("user-write", 0, (long)psz, t0, NULL);
	return 0;
}

/*
 * The delayed block device (the *-delayed triggers): the open-dev step,
 * O_DIRECT, once no read is in flight on it (a read in flight is the
 * signal that ours holds the page).  Reads the device holds already (the
 * filesystem's own on a dm-delay device under a mounted filesystem, as in
 * fstests) are waited out, at most @wait_ms; after that it is refused
 * (EBUSY).  Sets *fd and *rdev (its device number); returns 0, or 1 after
 * trigger_fail().
 */
static inline int trigger_open_dev(const char *prog, const char *dev, long wait_ms, int *fd, dev_t *rdev)
{
	unsigned long long t0 = now_ns(), waited;
	struct stat dst;
	char note[128];
	long n;

	*fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &dst))
		return trigger_fail(prog, "open-dev", errno, t0);
	if (!S_ISBLK(dst.st_mode))
		return trigger_fail(prog, "open-dev", ENOTBLK, t0);
	while ((n = inflight_reads(dst.st_rdev)) > 0 &&
	       now_ns() - t0 < (unsigned long long)wait_ms * 1000000ULL)
		usleep(1000);
	if (n < 0)
		return trigger_fail(prog, "open-dev", ENOENT, t0);
	if (n > 0)
		return trigger_fail(prog, "open-dev", EBUSY, t0);
	waited = (now_ns() - t0) / 1000000ULL;
	snprintf(note, sizeof(note), "O_DIRECT, %u:%u, no read in flight%s", major(dst.st_rdev),
		 minor(dst.st_rdev), waited >= 2 ? " (after waiting for the device's own)" : "");
	step("open-dev", 0, 0, t0, note);
	*rdev = dst.st_rdev;
	return 0;
}

/**
 * struct trigger_args - what every trigger takes from its command line
 * (trigger_parse())
 * @path: --file, the victim file (its first page is used).
 * @log: --log, a file for the JSON step lines, or NULL.
 * @dev: --dev, the delayed block device (the *-delayed triggers).
 * @fault: --fault, the fault injected in the window (window-fault.h), or NULL.
 * @expect: --expect, a file for the bytes the victim's first page must
 *	hold on disk at the end (trigger_check_page()), or NULL.
 * @wait_ms: --wait-ms (the *-delayed triggers), default 10000.
 * @safe: --safe: the same steps without the race: the kernel is done with
 *	the page before writeback cleans it.
 */
struct trigger_args {
	const char *path, *log, *dev, *fault, *expect;
	long wait_ms;
	int safe;
};

#ifndef TRIGGER_EXPORT
static inline const char *trigger_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}
#endif

/*
 * @a's defaults, before the command line.  Returns -1 to go on, else 2
 * after saying why.
 */
static inline int trigger_defaults(const char *prog, struct trigger_args *a)
{
	memset(a, 0, sizeof(*a));
	a->wait_ms = 10000;
#ifndef TRIGGER_EXPORT
	/* gup-repro: the defaults the guest init gives (docs/triggers.md) */
	a->path = trigger_env("GUPR_VICTIM") ?: "/mnt/scratch/victim";
	a->log = trigger_env("GUPR_STEPS_LOG");
	a->dev = trigger_env("GUPR_SLOW_DEV");
	a->fault = trigger_env("GUPR_FAULT");
	if (a->fault && !window_fault_known(a->fault)) {
		fprintf(stderr, "%s: GUPR_FAULT='%s' is not a fault this trigger knows\n", prog, a->fault);
		return 2;
	}
#else
	(void)prog;
#endif
	return -1;
}

/*
 * Option @c of the command line, with its value @v, into @a.  Returns -1 to
 * go on, else the exit status (0 after --help or --list-faults, which
 * prints window-fault.h's fault names a line each; 2 on bad usage, after
 * @usage(stderr)).
 */
static inline int trigger_option(int c, const char *v, const char *prog, void (*usage)(FILE *),
				 struct trigger_args *a)
{
	char *end;
	int i;

	switch (c) {
	case 'f': a->path = v; break;
	case 'd': a->dev = v; break;
	case 'o': a->log = v; break;
	case 'e': a->expect = v; break;
	case 's': a->safe = 1; break;
	case 'w':
		errno = 0;
		a->wait_ms = strtol(v, &end, 10);
		if (errno || *end || end == v || a->wait_ms < 1 || a->wait_ms > 600000) {
			fprintf(stderr, "%s: --wait-ms takes 1..600000, not '%s'\n", prog, v);
			usage(stderr);
			return 2;
		}
		break;
	case 'F':
		if (!window_fault_known(v)) {
			fprintf(stderr, "%s: --fault takes reclaim, cold, drop-caches, truncate or punch-hole, not '%s'\n",
				prog, v);
			usage(stderr);
			return 2;
		}
		a->fault = v;
		break;
	case 'h': usage(stdout); return 0;
	case 'L':	/* the fault names, one a line (for scripts) */
		for (i = 0; window_faults[i]; i++)
			printf("%s\n", window_faults[i]);
		return 0;
	default: usage(stderr); return 2;
	}
	return -1;
}

/*
 * Parse the command line into @a; @delayed: the trigger also takes --dev
 * (required) and --wait-ms.  Returns -1 to go on, else the exit status
 * (trigger_option(); 2 on bad usage, after @usage(stderr)).
 */
static inline int trigger_parse(int argc, char **argv, const char *prog, int delayed,
				void (*usage)(FILE *), struct trigger_args *a)
{
	static const struct option all[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "log", required_argument, NULL, 'o' },
		{ "fault", required_argument, NULL, 'F' },
		{ "expect", required_argument, NULL, 'e' },
		{ "safe", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-faults", no_argument, NULL, 'L' },
		{ "dev", required_argument, NULL, 'd' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option plain[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "log", required_argument, NULL, 'o' },
		{ "fault", required_argument, NULL, 'F' },
		{ "expect", required_argument, NULL, 'e' },
		{ "safe", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-faults", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = trigger_defaults(prog, a);

	while (rc < 0 && (c = getopt_long(argc, argv, delayed ? "f:d:o:w:F:e:sh" : "f:o:F:e:sh",
					  delayed ? all : plain, NULL)) != -1)
		rc = trigger_option(c, optarg, prog, usage, a);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!a->path || !*a->path) {
		fprintf(stderr, "%s: no victim file: give --file\n", prog);
		usage(stderr);
		return 2;
	}
	if (delayed && (!a->dev || !*a->dev)) {
		fprintf(stderr, "%s: no delayed block device: give --dev" TRIGGER_DEV_HINT "\n", prog);
		usage(stderr);
		return 2;
	}
	return -1;
}

/*
 * Before the first step: the page size, line-buffered stdout and the JSON
 * step log (--log).  Returns -1 to go on, else the exit status 2.
 */
static inline int trigger_start(const char *prog, const struct trigger_args *a)
{
	psz = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (a->log) {
		steplog = fopen(a->log, "a");
		if (!steplog) {
			fprintf(stderr, "%s: cannot open --log %s: %s\n", prog, a->log, strerror(errno));
			return 2;
		}
	}
	return -1;
}

/*
 * Wait (at most @wait_ms) for a read to be in flight on @rdev: the read
 * step of the *-delayed triggers holds the page once its request exists.
 * Sets *@t_inflight when it is.  Returns -1 to go on, else the exit status
 * 4 (the window was missed).
 */
static inline int trigger_wait_inflight(const char *prog, unsigned char *victim, dev_t rdev,
					long wait_ms, unsigned long long pins0,
					unsigned long long *t_inflight)
{
	unsigned long long t0 = now_ns();
	char note[160];
	long long fl;
	long n;

	for (;;) {
		n = inflight_reads(rdev);
		if (n > 0)
			break;
		if (now_ns() - t0 > (unsigned long long)wait_ms * 1000000ULL) {
			step("read-in-flight", ETIMEDOUT, -1, t0, NULL);
			printf("%s: status=no-window step=read-in-flight: no read in flight within %ld ms\n", prog, wait_ms);
			return 4;
		}
		usleep(500);
	}
	*t_inflight = now_ns();
	fl = kpageflags(victim);
	snprintf(note, sizeof(note), "request queued: the page is held (nr_foll_pin_acquired +%llu; FOLL_GET does not count)%s",
		 vmstat("nr_foll_pin_acquired") - pins0,
		 fl < 0 ? "" : (fl & (1 << 4)) ? ", page dirty" : ", page clean");
	step("read-in-flight", 0, n, t0, note);
	return -1;
}

/*
 * The window of the *-delayed triggers, once their read into the victim
 * is submitted: wait (at most @wait_ms) for it to be in flight on @rdev,
 * msync(MS_SYNC) the victim clean while it is, then inject @fault (or
 * none).  With @safe the caller waited for the read to complete first:
 * the same msync and fault, no read in flight.  Returns -1 when the read
 * is still in flight after all that (or @safe), else the exit status: 4
 * the window was missed, 1 a step failed.
 */
static inline int trigger_delayed_window(const char *prog, unsigned char *victim, int victim_fd,
					 dev_t rdev, long wait_ms, unsigned long long pins0,
					 const char *fault, int safe)
{
	unsigned long long t0, t_inflight = now_ns();
	char note[160];
	long long fl;
	long n;
	int err;

	if (!safe) {
		err = trigger_wait_inflight(prog, victim, rdev, wait_ms, pins0, &t_inflight);
		if (err >= 0)
			return err;
	}
	t0 = now_ns();
	if (msync(victim, psz, MS_SYNC))
		return trigger_fail(prog, "msync", errno, t0);
	n = inflight_reads(rdev);
	fl = kpageflags(victim);
	if (safe)
		snprintf(note, sizeof(note), "victim %s after writeback, the read completed before (safe)",
			 fl < 0 ? "state unknown" : (fl & (1 << 4)) ? "still dirty" : "clean");
	else
		snprintf(note, sizeof(note), "victim %s after writeback, read %s in flight (%.1f ms after it was seen)",
			 fl < 0 ? "state unknown" : (fl & (1 << 4)) ? "still dirty" : "clean",
			 n > 0 ? "still" : "no longer", (now_ns() - t_inflight) / 1e6);
	step("msync", 0, 0, t0, note);
	if (!safe && n <= 0) {
		printf("%s: status=no-window step=msync: the read completed before the clean finished\n", prog);
		return 4;
	}
	if (fault) {
		t0 = now_ns();
		err = window_fault(fault, victim_fd, victim, psz);
		fl = kpageflags(victim);
		snprintf(note, sizeof(note), "in the window: victim %s, read %s in flight",
			 fl < 0 ? "not mapped (no PTE)" : (fl & (1 << 4)) ? "mapped, dirty" : "mapped, clean",
			 inflight_reads(rdev) > 0 ? "still" : "no longer");
		step(fault, -err, err ? -1 : 0, t0, note);
		if (err) {
			printf("%s: status=failed step=%s errno=%s\n", prog, fault, errname(-err));
			return 1;
		}
	}
	if (!safe && fault && inflight_reads(rdev) <= 0) {
		printf("%s: status=no-window step=%s: the read completed before the fault was injected\n", prog, fault);
		return 4;
	}
	return -1;
}

#ifndef TRIGGER_EXPORT
/*
 * gup-repro's integrity check after the sequence (disk-check.h): the
 * victim @path read back from the disk against @expect (@len bytes, "pin":
 * the kernel wrote them through its hold, or "hole" after punch-hole), the
 * file expected @size bytes long.  JSON records to the step log, one line
 * to stdout.  Skipped with GUPR_INTEGRITY=0 (run.sh --no-integrity).
 */
static inline void trigger_check_disk(const char *prog, const char *path,
				      const unsigned char *expect, size_t len,
				      unsigned long long size, const char *writer)
{
	const char *on = getenv("GUPR_INTEGRITY");
	FILE *out;
	int lost;

	if (on && !strcmp(on, "0"))
		return;
	out = steplog ? steplog : fopen("/dev/null", "w");
	if (!out)
		return;
	lost = gupr_disk_check(out, path, expect, len, psz, size, writer);
	if (lost < 0)
		printf("%s: integrity: could not check: %s\n", prog, strerror(-lost));
	else
		printf("%s: integrity: %d of 1 page(s) differ from what the kernel wrote\n", prog, lost);
	if (out != steplog)
		fclose(out);
}
#endif

/* Write @len bytes of @buf to a new file @path.  Returns 0 or an errno. */
static inline int trigger_write_file(const char *path, const unsigned char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;
	ssize_t n;
	int err;

	if (fd < 0)
		return errno;
	while (done < len) {
		n = write(fd, buf + done, len - done);
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			close(fd);
			return err;
		}
		done += (size_t)n;
	}
	return close(fd) ? errno : 0;
}

/*
 * What the victim's first page must hold on disk after the sequence, the
 * victim unmapped and closed: @written (the page as the kernel wrote it
 * through its hold: whether or not anything dirtied the page in order),
 * except after a fault that took the page out of the file: "truncate"
 * (the file is empty) and "punch-hole" (zeros).  --expect FILE gets those
 * bytes for a test to compare with the file read back from the disk.
 * Returns 0, or 1 after trigger_fail() (the expect step).
 */
static inline int trigger_check_page(const char *prog, const struct trigger_args *a,
				     const unsigned char *written, unsigned long long size)
{
	int hole = a->fault && !strcmp(a->fault, "punch-hole");
	int gone = a->fault && !strcmp(a->fault, "truncate");
	unsigned char *zeros = hole ? calloc(1, psz) : NULL;
	const unsigned char *expect = hole ? zeros : written;
	unsigned long long t0 = now_ns();
	int err;

	if (hole && !zeros)
		return trigger_fail(prog, "expect", ENOMEM, t0);
	if (a->expect) {
		err = trigger_write_file(a->expect, expect, gone ? 0 : psz);
		if (err) {
			free(zeros);
			return trigger_fail(prog, "expect", err, t0);
		}
		step("expect", 0, gone ? 0 : (long)psz, t0, NULL);
	}
#ifndef TRIGGER_EXPORT
	trigger_check_disk(prog, a->path, expect, psz, gone ? 0 : size, hole ? "hole" : "pin");
#else
	(void)size;
#endif
	free(zeros);
	return 0;
}

/*
 * The end of the *-delayed triggers, once their read completed: the verify
 * step (what the page holds now; not read when the fault took it out of
 * the file), unmap and close, the bytes the disk must hold
 * (trigger_check_page()), and the status line.  Returns the exit status:
 * 0, or 1 after trigger_fail().
 */
static inline int trigger_delayed_finish(const char *prog, const struct trigger_args *a,
					 unsigned char *victim, int victim_fd, int dev_fd,
					 unsigned long long size)
{
	unsigned long long t0 = now_ns();
	unsigned char *back;
	char note[160];
	int c;

	/* The page now holds what the device returned. */
	if (a->fault && (!strcmp(a->fault, "truncate") || !strcmp(a->fault, "punch-hole"))) {
		/* the mapping would fault (SIGBUS past EOF) or show a new page */
		snprintf(note, sizeof(note), "not read: the page left the file under the read (%s)",
			 a->fault);
		step("verify", 0, 0, t0, note);
		back = calloc(1, psz);	/* not read: trigger_check_page() expects by the fault */
		if (!back)
			return trigger_fail(prog, "verify", ENOMEM, t0);
	} else {
		back = malloc(psz);
		if (!back)
			return trigger_fail(prog, "verify", ENOMEM, t0);
		memcpy(back, victim, psz);
		snprintf(note, sizeof(note), "page holds %s",
			 back[0] == 'U' ? "the user's 'U' (no data from the device)" :
			 back[0] == 0 ? "the device's zeroes" : "the device's data");
		step("verify", 0, back[0], t0, note);
	}

	t0 = now_ns();
	munmap(victim, psz);
	close(victim_fd);
	close(dev_fd);
	step("close-file", 0, 0, t0, NULL);
	/* On disk: what the device put into the page through the hold */
	c = trigger_check_page(prog, a, back, size);
	free(back);
	if (c)
		return c;
	printf("%s: status=complete steps=%d\n", prog, nstep);
	return 0;
}

/*
 * The --help text of a *-delayed trigger: its synopsis, @what (how it
 * reads into the victim, one line ending in "into a\n") and the options
 * they share.
 */
static inline void trigger_delayed_usage(FILE *f, const char *prog, const char *what)
{
	fprintf(f,
		"usage: %s [--file PATH] [--dev BLOCKDEV] [--fault NAME] [--safe] [--expect FILE]\n"
		"       [--wait-ms MS] [--log FILE] [--help]\n"
		"%s"
		"MAP_SHARED file page; msync(MS_SYNC) cleans the page while the read is in flight;\n"
		"the completion dirties it again with no ->page_mkwrite.\n"
		"  --file PATH    victim file" TRIGGER_DEF_FILE "\n"
		"  --dev DEV      delayed block device" TRIGGER_DEF_DEV "\n"
		"  --fault NAME   in the window: reclaim, cold, drop-caches, truncate, punch-hole" TRIGGER_DEF_FAULT "\n"
		"  --safe         the same steps without the race: the read completes before msync\n"
		"  --expect FILE  write the bytes the file's first page must hold on disk to FILE\n"
		"  --wait-ms MS   wait for the read to be in flight at most MS ms (default 10000)\n"
		"  --log FILE     JSON step lines" TRIGGER_DEF_LOG "\n"
		"Exit: 0 sequence ran, 1 a step failed, 2 bad usage, 4 window missed.\n", prog, what);
}

/*
 * The main of the *-delayed triggers: options, the victim page (*@victim,
 * *@victim_fd) and the delayed device (*@dev_fd), then @do_read (submit
 * the read, the window while it is in flight, or after it with --safe,
 * its completion; returns -1 to go on, else the exit status), then
 * trigger_delayed_finish().
 */
static inline int trigger_delayed_main(int argc, char **argv, const char *prog,
				       void (*usage)(FILE *), unsigned char **victim,
				       int *victim_fd, int *dev_fd,
				       int (*do_read)(dev_t rdev, const struct trigger_args *a))
{
	struct trigger_args a;
	unsigned long long size = 0;
	dev_t rdev = 0;
	int c;

	c = trigger_parse(argc, argv, prog, 1, usage, &a);
	if (c < 0)
		c = trigger_start(prog, &a);
	if (c >= 0)
		return c;
	printf("%s: file=%s dev=%s page_size=%zu%s\n", prog, a.path, a.dev, psz,
	       a.safe ? " safe" : "");

	if (trigger_map_victim(prog, a.path, victim, victim_fd, &size) ||
	    trigger_open_dev(prog, a.dev, a.wait_ms, dev_fd, &rdev))
		return 1;
	c = do_read(rdev, &a);
	if (c >= 0)
		return c;
	return trigger_delayed_finish(prog, &a, *victim, *victim_fd, *dev_fd, size);
}

#endif /* TRIGGER_H */
