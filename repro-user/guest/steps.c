// SPDX-License-Identifier: GPL-2.0
/*
 * The step table of gup-repro.  Steps are small and do one kernel-visible
 * thing each, so the console shows the kernel's reaction between two step
 * lines.  The scenarios are in scenarios.c, the integrity check in
 * integrity.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/falloc.h>

#include <liburing.h>

#include "gup_repro.h"
#include "steps.h"
#include "triggers/window-fault.h"

static int dev_open(struct gupr_ctx *c)
{
	struct gup_repro_info info = { .size = sizeof(info) };

	if (c->dev_fd >= 0)
		return 0;
	c->dev_fd = open(c->device, O_RDWR | O_CLOEXEC);
	if (c->dev_fd < 0)
		return -errno;
	if (ioctl(c->dev_fd, GUP_REPRO_IOC_INFO, &info))
		return -errno;
	if (info.abi_version != GUP_REPRO_ABI_VERSION ||
	    info.page_size != c->page_size)
		return -EPROTO;
	/* which module the run used: the headers it was built against */
	if (c->step_log) {
		fprintf(c->step_log, "{\"event\":\"module\",\"abi_version\":%u,\"max_pages\":%u,"
			"\"page_size\":%u,\"built_for\":\"%u.%u.%u\"}\n", info.abi_version,
			info.max_pages, info.page_size, info.linux_version_code >> 16,
			(info.linux_version_code >> 8) & 0xff, info.linux_version_code & 0xff);
		fflush(c->step_log);
	}
	return 0;
}

static int need_map(struct gupr_ctx *c)
{
	return c->map ? 0 : -EBADFD;
}

