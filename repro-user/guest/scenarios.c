// SPDX-License-Identifier: GPL-2.0
/*
 * scenarios.c - the scenario table of gup-repro (steps.h): a scenario is
 * data, a name, a line of description and a comma-separated list of step
 * names; the expected result of each on a kernel and a filesystem
 * (gupr_expect()); and the step lists parsed and checked for order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"

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
	{
		"stripped-buffers",
		"FOLL_GET reference, writeback cleans, reclaim releases the buffer heads, module writes and set_page_dirty()s, fsync",
		"open-file,mmap-shared,get,user-write,msync,reclaim,kernel-write,dirty-unlocked,fsync,unpin,munmap,close-file",
	},
	{
		"pinned-reclaim",
		"stripped-buffers with a FOLL_PIN pin, which the 2023 reclaim fix protects",
		"open-file,mmap-shared,pin,user-write,msync,reclaim,kernel-write,dirty-unlocked,fsync,unpin,munmap,close-file",
	},
	{
		"lost-write",
		"the module writes through its pin after writeback and never dirties the page: is the write on disk?",
		"open-file,mmap-shared,user-write,pin,msync,kernel-write,unpin,munmap,close-file",
	},
	{
		"truncate-under-pin",
		"pin, truncate the file to 0, then write and set_page_dirty() through the pin, fsync",
		"open-file,mmap-shared,user-write,pin,truncate,kernel-write,dirty-unlocked,fsync,unpin,munmap,close-file",
	},
	{
		"punch-hole-under-pin",
		"pin, punch a hole over the pinned pages, then write and set_page_dirty() through the pin, fsync",
		"open-file,mmap-shared,user-write,pin,punch-hole,kernel-write,dirty-unlocked,fsync,unpin,munmap,close-file",
	},
};
const size_t gupr_nr_scenarios = sizeof(gupr_scenarios) / sizeof(gupr_scenarios[0]);

/*
 * The module-free triggers (repro-user/guest/triggers/NAME.c, one a row),
 * each as the steps of the driver that do what the kernel's own path does
 * to the victim: its pin, the clean (msync) while the kernel holds it, and
 * the write and the dirtying under the folio lock.  For gupr_expect() only:
 * the driver does not run them.
 */
const struct gupr_scenario gupr_triggers[] = {
	{
		"pvw-uffd",
		"process_vm_writev(): pin_user_pages_remote(), copy, unpin_user_pages_dirty_lock()",
		"open-file,mmap-shared,user-write,pin,msync,kernel-write,unpin-dirty,munmap,close-file",
	},
	{
		"odirect-delayed",
		"O_DIRECT read into the mapping from a delayed device; the completion dirties with set_page_dirty_lock()",
		"open-file,mmap-shared,user-write,pin,msync,kernel-write,dirty-locked,unpin,munmap,close-file",
	},
	{
		"iouring-read-delayed",
		"io_uring read into the mapping from a delayed device; bio_dirty_fn() dirties with set_page_dirty_lock()",
		"open-file,mmap-shared,user-write,pin,msync,kernel-write,dirty-locked,unpin,munmap,close-file",
	},
};
const size_t gupr_nr_triggers = sizeof(gupr_triggers) / sizeof(gupr_triggers[0]);

/* Does the scenario's step list name STEP? */
static int scen_has(const struct gupr_scenario *sc, const char *step)
{
	size_t len = strlen(step);
	const char *p = sc->steps;

	while ((p = strstr(p, step))) {
		if ((p == sc->steps || p[-1] == ',') && (!p[len] || p[len] == ','))
			return 1;
		p += len;
	}
	return 0;
}

/* Fill @e with RESULT and WHY; return 1 (a prediction). */
static int predict(struct gupr_expectation *e, const char *result, const char *why)
{
	e->result = result;
	e->why = why;
	return 1;
}

/*
 * The expectation of a MAP_PRIVATE scenario in @e: @refused when io_uring
 * refuses the fixed buffer itself (a dirty-tracked filesystem before
 * v6.5), else clean.  Returns 1.
 */
static int expect_private(int refused, struct gupr_expectation *e)
{
	if (refused)
		return predict(e, "^MITIGATED:EOPNOTSUPP$",
			       "before v6.5: io_uring's own check refuses a file-backed fixed buffer, private or not");
	return predict(e, "^CLEAN$",
		       "MAP_PRIVATE: the write COWs, the pin holds an anonymous copy, the page cache is untouched");
}

/* Is the kernel MAJOR.MINOR at least WANT_MAJOR.WANT_MINOR? */
static int at_least(unsigned int major, unsigned int minor,
		    unsigned int want_major, unsigned int want_minor)
{
	return major > want_major || (major == want_major && minor >= want_minor);
}

/* A dirtying of a pinned page after writeback on xfs or btrfs (@fs). */
static int expect_unwarned(const char *fs, struct gupr_expectation *e)
{
	if (!strcmp(fs, "xfs"))
		return predict(e, "^VIOLATION$", "xfs has no warning: only the ordering checker sees it");
	return predict(e, "^(VIOLATION|LOSS|REPRODUCED:btrfs_writepage_cow_fixup)$",
		       "btrfs has no warning of its own in this path; the write may also be lost or caught by its cow fixup");
}

