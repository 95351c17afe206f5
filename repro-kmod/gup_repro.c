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
 * crash older kernels and lose data.  It refuses to load unless the CPU
 * reports a hypervisor.
 *
 * The ABI is uapi/gup_repro.h.  Bad input gets an errno: the module itself
 * never warns and never keeps a pin past close().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

static bool allow_bare_metal;
module_param(allow_bare_metal, bool, 0444);
MODULE_PARM_DESC(allow_bare_metal,
		 "Load even when the CPU reports no hypervisor (default: N)");

/**
 * struct gupr_file - per open file state
 * @lock: serialises the ioctls of this file.
 * @pages: the pinned pages, @nr_pinned of them, or NULL.
 * @nr_pinned: pages in @pages, in pages.
 * @api: the &enum gup_repro_api that took the references.
 * @pin_flags: the GUP_REPRO_PIN_* flags of the pin.
 */
struct gupr_file {
	struct mutex lock; /* serialises the ioctls of this file */
	struct page **pages;
	unsigned int nr_pinned;
	u32 api;
	u32 pin_flags;
};

/* Copy in a fixed-size argument and check its size field and ioctl size. */
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

/* Drop every reference, optionally dirtying; caller holds gf->lock. */
static unsigned int gupr_release_pages(struct gupr_file *gf, bool dirty)
{
	unsigned int i, n = gf->nr_pinned;

	if (!gf->pages)
		return 0;
	if (gf->api == GUP_REPRO_API_PIN) {
		if (dirty)
			unpin_user_pages_dirty_lock(gf->pages, n, true);
		else
			unpin_user_pages(gf->pages, n);
	} else {
		for (i = 0; i < n; i++) {
			if (dirty)
				set_page_dirty_lock(gf->pages[i]);
			put_page(gf->pages[i]);
		}
	}
	kvfree(gf->pages);
	gf->pages = NULL;
	gf->nr_pinned = 0;
	return n;
}

static long gupr_info(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_info a;
	int ret = gupr_copy_in(&a, sizeof(a), cmd, u);

	if (ret)
		return ret;
	if (a.reserved)
		return -EINVAL;
	a.abi_version = GUP_REPRO_ABI_VERSION;
	a.max_pages = GUP_REPRO_MAX_PAGES;
	a.page_size = PAGE_SIZE;
	a.linux_version_code = GUPR_LINUX_VERSION_CODE;
	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}

/*
 * PIN: pin_user_pages() / get_user_pages() (under mmap_read_lock()) or
 * their *_fast() variants, with FOLL_WRITE and FOLL_LONGTERM as asked.
 */
static long gupr_pin(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	unsigned int gup_flags = 0;
	struct gup_repro_pin a;
	unsigned long len;
	struct page **pages;
	long got;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (a.reserved || (a.flags & ~GUP_REPRO_PIN_FLAGS_MASK))
		return -EINVAL;
	if (a.api != GUP_REPRO_API_PIN && a.api != GUP_REPRO_API_GET)
		return -EINVAL;
	/* FOLL_LONGTERM needs FOLL_PIN: is_valid_gup_flags() warns otherwise. */
	if (a.api == GUP_REPRO_API_GET && (a.flags & GUP_REPRO_PIN_LONGTERM))
		return -EINVAL;
	if (!a.nr_pages || a.nr_pages > GUP_REPRO_MAX_PAGES)
		return -EINVAL;
	if (!PAGE_ALIGNED(a.addr))
		return -EINVAL;
	len = (unsigned long)a.nr_pages << PAGE_SHIFT;
	if (a.addr != (unsigned long)a.addr ||
	    !access_ok((void __user *)(unsigned long)a.addr, len))
		return -EFAULT;
	if (gf->pages)
		return -EBUSY;

	if (a.flags & GUP_REPRO_PIN_WRITE)
		gup_flags |= FOLL_WRITE;
	if (a.flags & GUP_REPRO_PIN_LONGTERM)
		gup_flags |= FOLL_LONGTERM;

	pages = kvcalloc(a.nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	if (a.flags & GUP_REPRO_PIN_FAST) {
		if (a.api == GUP_REPRO_API_PIN)
			got = pin_user_pages_fast(a.addr, a.nr_pages, gup_flags,
						  pages);
		else
			got = get_user_pages_fast(a.addr, a.nr_pages, gup_flags,
						  pages);
	} else {
		if (mmap_read_lock_killable(current->mm)) {
			kvfree(pages);
			return -EINTR;
		}
		if (a.api == GUP_REPRO_API_PIN)
			got = gupr_pin_user_pages(a.addr, a.nr_pages, gup_flags,
						  pages);
		else
			got = gupr_get_user_pages(a.addr, a.nr_pages, gup_flags,
						  pages);
		mmap_read_unlock(current->mm);
	}
	if (got <= 0) {
		kvfree(pages);
		return got ? got : -EFAULT;
	}

	gf->pages = pages;
	gf->nr_pinned = got;
	gf->api = a.api;
	gf->pin_flags = a.flags;
	a.nr_pinned = got;
	if (copy_to_user(u, &a, sizeof(a))) {
		gupr_release_pages(gf, false);
		return -EFAULT;
	}
	return 0;
}

/* WRITE: memset() through kmap_local_page(), as a driver's DMA stand-in. */
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
	if (!gf->pages)
		return -ENOENT;
	if (a.page >= gf->nr_pinned || a.offset >= PAGE_SIZE ||
	    !a.length || a.length > PAGE_SIZE - a.offset)
		return -ERANGE;
	if (!(gf->pin_flags & GUP_REPRO_PIN_WRITE))
		return -EACCES;

	page = gf->pages[a.page];
	kaddr = gupr_kmap(page);
	memset(kaddr + a.offset, a.pattern, a.length);
	gupr_kunmap(kaddr);
	flush_dcache_page(page);
	return 0;
}

