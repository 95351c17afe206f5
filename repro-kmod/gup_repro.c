// SPDX-License-Identifier: GPL-2.0
/*
 * gup_repro - pin user pages without FOLL_LONGTERM and write / dirty them
 * through the pin on command, to reproduce the GUP-after-writeback bug class
 * ("mm/gup: disallow GUP writing to file-backed mappings by default", 2023).
 *
 * FOR DISPOSABLE TEST VMs ONLY.  The module deliberately does what a careless
 * GUP user does: it writes into a MAP_SHARED file page through the kernel
 * mapping after writeback cleaned it and folio_mkclean() write-protected the
 * user PTE, then calls set_page_dirty() without the folio lock, so the
 * filesystem never sees ->page_mkwrite.  That may warn in the filesystem,
 * crash older kernels and lose data.  It loads only when the loader passes
 * disposable_vm=1 (the gup-repro guest init does, nothing else should) and
 * the CPU reports a hypervisor.
 *
 * The ABI is uapi/gup_repro.h.  Bad input gets an errno: the module itself
 * never warns and never keeps a pin past close().
 *
 * Locking: gupr_file.lock protects the pinned set and is only ever held for
 * a bounded time, never across anything user space controls: arguments are
 * copied in before it is taken and copied out after it is dropped (so a
 * userfaultfd-registered argument buffer blocks only its own caller), the
 * GUP call of PIN runs without it (GUPR_PINNING reserves the file meanwhile),
 * and folio locks are taken on a reference of our own after dropping it.
 * Every wait for it is killable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#ifdef CONFIG_X86
#include <asm/cpufeature.h>
#endif

#include "compat.h"
#include "uapi/gup_repro.h"

static bool disposable_vm;
module_param(disposable_vm, bool, 0444);
MODULE_PARM_DESC(disposable_vm,
		 "Set by the gup-repro guest init only: this machine is a throw-away VM (default: N, refuse to load)");

/* gupr_file.flags: a PIN is running its GUP call without gupr_file.lock */
#define GUPR_PINNING	0

/**
 * struct gupr_file - per open file state
 * @lock: protects @pages, @nr_pinned, @api and @pin_flags; held only for
 *	bounded, non-blocking work, always taken with mutex_lock_killable().
 * @flags: %GUPR_PINNING while a PIN runs its GUP call unlocked; set under
 *	@lock, other ioctls then get -EBUSY.
 * @pages: the pinned pages, @nr_pinned of them, or NULL.
 * @inodes: per page of @pages, the inode of its file held with igrab()
 *	for as long as the pin (gupr_hold_inodes()), or NULL.
 * @nr_pinned: pages in @pages, in pages.
 * @api: the &enum gup_repro_api that took the references.
 * @pin_flags: the GUP_REPRO_PIN_* flags of the pin.
 */
struct gupr_file {
	struct mutex lock; /* protects the pinned set, see above */
	unsigned long flags;
	struct page **pages;
	struct inode **inodes;
	unsigned int nr_pinned;
	u32 api;
	u32 pin_flags;
};

/**
 * gupr_copy_in() - copy a fixed-size ioctl argument in and check its size
 * @karg: kernel copy, @ksize bytes.
 * @ksize: sizeof() the argument structure, in bytes.
 * @cmd: the ioctl number, whose _IOC_SIZE() must be @ksize.
 * @uarg: the user pointer.
 *
 * Called without gupr_file.lock: a fault on @uarg (userfaultfd, FUSE) blocks
 * only the caller.
 *
 * Return: 0; -EFAULT when @uarg cannot be read; -EINVAL when the size
 * field or the size encoded in @cmd is not @ksize.
 */
static int gupr_copy_in(void *karg, size_t ksize, unsigned int cmd,
			void __user *uarg)
{
	u32 size;

	if (_IOC_SIZE(cmd) != ksize)
		return -EINVAL;
	if (copy_from_user(karg, uarg, ksize))
		return -EFAULT;
	size = *(u32 *)karg;
	if (size != ksize)
		return -EINVAL;
	return 0;
}

