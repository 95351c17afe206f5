// SPDX-License-Identifier: GPL-2.0
/*
 * pintrace - in-guest loader of pintrace.bpf.c (libbpf skeleton).
 *
 *   pintrace --file VICTIM [--wait SEC] [--out FILE] [--ready FILE] [--done FILE]
 *            [--attach-after FILE] [--linger] [--btf FILE] [--kallsyms]
 *            [--no-multi]
 *
 * Attaches each probe of pintrace.h whose kernel function the kernel's
 * symbols have (autoload off for the others), then filters them to
 * VICTIM's (device, inode) - with --wait, VICTIM may appear up to SEC
 * seconds later (the guest mounts the scratch filesystem while pintrace
 * starts; nothing is recorded before the filter is set) - and writes one
 * JSON object per event, stacks symbolized, until SIGINT/SIGTERM.
 * Symbols: on v5.16+ the kernel resolves each probe's name and each stack
 * frame itself, through two syscall programs (pt_lookup, pt_symbolize of
 * pintrace_syms.bpf.c: kallsyms_lookup_name() and "%pB"); older kernels,
 * or --kallsyms, read all of /proc/kallsyms in a thread beside the BPF
 * object's load.  Probes attach by address: where the kernel has
 * kprobe.multi (CONFIG_FPROBE; not --no-multi) one link per program; else
 * a kprobe each, on v5.16+ made (perf_event_open(), which arms it) in that
 * thread while the probe programs are in the verifier, then bound to them.
 * With --attach-after FILE the programs are loaded at once (with cookies,
 * v5.15+), the symbols resolved and the probes attached once FILE exists
 * (the caller says so once its modules are loaded).
 * First line: "start" (what was attached); last line: "end" with the count
 * of events lost to a full ring buffer.  --ready FILE is created once the
 * probes are attached and filtered, --done FILE
 * once the "end" line is written (detaching the probes afterwards takes an
 * RCU grace period each: a caller need not wait for it).
 * Exit: 0, 1 on a load/attach error, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <jansson.h>
#include <linux/perf_event.h>

#include "pintrace.h"
#include "../../repro-user/include/folio_flags.h"
#include "pintrace.skel.h"
#include "pintrace_syms.skel.h"

#define X_NAME(id, sym, kind, shape)	[PT_##id] = { #id, sym, kind, PT_S_##shape },
static const struct {
	const char *id;
	const char *sym;
	enum pt_kind kind;
	enum pt_shape shape;
} probes[PT_NR_PROBES] = { PT_PROBES(X_NAME) };

#define X_SHAPE(sh)	[PT_S_##sh] = #sh,
static const char *const shape_names[PT_S_NR] = { PT_SHAPES(X_SHAPE) };

struct ksym {
	unsigned long addr;
	char *name;
	char *mod;	/* "[module]" or NULL */
};

static struct ksym *ksyms;
static size_t nr_ksyms;
static volatile sig_atomic_t stop;
static FILE *out;
static unsigned long long nr_events;
static int stacks_fd;

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static unsigned long vmemmap_base_addr;

/*
 * Symbols through the kernel (v5.16+, pt_lookup and pt_symbolize of
 * pintrace_syms.bpf.c) instead of /proc/kallsyms: their skeleton, whose
 * .bss carries their argument and result (NULL: not used), and
 * pt_symbolize's fd (-1: not used).
 */
static struct pintrace_syms_bpf *sym_skel;
static int symbolize_fd = -1;

/*
 * Each probe's function address (0: not there) and how many text symbols
 * carry its name (pt_lookup: 1 when found).  A probe with exactly one is
 * attached by address: the kernel then skips its by-name lookups, which
 * where kallsyms_lookup_name() is a linear search (kernel/kallsyms.c
 * before v6.2's kallsyms_seqs_of_names; 5.10 here, not Debian's 6.1.192,
 * which has it backported) scan every symbol, two or three times per
 * kprobe (_kprobe_addr(), trace_kprobe_on_func_entry(),
 * within_notrace_func()).
 */
static unsigned long probe_addr[PT_NR_PROBES];
static unsigned int probe_nsyms[PT_NR_PROBES];

/* A text symbol of kallsyms: count it for the probe(s) of that name. */
static void note_probe_sym(const char *name, size_t len, unsigned long addr)
{
	static unsigned long long len_mask;
	int i;

	if (!len_mask)
		for (i = 0; i < PT_NR_PROBES; i++)
			len_mask |= 1ULL << (strlen(probes[i].sym) & 63);
	if (len > 63 || !(len_mask & (1ULL << len)))
		return;
	for (i = 0; i < PT_NR_PROBES; i++) {
		if (strcmp(probes[i].sym, name))
			continue;
		if (!probe_nsyms[i]++)
			probe_addr[i] = addr;
	}
}

/* The whole of /proc/kallsyms (ksyms_len bytes); the symbols' names point into it. */
static char *ksyms_text;
static size_t ksyms_len;

/* Read all of @path into ksyms_text (NUL-terminated); 0 or -errno. */
static int slurp_ksyms(const char *path)
{
	size_t len = 0, cap = 4 << 20;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	ksyms_text = malloc(cap);
	while (ksyms_text) {
		if (cap - len < 65536) {
			char *t = realloc(ksyms_text, cap * 2);

			if (!t)
				break;
			ksyms_text = t;
			cap *= 2;
		}
		n = read(fd, ksyms_text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : 0;

			close(fd);
			ksyms_text[len] = '\0';
			ksyms_len = len;
			return err;
		}
		len += n;
	}
	close(fd);
	return -ENOMEM;
}

/*
 * One line of /proc/kallsyms, "ADDR TYPE NAME[\tMODULE]" (@len bytes, no
 * newline): sets *@addr, *@type, *@name (NUL-terminated in place),
 * *@name_len and *@mod (NULL for the kernel's own).  ADDR is 16 hex digits
 * on 64-bit kernels (%px); other widths take the slow path.  Returns 0, or
 * -1 for a line of another form.
 */
