// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-abi-test - in-guest, table-driven TAP test of the gup_repro
 * ioctl ABI: every bad input gets its errno, the good paths work, and no
 * FOLL_PIN reference outlives the test (/proc/vmstat nr_foll_pin_acquired
 * == nr_foll_pin_released).  Runs as root inside the disposable guest only;
 * the host test checks the guest's dmesg for warnings afterwards.
 *
 * Style after tools/testing/selftests/mm/gup_longterm.c: one table, one
 * result line per case.  Cases that could hang on a broken module (a
 * userfaultfd that is never resolved) run in a child with a time bound.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gup_repro.h"
#include "../lib/tap.h"
#include "pin_counters.h"

#define DEVICE		"/dev/gup_repro"
#define CHECK_FAILED	100000	/* a case's own assertion failed */

static size_t psz;

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

/* Fresh anonymous pages, touched (written) unless asked not to. */
static void *anon(size_t pages, int touch)
{
	void *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (touch)
		memset(p, 0x11, pages * psz);
	return p;
}

static int pin(int fd, void *addr, __u32 pages, __u32 api, __u32 flags)
{
	struct gup_repro_pin a = { .size = sizeof(a), .api = api, .flags = flags,
				   .nr_pages = pages, .addr = (uintptr_t)addr };

	return xioctl(fd, GUP_REPRO_IOC_PIN, &a);
}

static int pin_one(int fd)
{
	void *p = anon(1, 1);

	return p ? pin(fd, p, 1, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE) : ENOMEM;
}

/* ---- cases: each returns 0 or the errno the module gave ---- */

static int c_info(int fd)
{
	struct gup_repro_info a = { .size = sizeof(a) };
	int e = xioctl(fd, GUP_REPRO_IOC_INFO, &a);

	if (e)
		return e;
	if (a.abi_version != GUP_REPRO_ABI_VERSION || a.max_pages != GUP_REPRO_MAX_PAGES ||
	    a.page_size != psz) {
		diag("info: abi %u max %u page %u", a.abi_version, a.max_pages, a.page_size);
		return CHECK_FAILED;
	}
	return 0;
}

#define BAD_SIZE_CASE(fn, type, cmd)				\
static int fn(int fd)						\
{								\
	type a;							\
	memset(&a, 0, sizeof(a));				\
	a.size = sizeof(a) - 1;					\
	return xioctl(fd, cmd, &a);				\
}
BAD_SIZE_CASE(c_info_size, struct gup_repro_info, GUP_REPRO_IOC_INFO)
BAD_SIZE_CASE(c_pin_size, struct gup_repro_pin, GUP_REPRO_IOC_PIN)
BAD_SIZE_CASE(c_write_size, struct gup_repro_write, GUP_REPRO_IOC_WRITE)
BAD_SIZE_CASE(c_dirty_size, struct gup_repro_dirty, GUP_REPRO_IOC_DIRTY)
BAD_SIZE_CASE(c_state_size, struct gup_repro_page_state, GUP_REPRO_IOC_STATE)
BAD_SIZE_CASE(c_unpin_size, struct gup_repro_unpin, GUP_REPRO_IOC_UNPIN)

static int c_cmd_size(int fd)
{
	struct { struct gup_repro_pin p; __u64 extra; } a = {
		.p = { .size = sizeof(struct gup_repro_pin) } };

	/* Same number, bigger encoded size: not a command the module knows. */
	return xioctl(fd, _IOWR(GUP_REPRO_IOC_MAGIC, 0x01, a), &a);
}

static int c_unknown_cmd(int fd)
{
	struct gup_repro_info a = { .size = sizeof(a) };

	return xioctl(fd, _IOWR(GUP_REPRO_IOC_MAGIC, 0x7f, struct gup_repro_info), &a);
}

static int c_bad_argptr(int fd)
{
	return xioctl(fd, GUP_REPRO_IOC_PIN, (void *)8);
}

static int c_pin_unaligned(int fd)
{
	char *p = anon(2, 1);

	return p ? pin(fd, p + 1, 1, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE) : ENOMEM;
}

static int c_pin_kernel(int fd)
{
	return pin(fd, (void *)0xffff888000000000UL, 1, GUP_REPRO_API_PIN,
		   GUP_REPRO_PIN_WRITE);
}

static int c_pin_zero(int fd)
{
	void *p = anon(1, 1);

	return pin(fd, p, 0, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE);
}

static int c_pin_too_many(int fd)
{
	void *p = anon(GUP_REPRO_MAX_PAGES + 1, 0);

	return p ? pin(fd, p, GUP_REPRO_MAX_PAGES + 1, GUP_REPRO_API_PIN,
		       GUP_REPRO_PIN_WRITE) : ENOMEM;
}

static int c_pin_flags(int fd)
{
	void *p = anon(1, 1);

	return pin(fd, p, 1, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE | (1U << 7));
}

static int c_pin_api(int fd)
{
	void *p = anon(1, 1);

	return pin(fd, p, 1, 7, GUP_REPRO_PIN_WRITE);
}

static int c_get_longterm(int fd)
{
	void *p = anon(1, 1);

	return pin(fd, p, 1, GUP_REPRO_API_GET,
		   GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_LONGTERM);
}

