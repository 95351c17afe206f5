/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel API differences gup_repro meets between the
 * Debian kernels it is built for (5.10 .. current), keyed on
 * LINUX_VERSION_CODE in this one place instead of #ifdefs in the module.
 */
#ifndef _GUP_REPRO_COMPAT_H
#define _GUP_REPRO_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/pagemap.h>
#include <linux/buffer_head.h>

#include "uapi/gup_repro.h"

/*
 * The only use of LINUX_VERSION_CODE in gup_repro: every version test below
 * goes through GUPR_KERNEL_AT_LEAST().  The lint test runs checkpatch with
 * --ignore LINUX_VERSION_CODE on this file alone.
 */
#define GUPR_LINUX_VERSION_CODE		LINUX_VERSION_CODE
#define GUPR_KERNEL_AT_LEAST(a, b, c)	\
	(KERNEL_VERSION(a, b, c) <= GUPR_LINUX_VERSION_CODE)

/*
 * pin_user_pages() and get_user_pages() lost their struct vm_area_struct
 * **vmas argument in v6.5 (series "remove the vmas parameter from GUP APIs",
 * Lorenzo Stoakes, 2023).  Both need
 * mmap_read_lock() held by the caller.
 */
#if GUPR_KERNEL_AT_LEAST(6, 5, 0)
#define gupr_pin_user_pages(start, nr, flags, pages) \
	pin_user_pages(start, nr, flags, pages)
#define gupr_get_user_pages(start, nr, flags, pages) \
	get_user_pages(start, nr, flags, pages)
#else
#define gupr_pin_user_pages(start, nr, flags, pages) \
	pin_user_pages(start, nr, flags, pages, NULL)
#define gupr_get_user_pages(start, nr, flags, pages) \
	get_user_pages(start, nr, flags, pages, NULL)
#endif

/*
 * kmap_local_page() appeared in v5.11.  Before it, on the 64-bit guests
 * gup_repro targets (no CONFIG_HIGHMEM), the kernel mapping of any page is
 * its direct-map address.
 */
#if GUPR_KERNEL_AT_LEAST(5, 11, 0)
#define gupr_kmap(page)		kmap_local_page(page)
#define gupr_kunmap(addr)	kunmap_local(addr)
#elif defined(CONFIG_HIGHMEM)
#error "gup_repro needs kmap_local_page() (v5.11+) on CONFIG_HIGHMEM kernels"
#else
#define gupr_kmap(page)		page_address(page)
#define gupr_kunmap(addr)	((void)(addr))
#endif

/*
 * TAINT_TEST ('N') and the "test" modinfo tag that sets it on load exist
 * since v6.0; before that mark the kernel with TAINT_USER.
 */
#ifdef TAINT_TEST
#define GUPR_TAINT	TAINT_TEST
#else
#define GUPR_TAINT	TAINT_USER
#endif

/*
 * struct folio and its page-cache accessors are complete from v5.18
 * (folio_buffers(), folio_mapcount(), folio_maybe_dma_pinned()); before
 * that the same questions are asked of the compound head page.
 * gupr_snapshot() fills the folio part of a struct gup_repro_page_state;
 * gupr_file_mapping() returns the folio's address_space, NULL for anon or
 * truncated folios (stable only under the folio lock).
 */
#if GUPR_KERNEL_AT_LEAST(5, 18, 0)
/*
 * page_mapcount() is gone in v6.12 ("mm: remove page_mapcount()" series);
 * folio_mapcount() became inline there (before, it is not exported).
 */
#if GUPR_KERNEL_AT_LEAST(6, 12, 0)
#define gupr_mapcount(folio, page)	folio_mapcount(folio)
#else
#define gupr_mapcount(folio, page)	page_mapcount(page)
#endif

static inline void
gupr_snapshot(struct page *page, struct gup_repro_page_state *st)
{
	struct folio *folio = page_folio(page);

	st->flags = (folio_test_dirty(folio) ? GUP_REPRO_F_DIRTY : 0) |
		(folio_test_writeback(folio) ? GUP_REPRO_F_WRITEBACK : 0) |
		(folio_test_uptodate(folio) ? GUP_REPRO_F_UPTODATE : 0) |
		(folio_test_locked(folio) ? GUP_REPRO_F_LOCKED : 0) |
		(folio_test_private(folio) ? GUP_REPRO_F_PRIVATE : 0) |
		(folio_buffers(folio) ? GUP_REPRO_F_BUFFERS : 0) |
		(folio_mapped(folio) ? GUP_REPRO_F_MAPPED : 0) |
		(folio_maybe_dma_pinned(folio) ? GUP_REPRO_F_DMA_PINNED : 0) |
		(folio_test_anon(folio) ? GUP_REPRO_F_ANON : 0) |
		(folio_test_large(folio) ? GUP_REPRO_F_LARGE : 0);
	st->refcount = folio_ref_count(folio);
	st->mapcount = gupr_mapcount(folio, page);
	st->folio_nr_pages = folio_nr_pages(folio);
	st->index = folio->index + folio_page_idx(folio, page);
}

static inline struct address_space *gupr_file_mapping(struct page *page)
{
	struct folio *folio = page_folio(page);

	return folio_test_anon(folio) ? NULL : folio->mapping;
}

/* Killable: 0, or -EINTR when a fatal signal arrived while waiting. */
static inline int gupr_lock_killable(struct page *page)
{
	return folio_lock_killable(page_folio(page));
}

static inline void gupr_unlock(struct page *page)
{
	folio_unlock(page_folio(page));
}
#else
static inline void
gupr_snapshot(struct page *page, struct gup_repro_page_state *st)
{
	struct page *head = compound_head(page);

	st->flags = (PageDirty(head) ? GUP_REPRO_F_DIRTY : 0) |
		(PageWriteback(head) ? GUP_REPRO_F_WRITEBACK : 0) |
		(PageUptodate(head) ? GUP_REPRO_F_UPTODATE : 0) |
		(PageLocked(head) ? GUP_REPRO_F_LOCKED : 0) |
		(PagePrivate(head) ? GUP_REPRO_F_PRIVATE : 0) |
		(page_has_buffers(head) ? GUP_REPRO_F_BUFFERS : 0) |
		(page_mapped(head) ? GUP_REPRO_F_MAPPED : 0) |
		(page_maybe_dma_pinned(head) ? GUP_REPRO_F_DMA_PINNED : 0) |
		(PageAnon(head) ? GUP_REPRO_F_ANON : 0) |
		(PageCompound(head) ? GUP_REPRO_F_LARGE : 0);
	st->refcount = page_ref_count(head);
	st->mapcount = page_mapcount(page);
	st->folio_nr_pages = compound_nr(head);
	st->index = page_index(page);
}

static inline struct address_space *gupr_file_mapping(struct page *page)
{
	struct page *head = compound_head(page);

	return PageAnon(head) ? NULL : head->mapping;
}

static inline int gupr_lock_killable(struct page *page)
{
	return lock_page_killable(page);
}

static inline void gupr_unlock(struct page *page)
{
	unlock_page(page);
}
#endif

#endif /* _GUP_REPRO_COMPAT_H */