static int parse_ksym_line(char *line, size_t len, unsigned long *addr, char *type,
			   char **name, size_t *name_len, char **mod)
{
	char *p = line, *tab;
	unsigned long a = 0;

	if (len > 19 && line[16] == ' ' && line[18] == ' ') {
		for (; p < line + 16; p++) {
			unsigned int c = (unsigned char)*p, d = c - '0';

			if (d > 9) {
				d = (c | 0x20) - 'a' + 10;
				if (d < 10 || d > 15)
					return -1;
			}
			a = a << 4 | d;
		}
	} else {
		a = strtoul(line, &p, 16);
		if (*p != ' ' || !p[1] || p[2] != ' ')
			return -1;
	}
	*addr = a;
	*type = p[1];
	*name = p + 3;
	tab = memchr(*name, '\t', line + len - *name);
	*name_len = (tab ? tab : line + len) - *name;
	*mod = tab ? tab + 1 : NULL;
	(*name)[*name_len] = '\0';
	return 0;
}

/*
 * /proc/kallsyms: text symbols, sorted, with their module; also the
 * address of the vmemmap_base variable (x86-64 CONFIG_RANDOMIZE_MEMORY)
 * and the probes' addresses (note_probe_sym()).  Read whole and parsed in
 * place by hand: under TCG, sscanf() of ~90k lines costs a second, a
 * strdup() per name a fifth of one (7.2 has 187k lines).  The kernel lists
 * its own symbols in address order, then the modules'; only the modules'
 * part is sorted.  Returns 0 or -errno.
 */
static int load_ksyms(void *unused)
{
	size_t cap = 0, nsorted = 0;
	char *line, *next, *end;
	int err = slurp_ksyms("/proc/kallsyms");

	(void)unused;	/* timed_resolve()'s argument */
	if (err)
		return err;
	end = ksyms_text + ksyms_len;
	for (line = ksyms_text; line < end; line = next + 1) {
		char *name, *mod, type;
		unsigned long addr;
		size_t len;

		next = memchr(line, '\n', end - line);
		if (!next)
			next = end;
		*next = '\0';
		if (parse_ksym_line(line, next - line, &addr, &type, &name, &len, &mod))
			continue;
		if ((type == 'd' || type == 'D' || type == 'b' || type == 'B') &&
		    !strcmp(name, "vmemmap_base")) {
			vmemmap_base_addr = addr;
			continue;
		}
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		note_probe_sym(name, len, addr);
		if (nr_ksyms == cap) {
			struct ksym *k;

			cap = cap ? cap * 2 : 65536;
			k = realloc(ksyms, cap * sizeof(*ksyms));
			if (!k)
				return -ENOMEM;
			ksyms = k;
		}
		if (nsorted == nr_ksyms && (!nr_ksyms || ksyms[nr_ksyms - 1].addr <= addr))
			nsorted++;
		ksyms[nr_ksyms].addr = addr;
		ksyms[nr_ksyms].name = name;
		ksyms[nr_ksyms].mod = mod;
		nr_ksyms++;
	}
	qsort(ksyms + nsorted, nr_ksyms - nsorted, sizeof(*ksyms), cmp_ksym);
	if (nsorted && nsorted < nr_ksyms && ksyms[nsorted].addr < ksyms[nsorted - 1].addr)
		qsort(ksyms, nr_ksyms, sizeof(*ksyms), cmp_ksym);
	return 0;
}

/* Run the syscall program @fd once (BPF_PROG_TEST_RUN, no context); 0 or -errno. */
static int run_syscall_prog(int fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, ro);

	return bpf_prog_test_run_opts(fd, &ro) ? -errno : 0;
}

/*
 * pt_lookup (of sym_skel) for each probe's function and for vmemmap_base:
 * the address a by-name kprobe would use (kallsyms_lookup_name(): the
 * first symbol of that name; /proc/kallsyms's count of same-named symbols
 * is not known here, so a probe found is taken as one symbol).  Returns 0,
 * or -errno of a run that failed.
 */
static int lookup_syms(void *unused)
{
	struct pintrace_syms_bpf *skel = sym_skel;
	int i, err, fd = bpf_program__fd(skel->progs.pt_lookup);

	(void)unused;	/* timed_resolve()'s argument */
	for (i = 0; i <= PT_NR_PROBES; i++) {
		const char *name = i < PT_NR_PROBES ? probes[i].sym : "vmemmap_base";

		memset(skel->bss->sym_name, 0, sizeof(skel->bss->sym_name));
		strncpy(skel->bss->sym_name, name, sizeof(skel->bss->sym_name) - 1);
		err = run_syscall_prog(fd);
		if (err)
			return err;
		if (skel->bss->sym_err)
			continue;
		if (i == PT_NR_PROBES) {
			vmemmap_base_addr = skel->bss->sym_addr;
		} else {
			probe_addr[i] = skel->bss->sym_addr;
			probe_nsyms[i] = 1;
		}
	}
	return 0;
}

/* pt_symbolize's frames, by address (open addressing; full: not cached) */
#define SYM_CACHE_BITS	12
static struct {
	unsigned long addr;
	char *frame;
} sym_cache[1 << SYM_CACHE_BITS];

/*
 * @addr as "name+0xOFF[ MODULE]" through pt_symbolize ("%pB" less its
 * "/0xSIZE", as symbolize() prints from /proc/kallsyms), into @buf (@len
 * bytes).  Returns false when the kernel could not say.
 */
