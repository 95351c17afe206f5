// SPDX-License-Identifier: GPL-2.0
/*
 * pintrace-report - host side: check the ordering in a run's events.jsonl
 * and write what a filesystem maintainer reads.
 *
 *   pintrace-report --events FILE [--steps FILE] [--run FILE] [--verdict FILE]
 *                   [--guest FILE] [--out DIR] [--quiet]
 *
 * Prints the short timeline of the victim folio and the checker's verdict.
 * With --out, writes DIR/ordering.txt (machine-readable verdict),
 * DIR/report.txt (plain text, <= 80 columns, for an LKML mail),
 * DIR/trace.json (Chrome Trace Event format, loads in the Perfetto UI) and
 * DIR/timeline.svg (swimlanes, drawn by gnuplot).
 *
 * Exit: 0 invariant held, 1 violation, 3 trace incomplete, 4 no trace,
 * 2 usage or I/O error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "kvfile.h"

#include "checker.h"

#define COLS 80

enum lane { L_USER, L_MODULE, L_MM, L_FS, L_WB, L_NR };
static const char *const lane_names[L_NR] = {
	"user space", "gup_repro module", "mm", "filesystem", "writeback",
};

struct step {
	char name[32], result[8], errname[24];
	uint64_t t0, t1;
	int seq;
};

struct tl_item {		/* one row of the merged timeline */
	uint64_t ts;
	enum lane lane;
	const struct ck_event *ev;	/* NULL for a user step */
	const struct step *st;
	long evidx;
};

static struct step steps[128];
static int nr_steps;
static char kernel_pkg[160], scenario[64], step_list[512], fs_name[32];
static char warn_line[256], warn_trace[512];

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pintrace-report: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static int contains_frame(const struct ck_event *e, const char *what)
{
	int i;

	for (i = 0; i < e->nr_stack; i++)
		if (strstr(e->stack[i], what))
			return 1;
	return 0;
}

static enum lane lane_of(const struct ck_event *e)
{
	switch (e->kind) {
	case PT_K_PIN: case PT_K_UNPIN: case PT_K_DIRTY:
		return contains_frame(e, "[gup_repro]") ? L_MODULE : L_MM;
	case PT_K_MKCLEAN: case PT_K_CLEAR_DIRTY: case PT_K_RELEASE:
		return L_MM;
	case PT_K_FS_DIRTY: case PT_K_MKWRITE:
		return L_FS;
	case PT_K_WB_START: case PT_K_WB_END:
		return L_WB;
	case PT_K_WARN:
		return !strncmp(e->str, "fs/", 3) || e->probe == PT_EXT4_WARNING_INODE ? L_FS : L_MM;
	default:
		return L_MM;
	}
}

static void load_steps(const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0 && nr_steps < 128) {
		json_t *o = json_loads(line, 0, NULL);
		struct step *s = &steps[nr_steps];

		if (o && json_is_string(json_object_get(o, "step"))) {
			snprintf(s->name, sizeof(s->name), "%s",
				 json_string_value(json_object_get(o, "step")));
			snprintf(s->result, sizeof(s->result), "%s",
				 json_string_value(json_object_get(o, "result")) ?: "");
			snprintf(s->errname, sizeof(s->errname), "%s",
				 json_string_value(json_object_get(o, "errname")) ?: "");
			s->t0 = (uint64_t)json_integer_value(json_object_get(o, "t0_ns"));
			s->t1 = (uint64_t)json_integer_value(json_object_get(o, "t1_ns"));
			s->seq = (int)json_integer_value(json_object_get(o, "seq"));
			if (s->t0)
				nr_steps++;
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
}

/*
 * Fixed-width flags, one letter a flag, '.' when clear:
 * L locked, U uptodate, D dirty, W writeback, B buffer heads (PG_private),
 * M mapped, P maybe DMA-pinned.
 */
#define FLAGS_LEGEND "flags: L locked, U uptodate, D dirty, W writeback, " \
	"B buffer heads, M mapped, P maybe DMA-pinned; '.' = not set"
static void flags_text(unsigned int flags, char *buf, size_t len)
{
	static const struct { unsigned int bit; char c; } f[] = {
		{ PT_F_LOCKED, 'L' }, { PT_F_UPTODATE, 'U' }, { PT_F_DIRTY, 'D' },
		{ PT_F_WRITEBACK, 'W' }, { PT_F_PRIVATE, 'B' }, { PT_F_MAPPED, 'M' },
		{ PT_F_DMA_PINNED, 'P' },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]) && i + 1 < len; i++)
		buf[i] = flags & f[i].bit ? f[i].c : '.';
	buf[i < len ? i : len - 1] = '\0';
}