/*
 * reclaim between the clean and the write and unlocked dirtying through
 * the held page: it strips the buffer heads of a folio held by FOLL_GET
 * (and by FOLL_PIN before the 2023 fix "mm: do not reclaim private data
 * from pinned page", which Debian's 6.1 has and 5.10 lacks); ext4's
 * writeback then drops the page.  xfs (4 KiB blocks) keeps no buffer heads
 * to strip; btrfs as without reclaim.
 */
static int expect_reclaim(const struct gupr_scenario *sc, unsigned int major,
			  unsigned int minor, const char *fs, struct gupr_expectation *e)
{
	if (strcmp(fs, "ext4"))
		return expect_unwarned(fs, e);
	if (!scen_has(sc, "pin"))
		return predict(e, "^LOSS$",
			       "reclaim strips the buffer heads of a folio held by FOLL_GET: ext4's writeback drops the page");
	if (!at_least(major, minor, 6, 1))
		return predict(e, "^LOSS$",
			       "before 6.1 reclaim strips a FOLL_PIN folio's buffer heads too: ext4's writeback drops the page");
	return predict(e, "^REPRODUCED:ext4_dirty_folio$",
		       "from 6.1 the 2023 reclaim fix keeps a FOLL_PIN folio's buffer heads: ext4 warns, no loss");
}

int gupr_expect(const struct gupr_scenario *sc, unsigned int major,
		unsigned int minor, const char *fs, struct gupr_expectation *e)
{
	int v65 = at_least(major, minor, 6, 5);
	int tracked = !strcmp(fs, "ext4") || !strcmp(fs, "xfs") || !strcmp(fs, "btrfs");
	int shared = scen_has(sc, "mmap-shared");
	int ring = scen_has(sc, "iouring-register");
	int longterm = scen_has(sc, "pin-longterm") || ring;
	int unlocked = scen_has(sc, "dirty-unlocked");
	int dirties = scen_has(sc, "kernel-write") &&
		      (unlocked || scen_has(sc, "dirty-locked") || scen_has(sc, "unpin-dirty"));
	int writes = scen_has(sc, "kernel-write") || scen_has(sc, "iouring-read-fixed");
	int detaches = scen_has(sc, "truncate") || scen_has(sc, "punch-hole");

	/* reclaim, truncation, holes and a write nothing dirties were
	 * measured on the dirty-tracked filesystems only (docs/scenarios.md),
	 * a truncate-mid not at all
	 */
	if ((!tracked && strcmp(fs, "tmpfs")) || scen_has(sc, "truncate-mid") ||
	    (!shared && !scen_has(sc, "mmap-private")) ||
	    (!tracked && (scen_has(sc, "reclaim") || detaches || (shared && writes && !dirties && !ring))))
		return 0;
	if (!shared)
		return expect_private(tracked && ring && !v65, e);
	if (detaches)
		return predict(e, "^CLEAN$",
			       "the held page left the file: the write through it goes to a detached page, as expected");
	if (tracked && longterm && v65)
		return predict(e, "^MITIGATED:EFAULT$", "v6.5+: FOLL_LONGTERM refuses a MAP_SHARED file mapping");
	if (tracked && ring)
		return predict(e, "^MITIGATED:EOPNOTSUPP$",
			       "before v6.5: io_uring's own check refuses a file-backed fixed buffer");
	if (!writes || !tracked)
		return predict(e, "^CLEAN$", !tracked ? "shmem takes every pin and tracks no dirty state to violate" :
			       "the second write goes through the user mapping (->page_mkwrite)");
	if (!dirties)
		return predict(e, "^LOSS$",
			       "a write through the pin that nothing dirties after writeback stays in a clean page, never on disk");
	if (scen_has(sc, "reclaim"))
		return expect_reclaim(sc, major, minor, fs, e);
	if (strcmp(fs, "ext4"))
		return expect_unwarned(fs, e);
	if (!unlocked)
		return predict(e, "^VIOLATION$",
			       "dirtied under the folio lock: ext4 does not warn, only the ordering checker sees it");
	if (at_least(major, minor, 5, 18))
		return predict(e, "^REPRODUCED:ext4_dirty_folio$", "ext4 warns in ext4_dirty_folio (v5.18+)");
	return predict(e, "^REPRODUCED:ext4_set_page_dirty$", "ext4 warns in ext4_set_page_dirty (before v5.18)");
}

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

int gupr_check_order(const struct gupr_step *const *plan, int n, const char **why)
{
	static const struct {
		unsigned int bit;
		const char *text;
	} needs[] = {
		{ GUPR_NEED_CLOSED, "the victim is already open" },
		{ GUPR_NEED_NOMAP, "the victim is already mapped" },
		{ GUPR_NEED_OPEN, "no open file (open-file first)" },
		{ GUPR_NEED_MAP, "no mapping (mmap-shared or mmap-private first)" },
		{ GUPR_NEED_FULL, "the file was truncated: the mapping past EOF is SIGBUS" },
		{ GUPR_NEED_PIN, "nothing pinned (pin, pin-fast, pin-longterm or get first)" },
		{ GUPR_NEED_RING, "no io_uring buffers registered (iouring-register first)" },
	};
	unsigned int have = GUPR_NEED_CLOSED | GUPR_NEED_NOMAP | GUPR_NEED_FULL;
	size_t k;
	int i;

	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(needs) / sizeof(needs[0]); k++) {
			if ((plan[i]->needs & needs[k].bit) && !(have & needs[k].bit)) {
				*why = needs[k].text;
				return i;
			}
		}
		have = (have & ~plan[i]->takes) | plan[i]->gives;
	}
	return -1;
}