static int c_pin_reserved(int fd)
{
	struct gup_repro_pin a = { .size = sizeof(a), .flags = GUP_REPRO_PIN_WRITE,
				   .nr_pages = 1, .reserved = 1 };

	a.addr = (uintptr_t)anon(1, 1);
	return xioctl(fd, GUP_REPRO_IOC_PIN, &a);
}

static int c_pin_unmapped(int fd)
{
	char *p = anon(1, 1);

	munmap(p, psz);
	return pin(fd, p, 1, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE);
}

static int c_pin_partial(int fd)
{
	struct gup_repro_pin a = { .size = sizeof(a), .flags = GUP_REPRO_PIN_WRITE,
				   .nr_pages = 2 };
	char *p = anon(2, 1);
	int e;

	munmap(p + psz, psz);
	a.addr = (uintptr_t)p;
	e = xioctl(fd, GUP_REPRO_IOC_PIN, &a);
	if (!e && a.nr_pinned != 1) {
		diag("partial pin: nr_pinned %u, want 1", a.nr_pinned);
		return CHECK_FAILED;
	}
	return e;
}

static int c_pin_twice(int fd)
{
	int e = pin_one(fd);

	return e ? CHECK_FAILED : pin_one(fd);
}

static int c_write_nopin(int fd)
{
	struct gup_repro_write a = { .size = sizeof(a), .length = 1 };

	return xioctl(fd, GUP_REPRO_IOC_WRITE, &a);
}

static int c_dirty_nopin(int fd)
{
	struct gup_repro_dirty a = { .size = sizeof(a), .mode = GUP_REPRO_DIRTY_LOCKED };

	return xioctl(fd, GUP_REPRO_IOC_DIRTY, &a);
}

static int c_state_nopin(int fd)
{
	struct gup_repro_page_state a = { .size = sizeof(a) };

	return xioctl(fd, GUP_REPRO_IOC_STATE, &a);
}

static int c_unpin_nopin(int fd)
{
	struct gup_repro_unpin a = { .size = sizeof(a) };

	return xioctl(fd, GUP_REPRO_IOC_UNPIN, &a);
}

static int write_range(int fd, __u32 page, __u32 off, __u32 len)
{
	struct gup_repro_write a = { .size = sizeof(a), .page = page,
				     .offset = off, .length = len, .pattern = 0x5a };

	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_WRITE, &a);
}

static int c_write_page(int fd) { return write_range(fd, 1, 0, 1); }
static int c_write_offset(int fd) { return write_range(fd, 0, psz, 1); }
static int c_write_len0(int fd) { return write_range(fd, 0, 0, 0); }
static int c_write_past(int fd) { return write_range(fd, 0, psz - 8, 9); }
static int c_write_wrap(int fd) { return write_range(fd, 0, 1, 0xffffffffU); }

static int c_write_reserved(int fd)
{
	struct gup_repro_write a = { .size = sizeof(a), .length = 1 };

	a.reserved[3] = 1;
	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_WRITE, &a);
}

static int c_write_readonly_pin(int fd)
{
	struct gup_repro_write a = { .size = sizeof(a), .length = 1, .pattern = 1 };
	void *p = anon(1, 0);	/* untouched: a read pin gets the zero page */

	if (pin(fd, p, 1, GUP_REPRO_API_PIN, 0))
		return CHECK_FAILED;
	return xioctl(fd, GUP_REPRO_IOC_WRITE, &a);
}

static int c_dirty_mode(int fd)
{
	struct gup_repro_dirty a = { .size = sizeof(a), .mode = 3 };

	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_DIRTY, &a);
}

static int c_dirty_page(int fd)
{
	struct gup_repro_dirty a = { .size = sizeof(a), .mode = GUP_REPRO_DIRTY_LOCKED,
				     .page = 1 };

	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_DIRTY, &a);
}

static int c_state_page(int fd)
{
	struct gup_repro_page_state a = { .size = sizeof(a), .page = 1 };

	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_STATE, &a);
}

static int c_unpin_mode(int fd)
{
	struct gup_repro_unpin a = { .size = sizeof(a), .mode = 2 };

	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_UNPIN, &a);
}