static bool gupr_zeroed(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/**
 * gupr_lock_pinned() - take gupr_file.lock when there is a pinned set
 * @gf: the file.
 *
 * Return: 0 with @gf->lock held and @gf->pages set; otherwise @gf->lock is
 * not held and the return is -EINTR (a fatal signal arrived while waiting,
 * mutex_lock_killable()), -EBUSY (a PIN on this file is still in its GUP
 * call, e.g. waiting for a userfaultfd) or -ENOENT (nothing pinned).
 */
static int gupr_lock_pinned(struct gupr_file *gf)
{
	int ret = mutex_lock_killable(&gf->lock);

	if (ret)
		return ret;
	if (test_bit(GUPR_PINNING, &gf->flags))
		ret = -EBUSY;
	else if (!gf->pages)
		ret = -ENOENT;
	if (ret)
		mutex_unlock(&gf->lock);
	return ret;
}

/**
 * gupr_put_pages() - drop the references of a detached pinned set
 * @pages: the pages, owned by the caller; freed here.
 * @inodes: the inodes gupr_hold_inodes() took for them (NULL entries for
 *	pages without a file), owned by the caller; released and freed here,
 *	after the pages.  May be NULL.
 * @n: pages in @pages, in pages.
 * @api: the &enum gup_repro_api that took the references.
 * @dirty: dirty the folios first.
 *
 * Called without gupr_file.lock.  With @dirty, unpin_user_pages_dirty_lock()
 * (pin API) or set_page_dirty_lock() (get API) waits for each folio lock
 * uninterruptibly, as every caller of those does; nothing else of this file
 * waits behind it.  The inodes are released last: while the pages are
 * dirtied, their ->mapping is NULL (truncated) or the mapping of an inode
 * still held.
 */
static void gupr_put_pages(struct page **pages, struct inode **inodes,
			   unsigned int n, u32 api, bool dirty)
{
	unsigned int i;

	if (api == GUP_REPRO_API_PIN) {
		if (dirty)
			unpin_user_pages_dirty_lock(pages, n, true);
		else
			unpin_user_pages(pages, n);
	} else {
		for (i = 0; i < n; i++) {
			if (dirty)
				set_page_dirty_lock(pages[i]);
			put_page(pages[i]);
		}
	}
	kvfree(pages);
	if (!inodes)
		return;
	for (i = 0; i < n; i++)
		iput(inodes[i]);	/* NULL is fine */
	kvfree(inodes);
}

/**
 * gupr_hold_inodes() - keep the inode of every pinned file page alive
 * @pages: the pages GUP returned.
 * @n: pages in @pages, in pages.
 * @inodes: room for @n pointers, zeroed; gets an igrab()bed inode per
 *	page of a file, NULL for anonymous pages and the zero page.
 *
 * A GUP reference keeps the page, not its file: once the file is closed
 * and unmapped its inode can be evicted while we hold the page.  DIRTY's
 * set_page_dirty() runs without the folio lock (that is the bug it
 * reproduces) and follows ->mapping to ->a_ops: with the inode held,
 * ->mapping is either that live inode's mapping or NULL (truncated or
 * punched out: set_page_dirty() then only sets the flag), never freed
 * memory.  ->mapping is read under the folio lock, which truncation and
 * eviction take before clearing it.
 *
 * Return: 0; -EINTR (fatal signal while waiting for a folio lock);
 * -ESTALE (a page's inode is being evicted, igrab() failed).  On error the
 * caller releases @inodes with the pages (gupr_put_pages()).
 */
static int gupr_hold_inodes(struct page **pages, unsigned int n,
			    struct inode **inodes)
{
	struct address_space *mapping;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		if (PageAnon(pages[i]) || is_zero_pfn(page_to_pfn(pages[i])))
			continue;
		ret = gupr_lock_killable(pages[i]);
		if (ret)
			break;
		mapping = gupr_file_mapping(pages[i]);
		if (mapping && mapping->host) {
			inodes[i] = igrab(mapping->host);
			if (!inodes[i])
				ret = -ESTALE;
		}
		gupr_unlock(pages[i]);
	}
	return ret;
}

