// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro - run a scenario of steps against /dev/gup_repro inside the
 * guest and report, after every step, the folio state of the first victim
 * page: from the module (GUP_REPRO_IOC_STATE) while it holds a pin, else
 * from /proc/self/pagemap + /proc/kpageflags + /proc/kpagecount.
 *
 * Output per step: one JSON object (machine line; to --log FILE when
 * given, else to stdout) and one human line on stdout.  The last stdout
 * line is "gup-repro: scenario=NAME status=complete|failed|refused ..."
 * for people; the host's verdict reads the same status from the last JSON
 * record ({"event":"status",...}).  After the steps (unless
 * --no-integrity), the data-integrity check: sync, drop the victim from the
 * page cache, read it back with O_DIRECT and compare with every byte the
 * steps wrote through the mapping or the pin ("integrity" records).
 *
 * Exit: 0 every step succeeded (a sync step's writeback error, see
 * struct gupr_step.reports_wb, is noted, not a failure), 1 a step failed,
 * 2 usage error, 3 the kernel refused a long-term pin (a mitigation, see
 * struct gupr_step).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "gup_repro.h"
#include "folio_flags.h"
#include "steps.h"
#include "gupr_facts.h"

#define DEFAULT_FILE	"/mnt/scratch/victim"
#define DEFAULT_DEVICE	"/dev/gup_repro"
/* --seed-rng: bytes read from FILE, at most (the input pool's size) */
#define SEED_MAX	512

static const char *prog = "gup-repro";

/**
 * struct snap - folio state of the first victim page after a step
 * @source: "module", "kpageflags" or "none".
 * @st: the state; for "kpageflags", ino and dev are the driver's fstat()
 *	of the victim and index is 0 (the first mapped page).
 */
struct snap {
	const char *source;
	struct gup_repro_page_state st;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  -s, --scenario NAME  run the named scenario (default: %s)\n"
		"  -S, --steps LIST     run a custom comma-separated list of steps\n"
		"  -l, --list           list scenarios and steps, then exit\n"
		"      --list-scenarios the scenario names, one a line, then exit\n"
		"  -f, --file PATH      victim file on the filesystem under test (default: %s)\n"
		"  -p, --pages N        pages to map and pin, 1..%d (default: 1)\n"
		"  -d, --device PATH    module device (default: %s)\n"
		"  -o, --log FILE       write the JSON step lines to FILE instead of stdout\n"
		"  -n, --dry-run        check the arguments and the order of the steps, print the\n"
		"                       plan; touch nothing\n"
		"  -I, --no-integrity   skip the data-integrity check after the steps\n"
		"      --expect RELEASE FS  print each scenario's and module-free trigger's\n"
		"                       predicted matrix result on that kernel release and\n"
		"                       filesystem, then exit\n"
		"      --seed-rng FILE  credit FILE's bytes (up to %d) to the kernel's RNG and\n"
		"                       reseed its CRNG (a guest resumed from a snapshot),\n"
		"                       then exit\n"
		"  -h, --help           this text\n"
		"Exit: 0 all steps ran, 1 a step failed, 2 bad usage, 3 the kernel refused\n"
		"a long-term pin (EFAULT/EOPNOTSUPP from pin-longterm or iouring-register).\n",
		prog, GUPR_DEFAULT_SCENARIO, DEFAULT_FILE, GUP_REPRO_MAX_PAGES, DEFAULT_DEVICE,
		SEED_MAX);
}

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

static void list_all(void)
{
	size_t i;

	printf("scenarios:\n");
	for (i = 0; i < gupr_nr_scenarios; i++)
		printf("  %-16s %s\n    steps: %s\n", gupr_scenarios[i].name,
		       gupr_scenarios[i].desc, gupr_scenarios[i].steps);
	printf("steps:\n");
	for (i = 0; i < gupr_nr_steps; i++)
		printf("  %-16s %s\n", gupr_steps[i].name, gupr_steps[i].desc);
}

static const char *errname(int err)
{
	const char *n = err ? strerrorname_np(err) : "";

	return n ? n : "E?";
}

/* Read one 64-bit entry of a /proc page table file. */
static int read_u64(const char *path, off_t off, unsigned long long *val)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, val, sizeof(*val), off);
	close(fd);
	return n == sizeof(*val) ? 0 : -EIO;
}

