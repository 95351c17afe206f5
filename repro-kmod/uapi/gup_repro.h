/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * gup_repro.h - ioctl ABI of the gup_repro test module (/dev/gup_repro).
 *
 * This one header is shared by the module and by user space.  Every
 * argument structure starts with a @size field that the caller sets to
 * sizeof() the structure it was compiled with; the module rejects any other
 * value with -EINVAL, so an old binary never talks to a newer module by
 * accident.  The size is also encoded in each _IOWR() number.  All fields
 * have fixed widths and every structure is a multiple of 8 bytes with
 * explicit padding, so the layout is the same for 32- and 64-bit callers.
 *
 * Fields marked "out" are filled by the module and must be zero on input
 * (-EINVAL otherwise), like the reserved ones, so that they can become
 * inputs in a later version.
 *
 * State lives in the open file: one set of pinned pages per open
 * /dev/gup_repro, released (unpinned, not dirtied) on close.  Several
 * threads or processes may use one file at once: the per-file lock is
 * never held across a user memory access or a GUP fault, so an ioctl that
 * waits for a userfaultfd or FUSE server (in PIN's GUP call or on its own
 * argument buffer) blocks only its caller, and every wait for the lock is
 * killable (-EINTR).  While a PIN is in its GUP call the other ioctls of the
 * file answer -EBUSY.
 *
 * Errors common to every ioctl: -EPERM (caller lacks CAP_SYS_ADMIN),
 * -ENOTTY (unknown ioctl number, or a known number encoding another
 * structure size), -EFAULT (the argument cannot be read, or the result
 * cannot be written back), -EINVAL (@size is not sizeof() the structure, or
 * a reserved or output field is non-zero on input).  The pinned-page ioctls
 * (WRITE, DIRTY, STATE, UNPIN) add -EINTR (a fatal signal arrived while
 * waiting for the per-file lock), -EBUSY (a PIN on this file is still in its
 * GUP call) and -ENOENT (nothing pinned on this file).
 *
 * The module exists to reproduce, inside a disposable VM, what a careless
 * GUP user does to a MAP_SHARED file page: pin it without FOLL_LONGTERM,
 * write to it through the kernel mapping after writeback cleaned it, and
 * dirty it without ->page_mkwrite.  Never load it on a machine you care about.
 */
#ifndef _UAPI_GUP_REPRO_H
#define _UAPI_GUP_REPRO_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * define GUP_REPRO_ABI_VERSION - version reported by %GUP_REPRO_IOC_INFO
 *
 * 2: output fields must be zero on input; DIRTY and UNPIN-with-dirty of a
 * pin taken without %GUP_REPRO_PIN_WRITE fail with -EACCES; -EBUSY while a
 * PIN of the file is in its GUP call.
 */
#define GUP_REPRO_ABI_VERSION		2

/** define GUP_REPRO_MAX_PAGES - most pages one open file may hold pinned */
#define GUP_REPRO_MAX_PAGES		512

/** define GUP_REPRO_ALL_PAGES - page number meaning "every pinned page" */
#define GUP_REPRO_ALL_PAGES		0xffffffffU

/* struct gup_repro_pin.flags */
/** define GUP_REPRO_PIN_WRITE - pass FOLL_WRITE: the pin may be written */
#define GUP_REPRO_PIN_WRITE		_BITUL(0)
/** define GUP_REPRO_PIN_LONGTERM - pass FOLL_LONGTERM (pin API only) */
#define GUP_REPRO_PIN_LONGTERM		_BITUL(1)
/** define GUP_REPRO_PIN_FAST - use the *_fast() variant of the API */
#define GUP_REPRO_PIN_FAST		_BITUL(2)
#define GUP_REPRO_PIN_FLAGS_MASK	(GUP_REPRO_PIN_WRITE | \
					 GUP_REPRO_PIN_LONGTERM | \
					 GUP_REPRO_PIN_FAST)

/**
 * enum gup_repro_api - which GUP family takes the page references
 * @GUP_REPRO_API_PIN: pin_user_pages() / pin_user_pages_fast(), FOLL_PIN
 *	references, counted in /proc/vmstat nr_foll_pin_acquired and visible
 *	to folio_maybe_dma_pinned().
 * @GUP_REPRO_API_GET: get_user_pages() / get_user_pages_fast(), plain
 *	FOLL_GET page references.  FOLL_LONGTERM is refused for this API
 *	because mm/gup.c is_valid_gup_flags() (v5.6..v6.4) warns on it.
 */
