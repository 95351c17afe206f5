/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disk-check.h - the data-integrity oracle's guest half, shared by the
 * driver (repro-user/guest/steps.c: every scenario) and the module-free triggers
 * (what the kernel wrote into the page they hold must reach the disk).
 * Header-only: a trigger still builds with the one cc line of its header.
 *
 * gupr_disk_read() reads a file back so that the disk answers, not a page
 * the kernel still holds: sync(), fsync(), POSIX_FADV_DONTNEED (clean,
 * unmapped folios leave the page cache), then O_DIRECT; buffered where the
 * filesystem has no O_DIRECT (tmpfs before v6.6); and, when the direct read
 * itself fails (7.2 btrfs answers EUCLEAN for a folio it refused at
 * writeback), umount + mount of the filesystem and a buffered read from
 * the fresh page cache.  gupr_disk_page_record() and
 * gupr_disk_summary_record() write the JSON records gup-repro-verdict reads
 * (docs/verdicts.md, "Data integrity").
 */
#ifndef GUPR_DISK_CHECK_H
#define GUPR_DISK_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/**
 * struct gupr_disk_read - how a read-back went
 * @method: "O_DIRECT", "buffered" or "remount".
 * @got: bytes read (at most the file size).
 * @size: the file's size in bytes, after its fsync.
 * @fsync_err: the errno fsync() returned (a filesystem refusing the page:
 *	btrfs EUCLEAN), or 0; the file is read back all the same.
 * @direct_err: the errno of the failed O_DIRECT read when @method is
 *	"remount", else 0.
 */
struct gupr_disk_read {
	const char *method;
	unsigned long long got, size;
	int fsync_err, direct_err;
};

/*
 * gupr_find_mount - the mount of PATH from /proc/self/mountinfo (proc(5)):
 * the entry whose mount point is the longest prefix of PATH.  MNT, FSTYPE
 * and SRC get its mount point, filesystem type and source (SIZE bytes
 * each).  Return 0, -ENOENT when no entry matches, or fopen()'s -errno.
 * Octal escapes in mount points (\040) are not decoded: the guest's
 * scratch filesystem is /mnt/scratch.
 */
static inline int gupr_find_mount(const char *path, char *mnt, char *fstype, char *src, size_t size)
{
	char line[1024], m[256], t[64], s[256];
	size_t best = 0, ml;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", m) != 1 ||
		    sscanf(dash + 3, "%63s %255s", t, s) != 2)
			continue;
		ml = strlen(m);
		if (strncmp(path, m, ml) || (path[ml] != '/' && path[ml] != '\0' && strcmp(m, "/")))
			continue;
		if (ml >= best) {
			best = ml;
			snprintf(mnt, size, "%s", m);
			snprintf(fstype, size, "%s", t);
			snprintf(src, size, "%s", s);
		}
	}
	fclose(f);
	return best ? 0 : -ENOENT;
}

/*
 * gupr_remount - unmount the filesystem holding PATH and mount it again
 * (umount2(2), mount(2) with default options, as the guest init mounted
 * it): every folio of it leaves the page cache.  Only filesystems on a
 * block device: tmpfs has no disk.  The working directory becomes / (a
 * trigger runs in /mnt/scratch, which would keep the mount busy).  Return 0
 * or a negative errno (-EOPNOTSUPP for a source that is not /dev/...,
 * -EBUSY while a file is open there).
 */
static inline int gupr_remount(const char *path)
{
	char mnt[256], fstype[256], src[256];
	int err = gupr_find_mount(path, mnt, fstype, src, sizeof(mnt));

	if (err)
		return err;
	if (strncmp(src, "/dev/", 5))
		return -EOPNOTSUPP;
	if (chdir("/"))
		return -errno;
	if (umount2(mnt, 0))
		return -errno;
	if (mount(src, mnt, fstype, 0, NULL))
		return -errno;
	return 0;
}

/*
 * gupr_read_file - read PATH into BUF (LEN bytes) with open flags FLAGS;
 * *GOT gets the bytes read.  Return 0 or a negative errno of open/pread.
 */
