/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin_counters.h - /proc/vmstat's nr_foll_pin_acquired and
 * nr_foll_pin_released, for the in-guest tests (abi_test.c, ioctl_fuzz.c)
 * that check no pin leaked.  Header-only.
 */
#ifndef GUPR_PIN_COUNTERS_H
#define GUPR_PIN_COUNTERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * The two counters, the per-CPU deltas folded first (stat_refresh, root)
 * so the totals are exact now.  Returns 0, or an errno (ENOENT when the
 * kernel has no such counters).
 */
static inline int read_vmstat(unsigned long long *acq, unsigned long long *rel)
{
	unsigned long long v;
	char name[64];
	FILE *f;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	*acq = *rel = ~0ULL;
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			printf("# stat_refresh: %s\n", strerror(errno));
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return errno ? errno : EIO;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			*acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			*rel = v;
	}
	fclose(f);
	return *acq == ~0ULL || *rel == ~0ULL ? ENOENT : 0;
}

#endif /* GUPR_PIN_COUNTERS_H */
