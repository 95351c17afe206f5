// SPDX-License-Identifier: GPL-2.0
/*
 * pvw-uffd - GUP-after-writeback through process_vm_writev(), no module.
 *
 * Build:  cc -static -O2 -o pvw-uffd pvw-uffd.c -lpthread
 *
 * process_vm_writev() to ourselves (mm/process_vm_access.c):
 *   1. pin_user_pages_remote(FOLL_WRITE) on the destination: the victim
 *      page of a MAP_SHARED file mapping (made dirty first through the
 *      mapping, so ->page_mkwrite ran once);
 *   2. copy_page_from_iter() from the source: an anonymous page registered
 *      with userfaultfd (missing mode), so the copy faults and the calling
 *      thread sleeps in handle_userfault() while it holds the pin;
 *   3. unpin_user_pages_dirty_lock(.., true): dirties the destination.
 * While the caller sleeps, the handler thread, woken by the fault event
 * (which proves step 1 is done: the fault comes from step 2), cleans the
 * victim with msync(MS_SYNC): writeback, folio_mkclean() write-protects
 * the PTE.  Then UFFDIO_COPY resolves the fault, the kernel copies into
 * the pinned, clean, write-protected page and dirties it with no
 * ->page_mkwrite.  Deterministic: the window stays open until we close it.
 *
 * Usage: pvw-uffd [--file PATH] [--fault NAME] [--safe] [--expect FILE] [--log FILE] [--help]
 *   --file PATH  victim file, at least one page (default $GUPR_VICTIM,
 *                else /mnt/scratch/victim); its first page is used
 *   --log FILE   append one JSON line per step (seq, step, result, ret,
 *                errno, errname, t0_ns, t1_ns: CLOCK_MONOTONIC) to FILE
 *                (default $GUPR_STEPS_LOG when set)
 *   --fault NAME inject a fault inside the window, after msync cleaned the
 *                page and while the kernel holds the pin: reclaim, cold,
 *                drop-caches, truncate, punch-hole (window-fault.h;
 *                default $GUPR_FAULT when set)
 *   --safe       the same steps without the race: the handler resolves the
 *                fault at once, the copy completes and unpins, and only
 *                then msync (and the fault) run (a control run)
 *   --expect FILE write the bytes the victim's first page must hold on disk
 *                at the end to FILE (a test compares the file read back
 *                with them)
 * Exit: 0 the sequence ran (pinned, cleaned while pinned, copied, unpinned);
 *       1 a step failed (named on stdout); 2 bad usage;
 *       4 the window was not established (no fault while pinned).
 * After the sequence the disk must hold the kernel's copy: the integrity
 * check (disk-check.h) writes its records to the --log (off with
 * GUPR_INTEGRITY=0).
 * Last stdout line: "pvw-uffd: status=complete|failed ...".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "trigger.h"
#include "window-fault.h"

#define PROG "pvw-uffd"

static unsigned char *victim, *src;
static int uffd = -1;
static int victim_fd = -1;
static const char *fault;
static int safe;		/* --safe: clean after the copy, not inside it */
static int handler_status;	/* 0 ok, 1 failed, 4 no window */
static char handler_why[160];

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--file PATH] [--fault NAME] [--safe] [--expect FILE] [--log FILE] [--help]\n"
		"process_vm_writev() into a MAP_SHARED file page from a userfaultfd source:\n"
		"the kernel pins the destination, blocks on the source fault, we msync(MS_SYNC)\n"
		"the victim clean, resolve the fault; the kernel copies into the clean page and\n"
		"dirties it on unpin (no ->page_mkwrite).\n"
		"  --file PATH    victim file" TRIGGER_DEF_FILE "\n"
		"  --fault NAME   in the window: reclaim, cold, drop-caches, truncate, punch-hole" TRIGGER_DEF_FAULT "\n"
		"  --safe         the same steps without the race: the copy completes before msync\n"
		"  --expect FILE  write the bytes the file's first page must hold on disk to FILE\n"
		"  --log FILE     JSON step lines" TRIGGER_DEF_LOG "\n"
		"Exit: 0 sequence ran, 1 a step failed, 2 bad usage, 4 no window.\n");
}

