// SPDX-License-Identifier: GPL-2.0
/*
 * gup-repro-report - a run written up for a kernel mailing list: plain
 * text, lines of at most 80 columns, no terminal escapes.
 *
 *   gup-repro-report --dir RUN_DIR [--repeat-dir DIR] [--compare FILE]
 *                    [--repro FILE --repro-name NAME] [--how FILE]
 *                    [--attached]
 *
 * RUN_DIR is one run's directory (verdict.txt, run.txt, console.log,
 * timeline.txt, ordering.txt, fsck.txt); with --repeat-dir, the --repeat
 * directory whose verdict.txt gives the rate (RUN_DIR is then the run the
 * report quotes); --compare FILE, a compare.txt to quote.  The reproducer
 * comes from the shell (./run.sh report, vm-images/report.sh): --how FILE
 * (what to run: the device setup, the build line and the command, as
 * plain lines) and --repro FILE (the one self-contained C file, quoted at
 * the end, or with --attached only named: the mbox carries it).
 *
 * Prints "Subject: ..." (the warning or the violation and the filesystem,
 * as syzbot names them: "WARNING in ext4_dirty_folio"), a blank line, then
 * the body: the result, the kernel (release, package or commit, the config
 * options that matter for this bug class, the compiler, panic_on_warn, the
 * page size), the filesystem and scenario, the rate of a --repeat, the
 * console excerpt (the warning and its stack), the ordering excerpt (the
 * victim folio's events from the last folio_mkclean to the dirtying),
 * what was checked (integrity, fsck), a before/after table, and the
 * reproducer.
 *
 * Every run file is untrusted (the guest kernel is deliberately corrupted):
 * each line goes through text_safe() and is folded at 80 columns; the
 * console excerpt is bounded (EXCERPT_MAX lines).  Exit 0, or 2 on bad
 * usage or a run directory without a verdict.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"

#define WIDTH		80
#define EXCERPT_MAX	40	/* console lines quoted at most */
#define VAL		1024

/* What the report says, read from the run directory (all text_safe). */
struct run {
	char verdict[VAL], reason[VAL], warning[VAL], site[VAL], cell[VAL], ordering[VAL];
	char integrity[VAL], fsck[VAL], buffers[VAL];
	char scenario[VAL], fs[VAL], steps[VAL], kernel[VAL], package[VAL], module[VAL];
	char commit[VAL], describe[VAL], subject[VAL], state[VAL], config[VAL], compiler[VAL];
	char cmdline[VAL], page_size[VAL], slowdev[VAL], fault[VAL];
	char rate[VAL];
};

/*
 * Print @s (safe text) after @prefix, folded at WIDTH columns at spaces
 * where it can; continuation lines are indented under the text, @indent
 * columns deeper.
 */
static void fold(FILE *o, const char *prefix, const char *s, int indent)
{
	size_t plen = strlen(prefix);
	int first = 1;

	do {
		size_t lead = first ? plen : plen + (size_t)indent, room = WIDTH - lead, n;

		n = utf8_fit(s, room);
		if (s[n]) {	/* break at the last space that leaves a word */
			size_t sp = n;

			while (sp > room / 2 && s[sp] != ' ')
				sp--;
			if (s[sp] == ' ')
				n = sp;
		}
		if (first)
			fprintf(o, "%s%.*s\n", prefix, (int)n, s);
		else
			fprintf(o, "%*s%.*s\n", (int)lead, "", (int)n, s);
		s += n;
		while (*s == ' ')
			s++;
		first = 0;
	} while (*s);
}

/* "key: value" lines of a file in @dir */
static void kv(const char *dir, const char *file, const char *key, char *out)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	kv_read(path, key, out, VAL);
}

