// SPDX-License-Identifier: GPL-2.0
/*
 * ksyms.c - the kernel's symbols for pintrace (loader.h): each probe's
 * function address, vmemmap_base, and the stack frames of the events as
 * names.  On v5.16+ the kernel resolves them itself through two syscall
 * programs (pt_lookup, pt_symbolize of pintrace_syms.bpf.c:
 * kallsyms_lookup_name() and "%pB"); older kernels, or --kallsyms, read
 * all of /proc/kallsyms.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "pintrace_syms.skel.h"

struct pt_syms *ksyms_new(void)
{
	struct pt_syms *sy = calloc(1, sizeof(*sy));

	if (sy)
		sy->symbolize_fd = -1;
	return sy;
}

void ksyms_free(struct pt_syms *sy)
{
	size_t i;

	if (!sy)
		return;
	for (i = 0; i < sizeof(sy->cache) / sizeof(sy->cache[0]); i++)
		free(sy->cache[i].frame);
	pintrace_syms_bpf__destroy(sy->skel);
	free(sy->ksyms);
	free(sy->text);
	free(sy);
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* A text symbol of kallsyms: count it for the probe(s) of that name. */
static void note_probe_sym(struct pt_syms *sy, const char *name, size_t len, unsigned long addr)
{
	int i;

	if (!sy->len_mask)
		for (i = 0; i < PT_NR_PROBES; i++)
			sy->len_mask |= 1ULL << (strlen(pt_probes[i].sym) & 63);
	if (len > 63 || !(sy->len_mask & (1ULL << len)))
		return;
	for (i = 0; i < PT_NR_PROBES; i++) {
		if (strcmp(pt_probes[i].sym, name))
			continue;
		if (!sy->probe_nsyms[i]++)
			sy->probe_addr[i] = addr;
	}
}