/* The good path on anonymous memory: pin, write, dirty, state, unpin. */
static int good_path(int fd, __u32 api, __u32 flags, __u32 unpin_mode)
{
	struct gup_repro_write w = { .size = sizeof(w), .page = 1, .offset = 100,
				     .length = 10, .pattern = 0x77 };
	struct gup_repro_dirty d = { .size = sizeof(d), .mode = GUP_REPRO_DIRTY_LOCKED,
				     .page = GUP_REPRO_ALL_PAGES };
	struct gup_repro_page_state s = { .size = sizeof(s), .page = 1 };
	struct gup_repro_unpin u = { .size = sizeof(u), .mode = unpin_mode };
	struct gup_repro_pin p = { .size = sizeof(p), .api = api, .flags = flags,
				   .nr_pages = 3 };
	unsigned char *m = anon(3, 1);
	int e;

	p.addr = (uintptr_t)m;
	e = xioctl(fd, GUP_REPRO_IOC_PIN, &p);
	if (e)
		return e;
	if (p.nr_pinned != 3)
		return diag("nr_pinned %u", p.nr_pinned), CHECK_FAILED;
	e = xioctl(fd, GUP_REPRO_IOC_WRITE, &w) ?: xioctl(fd, GUP_REPRO_IOC_DIRTY, &d) ?:
		xioctl(fd, GUP_REPRO_IOC_STATE, &s);
	if (e)
		return e;
	if (m[psz + 100] != 0x77 || m[psz + 109] != 0x77 || m[psz + 110] != 0x11 ||
	    m[psz + 99] != 0x11)
		return diag("kernel write not visible in the user mapping"), CHECK_FAILED;
	if (!(s.flags & GUP_REPRO_F_ANON) || (s.flags & GUP_REPRO_F_FILE) || !s.pfn ||
	    s.mapcount != 1)
		return diag("state flags %#x pfn %llu mapcount %d", s.flags,
			    (unsigned long long)s.pfn, s.mapcount), CHECK_FAILED;
	if (api == GUP_REPRO_API_PIN &&
	    (!(s.flags & GUP_REPRO_F_DMA_PINNED) || s.refcount < 1025))
		return diag("pin not visible: flags %#x refcount %d", s.flags,
			    s.refcount), CHECK_FAILED;
	e = xioctl(fd, GUP_REPRO_IOC_UNPIN, &u);
	if (!e && u.nr_unpinned != 3)
		return diag("nr_unpinned %u", u.nr_unpinned), CHECK_FAILED;
	memset(&s, 0, sizeof(s));	/* output fields must be zero on input */
	s.size = sizeof(s);
	if (!e && xioctl(fd, GUP_REPRO_IOC_STATE, &s) != ENOENT)
		return diag("state still answers after unpin"), CHECK_FAILED;
	return e;
}

static int c_good_pin(int fd)
{
	return good_path(fd, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE, GUP_REPRO_UNPIN_PLAIN);
}

static int c_good_pin_fast(int fd)
{
	return good_path(fd, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_FAST,
			 GUP_REPRO_UNPIN_DIRTY);
}

static int c_good_longterm_anon(int fd)
{
	return good_path(fd, GUP_REPRO_API_PIN,
			 GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_LONGTERM, GUP_REPRO_UNPIN_PLAIN);
}

static int c_good_get(int fd)
{
	return good_path(fd, GUP_REPRO_API_GET, GUP_REPRO_PIN_WRITE, GUP_REPRO_UNPIN_DIRTY);
}

static int c_good_get_fast(int fd)
{
	return good_path(fd, GUP_REPRO_API_GET, GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_FAST,
			 GUP_REPRO_UNPIN_PLAIN);
}

static int c_close_with_pins(int fd)
{
	unsigned long long a0, r0, a1, r1;
	int dfd = open(DEVICE, O_RDWR);
	void *p = anon(4, 1);
	int e;

	(void)fd;
	if (dfd < 0 || read_vmstat(&a0, &r0))
		return CHECK_FAILED;
	e = pin(dfd, p, 4, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE);
	close(dfd);
	if (e)
		return e;
	if (read_vmstat(&a1, &r1))
		return CHECK_FAILED;
	if (a1 - a0 != 4 || r1 - r0 != 4)
		return diag("acquired +%llu released +%llu, want +4 +4", a1 - a0, r1 - r0),
			CHECK_FAILED;
	return 0;
}

static int c_no_cap(int fd)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct gup_repro_info a = { .size = sizeof(a) };

		if (setgid(65534) || setuid(65534))
			_exit(200);
		_exit(xioctl(fd, GUP_REPRO_IOC_INFO, &a));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return CHECK_FAILED;
	return WEXITSTATUS(status);
}

static int c_dev_mode(int fd)
{
	struct stat st;

	(void)fd;
	if (stat(DEVICE, &st))
		return errno;
	if ((st.st_mode & 07777) != 0600 || !S_ISCHR(st.st_mode)) {
		diag("%s mode %o", DEVICE, st.st_mode);
		return CHECK_FAILED;
	}
	return 0;
}

/* ---- ABI 2 hardening: refusals, output fields, userfaultfd, loading ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run fn(fd) in a child process, at most secs seconds: its result comes
 * back as the exit status; a child still running then is killed and the
 * case fails (a module that makes another thread wait uninterruptibly
 * behind a userfaultfd would hang the whole test otherwise).
 */
static int bounded(int (*fn)(int), int fd, int secs)
{
	double end = now() + secs;
	int status, r;
	pid_t pid = fork();

	if (pid < 0)
		return CHECK_FAILED;
	if (pid == 0) {
		r = fn(fd);
		_exit(r == CHECK_FAILED ? 255 : r);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now() < end)
		usleep(10000);
	if (r == 0) {
		diag("still running after %d s: killed", secs);
		kill(pid, SIGKILL);
		end = now() + 10;
		while (waitpid(pid, &status, WNOHANG) == 0 && now() < end)
			usleep(10000);
		return CHECK_FAILED;
	}
	if (r != pid || !WIFEXITED(status)) {
		diag("child died: status %#x", status);
		return CHECK_FAILED;
	}
	return WEXITSTATUS(status) == 255 ? CHECK_FAILED : WEXITSTATUS(status);
}