static void read_run(const char *dir, struct run *r)
{
	static const struct { const char *file, *key; size_t off; } keys[] = {
#define K(f, k, m) { f, k, offsetof(struct run, m) }
		K("verdict.txt", "verdict: ", verdict), K("verdict.txt", "reason: ", reason),
		K("verdict.txt", "warning: ", warning), K("verdict.txt", "site: ", site),
		K("verdict.txt", "cell: ", cell), K("verdict.txt", "ordering: ", ordering),
		K("verdict.txt", "integrity: ", integrity), K("verdict.txt", "fsck: ", fsck),
		K("verdict.txt", "buffers: ", buffers),
		K("run.txt", "scenario: ", scenario), K("run.txt", "fs: ", fs),
		K("run.txt", "steps: ", steps), K("run.txt", "kernel: ", kernel),
		K("run.txt", "kernel-package: ", package), K("run.txt", "module: ", module),
		K("run.txt", "kernel-commit: ", commit), K("run.txt", "kernel-describe: ", describe),
		K("run.txt", "kernel-subject: ", subject), K("run.txt", "kernel-state: ", state),
		K("run.txt", "kernel-config-options: ", config),
		K("run.txt", "kernel-compiler: ", compiler), K("run.txt", "kernel-cmdline: ", cmdline),
		K("run.txt", "page-size: ", page_size), K("run.txt", "slow-dev: ", slowdev),
		K("run.txt", "fault: ", fault),
#undef K
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		kv(dir, keys[i].file, keys[i].key, (char *)r + keys[i].off);
}

/* The function of "site: ext4_dirty_folio (fs/ext4/inode.c:3663)". */
static void site_func(const struct run *r, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(r->site, " "), r->site);
}

/*
 * The subject, as syzbot names a crash: "WARNING in FUNC", "kernel BUG in
 * FUNC", or the symptom's own words; the ordering violation, the data loss
 * and the corruption by what they are; then the filesystem and release.
 */
static void subject(const struct run *r, char *out, size_t len)
{
	char what[256], func[128];

	site_func(r, func, sizeof(func));
	if (!strcmp(r->verdict, "REPRODUCED") && !strncmp(r->warning, "WARNING:", 8) && *func)
		snprintf(what, sizeof(what), "WARNING in %s", func);
	else if (!strcmp(r->verdict, "REPRODUCED") && strstr(r->warning, "kernel BUG") && *func)
		snprintf(what, sizeof(what), "kernel BUG in %s", func);
	else if (!strcmp(r->verdict, "REPRODUCED") && *func)
		snprintf(what, sizeof(what), "%.100s: %.120s", func, r->reason);
	else if (!strcmp(r->verdict, "VIOLATION"))
		snprintf(what, sizeof(what), "folio dirtied without ->page_mkwrite");
	else if (!strcmp(r->verdict, "DATA LOSS"))
		snprintf(what, sizeof(what), "data loss after a write through a GUP pin");
	else if (!strcmp(r->verdict, "FS CORRUPTION"))
		snprintf(what, sizeof(what), "filesystem corruption after a write through a GUP pin");
	else
		snprintf(what, sizeof(what), "%.100s: %.120s", r->scenario, *r->verdict ? r->verdict : "no verdict");
	/* "Subject: " WHAT " (FS, RELEASE)" in WIDTH columns */
	char tail[160];
	size_t room;

	snprintf(tail, sizeof(tail), " (%.40s, %.80s)", r->fs, r->kernel);
	room = strlen(tail) + 9 + 20 < WIDTH ? WIDTH - 9 - strlen(tail) : 20;
	snprintf(out, len, "%.*s%s", (int)utf8_fit(what, room), what, tail);
}

/*
 * A register dump or code bytes line of an oops record ("RAX: ...",
 * "Code: ..."): what a maintainer reads is the site and the stack.
 */
static int noise(const char *line)
{
	static const char *const keys[] = {
		"Code: ", "RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ", "R13: ", "FS: ", "CS: ",
		"CR2: ", "PKRU: ", "DR0: ", "DR3: ", "RIP: 0033:", NULL
	};
	const char *t = line;

	if (*t == '[')		/* after the printk time */
		t = strchr(t, ']') ? strchr(t, ']') + 1 : t;
	while (*t == ' ')
		t++;
	for (int i = 0; keys[i]; i++)
		if (!strncmp(t, keys[i], strlen(keys[i])))
			return 1;
	return 0;
}

/* The console lines from the symptom to the end of its record. */
static int console_excerpt(FILE *o, const char *dir, const char *want)
{
	char path[4096], *line = malloc(KV_LINE_MAX + 1), prev[VAL] = "", safe[VAL];
	int got, at = 0, n = 0, done = 0, omitted = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/console.log", dir);
	f = fopen(path, "r");
	if (!f || !line || !*want) {
		if (f)
			fclose(f);
		free(line);
		return 0;
	}
	while (!done && n < EXCERPT_MAX && (got = read_bounded(f, line, KV_LINE_MAX + 1))) {
		line[strcspn(line, "\r\n")] = '\0';
		text_safe(safe, sizeof(safe), line, KV_LINE_MAX);
		if (!at) {
			if (strstr(safe, want)) {
				at = 1;
				if (strstr(prev, "cut here"))
					fold(o, "  ", prev, 4), n++;
			} else {
				snprintf(prev, sizeof(prev), "%s", safe);
				continue;
			}
		}
		done = !!strstr(safe, "---[ end trace");
		if (noise(safe)) {
			if (!omitted++)
				fprintf(o, "  [registers and code bytes omitted]\n");
			continue;
		}
		fold(o, "  ", safe, 4);
		n++;
	}
	if (at && !done && n >= EXCERPT_MAX)
		fprintf(o, "  [... cut after %d lines]\n", EXCERPT_MAX);
	fclose(f);
	free(line);
	return at;
}

