/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trigger.h - what every module-free trigger does the same way: the JSON
 * step lines the host merges into the trace timeline, /proc/vmstat and
 * /proc/kpageflags readings, and the reads in flight on a block device.
 * Header-only (static inline): a trigger still builds with the one cc line
 * of its header, in a directory holding it and the headers of this folder.
 */
#ifndef GUPR_TRIGGER_H
#define GUPR_TRIGGER_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

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

/* One JSON line per step (the host merges them into the trace timeline). */
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
			nstep, name, err ? "error" : "ok", ret, err, err ? strerrorname_np(err) ?: "?" : "",
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

/* Reads in flight on the device (/sys/dev/block/M:m/inflight), -1 on error. */
static inline long inflight_reads(dev_t rdev)
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

/*
 * A failed step: its JSON line and the status line the guest init reads.
 * Returns the trigger's exit status, 1.
 */
static inline int trigger_fail(const char *prog, const char *name, int err,
			       unsigned long long t0)
{
	step(name, err, -1, t0, NULL);
	printf("%s: status=failed step=%s errno=%s\n", prog, name, strerrorname_np(err));
	return 1;
}

/*
 * The victim page, as every trigger starts: the open-file, mmap-shared
 * (MAP_SHARED, one page) and user-write steps (the write fault runs
 * ->page_mkwrite and dirties the folio).  Sets *map and *fd; returns 0, or
 * 1 after trigger_fail().
 */
static inline int trigger_map_victim(const char *prog, const char *path,
				     unsigned char **map, int *fd)
{
	unsigned long long t0 = now_ns();
	int f = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;

	if (f < 0 || fstat(f, &st))
		return trigger_fail(prog, "open-file", errno, t0);
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size < psz)
		return trigger_fail(prog, "open-file", EINVAL, t0);
	step("open-file", 0, (long)st.st_ino, t0, NULL);

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
 * O_DIRECT, refused when a read is already in flight on it (no clean
 * signal then).  Sets *fd and *rdev (its device number); returns 0, or 1
 * after trigger_fail().
 */
static inline int trigger_open_dev(const char *prog, const char *dev, int *fd, dev_t *rdev)
{
	unsigned long long t0 = now_ns();
	struct stat dst;
	char note[96];
	long n;

	*fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &dst))
		return trigger_fail(prog, "open-dev", errno, t0);
	if (!S_ISBLK(dst.st_mode))
		return trigger_fail(prog, "open-dev", ENOTBLK, t0);
	n = inflight_reads(dst.st_rdev);
	if (n < 0)
		return trigger_fail(prog, "open-dev", ENOENT, t0);
	if (n > 0)
		return trigger_fail(prog, "open-dev", EBUSY, t0);
	snprintf(note, sizeof(note), "O_DIRECT, %u:%u, no read in flight", major(dst.st_rdev),
		 minor(dst.st_rdev));
	step("open-dev", 0, 0, t0, note);
	*rdev = dst.st_rdev;
	return 0;
}

#endif /* GUPR_TRIGGER_H */