static uint64_t first_ts(const struct ck_trace *t)
{
	uint64_t ts = t->nr ? t->ev[0].ts_ns : 0;
	int i;

	for (i = 0; i < nr_steps; i++)
		if (!ts || steps[i].t0 < ts)
			ts = steps[i].t0;
	return ts;
}

static int cmp_item(const void *a, const void *b)
{
	const struct tl_item *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->evidx < y->evidx ? -1 : x->evidx > y->evidx;
}

/*
 * The victim folio's timeline: its events, the warnings, and the user
 * steps, merged by time (events keep their seq order among themselves).
 */
static size_t build_timeline(const struct ck_trace *t, uint64_t pfn, struct tl_item **out)
{
	struct tl_item *it = calloc(t->nr + (size_t)nr_steps + 1, sizeof(*it));
	size_t n = 0, i;
	int s;

	if (!it)
		die("out of memory");
	for (i = 0; i < t->nr; i++) {
		const struct ck_event *e = &t->ev[i];

		if (e->kind != PT_K_WARN && pfn && e->pfn != pfn)
			continue;
		it[n++] = (struct tl_item){ e->ts_ns, lane_of(e), e, NULL, (long)i };
	}
	for (s = 0; s < nr_steps; s++)
		it[n++] = (struct tl_item){ steps[s].t0, L_USER, NULL, &steps[s], -1 };
	qsort(it, n, sizeof(*it), cmp_item);
	*out = it;
	return n;
}

static const char *item_name(const struct tl_item *it, char *buf, size_t len)
{
	if (it->st) {
		snprintf(buf, len, "%s%s%s", it->st->name,
			 strcmp(it->st->result, "ok") ? " FAILED " : "",
			 strcmp(it->st->result, "ok") ? it->st->errname : "");
		return buf;
	}
	if (it->ev->kind == PT_K_WARN)
		snprintf(buf, len, "%s %s:%lld", it->ev->probe == PT_WARN ? "WARN" : "ext4_warning",
			 it->ev->str, it->ev->arg);
	else
		snprintf(buf, len, "%s", ck_probe_name(it->ev->probe));
	return buf;
}

/* Is this timeline row one of the violation's evidence events? */
static const char *mark_of(const struct ck_result *r, long idx)
{
	int i;

	for (i = 0; i < r->nr_v; i++) {
		if (idx == r->v[i].clean)
			return "<- cleaned, PTE read-only";
		if (idx == r->v[i].dirty)
			return "<- dirtied, no page_mkwrite";
		if (idx == r->v[i].warn)
			return "<- kernel warning";
	}
	return "";
}