/* A read-only pin of an untouched anonymous page: the shared zero page. */
static int pin_ro(int fd)
{
	void *p = anon(1, 0);

	return p ? pin(fd, p, 1, GUP_REPRO_API_PIN, 0) : ENOMEM;
}

static int state0(int fd, __u32 page, struct gup_repro_page_state *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->page = page;
	return xioctl(fd, GUP_REPRO_IOC_STATE, s);
}

static int unpin0(int fd, __u32 mode, __u32 *nr)
{
	struct gup_repro_unpin u = { .size = sizeof(u), .mode = mode };
	int e = xioctl(fd, GUP_REPRO_IOC_UNPIN, &u);

	if (nr)
		*nr = u.nr_unpinned;
	return e;
}

/* DIRTY of a read-only pin: the errno, and the page must not be dirty after. */
static int dirty_ro(int fd, __u32 mode, __u32 page)
{
	struct gup_repro_dirty a = { .size = sizeof(a), .mode = mode, .page = page };
	struct gup_repro_page_state s;
	int e;

	if (pin_ro(fd))
		return CHECK_FAILED;
	e = xioctl(fd, GUP_REPRO_IOC_DIRTY, &a);
	if (state0(fd, 0, &s))
		return diag("STATE after DIRTY failed"), CHECK_FAILED;
	if (s.flags & GUP_REPRO_F_DIRTY)
		return diag("page dirty after the DIRTY (flags %#x)", s.flags), CHECK_FAILED;
	if (a.nr_newly_dirtied)
		return diag("nr_newly_dirtied %u", a.nr_newly_dirtied), CHECK_FAILED;
	return e;
}

static int c_dirty_ro_unlocked(int fd)
{
	return dirty_ro(fd, GUP_REPRO_DIRTY_UNLOCKED, 0);
}

static int c_dirty_ro_locked_all(int fd)
{
	return dirty_ro(fd, GUP_REPRO_DIRTY_LOCKED, GUP_REPRO_ALL_PAGES);
}

static int c_dirty_ro_none(int fd)
{
	return dirty_ro(fd, GUP_REPRO_DIRTY_NONE, 0);
}

static int c_unpin_dirty_ro(int fd)
{
	struct gup_repro_page_state s;
	__u32 nr = 0;
	int e;

	if (pin_ro(fd))
		return CHECK_FAILED;
	e = unpin0(fd, GUP_REPRO_UNPIN_DIRTY, NULL);
	if (state0(fd, 0, &s))
		return diag("the refused UNPIN released the pin"), CHECK_FAILED;
	if (s.flags & GUP_REPRO_F_DIRTY)
		return diag("page dirty after the refused UNPIN"), CHECK_FAILED;
	if (unpin0(fd, GUP_REPRO_UNPIN_PLAIN, &nr) || nr != 1)
		return diag("plain UNPIN after the refusal: nr %u", nr), CHECK_FAILED;
	return e;
}

/* A read-write pin of the same kind is allowed to dirty (the control). */
static int c_dirty_rw_file(int fd)
{
	struct gup_repro_dirty a = { .size = sizeof(a), .mode = GUP_REPRO_DIRTY_LOCKED };

	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_DIRTY, &a);
}

static int c_info_out(int fd)
{
	static const size_t off[] = { offsetof(struct gup_repro_info, abi_version),
				      offsetof(struct gup_repro_info, max_pages),
				      offsetof(struct gup_repro_info, page_size),
				      offsetof(struct gup_repro_info, linux_version_code) };
	size_t i;

	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		struct gup_repro_info a = { .size = sizeof(a) };
		int e;

		((unsigned char *)&a)[off[i]] = 1;
		e = xioctl(fd, GUP_REPRO_IOC_INFO, &a);
		if (e != EINVAL)
			return diag("INFO, output field at byte %zu set: %s", off[i],
				    e ? strerrorname_np(e) : "success"), e ? e : CHECK_FAILED;
	}
	return EINVAL;
}

static int c_pin_out(int fd)
{
	struct gup_repro_pin a = { .size = sizeof(a), .flags = GUP_REPRO_PIN_WRITE,
				   .nr_pages = 1, .nr_pinned = 1 };
	struct gup_repro_page_state s;
	int e;

	a.addr = (uintptr_t)anon(1, 1);
	e = xioctl(fd, GUP_REPRO_IOC_PIN, &a);
	if (e && state0(fd, 0, &s) != ENOENT)
		return diag("the refused PIN pinned"), CHECK_FAILED;
	return e;
}

static int c_state_out(int fd)
{
	static const size_t off[] = {
		offsetof(struct gup_repro_page_state, pfn),
		offsetof(struct gup_repro_page_state, ino),
		offsetof(struct gup_repro_page_state, dev),
		offsetof(struct gup_repro_page_state, index),
		offsetof(struct gup_repro_page_state, flags),
		offsetof(struct gup_repro_page_state, refcount),
		offsetof(struct gup_repro_page_state, mapcount),
		offsetof(struct gup_repro_page_state, folio_nr_pages),
		sizeof(struct gup_repro_page_state) - 1,
	};
	size_t i;

	if (pin_one(fd))
		return CHECK_FAILED;
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		struct gup_repro_page_state a = { .size = sizeof(a) };
		int e;

		((unsigned char *)&a)[off[i]] = 0x80;
		e = xioctl(fd, GUP_REPRO_IOC_STATE, &a);
		if (e != EINVAL)
			return diag("STATE, output byte %zu set: %s", off[i],
				    e ? strerrorname_np(e) : "success"), e ? e : CHECK_FAILED;
	}
	return EINVAL;
}

