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
 *
 * The units (loader.h, docs/code.md): ksyms.c resolves the symbols,
 * attach.c loads and attaches the programs, output.c writes the lines;
 * this file is the command line, the victim and the ring buffer loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "loader.h"
#include "pintrace.skel.h"

unsigned long long pt_debug0;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* PINTRACE_DEBUG=1: libbpf's messages, with ms since start, on stderr */
static int debug_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	fprintf(stderr, "[%6.1f ms] ", (double)(now_ns() - pt_debug0) / 1e6);
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

/* Parse the options; 0, or the exit status (help: 0 after printing). */
static int parse_args(int argc, char **argv, struct pt_args *a, bool *exit_now)
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

/*
 * The victim: until it exists (--wait), nothing is recorded (armed 0); then the programs get its
 * device and inode (and @sy's vmemmap_base) and are armed.  Sets *@st and @dev ("MAJ:MIN").  Returns 0, or 2 after saying
 * why.
 */
static int arm_on_file(struct pintrace_bpf *skel, const struct pt_syms *sy, const struct pt_args *a,
		       struct stat *st, char *dev, size_t n, struct pt_times *tm)
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
	skel->bss->vmemmap_base_addr = sy->vmemmap_base_addr;
	snprintf(dev, n, "%u:%u", major(sbdev), minor(sbdev));
	__atomic_store_n(&skel->bss->armed, 1, __ATOMIC_SEQ_CST);
	tm->file = now_ns();
	return 0;
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

/**
 * struct pt_main - what main() sets up and tears down
 * @a: the command line.
 * @p: the programs (and through @p.sy the symbols).
 * @out: where the events go.
 * @skel: the probes' skeleton.
 * @rb: the ring buffer of the events.
 * @attached: the functions attached, for the start event (NULL once it
 *	took them).
 * @missing: those the kernel does not have.
 * @failed: those that could not be attached.
 * @tm: the set-up's times.
 * @st: the victim's stat.
 * @dev: its super block's device, "MAJ:MIN".
 */
struct pt_main {
	struct pt_args a;
	struct pt_progs p;
	struct pt_out out;
	struct pintrace_bpf *skel;
	struct ring_buffer *rb;
	json_t *attached, *missing, *failed;
	struct pt_times tm;
	struct stat st;
	char dev[32];
};

/*
 * The output, the probes loaded, attached and armed on the victim, and the
 * ring buffer.  Returns 0, or the exit status after saying why: 2 for the
 * victim or the output, 1 for the rest.
 */
static int setup(struct pt_main *m)
{
	int rc;

	if (!m->a.wait_s && stat(m->a.file, &m->st)) {
		fprintf(stderr, "pintrace: %s: %s\n", m->a.file, strerror(errno));
		return 2;
	}
	m->out.f = m->a.out_path ? fopen(m->a.out_path, "w") : stdout;
	if (!m->out.f) {
		fprintf(stderr, "pintrace: %s: %s\n", m->a.out_path, strerror(errno));
		return 2;
	}
	if (getenv("PINTRACE_DEBUG")) {
		pt_debug0 = now_ns();
		libbpf_set_print(debug_print);
	}
	m->attached = json_array();
	m->missing = json_array();
	m->failed = json_array();
	m->p.sy = m->out.sy = ksyms_new();
	if (!m->p.sy) {
		fprintf(stderr, "pintrace: out of memory\n");
		return 1;
	}
	rc = load_probes(&m->skel, &m->p, &m->a, m->attached, m->missing, m->failed, &m->tm);
	if (!rc)
		rc = arm_on_file(m->skel, m->p.sy, &m->a, &m->st, m->dev, sizeof(m->dev), &m->tm);
	if (rc)
		return rc;
	m->out.stacks_fd = bpf_map__fd(m->skel->maps.stacks);
	m->rb = ring_buffer__new(bpf_map__fd(m->skel->maps.events), on_event, &m->out, NULL);
	if (!m->rb) {
		fprintf(stderr, "pintrace: cannot open the ring buffer\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pt_main m = {};
	bool exit_now;
	int rc;

	rc = parse_args(argc, argv, &m.a, &exit_now);
	if (exit_now)
		return rc;
	rc = setup(&m);
	if (!rc) {
		put_line(&m.out, start_event(&m.a, &m.st, m.dev, &m.p, m.attached, m.missing,
					     m.failed, &m.tm));
		m.attached = m.missing = m.failed = NULL;
		record(m.rb, m.a.ready);
		put_line(&m.out, end_event(&m.out, m.skel));
		touch(m.a.done);
		/*
		 * --linger: the caller powers the machine off next.  Exiting
		 * would detach every kprobe (unregister_kprobe(): an RCU grace
		 * period each, ~0.1-0.3 s of CPU under TCG) beside its unmount
		 * and power-off for nothing; stay until killed instead.
		 */
		while (m.a.linger)
			pause();
	}
	json_decref(m.attached);
	json_decref(m.missing);
	json_decref(m.failed);
	ring_buffer__free(m.rb);
	pintrace_bpf__destroy(m.skel);
	ksyms_free(m.p.sy);
	if (m.out.f && m.out.f != stdout)
		fclose(m.out.f);
	return rc;
}