static int step_open_file(struct gupr_ctx *c, long *ret)
{
	struct stat st;

	if (c->fd >= 0)
		return -EALREADY;
	c->fd = open(c->path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	if (fstat(c->fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	/* The victim must cover every page: a mapping past EOF is SIGBUS. */
	if ((unsigned long long)st.st_size < (unsigned long long)c->nr_pages * c->page_size)
		return -ENOSPC;
	c->ino = st.st_ino;
	c->dev = st.st_dev;
	*ret = (long)st.st_ino;
	return 0;
}

/* Map the victim's nr_pages read-write with @flags; *ret: bytes mapped. */
static int map_victim(struct gupr_ctx *c, int flags, long *ret)
{
	void *p;

	if (c->fd < 0)
		return -EBADF;
	if (c->map)
		return -EALREADY;
	p = mmap(NULL, c->nr_pages * c->page_size, PROT_READ | PROT_WRITE,
		 flags, c->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	c->map = p;
	*ret = (long)(c->nr_pages * c->page_size);
	return 0;
}

static int step_mmap_shared(struct gupr_ctx *c, long *ret)
{
	return map_victim(c, MAP_SHARED, ret);
}

/*
 * MAP_PRIVATE of the victim: the first store copies the file page into an
 * anonymous page (COW), so a later pin holds that copy, not the file's
 * page cache.  The control for the private side of FOLL_LONGTERM checks.
 */
static int step_mmap_private(struct gupr_ctx *c, long *ret)
{
	int rc = map_victim(c, MAP_PRIVATE, ret);

	if (!rc)
		c->private_map = 1;
	return rc;
}

/* Store through the user mapping: a write fault runs ->page_mkwrite. */
static int step_user_write(struct gupr_ctx *c, long *ret)
{
	int err = need_map(c);

	if (err)
		return err;
	memset(c->map, GUPR_PATTERN_USER, c->nr_pages * c->page_size);
	if (!c->private_map) {
		memset(c->expect, GUPR_PATTERN_USER, c->nr_pages * c->page_size);
		memset(c->writer, GUPR_W_USER, c->nr_pages);
	}
	*ret = (long)(c->nr_pages * c->page_size);
	return 0;
}

static int do_pin(struct gupr_ctx *c, long *ret, __u32 api, __u32 flags)
{
	struct gup_repro_pin a = {
		.size = sizeof(a),
		.api = api,
		.flags = flags,
		.nr_pages = c->nr_pages,
	};
	int err = need_map(c);

	if (err)
		return err;
	err = dev_open(c);
	if (err)
		return err;
	a.addr = (uintptr_t)c->map;
	if (ioctl(c->dev_fd, GUP_REPRO_IOC_PIN, &a))
		return -errno;
	c->nr_pinned = a.nr_pinned;
	memset(c->gone, 0, c->nr_pages);
	*ret = a.nr_pinned;
	return 0;
}

static int step_pin(struct gupr_ctx *c, long *ret)
{
	return do_pin(c, ret, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE);
}

static int step_pin_fast(struct gupr_ctx *c, long *ret)
{
	return do_pin(c, ret, GUP_REPRO_API_PIN,
		      GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_FAST);
}

static int step_pin_longterm(struct gupr_ctx *c, long *ret)
{
	return do_pin(c, ret, GUP_REPRO_API_PIN,
		      GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_LONGTERM);
}

static int step_get(struct gupr_ctx *c, long *ret)
{
	return do_pin(c, ret, GUP_REPRO_API_GET, GUP_REPRO_PIN_WRITE);
}

static int step_msync(struct gupr_ctx *c, long *ret)
{
	int err = need_map(c);

	if (err)
		return err;
	if (msync(c->map, c->nr_pages * c->page_size, MS_SYNC))
		return -errno;
	*ret = 0;
	return 0;
}

static int step_fsync(struct gupr_ctx *c, long *ret)
{
	if (c->fd < 0)
		return -EBADF;
	if (fsync(c->fd))
		return -errno;
	*ret = 0;
	return 0;
}

static int need_pin(struct gupr_ctx *c)
{
	return c->nr_pinned ? 0 : -ENOENT;
}

/* Write every pinned page through the kernel mapping (kmap_local_page). */
static int step_kernel_write(struct gupr_ctx *c, long *ret)
{
	struct gup_repro_write a = {
		.size = sizeof(a),
		.offset = 0,
		.length = (__u32)c->page_size,
		.pattern = GUPR_PATTERN_KERNEL,
	};
	int err = need_pin(c);

	if (err)
		return err;
	for (a.page = 0; a.page < c->nr_pinned; a.page++) {
		if (ioctl(c->dev_fd, GUP_REPRO_IOC_WRITE, &a))
			return -errno;
		if (c->gone[a.page]) {
			c->excused[a.page] = 1;
		} else if (!c->private_map) {
			memset(c->expect + a.page * c->page_size, GUPR_PATTERN_KERNEL,
			       c->page_size);
			c->writer[a.page] = GUPR_W_PIN;
		}
	}
	*ret = (long)(c->nr_pinned * c->page_size);
	return 0;
}

static int do_dirty(struct gupr_ctx *c, long *ret, __u32 mode)
{
	struct gup_repro_dirty a = {
		.size = sizeof(a),
		.mode = mode,
		.page = GUP_REPRO_ALL_PAGES,
	};
	int err = need_pin(c);

	if (err)
		return err;
	if (ioctl(c->dev_fd, GUP_REPRO_IOC_DIRTY, &a))
		return -errno;
	*ret = a.nr_newly_dirtied;
	return 0;
}

static int step_dirty_unlocked(struct gupr_ctx *c, long *ret)
{
	return do_dirty(c, ret, GUP_REPRO_DIRTY_UNLOCKED);
}

static int step_dirty_locked(struct gupr_ctx *c, long *ret)
{
	return do_dirty(c, ret, GUP_REPRO_DIRTY_LOCKED);
}

static int do_unpin(struct gupr_ctx *c, long *ret, __u32 mode)
{
	struct gup_repro_unpin a = { .size = sizeof(a), .mode = mode };
	int err = need_pin(c);

	if (err)
		return err;
	if (ioctl(c->dev_fd, GUP_REPRO_IOC_UNPIN, &a))
		return -errno;
	c->nr_pinned = 0;
	*ret = a.nr_unpinned;
	return 0;
}

static int step_unpin(struct gupr_ctx *c, long *ret)
{
	return do_unpin(c, ret, GUP_REPRO_UNPIN_PLAIN);
}

static int step_unpin_dirty(struct gupr_ctx *c, long *ret)
{
	return do_unpin(c, ret, GUP_REPRO_UNPIN_DIRTY);
}

/* Only reports the state, which every step prints anyway. */
static int step_state(struct gupr_ctx *c, long *ret)
{
	(void)c;
	*ret = 0;
	return 0;
}

/* Read the file back with pread() and say whose pattern each page holds. */
static int step_verify(struct gupr_ctx *c, long *ret)
{
	unsigned int i, user = 0, kernel = 0, other = 0;
	unsigned char *buf;
	size_t j;

	if (c->fd < 0)
		return -EBADF;
	buf = malloc(c->page_size);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < c->nr_pages; i++) {
		ssize_t n = pread(c->fd, buf, c->page_size, (off_t)i * c->page_size);
		unsigned char want;

		if (n != (ssize_t)c->page_size) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		want = buf[0];
		for (j = 1; j < c->page_size && buf[j] == want; j++)
			;
		if (j == c->page_size && want == GUPR_PATTERN_USER)
			user++;
		else if (j == c->page_size && want == GUPR_PATTERN_KERNEL)
			kernel++;
		else
			other++;
	}
	free(buf);
	snprintf(c->verify_note, sizeof(c->verify_note),
		 "pages: %u user-pattern, %u kernel-pattern, %u other",
		 user, kernel, other);
	*ret = kernel;
	return 0;
}


/*
 * Fault steps: each drives one kernel mechanism that breaks what a GUP
 * holder may assume about the page it holds.
 */

/*
 * madvise(MADV_PAGEOUT) on the mapping: reclaim_pages() unmaps the folio
 * and shrink_folio_list() releases its private data (buffer heads,
 * filemap_release_folio() -> try_to_free_buffers()) before it finds the
 * extra reference and keeps the folio.  The 2023 fix "mm: do not reclaim
 * private data from pinned page" skips this for FOLL_PIN, not FOLL_GET.
 * Once on each CPU (madvise_each_cpu()); *ret: the CPUs it ran on.
 */
static int do_madvise(struct gupr_ctx *c, long *ret, int advice)
{
	int n = need_map(c);

	if (n)
		return n;
	n = madvise_each_cpu(c->map, c->nr_pages * c->page_size, advice);
	if (n < 0)
		return n;
	*ret = n;
	return 0;
}

static int step_reclaim(struct gupr_ctx *c, long *ret)
{
	return do_madvise(c, ret, MADV_PAGEOUT);
}

static int step_cold(struct gupr_ctx *c, long *ret)
{
	return do_madvise(c, ret, MADV_COLD);
}

static int write_proc(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* echo 3 > /proc/sys/vm/drop_caches: clean, unmapped, unpinned pages go. */
static int step_drop_caches(struct gupr_ctx *c, long *ret)
{
	(void)c;
	*ret = 0;
	return write_proc("/proc/sys/vm/drop_caches", "3");
}

/*
 * Truncate: truncate_inode_pages_range() removes every folio past the new
 * EOF from the page cache (a pinned one too: its ->mapping becomes NULL)
 * and zeroes the tail of a partial one, which stays.
 */
static int do_truncate(struct gupr_ctx *c, long *ret, unsigned long long size)
{
	unsigned int i;

	if (c->fd < 0)
		return -EBADF;
	if (ftruncate(c->fd, (off_t)size))
		return -errno;
	c->expect_size = size;
	for (i = 0; i < c->nr_pages; i++)
		if ((unsigned long long)i * c->page_size >= size)
			c->gone[i] = 1;
	*ret = (long)size;
	return 0;
}

static int step_truncate(struct gupr_ctx *c, long *ret)
{
	return do_truncate(c, ret, 0);
}

static int step_truncate_mid(struct gupr_ctx *c, long *ret)
{
	return do_truncate(c, ret, c->page_size / 2);
}

/* fallocate(PUNCH_HOLE|KEEP_SIZE) over every page: the folios leave the cache. */
static int step_punch_hole(struct gupr_ctx *c, long *ret)
{
	size_t len = c->nr_pages * c->page_size;

	if (c->fd < 0)
		return -EBADF;
	if (fallocate(c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)len))
		return -errno;
	memset(c->expect, 0, len);
	memset(c->writer, GUPR_W_HOLE, c->nr_pages);
	memset(c->gone, 1, c->nr_pages);
	*ret = (long)len;
	return 0;
}

static int step_sync_file_range(struct gupr_ctx *c, long *ret)
{
	if (c->fd < 0)
		return -EBADF;
	if (sync_file_range(c->fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
			    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER))
		return -errno;
	*ret = 0;
	return 0;
}

/* sync(): writeback of every filesystem, waited for. */
static int step_writeback(struct gupr_ctx *c, long *ret)
{
	(void)c;
	sync();
	*ret = 0;
	return 0;
}

/* verify: the integrity check as a step, in the middle of a scenario. */
static int step_verify_disk(struct gupr_ctx *c, long *ret)
{
	unsigned int lost;
	FILE *devnull = fopen("/dev/null", "w");
	int err;

	if (!devnull)
		return -errno;
	c->step_check = 1;
	err = gupr_integrity(c, c->step_log ? c->step_log : devnull, &lost);
	c->step_check = 0;
	fclose(devnull);
	snprintf(c->verify_note, sizeof(c->verify_note), "disk: %u page(s) differ from what was written",
		 lost);
	*ret = lost;
	return err;
}

static int step_munmap(struct gupr_ctx *c, long *ret)
{
	int err = need_map(c);

	if (err)
		return err;
	if (munmap(c->map, c->nr_pages * c->page_size))
		return -errno;
	c->map = NULL;
	*ret = 0;
	return 0;
}

static int step_close_file(struct gupr_ctx *c, long *ret)
{
	if (c->fd < 0)
		return -EBADF;
	close(c->fd);
	c->fd = -1;
	*ret = 0;
	return 0;
}

/*
 * io_uring fixed buffers over the MAP_SHARED mapping: io_uring pins them
 * with FOLL_LONGTERM (io_uring/rsrc.c io_pin_pages()).  Older kernels
 * refuse file-backed memory other than shmem with EOPNOTSUPP; from v6.5
 * GUP itself refuses with EFAULT.
 */
static int step_iouring_register(struct gupr_ctx *c, long *ret)
{
	struct iovec iov;
	struct io_uring *ring;
	int err = need_map(c);

	if (err)
		return err;
	if (c->ring)
		return -EALREADY;
	ring = calloc(1, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	err = io_uring_queue_init(8, ring, 0);
	if (err) {
		free(ring);
		return err;
	}
	c->ring = ring;
	iov.iov_base = c->map;
	iov.iov_len = c->nr_pages * c->page_size;
	err = io_uring_register_buffers(ring, &iov, 1);
	if (err)
		return err;
	c->ring_registered = 1;
	*ret = (long)c->nr_pages;
	return 0;
}

/* IORING_OP_READ_FIXED from a memfd of 'R' into the registered mapping. */
static int step_iouring_read_fixed(struct gupr_ctx *c, long *ret)
{
	size_t len = c->nr_pages * c->page_size;
	struct io_uring *ring = c->ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	unsigned char *buf;
	int src, err;

	if (!ring || !c->ring_registered)
		return -ENOENT;
	src = memfd_create("gupr-src", MFD_CLOEXEC);
	if (src < 0)
		return -errno;
	buf = malloc(len);
	if (!buf) {
		close(src);
		return -ENOMEM;
	}
	memset(buf, GUPR_PATTERN_IOURING, len);
	if (write(src, buf, len) != (ssize_t)len) {
		free(buf);
		close(src);
		return -EIO;
	}
	free(buf);
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read_fixed(sqe, src, c->map, (unsigned int)len, 0, 0);
	err = io_uring_submit_and_wait(ring, 1);
	if (err >= 0)
		err = io_uring_wait_cqe(ring, &cqe);
	if (!err) {
		err = cqe->res < 0 ? cqe->res : 0;
		*ret = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	if (!err && !c->private_map) {
		memset(c->expect, GUPR_PATTERN_IOURING, len);
		memset(c->writer, GUPR_W_PIN, c->nr_pages);
	}
	close(src);
	return err;
}

/* Unregister: io_uring unpins the pages (io_buffer_unmap()). */
static int step_iouring_unregister(struct gupr_ctx *c, long *ret)
{
	struct io_uring *ring = c->ring;
	int err;

	if (!ring || !c->ring_registered)
		return -ENOENT;
	err = io_uring_unregister_buffers(ring);
	if (err)
		return err;
	c->ring_registered = 0;
	io_uring_queue_exit(ring);
	free(ring);
	c->ring = NULL;
	*ret = (long)c->nr_pages;
	return 0;
}

#define O GUPR_NEED_OPEN
#define M GUPR_NEED_MAP
#define P GUPR_NEED_PIN
#define F GUPR_NEED_FULL
#define R GUPR_NEED_RING
const struct gupr_step gupr_steps[] = {
	/* name, description, function, needs, gives, takes, refusable, reports_wb */
	{ "open-file", "open the victim file O_RDWR (must cover --pages)", step_open_file,
	  GUPR_NEED_CLOSED, O, GUPR_NEED_CLOSED, 0, 0 },
	{ "mmap-shared", "mmap the victim MAP_SHARED, PROT_READ|PROT_WRITE", step_mmap_shared,
	  O | GUPR_NEED_NOMAP | F, M, GUPR_NEED_NOMAP, 0, 0 },
	{ "mmap-private", "mmap the victim MAP_PRIVATE, PROT_READ|PROT_WRITE (writes COW into anonymous pages)", step_mmap_private,
	  O | GUPR_NEED_NOMAP | F, M, GUPR_NEED_NOMAP, 0, 0 },
	{ "user-write", "store 'U' through the user mapping (write fault, ->page_mkwrite)", step_user_write, M | F, 0, 0, 0, 0 },
	{ "pin", "pin_user_pages(FOLL_WRITE), no FOLL_LONGTERM", step_pin, M | F, P, 0, 0, 0 },
	{ "pin-fast", "pin_user_pages_fast(FOLL_WRITE), no FOLL_LONGTERM", step_pin_fast, M | F, P, 0, 0, 0 },
	{ "pin-longterm", "pin_user_pages(FOLL_WRITE|FOLL_LONGTERM); v6.5+ refuses file mappings", step_pin_longterm, M | F, P, 0, 1, 0 },
	{ "get", "get_user_pages(FOLL_WRITE): FOLL_GET references", step_get, M | F, P, 0, 0, 0 },
	{ "msync", "msync(MS_SYNC): writeback cleans the folio, folio_mkclean() write-protects the PTE", step_msync, M, 0, 0, 0, 1 },
	{ "fsync", "fsync() the victim file", step_fsync, O, 0, 0, 0, 1 },
	{ "sync-file-range", "sync_file_range(WAIT_BEFORE|WRITE|WAIT_AFTER) over the file", step_sync_file_range, O, 0, 0, 0, 1 },
	{ "writeback", "sync(): write back every filesystem and wait", step_writeback, 0, 0, 0, 0, 0 },
	{ "reclaim", "madvise(MADV_PAGEOUT): reclaim unmaps the folio and releases its buffer heads (kept if referenced)", step_reclaim, M, 0, 0, 0, 0 },
	{ "cold", "madvise(MADV_COLD): deactivate the folio (no reclaim yet)", step_cold, M, 0, 0, 0, 0 },
	{ "drop-caches", "echo 3 > /proc/sys/vm/drop_caches", step_drop_caches, 0, 0, 0, 0, 0 },
	{ "truncate", "ftruncate(0): every folio leaves the page cache (a pinned one loses ->mapping)", step_truncate, O, 0, F, 0, 0 },
	{ "truncate-mid", "ftruncate(page_size / 2): the partial first page stays, its tail zeroed", step_truncate_mid, O, 0, F, 0, 0 },
	{ "punch-hole", "fallocate(PUNCH_HOLE|KEEP_SIZE) over every page: the folios leave the page cache", step_punch_hole, O, 0, 0, 0, 0 },
	{ "kernel-write", "module stores 'K' into every pinned page via kmap_local_page()", step_kernel_write, P, 0, 0, 0, 0 },
	{ "dirty-unlocked", "module calls set_page_dirty() without the folio lock", step_dirty_unlocked, P, 0, 0, 0, 0 },
	{ "dirty-locked", "module calls set_page_dirty_lock()", step_dirty_locked, P, 0, 0, 0, 0 },
	{ "unpin", "module drops the pins: unpin_user_pages() / put_page()", step_unpin, P, 0, P, 0, 0 },
	{ "unpin-dirty", "module drops the pins: unpin_user_pages_dirty_lock(.., true)", step_unpin_dirty, P, 0, P, 0, 0 },
	{ "state", "print the folio state only", step_state, 0, 0, 0, 0, 0 },
	{ "verify", "pread() the file back and report whose pattern each page holds", step_verify, O, 0, 0, 0, 0 },
	{ "verify-disk", "sync, drop the victim from the page cache, read it back with O_DIRECT and compare with what was written", step_verify_disk, 0, 0, 0, 0, 0 },
	{ "munmap", "munmap the victim", step_munmap, M, GUPR_NEED_NOMAP, M, 0, 0 },
	{ "close-file", "close the victim file", step_close_file, O, GUPR_NEED_CLOSED, O, 0, 0 },
	{ "iouring-register", "io_uring_register_buffers() over the mapping (FOLL_LONGTERM pin)", step_iouring_register, M | F, R, 0, 1, 0 },
	{ "iouring-read-fixed", "IORING_OP_READ_FIXED of 'R' into the registered buffer", step_iouring_read_fixed, R, 0, 0, 0, 0 },
	{ "iouring-unregister", "io_uring_unregister_buffers(): io_uring unpins", step_iouring_unregister, R, 0, R, 0, 0 },
};
#undef O
#undef M
#undef P
#undef F
#undef R
const size_t gupr_nr_steps = sizeof(gupr_steps) / sizeof(gupr_steps[0]);