/* DIRTY: set_page_dirty() or set_page_dirty_lock() on one or all pages. */
static long gupr_dirty(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_dirty a;
	unsigned int i, first, last;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (a.mode > GUP_REPRO_DIRTY_UNLOCKED || a.nr_newly_dirtied)
		return -EINVAL;
	if (!gf->pages)
		return -ENOENT;
	if (a.page == GUP_REPRO_ALL_PAGES) {
		first = 0;
		last = gf->nr_pinned - 1;
	} else if (a.page < gf->nr_pinned) {
		first = a.page;
		last = a.page;
	} else {
		return -ERANGE;
	}

	for (i = first; i <= last; i++) {
		bool newly = false;

		if (a.mode == GUP_REPRO_DIRTY_LOCKED)
			newly = set_page_dirty_lock(gf->pages[i]);
		else if (a.mode == GUP_REPRO_DIRTY_UNLOCKED)
			newly = set_page_dirty(gf->pages[i]);
		a.nr_newly_dirtied += newly;
	}
	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}

/* STATE: flags sampled unlocked, then mapping->host read under folio lock. */
static long gupr_state(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_page_state a;
	struct address_space *mapping;
	struct page *page;
	u32 nr;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (!gf->pages)
		return -ENOENT;
	if (a.page >= gf->nr_pinned)
		return -ERANGE;

	nr = a.page;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.page = nr;
	page = gf->pages[nr];
	a.pfn = page_to_pfn(page);
	gupr_snapshot(page, &a);

	/* The lock keeps truncation from freeing mapping->host under us. */
	gupr_lock(page);
	mapping = gupr_file_mapping(page);
	if (mapping && mapping->host) {
		a.flags |= GUP_REPRO_F_FILE;
		a.ino = mapping->host->i_ino;
		a.dev = new_encode_dev(mapping->host->i_sb->s_dev);
	}
	gupr_unlock(page);

	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}

static long gupr_unpin(struct gupr_file *gf, unsigned int cmd, void __user *u)
{
	struct gup_repro_unpin a;
	int ret;

	ret = gupr_copy_in(&a, sizeof(a), cmd, u);
	if (ret)
		return ret;
	if (a.reserved || a.nr_unpinned || a.mode > GUP_REPRO_UNPIN_DIRTY)
		return -EINVAL;
	if (!gf->pages)
		return -ENOENT;
	a.nr_unpinned = gupr_release_pages(gf, a.mode == GUP_REPRO_UNPIN_DIRTY);
	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}

static long gupr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct gupr_file *gf = file->private_data;
	void __user *u = (void __user *)arg;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	mutex_lock(&gf->lock);
	switch (cmd) {
	case GUP_REPRO_IOC_INFO:
		ret = gupr_info(gf, cmd, u);
		break;
	case GUP_REPRO_IOC_PIN:
		ret = gupr_pin(gf, cmd, u);
		break;
	case GUP_REPRO_IOC_WRITE:
		ret = gupr_write(gf, cmd, u);
		break;
	case GUP_REPRO_IOC_DIRTY:
		ret = gupr_dirty(gf, cmd, u);
		break;
	case GUP_REPRO_IOC_STATE:
		ret = gupr_state(gf, cmd, u);
		break;
	case GUP_REPRO_IOC_UNPIN:
		ret = gupr_unpin(gf, cmd, u);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	mutex_unlock(&gf->lock);
	return ret;
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

/* Close with pins held: unpin without dirtying, so no pin outlives the fd. */
static int gupr_release(struct inode *inode, struct file *file)
{
	struct gupr_file *gf = file->private_data;

	mutex_lock(&gf->lock);
	gupr_release_pages(gf, false);
	mutex_unlock(&gf->lock);
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

static int __init gupr_init(void)
{
	if (!gupr_under_hypervisor() && !allow_bare_metal) {
		pr_err("refusing to load: no hypervisor reported (allow_bare_metal=1 overrides)\n");
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
