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

static int step_mmap_shared(struct gupr_ctx *c, long *ret)
{
	void *p;

	if (c->fd < 0)
		return -EBADF;
	if (c->map)
		return -EALREADY;
	p = mmap(NULL, c->nr_pages * c->page_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, c->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	c->map = p;
	*ret = (long)(c->nr_pages * c->page_size);
	return 0;
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

const struct gupr_step gupr_steps[] = {
	{ "open-file", "open the victim file O_RDWR (must cover --pages)", step_open_file },
	{ "mmap-shared", "mmap the victim MAP_SHARED, PROT_READ|PROT_WRITE", step_mmap_shared },
	{ "user-write", "store 'U' through the user mapping (write fault, ->page_mkwrite)", step_user_write },
	{ "pin", "pin_user_pages(FOLL_WRITE), no FOLL_LONGTERM", step_pin },
	{ "pin-fast", "pin_user_pages_fast(FOLL_WRITE), no FOLL_LONGTERM", step_pin_fast },
	{ "pin-longterm", "pin_user_pages(FOLL_WRITE|FOLL_LONGTERM)", step_pin_longterm },
	{ "get", "get_user_pages(FOLL_WRITE): FOLL_GET references", step_get },
	{ "msync", "msync(MS_SYNC): writeback cleans the folio, folio_mkclean() write-protects the PTE", step_msync },
	{ "fsync", "fsync() the victim file", step_fsync },
	{ "kernel-write", "module stores 'K' into every pinned page via kmap_local_page()", step_kernel_write },
	{ "dirty-unlocked", "module calls set_page_dirty() without the folio lock", step_dirty_unlocked },
	{ "dirty-locked", "module calls set_page_dirty_lock()", step_dirty_locked },
	{ "unpin", "module drops the pins: unpin_user_pages() / put_page()", step_unpin },
	{ "unpin-dirty", "module drops the pins: unpin_user_pages_dirty_lock(.., true)", step_unpin_dirty },
	{ "state", "print the folio state only", step_state },
	{ "verify", "pread() the file back and report whose pattern each page holds", step_verify },
	{ "munmap", "munmap the victim", step_munmap },
	{ "close-file", "close the victim file", step_close_file },
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
