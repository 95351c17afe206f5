/* SPDX-License-Identifier: GPL-2.0 */
/*
 * window-fault.h - fault steps injected inside a trigger's window (while
 * the kernel holds the victim page and after writeback has cleaned it),
 * and a per-CPU madvise() for reclaim steps.  Header-only.
 *
 * The faults, with the kernel mechanism each drives:
 *   reclaim      madvise(MADV_PAGEOUT): reclaim_pages() unmaps the folio and
 *                shrink_folio_list() releases its buffer heads
 *                (filemap_release_folio() -> try_to_free_buffers()) unless
 *                the folio is FOLL_PIN-pinned (v6.5 "mm: do not reclaim
 *                private data from pinned page"); the reference keeps it
 *   cold         madvise(MADV_COLD): deactivate the folio, no reclaim
 *   drop-caches  echo 3 > /proc/sys/vm/drop_caches: clean, unmapped,
 *                unreferenced folios leave the page cache (a held one stays)
 *   truncate     ftruncate(fd, 0): truncate_inode_pages_range() takes the
 *                held folio out of the page cache (->mapping NULL); the
 *                trigger must not touch its mapping afterwards (SIGBUS)
 *   punch-hole   fallocate(PUNCH_HOLE|KEEP_SIZE) over the page: the same
 *                for the range, the file keeps its size
 */
#ifndef WINDOW_FAULT_H
#define WINDOW_FAULT_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/falloc.h>

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/**
 * madvise_each_cpu - madvise(@addr, @len bytes, @advice) once on each
 * CPU this thread may run on.
 *
 * A folio a fault just added may still sit in a per-CPU LRU batch, where
 * isolation fails; madvise() drains only its own CPU's batch
 * (lru_add_drain(), mm/swap.c), so MADV_PAGEOUT from one CPU can miss it
 * (seen on 6.12).  The affinity is restored afterwards.
 *
 * Return: the number of CPUs it ran on (>= 1), or a negative errno of
 * sched_getaffinity() or madvise() (EINVAL: advice unknown to the kernel).
 */
static inline int madvise_each_cpu(void *addr, size_t len, int advice)
{
	cpu_set_t all, one;
	int err = 0, cpu, n = 0;

	if (sched_getaffinity(0, sizeof(all), &all))
		return -errno;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		if (madvise(addr, len, advice)) {
			err = -errno;
			break;
		}
		n++;
	}
	sched_setaffinity(0, sizeof(all), &all);
	if (!err && !n) {
		if (madvise(addr, len, advice))
			return -errno;
		n = 1;
	}
	return err ? err : n;
}

/* The faults a trigger offers (--fault NAME), in the order --help lists them. */
static const char *const window_faults[] = {
	"reclaim", "cold", "drop-caches", "truncate", "punch-hole", NULL
};

/**
 * window_fault_known - whether @name is one of window_faults.
 * Return: 1 or 0.
 */
static inline int window_fault_known(const char *name)
{
	int i;

	for (i = 0; window_faults[i]; i++)
		if (!strcmp(name, window_faults[i]))
			return 1;
	return 0;
}

/**
 * window_fault - inject fault @name on the victim: @fd its file
 * (O_RDWR), @addr its MAP_SHARED mapping of @len bytes from offset 0.
 *
 * Return: 0 or a negative errno (-EINVAL for an unknown @name; the
 * syscall's errno otherwise).
 */
static inline int window_fault(const char *name, int fd, void *addr, size_t len)
{
	int r, dc;

	if (!strcmp(name, "reclaim") || !strcmp(name, "cold")) {
		r = madvise_each_cpu(addr, len, name[0] == 'r' ? MADV_PAGEOUT : MADV_COLD);
		return r < 0 ? r : 0;
	}
	if (!strcmp(name, "drop-caches")) {
		dc = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		if (dc < 0)
			return -errno;
		r = write(dc, "3", 1) == 1 ? 0 : -errno;
		close(dc);
		return r;
	}
	if (!strcmp(name, "truncate"))
		return ftruncate(fd, 0) ? -errno : 0;
	if (!strcmp(name, "punch-hole"))
		return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)len) ?
		       -errno : 0;
	return -EINVAL;
}

#endif /* WINDOW_FAULT_H */