static void take_snap(struct gupr_ctx *c, struct snap *s)
{
	unsigned long long pm, kf, cnt;
	size_t i;
	off_t vpn;

	memset(s, 0, sizeof(*s));
	s->source = "none";
	if (c->nr_pinned && c->dev_fd >= 0) {
		s->st.size = sizeof(s->st);
		s->st.page = 0;
		if (!ioctl(c->dev_fd, GUP_REPRO_IOC_STATE, &s->st)) {
			s->source = "module";
			return;
		}
		memset(&s->st, 0, sizeof(s->st));
	}
	if (!c->map)
		return;
	vpn = (off_t)((unsigned long)c->map / c->page_size);
	if (read_u64("/proc/self/pagemap", vpn * 8, &pm) || !(pm >> 63 & 1))
		return;
	s->st.pfn = pm & ((1ULL << 55) - 1);
	if (!s->st.pfn || read_u64("/proc/kpageflags", (off_t)s->st.pfn * 8, &kf))
		return;
	if (!read_u64("/proc/kpagecount", (off_t)s->st.pfn * 8, &cnt))
		s->st.mapcount = (__s32)cnt;
	s->source = "kpageflags";
	s->st.refcount = -1;	/* not exported by /proc */
	s->st.ino = c->ino;
	s->st.dev = c->dev;
	s->st.flags = 0;
	for (i = 0; i < GUPR_NR_FLAGS; i++)
		if (gupr_flags[i].kpf >= 0 && (kf >> gupr_flags[i].kpf & 1))
			s->st.flags |= gupr_flags[i].bit;
	if (!(s->st.flags & GUP_REPRO_F_ANON))
		s->st.flags |= GUP_REPRO_F_FILE;
}

static void flags_str(__u32 flags, char *buf, size_t len, const char *sep,
		      int quote)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < GUPR_NR_FLAGS; i++) {
		if (!(flags & gupr_flags[i].bit))
			continue;
		off += snprintf(buf + off, len - off, "%s%s%s%s", off ? sep : "",
				quote ? "\"" : "", gupr_flags[i].name,
				quote ? "\"" : "");
		if (off >= len)
			break;
	}
}

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static void report(FILE *log, int seq, const char *step, int err, long ret,
		   const struct snap *s, const char *note,
		   unsigned long long t0, unsigned long long t1)
{
	char json_flags[256], flags[256];

	flags_str(s->st.flags, json_flags, sizeof(json_flags), ",", 1);
	flags_str(s->st.flags, flags, sizeof(flags), " ", 0);

	fprintf(log, "{\"seq\":%d,\"step\":\"%s\",\"result\":\"%s\",\"ret\":%ld,"
		"\"errno\":%d,\"errname\":\"%s\",\"t0_ns\":%llu,\"t1_ns\":%llu,"
		"\"state\":{\"source\":\"%s\"",
		seq, step, err ? "error" : "ok", err ? -1L : ret, -err,
		errname(-err), t0, t1, s->source);
	if (strcmp(s->source, "none"))
		fprintf(log, ",\"pfn\":%llu,\"ino\":%llu,\"dev\":%llu,\"index\":%llu,"
			"\"flags\":[%s],\"refcount\":%d,\"mapcount\":%d",
			(unsigned long long)s->st.pfn, (unsigned long long)s->st.ino,
			(unsigned long long)s->st.dev, (unsigned long long)s->st.index,
			json_flags, s->st.refcount, s->st.mapcount);
	fprintf(log, "}%s%s%s}\n", note ? ",\"note\":\"" : "", note ? note : "",
		note ? "\"" : "");
	fflush(log);

	if (err)
		printf("[%2d] %-14s FAILED %s (%s)", seq, step, errname(-err),
		       strerror(-err));
	else
		printf("[%2d] %-14s ok ret=%ld", seq, step, ret);
	if (!strcmp(s->source, "none"))
		printf("  | folio: not mapped\n");
	else
		printf("  | pfn %#llx index %llu [%s] refs %d%s\n",
		       (unsigned long long)s->st.pfn, (unsigned long long)s->st.index,
		       flags, s->st.refcount, !strcmp(s->source, "module") ?
		       "" : " (kpageflags)");
	if (note)
		printf("     %s\n", note);
	fflush(stdout);
}

static unsigned int parse_pages(const char *arg)
{
	char *end;
	unsigned long v;

	/* digits only: no sign, no spaces, no leading zero ("010" is not 8) */
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] < '1' || arg[0] > '9' || v < 1 ||
	    v > GUP_REPRO_MAX_PAGES)
		die_usage("--pages takes a whole number from 1 to %d, not '%s'",
			  GUP_REPRO_MAX_PAGES, arg);
	return (unsigned int)v;
}

