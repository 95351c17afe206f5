/* SPDX-License-Identifier: GPL-2.0 */
/*
 * folio_flags.h - the one table of folio-state flags: the bit
 * (GUP_REPRO_F_*, repro-kmod/uapi/gup_repro_flags.h, shared by the module's
 * STATE ioctl, the BPF probes and the driver), the name every JSON file
 * uses (steps.jsonl, events.jsonl), the timeline letter and column of
 * pintrace-report, and the /proc/kpageflags bit the driver reads when the
 * module holds no pin (Documentation/admin-guide/mm/pagemap.rst).
 */
#ifndef GUPR_FOLIO_FLAGS_H
#define GUPR_FOLIO_FLAGS_H

#include "../../repro-kmod/uapi/gup_repro_flags.h"

/**
 * struct gupr_flag - one folio-state flag
 * @bit: its GUP_REPRO_F_* bit.
 * @name: its name in steps.jsonl, events.jsonl and the driver's lines.
 * @letter: its letter in the timeline, or 0 when the timeline omits it.
 * @column: the letter's column in the timeline (0..GUPR_FLAG_COLUMNS-1).
 * @kpf: its bit in /proc/kpageflags, or -1 (not there: computed or absent).
 */
struct gupr_flag {
	unsigned int bit;
	const char *name;
	char letter;
	int column;
	int kpf;
};

#define GUPR_FLAG_COLUMNS	7

/* In GUP_REPRO_F_* bit order. */
static const struct gupr_flag gupr_flags[] __attribute__((unused)) = {
	{ GUP_REPRO_F_DIRTY, "dirty", 'D', 2, 4 },
	{ GUP_REPRO_F_WRITEBACK, "writeback", 'W', 3, 8 },
	{ GUP_REPRO_F_UPTODATE, "uptodate", 'U', 1, 3 },
	{ GUP_REPRO_F_LOCKED, "locked", 'L', 0, 0 },
	{ GUP_REPRO_F_PRIVATE, "private", 'B', 4, 35 },	/* buffer heads on ext4 */
	{ GUP_REPRO_F_BUFFERS, "buffers", 0, -1, -1 },
	{ GUP_REPRO_F_MAPPED, "mapped", 'M', 5, 11 },
	{ GUP_REPRO_F_DMA_PINNED, "maybe-dma-pinned", 'P', 6, -1 },
	{ GUP_REPRO_F_ANON, "anon", 0, -1, 12 },
	{ GUP_REPRO_F_FILE, "file", 0, -1, -1 },		/* !anon, with a mapping */
	{ GUP_REPRO_F_LARGE, "large", 0, -1, 15 },		/* KPF_COMPOUND_HEAD */
};

#define GUPR_NR_FLAGS	(sizeof(gupr_flags) / sizeof(gupr_flags[0]))

/**
 * gupr_flag_bit() - the bit of a flag name
 * @name: a name from events.jsonl or steps.jsonl.
 *
 * Return: its GUP_REPRO_F_* bit, 0 for an unknown name ("head", the old
 * name of "large", is one).
 */
static inline unsigned int gupr_flag_bit(const char *name)
{
	unsigned int i;

	for (i = 0; i < GUPR_NR_FLAGS; i++)
		if (!__builtin_strcmp(name, gupr_flags[i].name))
			return gupr_flags[i].bit;
	return !__builtin_strcmp(name, "head") ? GUP_REPRO_F_LARGE : 0;
}

#endif /* GUPR_FOLIO_FLAGS_H */
