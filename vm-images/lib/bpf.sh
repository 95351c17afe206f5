# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/bpf.sh - the pintrace loader for the guest.  Sourced by lib.sh.

# gupr_build_bpf: one CO-RE object for every guest kernel, compiled against
# the vmlinux.h of a reference kernel (GUP_REPRO_BPF_REF, default
# debian:bookworm); its bpftool skeleton and the static pintrace loader.
# In the guest, libbpf relocates it against that kernel's own BTF
# (/sys/kernel/btf/vmlinux).  Sets PINTRACE.
gupr_build_bpf() {
	local dir="$GUPR_BUILD/bpf" ref=${GUP_REPRO_BPF_REF:-debian:bookworm} vmlinux
	PINTRACE="$dir/pintrace"
	gupr_stale "$PINTRACE" "$GUPR_TOP/bpf/guest/pintrace.bpf.c" "$GUPR_TOP/bpf/guest/pintrace.c" \
		"$GUPR_TOP/bpf/pintrace.h" || return 0
	gupr_lock bpf
	mkdir -p "$dir"
	vmlinux=$( (unset GUPR_KERNEL_ENV; gupr_kernel "$ref" && gupr_extract_vmlinux &&
		    echo "$KBTF:$KREL") ) || gupr_die "cannot get the vmlinux of $ref for vmlinux.h"
	gupr_say "==> bpf: building pintrace (CO-RE, vmlinux.h from ${vmlinux##*:})"
	{
		bpftool btf dump file "${vmlinux%:*}" format c >"$dir/vmlinux.h" &&
		clang -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I"$dir" -I"$GUPR_TOP/bpf" \
			-c "$GUPR_TOP/bpf/guest/pintrace.bpf.c" -o "$dir/pintrace.bpf.o" &&
		bpftool gen skeleton "$dir/pintrace.bpf.o" >"$dir/pintrace.skel.h" &&
		gcc -static -O2 -Wall -Wextra -Werror -I"$dir" -I"$GUPR_TOP/bpf" \
			"$GUPR_TOP/bpf/guest/pintrace.c" -o "$dir/pintrace.tmp" -lbpf -lelf -lz -ljansson &&
		mv "$dir/pintrace.tmp" "$PINTRACE"
	} >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; gupr_die "building pintrace failed"; }
	gupr_unlock bpf
}
