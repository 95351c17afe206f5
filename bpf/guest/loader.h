/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader.h - the units of pintrace, the in-guest loader of pintrace.bpf.c
 * (docs/code.md):
 *   ksyms.c     the kernel's symbols: each probe's address, vmemmap_base,
 *               stack frames as names; from the kernel itself (pt_lookup,
 *               pt_symbolize of pintrace_syms.bpf.c, v5.16+) or from all
 *               of /proc/kallsyms
 *   attach.c    which programs load, the symbols' thread beside the load,
 *               and the probes attached: kprobe.multi links, kprobes made
 *               ahead and bound, or a kprobe each
 *   output.c    the JSON lines: the start event, one line a probe hit
 *               (stack symbolized), the end event
 *   pintrace.c  the command line, the victim, the ring buffer loop (main)
 * The state of each lives in a context struct passed around (struct
 * pt_syms, struct pt_progs, struct pt_out); what stays global is the
 * probe table, the stop flag of the signal handler and the debug clock
 * of libbpf's print callback.
 */
#ifndef GUPR_PINTRACE_LOADER_H
#define GUPR_PINTRACE_LOADER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "pintrace.h"

struct bpf_program;
struct pintrace_bpf;
struct pintrace_syms_bpf;

/**
 * struct pt_probe_info - one probe of pintrace.h's PT_PROBES table (pt_probes[])
 * @id: its id, "FOLIO_MKCLEAN": the per-probe program is pt_<id>.
 * @sym: its kernel function, the event's name.
 * @kind: the checker's class.
 * @shape: where its program finds the page (the per-shape program).
 */
struct pt_probe_info {
	const char *id;
	const char *sym;
	enum pt_kind kind;
	enum pt_shape shape;
};

/* Every probe, indexed by &enum pt_probe (attach.c). */
extern const struct pt_probe_info pt_probes[PT_NR_PROBES];

/* PINTRACE_DEBUG=1: now_ns() at the start, for timestamps on stderr (0: quiet). */
extern unsigned long long pt_debug0;

/**
 * clock_ns() - a clock's time
 * @clock: CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ...
 * Return: its time in ns.
 */
static inline unsigned long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/**
 * now_ns() - CLOCK_MONOTONIC, as the probes' timestamps
 * Return: the time in ns.
 */
static inline unsigned long long now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/**
 * struct pt_args - the command line
 * @file: --file VICTIM.
 * @out_path: --out FILE, or NULL for stdout.
 * @ready: --ready FILE, or NULL.
 * @done: --done FILE, or NULL.
 * @attach_after: --attach-after FILE, or NULL.
 * @btf: --btf FILE: the kernel's BTF for CO-RE (bpftool gen min_core_btf), or NULL
 *	(/sys/kernel/btf/vmlinux).
 * @linger: --linger: after the end line, wait to be killed instead of exiting.
 * @kallsyms: --kallsyms: read /proc/kallsyms even where the kernel resolves
 *	the symbols itself (v5.16+).
 * @no_multi: --no-multi: a kprobe per probe even where the kernel has
 *	kprobe.multi.
 * @wait_s: --wait SEC: how long VICTIM (and FILE) may take to appear, in
 *	seconds (0: they must exist).
 */
struct pt_args {
	const char *file, *out_path, *ready, *done, *attach_after, *btf;
	bool linger, kallsyms, no_multi;
	long wait_s;
};

/* ksyms.c */

#define SYM_CACHE_BITS	12	/* pt_symbolize's frames kept: 1 << 12 */

/* A text symbol of /proc/kallsyms. */
struct ksym {
	unsigned long addr;
	char *name;
	char *mod;	/* "[module]" or NULL */
};

/**
 * struct pt_syms - the kernel's symbols
 * @ksyms: /proc/kallsyms's text symbols by address, @nr_ksyms of them (the
 *	names point into @text).
 * @nr_ksyms: symbols in @ksyms.
 * @text: all of /proc/kallsyms, @len bytes, NUL-terminated.
 * @len: bytes in @text.
 * @len_mask: bit N set when a probe's function name is N bytes long.
 * @vmemmap_base_addr: the address of vmemmap_base (x86-64
 *	CONFIG_RANDOMIZE_MEMORY), 0 if the kernel has none.
 * @probe_addr: each probe's function address (0: not there).
 * @probe_nsyms: how many text symbols carry its name (pt_lookup: 1 when
 *	found).  A probe with exactly one is attached by address: the kernel
 *	then skips its by-name lookups, which where kallsyms_lookup_name() is
 *	a linear search (before v6.2's kallsyms_seqs_of_names; 5.10 here)
 *	scan every symbol, two or three times per kprobe.
 * @skel: the symbol programs' skeleton, whose .bss carries their argument
 *	and result (NULL: /proc/kallsyms is used).
 * @symbolize_fd: pt_symbolize's fd (-1: not used).
 * @cache: pt_symbolize's frames by address (open addressing; when full,
 *	not cached).
 */
