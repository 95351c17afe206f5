// SPDX-License-Identifier: GPL-2.0
/*
 * pintrace.bpf.c - record, for one victim file, the order in which the
 * kernel cleans and write-protects its folios (folio_mkclean), tells the
 * filesystem (->page_mkwrite), writes them back, pins them (GUP) and dirties
 * them (set_page_dirty & co).
 *
 * libbpf CO-RE: folios are read through struct page (a folio is its head
 * page), so one object serves 5.10 (pages) to current kernels (folios).
 * Programs come in two sets built from the probe table of pintrace.h:
 * one program per argument shape whose probe id is the BPF cookie (v5.15+,
 * few programs for the verifier), and one program per probe for kernels
 * without cookies.  The loader loads one set and attaches each probe to
 * its kernel function when the running kernel has it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pintrace.h"

/*
 * set by the loader after attach, once the victim file exists (the probes
 * are attached while the guest still mounts the scratch filesystem) and
 * the symbols are resolved: nothing is recorded before armed
 */
volatile __u64 vmemmap_base_addr;	/* &vmemmap_base (pt_lookup or kallsyms), or 0 */
volatile __u32 targ_dev;		/* victim: kernel dev_t */
volatile __u64 targ_ino;		/* victim: inode number */
volatile __u32 armed;

#define VMEMMAP_START_DEFAULT	0xffffea0000000000UL	/* x86-64, no KASLR */
#define GUP_PIN_COUNTING_BIAS	1024

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PT_MAX_STACK * sizeof(__u64));
	__uint(max_entries, 4096);
} stacks SEC(".maps");

/*
 * [0] = events this CPU tried to queue.  Per CPU, so no atomic is needed
 * (kprobe programs do not nest on a CPU; atomic fetch-and-add needs v5.12):
 * a gap in one CPU's numbers is a lost event.  The global order is the ring
 * buffer's reservation order, which the loader numbers.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_seqno SEC(".maps");

/* events that found the ring buffer full */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* GUP entry -> return: the caller's pages array, by thread */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} gup_pages SEC(".maps");

static __always_inline unsigned long vmemmap_start(void)
{
	unsigned long base = 0;

	if (vmemmap_base_addr)
		bpf_probe_read_kernel(&base, sizeof(base), (void *)vmemmap_base_addr);
	return base ? base : VMEMMAP_START_DEFAULT;
}

/*
 * struct page moved on: v7.x renamed compound_head to compound_info (a
 * different encoding), index to __folio_index, and wrapped flags in
 * memdesc_flags_t.  These flavours name the old fields; CO-RE resolves the
 * one the running kernel has and the verifier drops the other branch.
 */
struct page___compound_head {
	unsigned long compound_head;
} __attribute__((preserve_access_index));

struct page___compound_info {
	unsigned long compound_info;
} __attribute__((preserve_access_index));

struct page___index {
	unsigned long index;
} __attribute__((preserve_access_index));

struct folio___index {
	unsigned long index;
} __attribute__((preserve_access_index));

#define PG_BIT(flags, pg, bit) \
	((((flags) >> bpf_core_enum_value(enum pageflags, pg)) & 1) * (bit))

/*
 * Fill the folio part of @e from a page or folio pointer.  Returns false
 * when it is not a file folio of the victim.
 */