enum gup_repro_api {
	GUP_REPRO_API_PIN = 0,
	GUP_REPRO_API_GET = 1,
};

/**
 * enum gup_repro_dirty_mode - how %GUP_REPRO_IOC_DIRTY dirties a page
 * @GUP_REPRO_DIRTY_NONE: do nothing, the zero value: the argument checks
 *	run without dirtying a page (the in-guest ABI test and the ioctl
 *	fuzzer use it; no scenario step does).
 * @GUP_REPRO_DIRTY_LOCKED: set_page_dirty_lock(): takes the folio lock around
 *	->dirty_folio, as mm/gup.c unpin_user_pages_dirty_lock() does.
 * @GUP_REPRO_DIRTY_UNLOCKED: set_page_dirty() without the folio lock, as a
 *	careless GUP user does; on ext4 (v5.18+) this trips the
 *	WARN_ON_ONCE(!folio_test_locked(folio) && !folio_test_dirty(folio))
 *	in ext4_dirty_folio() when the folio was cleaned by writeback.
 */
enum gup_repro_dirty_mode {
	GUP_REPRO_DIRTY_NONE = 0,
	GUP_REPRO_DIRTY_LOCKED = 1,
	GUP_REPRO_DIRTY_UNLOCKED = 2,
};

/**
 * enum gup_repro_unpin_mode - how %GUP_REPRO_IOC_UNPIN drops the references
 * @GUP_REPRO_UNPIN_PLAIN: unpin_user_pages() (pin API) or put_page() (get
 *	API); the folios are not dirtied.
 * @GUP_REPRO_UNPIN_DIRTY: unpin_user_pages_dirty_lock(pages, n, true) (pin
 *	API) or set_page_dirty_lock() + put_page() (get API).
 */
enum gup_repro_unpin_mode {
	GUP_REPRO_UNPIN_PLAIN = 0,
	GUP_REPRO_UNPIN_DIRTY = 1,
};

/**
 * struct gup_repro_info - module identification (%GUP_REPRO_IOC_INFO)
 * @size: in: sizeof(struct gup_repro_info).
 * @abi_version: out: %GUP_REPRO_ABI_VERSION of the loaded module.
 * @max_pages: out: %GUP_REPRO_MAX_PAGES, in pages.
 * @page_size: out: PAGE_SIZE of the running kernel, in bytes.
 * @linux_version_code: out: KERNEL_VERSION(a, b, c) of the headers the
 *	module was built against (the driver records it in steps.jsonl).
 * @reserved: must be zero.
 *
 * Every output field must be zero on input.
 */
struct gup_repro_info {
	__u32 size;
	__u32 abi_version;
	__u32 max_pages;
	__u32 page_size;
	__u32 linux_version_code;
	__u32 reserved;
};

/**
 * struct gup_repro_pin - take GUP references on user pages (%GUP_REPRO_IOC_PIN)
 * @size: in: sizeof(struct gup_repro_pin).
 * @flags: in: %GUP_REPRO_PIN_WRITE, %GUP_REPRO_PIN_LONGTERM,
 *	%GUP_REPRO_PIN_FAST; any other bit is -EINVAL.
 * @api: in: an &enum gup_repro_api value.
 * @nr_pages: in: pages to pin, 1..%GUP_REPRO_MAX_PAGES.
 * @addr: in: user virtual address, page aligned, of the first page.
 * @nr_pinned: out: pages actually pinned, in pages (may be fewer than
 *	@nr_pages when the GUP call stops early, e.g. at a hole or a PROT_NONE
 *	page; the module keeps the ones it got).  Must be zero on input.
 * @reserved: must be zero.
 */
struct gup_repro_pin {
	__u32 size;
	__u32 flags;
	__u32 api;
	__u32 nr_pages;
	__u64 addr;
	__u32 nr_pinned;
	__u32 reserved;
};

/**
 * struct gup_repro_write - write through the kernel mapping (%GUP_REPRO_IOC_WRITE)
 * @size: in: sizeof(struct gup_repro_write).
 * @page: in: pinned page number, 0..nr_pinned-1.
 * @offset: in: byte offset in the page.
 * @length: in: bytes to write, 1..PAGE_SIZE - @offset.
 * @pattern: in: the byte value written.
 * @reserved: must be zero.
 */
struct gup_repro_write {
	__u32 size;
	__u32 page;
	__u32 offset;
	__u32 length;
	__u8 pattern;
	__u8 reserved[7];
};