/**
 * gupr_info() - %GUP_REPRO_IOC_INFO: module identification
 * @cmd: the ioctl number.
 * @u: user pointer to a &struct gup_repro_info.
 *
 * Needs no per-file state, so takes no lock.
 *
 * Return: 0; -EFAULT (@u not readable or not writable); -EINVAL (wrong
 * size, or a non-zero output or reserved field on input).
 */
static long gupr_info(unsigned int cmd, void __user *u)
{
	struct gup_repro_info a;
	int ret = gupr_copy_in(&a, sizeof(a), cmd, u);

	if (ret)
		return ret;
	if (a.abi_version || a.max_pages || a.page_size ||
	    a.linux_version_code || a.reserved)
		return -EINVAL;
	a.abi_version = GUP_REPRO_ABI_VERSION;
	a.max_pages = GUP_REPRO_MAX_PAGES;
	a.page_size = PAGE_SIZE;
	a.linux_version_code = GUPR_LINUX_VERSION_CODE;
	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}

/**
 * gupr_gup() - the GUP call of %GUP_REPRO_IOC_PIN
 * @a: the validated argument.
 * @pages: room for @a->nr_pages page pointers.
 *
 * pin_user_pages() / get_user_pages() under mmap_read_lock_killable(), or
 * their *_fast() variants (which fall back to the slow path with the mmap
 * lock dropped and retaken as the fault handler asks: mm/gup.c
 * __gup_longterm_unlocked()).  Called without gupr_file.lock: the fault may
 * wait for a userfaultfd or FUSE server; GUP waits killably there
 * (FAULT_FLAG_KILLABLE, mm/gup.c faultin_page()).
 *
 * Return: pages pinned (>= 1, may be fewer than asked); 0 when GUP pinned
 * nothing without an error; or GUP's errno: -EFAULT (no VMA, a VMA GUP may
 * not use such as PROT_NONE or VM_IO, or a write to a read-only mapping;
 * v6.5+ also FOLL_LONGTERM|FOLL_WRITE on a dirty-tracked file mapping,
 * mm/gup.c writable_file_mapping_allowed()), -ENOMEM, -EINTR (fatal
 * signal; mmap_read_lock_killable() or the fault), -EHWPOISON (poisoned
 * page), -EBUSY or -EAGAIN (FOLL_LONGTERM migration gave up, mm/gup.c
 * check_and_migrate_movable_pages()).
 */
static long gupr_gup(const struct gup_repro_pin *a, struct page **pages)
{
	unsigned int gup_flags = 0;
	long got;

	if (a->flags & GUP_REPRO_PIN_WRITE)
		gup_flags |= FOLL_WRITE;
	if (a->flags & GUP_REPRO_PIN_LONGTERM)
		gup_flags |= FOLL_LONGTERM;

	if (a->flags & GUP_REPRO_PIN_FAST) {
		if (a->api == GUP_REPRO_API_PIN)
			return pin_user_pages_fast(a->addr, a->nr_pages,
						   gup_flags, pages);
		return get_user_pages_fast(a->addr, a->nr_pages, gup_flags,
					   pages);
	}
	if (mmap_read_lock_killable(current->mm))
		return -EINTR;
	if (a->api == GUP_REPRO_API_PIN)
		got = gupr_pin_user_pages(a->addr, a->nr_pages, gup_flags,
					  pages);
	else
		got = gupr_get_user_pages(a->addr, a->nr_pages, gup_flags,
					  pages);
	mmap_read_unlock(current->mm);
	return got;
}

/**
 * gupr_pin_check() - check a %GUP_REPRO_IOC_PIN argument
 * @a: the argument, copied in.
 *
 * Return: 0; -EINVAL (unknown flag or api, FOLL_LONGTERM with the get API,
 * @nr_pages 0 or above %GUP_REPRO_MAX_PAGES, @addr not page aligned,
 * non-zero @nr_pinned or @reserved); -EFAULT (@addr + @nr_pages pages not
 * in user space, access_ok()).
 */