struct pt_syms {
	struct ksym *ksyms;
	size_t nr_ksyms;
	char *text;
	size_t len;
	unsigned long long len_mask;
	unsigned long vmemmap_base_addr;
	unsigned long probe_addr[PT_NR_PROBES];
	unsigned int probe_nsyms[PT_NR_PROBES];
	struct pintrace_syms_bpf *skel;
	int symbolize_fd;
	struct {
		unsigned long addr;
		char *frame;
	} cache[1 << SYM_CACHE_BITS];
};

/**
 * ksyms_new() - no symbols yet
 * Return: a zeroed struct pt_syms with no pt_symbolize (@symbolize_fd -1),
 * or NULL out of memory.
 */
struct pt_syms *ksyms_new(void);

/**
 * ksyms_load() - /proc/kallsyms into @sy: its text symbols sorted by
 * address, vmemmap_base, and each probe's address and count of symbols of
 * its name
 * @sy: from ksyms_new().
 *
 * Read whole and parsed in place by hand: under TCG, sscanf() of ~90k
 * lines costs a second, a strdup() per name a fifth of one (7.2 has 187k
 * lines).
 * Return: 0 or -errno (-ENOMEM).
 */
int ksyms_load(struct pt_syms *sy);

/**
 * ksyms_lookup() - each probe's function and vmemmap_base through the
 * kernel (pt_lookup of @sy->skel): the address a by-name kprobe would use
 * @sy: @skel loaded; a probe found is taken as one symbol.
 * Return: 0, or -errno of a program run that failed.
 */
int ksyms_lookup(struct pt_syms *sy);

/**
 * ksyms_symbolize() - a kernel address as a stack frame, "name+0xOFF[
 * [module]]": through pt_symbolize where @sy->symbolize_fd is set, else
 * from /proc/kallsyms's symbols
 * @sy: the symbols.
 * @addr: the address.
 * @buf: the frame; "0x..." when no symbol is below @addr.
 * @len: size of @buf in bytes.
 */
void ksyms_symbolize(struct pt_syms *sy, unsigned long addr, char *buf, size_t len);

/**
 * ksyms_free() - free @sy and all it holds: /proc/kallsyms's symbols, the
 * frames of ksyms_symbolize(), the symbol programs (@skel)
 * @sy: the symbols, or NULL.
 */
void ksyms_free(struct pt_syms *sy);

/**
 * probe_present() - probe @i's kernel function is in the kernel's symbols
 * @sy: the symbols, resolved.
 * @i: the probe, &enum pt_probe.
 * Return: true when it is.
 */
static inline bool probe_present(const struct pt_syms *sy, int i)
{
	return sy->probe_nsyms[i] > 0;
}

/* attach.c */

/**
 * struct pt_job - the symbols' resolution, either way (ksyms_load() in a
 * thread of its own beside the BPF object's load, or ksyms_lookup() once
 * the symbol programs are loaded), timed for the start event's setup_ms
 * @after: --attach-after: resolve once this file exists (for at most
 *	@wait_s seconds: else @missing), or NULL.
 * @wait_s: how long to wait for @after, in seconds.
 * @missing: -errno of the wait, or 0.
 * @err: how the resolution ended: 0 or -errno.
 * @wait0: when the wait began (now_ns()).
 * @go: when the resolution began.
 * @ns: its wall time in ns.
 * @cpu_ns: its CPU time in ns (the thread's).
 */
struct pt_job {
	const char *after;
	long wait_s;
	int missing;
	int err;
	unsigned long long wait0, go, ns, cpu_ns;
};

/**
 * struct pt_progs - the skeleton's programs and which of them this kernel gets
 * @cookies: BPF cookies (v5.15+): the per-shape programs serve every probe;
 *	otherwise each probe has its own program.
 * @by_addr: the kernel has the kprobe PMU (v4.17+), which takes an address;
 *	libbpf's legacy kprobe_events path takes only names.
 * @kprobe_type: that PMU's perf event type (sysfs, read once; -1: not there).
 * @kprobe_ret_bit: the config bit of its retprobe (-1: not there).
 * @syms: symbols through the kernel: syscall programs with
 *	bpf_kallsyms_lookup_name() (v5.16) and bpf_snprintf() (v5.13), and
 *	@cookies; otherwise /proc/kallsyms.
 * @multi: with @syms, the kernel attaches many functions to a program in
 *	one link (kprobe.multi, v5.18 with CONFIG_FPROBE): the per-shape
 *	programs are loaded for it (BPF_TRACE_KPROBE_MULTI) and attached one
 *	link a program.
 * @early: with @syms and not @multi: the kprobes are made (perf events,
 *	open_probe_events()) by the symbols' thread while the programs load,
 *	then bound to them (bind_probe()).
 * @progs: per-probe programs (pt_ID), @entries their entry halves.
 * @entries: the per-probe entry halves (pt_ID_entry) of GUP probes.
 * @shapes: per-shape programs (pt_s_SHAPE).
 * @gup_ret: the GUP return half of the per-shape programs.
 * @pe_fd: with @early, each probe's perf event for its program: the fd,
 *	-errno where it could not be made, -ENOENT where the function is not
 *	there.
 * @pe_entry_fd: the same for the entry half of a GUP probe.
 * @probes_ns: the wall time of making them, in ns.
 * @job: the symbols' resolution.
 * @sy: the symbols.
 */