static int c_dirty_out(int fd)
{
	struct gup_repro_dirty a = { .size = sizeof(a), .mode = GUP_REPRO_DIRTY_LOCKED,
				     .nr_newly_dirtied = 1 };

	return pin_one(fd) ? CHECK_FAILED : xioctl(fd, GUP_REPRO_IOC_DIRTY, &a);
}

static int c_unpin_out(int fd)
{
	struct gup_repro_unpin a = { .size = sizeof(a), .nr_unpinned = 1 };
	struct gup_repro_page_state s;
	int e;

	if (pin_one(fd))
		return CHECK_FAILED;
	e = xioctl(fd, GUP_REPRO_IOC_UNPIN, &a);
	if (state0(fd, 0, &s))
		return diag("the refused UNPIN released the pin"), CHECK_FAILED;
	return e;
}

/* ---- userfaultfd ---- */

struct uffd_region {
	int uffd;
	char *p;
};

/* One anonymous page registered with a fresh userfaultfd, missing mode. */
static int uffd_region(struct uffd_region *r)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	r->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (r->uffd < 0)
		return diag("userfaultfd: %s", strerror(errno)), CHECK_FAILED;
	if (ioctl(r->uffd, UFFDIO_API, &api))
		return diag("UFFDIO_API: %s", strerror(errno)), CHECK_FAILED;
	r->p = anon(1, 0);
	if (!r->p)
		return CHECK_FAILED;
	reg.range.start = (uintptr_t)r->p;
	reg.range.len = psz;
	if (ioctl(r->uffd, UFFDIO_REGISTER, &reg))
		return diag("UFFDIO_REGISTER: %s", strerror(errno)), CHECK_FAILED;
	return 0;
}