static int gupr_pin_check(const struct gup_repro_pin *a)
{
	unsigned long len;

	if (a->reserved || a->nr_pinned || (a->flags & ~GUP_REPRO_PIN_FLAGS_MASK))
		return -EINVAL;
	if (a->api != GUP_REPRO_API_PIN && a->api != GUP_REPRO_API_GET)
		return -EINVAL;
	/* FOLL_LONGTERM needs FOLL_PIN: is_valid_gup_flags() warns otherwise. */
	if (a->api == GUP_REPRO_API_GET && (a->flags & GUP_REPRO_PIN_LONGTERM))
		return -EINVAL;
	if (!a->nr_pages || a->nr_pages > GUP_REPRO_MAX_PAGES)
		return -EINVAL;
	if (!PAGE_ALIGNED(a->addr))
		return -EINVAL;
	len = (unsigned long)a->nr_pages << PAGE_SHIFT;
	if (a->addr != (unsigned long)a->addr ||
	    !access_ok((void __user *)(unsigned long)a->addr, len))
		return -EFAULT;
	return 0;
}

/**
 * gupr_reserve() - reserve @gf for a PIN (%GUPR_PINNING) under its lock
 * @gf: the file.
 *
 * Return: 0; -EBUSY (pages already pinned on this file, or another PIN on
 * it in progress); -EINTR (fatal signal while waiting for the lock).
 */
static int gupr_reserve(struct gupr_file *gf)
{
	int ret = mutex_lock_killable(&gf->lock);

	if (ret)
		return ret;
	if (gf->pages || test_and_set_bit(GUPR_PINNING, &gf->flags))
		ret = -EBUSY;
	mutex_unlock(&gf->lock);
	return ret;
}

/**
 * gupr_pin() - %GUP_REPRO_IOC_PIN: take GUP references on user pages
 * @gf: the file.
 * @cmd: the ioctl number.
 * @u: user pointer to a &struct gup_repro_pin.
 *
 * Reserves the file under gupr_file.lock (%GUPR_PINNING), runs the GUP call
 * without it, writes @nr_pinned back while the pages are still private to
 * this call, and only then installs them.
 *
 * Return: 0 with @nr_pinned >= 1; -EFAULT (@u unreadable or unwritable, the
 * pages are released again; or @addr + @nr_pages pages not in user space,
 * access_ok(), or GUP pinned nothing); -EINVAL (wrong size, unknown flag or
 * api, FOLL_LONGTERM with the get API, @nr_pages 0 or above
 * %GUP_REPRO_MAX_PAGES, @addr not page aligned, non-zero @nr_pinned or
 * @reserved); -EBUSY (pages already pinned on this file, or another PIN on
 * it in progress); -EINTR (fatal signal while waiting for the lock or a
 * folio lock); -ENOMEM; -ESTALE (the inode of a pinned page is being
 * evicted, gupr_hold_inodes(): the pages are released again); or an errno
 * of gupr_gup().
 */
static long gupr_pin(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_pin a;
	struct inode **inodes;
	struct page **pages;
	long got;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (!ret)
		ret = gupr_pin_check(&a);
	if (!ret)
		ret = gupr_reserve(gf);
	if (ret)
		return ret;

	pages = kvcalloc(a.nr_pages, sizeof(*pages), GFP_KERNEL);
	inodes = kvcalloc(a.nr_pages, sizeof(*inodes), GFP_KERNEL);
	if (!pages || !inodes) {
		kvfree(inodes);
		kvfree(pages);
		ret = -ENOMEM;
		goto out_unreserve;
	}
	got = gupr_gup(&a, pages);
	if (got <= 0) {
		ret = got ? got : -EFAULT;
		kvfree(inodes);
		kvfree(pages);
		goto out_unreserve;
	}
	ret = gupr_hold_inodes(pages, got, inodes);
	if (ret)
		goto out_put;

	a.nr_pinned = got;
	if (copy_to_user(u, &a, sizeof(a))) {
		ret = -EFAULT;
		goto out_put;
	}
	ret = mutex_lock_killable(&gf->lock);
	if (ret)
		goto out_put;
	gf->pages = pages;
	gf->inodes = inodes;
	gf->nr_pinned = got;
	gf->api = a.api;
	gf->pin_flags = a.flags;
	clear_bit(GUPR_PINNING, &gf->flags);
	mutex_unlock(&gf->lock);
	return 0;

out_put:
	gupr_put_pages(pages, inodes, got, a.api, false);
out_unreserve:
	clear_bit(GUPR_PINNING, &gf->flags);
	return ret;
}