static bool symbolize_bpf(unsigned long addr, char *buf, size_t len)
{
	size_t mask = (1 << SYM_CACHE_BITS) - 1;
	size_t h = (addr * 0x9E3779B97F4A7C15ULL) >> (64 - SYM_CACHE_BITS);
	char *frame, *slash, *end;
	size_t n;

	for (n = 0; n <= mask && sym_cache[h].frame; n++, h = (h + 1) & mask) {
		if (sym_cache[h].addr == addr) {
			snprintf(buf, len, "%s", sym_cache[h].frame);
			return true;
		}
	}
	sym_skel->bss->sym_addr = addr;
	if (run_syscall_prog(symbolize_fd) || sym_skel->bss->sym_err <= 0)
		return false;
	frame = sym_skel->bss->sym_buf;
	frame[sizeof(sym_skel->bss->sym_buf) - 1] = '\0';
	/* "name+0xOFF/0xSIZE [mod]" -> "name+0xOFF [mod]" */
	slash = strchr(frame, '/');
	if (slash) {
		end = strchr(slash, ' ');
		if (end)
			memmove(slash, end, strlen(end) + 1);
		else
			*slash = '\0';
	}
	snprintf(buf, len, "%s", frame);
	if (n <= mask && !sym_cache[h].frame) {
		sym_cache[h].frame = strdup(frame);
		sym_cache[h].addr = addr;
	}
	return true;
}

static void symbolize(unsigned long addr, char *buf, size_t len)
{
	size_t lo = 0, hi = nr_ksyms;

	if (symbolize_fd >= 0 && symbolize_bpf(addr, buf, len))
		return;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		snprintf(buf, len, "0x%lx", addr);
		return;
	}
	snprintf(buf, len, "%s+0x%lx%s%s", ksyms[lo - 1].name, addr - ksyms[lo - 1].addr,
		 ksyms[lo - 1].mod ? " " : "", ksyms[lo - 1].mod ? ksyms[lo - 1].mod : "");
}

static void put_line(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s) {
		fprintf(out, "%s\n", s);
		fflush(out);
		free(s);
	}
	json_decref(o);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct pt_event *e = data;
	json_t *o, *flags, *stack;
	char dev[32], comm[PT_COMM_LEN + 1], str[PT_STR_LEN + 1];
	unsigned int i;

	(void)ctx;
	if (size < sizeof(*e) || e->probe >= PT_NR_PROBES)
		return 0;
	nr_events++;
	memcpy(comm, e->comm, PT_COMM_LEN);
	comm[PT_COMM_LEN] = '\0';
	memcpy(str, e->str, PT_STR_LEN);
	str[PT_STR_LEN] = '\0';
	snprintf(dev, sizeof(dev), "%u:%u", e->dev >> 20, e->dev & 0xfffff);

	flags = json_array();
	for (i = 0; i < GUPR_NR_FLAGS; i++)
		if (e->flags & gupr_flags[i].bit)
			json_array_append_new(flags, json_string(gupr_flags[i].name));
	stack = json_array();
	if (e->stack_id >= 0) {
		__u64 ips[PT_MAX_STACK] = {};
		__u32 id = (__u32)e->stack_id;

		if (!bpf_map_lookup_elem(stacks_fd, &id, ips)) {
			for (i = 0; i < PT_MAX_STACK && ips[i]; i++) {
				char sym[320];

				symbolize(ips[i], sym, sizeof(sym));
				json_array_append_new(stack, json_string(sym));
			}
		}
	}
	/* seq: ring buffer (reservation) order; cpu_seq: the CPU's attempt number */
	o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:i,s:i,s:i,s:s}",
		      "event", probes[e->probe].sym, "kind", pt_kind_names[probes[e->probe].kind],
		      "seq", (json_int_t)nr_events - 1, "cpu_seq", (json_int_t)e->seq,
		      "ts_ns", (json_int_t)e->ts_ns,
		      "cpu", (int)e->cpu, "pid", (int)e->pid, "tid", (int)e->tid,
		      "comm", comm);
	if (probes[e->probe].kind == PT_K_WARN) {
		json_object_set_new(o, e->probe == PT_WARN ? "file" : "function",
				    json_string(str));
		json_object_set_new(o, "line", json_integer(e->arg));
		if (e->ino) {
			json_object_set_new(o, "ino", json_integer((json_int_t)e->ino));
			json_object_set_new(o, "dev", json_string(dev));
		}
	} else {
		json_object_set_new(o, "pfn", json_integer((json_int_t)e->pfn));
		json_object_set_new(o, "ino", json_integer((json_int_t)e->ino));
		json_object_set_new(o, "dev", json_string(dev));
		json_object_set_new(o, "index", json_integer((json_int_t)e->index));
		json_object_set_new(o, "flags", flags);
		flags = NULL;
		json_object_set_new(o, "refcount", json_integer(e->refcount));
		json_object_set_new(o, "maybe_dma_pinned",
				    json_boolean(e->flags & GUP_REPRO_F_DMA_PINNED));
		if (probes[e->probe].kind == PT_K_PIN || probes[e->probe].kind == PT_K_UNPIN)
			json_object_set_new(o, "arg", json_integer(e->arg));
	}
	json_object_set_new(o, "stack", stack);
	json_decref(flags);
	put_line(o);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long long now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static unsigned long long t_debug0;

/* PINTRACE_DEBUG=1: libbpf's messages, with ms since start, on stderr */
static int debug_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	fprintf(stderr, "[%6.1f ms] ", (double)(now_ns() - t_debug0) / 1e6);
	return vfprintf(stderr, fmt, ap);
}

/*
 * The victim's super block device, as the probes see it (inode->i_sb->s_dev):
 * /proc/self/mountinfo prints sb->s_dev for each mount, while stat()'s
 * st_dev may differ (btrfs reports the subvolume's anonymous device).
 * Returns the MAJOR:MINOR of the longest mount point containing @path, or
 * st_dev when mountinfo cannot tell.
 */
static dev_t sb_dev_of(const char *path, dev_t st_dev)
{
	char real[4096], line[4096], mnt[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	size_t best = 0;
	dev_t dev = st_dev;

	if (!f || !realpath(path, real)) {
		if (f)
			fclose(f);
		return st_dev;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		size_t len;

		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		len = strlen(mnt);
		if (strncmp(real, mnt, len) ||
		    (real[len] != '/' && real[len] != '\0' && strcmp(mnt, "/")))
			continue;
		if (len >= best) {
			best = len;
			dev = makedev(maj, min);
		}
	}
	fclose(f);
	return dev;
}

static void touch(const char *path)
{
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;

	if (fd >= 0)
		close(fd);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pintrace --file VICTIM [--wait SEC] [--out FILE] [--ready FILE] [--done FILE]\n"
		"                [--attach-after FILE] [--linger] [--btf FILE] [--kallsyms]\n"
		"                [--no-multi]\n"
		"Record folio_mkclean / page_mkwrite / writeback / GUP / set_page_dirty\n"
		"events for VICTIM as JSON lines until SIGINT or SIGTERM.\n");
}

