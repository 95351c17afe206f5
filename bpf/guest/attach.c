// SPDX-License-Identifier: GPL-2.0
/*
 * attach.c - pintrace's probes attached (loader.h): which programs of the
 * skeleton load, the symbols resolved in a thread beside the load, and
 * each probe whose kernel function the symbols have attached by address
 * (autoload off for the others).  Where the kernel has kprobe.multi
 * (CONFIG_FPROBE; not --no-multi) one link per program; else a kprobe
 * each, on v5.16+ made (perf_event_open(), which arms it) in that thread
 * while the probe programs are in the verifier, then bound to them.
 * With --attach-after FILE the programs are loaded at once (with cookies,
 * v5.15+), the symbols resolved and the probes attached once FILE exists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>

#include "loader.h"
#include "pintrace.skel.h"
#include "pintrace_syms.skel.h"

#define X_NAME(id, sym, kind, shape)	[PT_##id] = { #id, sym, kind, PT_S_##shape },
const struct pt_probe_info pt_probes[PT_NR_PROBES] = { PT_PROBES(X_NAME) };

#define X_SHAPE(sh)	[PT_S_##sh] = #sh,
static const char *const shape_names[PT_S_NR] = { PT_SHAPES(X_SHAPE) };

int wait_for_file(const char *path, long wait_s, struct stat *st)
{
	long i;

	for (i = 0; stat(path, st); i++) {
		if (errno != ENOENT || i >= wait_s * 100)
			return -errno;
		usleep(10000);
	}
	return 0;
}

/* @j's wait, then @resolve(@arg), timed (wall and this thread's CPU) into @j. */
static void timed_resolve(struct pt_job *j, int (*resolve)(struct pt_syms *), struct pt_syms *sy)
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
	j->err = resolve(sy);
	j->ns = now_ns() - t;
	j->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c;
}

/* The symbols' thread without pt_lookup: all of /proc/kallsyms. */
static void *ksyms_thread(void *arg)
{
	struct pt_progs *p = arg;

	timed_resolve(&p->job, ksyms_load, p->sy);
	return NULL;
}

/*
 * How the resolution @j through @what ended: 0, or 1 after saying why (2:
 * the --attach-after file did not appear).
 */
static int ksyms_result(const struct pt_job *j, const char *what)
{
	if (j->missing) {
		fprintf(stderr, "pintrace: %s: %s\n", j->after, strerror(-j->missing));
		return 2;
	}
	if (j->err) {
		fprintf(stderr, "pintrace: %s: %s\n", what, strerror(-j->err));
		return 1;
	}
	return 0;
}

/*
 * Wait for the symbols' thread (@j, @what: how it resolves them); 0, or 1
 * (2) after saying why (ksyms_result()).
 */
static int ksyms_join(pthread_t tid, const struct pt_job *j, const char *what)
{
	if (pthread_join(tid, NULL)) {
		fprintf(stderr, "pintrace: %s: %s\n", what, strerror(EAGAIN));
		return 1;
	}
	return ksyms_result(j, what);
}

