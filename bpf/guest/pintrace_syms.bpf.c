// SPDX-License-Identifier: GPL-2.0
/*
 * pintrace_syms.bpf.c - symbols without /proc/kallsyms (v5.16+): two
 * syscall programs that pintrace runs with BPF_PROG_TEST_RUN, one symbol
 * per run, through the globals below (the mmap()ed .bss), instead of
 * reading and parsing all of /proc/kallsyms (~90k-190k lines, a quarter of
 * a second under TCG).  An object of its own, apart from pintrace.bpf.c:
 * it loads in milliseconds (no maps but its .bss, no CO-RE), so the
 * probes' addresses are known - and their kprobes made - while the probe
 * programs are still in the verifier.
 *
 * pt_lookup: sym_addr = the address of sym_name, NUL-padded, as a by-name
 * kprobe would resolve it (kallsyms_lookup_name(): vmlinux first, then the
 * modules; bpf_kallsyms_lookup_name(), v5.16); sym_err = 0 or -ENOENT.
 * pt_symbolize: sym_buf = sym_addr as a stack frame, "%pB" (v5.13:
 * sprint_backtrace(), the function containing sym_addr - 1), e.g.
 * "do_page_mkwrite+0x4e/0x90" or "ext4_dirty_folio+0x1/0x40 [ext4]", or
 * "0x..." for an address kallsyms does not know; sym_err = its length or
 * -errno.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "pintrace.h"

char sym_name[PT_SYM_NAME_LEN];
char sym_buf[PT_SYM_BUF_LEN];
__u64 sym_addr;
long sym_err;

SEC("syscall")
int pt_lookup(void *ctx)
{
	sym_err = bpf_kallsyms_lookup_name(sym_name, sizeof(sym_name), 0, &sym_addr);
	return 0;
}

SEC("syscall")
int pt_symbolize(void *ctx)
{
	__u64 args[1] = { sym_addr };

	sym_err = bpf_snprintf(sym_buf, sizeof(sym_buf), "%pB", args, sizeof(args));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
