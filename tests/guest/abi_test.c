// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-abi-test - in-guest, table-driven TAP test of the gup_repro
 * ioctl ABI: every bad input gets its errno, the good paths work, and no
 * FOLL_PIN reference outlives the test (/proc/vmstat nr_foll_pin_acquired
 * == nr_foll_pin_released).  Runs as root inside the disposable guest only;
 * the host test checks the guest's dmesg for warnings afterwards.
 *
 * Style after tools/testing/selftests/mm/gup_longterm.c: one table, one
 * result line per case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gup_repro.h"

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

static int read_vmstat(unsigned long long *acq, unsigned long long *rel)
{
	char name[64];
	unsigned long long v;
	FILE *f;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	/* Fold the per-CPU deltas so the totals are exact now. */
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			diag("stat_refresh: %s", strerror(errno));
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return errno;
	*acq = *rel = ~0ULL;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			*acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			*rel = v;
	}
	fclose(f);
	return *acq == ~0ULL || *rel == ~0ULL ? ENOENT : 0;
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
};

int main(void)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	unsigned long long a0, r0, a1, r1;
	int failed = 0;

	psz = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", n + 1);
	if (read_vmstat(&a0, &r0))
		a0 = r0 = 0;
	for (i = 0; i < n; i++) {
		int fd = open(DEVICE, O_RDWR);
		int got;

		if (fd < 0) {
			printf("not ok %zu - %s # open %s: %s\n", i + 1, cases[i].name,
			       DEVICE, strerror(errno));
			failed++;
			continue;
		}
		got = cases[i].fn(fd);
		close(fd);	/* drops whatever the case left pinned */
		if (got == cases[i].want) {
			printf("ok %zu - %s (%s)\n", i + 1, cases[i].name,
			       got ? strerrorname_np(got) : "success");
		} else {
			printf("not ok %zu - %s: got %s, want %s\n", i + 1, cases[i].name,
			       got == CHECK_FAILED ? "a failed check" :
			       got ? strerrorname_np(got) : "success",
			       cases[i].want ? strerrorname_np(cases[i].want) : "success");
			failed++;
		}
	}
	if (read_vmstat(&a1, &r1)) {
		printf("not ok %zu - no pin leaked # /proc/vmstat unreadable\n", n + 1);
		failed++;
	} else if (a1 - a0 != r1 - r0 || a1 == a0) {
		printf("not ok %zu - no pin leaked: acquired +%llu, released +%llu\n",
		       n + 1, a1 - a0, r1 - r0);
		failed++;
	} else {
		printf("ok %zu - no pin leaked: nr_foll_pin_acquired +%llu == nr_foll_pin_released +%llu\n",
		       n + 1, a1 - a0, r1 - r0);
	}
	return failed ? 1 : 0;
}