/* A GUP probe: an entry half (the pages array) and a return half (the pages pinned). */
static bool probe_is_gup(int i)
{
	return pt_probes[i].shape == PT_S_GUP4 || pt_probes[i].shape == PT_S_GUP5;
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

		snprintf(name, sizeof(name), "pt_%s", pt_probes[i].id);
		p->progs[i] = bpf_object__find_program_by_name(skel->obj, name);
		snprintf(name, sizeof(name), "pt_%s_entry", pt_probes[i].id);
		p->entries[i] = bpf_object__find_program_by_name(skel->obj, name);
		if (p->progs[i])
			bpf_program__set_autoload(p->progs[i], !p->cookies && probe_present(p->sy, i));
		if (p->entries[i])
			bpf_program__set_autoload(p->entries[i], !p->cookies && probe_present(p->sy, i));
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
	*entry = gup ? p->shapes[pt_probes[i].shape] : NULL;
	return gup ? p->gup_ret : p->shapes[pt_probes[i].shape];
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
	const char *func = pt_probes[i].sym;
	struct bpf_program *entry, *prog = probe_progs(p, i, &entry);
	struct bpf_link *l1 = NULL, *l2 = NULL;

	if (!prog)
		return false;
	if (p->by_addr && p->sy->probe_nsyms[i] == 1) {
		func = NULL;
		kopts.offset = p->sy->probe_addr[i];
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
	if (pt_debug0)
		fprintf(stderr, "[%6.1f ms] pintrace: %s %s%s\n", (double)(now_ns() - pt_debug0) / 1e6,
			l2 ? "attached" : "failed", pt_probes[i].sym, func ? " (by name)" : " (by address)");
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
 * @ids at their addresses in @sy, cookie = probe id; when the kernel refuses the lot (a function it
 * cannot trace), one link a probe, so only that one fails.  Sets @ok[id]
 * for each probe attached.
 */
static void attach_multi_group(const struct pt_syms *sy, struct bpf_program *prog, bool retprobe,
			       const int *ids, size_t n, bool *ok)
{
	unsigned long addrs[PT_NR_PROBES];
	__u64 cookies[PT_NR_PROBES];
	LIBBPF_OPTS(bpf_kprobe_multi_opts, mo, .addrs = addrs, .cookies = cookies, .cnt = n,
		    .retprobe = retprobe);
	size_t k;

	if (!n)
		return;
	for (k = 0; k < n; k++) {
		addrs[k] = sy->probe_addr[ids[k]];
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
		attach_multi_group(sy, prog, retprobe, &ids[k], 1, ok);
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
			if (probe_present(p->sy, i) && pt_probes[i].shape == (enum pt_shape)sh)
				ids[n++] = i;
		if (p->shapes[sh])
			attach_multi_group(p->sy, p->shapes[sh], false, ids, n, entry_ok);
	}
	for (n = 0, i = 0; i < PT_NR_PROBES; i++) {
		if (probe_is_gup(i) && entry_ok[i])
			ids[n++] = i;
		else
			ok[i] = entry_ok[i] && !probe_is_gup(i);
	}
	if (p->gup_ret)
		attach_multi_group(p->sy, p->gup_ret, true, ids, n, ok);
}

/*
 * The number after @prefix ("" or "config:") on the first line of the
 * sysfs file @path; -1 if not there.
 */
static int sysfs_int(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "re");
	size_t n = strlen(prefix);
	char line[64], *end;
	long v = -1;

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && !strncmp(line, prefix, n)) {
		v = strtol(line + n, &end, 10);
		if (end == line + n || v < 0 || v > INT_MAX)
			v = -1;
	}
	fclose(f);
	return (int)v;
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
 * about as long, one vCPU each.  Adds its wall time to p->probes_ns.
 */
static void open_probe_events(struct pt_progs *p)
{
	int type = p->kprobe_type, ret_bit = p->kprobe_ret_bit;
	unsigned long long t = now_ns();
	int i;

	for (i = 0; i < PT_NR_PROBES; i++) {
		if (p->pe_fd[i] >= 0 || !probe_present(p->sy, i))
			continue;
		if (type < 0 || ret_bit < 0 || ret_bit > 63) {
			p->pe_fd[i] = -EOPNOTSUPP;
			continue;
		}
		if (probe_is_gup(i)) {
			p->pe_entry_fd[i] = open_kprobe_event(type, ret_bit, p->sy->probe_addr[i], false);
			if (p->pe_entry_fd[i] < 0) {
				p->pe_fd[i] = p->pe_entry_fd[i];
				continue;
			}
		}
		p->pe_fd[i] = open_kprobe_event(type, ret_bit, p->sy->probe_addr[i], probe_is_gup(i));
		if (pt_debug0)
			fprintf(stderr, "[%6.1f ms] pintrace: kprobe %s: %s\n",
				(double)(now_ns() - pt_debug0) / 1e6, pt_probes[i].sym,
				p->pe_fd[i] < 0 ? strerror(-p->pe_fd[i]) : "made");
	}
	p->probes_ns += now_ns() - t;
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

	if (p->pe_fd[i] < 0 || !prog || (entry && p->pe_entry_fd[i] < 0)) {
		if (p->pe_fd[i] >= 0)
			close(p->pe_fd[i]);
		if (p->pe_entry_fd[i] >= 0)
			close(p->pe_entry_fd[i]);
		return false;
	}
	if (entry) {
		l1 = bind_event(entry, p->pe_entry_fd[i], i);
		if (!l1) {
			close(p->pe_fd[i]);
			return false;
		}
	}
	l2 = bind_event(prog, p->pe_fd[i], i);
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

		if (!probe_present(p->sy, i))
			to = missing;
		else if (!(p->multi ? ok[i] : p->early ? bind_probe(p, i) : attach_one(p, i)))
			to = failed;
		json_array_append_new(to, json_string(pt_probes[i].sym));
	}
}

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
 * The symbols through the kernel (ksyms_lookup(), after the --attach-after
 * wait, into @p->job), then, with @arg's (struct pt_progs) @early, the
 * kprobes made (open_probe_events()).  With @early and --attach-after the
 * functions already there (vmlinux's: all but the filesystem modules')
 * are looked up and get their kprobes before the wait too, beside the
 * caller's module loads: the wait then only holds back the modules'
 * functions.
 */
