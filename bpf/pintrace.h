/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pintrace.h - shared by pintrace.bpf.c (kernel side), pintrace.c (the
 * in-guest loader) and the host-side checker: the event record and the
 * probe table.  Each probe is one kernel function; its name is the event
 * name, so one table serves the BPF programs, the attach logic and the
 * checker's classification.
 */
#ifndef __PINTRACE_H
#define __PINTRACE_H

#ifndef __VMLINUX_H__	/* user space; the BPF side has the types from vmlinux.h */
#include <linux/types.h>
#endif

#define PT_COMM_LEN	16
#define PT_STR_LEN	48
#define PT_MAX_STACK	24	/* frames kept per dirtying event */
#define PT_MAX_PAGES	8	/* pages reported per pin/unpin call */
#define PT_SYM_NAME_LEN	64	/* pt_lookup's name, NUL-padded (bytes) */
#define PT_SYM_BUF_LEN	256	/* pt_symbolize's "%pB" frame (bytes) */

/*
 * X(id, symbol, kind, shape): every probe.  kind is a PT_K_* class for the
 * checker; shape says where the BPF program finds its page (PT_S_*).  The
 * loader attaches a kprobe (plus a kretprobe for PT_S_GUP*) to "symbol"
 * when /proc/kallsyms has it and leaves the probe out otherwise.
 */
#define PT_PROBES(X)									\
	X(FOLIO_MKCLEAN,		"folio_mkclean",		PT_K_MKCLEAN,	 ARG1)	\
	X(PAGE_MKCLEAN,			"page_mkclean",			PT_K_MKCLEAN,	 ARG1)	\
	X(FOLIO_CLEAR_DIRTY_FOR_IO,	"folio_clear_dirty_for_io",	PT_K_CLEAR_DIRTY, ARG1) \
	X(CLEAR_PAGE_DIRTY_FOR_IO,	"clear_page_dirty_for_io",	PT_K_CLEAR_DIRTY, ARG1) \
	X(SET_PAGE_DIRTY,		"set_page_dirty",		PT_K_DIRTY,	 ARG1)	\
	X(SET_PAGE_DIRTY_LOCK,		"set_page_dirty_lock",		PT_K_DIRTY,	 ARG1)	\
	X(FOLIO_MARK_DIRTY,		"folio_mark_dirty",		PT_K_DIRTY,	 ARG1)	\
	X(EXT4_DIRTY_FOLIO,		"ext4_dirty_folio",		PT_K_FS_DIRTY,	 ARG2)	\
	X(EXT4_SET_PAGE_DIRTY,		"ext4_set_page_dirty",		PT_K_FS_DIRTY,	 ARG1)	\
	X(BLOCK_DIRTY_FOLIO,		"block_dirty_folio",		PT_K_FS_DIRTY,	 ARG2)	\
	X(SET_PAGE_DIRTY_BUFFERS,	"__set_page_dirty_buffers",	PT_K_FS_DIRTY,	 ARG1)	\
	X(FILEMAP_DIRTY_FOLIO,		"filemap_dirty_folio",		PT_K_FS_DIRTY,	 ARG2)	\
	X(SET_PAGE_DIRTY_NOBUFFERS,	"__set_page_dirty_nobuffers",	PT_K_FS_DIRTY,	 ARG1)	\
	X(DO_PAGE_MKWRITE,		"do_page_mkwrite",		PT_K_MKWRITE,	 VMF1)	\
	X(EXT4_PAGE_MKWRITE,		"ext4_page_mkwrite",		PT_K_MKWRITE,	 VMF1)	\
	X(FILEMAP_PAGE_MKWRITE,		"filemap_page_mkwrite",		PT_K_MKWRITE,	 VMF1)	\
	X(IOMAP_PAGE_MKWRITE,		"iomap_page_mkwrite",		PT_K_MKWRITE,	 VMF1)	\
	X(BTRFS_PAGE_MKWRITE,		"btrfs_page_mkwrite",		PT_K_MKWRITE,	 VMF1)	\
	X(FOLIO_START_WRITEBACK,	"__folio_start_writeback",	PT_K_WB_START,	 ARG1)	\
	X(TEST_SET_PAGE_WRITEBACK,	"__test_set_page_writeback",	PT_K_WB_START,	 ARG1)	\
	X(FOLIO_END_WRITEBACK,		"folio_end_writeback",		PT_K_WB_END,	 ARG1)	\
	X(END_PAGE_WRITEBACK,		"end_page_writeback",		PT_K_WB_END,	 ARG1)	\
	X(PIN_USER_PAGES,		"pin_user_pages",		PT_K_PIN,	 GUP4)	\
	X(PIN_USER_PAGES_FAST,		"pin_user_pages_fast",		PT_K_PIN,	 GUP4)	\
	X(PIN_USER_PAGES_REMOTE,	"pin_user_pages_remote",	PT_K_PIN,	 GUP5)	\
	X(GET_USER_PAGES,		"get_user_pages",		PT_K_PIN,	 GUP4)	\
	X(GET_USER_PAGES_FAST,		"get_user_pages_fast",		PT_K_PIN,	 GUP4)	\
	X(UNPIN_USER_PAGE,		"unpin_user_page",		PT_K_UNPIN,	 ARG1)	\
	X(UNPIN_USER_PAGES,		"unpin_user_pages",		PT_K_UNPIN,	 PAGES)	\
	X(UNPIN_USER_PAGES_DIRTY_LOCK,	"unpin_user_pages_dirty_lock",	PT_K_UNPIN,	 PAGES)	\
	X(FILEMAP_RELEASE_FOLIO,	"filemap_release_folio",	PT_K_RELEASE,	 ARG1)	\
	X(TRY_TO_RELEASE_PAGE,		"try_to_release_page",		PT_K_RELEASE,	 ARG1)	\
	X(TRY_TO_FREE_BUFFERS,		"try_to_free_buffers",		PT_K_RELEASE,	 ARG1)	\
	X(WARN,				"__warn",			PT_K_WARN,	 WARN)	\
	X(EXT4_WARNING_INODE,		"__ext4_warning_inode",		PT_K_WARN,	 EXT4W)