/* Until @path exists (its stat in *@st), for at most @wait_s seconds; 0 or -errno. */
static int wait_for_file(const char *path, long wait_s, struct stat *st)
{
	long i;

	for (i = 0; stat(path, st); i++) {
		if (errno != ENOENT || i >= wait_s * 100)
			return -errno;
		usleep(10000);
	}
	return 0;
}

/*
 * The symbols' resolution, either way (load_ksyms() in a thread of its own
 * beside the BPF object's load, or lookup_syms() once the programs are
 * loaded): with an @after file (--attach-after), once that file exists
 * (for at most @wait_s seconds: else @missing), timed for the start
 * event's setup_ms.  @err: how it ended (0 or -errno).
 */
static struct ksyms_job {
	const char *after;
	long wait_s;
	int missing;	/* -errno of the wait */
	int err;
	unsigned long long wait0, go, ns, cpu_ns;
} ksyms_job;

/* @j's wait, then @resolve(@arg), timed (wall and this thread's CPU) into @j. */
static void timed_resolve(struct ksyms_job *j, int (*resolve)(void *), void *arg)
{
	unsigned long long t, c;

	j->wait0 = j->go = now_ns();
	if (j->after) {
		struct stat st;

		j->missing = wait_for_file(j->after, j->wait_s, &st);
		if (j->missing) {
			j->err = j->missing;
			return;
		}
	}
	t = j->go = now_ns();
	c = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	j->err = resolve(arg);
	j->ns = now_ns() - t;
	j->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c;
}

static void *ksyms_thread(void *arg)
{
	timed_resolve(arg, load_ksyms, NULL);
	return NULL;
}

/*
 * How the resolution through @what ended (ksyms_job): 0, or 1 after
 * saying why (2: the --attach-after file did not appear).
 */
static int ksyms_result(const char *what)
{
	if (ksyms_job.missing) {
		fprintf(stderr, "pintrace: %s: %s\n", ksyms_job.after, strerror(-ksyms_job.missing));
		return 2;
	}
	if (ksyms_job.err) {
		fprintf(stderr, "pintrace: %s: %s\n", what, strerror(-ksyms_job.err));
		return 1;
	}
	return 0;
}

/*
 * Wait for the symbols' thread (@what: how it resolves them); 0, or 1 (2)
 * after saying why (ksyms_result()).
 */
static int ksyms_join(pthread_t tid, const char *what)
{
	if (pthread_join(tid, NULL)) {
		fprintf(stderr, "pintrace: %s: %s\n", what, strerror(EAGAIN));
		return 1;
	}
	return ksyms_result(what);
}

/**
 * struct pt_progs - the skeleton's programs and which of them this kernel gets
 * @cookies: BPF cookies (v5.15+): the per-shape programs serve every probe;
 *	otherwise each probe has its own program.
 * @by_addr: the kernel has the kprobe PMU (v4.17+), which takes an address;
 *	libbpf's legacy kprobe_events path takes only names.
 * @kprobe_type, @kprobe_ret_bit: that PMU's perf event type and the config
 *	bit of its retprobe (sysfs, read once; -1: not there).
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
 * @shapes: per-shape programs (pt_s_SHAPE), @gup_ret the GUP return half.
 */
struct pt_progs {
	bool cookies, by_addr, syms, multi, early;
	int kprobe_type, kprobe_ret_bit;
	struct bpf_program *progs[PT_NR_PROBES], *entries[PT_NR_PROBES];
	struct bpf_program *shapes[PT_S_NR], *gup_ret;
};

/* The probe's kernel function is in the kernel's symbols (once they are resolved). */
static bool probe_present(int i)
{
	return probe_nsyms[i] > 0;
}

/* A GUP probe: an entry half (the pages array) and a return half (the pages pinned). */
static bool probe_is_gup(int i)
{
	return probes[i].shape == PT_S_GUP4 || probes[i].shape == PT_S_GUP5;
}

/*
 * Load only one set of programs (@p->cookies), and of the per-probe set
 * only the probes this kernel has (@p->present, known by then without
 * cookies).
 */
static void choose_programs(struct pintrace_bpf *skel, struct pt_progs *p)
{
	int i;

	for (i = 0; i < PT_NR_PROBES; i++) {
		char name[96];

		snprintf(name, sizeof(name), "pt_%s", probes[i].id);
		p->progs[i] = bpf_object__find_program_by_name(skel->obj, name);
		snprintf(name, sizeof(name), "pt_%s_entry", probes[i].id);
		p->entries[i] = bpf_object__find_program_by_name(skel->obj, name);
		if (p->progs[i])
			bpf_program__set_autoload(p->progs[i], !p->cookies && probe_present(i));
		if (p->entries[i])
			bpf_program__set_autoload(p->entries[i], !p->cookies && probe_present(i));
	}
	for (i = 0; i < PT_S_NR; i++) {
		char name[64];

		snprintf(name, sizeof(name), "pt_s_%s", shape_names[i]);
		p->shapes[i] = bpf_object__find_program_by_name(skel->obj, name);
		if (p->shapes[i])
			bpf_program__set_autoload(p->shapes[i], p->cookies);
		if (p->shapes[i] && p->multi)
			bpf_program__set_expected_attach_type(p->shapes[i], BPF_TRACE_KPROBE_MULTI);
	}
	p->gup_ret = bpf_object__find_program_by_name(skel->obj, "pt_s_GUPRET");
	if (p->gup_ret)
		bpf_program__set_autoload(p->gup_ret, p->cookies);
	if (p->gup_ret && p->multi)
		bpf_program__set_expected_attach_type(p->gup_ret, BPF_TRACE_KPROBE_MULTI);
}