static void print_timeline(FILE *f, const struct ck_trace *t, const struct ck_result *r,
			   uint64_t pfn, int brief)
{
	struct tl_item *it;
	uint64_t t0 = first_ts(t);
	size_t n = build_timeline(t, pfn, &it), i;

	for (i = 0; i < n; i++) {
		char name[96], fl[16] = "";
		const char *mark = it[i].ev ? mark_of(r, it[i].evidx) : "";

		/* the short timeline skips the nested fs hooks and writeback end */
		if (brief && it[i].ev && !*mark &&
		    (it[i].ev->kind == PT_K_FS_DIRTY || it[i].ev->kind == PT_K_WB_END ||
		     it[i].ev->kind == PT_K_CLEAR_DIRTY))
			continue;
		if (it[i].ev && it[i].ev->kind != PT_K_WARN)
			flags_text(it[i].ev->flags, fl, sizeof(fl));
		char row[160];
		int len = snprintf(row, sizeof(row), "%9.3f  %-6.6s %-26.26s %-7s %s",
				   (double)(it[i].ts - t0) / 1e6,
				   it[i].lane == L_MODULE ? "module" : it[i].lane == L_USER ? "user" :
				   it[i].lane == L_FS ? "fs" : it[i].lane == L_WB ? "wb" : "mm",
				   item_name(&it[i], name, sizeof(name)), fl, mark);

		while (len > 0 && row[len - 1] == ' ')
			row[--len] = '\0';
		fprintf(f, "%s\n", row);
	}
	free(it);
}

/* Print @text wrapped at COLS with @indent spaces on continuation lines. */
static void wrap(FILE *f, const char *first, int indent, const char *text)
{
	int col = fprintf(f, "%s", first);
	const char *p = text;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (col + (int)w + 1 > COLS && col > indent) {
			col = fprintf(f, "\n%*s", indent, "") - 1;
		} else if (p != text) {
			col += fprintf(f, " ");
		}
		col += fprintf(f, "%.*s", (int)w, p);
		p += w;
		while (*p == ' ')
			p++;
	}
	fprintf(f, "\n");
}

static void write_report(const char *path, const struct ck_trace *t, const struct ck_result *r)
{
	FILE *f = fopen(path, "w");
	uint64_t pfn = r->nr_v ? r->v[0].pfn : (t->nr ? t->ev[0].pfn : 0);
	uint64_t t0 = first_ts(t);
	char buf[512], fl[16];
	int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "gup-repro: GUP write after writeback - ordering %s\n\n", ck_verdict_name(r->verdict));
	wrap(f, "kernel:    ", 11, *kernel_pkg ? kernel_pkg : t->kernel);
	snprintf(buf, sizeof(buf), "%s, victim inode %llu on %s", *fs_name ? fs_name : "?",
		 (unsigned long long)t->ino, t->dev);
	wrap(f, "fs:        ", 11, buf);
	wrap(f, "scenario:  ", 11, *scenario ? scenario : "?");
	snprintf(buf, sizeof(buf), "%s", step_list);
	for (i = 0; buf[i]; i++)
		if (buf[i] == ',')
			buf[i] = ' ';
	wrap(f, "steps:     ", 11, buf);

	fprintf(f, "\nKernel warning\n--------------\n");
	if (*warn_line) {
		wrap(f, "", 2, warn_line);
		if (*warn_trace) {
			fprintf(f, "Call Trace (trimmed):\n");
			snprintf(buf, sizeof(buf), "%s", warn_trace);
			for (char *s = strtok(buf, " "); s; s = strtok(NULL, " "))
				fprintf(f, "  %s\n", s);
		}
	} else {
		fprintf(f, "none: the kernel printed no warning for this run.\n");
	}

	snprintf(buf, sizeof(buf), "Timeline of folio pfn %#llx, index %llu (ms)",
		 (unsigned long long)pfn, (unsigned long long)(r->nr_v ? r->v[0].index :
		 (t->nr ? t->ev[0].index : 0)));
	fprintf(f, "\n%s\n%.*s\n", buf, (int)strlen(buf),
		"--------------------------------------------------------------------------------");
	print_timeline(f, t, r, pfn, 0);
	wrap(f, "", 0, FLAGS_LEGEND);

	fprintf(f, "\nInvariant\n---------\n");
	wrap(f, "", 0, "Once folio_mkclean() has cleaned a folio and write-protected its "
	     "PTEs, the folio may become dirty again only after the filesystem was "
	     "told through ->page_mkwrite.");
	for (i = 0; i < r->nr_v; i++) {
		const struct ck_violation *v = &r->v[i];
		const struct ck_event *c = &t->ev[v->clean], *d = &t->ev[v->dirty];

		fprintf(f, "\nViolated for folio pfn %#llx, index %llu:\n",
			(unsigned long long)v->pfn, (unsigned long long)v->index);
		snprintf(buf, sizeof(buf), "%s at %.3f ms (seq %llu, comm %s)",
			 ck_probe_name(c->probe), (double)(c->ts_ns - t0) / 1e6,
			 (unsigned long long)c->seq, c->comm);
		wrap(f, "  cleaned:  ", 12, buf);
		flags_text(d->flags, fl, sizeof(fl));
		snprintf(buf, sizeof(buf), "%s at %.3f ms (seq %llu, comm %s); the folio was "
			 "clean (flags %s), refcount %d, %s", ck_probe_name(d->probe),
			 (double)(d->ts_ns - t0) / 1e6, (unsigned long long)d->seq, d->comm, fl,
			 d->refcount, v->pinned ? "maybe DMA-pinned (FOLL_PIN)" : "not pinned");
		wrap(f, "  dirtied:  ", 12, buf);
		if (v->last_mkwrite >= 0) {
			snprintf(buf, sizeof(buf), "%s at %.3f ms, before the clean",
				 ck_probe_name(t->ev[v->last_mkwrite].probe),
				 (double)(t->ev[v->last_mkwrite].ts_ns - t0) / 1e6);
			wrap(f, "  mkwrite:  ", 12, buf);
		} else {
			wrap(f, "  mkwrite:  ", 12, "none seen");
		}
		if (v->fs_dirty >= 0)
			wrap(f, "  fs hook:  ", 12, ck_probe_name(t->ev[v->fs_dirty].probe));
		if (v->warn >= 0) {
			snprintf(buf, sizeof(buf), "%s:%lld", t->ev[v->warn].str, t->ev[v->warn].arg);
			wrap(f, "  warned:   ", 12, buf);
		}
		fprintf(f, "  stack:\n");
		for (int s = 0; s < d->nr_stack && s < 10; s++)
			fprintf(f, "    %.74s\n", d->stack[s]);
	}
	fprintf(f, "\nVerdict\n-------\n");
	snprintf(buf, sizeof(buf), "%s: %s", ck_verdict_name(r->verdict), r->why);
	wrap(f, "", 0, buf);
	fclose(f);
}