static __always_inline bool snap(struct page *page, struct pt_event *e)
{
	if (!armed)
		return false;
	unsigned long head, flags;
	struct address_space *mapping;
	struct inode *host;
	__u32 mapcount, ref;

	if (!page)
		return false;
	if (bpf_core_field_exists(((struct page___compound_head *)0)->compound_head)) {
		head = BPF_CORE_READ((struct page___compound_head *)page, compound_head);
		if (head & 1)	/* tail page: compound_head is head + 1 */
			page = (struct page *)(head - 1);
	} else if (BPF_CORE_READ((struct page___compound_info *)page, compound_info) & 1) {
		return false;	/* tail page, v7.x encoding: not decoded */
	}
	mapping = BPF_CORE_READ(page, mapping);
	if (!mapping || ((unsigned long)mapping & 1))	/* none or PAGE_MAPPING_ANON */
		return false;
	host = BPF_CORE_READ(mapping, host);
	if (!host)
		return false;
	e->ino = BPF_CORE_READ(host, i_ino);
	e->dev = BPF_CORE_READ(host, i_sb, s_dev);
	if (targ_ino && (e->ino != targ_ino || e->dev != targ_dev))
		return false;

	/* flags is the first word of struct page in every version */
	if (bpf_probe_read_kernel(&flags, sizeof(flags), page))
		return false;
	if (bpf_core_field_exists(((struct page___index *)0)->index))
		e->index = BPF_CORE_READ((struct page___index *)page, index);
	else
		e->index = BPF_CORE_READ((struct folio___index *)page, index);
	e->refcount = BPF_CORE_READ(page, _refcount.counter);
	mapcount = BPF_CORE_READ(page, _mapcount.counter);
	e->pfn = ((unsigned long)page - vmemmap_start()) / bpf_core_type_size(struct page);
	ref = e->refcount;
	/* branch-free: fewer verifier states per program */
	e->flags = PG_BIT(flags, PG_locked, GUP_REPRO_F_LOCKED) |
		PG_BIT(flags, PG_uptodate, GUP_REPRO_F_UPTODATE) |
		PG_BIT(flags, PG_dirty, GUP_REPRO_F_DIRTY) |
		PG_BIT(flags, PG_writeback, GUP_REPRO_F_WRITEBACK) |
		PG_BIT(flags, PG_private, GUP_REPRO_F_PRIVATE) |
		PG_BIT(flags, PG_head, GUP_REPRO_F_LARGE) |
		((~mapcount >> 31) * GUP_REPRO_F_MAPPED) |	/* _mapcount >= 0 */
		((((ref / GUP_PIN_COUNTING_BIAS) + 0xffffffffU) >> 31 ^ 1) *
		 GUP_REPRO_F_DMA_PINNED);			/* ref >= bias */
	if (e->flags & GUP_REPRO_F_LARGE)	/* _refcount of a large folio is not the pin count */
		e->flags &= ~GUP_REPRO_F_DMA_PINNED;
	return true;
}

static __always_inline struct pt_event *reserve(void)
{
	__u32 zero = 0;
	struct pt_event *e;
	__u64 *seq, *nlost;
	__u64 s = 0;

	if (!armed)
		return NULL;
	seq = bpf_map_lookup_elem(&cpu_seqno, &zero);
	if (seq)
		s = (*seq)++;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		nlost = bpf_map_lookup_elem(&lost, &zero);
		if (nlost)
			*nlost += 1;
		return NULL;
	}
	e->seq = s;
	return e;
}

static __always_inline void fill_task(void *ctx, struct pt_event *e, __u32 probe)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->ts_ns = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->probe = probe;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->stack_id = bpf_get_stackid(ctx, &stacks, 0);
}

/* One event for @page if it belongs to the victim. */
static __always_inline int emit_page(void *ctx, __u32 probe, struct page *page, __s64 arg)
{
	struct pt_event tmp = {}, *e;

	if (!snap(page, &tmp))
		return 0;
	e = reserve();
	if (!e)
		return 0;
	tmp.seq = e->seq;
	tmp.arg = arg;
	fill_task(ctx, &tmp, probe);
	__builtin_memcpy(e, &tmp, sizeof(tmp));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* One event per victim page of a pages array (at most PT_MAX_PAGES). */
static __always_inline int emit_pages(void *ctx, __u32 probe, struct page **pages,
				      long nr, __s64 arg)
{
	struct page *page;
	int i;

	if (!pages || nr <= 0)
		return 0;
	for (i = 0; i < PT_MAX_PAGES; i++) {
		if (i >= nr)
			break;
		if (bpf_probe_read_kernel(&page, sizeof(page), &pages[i]))
			break;
		emit_page(ctx, probe, page, arg);
	}
	return 0;
}

/* A warning event: no folio, @str the file or function, @arg the line. */
static __always_inline int emit_warning(void *ctx, __u32 probe, const char *str,
					__s64 arg, __u64 ino, __u32 dev)
{
	struct pt_event tmp = {}, *e = reserve();

	if (!e)
		return 0;
	tmp.seq = e->seq;
	fill_task(ctx, &tmp, probe);
	tmp.ino = ino;
	tmp.dev = dev;
	tmp.arg = arg;
	bpf_probe_read_kernel_str(tmp.str, sizeof(tmp.str), str);
	__builtin_memcpy(e, &tmp, sizeof(tmp));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- what each shape does, given the probe id ---- */

static __always_inline int do_ARG1(struct pt_regs *ctx, __u32 id)
{
	return emit_page(ctx, id, (struct page *)PT_REGS_PARM1(ctx), 0);
}

static __always_inline int do_ARG2(struct pt_regs *ctx, __u32 id)
{
	return emit_page(ctx, id, (struct page *)PT_REGS_PARM2(ctx), 0);
}

static __always_inline int do_VMF1(struct pt_regs *ctx, __u32 id)
{
	struct vm_fault *vmf = (struct vm_fault *)PT_REGS_PARM1(ctx);

	return emit_page(ctx, id, BPF_CORE_READ(vmf, page), 0);
}

static __always_inline int gup_entry(__u64 pages)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_update_elem(&gup_pages, &tid, &pages, BPF_ANY);
	return 0;
}

static __always_inline int gup_return(struct pt_regs *ctx, __u32 id)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	long ret = PT_REGS_RC(ctx);
	__u64 *pages = bpf_map_lookup_elem(&gup_pages, &tid);

	if (!pages)
		return 0;
	emit_pages(ctx, id, (struct page **)*pages, ret, ret);
	bpf_map_delete_elem(&gup_pages, &tid);
	return 0;
}