/**
 * struct gup_repro_dirty - mark pinned pages dirty (%GUP_REPRO_IOC_DIRTY)
 * @size: in: sizeof(struct gup_repro_dirty).
 * @mode: in: an &enum gup_repro_dirty_mode value.
 * @page: in: pinned page number, or %GUP_REPRO_ALL_PAGES.
 * @nr_newly_dirtied: out: pages whose folio was clean before the call (the
 *	value set_page_dirty() returned true for), in pages.  Must be zero on
 *	input.
 */
struct gup_repro_dirty {
	__u32 size;
	__u32 mode;
	__u32 page;
	__u32 nr_newly_dirtied;
};

/*
 * struct gup_repro_page_state.flags: a snapshot of the folio's state, the
 * GUP_REPRO_F_* bits of gup_repro_flags.h (GUP_REPRO_F_LARGE since the
 * integrity work; older modules leave it clear).
 */
#include "gup_repro_flags.h"

/**
 * struct gup_repro_page_state - one pinned page (%GUP_REPRO_IOC_STATE)
 * @size: in: sizeof(struct gup_repro_page_state).
 * @page: in: pinned page number, 0..nr_pinned-1.
 * @pfn: out: page frame number of the page.
 * @ino: out: inode number of folio->mapping->host, 0 if not a file folio.
 * @dev: out: st_dev-style device number (new_encode_dev()) of the inode's
 *	super block, 0 if not a file folio.
 * @index: out: page index in the file, in pages (folio->index plus the page's
 *	offset in the folio).
 * @flags: out: GUP_REPRO_F_* bits.
 * @refcount: out: folio_ref_count(), sampled under the per-file lock;
 *	includes GUP_PIN_COUNTING_BIAS (1024) per FOLL_PIN on small folios
 *	(include/linux/mm.h, v5.7+), one per FOLL_GET, and none of the
 *	module's own transient references.
 * @mapcount: out: user PTEs mapping this page: page_mapcount(), or
 *	folio_mapcount() from v6.12 where page_mapcount() is gone.
 * @folio_nr_pages: out: folio_nr_pages(), in pages.
 *
 * Every output field (@pfn .. @folio_nr_pages) must be zero on input.
 */
struct gup_repro_page_state {
	__u32 size;
	__u32 page;
	__u64 pfn;
	__u64 ino;
	__u64 dev;
	__u64 index;
	__u32 flags;
	__s32 refcount;
	__s32 mapcount;
	__u32 folio_nr_pages;
};

/**
 * struct gup_repro_unpin - drop the GUP references (%GUP_REPRO_IOC_UNPIN)
 * @size: in: sizeof(struct gup_repro_unpin).
 * @mode: in: an &enum gup_repro_unpin_mode value.
 * @nr_unpinned: out: pages released, in pages.  Must be zero on input.
 * @reserved: must be zero.
 */
struct gup_repro_unpin {
	__u32 size;
	__u32 mode;
	__u32 nr_unpinned;
	__u32 reserved;
};

#define GUP_REPRO_IOC_MAGIC	'G'

/**
 * define GUP_REPRO_IOC_INFO - report module identification
 *
 * Context: takes no lock and needs no pinned pages.
 *
 * Return: 0; -EPERM; -ENOTTY; -EFAULT; -EINVAL (wrong @size, non-zero
 * @reserved or output field).
 */
#define GUP_REPRO_IOC_INFO	_IOWR(GUP_REPRO_IOC_MAGIC, 0x00, struct gup_repro_info)
/**
 * define GUP_REPRO_IOC_PIN - pin @nr_pages user pages at @addr
 *
 * Description: pin_user_pages() or get_user_pages() under
 * mmap_read_lock_killable(), or their *_fast() variants
 * (%GUP_REPRO_PIN_FAST), with FOLL_WRITE and FOLL_LONGTERM as asked.  The
 * GUP call runs without the per-file lock; a fault it takes may wait
 * (killably) for a userfaultfd or FUSE server.  Only the *_fast() variants
 * wait for a userfaultfd at all: the others pass no FAULT_FLAG_ALLOW_RETRY
 * and get -EFAULT (fs/userfaultfd.c handle_userfault(), v5.10..).
 *
 * Return: 0 with @nr_pinned >= 1; -EPERM; -ENOTTY; -EINVAL (wrong @size,
 * unknown flag bit or @api, FOLL_LONGTERM with the get API, @nr_pages 0 or
 * above %GUP_REPRO_MAX_PAGES, @addr not page aligned, non-zero @nr_pinned
 * or @reserved); -EFAULT (argument unreadable, or @nr_pinned cannot be
 * written back, in which case the pages are released again; or @addr plus
 * @nr_pages pages is not a user range, access_ok(): past TASK_SIZE,
 * non-canonical or wrapping; or GUP found no usable VMA at @addr: address
 * 0 or another unmapped one, PROT_NONE, VM_IO/VM_PFNMAP, a write to a read-only mapping, a missing
 * userfaultfd page without *_fast(); v6.5+ also FOLL_LONGTERM|FOLL_WRITE on a
 * dirty-tracked file mapping, mm/gup.c writable_file_mapping_allowed());
 * -EBUSY (pages already pinned on this file, another PIN on it in
 * progress, or FOLL_LONGTERM migration gave up); -EAGAIN (FOLL_LONGTERM
 * migration, mm/gup.c check_and_migrate_movable_pages()); -EINTR (fatal
 * signal while waiting for the per-file lock, the mmap lock, a fault or a
 * folio lock);
 * -ENOMEM; -EHWPOISON (a hardware-poisoned page); -ESTALE (the inode of a
 * pinned file page is being evicted: the module keeps every pinned file
 * page's inode referenced until UNPIN or close, so that DIRTY never
 * follows a freed ->mapping; the pages are released again).
 */