static void *syms_thread(void *arg)
{
	struct pt_progs *p = arg;
	int i;

	for (i = 0; i < PT_NR_PROBES; i++)
		p->pe_fd[i] = p->pe_entry_fd[i] = -ENOENT;
	if (p->early && p->job.after && !ksyms_lookup(p->sy))
		open_probe_events(p);
	timed_resolve(&p->job, ksyms_lookup, p->sy);
	if (!p->job.err && p->early)
		open_probe_events(p);
	return NULL;
}

/*
 * What this kernel has, into @p: the kprobe PMU, cookies, the symbol
 * helpers (unless --kallsyms), kprobe.multi (unless --no-multi).
 */
static void probe_kernel(struct pt_progs *p, const struct pt_args *a)
{
	p->kprobe_type = sysfs_int("/sys/bus/event_source/devices/kprobe/type", "");
	p->kprobe_ret_bit = sysfs_int("/sys/bus/event_source/devices/kprobe/format/retprobe",
				      "config:");
	p->by_addr = p->kprobe_type >= 0;
	p->cookies = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_attach_cookie,
					     NULL) > 0;
	p->syms = p->cookies && p->by_addr && !a->kallsyms &&
		  libbpf_probe_bpf_helper(BPF_PROG_TYPE_SYSCALL, BPF_FUNC_kallsyms_lookup_name,
					  NULL) > 0 &&
		  libbpf_probe_bpf_helper(BPF_PROG_TYPE_SYSCALL, BPF_FUNC_snprintf, NULL) > 0;
	p->multi = p->syms && !a->no_multi && kprobe_multi_works();
	p->early = p->syms && !p->multi;
	p->job.after = a->attach_after;
	p->job.wait_s = a->wait_s;
}

/* Open the BPF object (with @a->btf) into *@skel; with cookies load it too. 0, or 1 after saying why. */
static int open_progs(struct pintrace_bpf **skel, struct pt_progs *p, const struct pt_args *a,
		      struct pt_times *tm)
{
	/* the kernel's BTF cut to what the programs use (the initramfs's) */
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = a->btf);

	*skel = pintrace_bpf__open_opts(&oo);
	tm->open = tm->load0 = tm->load = now_ns();
	if (!*skel) {
		fprintf(stderr, "pintrace: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	return p->cookies ? load_progs(*skel, p, tm) : 0;
}

int load_probes(struct pintrace_bpf **skel, struct pt_progs *p, const struct pt_args *a,
		json_t *attached, json_t *missing, json_t *failed, struct pt_times *tm)
{
	const char *what = "/proc/kallsyms";
	pthread_t tid;
	int rc, jrc;

	tm->start = now_ns();
	probe_kernel(p, a);
	if (p->syms) {
		what = "pt_lookup";
		p->sy->skel = pintrace_syms_bpf__open_and_load();
		if (!p->sy->skel) {
			fprintf(stderr, "pintrace: cannot load the symbol programs: %s\n", strerror(errno));
			return 1;
		}
	}
	if (pthread_create(&tid, NULL, p->syms ? syms_thread : ksyms_thread, p)) {
		fprintf(stderr, "pintrace: cannot start a thread\n");
		return 1;
	}
	rc = open_progs(skel, p, a, tm);
	/* joined on every path: the thread uses the symbols, which the caller frees */
	jrc = ksyms_join(tid, &p->job, what);
	if (rc || jrc)
		return rc ? rc : jrc;
	if (p->syms)
		p->sy->symbolize_fd = bpf_program__fd(p->sy->skel->progs.pt_symbolize);
	if (!p->cookies && load_progs(*skel, p, tm))
		return 1;
	tm->attach0 = now_ns();
	attach_probes(p, attached, missing, failed);
	tm->attach = now_ns();
	return 0;
}