/*
 * Probe @i's program (NULL: none loaded) and in *@entry the program of its
 * entry half (GUP probes: the pages array at entry, the count at return;
 * NULL for the others): per shape with cookies, else per probe.
 */
static struct bpf_program *probe_progs(const struct pt_progs *p, int i,
				       struct bpf_program **entry)
{
	bool gup = probe_is_gup(i);

	if (!p->cookies) {
		*entry = p->entries[i];
		return p->progs[i];
	}
	*entry = gup ? p->shapes[probes[i].shape] : NULL;
	return gup ? p->gup_ret : p->shapes[probes[i].shape];
}

/*
 * Attach probe @i: its program (and for GUP its entry half first), by
 * address when the symbols have its name once and the kernel takes addresses
 * (perf_event_attr.kprobe_addr, no name: the same function).  A cookie on
 * a kernel without cookies makes the attach fail.  The links live as long
 * as the process (exit detaches them).  Returns true when attached.
 */
static bool attach_one(const struct pt_progs *p, int i)
{
	LIBBPF_OPTS(bpf_kprobe_opts, kopts, .bpf_cookie = p->cookies ? (__u64)i : 0);
	const char *func = probes[i].sym;
	struct bpf_program *entry, *prog = probe_progs(p, i, &entry);
	struct bpf_link *l1 = NULL, *l2 = NULL;

	if (!prog)
		return false;
	if (p->by_addr && probe_nsyms[i] == 1) {
		func = NULL;
		kopts.offset = probe_addr[i];
	}
	if (entry) {
		l1 = bpf_program__attach_kprobe_opts(entry, func, &kopts);
		kopts.retprobe = true;
		l2 = l1 ? bpf_program__attach_kprobe_opts(prog, func, &kopts) : NULL;
		if (!l2)
			bpf_link__destroy(l1);
	} else {
		l2 = bpf_program__attach_kprobe_opts(prog, func, &kopts);
	}
	if (t_debug0)
		fprintf(stderr, "[%6.1f ms] pintrace: %s %s%s\n", (double)(now_ns() - t_debug0) / 1e6,
			l2 ? "attached" : "failed", probes[i].sym, func ? " (by name)" : " (by address)");
	return l2;
}

/*
 * Whether the kernel attaches kprobe.multi links (v5.18 with CONFIG_FPROBE:
 * bpf_kprobe_multi_link_attach()): a link of no functions is refused with
 * EINVAL where it is, EOPNOTSUPP where it is not.  Kernels before v5.18
 * (no such attach type) say EINVAL too; @p->syms (v5.16+) leaves v5.16
 * and v5.17 to take for capable, and their attach fails visibly.
 */
static bool kprobe_multi_works(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &po);
	if (prog < 0)
		return false;
	link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &lo);
	err = link < 0 ? errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	return err == EINVAL;
}

/*
 * One kprobe.multi link of @prog (@retprobe: at return) for the @n probes
 * @ids, cookie = probe id; when the kernel refuses the lot (a function it
 * cannot trace), one link a probe, so only that one fails.  Sets @ok[id]
 * for each probe attached.
 */
static void attach_multi_group(struct bpf_program *prog, bool retprobe, const int *ids, size_t n,
			       bool *ok)
{
	unsigned long addrs[PT_NR_PROBES];
	__u64 cookies[PT_NR_PROBES];
	LIBBPF_OPTS(bpf_kprobe_multi_opts, mo, .addrs = addrs, .cookies = cookies, .cnt = n,
		    .retprobe = retprobe);
	size_t k;

	if (!n)
		return;
	for (k = 0; k < n; k++) {
		addrs[k] = probe_addr[ids[k]];
		cookies[k] = (__u64)ids[k];
	}
	if (bpf_program__attach_kprobe_multi_opts(prog, NULL, &mo)) {
		for (k = 0; k < n; k++)
			ok[ids[k]] = true;
		return;
	}
	if (n == 1)
		return;
	for (k = 0; k < n; k++)
		attach_multi_group(prog, retprobe, &ids[k], 1, ok);
}

/*
 * kprobe.multi (@p->multi): each per-shape program gets one link for all
 * its probes (one ftrace update for them, where a kprobe each is one per
 * probe: 28 on 6.12), the GUP return half one more for the GUP probes
 * whose entry half is attached.  Sets @ok[id] for each probe attached.
 */
static void attach_multi(const struct pt_progs *p, bool *ok)
{
	bool entry_ok[PT_NR_PROBES] = { false };
	int ids[PT_NR_PROBES], sh, i;
	size_t n;

	for (sh = 0; sh < PT_S_NR; sh++) {
		for (n = 0, i = 0; i < PT_NR_PROBES; i++)
			if (probe_present(i) && probes[i].shape == (enum pt_shape)sh)
				ids[n++] = i;
		if (p->shapes[sh])
			attach_multi_group(p->shapes[sh], false, ids, n, entry_ok);
	}
	for (n = 0, i = 0; i < PT_NR_PROBES; i++) {
		if (probe_is_gup(i) && entry_ok[i])
			ids[n++] = i;
		else
			ok[i] = entry_ok[i] && !probe_is_gup(i);
	}
	if (p->gup_ret)
		attach_multi_group(p->gup_ret, true, ids, n, ok);
}

/*
 * The kprobes made ahead (@p->early): each probe's perf event for its
 * program (pe_fd) and, for GUP probes, for its entry half (pe_entry_fd);
 * -errno where it could not be made, -ENOENT where the function is not
 * there.  Bound to the programs by bind_probe().
 */
static int pe_fd[PT_NR_PROBES], pe_entry_fd[PT_NR_PROBES];
static unsigned long long probes_ns;	/* open_probe_events()'s wall time */

