// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-ioctl-fuzz - concurrent, seeded ioctl fuzzer of /dev/gup_repro,
 * run as root inside the disposable guest (gupr.mode=fuzz).  TAP on stdout.
 *
 *   gup-repro-ioctl-fuzz [--seed N] [--seconds S] [--budget S] [--threads N]
 *                        [--dir DIR]
 *
 * Several threads share two device fds and own one private fd each; every
 * thread runs a bounded random sequence (its own xorshift stream derived
 * from the seed, which is printed) of PIN/GET/WRITE/DIRTY/STATE/UNPIN/INFO
 * with good and bad arguments, close/reopen and dup, munmap/remap and
 * mprotect of shared "volatile" mappings, fork (the child uses and closes a
 * shared fd), fork+exec, an unprivileged process receiving a fd over
 * SCM_RIGHTS, two fds pinning one page, argument buffers and pin targets on
 * userfaultfd pages (served by a handler thread after a delay), and risky
 * addresses (0, near and straddling TASK_SIZE, non-canonical, kernel, a
 * range wrapping past 2^64) over anonymous, zero-page, THP, tmpfs, disk-file
 * (DIR, e.g. an ext4 mount), private-file, PROT_READ and PROT_NONE mappings.
 *
 * Checked (TAP): every errno is in the documented set of its ioctl
 * (uapi/gup_repro.h); exact results where they are determined (invalid
 * fields, access_ok() failures, the private fds' pin state, unprivileged
 * callers); two fds pinning one page see one pfn; nr_foll_pin_acquired ==
 * nr_foll_pin_released; page reference counts of canary pages back to
 * their baseline; no WARNING/BUG/Oops/hung task in the kernel log except
 * the ext4 symptom the module exists to provoke; the run ends in budget.
 *
 * No memory is mapped (or malloc'ed) while the threads run except at the
 * addresses the fuzzer owns, so a pin never lands on its own bookkeeping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gup_repro.h"
#include "../lib/tap.h"
#include "pin_counters.h"

#define DEVICE		"/dev/gup_repro"
#define MAX_THREADS	8
#define REGION_PAGES	16
#define NVOL		4
#define NUFFD		8		/* userfaultfd pages */
#define NCMD		7		/* INFO..UNPIN, and "bad number" */
#define MAXERR		160
#define TMPFS_DIR	"/tmp/gupr-fuzz-tmpfs"

enum { C_INFO, C_PIN, C_WRITE, C_DIRTY, C_STATE, C_UNPIN, C_BAD };
static const char *const cmd_name[NCMD] = {
	"INFO", "PIN", "WRITE", "DIRTY", "STATE", "UNPIN", "bad-number" };

/* The documented errno set of each ioctl (uapi/gup_repro.h), 0 included. */
static const int allowed[NCMD][12] = {
	[C_INFO] = { 0, EFAULT, EINVAL, -1 },
	[C_PIN] = { 0, EFAULT, EINVAL, EBUSY, EAGAIN, EINTR, ENOMEM, EHWPOISON, ESTALE, -1 },
	[C_WRITE] = { 0, EFAULT, EINVAL, EINTR, EBUSY, ENOENT, ERANGE, EACCES, -1 },
	[C_DIRTY] = { 0, EFAULT, EINVAL, ENOMEM, EINTR, EBUSY, ENOENT, ERANGE, EACCES, -1 },
	[C_STATE] = { 0, EFAULT, EINVAL, EINTR, EBUSY, ENOENT, ERANGE, -1 },
	[C_UNPIN] = { 0, EFAULT, EINVAL, EINTR, EBUSY, ENOENT, EACCES, -1 },
	[C_BAD] = { ENOTTY, -1 },
};

enum rkind { R_ANON, R_ZERO, R_THP, R_TMPFS, R_FILE, R_PRIVFILE, R_RO, R_NONE,
	     R_UFFD, R_VOL, NKIND };

struct region {
	const char *name;
	char *addr;
	size_t pages;
};

static struct region reg[NKIND];
static char *vol[NVOL];			/* volatile slots, REGION_PAGES each */
static int tmpfs_fd = -1, vol_fd = -1;	/* canary file, volatile slots' file */
static size_t psz;
static int nthreads = 4;
static double t_start, t_end;
static int shared_fd[2];
static unsigned long long seed;
static unsigned long task_size = 0x7ffffffff000UL;

static unsigned long n_ops, n_findings, n_errno_bad, n_exact_bad, n_same_pfn,
	n_same_pfn_bad, n_scm, n_scm_bad, n_fork, n_exec, n_uffd_served;
static unsigned long cnt[NCMD][MAXERR];

static void add(unsigned long *c, unsigned long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : "?";
}

static void finding(const char *fmt, ...)
{
	va_list ap;
	char buf[300];

	if (__atomic_fetch_add(&n_findings, 1, __ATOMIC_RELAXED) >= 30)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# finding: %s\n", buf);
}

/* ---- random numbers: xorshift64*, one stream per thread ---- */

static unsigned long long rnd(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static unsigned int below(unsigned long long *s, unsigned int n)
{
	return (unsigned int)(rnd(s) % n);
}

/* ---- the ioctls, counted and checked against the documented sets ---- */

static int in_set(int c, int e)
{
	int i;

	for (i = 0; allowed[c][i] != -1; i++)
		if (allowed[c][i] == e)
			return 1;
	return 0;
}

static int do_ioctl(int fd, int c, unsigned long cmd, void *arg)
{
	int e = ioctl(fd, cmd, arg) ? errno : 0;

	add(&n_ops, 1);
	add(&cnt[c][e < MAXERR ? e : 0], 1);
	if (!in_set(c, e)) {
		add(&n_errno_bad, 1);
		finding("%s on fd %d: %s is not in the documented set", cmd_name[c], fd,
			ename(e));
	}
	return e;
}

static void expect(int got, int want, const char *what)
{
	if (got == want)
		return;
	add(&n_exact_bad, 1);
	finding("%s: got %s, want %s", what, ename(got), ename(want));
}

static unsigned long cmd_of(int c)
{
	static const unsigned long cmds[NCMD] = {
		GUP_REPRO_IOC_INFO, GUP_REPRO_IOC_PIN, GUP_REPRO_IOC_WRITE,
		GUP_REPRO_IOC_DIRTY, GUP_REPRO_IOC_STATE, GUP_REPRO_IOC_UNPIN,
		_IOWR(GUP_REPRO_IOC_MAGIC, 0x42, struct gup_repro_info) };

	return cmds[c];
}

static size_t size_of(int c)
{
	static const size_t sz[NCMD] = {
		sizeof(struct gup_repro_info), sizeof(struct gup_repro_pin),
		sizeof(struct gup_repro_write), sizeof(struct gup_repro_dirty),
		sizeof(struct gup_repro_page_state), sizeof(struct gup_repro_unpin),
		sizeof(struct gup_repro_info) };

	return sz[c];
}

/* ---- targets ---- */

/*
 * A pin target: an address in one of the regions, or a risky one.
 * *efault: 2 when access_ok() refuses the range in 4- and 5-level paging
 * alike (EFAULT before anything else); 1 when access_ok() admits it but
 * nothing can be mapped there (below mmap_min_addr): EFAULT from GUP, or
 * EBUSY first on a busy fd; 3 past the 47-bit TASK_SIZE, which access_ok()
 * refuses under 4-level paging and admits under LA57 (TASK_SIZE_MAX is
 * 56-bit there): EFAULT, or EBUSY on a busy fd with LA57.
 */
static unsigned long pick_addr(unsigned long long *s, unsigned int *nr, int *efault)
{
	unsigned int k = below(s, 20);
	struct region *r;

	*efault = 0;
	if (k < 3) {
		static const unsigned long risky[] = {
			0, 0x1000, 0x0000800000000000UL, 0xffff888000000000UL,
			0x8000000000000000UL, 0xfffffffffffff000UL };
		static const int level[] = { 1, 1, 3, 2, 2, 2 };
		unsigned int i = below(s, 7);

		if (i == 6) {		/* straddling TASK_SIZE */
			*nr = 2 + below(s, 4);
			*efault = 3;
			return task_size - psz;
		}
		if (i == 5)		/* wraps past 2^64 */
			*nr = 2 + below(s, 4);
		*efault = level[i];
		return risky[i];
	}
	if (k == 3) {
		*nr = 1;
		return task_size - psz * (1 + below(s, 4));
	}
	if (k < 6)
		return (unsigned long)vol[below(s, NVOL)] + psz * below(s, REGION_PAGES);
	r = &reg[below(s, NKIND)];
	if (!r->addr)
		r = &reg[R_ANON];
	return (unsigned long)r->addr + psz * below(s, (unsigned int)r->pages);
}

/* ---- per-thread state: the private fd and what it holds ---- */

struct thr {
	int id;
	unsigned long long s;
	int pfd;		/* private: only this thread uses it */
	int pinned;
	unsigned int nr;
	int writable;
	unsigned long ops;
	pthread_t t;
};

/* PIN with random, mostly valid arguments; exact checks where determined. */
static void op_pin(struct thr *t, int fd, int private)
{
	struct gup_repro_pin a = { .size = sizeof(a) };
	unsigned long long *s = &t->s;
	int exact_efault, invalid = 0, e;
	unsigned int k;

	a.nr_pages = 1 + (below(s, 4) ? below(s, 4) : below(s, REGION_PAGES * 2));
	a.addr = pick_addr(s, &a.nr_pages, &exact_efault);
	a.api = below(s, 3) ? GUP_REPRO_API_PIN : GUP_REPRO_API_GET;
	a.flags = below(s, 4) ? GUP_REPRO_PIN_WRITE : 0;
	if (!below(s, 3))
		a.flags |= GUP_REPRO_PIN_FAST;
	if (!below(s, 8) && a.api == GUP_REPRO_API_PIN)
		a.flags |= GUP_REPRO_PIN_LONGTERM;
	k = below(s, 30);
	if (k == 0) {
		a.flags |= 1U << (3 + below(s, 29));
		invalid = 1;
	} else if (k == 1) {
		a.api = 2 + below(s, 100);
		invalid = 1;
	} else if (k == 2) {
		a.nr_pages = below(s, 2) ? 0 : GUP_REPRO_MAX_PAGES + 1 + below(s, 1000);
		invalid = 1;
	} else if (k == 3) {
		a.addr += 1 + below(s, (unsigned int)psz - 1);
		invalid = 1;
	} else if (k == 4) {
		a.nr_pinned = 1 + below(s, 5);
		invalid = 1;
	} else if (k == 5) {
		a.reserved = 1;
		invalid = 1;
	} else if (k == 6) {
		a.api = GUP_REPRO_API_GET;
		a.flags |= GUP_REPRO_PIN_LONGTERM;
		invalid = 1;
	} else if (k == 7) {
		a.size = below(s, 64);
		invalid = a.size != sizeof(a);
	}
	e = do_ioctl(fd, C_PIN, GUP_REPRO_IOC_PIN, &a);
	if (invalid)
		expect(e, EINVAL, "PIN with an invalid field");
	else if (exact_efault == 2 || (exact_efault && private && !t->pinned))
		expect(e, EFAULT, "PIN of a range nothing can be mapped at");
	else if (exact_efault == 3 && private)
		expect(e == EFAULT ? EBUSY : e, EBUSY, "PIN past the 47-bit TASK_SIZE, fd busy");
	else if (private && t->pinned)
		expect(e, EBUSY, "PIN on a private fd already pinned");
	if (!e && (a.nr_pinned < 1 || a.nr_pinned > a.nr_pages)) {
		add(&n_exact_bad, 1);
		finding("PIN: nr_pinned %u of %u", a.nr_pinned, a.nr_pages);
	}
	if (!e && private) {
		t->pinned = 1;
		t->nr = a.nr_pinned;
		t->writable = !!(a.flags & GUP_REPRO_PIN_WRITE);
	}
}

static void op_write(struct thr *t, int fd, int private)
{
	struct gup_repro_write a = { .size = sizeof(a) };
	unsigned long long *s = &t->s;
	int e, want;

	a.page = below(s, 8) ? below(s, 4) : (unsigned int)rnd(s);
	a.offset = below(s, 8) ? below(s, (unsigned int)psz) : (unsigned int)rnd(s);
	a.length = below(s, 8) ? 1 + below(s, 64) : (unsigned int)rnd(s);
	a.pattern = (unsigned char)rnd(s);
	if (!below(s, 40))
		a.reserved[below(s, 7)] = 1;
	e = do_ioctl(fd, C_WRITE, GUP_REPRO_IOC_WRITE, &a);
	if (a.reserved[0] | a.reserved[1] | a.reserved[2] | a.reserved[3] |
	    a.reserved[4] | a.reserved[5] | a.reserved[6]) {
		expect(e, EINVAL, "WRITE with reserved bytes set");
		return;
	}
	if (!private)
		return;
	if (!t->pinned)
		want = ENOENT;
	else if (a.page >= t->nr || a.offset >= psz || !a.length || a.length > psz - a.offset)
		want = ERANGE;
	else
		want = t->writable ? 0 : EACCES;
	expect(e, want, "WRITE on a private fd");
}

static void op_dirty(struct thr *t, int fd, int private)
{
	struct gup_repro_dirty a = { .size = sizeof(a) };
	unsigned long long *s = &t->s;
	int e, want, bad_out = !below(s, 40);

	a.mode = below(s, 20) ? below(s, 3) : 3 + below(s, 100);
	a.page = below(s, 3) ? GUP_REPRO_ALL_PAGES : below(s, 6);
	if (bad_out)
		a.nr_newly_dirtied = 1;
	e = do_ioctl(fd, C_DIRTY, GUP_REPRO_IOC_DIRTY, &a);
	if (a.mode > GUP_REPRO_DIRTY_UNLOCKED || bad_out) {
		expect(e, EINVAL, "DIRTY with an invalid mode or output field");
		return;
	}
	if (!private)
		return;
	if (!t->pinned)
		want = ENOENT;
	else if (a.page != GUP_REPRO_ALL_PAGES && a.page >= t->nr)
		want = ERANGE;
	else if (a.mode != GUP_REPRO_DIRTY_NONE && !t->writable)
		want = EACCES;
	else
		want = 0;
	expect(e, want, "DIRTY on a private fd");
}

static void op_state(struct thr *t, int fd, int private)
{
	struct gup_repro_page_state a = { .size = sizeof(a) };
	unsigned long long *s = &t->s;
	int e, bad = 0, want;

	a.page = below(s, 8) ? below(s, 4) : (unsigned int)rnd(s);
	if (!below(s, 30)) {
		((unsigned char *)&a)[8 + below(s, sizeof(a) - 8)] = 1;
		bad = 1;
	}
	e = do_ioctl(fd, C_STATE, GUP_REPRO_IOC_STATE, &a);
	if (bad) {
		expect(e, EINVAL, "STATE with an output field set");
		return;
	}
	if (!e && (!a.pfn || a.refcount < 1 || !a.folio_nr_pages)) {
		add(&n_exact_bad, 1);
		finding("STATE: pfn %llu refcount %d folio pages %u",
			(unsigned long long)a.pfn, a.refcount, a.folio_nr_pages);
	}
	if (!private)
		return;
	want = !t->pinned ? ENOENT : a.page >= t->nr ? ERANGE : 0;
	expect(e, want, "STATE on a private fd");
}

static void op_unpin(struct thr *t, int fd, int private)
{
	struct gup_repro_unpin a = { .size = sizeof(a) };
	unsigned long long *s = &t->s;
	int e, want;

	a.mode = below(s, 20) ? below(s, 2) : 2 + below(s, 100);
	if (!below(s, 40))
		a.reserved = 1;
	e = do_ioctl(fd, C_UNPIN, GUP_REPRO_IOC_UNPIN, &a);
	if (a.mode > GUP_REPRO_UNPIN_DIRTY || a.reserved) {
		expect(e, EINVAL, "UNPIN with an invalid mode or reserved field");
		return;
	}
	if (!private)
		return;
	if (!t->pinned)
		want = ENOENT;
	else if (a.mode == GUP_REPRO_UNPIN_DIRTY && !t->writable)
		want = EACCES;
	else
		want = 0;
	expect(e, want, "UNPIN on a private fd");
	if (!e && a.nr_unpinned != t->nr) {
		add(&n_exact_bad, 1);
		finding("UNPIN released %u of %u", a.nr_unpinned, t->nr);
	}
	if (!e)
		t->pinned = 0;
}

static void op_info(struct thr *t, int fd)
{
	struct gup_repro_info a = { .size = sizeof(a) };
	int e, bad = !below(&t->s, 10);

	if (bad)
		a.page_size = 1;
	e = do_ioctl(fd, C_INFO, GUP_REPRO_IOC_INFO, &a);
	expect(e, bad ? EINVAL : 0, "INFO");
	if (!e && (a.abi_version != GUP_REPRO_ABI_VERSION || a.page_size != psz ||
		   a.max_pages != GUP_REPRO_MAX_PAGES))
		finding("INFO: abi %u page %u max %u", a.abi_version, a.page_size,
			a.max_pages);
}

/* Garbage: a bad argument pointer, or random bytes with the right size. */
static void op_garbage(struct thr *t, int fd)
{
	unsigned long long buf[8], *s = &t->s;
	static const unsigned long bad_ptr[] = { 0, 8, 0xffff888000000000UL,
						 0x0000800000000000UL };
	int c = below(s, NCMD), e, i;

	if (below(s, 2)) {
		void *p = below(s, 2) ? (void *)bad_ptr[below(s, 4)] :
			  (void *)(reg[R_NONE].addr + psz * below(s, REGION_PAGES));

		e = do_ioctl(fd, c, cmd_of(c), p);
		expect(e, c == C_BAD ? ENOTTY : EFAULT, "ioctl with an unreadable argument");
		return;
	}
	for (i = 0; i < 8; i++)
		buf[i] = below(s, 2) ? rnd(s) : rnd(s) & 0x3;
	buf[0] = (buf[0] & ~0xffffffffULL) | size_of(c);	/* little endian: the size */
	do_ioctl(fd, c, cmd_of(c), buf);
}

/* ---- process-level ops ---- */

static int wait_bounded(pid_t pid, double secs, int *status)
{
	double end = now() + secs;
	pid_t r;

	while ((r = waitpid(pid, status, WNOHANG)) == 0 && now() < end)
		usleep(2000);
	if (r == pid)
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

/* The child uses a shared fd on its (copy-on-write) memory, then closes it. */
static void op_fork(struct thr *t)
{
	int fd = shared_fd[below(&t->s, 2)], status;
	unsigned long long s2 = rnd(&t->s);
	pid_t pid = fork();

	if (pid == 0) {
		struct gup_repro_pin a = { .size = sizeof(a), .api = GUP_REPRO_API_GET,
					   .flags = GUP_REPRO_PIN_WRITE, .nr_pages = 1 };
		struct gup_repro_page_state st = { .size = sizeof(st) };
		struct gup_repro_write w = { .size = sizeof(w), .length = 16 };
		int bad = 0, e;

		a.addr = (uintptr_t)reg[R_ANON].addr + psz * (s2 % REGION_PAGES);
		e = ioctl(fd, GUP_REPRO_IOC_PIN, &a) ? errno : 0;
		bad |= !in_set(C_PIN, e);
		e = ioctl(fd, GUP_REPRO_IOC_WRITE, &w) ? errno : 0;
		bad |= !in_set(C_WRITE, e);
		e = ioctl(fd, GUP_REPRO_IOC_STATE, &st) ? errno : 0;
		bad |= !in_set(C_STATE, e);
		if (s2 & 1) {
			struct gup_repro_unpin u = { .size = sizeof(u) };

			e = ioctl(fd, GUP_REPRO_IOC_UNPIN, &u) ? errno : 0;
			bad |= !in_set(C_UNPIN, e);
		}
		close(fd);
		_exit(bad);
	}
	if (pid < 0)
		return;
	add(&n_fork, 1);
	if (wait_bounded(pid, 20, &status) || !WIFEXITED(status) || WEXITSTATUS(status))
		finding("fork child: status %#x (errno outside the set or hung)", status);
}

/* fork + exec of ourselves with a shared fd inherited as fd 100. */
static void op_exec(struct thr *t)
{
	int fd = shared_fd[below(&t->s, 2)], status;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { "gup-repro-ioctl-fuzz", "--exec-child", "100", NULL };
		char *envp[] = { NULL };

		if (dup2(fd, 100) != 100)
			_exit(3);
		execve("/proc/self/exe", argv, envp);
		_exit(4);
	}
	if (pid < 0)
		return;
	add(&n_exec, 1);
	if (wait_bounded(pid, 30, &status) || !WIFEXITED(status) || WEXITSTATUS(status))
		finding("exec child: status %#x", status);
}

static int exec_child(int fd)
{
	static char page[65536] __attribute__((aligned(65536)));
	struct gup_repro_info in = { .size = sizeof(in) };
	struct gup_repro_pin a = { .size = sizeof(a), .api = GUP_REPRO_API_PIN,
				   .flags = GUP_REPRO_PIN_WRITE, .nr_pages = 2 };
	struct gup_repro_page_state st = { .size = sizeof(st) };
	int e, bad = 0;

	memset(page, 1, sizeof(page));
	if (ioctl(fd, GUP_REPRO_IOC_INFO, &in))
		return 1;
	a.addr = (uintptr_t)page;
	e = ioctl(fd, GUP_REPRO_IOC_PIN, &a) ? errno : 0;
	bad |= !in_set(C_PIN, e);
	e = ioctl(fd, GUP_REPRO_IOC_STATE, &st) ? errno : 0;
	bad |= !in_set(C_STATE, e);
	/* exit with the pin held: it lives on in the shared file */
	return bad;
}

/* An unprivileged process that receives a fd over SCM_RIGHTS gets EPERM. */
static void op_scm(struct thr *t)
{
	int sv[2], fd = shared_fd[below(&t->s, 2)], status;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	char x = 'x';
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return;
	pid = fork();
	if (pid == 0) {
		struct gup_repro_info in = { .size = sizeof(in) };
		struct gup_repro_unpin u = { .size = sizeof(u) };
		int rfd, e1, e2;

		close(sv[0]);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		iov = (struct iovec){ .iov_base = &x, .iov_len = 1 };
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		if (recvmsg(sv[1], &m, 0) != 1)
			_exit(11);
		cm = CMSG_FIRSTHDR(&m);
		if (!cm || cm->cmsg_type != SCM_RIGHTS)
			_exit(12);
		memcpy(&rfd, CMSG_DATA(cm), sizeof(rfd));
		e1 = ioctl(rfd, GUP_REPRO_IOC_INFO, &in) ? errno : 0;
		e2 = ioctl(rfd, GUP_REPRO_IOC_UNPIN, &u) ? errno : 0;
		close(rfd);
		_exit(e1 == EPERM && e2 == EPERM ? 0 : 13);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return;
	}
	iov = (struct iovec){ .iov_base = &x, .iov_len = 1 };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	if (sendmsg(sv[0], &m, 0) != 1)
		finding("SCM_RIGHTS sendmsg: %s", strerror(errno));
	close(sv[0]);
	add(&n_scm, 1);
	if (wait_bounded(pid, 20, &status) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		add(&n_scm_bad, 1);
		finding("unprivileged SCM_RIGHTS receiver: status %#x (want both ioctls EPERM)",
			status);
	}
}

/* Two fds pin one tmpfs page: both succeed and see one pfn. */
static void op_two_fds(struct thr *t, int fd2)
{
	struct gup_repro_pin a = { .size = sizeof(a), .api = GUP_REPRO_API_PIN,
				   .flags = GUP_REPRO_PIN_WRITE, .nr_pages = 1 };
	struct gup_repro_page_state s1 = { .size = sizeof(s1) }, s2 = { .size = sizeof(s2) };
	struct gup_repro_unpin u = { .size = sizeof(u) };
	int e;

	if (t->pinned)
		op_unpin(t, t->pfd, 1);
	if (t->pinned)
		return;
	a.addr = (uintptr_t)reg[R_TMPFS].addr + psz * below(&t->s, REGION_PAGES);
	e = do_ioctl(t->pfd, C_PIN, GUP_REPRO_IOC_PIN, &a);
	expect(e, 0, "PIN of a tmpfs page on the private fd");
	if (e)
		return;
	t->pinned = 1;
	t->nr = 1;
	t->writable = 1;
	a.nr_pinned = 0;
	e = do_ioctl(fd2, C_PIN, GUP_REPRO_IOC_PIN, &a);
	expect(e, 0, "PIN of the same tmpfs page on a second fd");
	if (e)
		return;
	e = do_ioctl(t->pfd, C_STATE, GUP_REPRO_IOC_STATE, &s1) ?:
	    do_ioctl(fd2, C_STATE, GUP_REPRO_IOC_STATE, &s2);
	expect(e, 0, "STATE of a page pinned by two fds");
	add(&n_same_pfn, 1);
	if (e)
		add(&n_same_pfn_bad, 1);
	if (!e && (s1.pfn != s2.pfn || !(s1.flags & GUP_REPRO_F_DMA_PINNED) ||
		   !(s2.flags & GUP_REPRO_F_FILE))) {
		add(&n_same_pfn_bad, 1);
		finding("two fds, one page: pfn %llu vs %llu, flags %#x %#x",
			(unsigned long long)s1.pfn, (unsigned long long)s2.pfn, s1.flags,
			s2.flags);
	}
	expect(do_ioctl(fd2, C_UNPIN, GUP_REPRO_IOC_UNPIN, &u), 0, "UNPIN of the second fd");
}

/* ---- userfaultfd: pin targets and argument buffers served late ---- */

static int uffd = -1;
static volatile int uffd_stop;
static char uffd_template[65536] __attribute__((aligned(65536)));

static void *uffd_handler(void *arg)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	unsigned long long s = seed ^ 0x5bd1e995;
	struct uffd_msg msg;

	(void)arg;
	while (!uffd_stop) {
		struct uffdio_copy c = { .src = (uintptr_t)uffd_template, .len = psz };

		if (poll(&pfd, 1, 100) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		usleep(below(&s, 20000));	/* the faulting ioctl waits meanwhile */
		c.dst = msg.arg.pagefault.address & ~(psz - 1);
		if (ioctl(uffd, UFFDIO_COPY, &c) && errno == EEXIST) {
			struct uffdio_range r = { .start = c.dst, .len = psz };

			ioctl(uffd, UFFDIO_WAKE, &r);
		}
		add(&n_uffd_served, 1);
	}
	return NULL;
}

/* An ioctl whose argument sits on a (re)zapped userfaultfd page. */
static void op_uffd_arg(struct thr *t, int fd)
{
	int c = below(&t->s, 2) ? C_STATE : C_INFO;
	char *p;

	if (!reg[R_UFFD].addr)
		return;
	p = reg[R_UFFD].addr + psz * below(&t->s, NUFFD);
	if (madvise(p, psz, MADV_DONTNEED))
		return;
	/* served from uffd_template: a valid STATE (page 0) / INFO argument */
	do_ioctl(fd, c, cmd_of(c), p + (c == C_INFO ? 64 : 0));
}

/* ---- the threads ---- */

static int pick_fd(struct thr *t, int *private)
{
	unsigned int k = below(&t->s, 10);

	*private = 0;
	if (k < 4)
		return shared_fd[0];
	if (k < 7)
		return shared_fd[1];
	*private = 1;
	return t->pfd;
}

static void *fuzz_thread(void *arg)
{
	struct thr *t = arg;
	int fd2 = open(DEVICE, O_RDWR | O_CLOEXEC);

	while (now() < t_end) {
		unsigned int k = below(&t->s, 1000);
		int private, fd = pick_fd(t, &private), d;

		t->ops++;
		if (k < 220) {
			op_pin(t, fd, private);
		} else if (k < 330) {
			op_write(t, fd, private);
		} else if (k < 450) {
			op_dirty(t, fd, private);
		} else if (k < 570) {
			op_state(t, fd, private);
		} else if (k < 690) {
			op_unpin(t, fd, private);
		} else if (k < 720) {
			op_info(t, fd);
		} else if (k < 780) {
			op_garbage(t, shared_fd[below(&t->s, 2)]);
		} else if (k < 800) {		/* close the private fd, pins and all */
			close(t->pfd);
			t->pfd = open(DEVICE, O_RDWR | O_CLOEXEC);
			t->pinned = 0;
		} else if (k < 820) {		/* dup a shared fd, use it, close it */
			d = dup(shared_fd[below(&t->s, 2)]);
			if (d >= 0) {
				op_state(t, d, 0);
				op_unpin(t, d, 0);
				close(d);
			}
		} else if (k < 850) {		/* munmap / remap a volatile slot */
			char *v = vol[below(&t->s, NVOL)];

			if (below(&t->s, 2)) {
				munmap(v, REGION_PAGES * psz);
			} else {
				int shared = below(&t->s, 2);
				void *m = mmap(v, REGION_PAGES * psz, PROT_READ | PROT_WRITE,
					       (shared ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS) |
					       MAP_FIXED_NOREPLACE,
					       shared ? vol_fd : -1, 0);

				if (m != MAP_FAILED && m != v)
					munmap(m, REGION_PAGES * psz);
			}
		} else if (k < 880) {
			static const int prots[] = { PROT_NONE, PROT_READ,
						     PROT_READ | PROT_WRITE };

			mprotect(vol[below(&t->s, NVOL)], REGION_PAGES * psz,
				 prots[below(&t->s, 3)]);
		} else if (k < 890) {
			op_fork(t);
		} else if (k < 893) {
			op_exec(t);
		} else if (k < 898) {
			op_scm(t);
		} else if (k < 930) {
			if (fd2 >= 0)
				op_two_fds(t, fd2);
		} else {
			op_uffd_arg(t, fd);
		}
	}
	if (fd2 >= 0)
		close(fd2);
	return NULL;
}

/* ---- set-up, baselines, final checks ---- */

static char *map_region(size_t pages, int prot, int flags, int fd, int touch)
{
	char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (touch)
		memset(p, 0x5a, pages * psz);
	if (prot != (PROT_READ | PROT_WRITE))
		mprotect(p, pages * psz, prot);
	return p;
}

static int make_file(const char *dir, const char *name, size_t pages)
{
	char path[512], *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	buf = calloc(1, pages * psz);
	if (!buf || write(fd, buf, pages * psz) != (ssize_t)(pages * psz)) {
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	fsync(fd);
	return fd;
}

static int setup(const char *dir)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register ur = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct gup_repro_page_state *st = (void *)uffd_template;
	struct gup_repro_info *in = (void *)(uffd_template + 64);
	int ffd, i;
	char *thp;

	reg[R_ANON] = (struct region){ "anon", map_region(REGION_PAGES, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), REGION_PAGES };
	reg[R_ZERO] = (struct region){ "zero-page", map_region(REGION_PAGES, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), REGION_PAGES };
	thp = map_region(1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (thp) {
		thp = (char *)(((uintptr_t)thp + (2 << 20) - 1) & ~((uintptr_t)(2 << 20) - 1));
		madvise(thp, 2 << 20, MADV_HUGEPAGE);
		/* a fork child's COW would split the PMD and change the canary */
		madvise(thp, 2 << 20, MADV_DONTFORK);
		memset(thp, 0x33, 2 << 20);
	}
	reg[R_THP] = (struct region){ "thp", thp, 512 };
	mkdir(TMPFS_DIR, 0700);
	if (mount("tmpfs", TMPFS_DIR, "tmpfs", 0, "size=16m") && errno != EBUSY)
		printf("# mount tmpfs: %s (using the directory as it is)\n", strerror(errno));
	/* three files, so that no other mapping changes the canary's mapcount */
	tmpfs_fd = make_file(TMPFS_DIR, "victim", REGION_PAGES);
	vol_fd = make_file(TMPFS_DIR, "volatile", REGION_PAGES);
	ffd = make_file(TMPFS_DIR, "private", REGION_PAGES);
	if (tmpfs_fd < 0 || vol_fd < 0 || ffd < 0)
		return printf("# cannot make the tmpfs files\n"), -1;
	reg[R_TMPFS] = (struct region){ "tmpfs", map_region(REGION_PAGES, PROT_READ | PROT_WRITE,
					MAP_SHARED, tmpfs_fd, 1), REGION_PAGES };
	reg[R_PRIVFILE] = (struct region){ "private-file", map_region(REGION_PAGES, PROT_READ |
					   PROT_WRITE, MAP_PRIVATE, ffd, 0), REGION_PAGES };
	if (dir) {
		ffd = make_file(dir, "fuzz-victim", REGION_PAGES);
		if (ffd < 0)
			printf("# no file in %s: %s\n", dir, strerror(errno));
		else
			reg[R_FILE] = (struct region){ "disk-file", map_region(REGION_PAGES,
						       PROT_READ | PROT_WRITE, MAP_SHARED,
						       ffd, 1), REGION_PAGES };
	}
	reg[R_RO] = (struct region){ "prot-read", map_region(REGION_PAGES, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), REGION_PAGES };
	reg[R_NONE] = (struct region){ "prot-none", map_region(REGION_PAGES, PROT_NONE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), REGION_PAGES };
	for (i = 0; i < NVOL; i++)
		vol[i] = map_region(REGION_PAGES, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 1);
	reg[R_VOL] = (struct region){ "volatile", vol[0], REGION_PAGES };

	st->size = sizeof(*st);
	in->size = sizeof(*in);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	reg[R_UFFD] = (struct region){ "userfaultfd", map_region(NUFFD, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), NUFFD };
	ur.range.start = (uintptr_t)reg[R_UFFD].addr;
	ur.range.len = NUFFD * psz;
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &ur)) {
		printf("# userfaultfd unavailable: %s\n", strerror(errno));
		reg[R_UFFD].addr = NULL;
	}
	for (i = 0; i < NKIND; i++)
		if (!reg[i].addr && i != R_FILE && i != R_UFFD)
			return printf("# cannot map %s\n", reg[i].name), -1;
	return 0;
}

static void drain(void);

/*
 * The folio reference count of the page at addr, less the one GET adds,
 * sampled after draining the per-CPU LRU batches (GUP's own FOLL_TOUCH may
 * have queued the folio for activation, which holds a reference).
 */
static int canary_ref(char *addr, int *mapcount, unsigned int *folio_pages)
{
	struct gup_repro_pin a = { .size = sizeof(a), .api = GUP_REPRO_API_GET,
				   .nr_pages = 1, .addr = (uintptr_t)addr };
	struct gup_repro_page_state st = { .size = sizeof(st) };
	struct gup_repro_unpin u = { .size = sizeof(u) };
	int fd = open(DEVICE, O_RDWR | O_CLOEXEC), r = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, GUP_REPRO_IOC_PIN, &a)) {
		drain();
		if (!ioctl(fd, GUP_REPRO_IOC_STATE, &st)) {
			r = st.refcount - 1;
			*mapcount = st.mapcount;
			*folio_pages = st.folio_nr_pages;
		}
	}
	ioctl(fd, GUP_REPRO_IOC_UNPIN, &u);
	close(fd);
	return r;
}