#define GUP_REPRO_IOC_PIN	_IOWR(GUP_REPRO_IOC_MAGIC, 0x01, struct gup_repro_pin)
/**
 * define GUP_REPRO_IOC_WRITE - memset() a range of a pinned page via kmap_local_page()
 *
 * Return: 0; -EPERM; -ENOTTY; -EFAULT; -EINVAL (wrong @size, non-zero
 * @reserved); -EINTR; -EBUSY; -ENOENT (nothing pinned); -ERANGE (@page,
 * @offset or @length out of range); -EACCES (page was pinned without
 * FOLL_WRITE, so it may be the shared zero page or a COW source).
 */
#define GUP_REPRO_IOC_WRITE	_IOWR(GUP_REPRO_IOC_MAGIC, 0x02, struct gup_repro_write)
/**
 * define GUP_REPRO_IOC_DIRTY - dirty pinned pages
 *
 * Context: the folios are dirtied on a page reference the module takes
 * under the per-file lock, after dropping it; set_page_dirty_lock() waits for the
 * folio lock uninterruptibly, as in mm/page-writeback.c.
 *
 * Return: 0; -EPERM; -ENOTTY; -EFAULT (argument unreadable, or
 * @nr_newly_dirtied cannot be written back after dirtying); -EINVAL (wrong
 * @size, unknown @mode, non-zero @nr_newly_dirtied); -ENOMEM; -EINTR;
 * -EBUSY; -ENOENT (nothing pinned); -ERANGE (@page); -EACCES (a mode other
 * than %GUP_REPRO_DIRTY_NONE on a pin taken without %GUP_REPRO_PIN_WRITE:
 * no page is dirtied).
 */
#define GUP_REPRO_IOC_DIRTY	_IOWR(GUP_REPRO_IOC_MAGIC, 0x03, struct gup_repro_dirty)
/**
 * define GUP_REPRO_IOC_STATE - snapshot one pinned page's folio
 *
 * Return: 0; -EPERM; -ENOTTY; -EFAULT; -EINVAL (wrong @size, a non-zero
 * output field); -EINTR (also while waiting, killably, for the folio lock
 * that keeps the inode alive); -EBUSY; -ENOENT (nothing pinned); -ERANGE
 * (@page).
 */
#define GUP_REPRO_IOC_STATE	_IOWR(GUP_REPRO_IOC_MAGIC, 0x04, struct gup_repro_page_state)
/**
 * define GUP_REPRO_IOC_UNPIN - drop every reference taken by %GUP_REPRO_IOC_PIN
 *
 * Return: 0; -EPERM; -ENOTTY; -EFAULT (argument unreadable, or
 * @nr_unpinned cannot be written back: the pages were released); -EINVAL
 * (wrong @size, unknown @mode, non-zero @nr_unpinned or @reserved); -EINTR;
 * -EBUSY; -ENOENT (nothing pinned); -EACCES (%GUP_REPRO_UNPIN_DIRTY of a pin
 * taken without %GUP_REPRO_PIN_WRITE: nothing is released or dirtied).
 */
#define GUP_REPRO_IOC_UNPIN	_IOWR(GUP_REPRO_IOC_MAGIC, 0x05, struct gup_repro_unpin)

#endif /* _UAPI_GUP_REPRO_H */