static void write_ordering(const char *path, const struct ck_trace *t, const struct ck_result *r)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "ordering: %s\n", ck_verdict_name(r->verdict));
	fprintf(f, "why: %s\n", r->why);
	if (r->verdict == CK_VIOLATION)
		fprintf(f, "invariant: %s\n", CK_INVARIANT);
	for (i = 0; i < r->nr_v; i++)
		fprintf(f, "violation: pfn %#llx index %llu cleaned by %s (seq %llu), dirtied by %s (seq %llu, comm %s)%s%s%s\n",
			(unsigned long long)r->v[i].pfn, (unsigned long long)r->v[i].index,
			ck_probe_name(t->ev[r->v[i].clean].probe),
			(unsigned long long)t->ev[r->v[i].clean].seq,
			ck_probe_name(t->ev[r->v[i].dirty].probe),
			(unsigned long long)t->ev[r->v[i].dirty].seq, t->ev[r->v[i].dirty].comm,
			r->v[i].pinned ? ", pinned" : "",
			r->v[i].fs_dirty >= 0 ? ", fs hook " : "",
			r->v[i].fs_dirty >= 0 ? ck_probe_name(t->ev[r->v[i].fs_dirty].probe) : "");
	fprintf(f, "events: %zu victim, %zu other inodes ignored, %llu lost, %llu gaps\n",
		t->nr, t->ignored, (unsigned long long)t->lost, (unsigned long long)t->seq_gaps);
	fclose(f);
}