/*
 * The ordering excerpt: the timeline's lines (timeline.txt, pintrace-report's)
 * from the last folio_mkclean before the dirtying to the dirtying and the
 * kernel's warning right after it.
 */
static int ordering_excerpt(FILE *o, const char *dir)
{
	char path[4096], line[1024], lines[512][VAL / 4];
	int n = 0, from = -1, to = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/timeline.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < 512 && read_bounded(f, line, sizeof(line))) {
		line[strcspn(line, "\r\n")] = '\0';
		text_safe(lines[n], sizeof(lines[n]), line, sizeof(line));
		if (to < 0 && strstr(lines[n], "folio_mkclean"))
			from = n;
		if (to < 0 && from >= 0 && strstr(lines[n], "<- dirtied"))
			to = n;
		n++;
	}
	fclose(f);
	if (from < 0 || to < 0)
		return 0;
	/* and the kernel's warning when it follows within a few events */
	for (int i = to + 1; i < n && i <= to + 4; i++)
		if (strstr(lines[i], "<- kernel warning")) {
			to = i;
			break;
		}
	for (int i = from; i <= to; i++)
		fold(o, "", lines[i], 4);
	return 1;
}

/* The first lines of the checker's output when it found damage. */
static void fsck_excerpt(FILE *o, const char *dir)
{
	char path[4096], line[1024], safe[VAL];
	int out = 0, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/fsck.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (n < 12 && read_bounded(f, line, sizeof(line))) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!out) {
			out = !strcmp(line, "output:");
			continue;
		}
		text_safe(safe, sizeof(safe), line, sizeof(line));
		fold(o, "    ", safe, 4);
		n++;
	}
	fclose(f);
}

/* A file of plain lines (the shell's), escaped and folded. */
static int quote_file(FILE *o, const char *path, const char *prefix)
{
	char line[4096], safe[VAL * 4];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (read_bounded(f, line, sizeof(line))) {
		line[strcspn(line, "\r\n")] = '\0';
		text_safe(safe, sizeof(safe), line, sizeof(line));
		if (!*safe)
			fprintf(o, "\n");
		else
			fold(o, prefix, safe, 4);
	}
	fclose(f);
	return 0;
}

static void facts(FILE *o, const struct run *r)
{
	char v[VAL * 4];

	snprintf(v, sizeof(v), "%s%s%s", r->verdict, *r->reason ? ": " : "", r->reason);
	fold(o, "Result:      ", v, 0);
	if (*r->rate)
		fold(o, "Rate:        ", r->rate, 0);
	fold(o, "Kernel:      ", r->kernel, 0);
	if (*r->commit) {
		snprintf(v, sizeof(v), "%s (%s) \"%s\"%s", r->commit, r->describe, r->subject,
			 !strcmp(r->state, "dirty") ? ", with uncommitted changes" : "");
		fold(o, "Commit:      ", v, 0);
	} else {
		fold(o, "Package:     ", r->package, 0);
	}
	if (*r->config)
		fold(o, "Config:      ", r->config, 0);
	if (*r->compiler)
		fold(o, "Compiler:    ", r->compiler, 0);
	snprintf(v, sizeof(v), "panic_on_warn=%s, page size %s bytes",
		 strstr(r->cmdline, "panic_on_warn=1") ? "1 (command line)" : "0 (the default)",
		 *r->page_size ? r->page_size : "4096");
	fold(o, "Runtime:     ", v, 0);
	fold(o, "Filesystem:  ", r->fs, 0);
	snprintf(v, sizeof(v), "%s: %s", r->scenario, r->steps);
	for (char *c = v; *c; c++)	/* steps a word each: folded between them */
		if (*c == ',')
			*c = ' ';
	fold(o, "Scenario:    ", v, 0);
	if (*r->fault)
		fold(o, "Fault:       ", r->fault, 0);
	if (*r->slowdev)
		fold(o, "Device:      ", r->slowdev, 0);
}

struct opts {
	const char *dir, *repeat, *compare, *repro, *repro_name, *how;
	int attached;
};