/* The handler's first job: wait for the copy to block on the source fault. Returns 0 or 4. */
static int wait_source_fault(unsigned long long pins0)
{
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	unsigned long long t0 = now_ns();
	char note[128];
	int r;

	r = poll(&pfd, 1, 30000);
	if (r != 1 || read(uffd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		step("source-fault", r == 1 ? EIO : ETIMEDOUT, -1, t0, NULL);
		snprintf(handler_why, sizeof(handler_why),
			 "no userfaultfd fault within 30 s: the copy never blocked");
		return 4;
	}
	snprintf(note, sizeof(note), "fault at +%#llx: destination pinned (nr_foll_pin_acquired +%llu)",
		 (unsigned long long)(msg.arg.pagefault.address - (uintptr_t)src),
		 vmstat("nr_foll_pin_acquired") - pins0);
	step("source-fault", 0, 0, t0, note);
	return 0;
}

/*
 * While the copy waits with the destination pinned (with --safe: after the copy, nothing
 * pinned): msync(MS_SYNC) the victim clean, then inject --fault.  Sets handler_status to 1
 * when a step fails.
 */
static void clean_in_window(void)
{
	unsigned long long t0 = now_ns();
	char note[128];
	long long fl;
	int r;

	if (msync(victim, psz, MS_SYNC)) {
		r = errno;
		step("msync", r, -1, t0, NULL);
		snprintf(handler_why, sizeof(handler_why), "step=msync errno=%s", errname(r));
		handler_status = 1;
		/* resolve the fault anyway so that the writer returns */
	} else {
		fl = kpageflags(victim);
		snprintf(note, sizeof(note), "victim %s after writeback",
			 fl < 0 ? "state unknown" : (fl & (1 << 4)) ? "still dirty" : "clean");
		step("msync", 0, 0, t0, note);
	}
	if (fault && !handler_status) {
		t0 = now_ns();
		r = window_fault(fault, victim_fd, victim, psz);
		fl = kpageflags(victim);
		snprintf(note, sizeof(note), "in the window: victim %s, %s",
			 fl < 0 ? "not mapped (no PTE)" : (fl & (1 << 4)) ? "mapped, dirty" : "mapped, clean",
			 safe ? "no pin (safe)" : "the pin held");
		step(fault, -r, r ? -1 : 0, t0, note);
		if (r) {
			snprintf(handler_why, sizeof(handler_why), "step=%s errno=%s", fault,
				 errname(-r));
			handler_status = 1;
		}
	}
}

/*
 * Resolve the source fault with a page of 'P' (UFFDIO_COPY); on failure unregister so that the
 * writer wakes up (and fails with EFAULT).  Sets handler_status to 1 when a step fails.
 */
static void resolve_fault(void)
{
	unsigned long long t0 = now_ns();
	struct uffdio_copy cp = {
		.dst = (uintptr_t)src,
		.len = psz,
		.mode = 0,
	};
	unsigned char *page = aligned_alloc(psz, psz);
	int r;

	if (!page) {
		step("uffd-copy", ENOMEM, -1, t0, NULL);
		handler_status = 1;
		return;
	}
	memset(page, 'P', psz);
	cp.src = (uintptr_t)page;
	if (ioctl(uffd, UFFDIO_COPY, &cp)) {
		r = errno;
		step("uffd-copy", r, -1, t0, NULL);
		snprintf(handler_why, sizeof(handler_why), "step=uffd-copy errno=%s",
			 errname(r));
		handler_status = 1;
		/* wake the writer: it then fails with EFAULT */
		struct uffdio_range rg = { .start = (uintptr_t)src, .len = psz };

		ioctl(uffd, UFFDIO_UNREGISTER, &rg);
	} else {
		step("uffd-copy", 0, (long)cp.copy, t0, "fault resolved: the kernel copies into the pinned page");
	}
	free(page);
}

static void *handler(void *arg)
{
	handler_status = wait_source_fault(*(unsigned long long *)arg);
	if (handler_status)
		return NULL;
	if (!safe)
		clean_in_window();
	resolve_fault();
	return NULL;
}

/* The anonymous source page, registered with userfaultfd (missing mode). Returns 0 or 1. */
static int setup_source(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	unsigned long long t0 = now_ns();

	src = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		return trigger_fail(PROG, "userfaultfd", errno, t0);
	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		return trigger_fail(PROG, "userfaultfd", errno, t0);
	if (ioctl(uffd, UFFDIO_API, &api))
		return trigger_fail(PROG, "userfaultfd", errno, t0);
	reg.range.start = (uintptr_t)src;
	reg.range.len = psz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return trigger_fail(PROG, "userfaultfd", errno, t0);
	step("userfaultfd", 0, uffd, t0, "anonymous source registered, missing mode");
	return 0;
}

/*
 * process_vm_writev() from the source into the victim, with the handler thread cleaning the
 * victim while the copy blocks (with --safe: this thread cleans it after the copy).  Returns
 * -1 to go on, else the exit status.
 */
static int copy_through_pin(void)
{
	unsigned long long t0 = now_ns(), pins0;
	struct iovec local, remote;
	pthread_t th;
	ssize_t n;
	int err;

	pins0 = vmstat("nr_foll_pin_acquired");
	if (pthread_create(&th, NULL, handler, &pins0))
		return trigger_fail(PROG, "thread", EAGAIN, t0);

	t0 = now_ns();
	local.iov_base = src;
	local.iov_len = psz;
	remote.iov_base = victim;
	remote.iov_len = psz;
	n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	err = n < 0 ? errno : 0;
	step("process-vm-writev", err, (long)n, t0,
	     err ? NULL : "pin_user_pages_remote, copy from the source, unpin_user_pages_dirty_lock");
	pthread_join(th, NULL);
	if (safe && !handler_status && !err)
		clean_in_window();
	if (handler_status) {
		printf(PROG ": status=%s %s\n", handler_status == 4 ? "no-window" : "failed", handler_why);
		return handler_status;
	}
	if (err) {
		printf(PROG ": status=failed step=process-vm-writev errno=%s\n", errname(err));
		return 1;
	}
	if ((size_t)n != psz) {
		printf(PROG ": status=failed step=process-vm-writev errno=EIO (short copy %zd)\n", n);
		return 1;
	}
	return -1;
}

/* The verify step: what the file holds now, the kernel's copy ('P'). Returns 0 or 1. */
static int verify_copy(void)
{
	unsigned long long t0 = now_ns();
	unsigned char *back;
	char note[128];
	ssize_t n;

	back = malloc(psz);
	if (!back)
		return trigger_fail(PROG, "verify", ENOMEM, t0);
	n = pread(victim_fd, back, psz, 0);
	if (n < 0)
		return trigger_fail(PROG, "verify", errno, t0);
	if (n == 0)	/* truncated in the window: the copy went to a page out of the file */
		snprintf(note, sizeof(note), "the file is empty (%s)", fault ? fault : "truncated");
	else
		snprintf(note, sizeof(note), "page holds %s", back[0] == 'P' && back[psz - 1] == 'P' ?
			 "the copied 'P'" : back[0] == 'U' ? "the user's 'U'" :
			 back[0] == 0 ? "zeros (a hole)" : "something else");
	step("verify", 0, n > 0 ? back[0] : -1, t0, note);
	free(back);
	return 0;
}

int main(int argc, char **argv)
{
	struct trigger_args a;
	unsigned long long size = 0, t0;
	const char *path;
	unsigned char *back;
	int c;

	c = trigger_parse(argc, argv, PROG, 0, usage, &a);
	if (c < 0)
		c = trigger_start(PROG, &a);
	if (c >= 0)
		return c;
	path = a.path;
	fault = a.fault;
	safe = a.safe;
	printf(PROG ": file=%s page_size=%zu%s\n", path, psz, safe ? " safe" : "");

	if (trigger_map_victim(PROG, path, &victim, &victim_fd, &size) || setup_source())
		return 1;
	c = copy_through_pin();
	if (c >= 0)
		return c;
	if (verify_copy())
		return 1;

	t0 = now_ns();
	munmap(victim, psz);
	close(victim_fd);
	step("close-file", 0, 0, t0, NULL);

	/* On disk: the kernel's 'P', whether or not the page was dirtied in order */
	back = malloc(psz);
	if (!back)
		return trigger_fail(PROG, "expect", ENOMEM, t0);
	memset(back, 'P', psz);
	c = trigger_check_page(PROG, &a, back, size);
	free(back);
	if (c)
		return c;
	printf(PROG ": status=complete steps=%d\n", nstep);
	return 0;
}