/* unpin_user_pages(pages, npages), unpin_user_pages_dirty_lock(pages, npages, dirty) */
static __always_inline int do_PAGES(struct pt_regs *ctx, __u32 id)
{
	long nr = PT_REGS_PARM2(ctx);

	return emit_pages(ctx, id, (struct page **)PT_REGS_PARM1(ctx), nr,
			  id == PT_UNPIN_USER_PAGES_DIRTY_LOCK ? (long)PT_REGS_PARM3(ctx) : nr);
}

/* __warn(file, line, caller, taint, regs, args): every WARN, no folio */
static __always_inline int do_WARN(struct pt_regs *ctx, __u32 id)
{
	return emit_warning(ctx, id, (const char *)PT_REGS_PARM1(ctx),
			    (int)PT_REGS_PARM2(ctx), 0, 0);
}

/* __ext4_warning_inode(inode, function, line, fmt, ...): the victim only */
static __always_inline int do_EXT4W(struct pt_regs *ctx, __u32 id)
{
	struct inode *inode = (struct inode *)PT_REGS_PARM1(ctx);
	__u64 ino = BPF_CORE_READ(inode, i_ino);
	__u32 dev = BPF_CORE_READ(inode, i_sb, s_dev);

	if (targ_ino && (ino != targ_ino || dev != targ_dev))
		return 0;
	return emit_warning(ctx, id, (const char *)PT_REGS_PARM2(ctx),
			    (int)PT_REGS_PARM3(ctx), ino, dev);
}

/* ---- set 1: one program per shape, probe id in the cookie (v5.15+) ---- */

#define COOKIE_PROG(shape)						\
SEC("kprobe")								\
int pt_s_##shape(struct pt_regs *ctx)					\
{									\
	return do_##shape(ctx, (__u32)bpf_get_attach_cookie(ctx));	\
}
COOKIE_PROG(ARG1)
COOKIE_PROG(ARG2)
COOKIE_PROG(VMF1)
COOKIE_PROG(PAGES)
COOKIE_PROG(WARN)
COOKIE_PROG(EXT4W)

SEC("kprobe")
int pt_s_GUP4(struct pt_regs *ctx)
{
	return gup_entry((__u64)PT_REGS_PARM4(ctx));
}

SEC("kprobe")
int pt_s_GUP5(struct pt_regs *ctx)
{
	return gup_entry((__u64)PT_REGS_PARM5(ctx));
}

SEC("kretprobe")
int pt_s_GUPRET(struct pt_regs *ctx)
{
	return gup_return(ctx, (__u32)bpf_get_attach_cookie(ctx));
}

/* ---- set 2: one program per probe, for kernels without cookies ---- */

#define LEGACY_ARG1(id)	SEC("kprobe") int pt_##id(struct pt_regs *ctx) { return do_ARG1(ctx, PT_##id); }
#define LEGACY_ARG2(id)	SEC("kprobe") int pt_##id(struct pt_regs *ctx) { return do_ARG2(ctx, PT_##id); }
#define LEGACY_VMF1(id)	SEC("kprobe") int pt_##id(struct pt_regs *ctx) { return do_VMF1(ctx, PT_##id); }
#define LEGACY_PAGES(id) SEC("kprobe") int pt_##id(struct pt_regs *ctx) { return do_PAGES(ctx, PT_##id); }
#define LEGACY_WARN(id)	SEC("kprobe") int pt_##id(struct pt_regs *ctx) { return do_WARN(ctx, PT_##id); }
#define LEGACY_EXT4W(id) SEC("kprobe") int pt_##id(struct pt_regs *ctx) { return do_EXT4W(ctx, PT_##id); }
#define LEGACY_GUP(id, n)							\
SEC("kprobe") int pt_##id##_entry(struct pt_regs *ctx)				\
{ return gup_entry((__u64)PT_REGS_PARM##n(ctx)); }				\
SEC("kretprobe") int pt_##id(struct pt_regs *ctx) { return gup_return(ctx, PT_##id); }
#define LEGACY_GUP4(id)	LEGACY_GUP(id, 4)
#define LEGACY_GUP5(id)	LEGACY_GUP(id, 5)
#define LEGACY(id, sym, kind, shape) LEGACY_##shape(id)
PT_PROBES(LEGACY)

char LICENSE[] SEC("license") = "GPL";