static void drain(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

	/* compaction starts with lru_add_drain_all(): per-CPU batches let go */
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			printf("# compact_memory: %s\n", strerror(errno));
		close(fd);
	}
}

#define NCANARY 4
static const int canary_kind[NCANARY] = { R_ANON, R_THP, R_TMPFS, R_FILE };

static unsigned int canary_folio[NCANARY];

static void canaries(int *ref, int *map)
{
	int i;

	for (i = 0; i < NCANARY; i++) {
		map[i] = -1;
		ref[i] = reg[canary_kind[i]].addr ?
			 canary_ref(reg[canary_kind[i]].addr + psz, &map[i],
				    &canary_folio[i]) : -1;
	}
}

/* Kernel log records since kfd was opened: the bad ones are counted. */
static int scan_kmsg(int kfd, int *ext4_symptom)
{
	char rec[4096];
	ssize_t n;
	int bad = 0;

	*ext4_symptom = 0;
	while ((n = read(kfd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		if (strstr(msg, "WARNING:") && strstr(msg, "fs/ext4/inode.c") &&
		    (strstr(msg, "ext4_dirty_folio") || strstr(msg, "ext4_set_page_dirty"))) {
			(*ext4_symptom)++;
			printf("# kernel (the ext4 symptom gup_repro provokes): %s\n", msg);
		} else if (strstr(msg, "WARNING:") || strstr(msg, "BUG:") || strstr(msg, "Oops") ||
			   strstr(msg, "blocked for more than") || strstr(msg, "gup_repro") ||
			   strstr(msg, "kernel BUG") || strstr(msg, "general protection")) {
			bad++;
			printf("# kernel: %s\n", msg);
		}
	}
	return bad;
}

/* What the run starts from: the kernel log position and the counters that must come back. */
struct baseline {
	int kfd;			/* /dev/kmsg at its end, or -1 */
	int ref[NCANARY], map[NCANARY];	/* canary page reference and map counts */
	unsigned long long acquired, released;	/* nr_foll_pin_* */
};

/* --seed, --seconds, --budget, --threads, --dir. Returns -1 to go on, else the exit status 2. */
static int parse_args(int argc, char **argv, double *seconds, double *budget, const char **dir)
{
	int i;

	seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			*seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--budget"))
			*budget = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			nthreads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--dir"))
			*dir = argv[i + 1];
		else
			return fprintf(stderr, "usage: %s [--seed N] [--seconds S] [--budget S] [--threads N] [--dir DIR]\n",
					argv[0]), 2;
	}
	if (nthreads < 1 || nthreads > MAX_THREADS || *seconds <= 0)
		return fprintf(stderr, "bad --threads or --seconds\n"), 2;
	return -1;
}

/* The regions, the kernel log position, the two shared fds and the baseline. Returns 0 or 1. */
static int start(const char *dir, struct baseline *b)
{
	if (setup(dir))
		return printf("Bail out! set-up failed\n"), 1;
	b->kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (b->kfd >= 0)
		lseek(b->kfd, 0, SEEK_END);
	shared_fd[0] = open(DEVICE, O_RDWR | O_CLOEXEC);
	shared_fd[1] = open(DEVICE, O_RDWR | O_CLOEXEC);
	if (shared_fd[0] < 0 || shared_fd[1] < 0)
		return printf("Bail out! %s: %s\n", DEVICE, strerror(errno)), 1;
	drain();
	canaries(b->ref, b->map);
	if (read_vmstat(&b->acquired, &b->released))
		return printf("Bail out! /proc/vmstat has no nr_foll_pin_*\n"), 1;
	return 0;
}

/* The fuzz threads (and the userfaultfd handler) for @seconds. Returns 0, or 1 when one hung. */
static int run_threads(struct thr *thr, double seconds, double budget)
{
	pthread_t uh;
	int i;

	t_start = now();
	t_end = t_start + seconds;
	if (reg[R_UFFD].addr)
		pthread_create(&uh, NULL, uffd_handler, NULL);
	for (i = 0; i < nthreads; i++) {
		thr[i] = (struct thr){ .id = i, .s = seed * 0x9e3779b97f4a7c15ULL + i + 1 };
		thr[i].pfd = open(DEVICE, O_RDWR | O_CLOEXEC);
		pthread_create(&thr[i].t, NULL, fuzz_thread, &thr[i]);
	}
	for (i = 0; i < nthreads; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(t_start + budget - now()) + 1;
		if (pthread_timedjoin_np(thr[i].t, NULL, &ts)) {
			tap_ok(0, "thread %d still running past the %.0f s budget", i, budget);
			printf("Bail out! hung\n");
			return 1;
		}
		if (thr[i].pfd >= 0)
			close(thr[i].pfd);
	}
	uffd_stop = 1;
	if (reg[R_UFFD].addr)
		pthread_join(uh, NULL);
	return 0;
}

/* Operations per thread, the totals, and each command's results by errno. */
static void print_counts(const struct thr *thr)
{
	int i, c;

	for (i = 0; i < nthreads; i++)
		printf("# thread %d: %lu operations\n", i, thr[i].ops);
	printf("# %lu ioctls; %lu forks, %lu execs, %lu SCM_RIGHTS receivers, %lu two-fd pins, %lu userfaultfd faults served\n",
	       n_ops, n_fork, n_exec, n_scm, n_same_pfn, n_uffd_served);
	for (c = 0; c < NCMD; c++) {
		char line[1024];
		int len = snprintf(line, sizeof(line), "# %-10s", cmd_name[c]);

		for (i = 0; i < MAXERR; i++)
			if (cnt[c][i])
				len += snprintf(line + len, sizeof(line) - len, " %s=%lu",
						ename(i), cnt[c][i]);
		printf("%s\n", line);
	}
}

/* The tests on what the ioctls returned. */
static void check_results(double elapsed)
{
	tap_ok(n_ops > 100, "ran %lu ioctls in %.1f s over %d threads on 2 shared fds",
	       n_ops, elapsed, nthreads);
	tap_ok(!n_errno_bad, "every errno in the documented set of its ioctl (%lu outside)",
	       n_errno_bad);
	tap_ok(!n_exact_bad, "exact results where determined: invalid fields, access_ok, private fds (%lu wrong)",
	       n_exact_bad);
	tap_ok(!n_scm_bad && n_scm, "unprivileged SCM_RIGHTS receivers got EPERM (%lu of %lu wrong)",
	       n_scm_bad, n_scm);
	tap_ok(!n_same_pfn_bad && n_same_pfn, "two fds pinning one page see one pfn (%lu of %lu wrong)",
	       n_same_pfn_bad, n_same_pfn);
}

/*
 * The tests on what is left once the shared fds are closed: every pin released, the canary
 * pages' counts back to the baseline (retried for up to 2 s while deferred work drains).
 */
static void check_leaks(const struct baseline *b)
{
	int ref1[NCANARY], map1[NCANARY];
	unsigned long long a1, r1;
	int i, ok = 1, tries;

	close(shared_fd[0]);
	close(shared_fd[1]);
	if (read_vmstat(&a1, &r1))
		tap_ok(0, "/proc/vmstat unreadable");
	else
		tap_ok(a1 - b->acquired == r1 - b->released && a1 > b->acquired,
		       "nr_foll_pin_acquired +%llu == nr_foll_pin_released +%llu",
		       a1 - b->acquired, r1 - b->released);
	for (tries = 0; tries < 10; tries++) {
		drain();
		canaries(ref1, map1);
		ok = 1;
		for (i = 0; i < NCANARY; i++)
			ok &= ref1[i] == b->ref[i] && map1[i] == b->map[i];
		if (ok)
			break;
		usleep(200000);
	}
	for (i = 0; i < NCANARY; i++)
		printf("# canary %s (folio of %u pages): refcount %d -> %d, mapcount %d -> %d\n",
		       reg[canary_kind[i]].name, canary_folio[i], b->ref[i], ref1[i], b->map[i],
		       map1[i]);
	tap_ok(ok, "canary page reference counts back to baseline");
}

int main(int argc, char **argv)
{
	double seconds = 20, budget = 60, elapsed;
	struct thr thr[MAX_THREADS];
	const char *dir = NULL;
	struct baseline b;
	int c, bad_log, ext4 = 0;

	psz = (size_t)sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return exec_child(atoi(argv[2]));
	c = parse_args(argc, argv, &seconds, &budget, &dir);
	if (c >= 0)
		return c;
	tap_start(9);
	printf("# seed %llu, %d threads, %.0f s of fuzzing, budget %.0f s, file dir %s\n",
	       seed, nthreads, seconds, budget, dir ? dir : "(none)");
	if (!seed)
		seed = 1;
	if (start(dir, &b) || run_threads(thr, seconds, budget))
		return 1;

	elapsed = now() - t_start;
	print_counts(thr);
	check_results(elapsed);
	check_leaks(&b);
	bad_log = b.kfd >= 0 ? scan_kmsg(b.kfd, &ext4) : -1;
	tap_ok(!bad_log, "no WARNING/BUG/Oops/hung task in the kernel log (%d bad; ext4 symptom %d times, allowed)",
	       bad_log, ext4);
	elapsed = now() - t_start;
	tap_ok(elapsed <= budget, "finished in %.1f s (budget %.0f s)", elapsed, budget);
	printf("# findings: %lu\n", n_findings);
	return tap_exit();
}