/* An int from the sysfs file @path read with @fmt (one %d); -1 if not there. */
static int sysfs_int(const char *path, const char *fmt)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (f) {
		if (fscanf(f, fmt, &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * A perf event of the kprobe PMU (v4.17) at the function address @addr,
 * at return with @retprobe (a kretprobe), disabled until bound to its
 * program, for every CPU's hits (pid -1, cpu 0: as libbpf's
 * perf_event_open_probe() makes it for bpf_program__attach_kprobe_opts()).
 * Opening it registers and arms the kprobe (perf_kprobe_init(): one ftrace
 * update; a hit before a program is bound records nothing).  Returns the
 * fd or -errno.
 */
static int open_kprobe_event(int type, int ret_bit, unsigned long addr, bool retprobe)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = (__u32)type,
		.config = retprobe ? 1ULL << ret_bit : 0,
		.config2 = addr,	/* kprobe_addr; config1 (kprobe_func) NULL */
		.disabled = 1,
	};
	int fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * In the symbols' thread (@p->early): the perf event of every probe whose
 * function the symbols have and that has none yet (pe_fd, pe_entry_fd), by
 * address (@p->kprobe_type, @p->kprobe_ret_bit), while the main thread
 * loads the programs: under TCG the probe programs' load and the kprobes'
 * ftrace updates (~10 ms a kprobe on 6.1, which has no kprobe.multi) take
 * about as long, one vCPU each.  Adds its wall time to probes_ns.
 */
static void open_probe_events(const struct pt_progs *p)
{
	int type = p->kprobe_type, ret_bit = p->kprobe_ret_bit;
	unsigned long long t = now_ns();
	int i;

	for (i = 0; i < PT_NR_PROBES; i++) {
		if (pe_fd[i] >= 0 || !probe_present(i))
			continue;
		if (type < 0 || ret_bit < 0 || ret_bit > 63) {
			pe_fd[i] = -EOPNOTSUPP;
			continue;
		}
		if (probe_is_gup(i)) {
			pe_entry_fd[i] = open_kprobe_event(type, ret_bit, probe_addr[i], false);
			if (pe_entry_fd[i] < 0) {
				pe_fd[i] = pe_entry_fd[i];
				continue;
			}
		}
		pe_fd[i] = open_kprobe_event(type, ret_bit, probe_addr[i], probe_is_gup(i));
		if (t_debug0)
			fprintf(stderr, "[%6.1f ms] pintrace: kprobe %s: %s\n",
				(double)(now_ns() - t_debug0) / 1e6, probes[i].sym,
				pe_fd[i] < 0 ? strerror(-pe_fd[i]) : "made");
	}
	probes_ns += now_ns() - t;
}

/*
 * Bind @prog to the perf event @fd, cookie @i
 * (bpf_program__attach_perf_event_opts(): BPF_LINK_CREATE, v5.15, then
 * enabled).  The link owns @fd and lives as long as the process; when the
 * binding fails @fd is closed.  Returns the link or NULL.
 */
static struct bpf_link *bind_event(struct bpf_program *prog, int fd, int i)
{
	LIBBPF_OPTS(bpf_perf_event_opts, po, .bpf_cookie = (__u64)i);
	struct bpf_link *l = bpf_program__attach_perf_event_opts(prog, fd, &po);

	if (!l)
		close(fd);
	return l;
}

/*
 * Probe @i's perf events made ahead (@p->early) bound to its programs, the
 * entry half first.  Returns true when attached; closes the events of a
 * probe that is not.
 */
static bool bind_probe(const struct pt_progs *p, int i)
{
	struct bpf_program *entry, *prog = probe_progs(p, i, &entry);
	struct bpf_link *l1 = NULL, *l2 = NULL;

	if (pe_fd[i] < 0 || !prog || (entry && pe_entry_fd[i] < 0)) {
		if (pe_fd[i] >= 0)
			close(pe_fd[i]);
		if (pe_entry_fd[i] >= 0)
			close(pe_entry_fd[i]);
		return false;
	}
	if (entry) {
		l1 = bind_event(entry, pe_entry_fd[i], i);
		if (!l1) {
			close(pe_fd[i]);
			return false;
		}
	}
	l2 = bind_event(prog, pe_fd[i], i);
	if (!l2)
		bpf_link__destroy(l1);
	return l2;
}

/*
 * With the symbols resolved: every probe whose function is present is
 * attached (by address; kprobe.multi links where the kernel has them, the
 * kprobes made ahead where @p->early); the functions go to @attached,
 * @missing or @failed.
 */
static void attach_probes(const struct pt_progs *p, json_t *attached, json_t *missing,
			  json_t *failed)
{
	bool ok[PT_NR_PROBES] = { false };
	int i;

	if (p->multi)
		attach_multi(p, ok);
	for (i = 0; i < PT_NR_PROBES; i++) {
		json_t *to = attached;

		if (!probe_present(i))
			to = missing;
		else if (!(p->multi ? ok[i] : p->early ? bind_probe(p, i) : attach_one(p, i)))
			to = failed;
		json_array_append_new(to, json_string(probes[i].sym));
	}
}

/* Events the probes could not put in the full ring buffer (per-CPU map). */
static unsigned long long count_lost(struct pintrace_bpf *skel)
{
	unsigned long long nlost = 0;
	int i, ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 zero = 0;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (vals && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.lost), &zero, vals))
		for (i = 0; i < ncpu; i++)
			nlost += vals[i];
	free(vals);
	return nlost;
}

/**
 * struct args - the command line
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
 * @wait_s: --wait SEC: how long VICTIM (and FILE) may take to appear (0:
 *	they must exist).
 */
struct args {
	const char *file, *out_path, *ready, *done, *attach_after, *btf;
	bool linger, kallsyms, no_multi;
	long wait_s;
};