/* Chrome Trace Event format: one process per swimlane, instant events. */
static void write_chrome_trace(const char *path, const struct ck_trace *t)
{
	json_t *root = json_object(), *evs = json_array();
	uint64_t t0 = first_ts(t);
	size_t i;
	int l, s;

	for (l = 0; l < L_NR; l++)
		json_array_append_new(evs, json_pack("{s:s,s:s,s:i,s:i,s:{s:s}}", "name",
				      "process_name", "ph", "M", "pid", l + 1, "tid", 0, "args",
				      "name", lane_names[l]));
	for (s = 0; s < nr_steps; s++)
		json_array_append_new(evs, json_pack("{s:s,s:s,s:s,s:f,s:f,s:i,s:i,s:{s:s,s:i}}",
				      "name", steps[s].name, "cat", "step", "ph", "X",
				      "ts", (double)(steps[s].t0 - t0) / 1e3,
				      "dur", (double)(steps[s].t1 - steps[s].t0) / 1e3,
				      "pid", L_USER + 1, "tid", 1, "args",
				      "result", steps[s].result, "seq", steps[s].seq));
	for (i = 0; i < t->nr; i++) {
		const struct ck_event *e = &t->ev[i];
		char fl[16], name[96];
		json_t *stack = json_array();
		struct tl_item it = { e->ts_ns, lane_of(e), e, NULL, (long)i };

		for (s = 0; s < e->nr_stack; s++)
			json_array_append_new(stack, json_string(e->stack[s]));
		flags_text(e->flags, fl, sizeof(fl));
		json_array_append_new(evs, json_pack("{s:s,s:s,s:s,s:s,s:f,s:i,s:i,s:{s:I,s:I,s:I,s:s,s:i,s:s,s:o}}",
				      "name", item_name(&it, name, sizeof(name)),
				      "cat", ck_kind_name(e->kind), "ph", "i", "s", "t",
				      "ts", (double)(e->ts_ns - t0) / 1e3,
				      "pid", lane_of(e) + 1, "tid", e->tid, "args",
				      "seq", (json_int_t)e->seq, "pfn", (json_int_t)e->pfn,
				      "index", (json_int_t)e->index, "flags", fl,
				      "cpu", e->cpu, "comm", e->comm, "stack", stack));
	}
	json_object_set_new(root, "traceEvents", evs);
	json_object_set_new(root, "displayTimeUnit", json_string("ns"));
	if (json_dump_file(root, path, JSON_INDENT(1)))
		die("%s: cannot write", path);
	json_decref(root);
}