static inline int gupr_read_file(const char *path, int flags, unsigned char *buf, size_t len,
				 unsigned long long *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	ssize_t n;

	*got = 0;
	if (fd < 0)
		return -errno;
	while (*got < len) {
		n = pread(fd, buf + *got, len - *got, (off_t)*got);
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (!n)
			break;
		*got += (unsigned long long)n;
	}
	close(fd);
	return 0;
}

/**
 * gupr_disk_read - read @path back from the disk into @buf.
 * @path: the file; nothing may map or hold it open (the caller unmapped
 *	and closed it), or its folios stay in the page cache.
 * @buf: @len bytes, 4096-aligned (O_DIRECT).
 * @len: bytes to read from offset 0.
 * @may_remount: 1 to umount + mount when the O_DIRECT read fails (the
 *	final check; a check in the middle of a scenario must not).
 * @r: how it went (struct gupr_disk_read).
 *
 * Return: 0, or a negative errno of open/fstat/pread or of the remount.
 */
static inline int gupr_disk_read(const char *path, unsigned char *buf, size_t len,
				 int may_remount, struct gupr_disk_read *r)
{
	struct stat st;
	int fd, err;

	memset(r, 0, sizeof(*r));
	r->method = "O_DIRECT";
	sync();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		r->fsync_err = errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	r->size = (unsigned long long)st.st_size;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	memset(buf, 0, len);
	err = gupr_read_file(path, O_DIRECT, buf, len, &r->got);
	if (err == -EINVAL) {		/* no O_DIRECT: tmpfs before v6.6 */
		r->method = "buffered";
		err = gupr_read_file(path, 0, buf, len, &r->got);
	} else if (err && may_remount) {
		r->direct_err = -err;
		r->method = "remount";
		err = gupr_remount(path);
		if (!err)
			err = gupr_read_file(path, 0, buf, len, &r->got);
	}
	if (r->got > r->size)
		r->got = r->size;
	return err;
}

/**
 * gupr_disk_compare_page - page @i (@page_size bytes) of the file as read
 * back (@got, @got_size bytes) against what was written (@expect, of a
 * file @expect_size bytes long).
 * @diff: gets the file offset of the first difference, or -1.
 * @want: gets the byte expected there, or -1.
 * @found: gets the byte found there (-1 past what was read), or -1.
 *
 * Return: "ok", "lost" (a difference) or "beyond-eof" (the page starts at
 * or past @expect_size: not compared).
 */
static inline const char *gupr_disk_compare_page(const unsigned char *expect,
						 unsigned long long expect_size,
						 const unsigned char *got,
						 unsigned long long got_size, unsigned int i,
						 size_t page_size, long long *diff, int *want,
						 int *found)
{
	unsigned long long start = (unsigned long long)i * page_size, end, off;

	*diff = -1;
	*want = -1;
	*found = -1;
	if (start >= expect_size)
		return "beyond-eof";
	end = start + page_size < expect_size ? start + page_size : expect_size;
	for (off = start; off < end; off++) {
		if (off >= got_size || got[off] != expect[off]) {
			*diff = (long long)off;
			*want = expect[off];
			*found = off < got_size ? got[off] : -1;
			return "lost";
		}
	}
	return "ok";
}

/* @b as one character of a JSON string: printable ASCII but '"' and '\\', else '?'. */
static inline char gupr_printable(int b)
{
	return b >= 0x21 && b < 0x7f && b != '"' && b != '\\' ? (char)b : '?';
}

/**
 * gupr_disk_page_record - one {"event":"integrity",...} line: page @page
 * compared ("ok", "lost" or "beyond-eof" in @result), who wrote what was
 * expected (@writer: "file", "user", "pin", "hole"), the expected and the
 * found byte at the first difference (@want, @found: -1 none; @diff its
 * file offset in bytes, -1 none) or at the page's start (@first_want,
 * @first_found), and whether a loss there is excused (@excused).
 */
static inline void gupr_disk_page_record(FILE *log, const char *phase, unsigned int page,
					 const char *result, const char *writer, int want,
					 int found, long long diff, int first_want,
					 int first_found, int excused)
{
	fprintf(log, "{\"event\":\"integrity\",\"phase\":\"%s\",\"page\":%u,\"result\":\"%s\",\"writer\":\"%s\","
		"\"expected_byte\":%d,\"found_byte\":%d,\"first_diff\":%lld,"
		"\"expected\":\"%c\",\"found\":\"%c\",\"excused\":%d}\n",
		phase, page, result, writer, want >= 0 ? want : first_want,
		found >= 0 ? found : first_found, diff, gupr_printable(first_want),
		gupr_printable(first_found), excused);
}