/* Parse the options; 0, or the exit status (help: 0 after printing). */
static int parse_args(int argc, char **argv, struct args *a, bool *exit_now)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "wait", required_argument, NULL, 'w' },
		{ "out", required_argument, NULL, 'o' },
		{ "ready", required_argument, NULL, 'r' },
		{ "done", required_argument, NULL, 'd' },
		{ "attach-after", required_argument, NULL, 'a' },
		{ "linger", no_argument, NULL, 'l' },
		{ "btf", required_argument, NULL, 'b' },
		{ "kallsyms", no_argument, NULL, 'k' },
		{ "no-multi", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	*exit_now = true;
	while ((opt = getopt_long(argc, argv, "f:w:o:r:d:a:lb:kmh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': a->file = optarg; break;
		case 'w':
			a->wait_s = strtol(optarg, &end, 10);
			if (*end || end == optarg || a->wait_s < 0 || a->wait_s > 3600) {
				fprintf(stderr, "pintrace: --wait takes seconds (0..3600), not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'o': a->out_path = optarg; break;
		case 'r': a->ready = optarg; break;
		case 'd': a->done = optarg; break;
		case 'a': a->attach_after = optarg; break;
		case 'l': a->linger = true; break;
		case 'b': a->btf = optarg; break;
		case 'k': a->kallsyms = true; break;
		case 'm': a->no_multi = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!a->file || optind < argc) {
		fprintf(stderr, "pintrace: --file VICTIM is required\n");
		usage(stderr);
		return 2;
	}
	*exit_now = false;
	return 0;
}

/* When each phase of the set-up ended (now_ns()), for the start event's setup_ms. */
struct pt_times {
	unsigned long long start, open, load0, load, attach0, attach, file;
};

/* Load the programs choose_programs() chose; 0, or 1 after saying why. */
static int load_progs(struct pintrace_bpf *skel, struct pt_progs *p, struct pt_times *tm)
{
	int err;

	choose_programs(skel, p);
	tm->load0 = now_ns();
	err = pintrace_bpf__load(skel);
	tm->load = now_ns();
	if (err)
		fprintf(stderr, "pintrace: cannot load the BPF programs: %s\n", strerror(-err));
	return !!err;
}

/*
 * The symbols through the kernel (lookup_syms(), after the --attach-after
 * wait, into ksyms_job), then, with @arg's (struct pt_progs) @early, the
 * kprobes made (open_probe_events()).  With @early and --attach-after the
 * functions already there (vmlinux's: all but the filesystem modules')
 * are looked up and get their kprobes before the wait too, beside the
 * caller's module loads: the wait then only holds back the modules'
 * functions.
 */
static void *syms_thread(void *arg)
{
	const struct pt_progs *p = arg;
	int i;

	for (i = 0; i < PT_NR_PROBES; i++)
		pe_fd[i] = pe_entry_fd[i] = -ENOENT;
	if (p->early && ksyms_job.after && !lookup_syms(NULL))
		open_probe_events(p);
	timed_resolve(&ksyms_job, lookup_syms, NULL);
	if (!ksyms_job.err && p->early)
		open_probe_events(p);
	return NULL;
}

/*
 * Open, load and attach the BPF programs.  The symbols are resolved in a
 * thread beside the load: through the kernel (@p->syms: pintrace_syms.bpf.c,
 * which loads first, in milliseconds), or from /proc/kallsyms; either once
 * @a->attach_after exists, if given (the caller's modules are loaded by
 * then: their symbols are known, and attaching, which patches kernel text,
 * does not wait on their loading).  With @p->early that thread also makes
 * the kprobes while the programs load.  With cookies the programs are
 * loaded meanwhile; without, which per-probe programs to load needs the
 * symbols first.  *@skel is set as soon as it is open (the caller destroys
 * it, and sym_skel).  Returns 0, or 1 (2 for a missing @a->attach_after)
 * after saying why.
 */
static int load_probes(struct pintrace_bpf **skel, struct pt_progs *p, const struct args *a,
		       json_t *attached, json_t *missing, json_t *failed, struct pt_times *tm)
{
	const char *what = "/proc/kallsyms";
	pthread_t tid;
	int rc = 1, jrc;

	tm->start = now_ns();
	p->kprobe_type = sysfs_int("/sys/bus/event_source/devices/kprobe/type", "%d");
	p->kprobe_ret_bit = sysfs_int("/sys/bus/event_source/devices/kprobe/format/retprobe",
				      "config:%d");
	p->by_addr = p->kprobe_type >= 0;
	p->cookies = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_attach_cookie,
					     NULL) > 0;
	p->syms = p->cookies && p->by_addr && !a->kallsyms &&
		  libbpf_probe_bpf_helper(BPF_PROG_TYPE_SYSCALL, BPF_FUNC_kallsyms_lookup_name,
					  NULL) > 0 &&
		  libbpf_probe_bpf_helper(BPF_PROG_TYPE_SYSCALL, BPF_FUNC_snprintf, NULL) > 0;
	p->multi = p->syms && !a->no_multi && kprobe_multi_works();
	p->early = p->syms && !p->multi;
	ksyms_job.after = a->attach_after;
	ksyms_job.wait_s = a->wait_s;
	if (p->syms) {
		what = "pt_lookup";
		sym_skel = pintrace_syms_bpf__open_and_load();
		if (!sym_skel) {
			fprintf(stderr, "pintrace: cannot load the symbol programs: %s\n", strerror(errno));
			return 1;
		}
	}
	if (pthread_create(&tid, NULL, p->syms ? syms_thread : ksyms_thread,
			   p->syms ? (void *)p : (void *)&ksyms_job)) {
		fprintf(stderr, "pintrace: cannot start a thread\n");
		return 1;
	}
	{
		/* the kernel's BTF cut to what the programs use (the initramfs's) */
		LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = a->btf);

		*skel = pintrace_bpf__open_opts(&oo);
	}
	tm->open = tm->load0 = tm->load = now_ns();
	if (!*skel)
		fprintf(stderr, "pintrace: cannot open the BPF object: %s\n", strerror(errno));
	else if (!p->cookies || !load_progs(*skel, p, tm))
		rc = 0;
	/* joined on every path: the thread uses sym_skel, which the caller frees */
	jrc = ksyms_join(tid, what);
	if (rc || jrc)
		return rc ? rc : jrc;
	if (p->syms)
		symbolize_fd = bpf_program__fd(sym_skel->progs.pt_symbolize);
	if (!p->cookies && load_progs(*skel, p, tm))
		return 1;
	tm->attach0 = now_ns();
	attach_probes(p, attached, missing, failed);
	tm->attach = now_ns();
	return 0;
}

/*
 * The victim: until it exists (--wait), nothing is recorded (armed 0); then the programs get its
 * device and inode and are armed.  Sets *@st and @dev ("MAJ:MIN").  Returns 0, or 2 after saying
 * why.
 */
static int arm_on_file(struct pintrace_bpf *skel, const struct args *a, struct stat *st,
		       char *dev, size_t n, struct pt_times *tm)
{
	dev_t sbdev;
	int err = wait_for_file(a->file, a->wait_s, st);

	if (err) {
		fprintf(stderr, "pintrace: %s: %s\n", a->file, strerror(-err));
		return 2;
	}
	/* kernel dev_t is MAJOR << 20 | MINOR (include/linux/kdev_t.h) */
	sbdev = sb_dev_of(a->file, st->st_dev);
	skel->bss->targ_dev = (major(sbdev) << 20) | minor(sbdev);
	skel->bss->targ_ino = st->st_ino;
	skel->bss->vmemmap_base_addr = vmemmap_base_addr;
	snprintf(dev, n, "%u:%u", major(sbdev), minor(sbdev));
	__atomic_store_n(&skel->bss->armed, 1, __ATOMIC_SEQ_CST);
	tm->file = now_ns();
	return 0;
}

/* The start event; it takes the arrays' references (json_pack's "o"). */
static json_t *start_event(const struct args *a, const struct stat *st, const char *dev,
			   const struct pt_progs *p, json_t *attached, json_t *missing,
			   json_t *failed, const struct pt_times *tm)
{
	struct utsname uts;

	uname(&uts);
	return json_pack("{s:s,s:I,s:s,s:s,s:I,s:s,s:b,s:s,s:s,s:s,s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
			 "event", "start", "ts_ns", (json_int_t)now_ns(), "kernel", uts.release,
			 "file", a->file, "ino", (json_int_t)st->st_ino, "dev", dev,
			 "cookies", p->cookies, "btf", a->btf ? a->btf : "/sys/kernel/btf/vmlinux",
			 "symbols", p->syms ? "kallsyms_lookup_name" : "/proc/kallsyms",
			 "attach", p->multi ? "kprobe.multi" : "kprobe",
			 "attached", attached, "missing", missing,
			 "failed", failed,
			 "setup_ms", "kallsyms", (json_int_t)(ksyms_job.ns / 1000000),
			 "kallsyms_cpu", (json_int_t)(ksyms_job.cpu_ns / 1000000),
			 "open", (json_int_t)((tm->open - tm->start) / 1000000),
			 "load", (json_int_t)((tm->load - tm->load0) / 1000000),
			 "wait", (json_int_t)((ksyms_job.go - ksyms_job.wait0) / 1000000),
			 "probes", (json_int_t)(probes_ns / 1000000),
			 "attach", (json_int_t)((tm->attach - tm->attach0) / 1000000),
			 "file_wait", (json_int_t)((tm->file - tm->attach) / 1000000));
}

/* Say ready (--ready), then record events until SIGINT or SIGTERM, and what is left after. */
static void record(struct ring_buffer *rb, const char *ready)
{
	int err;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	touch(ready);
	while (!stop) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR)
			break;
	}
	ring_buffer__consume(rb);
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct pt_progs p = { 0 };
	json_t *attached = NULL, *missing = NULL, *failed = NULL;
	struct ring_buffer *rb = NULL;
	struct pintrace_bpf *skel = NULL;
	struct pt_times tm;
	struct stat st;
	bool exit_now;
	int rc;
	char dev[32];

	rc = parse_args(argc, argv, &a, &exit_now);
	if (exit_now)
		return rc;
	rc = 2;
	if (!a.wait_s && stat(a.file, &st)) {
		fprintf(stderr, "pintrace: %s: %s\n", a.file, strerror(errno));
		goto cleanup;
	}
	out = a.out_path ? fopen(a.out_path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "pintrace: %s: %s\n", a.out_path, strerror(errno));
		goto cleanup;
	}
	rc = 1;
	if (getenv("PINTRACE_DEBUG")) {
		t_debug0 = now_ns();
		libbpf_set_print(debug_print);
	}
	attached = json_array();
	missing = json_array();
	failed = json_array();
	rc = load_probes(&skel, &p, &a, attached, missing, failed, &tm);
	if (rc)
		goto cleanup;
	rc = arm_on_file(skel, &a, &st, dev, sizeof(dev), &tm);
	if (rc)
		goto cleanup;
	rc = 1;
	stacks_fd = bpf_map__fd(skel->maps.stacks);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "pintrace: cannot open the ring buffer\n");
		goto cleanup;
	}

	put_line(start_event(&a, &st, dev, &p, attached, missing, failed, &tm));
	attached = missing = failed = NULL;
	record(rb, a.ready);

	put_line(json_pack("{s:s,s:I,s:I,s:I}", "event", "end", "ts_ns", (json_int_t)now_ns(),
			   "events", (json_int_t)nr_events, "lost", (json_int_t)count_lost(skel)));
	touch(a.done);
	rc = 0;
	/*
	 * --linger: the caller powers the machine off next.  Exiting would
	 * detach every kprobe (unregister_kprobe(): an RCU grace period
	 * each, ~0.1-0.3 s of CPU under TCG) beside its unmount and power-off
	 * for nothing; stay until killed instead.
	 */
	while (a.linger)
		pause();
cleanup:
	for (size_t i = 0; i < sizeof(sym_cache) / sizeof(sym_cache[0]); i++)
		free(sym_cache[i].frame);
	json_decref(attached);
	json_decref(missing);
	json_decref(failed);
	ring_buffer__free(rb);
	pintrace_bpf__destroy(skel);
	pintrace_syms_bpf__destroy(sym_skel);
	if (out && out != stdout)
		fclose(out);
	return rc;
}