/**
 * struct args - the command line
 * @scen_name: scenario name ("custom" for --steps).
 * @steps: the step list (the scenario's, or --steps).
 * @log_path: --log FILE, or NULL for stdout.
 * @dry: --dry-run.
 * @integrity: 0 with --no-integrity.
 * @expect_release: --expect RELEASE FS: the kernel release.
 * @expect_fs: and the filesystem.
 * @seed_path: --seed-rng FILE.
 */
struct args {
	const char *scen_name, *steps, *log_path;
	int dry, integrity;
	const char *expect_release, *expect_fs;
	const char *seed_path;
};

/* The options that print and exit: --list, --list-scenarios, --help, a bad one (2). */
static void __attribute__((noreturn)) print_and_exit(int opt)
{
	switch (opt) {
	case 'l':
		list_all();
		exit(0);
	case 'L':
		for (size_t i = 0; i < gupr_nr_scenarios; i++)
			printf("%s\n", gupr_scenarios[i].name);
		exit(0);
	case 'h':
		usage(stdout);
		exit(0);
	default:
		usage(stderr);
		exit(2);
	}
}

/* The long options; parse_args() takes them. */
static const struct option opts[] = {
	{ "scenario", required_argument, NULL, 's' },
	{ "steps", required_argument, NULL, 'S' },
	{ "list", no_argument, NULL, 'l' },
	{ "list-scenarios", no_argument, NULL, 'L' },
	{ "file", required_argument, NULL, 'f' },
	{ "pages", required_argument, NULL, 'p' },
	{ "device", required_argument, NULL, 'd' },
	{ "log", required_argument, NULL, 'o' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "no-integrity", no_argument, NULL, 'I' },
	{ "expect", required_argument, NULL, 'E' },
	{ "seed-rng", required_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parse the options into @a and @c; exits on --help, --list and bad usage. */
static void parse_args(int argc, char **argv, struct args *a, struct gupr_ctx *c)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "s:S:lf:p:d:o:nIh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			a->scen_name = optarg;
			break;
		case 'S':
			a->steps = optarg;
			break;
		case 'f':
			c->path = optarg;
			break;
		case 'p':
			c->nr_pages = parse_pages(optarg);
			break;
		case 'd':
			c->device = optarg;
			break;
		case 'o':
			a->log_path = optarg;
			break;
		case 'n':
			a->dry = 1;
			break;
		case 'I':
			a->integrity = 0;
			break;
		case 'E':
			a->expect_release = optarg;
			if (optind >= argc)
				die_usage("--expect takes a kernel release and a filesystem");
			a->expect_fs = argv[optind++];
			break;
		case 'R':
			a->seed_path = optarg;
			break;
		default:
			print_and_exit(opt);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (a->scen_name && a->steps)
		die_usage("--scenario and --steps are exclusive");
}

/*
 * --expect RELEASE FS: the predicted result of each scenario and each
 * module-free trigger (gupr_triggers[]) on that kernel and filesystem
 * (gupr_expect()), "NAME<TAB>REGEX<TAB>WHY" a line; the matrix tests
 * compare the cells with it.
 */
static int print_expectations(const char *release, const char *fs)
{
	struct gupr_expectation e;
	unsigned int major, minor;
	size_t i;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		die_usage("--expect: '%s' is not a kernel release (like 6.1.0-56-cloud-amd64)", release);
	for (i = 0; i < gupr_nr_scenarios + gupr_nr_triggers; i++) {
		const struct gupr_scenario *sc = i < gupr_nr_scenarios ? &gupr_scenarios[i] :
						 &gupr_triggers[i - gupr_nr_scenarios];

		if (gupr_expect(sc, major, minor, fs, &e))
			printf("%s\t%s\t%s\n", sc->name, e.result, e.why);
	}
	return 0;
}

/*
 * --seed-rng FILE: a guest resumed from a snapshot holds the CRNG state of
 * the save, so without this every resumed run reads the same "random"
 * bytes (and a racy trigger's timing that hangs on them repeats).  Writing
 * FILE to /dev/urandom is not enough: a write only mixes the input pool,
 * and the CRNG keeps its key until its next timed reseed (5.18+
 * crng_has_old_seed(): up to 60 s; 5.10 CRNG_RESEED_INTERVAL, 300 s).  So:
 * mix FILE's first SEED_MAX bytes in with 8 bits of credit a byte
 * (RNDADDENTROPY), then reseed the CRNG from the pool now (RNDRESEEDCRNG,
 * since 4.17; drivers/char/random.c random_ioctl()).  Both need
 * CAP_SYS_ADMIN (EPERM); RNDRESEEDCRNG fails with ENODATA while the CRNG
 * is not ready.  Returns 0, or 1 with why on stderr.
 */
static int seed_rng(const char *path)
{
	union {
		struct rand_pool_info info;
		unsigned char raw[sizeof(struct rand_pool_info) + SEED_MAX];
	} seed;
	ssize_t n;
	int fd, ret = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: --seed-rng: %s: %s\n", prog, path, strerror(errno));
		return 1;
	}
	n = read(fd, seed.info.buf, SEED_MAX);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "%s: --seed-rng: %s: %s\n", prog, path,
			n ? strerror(errno) : "empty");
		return 1;
	}
	seed.info.buf_size = (int)n;
	seed.info.entropy_count = (int)n * 8;
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: --seed-rng: /dev/urandom: %s\n", prog, strerror(errno));
		return 1;
	}
	if (ioctl(fd, RNDADDENTROPY, &seed.info))
		fprintf(stderr, "%s: --seed-rng: RNDADDENTROPY: %s\n", prog, strerror(errno));
	else if (ioctl(fd, RNDRESEEDCRNG))
		fprintf(stderr, "%s: --seed-rng: RNDRESEEDCRNG: %s\n", prog, strerror(errno));
	else
		ret = 0;
	close(fd);
	return ret;
}

