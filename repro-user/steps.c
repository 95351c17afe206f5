// SPDX-License-Identifier: GPL-2.0
/*
 * The step table and the scenario table of gup-repro.  Steps are small and
 * do one kernel-visible thing each, so the console shows the kernel's
 * reaction between two step lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liburing.h>

#include "gup_repro.h"
#include "steps.h"

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
	return map_victim(c, MAP_PRIVATE, ret);
}

/* Store through the user mapping: a write fault runs ->page_mkwrite. */
static int step_user_write(struct gupr_ctx *c, long *ret)
{
	int err = need_map(c);

	if (err)
		return err;
	memset(c->map, GUPR_PATTERN_USER, c->nr_pages * c->page_size);
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
	for (a.page = 0; a.page < c->nr_pinned; a.page++)
		if (ioctl(c->dev_fd, GUP_REPRO_IOC_WRITE, &a))
			return -errno;
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
	memset(buf, 'R', len);
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

const struct gupr_step gupr_steps[] = {
	{ "open-file", "open the victim file O_RDWR (must cover --pages)", step_open_file, 0 },
	{ "mmap-shared", "mmap the victim MAP_SHARED, PROT_READ|PROT_WRITE", step_mmap_shared, 0 },
	{ "mmap-private", "mmap the victim MAP_PRIVATE, PROT_READ|PROT_WRITE (writes COW into anonymous pages)", step_mmap_private, 0 },
	{ "user-write", "store 'U' through the user mapping (write fault, ->page_mkwrite)", step_user_write, 0 },
	{ "pin", "pin_user_pages(FOLL_WRITE), no FOLL_LONGTERM", step_pin, 0 },
	{ "pin-fast", "pin_user_pages_fast(FOLL_WRITE), no FOLL_LONGTERM", step_pin_fast, 0 },
	{ "pin-longterm", "pin_user_pages(FOLL_WRITE|FOLL_LONGTERM); v6.5+ refuses file mappings", step_pin_longterm, 1 },
	{ "get", "get_user_pages(FOLL_WRITE): FOLL_GET references", step_get, 0 },
	{ "msync", "msync(MS_SYNC): writeback cleans the folio, folio_mkclean() write-protects the PTE", step_msync, 0 },
	{ "fsync", "fsync() the victim file", step_fsync, 0 },
	{ "kernel-write", "module stores 'K' into every pinned page via kmap_local_page()", step_kernel_write, 0 },
	{ "dirty-unlocked", "module calls set_page_dirty() without the folio lock", step_dirty_unlocked, 0 },
	{ "dirty-locked", "module calls set_page_dirty_lock()", step_dirty_locked, 0 },
	{ "unpin", "module drops the pins: unpin_user_pages() / put_page()", step_unpin, 0 },
	{ "unpin-dirty", "module drops the pins: unpin_user_pages_dirty_lock(.., true)", step_unpin_dirty, 0 },
	{ "state", "print the folio state only", step_state, 0 },
	{ "verify", "pread() the file back and report whose pattern each page holds", step_verify, 0 },
	{ "munmap", "munmap the victim", step_munmap, 0 },
	{ "close-file", "close the victim file", step_close_file, 0 },
	{ "iouring-register", "io_uring_register_buffers() over the mapping (FOLL_LONGTERM pin)", step_iouring_register, 1 },
	{ "iouring-read-fixed", "IORING_OP_READ_FIXED of 'R' into the registered buffer", step_iouring_read_fixed, 0 },
	{ "iouring-unregister", "io_uring_unregister_buffers(): io_uring unpins", step_iouring_unregister, 0 },
};
const size_t gupr_nr_steps = sizeof(gupr_steps) / sizeof(gupr_steps[0]);

const struct gupr_scenario gupr_scenarios[] = {
	{
		"unlocked-dirty",
		"pin without FOLL_LONGTERM, writeback cleans, module writes and set_page_dirty()s unlocked",
		"open-file,mmap-shared,user-write,pin,msync,kernel-write,dirty-unlocked,unpin,munmap,close-file",
	},
	{
		"control",
		"same file work, but the second write goes through the user mapping (->page_mkwrite); module only pins/unpins",
		"open-file,mmap-shared,user-write,pin,msync,user-write,unpin,munmap,close-file",
	},
	{
		"longterm",
		"unlocked-dirty with FOLL_LONGTERM|FOLL_WRITE: refused (EFAULT) on file mappings since v6.5",
		"open-file,mmap-shared,user-write,pin-longterm,msync,kernel-write,dirty-unlocked,unpin,munmap,close-file",
	},
	{
		"iouring-fixed-buffer",
		"io_uring fixed buffer over the mapping; if accepted: user write, msync, READ_FIXED into it, unregister",
		"open-file,mmap-shared,user-write,iouring-register,user-write,msync,iouring-read-fixed,iouring-unregister,munmap,close-file",
	},
	{
		"longterm-private",
		"longterm over a MAP_PRIVATE mapping: the write COWs, the FOLL_LONGTERM pin holds an anonymous copy (allowed)",
		"open-file,mmap-private,user-write,pin-longterm,msync,kernel-write,dirty-unlocked,unpin,munmap,close-file",
	},
	{
		"iouring-fixed-buffer-private",
		"iouring-fixed-buffer over a MAP_PRIVATE mapping: io_uring's own file check (before v6.x) or an anonymous COW copy",
		"open-file,mmap-private,user-write,iouring-register,user-write,msync,iouring-read-fixed,iouring-unregister,munmap,close-file",
	},
};
const size_t gupr_nr_scenarios = sizeof(gupr_scenarios) / sizeof(gupr_scenarios[0]);

const struct gupr_step *gupr_find_step(const char *name)
{
	size_t i;

	for (i = 0; i < gupr_nr_steps; i++)
		if (!strcmp(gupr_steps[i].name, name))
			return &gupr_steps[i];
	return NULL;
}

const struct gupr_scenario *gupr_find_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < gupr_nr_scenarios; i++)
		if (!strcmp(gupr_scenarios[i].name, name))
			return &gupr_scenarios[i];
	return NULL;
}

int gupr_parse_steps(const char *list, const struct gupr_step **out, char **bad)
{
	const char *p = list;
	int n = 0;

	*bad = NULL;
	if (!*p)
		return -EINVAL;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[64];

		if (!len)
			return -EINVAL;
		if (n == GUPR_MAX_STEPS)
			return -E2BIG;
		if (len >= sizeof(name)) {
			*bad = strndup(p, len);
			return -ENOENT;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		out[n] = gupr_find_step(name);
		if (!out[n]) {
			*bad = strdup(name);
			return -ENOENT;
		}
		n++;
		if (!p[len])
			return n;
		p += len + 1;
	}
}