struct pt_progs {
	bool cookies, by_addr, syms, multi, early;
	int kprobe_type, kprobe_ret_bit;
	struct bpf_program *progs[PT_NR_PROBES], *entries[PT_NR_PROBES];
	struct bpf_program *shapes[PT_S_NR], *gup_ret;
	int pe_fd[PT_NR_PROBES], pe_entry_fd[PT_NR_PROBES];
	unsigned long long probes_ns;
	struct pt_job job;
	struct pt_syms *sy;
};

/* When each phase of the set-up ended (now_ns()), for the start event's setup_ms. */
struct pt_times {
	unsigned long long start, open, load0, load, attach0, attach, file;
};

/**
 * wait_for_file() - wait until a file exists
 * @path: the file.
 * @wait_s: for at most this many seconds (polled every 10 ms).
 * @st: its stat.
 * Return: 0, or -errno of the last stat() (-ENOENT: it did not appear).
 */
int wait_for_file(const char *path, long wait_s, struct stat *st);

/**
 * load_probes() - open, load and attach the BPF programs
 * @skel: set as soon as it is open (the caller destroys it, and
 *	@p->sy->skel).
 * @p: zeroed but for @sy (ksyms_new()); the kernel's features and the
 *	programs are filled in.
 * @a: the command line (--btf, --kallsyms, --no-multi, --attach-after,
 *	--wait).
 * @attached: the functions attached are appended to it,
 * @missing: those the kernel does not have,
 * @failed: those that could not be attached.
 * @tm: the set-up's times.
 *
 * The symbols are resolved in a thread beside the load: through the
 * kernel (@p->syms: pintrace_syms.bpf.c, which loads first, in
 * milliseconds), or from /proc/kallsyms; either once @a->attach_after
 * exists, if given (the caller's modules are loaded by then: their symbols
 * are known, and attaching, which patches kernel text, does not wait on
 * their loading).  With @p->early that thread also makes the kprobes
 * while the programs load.  With cookies the programs are loaded
 * meanwhile; without, which per-probe programs to load needs the symbols
 * first.
 * Return: 0, or 1 (2 for a missing @a->attach_after) after saying why.
 */
int load_probes(struct pintrace_bpf **skel, struct pt_progs *p, const struct pt_args *a,
		json_t *attached, json_t *missing, json_t *failed, struct pt_times *tm);

/* output.c */

/**
 * struct pt_out - where the events go
 * @f: the stream (--out, else stdout), flushed after each line.
 * @nr_events: events written so far.
 * @stacks_fd: the stacks map's fd.
 * @sy: the symbols, for the stacks.
 */
struct pt_out {
	FILE *f;
	unsigned long long nr_events;
	int stacks_fd;
	struct pt_syms *sy;
};

/**
 * put_line() - one JSON object as a line
 * @out: the stream.
 * @o: the object; its reference is taken (NULL: nothing written).
 */
void put_line(struct pt_out *out, json_t *o);

/**
 * on_event() - ring_buffer__new()'s callback: one probe hit as a line
 * @ctx: the struct pt_out.
 * @data: a struct pt_event.
 * @size: its size in bytes; shorter records and unknown probes are skipped.
 * Return: 0 (go on).
 */
int on_event(void *ctx, void *data, size_t size);

/**
 * start_event() - the first line: what was attached, how, and how long
 * each phase of the set-up took (setup_ms)
 * @a: the command line.
 * @st: the victim's stat.
 * @dev: its super block's device, "MAJ:MIN".
 * @p: the programs and the symbols' resolution.
 * @attached: the functions attached (the reference is taken),
 * @missing: those the kernel does not have (taken),
 * @failed: those that could not be attached (taken).
 * @tm: the set-up's times.
 * Return: the event, or NULL out of memory.
 */
json_t *start_event(const struct pt_args *a, const struct stat *st, const char *dev,
		    const struct pt_progs *p, json_t *attached, json_t *missing,
		    json_t *failed, const struct pt_times *tm);

/**
 * end_event() - the last line: events written and lost to a full ring
 * buffer
 * @out: the events written.
 * @skel: the probes' skeleton (its per-CPU "lost" map).
 * Return: the event, or NULL out of memory.
 */
json_t *end_event(const struct pt_out *out, struct pintrace_bpf *skel);

#endif