/* Read all of @path into @sy->text (NUL-terminated); 0 or -errno. */
static int slurp_ksyms(struct pt_syms *sy, const char *path)
{
	size_t len = 0, cap = 4 << 20;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	sy->text = malloc(cap);
	while (sy->text) {
		if (cap - len < 65536) {
			char *t = realloc(sy->text, cap * 2);

			if (!t)
				break;
			sy->text = t;
			cap *= 2;
		}
		n = read(fd, sy->text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : 0;

			close(fd);
			sy->text[len] = '\0';
			sy->len = len;
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

/* Append a text symbol to @sy->ksyms (@cap: its room); 0 or -ENOMEM. */
static int add_ksym(struct pt_syms *sy, size_t *cap, unsigned long addr, char *name, char *mod)
{
	if (sy->nr_ksyms == *cap) {
		size_t ncap = *cap ? *cap * 2 : 65536;
		struct ksym *k = realloc(sy->ksyms, ncap * sizeof(*sy->ksyms));

		if (!k)
			return -ENOMEM;
		sy->ksyms = k;
		*cap = ncap;
	}
	sy->ksyms[sy->nr_ksyms].addr = addr;
	sy->ksyms[sy->nr_ksyms].name = name;
	sy->ksyms[sy->nr_ksyms].mod = mod;
	sy->nr_ksyms++;
	return 0;
}

/*
 * The kernel lists its own symbols in address order, then the modules';
 * only the modules' part (from @nsorted on) is sorted, unless the kernel's
 * own were not in order after all.
 */
static void sort_ksyms(struct pt_syms *sy, size_t nsorted)
{
	struct ksym *k = sy->ksyms;
	size_t n = sy->nr_ksyms;

	qsort(k + nsorted, n - nsorted, sizeof(*k), cmp_ksym);
	if (nsorted && nsorted < n && k[nsorted].addr < k[nsorted - 1].addr)
		qsort(k, n, sizeof(*k), cmp_ksym);
}

int ksyms_load(struct pt_syms *sy)
{
	size_t cap = 0, nsorted = 0;
	char *line, *next, *end;
	int err = slurp_ksyms(sy, "/proc/kallsyms");

	if (err)
		return err;
	end = sy->text + sy->len;
	for (line = sy->text; line < end; line = next + 1) {
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
			sy->vmemmap_base_addr = addr;
			continue;
		}
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		note_probe_sym(sy, name, len, addr);
		if (nsorted == sy->nr_ksyms &&
		    (!sy->nr_ksyms || sy->ksyms[sy->nr_ksyms - 1].addr <= addr))
			nsorted++;
		if (add_ksym(sy, &cap, addr, name, mod))
			return -ENOMEM;
	}
	sort_ksyms(sy, nsorted);
	return 0;
}

/* Run the syscall program @fd once (BPF_PROG_TEST_RUN, no context); 0 or -errno. */
static int run_syscall_prog(int fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, ro);

	return bpf_prog_test_run_opts(fd, &ro) ? -errno : 0;
}

/*
 * /proc/kallsyms's count of same-named symbols is not known here, so a
 * probe found is taken as one symbol.
 */
int ksyms_lookup(struct pt_syms *sy)
{
	struct pintrace_syms_bpf *skel = sy->skel;
	int i, err, fd = bpf_program__fd(skel->progs.pt_lookup);

	for (i = 0; i <= PT_NR_PROBES; i++) {
		const char *name = i < PT_NR_PROBES ? pt_probes[i].sym : "vmemmap_base";

		memset(skel->bss->sym_name, 0, sizeof(skel->bss->sym_name));
		strncpy(skel->bss->sym_name, name, sizeof(skel->bss->sym_name) - 1);
		err = run_syscall_prog(fd);
		if (err)
			return err;
		if (skel->bss->sym_err)
			continue;
		if (i == PT_NR_PROBES) {
			sy->vmemmap_base_addr = skel->bss->sym_addr;
		} else {
			sy->probe_addr[i] = skel->bss->sym_addr;
			sy->probe_nsyms[i] = 1;
		}
	}
	return 0;
}

/*
 * @addr as "name+0xOFF[ MODULE]" through pt_symbolize ("%pB" less its
 * "/0xSIZE", as /proc/kallsyms's frames are printed), into @buf (@len
 * bytes).  Returns false when the kernel could not say.
 */
static bool symbolize_bpf(struct pt_syms *sy, unsigned long addr, char *buf, size_t len)
{
	size_t mask = (1 << SYM_CACHE_BITS) - 1;
	size_t h = (addr * 0x9E3779B97F4A7C15ULL) >> (64 - SYM_CACHE_BITS);
	char *frame, *slash, *end;
	size_t n;

	for (n = 0; n <= mask && sy->cache[h].frame; n++, h = (h + 1) & mask) {
		if (sy->cache[h].addr == addr) {
			snprintf(buf, len, "%s", sy->cache[h].frame);
			return true;
		}
	}
	sy->skel->bss->sym_addr = addr;
	if (run_syscall_prog(sy->symbolize_fd) || sy->skel->bss->sym_err <= 0)
		return false;
	frame = sy->skel->bss->sym_buf;
	frame[sizeof(sy->skel->bss->sym_buf) - 1] = '\0';
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
	if (n <= mask && !sy->cache[h].frame) {
		sy->cache[h].frame = strdup(frame);
		sy->cache[h].addr = addr;
	}
	return true;
}

void ksyms_symbolize(struct pt_syms *sy, unsigned long addr, char *buf, size_t len)
{
	const struct ksym *k = sy->ksyms;
	size_t lo = 0, hi = sy->nr_ksyms;

	if (sy->symbolize_fd >= 0 && symbolize_bpf(sy, addr, buf, len))
		return;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		snprintf(buf, len, "0x%lx", addr);
		return;
	}
	snprintf(buf, len, "%s+0x%lx%s%s", k[lo - 1].name, addr - k[lo - 1].addr,
		 k[lo - 1].mod ? " " : "", k[lo - 1].mod ? k[lo - 1].mod : "");
}