/* Swimlanes with gnuplot: x = order of events (time in the label). */
static int write_svg(const char *dir, const struct ck_trace *t, const struct ck_result *r)
{
	char dat[4096], gp[4096], svg[4096];
	uint64_t pfn = r->nr_v ? r->v[0].pfn : (t->nr ? t->ev[0].pfn : 0);
	uint64_t t0 = first_ts(t);
	struct tl_item *it;
	size_t n = build_timeline(t, pfn, &it), i;
	FILE *f;
	int status;
	pid_t pid;

	snprintf(dat, sizeof(dat), "%s/timeline.dat", dir);
	snprintf(gp, sizeof(gp), "%s/timeline.gp", dir);
	snprintf(svg, sizeof(svg), "%s/timeline.svg", dir);
	f = fopen(dat, "w");
	if (!f)
		die("%s: %s", dat, strerror(errno));
	for (i = 0; i < n; i++) {
		char name[96];
		const char *mark = it[i].ev ? mark_of(r, it[i].evidx) : "";

		fprintf(f, "%zu %d \"%s  %.3f ms\" %d\n", i + 1, L_NR - (int)it[i].lane,
			item_name(&it[i], name, sizeof(name)), (double)(it[i].ts - t0) / 1e6,
			*mark ? 1 : 0);
	}
	fclose(f);
	free(it);
	f = fopen(gp, "w");
	if (!f)
		die("%s: %s", gp, strerror(errno));
	fprintf(f, "set terminal svg size %zu,560 dynamic font 'sans,11' background '#ffffff'\n"
		"set output '%s'\n"
		"set title 'folio pfn %#llx: %s' noenhanced\n"
		"set xlabel 'event order (time since the first event in the label)'\n"
		"set yrange [0.3:%d.9]\nset xrange [0:%zu]\n"
		"set ytics ('writeback' 1, 'filesystem' 2, 'mm' 3, 'gup\\_repro module' 4, 'user space' 5)\n"
		"set grid ytics\nunset key\nset border 3\nset xtics nomirror\nset ytics nomirror\n"
		"plot '%s' using 1:2:(int($4) ? 0xcc0000 : 0x1f4e9a) with points pt 7 ps 1.2 lc rgb variable, \\\n"
		"     '' using 1:($2+0.12):3 with labels left rotate by 35 font ',9' noenhanced\n",
		n * 34 + 420, svg, (unsigned long long)pfn, ck_verdict_name(r->verdict),
		L_NR, n + 3, dat);
	fclose(f);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "pintrace-report: gnuplot failed; no timeline.svg\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "steps", required_argument, NULL, 's' },
		{ "run", required_argument, NULL, 'r' },
		{ "verdict", required_argument, NULL, 'v' },
		{ "guest", required_argument, NULL, 'g' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *events = NULL, *steps_path = NULL, *run = NULL, *verdict = NULL;
	const char *guest = NULL, *dir = NULL;
	struct ck_trace t = {};
	static struct ck_result r;
	char path[4096];
	int opt, quiet = 0, rc;
	FILE *f;

	while ((opt = getopt_long(argc, argv, "e:s:r:v:g:o:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'e': events = optarg; break;
		case 's': steps_path = optarg; break;
		case 'r': run = optarg; break;
		case 'v': verdict = optarg; break;
		case 'g': guest = optarg; break;
		case 'o': dir = optarg; break;
		case 'q': quiet = 1; break;
		case 'h':
			printf("usage: pintrace-report --events FILE [--steps FILE] [--run FILE]\n"
			       "       [--verdict FILE] [--guest FILE] [--out DIR] [--quiet]\n"
			       "exit: 0 ok, 1 violation, 3 incomplete, 4 no trace, 2 usage\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!events || optind < argc)
		die("--events FILE is required (try --help)");
	f = fopen(events, "r");
	if (!f)
		die("%s: %s", events, strerror(errno));
	if (ck_load(f, &t))
		die("out of memory");
	fclose(f);
	load_steps(steps_path);
	kv_read(run, "kernel-package: ", kernel_pkg, sizeof(kernel_pkg));
	kv_read(run, "scenario: ", scenario, sizeof(scenario));
	kv_read(run, "steps: ", step_list, sizeof(step_list));
	kv_read(guest, "gupr-meta: fs=", fs_name, sizeof(fs_name));
	kv_read(verdict, "warning: ", warn_line, sizeof(warn_line));
	kv_read(verdict, "trace: ", warn_trace, sizeof(warn_trace));

	ck_check(&t, &r);
	if (!quiet) {
		printf("timeline (ms, victim folio):\n");
		print_timeline(stdout, &t, &r, r.nr_v ? r.v[0].pfn : (t.nr ? t.ev[0].pfn : 0), 1);
		printf("ordering: %s: %s\n", ck_verdict_name(r.verdict), r.why);
	}
	if (dir) {
		mkdir(dir, 0755);
		snprintf(path, sizeof(path), "%s/ordering.txt", dir);
		write_ordering(path, &t, &r);
		if (r.verdict != CK_NO_TRACE) {
			snprintf(path, sizeof(path), "%s/report.txt", dir);
			write_report(path, &t, &r);
			snprintf(path, sizeof(path), "%s/trace.json", dir);
			write_chrome_trace(path, &t);
			write_svg(dir, &t, &r);
		}
	}
	switch (r.verdict) {
	case CK_OK: rc = 0; break;
	case CK_VIOLATION: rc = 1; break;
	case CK_INCOMPLETE: rc = 3; break;
	default: rc = 4; break;
	}
	ck_free(&t);
	return rc;
}