/* What the BPF probes saw, from the last folio_mkclean to the dirtying. */
static void ordering_section(FILE *o, const char *dir, const struct run *r)
{
	fprintf(o, "Ordering (BPF probes on the victim folio, ms since the first step;\n"
		   "flags L=locked U=uptodate D=dirty W=writeback B=private (buffer\n"
		   "heads) M=mapped P=maybe DMA-pinned), from the last folio_mkclean to\n"
		   "the dirtying:\n\n");
	if (!ordering_excerpt(o, dir))
		fprintf(o, "  (no such stretch in the timeline)\n");
	fold(o, "  ", r->ordering, 4);
	if (*r->buffers)
		fold(o, "  ", r->buffers, 4);
	fprintf(o, "\n");
}

static void body(FILE *o, const struct opts *a, const struct run *r)
{
	fprintf(o, "Hello,\n\n");
	fold(o, "", "Running gup-repro on this kernel, a page of a MAP_SHARED file mapping was "
		"written or dirtied through a GUP pin after writeback had cleaned it and "
		"folio_mkclean() had write-protected the user PTE: the filesystem never saw "
		"->page_mkwrite for it.", 0);
	if (!strncmp(r->module, "not loaded", 10))
		fold(o, "", "No test module was loaded: the pin is the kernel's own (see the "
			"reproducer below).", 0);
	fprintf(o, "\n");
	facts(o, r);
	fprintf(o, "\n");
	if (*r->warning) {
		fprintf(o, "The kernel printed:\n\n");
		if (!console_excerpt(o, a->dir, r->warning))
			fold(o, "  ", r->warning, 4);
		fprintf(o, "\n");
	} else {
		fprintf(o, "The kernel printed no warning.\n\n");
	}
	if (*r->ordering)
		ordering_section(o, a->dir, r);
	fprintf(o, "Checked after the run:\n");
	fold(o, "  data:  ", *r->integrity ? r->integrity : "not checked", 0);
	fold(o, "  fsck:  ", *r->fsck ? r->fsck : "not run", 0);
	if (strstr(r->fsck, "damage") || strstr(r->fsck, "exit 4") || strstr(r->fsck, "exit 1)"))
		fsck_excerpt(o, a->dir);
	fprintf(o, "\n");
	if (a->compare) {
		fprintf(o, "Before and after the change:\n\n");
		quote_file(o, a->compare, "");
		fprintf(o, "\n");
	}
	if (a->how) {
		fprintf(o, "Reproducer\n----------\n");
		quote_file(o, a->how, "");
		fprintf(o, "\n");
	}
	if (a->repro && a->attached) {
		fprintf(o, "The reproducer is attached: %s\n\n", a->repro_name);
	} else if (a->repro) {
		fprintf(o, "---8<--- %s ---8<---\n", a->repro_name);
		quote_file(o, a->repro, "");
		fprintf(o, "---8<--- end of %s ---8<---\n\n", a->repro_name);
	}
	fprintf(o, "-- \nWritten by gup-repro (./run.sh report) from its run directory.\n");
}

static void usage(FILE *o)
{
	fprintf(o, "usage: gup-repro-report --dir RUN_DIR [--repeat-dir DIR] [--compare FILE]\n"
		   "                        [--repro FILE --repro-name NAME] [--how FILE] [--attached]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "repeat-dir", required_argument, NULL, 'r' },
		{ "compare", required_argument, NULL, 'c' },
		{ "repro", required_argument, NULL, 'p' },
		{ "repro-name", required_argument, NULL, 'n' },
		{ "how", required_argument, NULL, 'H' },
		{ "attached", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts a = { .repro_name = "repro.c" };
	struct run r = {};
	char subj[VAL * 2];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a.dir = optarg; break;
		case 'r': a.repeat = optarg; break;
		case 'c': a.compare = optarg; break;
		case 'p': a.repro = optarg; break;
		case 'n': a.repro_name = optarg; break;
		case 'H': a.how = optarg; break;
		case 'a': a.attached = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!a.dir || optind != argc) {
		usage(stderr);
		return 2;
	}
	read_run(a.dir, &r);
	if (!*r.verdict) {
		fprintf(stderr, "gup-repro-report: %s has no verdict.txt with a verdict\n", a.dir);
		return 2;
	}
	if (a.repeat)
		kv(a.repeat, "verdict.txt", "verdict: ", r.rate);
	subject(&r, subj, sizeof(subj));
	printf("Subject: %s\n\n", subj);
	body(stdout, &a, &r);
	return ferror(stdout) ? 2 : 0;
}