/*
 * Argument shapes.  With BPF cookies (v5.15+) one program per shape serves
 * every probe of that shape, the probe id riding in the cookie; older
 * kernels get one program per probe ("pt_<ID>").
 *   ARG1/ARG2: page or folio in argument 1/2
 *   VMF1:      struct vm_fault * in argument 1, page in vmf->page
 *   GUP4/GUP5: GUP call with its pages array in argument 4/5; pages at return
 *   PAGES:     (pages, npages) in arguments 1 and 2
 *   WARN:      __warn(file, line, ...)
 *   EXT4W:     __ext4_warning_inode(inode, function, line, ...)
 */
#define PT_SHAPES(X) X(ARG1) X(ARG2) X(VMF1) X(GUP4) X(GUP5) X(PAGES) X(WARN) X(EXT4W)
#define PT_SHAPE_ENUM(sh) PT_S_##sh,
enum pt_shape { PT_SHAPES(PT_SHAPE_ENUM) PT_S_NR };
#undef PT_SHAPE_ENUM

/* Probe classes, for the checker and the swimlanes. */
enum pt_kind {
	PT_K_MKCLEAN,		/* write-protect + clean PTEs: folio_mkclean */
	PT_K_CLEAR_DIRTY,	/* writeback takes the dirty bit: clear_dirty_for_io */
	PT_K_DIRTY,		/* generic dirtying API a GUP holder calls */
	PT_K_FS_DIRTY,		/* the filesystem's ->dirty_folio hook */
	PT_K_MKWRITE,		/* the filesystem is told: ->page_mkwrite */
	PT_K_WB_START,
	PT_K_WB_END,
	PT_K_PIN,		/* GUP took a reference (kretprobe, per page) */
	PT_K_UNPIN,
	PT_K_RELEASE,		/* buffer heads released */
	PT_K_WARN,		/* a kernel or ext4 warning */
	PT_K_NR,
};

#define PT_ENUM(id, sym, kind, shape)	PT_##id,
enum pt_probe {
	PT_PROBES(PT_ENUM)
	PT_NR_PROBES,
};
#undef PT_ENUM

/*
 * struct pt_event.flags: the folio's state when the probe fired, in the one
 * vocabulary (GUP_REPRO_F_*; names in repro-user/include/folio_flags.h).  The
 * probes set LOCKED, UPTODATE, DIRTY, WRITEBACK, PRIVATE (buffer heads on
 * ext4), MAPPED (_mapcount >= 0, small folios), DMA_PINNED (refcount >=
 * GUP_PIN_COUNTING_BIAS, small folios) and LARGE.
 */
#include "../repro-kmod/uapi/gup_repro_flags.h"

/**
 * struct pt_event - one probe hit, as the ring buffer carries it
 * @seq: this CPU's attempt number (a per-CPU counter taken before the ring
 *	buffer slot: a gap in one CPU's numbers is a lost event).  The global
 *	order is the ring buffer's, numbered by the loader.
 * @ts_ns: bpf_ktime_get_ns() (CLOCK_MONOTONIC), in ns.
 * @pfn: page frame number of the folio (head page).
 * @ino: inode number of folio->mapping->host, 0 without a folio.
 * @index: folio->index, in pages.
 * @dev: kernel dev_t of the inode's super block.
 * @cpu: CPU the probe ran on.
 * @pid: thread group id.
 * @tid: thread id.
 * @probe: an &enum pt_probe value.
 * @flags: GUP_REPRO_F_* bits.
 * @refcount: folio _refcount.
 * @stack_id: kernel stack id in the stacks map, or negative.
 * @arg: probe specific: GUP return value, warning line number.
 * @comm: current->comm.
 * @str: probe specific: warning file or function.
 */
struct pt_event {
	__u64 seq;
	__u64 ts_ns;
	__u64 pfn;
	__u64 ino;
	__u64 index;
	__u32 dev;
	__u32 cpu;
	__u32 pid;
	__u32 tid;
	__u32 probe;
	__u32 flags;
	__s32 refcount;
	__s32 stack_id;
	__s64 arg;
	char comm[PT_COMM_LEN];
	char str[PT_STR_LEN];
};

#ifndef __VMLINUX_H__
/* User space: the names events.jsonl uses for kinds and flags. */
static const char *const pt_kind_names[PT_K_NR] __attribute__((unused)) = {
	[PT_K_MKCLEAN] = "mkclean", [PT_K_CLEAR_DIRTY] = "clear-dirty-for-io",
	[PT_K_DIRTY] = "dirty", [PT_K_FS_DIRTY] = "fs-dirty",
	[PT_K_MKWRITE] = "page-mkwrite", [PT_K_WB_START] = "writeback-start",
	[PT_K_WB_END] = "writeback-end", [PT_K_PIN] = "pin", [PT_K_UNPIN] = "unpin",
	[PT_K_RELEASE] = "release-buffers", [PT_K_WARN] = "warning",
};

#endif

#endif /* __PINTRACE_H */