/**
 * gupr_disk_summary_record - the {"event":"integrity-summary",...} line of
 * a check: @pages compared, @ok, @lost and @excused of them, the expected
 * file size in bytes (@expect_size), @ms the check took, @r how the file
 * was read (NULL when it could not be), @err the check's negative errno or
 * 0.  A size that differs also gets an {"event":"integrity-size"} line.
 */
static inline void gupr_disk_summary_record(FILE *log, const char *phase, unsigned int pages,
					    unsigned int ok, unsigned int lost,
					    unsigned int excused, unsigned long long expect_size,
					    double ms, const struct gupr_disk_read *r, int err)
{
	const char *direct = r && r->direct_err ? strerrorname_np(r->direct_err) : "";

	if (err) {
		fprintf(log, "{\"event\":\"integrity-summary\",\"phase\":\"%s\",\"method\":\"%s\","
			"\"pages\":%u,\"ok\":0,\"lost\":0,\"excused\":0,\"direct_error\":\"%s\","
			"\"error\":\"%s\"}\n", phase, r ? r->method : "O_DIRECT", pages, direct,
			strerror(-err));
		fflush(log);
		return;
	}
	fprintf(log, "{\"event\":\"integrity-summary\",\"phase\":\"%s\",\"method\":\"%s\","
		"\"pages\":%u,\"ok\":%u,\"lost\":%u,\"excused\":%u,\"size\":%llu,\"expected_size\":%llu,"
		"\"ms\":%.1f,\"fsync_error\":\"%s\",\"direct_error\":\"%s\",\"error\":\"\"}\n",
		phase, r->method, pages, ok, lost, excused, r->size, expect_size, ms,
		r->fsync_err ? strerrorname_np(r->fsync_err) : "", direct);
	if (r->size != expect_size)
		fprintf(log, "{\"event\":\"integrity-size\",\"size\":%llu,\"expected_size\":%llu}\n",
			r->size, expect_size);
	fflush(log);
}

/**
 * gupr_disk_check - the integrity check of a trigger: read @path back from
 * the disk (gupr_disk_read(), remount allowed) and compare its first @len
 * bytes with @expect; one page record per page of @page_size bytes and the
 * summary go to @log (phase "final").
 * @expect_size: the size in bytes the file should have; pages past it are
 *	"beyond-eof" and not compared (a truncate in the window).
 * @writer: who wrote @expect ("pin": the kernel through the pin, "hole").
 *
 * Return: the number of lost pages (>= 0), or a negative errno when the
 * file could not be read back (then the summary says why).
 */
static inline int gupr_disk_check(FILE *log, const char *path, const unsigned char *expect,
				  size_t len, size_t page_size, unsigned long long expect_size,
				  const char *writer)
{
	struct gupr_disk_read r = { .method = "O_DIRECT" };
	unsigned int i, pages = (unsigned int)(len / page_size), ok = 0, lost = 0;
	unsigned long long start;
	unsigned char *buf = NULL;
	struct timespec t0, t1;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (posix_memalign((void **)&buf, 4096, len))
		err = -ENOMEM;
	else
		err = gupr_disk_read(path, buf, len, 1, &r);
	for (i = 0; !err && i < pages; i++) {
		long long diff;
		int want, found;
		const char *result = gupr_disk_compare_page(expect, expect_size, buf, r.got, i,
							    page_size, &diff, &want, &found);

		start = (unsigned long long)i * page_size;
		if (diff >= 0)
			lost++;
		else if (start < expect_size)
			ok++;
		gupr_disk_page_record(log, "final", i, result, writer, want, found, diff,
				      expect[start], start < r.got ? buf[start] : -1, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	gupr_disk_summary_record(log, "final", pages, ok, lost, 0, expect_size,
				 (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, &r, err);
	free(buf);
	return err ? err : (int)lost;
}

#endif /* GUPR_DISK_CHECK_H */