/**
 * gupr_write() - %GUP_REPRO_IOC_WRITE: memset() through kmap_local_page()
 * @gf: the file.
 * @cmd: the ioctl number.
 * @u: user pointer to a &struct gup_repro_write.
 *
 * The stand-in for a driver's DMA into the pinned page.  Runs under
 * gupr_file.lock; it does not sleep.
 *
 * Return: 0; -EFAULT (@u unreadable); -EINVAL (wrong size, non-zero
 * @reserved); -EINTR, -EBUSY, -ENOENT (gupr_lock_pinned()); -ERANGE
 * (@page, @offset or @length out of range); -EACCES (the pin was taken
 * without %GUP_REPRO_PIN_WRITE, so the page may be the shared zero page or
 * a COW source).
 */
static long gupr_write(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_write a;
	struct page *page;
	void *kaddr;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (!gupr_zeroed(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	ret = gupr_lock_pinned(gf);
	if (ret)
		return ret;
	if (a.page >= gf->nr_pinned || a.offset >= PAGE_SIZE ||
	    !a.length || a.length > PAGE_SIZE - a.offset) {
		ret = -ERANGE;
	} else if (!(gf->pin_flags & GUP_REPRO_PIN_WRITE)) {
		ret = -EACCES;
	} else {
		page = gf->pages[a.page];
		kaddr = gupr_kmap(page);
		memset(kaddr + a.offset, a.pattern, a.length);
		gupr_kunmap(kaddr);
		flush_dcache_page(page);
	}
	mutex_unlock(&gf->lock);
	return ret;
}

/**
 * gupr_dirty() - %GUP_REPRO_IOC_DIRTY: set_page_dirty{,_lock}() on pages
 * @gf: the file.
 * @cmd: the ioctl number.
 * @u: user pointer to a &struct gup_repro_dirty.
 *
 * Takes a page reference of its own on each page under gupr_file.lock and
 * dirties after dropping it: set_page_dirty_lock() waits for the folio lock
 * uninterruptibly (mm/page-writeback.c), and a concurrent UNPIN may release
 * the pin meanwhile without freeing the page under us.
 *
 * Return: 0 with @nr_newly_dirtied set; -EFAULT (@u unreadable or
 * unwritable; the pages were dirtied); -EINVAL (wrong size, unknown @mode,
 * non-zero @nr_newly_dirtied); -ENOMEM; -EINTR, -EBUSY, -ENOENT
 * (gupr_lock_pinned()); -ERANGE (@page); -EACCES (@mode is not
 * %GUP_REPRO_DIRTY_NONE and the pin was taken without
 * %GUP_REPRO_PIN_WRITE: nothing is dirtied).
 */
static long gupr_dirty(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_dirty a;
	struct page *one, **pages = &one;
	unsigned int i, first = 0, n = 0;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (a.mode > GUP_REPRO_DIRTY_UNLOCKED || a.nr_newly_dirtied)
		return -EINVAL;
	if (a.page == GUP_REPRO_ALL_PAGES && a.mode != GUP_REPRO_DIRTY_NONE) {
		pages = kmalloc_array(GUP_REPRO_MAX_PAGES, sizeof(*pages),
				      GFP_KERNEL);
		if (!pages)
			return -ENOMEM;
	}

	ret = gupr_lock_pinned(gf);
	if (ret)
		goto out_free;
	if (a.page == GUP_REPRO_ALL_PAGES) {
		first = 0;
		n = gf->nr_pinned;
	} else if (a.page < gf->nr_pinned) {
		first = a.page;
		n = 1;
	} else {
		ret = -ERANGE;
	}
	if (!ret && a.mode != GUP_REPRO_DIRTY_NONE &&
	    !(gf->pin_flags & GUP_REPRO_PIN_WRITE))
		ret = -EACCES;
	if (ret || a.mode == GUP_REPRO_DIRTY_NONE)
		n = 0;
	for (i = 0; i < n; i++) {
		pages[i] = gf->pages[first + i];
		get_page(pages[i]);
	}
	mutex_unlock(&gf->lock);

	for (i = 0; i < n; i++) {
		bool newly;

		if (a.mode == GUP_REPRO_DIRTY_LOCKED)
			newly = set_page_dirty_lock(pages[i]);
		else
			newly = set_page_dirty(pages[i]);
		a.nr_newly_dirtied += newly;
		put_page(pages[i]);
	}
	if (!ret && copy_to_user(u, &a, sizeof(a)))
		ret = -EFAULT;
out_free:
	if (pages != &one)
		kfree(pages);
	return ret;
}

/**
 * gupr_state() - %GUP_REPRO_IOC_STATE: snapshot one pinned page's folio
 * @gf: the file.
 * @cmd: the ioctl number.
 * @u: user pointer to a &struct gup_repro_page_state.
 *
 * Flags, reference and map counts are sampled under gupr_file.lock (so the
 * reference count does not include the module's transient reference);
 * mapping->host is read after dropping it, under the folio lock taken
 * killably on a reference of our own (the lock keeps truncation from
 * freeing the inode under us).
 *
 * Return: 0; -EFAULT (@u unreadable or unwritable); -EINVAL (wrong size, a
 * non-zero output field on input); -EINTR, -EBUSY, -ENOENT
 * (gupr_lock_pinned()); -ERANGE (@page); -EINTR also when a fatal signal
 * arrives while waiting for the folio lock.
 */
static long gupr_state(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_page_state a;
	struct address_space *mapping;
	struct page *page;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (!gupr_zeroed(&a.pfn, sizeof(a) -
			 offsetof(struct gup_repro_page_state, pfn)))
		return -EINVAL;
	ret = gupr_lock_pinned(gf);
	if (ret)
		return ret;
	if (a.page >= gf->nr_pinned) {
		mutex_unlock(&gf->lock);
		return -ERANGE;
	}
	page = gf->pages[a.page];
	a.pfn = page_to_pfn(page);
	gupr_snapshot(page, &a);
	get_page(page);
	mutex_unlock(&gf->lock);

	ret = gupr_lock_killable(page);
	if (!ret) {
		mapping = gupr_file_mapping(page);
		if (mapping && mapping->host) {
			a.flags |= GUP_REPRO_F_FILE;
			a.ino = mapping->host->i_ino;
			a.dev = new_encode_dev(mapping->host->i_sb->s_dev);
		}
		gupr_unlock(page);
	}
	put_page(page);
	if (ret)
		return ret;
	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}

/**
 * gupr_unpin() - %GUP_REPRO_IOC_UNPIN: drop every reference of the pin
 * @gf: the file.
 * @cmd: the ioctl number.
 * @u: user pointer to a &struct gup_repro_unpin.
 *
 * Detaches the pinned set under gupr_file.lock and releases it after
 * dropping the lock (gupr_put_pages()).
 *
 * Return: 0 with @nr_unpinned set; -EFAULT (@u unreadable, or unwritable:
 * the pages were released); -EINVAL (wrong size, unknown @mode, non-zero
 * @nr_unpinned or @reserved); -EINTR, -EBUSY, -ENOENT (gupr_lock_pinned());
 * -EACCES (%GUP_REPRO_UNPIN_DIRTY of a pin taken without
 * %GUP_REPRO_PIN_WRITE: nothing is released or dirtied).
 */
static long gupr_unpin(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_unpin a;
	struct inode **inodes;
	struct page **pages;
	int ret;
	u32 api;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (a.reserved || a.nr_unpinned || a.mode > GUP_REPRO_UNPIN_DIRTY)
		return -EINVAL;
	ret = gupr_lock_pinned(gf);
	if (ret)
		return ret;
	if (a.mode == GUP_REPRO_UNPIN_DIRTY &&
	    !(gf->pin_flags & GUP_REPRO_PIN_WRITE)) {
		mutex_unlock(&gf->lock);
		return -EACCES;
	}
	pages = gf->pages;
	inodes = gf->inodes;
	a.nr_unpinned = gf->nr_pinned;
	api = gf->api;
	gf->pages = NULL;
	gf->inodes = NULL;
	gf->nr_pinned = 0;
	mutex_unlock(&gf->lock);

	gupr_put_pages(pages, inodes, a.nr_unpinned, api,
		       a.mode == GUP_REPRO_UNPIN_DIRTY);
	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}

/**
 * gupr_ioctl() - dispatch the ioctls of uapi/gup_repro.h
 * @file: an open /dev/gup_repro.
 * @cmd: the ioctl number.
 * @arg: user pointer to the command's argument structure.
 *
 * Return: the command's result; -EPERM without CAP_SYS_ADMIN; -ENOTTY for
 * an unknown @cmd (also a known number encoding another size).
 */
static long gupr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct gupr_file *gf = file->private_data;
	void __user *u = (void __user *)arg;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case GUP_REPRO_IOC_INFO:
		return gupr_info(cmd, u);
	case GUP_REPRO_IOC_PIN:
		return gupr_pin(gf, cmd, u);
	case GUP_REPRO_IOC_WRITE:
		return gupr_write(gf, cmd, u);
	case GUP_REPRO_IOC_DIRTY:
		return gupr_dirty(gf, cmd, u);
	case GUP_REPRO_IOC_STATE:
		return gupr_state(gf, cmd, u);
	case GUP_REPRO_IOC_UNPIN:
		return gupr_unpin(gf, cmd, u);
	default:
		return -ENOTTY;
	}
}