/* Wait up to ms for the region's page fault message: 1 if it came. */
static int uffd_wait_fault(struct uffd_region *r, int ms)
{
	struct pollfd pfd = { .fd = r->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1)
		return diag("no userfaultfd page fault within %d ms", ms), 0;
	if (read(r->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    (msg.arg.pagefault.address & ~(psz - 1)) != (uintptr_t)r->p)
		return diag("unexpected userfaultfd message"), 0;
	return 1;
}

/* Resolve the fault: UFFDIO_COPY src into the page, waking the waiter. */
static int uffd_fill(struct uffd_region *r, const void *src)
{
	struct uffdio_copy c = { .dst = (uintptr_t)r->p, .src = (uintptr_t)src,
				 .len = psz };

	if (ioctl(r->uffd, UFFDIO_COPY, &c))
		return diag("UFFDIO_COPY: %s", strerror(errno)), CHECK_FAILED;
	return 0;
}

struct waiter {
	int fd;
	void *addr;
	int err;
	__u32 nr;
};

static void *pin_fast_thread(void *arg)
{
	struct waiter *w = arg;
	struct gup_repro_pin a = { .size = sizeof(a), .api = GUP_REPRO_API_PIN,
				   .flags = GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_FAST,
				   .nr_pages = 1, .addr = (uintptr_t)w->addr };

	w->err = xioctl(w->fd, GUP_REPRO_IOC_PIN, &a);
	w->nr = a.nr_pinned;
	return NULL;
}

static void *state_thread(void *arg)
{
	struct waiter *w = arg;

	w->err = xioctl(w->fd, GUP_REPRO_IOC_STATE, w->addr);
	return NULL;
}

/* Without *_fast(), GUP passes no FAULT_FLAG_ALLOW_RETRY: no wait, EFAULT. */
static int k_pin_slow_uffd(int fd)
{
	struct uffd_region r;

	if (uffd_region(&r))
		return CHECK_FAILED;
	return pin(fd, r.p, 1, GUP_REPRO_API_PIN, GUP_REPRO_PIN_WRITE);
}

static int c_pin_slow_uffd(int fd)
{
	return bounded(k_pin_slow_uffd, fd, 20);
}

/*
 * A thread waits in PIN (pin_user_pages_fast) for a userfaultfd that nobody
 * serves; another thread's STATE, UNPIN, PIN, WRITE, DIRTY on the same fd
 * must answer at once (-EBUSY), INFO works, and a second fd is unaffected.
 * Then the fault is resolved and the pin completes.
 */
static int k_pin_blocked(int fd)
{
	struct gup_repro_write wr = { .size = sizeof(wr), .length = 1 };
	struct gup_repro_dirty d = { .size = sizeof(d), .mode = GUP_REPRO_DIRTY_LOCKED };
	struct gup_repro_info in = { .size = sizeof(in) };
	struct waiter w = { .fd = fd };
	struct gup_repro_page_state s;
	struct uffd_region r;
	int e[6], fd2, i;
	pthread_t t;
	double t0;
	char *src;

	if (uffd_region(&r))
		return CHECK_FAILED;
	w.addr = r.p;
	if (pthread_create(&t, NULL, pin_fast_thread, &w))
		return CHECK_FAILED;
	if (!uffd_wait_fault(&r, 10000))
		return CHECK_FAILED;
	t0 = now();
	e[0] = state0(fd, 0, &s);
	e[1] = unpin0(fd, GUP_REPRO_UNPIN_PLAIN, NULL);
	e[2] = pin_one(fd);
	e[3] = xioctl(fd, GUP_REPRO_IOC_WRITE, &wr);
	e[4] = xioctl(fd, GUP_REPRO_IOC_DIRTY, &d);
	e[5] = xioctl(fd, GUP_REPRO_IOC_INFO, &in);
	if (now() - t0 > 5)
		return diag("the other thread's ioctls took %.1f s", now() - t0), CHECK_FAILED;
	for (i = 0; i < 5; i++)
		if (e[i] != EBUSY)
			return diag("ioctl %d while a PIN waits: %s, want EBUSY", i,
				    e[i] ? strerrorname_np(e[i]) : "success"), CHECK_FAILED;
	if (e[5])
		return diag("INFO while a PIN waits: %s", strerrorname_np(e[5])), CHECK_FAILED;
	fd2 = open(DEVICE, O_RDWR);
	if (fd2 < 0 || pin_one(fd2) || unpin0(fd2, GUP_REPRO_UNPIN_PLAIN, NULL))
		return diag("a second fd is affected"), CHECK_FAILED;
	close(fd2);
	src = anon(1, 1);
	if (!src || uffd_fill(&r, src))
		return CHECK_FAILED;
	pthread_join(t, NULL);
	if (w.err || w.nr != 1)
		return diag("PIN after the fault was served: %s, nr_pinned %u",
			    w.err ? strerrorname_np(w.err) : "success", w.nr), CHECK_FAILED;
	if (state0(fd, 0, &s) || !(s.flags & GUP_REPRO_F_DMA_PINNED))
		return diag("the served PIN is not visible"), CHECK_FAILED;
	return unpin0(fd, GUP_REPRO_UNPIN_PLAIN, NULL);
}

static int c_pin_blocked(int fd)
{
	return bounded(k_pin_blocked, fd, 60);
}

/*
 * A process whose thread waits in PIN for an unserved userfaultfd dies at
 * once on SIGKILL, and the fd it shared with us is usable afterwards (the
 * PIN's reservation of the file is dropped on that path too).
 */
static int k_kill_blocked(int fd)
{
	struct pollfd pfd;
	int p[2], status, e;
	struct gup_repro_page_state s;
	double t0, end;
	pid_t pid;
	char c;

	if (pipe(p))
		return CHECK_FAILED;
	pid = fork();
	if (pid == 0) {
		struct waiter w = { .fd = fd };
		struct uffd_region r;
		pthread_t t;

		if (uffd_region(&r))
			_exit(1);
		w.addr = r.p;
		if (pthread_create(&t, NULL, pin_fast_thread, &w) || !uffd_wait_fault(&r, 10000))
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (pid < 0 || poll(&pfd, 1, 15000) != 1 || read(p[0], &c, 1) != 1)
		return diag("the child never blocked in PIN"), CHECK_FAILED;
	t0 = now();
	kill(pid, SIGKILL);
	end = t0 + 10;
	while ((e = waitpid(pid, &status, WNOHANG)) == 0 && now() < end)
		usleep(10000);
	if (e != pid)
		return diag("child blocked in PIN still alive 10 s after SIGKILL"), CHECK_FAILED;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return diag("child status %#x", status), CHECK_FAILED;
	diag("child blocked in PIN died %.3f s after SIGKILL", now() - t0);
	e = state0(fd, 0, &s);
	if (e == 0)
		e = unpin0(fd, GUP_REPRO_UNPIN_PLAIN, NULL);	/* it installed first */
	if (e && e != ENOENT)
		return diag("fd after the kill: %s", strerrorname_np(e)), CHECK_FAILED;
	if (pin_one(fd))
		return diag("cannot pin on the fd after the kill"), CHECK_FAILED;
	return unpin0(fd, GUP_REPRO_UNPIN_PLAIN, NULL);
}

static int c_kill_blocked(int fd)
{
	return bounded(k_kill_blocked, fd, 60);
}

/*
 * A thread's STATE argument lives on an unserved userfaultfd page: its
 * copy_from_user() waits; the other thread's ioctls on the same fd must not.
 */
static int k_arg_uffd(int fd)
{
	struct gup_repro_write wr = { .size = sizeof(wr), .length = 8, .pattern = 3 };
	struct gup_repro_page_state s, *arg;
	struct waiter w = { .fd = fd };
	struct uffd_region r;
	int e[4], i;
	pthread_t t;
	double t0;
	char *src;

	if (pin_one(fd) || uffd_region(&r))
		return CHECK_FAILED;
	w.addr = r.p;
	if (pthread_create(&t, NULL, state_thread, &w))
		return CHECK_FAILED;
	if (!uffd_wait_fault(&r, 10000))
		return CHECK_FAILED;
	t0 = now();
	e[0] = state0(fd, 0, &s);
	e[1] = xioctl(fd, GUP_REPRO_IOC_WRITE, &wr);
	e[2] = unpin0(fd, GUP_REPRO_UNPIN_PLAIN, NULL);
	e[3] = pin_one(fd);
	if (now() - t0 > 5)
		return diag("the other thread's ioctls took %.1f s", now() - t0), CHECK_FAILED;
	for (i = 0; i < 4; i++)
		if (e[i])
			return diag("ioctl %d while an argument faults: %s", i,
				    strerrorname_np(e[i])), CHECK_FAILED;
	src = anon(1, 1);
	if (!src)
		return CHECK_FAILED;
	memset(src, 0, psz);
	arg = (struct gup_repro_page_state *)src;
	arg->size = sizeof(*arg);
	if (uffd_fill(&r, src))
		return CHECK_FAILED;
	pthread_join(t, NULL);
	arg = (struct gup_repro_page_state *)r.p;
	if (w.err || !arg->pfn)
		return diag("STATE on the served argument: %s, pfn %llu",
			    w.err ? strerrorname_np(w.err) : "success",
			    (unsigned long long)arg->pfn), CHECK_FAILED;
	return unpin0(fd, GUP_REPRO_UNPIN_PLAIN, NULL);
}

static int c_arg_uffd(int fd)
{
	return bounded(k_arg_uffd, fd, 60);
}

/* ---- loading ---- */

/* Records appended to /dev/kmsg since kfd was opened that mention gup_repro. */
static int kmsg_count(int kfd, char *last, size_t lastsz)
{
	char rec[2048];
	ssize_t n;
	int count = 0;

	while ((n = read(kfd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (msg && strstr(msg, "gup_repro")) {
			count++;
			snprintf(last, lastsz, "%.*s", (int)strcspn(msg + 1, "\n"), msg + 1);
		}
	}
	return count;
}

/*
 * The module refuses to load unless disposable_vm=1 is given, with exactly
 * one line in the kernel log; with it (in this VM) it loads again.
 */
static int c_load_refused(int fd)
{
	static const char *const params[] = { "", "disposable_vm=0", "disposable_vm=N" };
	char path[300], last[512];
	struct utsname u;
	int mfd, kfd, e, r = EPERM;
	size_t i;

	(void)fd;
	if (uname(&u))
		return CHECK_FAILED;
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/gup_repro.ko", u.release);
	mfd = open(path, O_RDONLY | O_CLOEXEC);
	if (mfd < 0)
		return diag("%s: %s", path, strerror(errno)), CHECK_FAILED;
	if (syscall(SYS_delete_module, "gup_repro", O_NONBLOCK))
		return diag("delete_module: %s", strerror(errno)), CHECK_FAILED;
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		int lines;

		kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (kfd < 0 || lseek(kfd, 0, SEEK_END) < 0)
			return diag("/dev/kmsg: %s", strerror(errno)), CHECK_FAILED;
		e = syscall(SYS_finit_module, mfd, params[i], 0) ? errno : 0;
		last[0] = 0;
		lines = kmsg_count(kfd, last, sizeof(last));
		close(kfd);
		diag("load with \"%s\": %s, %d log line(s): %s", params[i],
		     e ? strerrorname_np(e) : "loaded", lines, last);
		if (e != EPERM || lines != 1)
			r = CHECK_FAILED;
		if (!e)
			syscall(SYS_delete_module, "gup_repro", O_NONBLOCK);
	}
	if (syscall(SYS_finit_module, mfd, "disposable_vm=1", 0))
		return diag("reload with disposable_vm=1: %s", strerror(errno)), CHECK_FAILED;
	close(mfd);
	for (i = 0; i < 200 && access(DEVICE, F_OK); i++)
		usleep(10000);
	return r;
}

static const struct abi_case {
	const char *name;
	int (*fn)(int fd);
	int want;
} cases[] = {
	{ "INFO reports ABI version, max pages, page size", c_info, 0 },
	{ "INFO with a wrong size field", c_info_size, EINVAL },
	{ "PIN with a wrong size field", c_pin_size, EINVAL },
	{ "WRITE with a wrong size field", c_write_size, EINVAL },
	{ "DIRTY with a wrong size field", c_dirty_size, EINVAL },
	{ "STATE with a wrong size field", c_state_size, EINVAL },
	{ "UNPIN with a wrong size field", c_unpin_size, EINVAL },
	{ "PIN number encoding another struct size", c_cmd_size, ENOTTY },
	{ "unknown ioctl number", c_unknown_cmd, ENOTTY },
	{ "argument pointer not mapped", c_bad_argptr, EFAULT },
	{ "PIN unaligned address", c_pin_unaligned, EINVAL },
	{ "PIN kernel address", c_pin_kernel, EFAULT },
	{ "PIN 0 pages", c_pin_zero, EINVAL },
	{ "PIN GUP_REPRO_MAX_PAGES + 1 pages", c_pin_too_many, EINVAL },
	{ "PIN unknown flag bit", c_pin_flags, EINVAL },
	{ "PIN unknown api", c_pin_api, EINVAL },
	{ "PIN FOLL_LONGTERM with get_user_pages", c_get_longterm, EINVAL },
	{ "PIN non-zero reserved", c_pin_reserved, EINVAL },
	{ "PIN unmapped user address", c_pin_unmapped, EFAULT },
	{ "PIN range running into a hole pins the mapped part", c_pin_partial, 0 },
	{ "PIN twice on one file", c_pin_twice, EBUSY },
	{ "WRITE with nothing pinned", c_write_nopin, ENOENT },
	{ "DIRTY with nothing pinned", c_dirty_nopin, ENOENT },
	{ "STATE with nothing pinned", c_state_nopin, ENOENT },
	{ "UNPIN with nothing pinned", c_unpin_nopin, ENOENT },
	{ "WRITE page past the pinned ones", c_write_page, ERANGE },
	{ "WRITE offset == PAGE_SIZE", c_write_offset, ERANGE },
	{ "WRITE length 0", c_write_len0, ERANGE },
	{ "WRITE offset + length past the page", c_write_past, ERANGE },
	{ "WRITE length wrapping 32 bits", c_write_wrap, ERANGE },
	{ "WRITE non-zero reserved", c_write_reserved, EINVAL },
	{ "WRITE through a pin taken without FOLL_WRITE", c_write_readonly_pin, EACCES },
	{ "DIRTY unknown mode", c_dirty_mode, EINVAL },
	{ "DIRTY page past the pinned ones", c_dirty_page, ERANGE },
	{ "STATE page past the pinned ones", c_state_page, ERANGE },
	{ "UNPIN unknown mode", c_unpin_mode, EINVAL },
	{ "pin_user_pages: write, dirty, state, unpin", c_good_pin, 0 },
	{ "pin_user_pages_fast: write, dirty, state, unpin-dirty", c_good_pin_fast, 0 },
	{ "FOLL_LONGTERM pin of anonymous memory", c_good_longterm_anon, 0 },
	{ "get_user_pages: write, dirty, state, unpin-dirty", c_good_get, 0 },
	{ "get_user_pages_fast: write, dirty, state, unpin", c_good_get_fast, 0 },
	{ "close with pins held releases them", c_close_with_pins, 0 },
	{ "ioctl without CAP_SYS_ADMIN", c_no_cap, EPERM },
	{ "device node is a char device of mode 0600", c_dev_mode, 0 },
	{ "DIRTY unlocked of a read-only pin, page stays clean", c_dirty_ro_unlocked, EACCES },
	{ "DIRTY locked (all pages) of a read-only pin, page stays clean", c_dirty_ro_locked_all,
	  EACCES },
	{ "DIRTY mode none of a read-only pin is a no-op", c_dirty_ro_none, 0 },
	{ "UNPIN dirty of a read-only pin, pin kept, page clean", c_unpin_dirty_ro, EACCES },
	{ "DIRTY locked of a read-write pin (control)", c_dirty_rw_file, 0 },
	{ "INFO with each output field non-zero", c_info_out, EINVAL },
	{ "PIN with nr_pinned non-zero on input, nothing pinned", c_pin_out, EINVAL },
	{ "STATE with each output field non-zero", c_state_out, EINVAL },
	{ "DIRTY with nr_newly_dirtied non-zero on input", c_dirty_out, EINVAL },
	{ "UNPIN with nr_unpinned non-zero on input, pin kept", c_unpin_out, EINVAL },
	{ "PIN (slow GUP) of a userfaultfd page fails at once", c_pin_slow_uffd, EFAULT },
	{ "PIN_FAST waiting on userfaultfd: other thread's ioctls on the fd answer EBUSY",
	  c_pin_blocked, 0 },
	{ "SIGKILL ends a PIN waiting on userfaultfd, the shared fd stays usable", c_kill_blocked,
	  0 },
	{ "argument on an unserved userfaultfd page blocks only its own thread", c_arg_uffd, 0 },
	{ "module refuses to load without disposable_vm=1, one log line", c_load_refused, EPERM },
};

int main(void)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	unsigned long long a0, r0, a1, r1;

	psz = (size_t)sysconf(_SC_PAGESIZE);
	tap_start((int)n + 1);
	if (read_vmstat(&a0, &r0))
		a0 = r0 = 0;
	for (i = 0; i < n; i++) {
		int no_fd = cases[i].fn == c_load_refused;	/* unloads the module */
		int fd = no_fd ? -1 : open(DEVICE, O_RDWR);
		int got;

		if (fd < 0 && !no_fd) {
			tap_ok(0, "%s # open %s: %s", cases[i].name, DEVICE, strerror(errno));
			continue;
		}
		got = cases[i].fn(fd);
		if (fd >= 0)
			close(fd);	/* drops whatever the case left pinned */
		if (got == cases[i].want)
			tap_ok(1, "%s (%s)", cases[i].name, got ? strerrorname_np(got) : "success");
		else
			tap_ok(0, "%s: got %s, want %s", cases[i].name,
			       got == CHECK_FAILED ? "a failed check" :
			       got ? strerrorname_np(got) : "success",
			       cases[i].want ? strerrorname_np(cases[i].want) : "success");
	}
	if (read_vmstat(&a1, &r1))
		tap_ok(0, "no pin leaked # /proc/vmstat unreadable");
	else if (a1 - a0 != r1 - r0 || a1 == a0)
		tap_ok(0, "no pin leaked: acquired +%llu, released +%llu", a1 - a0, r1 - r0);
	else
		tap_ok(1, "no pin leaked: nr_foll_pin_acquired +%llu == nr_foll_pin_released +%llu",
		       a1 - a0, r1 - r0);
	return tap_exit();
}