/* The plan of @a (its scenario's steps, or --steps) in @plan; its length. */
static int make_plan(struct args *a, const struct gupr_step **plan)
{
	const struct gupr_scenario *scen;
	const char *why;
	int n, bad_at;
	char *bad;

	if (a->steps) {
		a->scen_name = "custom";
	} else {
		if (!a->scen_name)
			a->scen_name = GUPR_DEFAULT_SCENARIO;
		scen = gupr_find_scenario(a->scen_name);
		if (!scen)
			die_usage("unknown scenario '%s' (--list shows them)", a->scen_name);
		a->steps = scen->steps;
	}
	n = gupr_parse_steps(a->steps, plan, &bad);
	if (n == -ENOENT)
		die_usage("unknown step '%s' (--list shows them)", bad);
	if (n == -E2BIG)
		die_usage("more than %d steps", GUPR_MAX_STEPS);
	if (n < 0)
		die_usage("empty step list or empty step name in '%s'", a->steps);

	bad_at = gupr_check_order(plan, n, &why);
	if (bad_at >= 0)
		die_usage("step %d '%s' cannot run there: %s", bad_at + 1, plan[bad_at]->name, why);
	return n;
}

/**
 * struct outcome - how the steps went
 * @status: the exit status: 0, 1 a step failed, 3 a refused long-term pin.
 * @failed: the step that failed (status 1 or 3).
 * @failed_err: its -errno.
 * @wb_error: "STEP ERRNAME" of the first writeback error a sync step
 *	reported (not a failure), or "".
 */
struct outcome {
	int status;
	const struct gupr_step *failed;
	int failed_err;
	char wb_error[96];
};

/* Run the @n steps of @plan, a record after each; stops at a failure. */
static void run_steps(struct gupr_ctx *c, const struct gupr_step *const *plan, int n,
		      FILE *log, struct outcome *out)
{
	int i;

	for (i = 0; i < n; i++) {
		unsigned long long t0 = mono_ns(), t1;
		long ret = 0;
		struct snap s;
		int err = plan[i]->run(c, &ret);

		t1 = mono_ns();
		take_snap(c, &s);
		report(log, i + 1, plan[i]->name, err, ret, &s,
		       !err && !strcmp(plan[i]->name, "verify") ? c->verify_note : NULL, t0, t1);
		if (err && plan[i]->reports_wb &&
		    (err == -EIO || err == -EUCLEAN || err == -ENOSPC)) {
			if (!out->wb_error[0])
				snprintf(out->wb_error, sizeof(out->wb_error), "%s %s",
					 plan[i]->name, errname(-err));
			printf("gup-repro: step %s: the filesystem reported a writeback error (%s); going on\n",
			       plan[i]->name, errname(-err));
			continue;
		}
		if (err) {
			out->failed = plan[i];
			out->failed_err = err;
			out->status = plan[i]->refusable && (err == -EFAULT || err == -EOPNOTSUPP) ? 3 : 1;
			return;
		}
	}
}