static int gupr_open(struct inode *inode, struct file *file)
{
	struct gupr_file *gf = kzalloc(sizeof(*gf), GFP_KERNEL);

	if (!gf)
		return -ENOMEM;
	mutex_init(&gf->lock);
	file->private_data = gf;
	return 0;
}

/*
 * Close with pins held: unpin without dirtying, so no pin outlives the fd.
 * No ioctl runs now (each holds a reference on the file), so no PIN is
 * between its reservation and its install and the lock is not needed.
 */
static int gupr_release(struct inode *inode, struct file *file)
{
	struct gupr_file *gf = file->private_data;

	if (gf->pages)
		gupr_put_pages(gf->pages, gf->inodes, gf->nr_pinned, gf->api,
			       false);
	mutex_destroy(&gf->lock);
	kfree(gf);
	return 0;
}

static const struct file_operations gupr_fops = {
	.owner = THIS_MODULE,
	.open = gupr_open,
	.release = gupr_release,
	.unlocked_ioctl = gupr_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice gupr_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "gup_repro",
	.fops = &gupr_fops,
	.mode = 0600,
};

static bool gupr_under_hypervisor(void)
{
#ifdef CONFIG_X86
	return boot_cpu_has(X86_FEATURE_HYPERVISOR);
#else
	return false;
#endif
}

/**
 * gupr_init() - register /dev/gup_repro, in a disposable VM only
 *
 * Description: loads only when both hold: the loader passed disposable_vm=1 (the
 * gup-repro guest init does, nothing else should), and the CPU reports a
 * hypervisor (X86_FEATURE_HYPERVISOR).  A refusal prints exactly one line.
 *
 * Return: 0; -EPERM (refused); or the errno of misc_register().
 */
static int __init gupr_init(void)
{
	if (!disposable_vm) {
		pr_err("refusing to load: disposable_vm=1 not given (only the gup-repro guest init passes it)\n");
		return -EPERM;
	}
	if (!gupr_under_hypervisor()) {
		pr_err("refusing to load: disposable_vm=1 given but the CPU reports no hypervisor\n");
		return -EPERM;
	}
	add_taint(GUPR_TAINT, LOCKDEP_STILL_OK);
	return misc_register(&gupr_misc);
}

static void __exit gupr_exit(void)
{
	misc_deregister(&gupr_misc);
}

module_init(gupr_init);
module_exit(gupr_exit);

MODULE_DESCRIPTION("Pin user pages without FOLL_LONGTERM and write/dirty them on command (test VMs only)");
MODULE_LICENSE("GPL");
MODULE_INFO(test, "Y");
