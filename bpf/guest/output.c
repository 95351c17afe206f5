// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - what pintrace writes (loader.h): one JSON object a line.
 * First "start" (what was attached, how, and the set-up's times), then one
 * line a probe hit with its stack symbolized, last "end" with the count of
 * events lost to a full ring buffer.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "../../repro-user/include/folio_flags.h"
#include "pintrace.skel.h"

void put_line(struct pt_out *out, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s) {
		fprintf(out->f, "%s\n", s);
		fflush(out->f);
		free(s);
	}
	json_decref(o);
}

/* The folio flags of @e by name. */
static json_t *flag_names(const struct pt_event *e)
{
	json_t *flags = json_array();
	unsigned int i;

	for (i = 0; i < GUPR_NR_FLAGS; i++)
		if (e->flags & gupr_flags[i].bit)
			json_array_append_new(flags, json_string(gupr_flags[i].name));
	return flags;
}

/* The kernel stack of @e, innermost frame first, symbolized. */
static json_t *stack_of(struct pt_out *out, const struct pt_event *e)
{
	json_t *stack = json_array();
	__u64 ips[PT_MAX_STACK] = {};
	__u32 id = (__u32)e->stack_id;
	unsigned int i;

	if (e->stack_id < 0 || bpf_map_lookup_elem(out->stacks_fd, &id, ips))
		return stack;
	for (i = 0; i < PT_MAX_STACK && ips[i]; i++) {
		char sym[320];

		ksyms_symbolize(out->sy, ips[i], sym, sizeof(sym));
		json_array_append_new(stack, json_string(sym));
	}
	return stack;
}

/* The members of a probe on a folio (all but the warnings). */
static void folio_members(json_t *o, const struct pt_event *e, const char *dev)
{
	enum pt_kind kind = pt_probes[e->probe].kind;

	json_object_set_new(o, "pfn", json_integer((json_int_t)e->pfn));
	json_object_set_new(o, "ino", json_integer((json_int_t)e->ino));
	json_object_set_new(o, "dev", json_string(dev));
	json_object_set_new(o, "index", json_integer((json_int_t)e->index));
	json_object_set_new(o, "flags", flag_names(e));
	json_object_set_new(o, "refcount", json_integer(e->refcount));
	json_object_set_new(o, "maybe_dma_pinned", json_boolean(e->flags & GUP_REPRO_F_DMA_PINNED));
	if (kind == PT_K_PIN || kind == PT_K_UNPIN)
		json_object_set_new(o, "arg", json_integer(e->arg));
}

/* The members of a warning: its file (__warn) or function (ext4), line, inode. */
static void warn_members(json_t *o, const struct pt_event *e, const char *dev)
{
	char str[PT_STR_LEN + 1];

	memcpy(str, e->str, PT_STR_LEN);
	str[PT_STR_LEN] = '\0';
	json_object_set_new(o, e->probe == PT_WARN ? "file" : "function", json_string(str));
	json_object_set_new(o, "line", json_integer(e->arg));
	if (e->ino) {
		json_object_set_new(o, "ino", json_integer((json_int_t)e->ino));
		json_object_set_new(o, "dev", json_string(dev));
	}
}

int on_event(void *ctx, void *data, size_t size)
{
	struct pt_out *out = ctx;
	const struct pt_event *e = data;
	char dev[32], comm[PT_COMM_LEN + 1];
	json_t *o;

	if (size < sizeof(*e) || e->probe >= PT_NR_PROBES)
		return 0;
	out->nr_events++;
	memcpy(comm, e->comm, PT_COMM_LEN);
	comm[PT_COMM_LEN] = '\0';
	snprintf(dev, sizeof(dev), "%u:%u", e->dev >> 20, e->dev & 0xfffff);
	/* seq: ring buffer (reservation) order; cpu_seq: the CPU's attempt number */
	o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:i,s:i,s:i,s:s}",
		      "event", pt_probes[e->probe].sym, "kind", pt_kind_names[pt_probes[e->probe].kind],
		      "seq", (json_int_t)out->nr_events - 1, "cpu_seq", (json_int_t)e->seq,
		      "ts_ns", (json_int_t)e->ts_ns,
		      "cpu", (int)e->cpu, "pid", (int)e->pid, "tid", (int)e->tid,
		      "comm", comm);
	if (pt_probes[e->probe].kind == PT_K_WARN)
		warn_members(o, e, dev);
	else
		folio_members(o, e, dev);
	json_object_set_new(o, "stack", stack_of(out, e));
	put_line(out, o);
	return 0;
}

json_t *start_event(const struct pt_args *a, const struct stat *st, const char *dev,
		    const struct pt_progs *p, json_t *attached, json_t *missing,
		    json_t *failed, const struct pt_times *tm)
{
	const struct pt_job *j = &p->job;
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
			 "setup_ms", "kallsyms", (json_int_t)(j->ns / 1000000),
			 "kallsyms_cpu", (json_int_t)(j->cpu_ns / 1000000),
			 "open", (json_int_t)((tm->open - tm->start) / 1000000),
			 "load", (json_int_t)((tm->load - tm->load0) / 1000000),
			 "wait", (json_int_t)((j->go - j->wait0) / 1000000),
			 "probes", (json_int_t)(p->probes_ns / 1000000),
			 "attach", (json_int_t)((tm->attach - tm->attach0) / 1000000),
			 "file_wait", (json_int_t)((tm->file - tm->attach) / 1000000));
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

json_t *end_event(const struct pt_out *out, struct pintrace_bpf *skel)
{
	return json_pack("{s:s,s:I,s:I,s:I}", "event", "end", "ts_ns", (json_int_t)now_ns(),
			 "events", (json_int_t)out->nr_events, "lost", (json_int_t)count_lost(skel));
}