/* Drop the pins, the mapping and the file, then the data-integrity check. */
static void check_integrity(struct gupr_ctx *c, FILE *log)
{
	unsigned int lost = 0;
	int err;

	if (c->map)
		munmap(c->map, c->nr_pages * c->page_size);
	c->map = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	err = gupr_integrity(c, log, &lost);
	if (err)
		printf("gup-repro: integrity: could not check: %s\n", strerror(-err));
	else
		printf("gup-repro: integrity: %u of %u page(s) differ from what was written\n",
		       lost, c->nr_pages);
}

/* The status record (for the host's verdict) and line (for people). */
static void report_status(FILE *log, const char *scen_name, int n, const struct outcome *out)
{
	if (out->status) {
		const char *st = out->status == 3 ? "refused" : "failed";

		fprintf(log, "{\"event\":\"status\",\"scenario\":\"%s\",\"status\":\"%s\","
			"\"step\":\"%s\",\"errname\":\"%s\"}\n", scen_name, st,
			out->failed->name, errname(-out->failed_err));
		printf("gup-repro: scenario=%s status=%s step=%s errno=%s\n", scen_name, st,
		       out->failed->name, errname(-out->failed_err));
	} else {
		fprintf(log, "{\"event\":\"status\",\"scenario\":\"%s\",\"status\":\"complete\","
			"\"steps\":%d,\"writeback_error\":\"%s\"}\n", scen_name, n, out->wb_error);
		printf("gup-repro: scenario=%s status=complete steps=%d\n", scen_name, n);
	}
	fflush(log);
}

/*
 * What each page of @c must hold on disk, and by whom: the file as mkfs
 * left it, to begin with.  Returns 0 or -ENOMEM.
 */
static int alloc_expect(struct gupr_ctx *c)
{
	c->expect_size = (unsigned long long)c->nr_pages * c->page_size;
	c->expect = malloc(c->expect_size);
	c->writer = calloc(c->nr_pages, 1);
	c->gone = calloc(c->nr_pages, 1);
	c->excused = calloc(c->nr_pages, 1);
	if (!c->expect || !c->writer || !c->gone || !c->excused)
		return -ENOMEM;
	memset(c->expect, GUPR_PATTERN_FILE, c->expect_size);
	return 0;
}

int main(int argc, char **argv)
{
	const struct gupr_step *plan[GUPR_MAX_STEPS];
	struct gupr_ctx c = { .path = DEFAULT_FILE, .device = DEFAULT_DEVICE,
			      .nr_pages = 1, .fd = -1, .dev_fd = -1 };
	struct args a = { .integrity = 1 };
	struct outcome out = { 0 };
	FILE *log = stdout;
	int n, i;

	parse_args(argc, argv, &a, &c);
	if (a.expect_release)
		return print_expectations(a.expect_release, a.expect_fs);
	if (a.seed_path)
		return seed_rng(a.seed_path);
	n = make_plan(&a, plan);

	c.page_size = (size_t)sysconf(_SC_PAGESIZE);
	printf("gup-repro: scenario=%s pages=%u file=%s steps=%s\n", a.scen_name,
	       c.nr_pages, c.path, a.steps);
	if (a.dry) {
		for (i = 0; i < n; i++)
			printf("[%2d] %-14s %s\n", i + 1, plan[i]->name, plan[i]->desc);
		return 0;
	}
	if (a.log_path) {
		log = fopen(a.log_path, "a");
		if (!log) {
			fprintf(stderr, "%s: cannot open log %s: %s\n", prog, a.log_path,
				strerror(errno));
			return 2;
		}
	}
	if (alloc_expect(&c)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		out.status = 2;
		goto cleanup;
	}
	c.step_log = log;

	run_steps(&c, plan, n, log, &out);
	/* Closing the device drops any pin still held (module release()). */
	if (c.dev_fd >= 0)
		close(c.dev_fd);
	c.dev_fd = -1;
	c.nr_pinned = 0;
	if (a.integrity && out.status != 1)
		check_integrity(&c, log);
	report_status(log, a.scen_name, n, &out);
cleanup:
	free(c.expect);
	free(c.writer);
	free(c.gone);
	free(c.excused);
	if (log != stdout)
		fclose(log);
	return out.status;
}
