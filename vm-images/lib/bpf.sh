# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/bpf.sh - the pintrace loader for the guest.  Sourced by lib.sh.

# gupr_build_bpf: the Makefile's $GUPR_BUILD/bpf/pintrace (CO-RE object,
# bpftool skeleton, static loader), built against the vmlinux.h of a
# reference kernel (GUP_REPRO_BPF_REF, default the default kernel), which
# is fetched only when make says the loader is stale.  In the guest, libbpf
# relocates the object against that kernel's own BTF
# (/sys/kernel/btf/vmlinux).  Sets PINTRACE.
gupr_build_bpf() {
	local dir="$GUPR_BUILD/bpf" ref=${GUP_REPRO_BPF_REF:-$GUPR_DEFAULT_KERNEL} vmlinux
	PINTRACE="$dir/pintrace"
	make -q -C "$GUPR_TOP" "$PINTRACE" GUPR_BUILD="$GUPR_BUILD" 2>/dev/null && return 0
	gupr_lock bpf
	mkdir -p "$dir"
	vmlinux=$( (unset GUPR_KERNEL_ENV; gupr_kernel "$ref" && gupr_extract_vmlinux &&
		    echo "$KBTF:$KREL") ) || gupr_die "cannot get the vmlinux of $ref for vmlinux.h"
	gupr_say "==> bpf: building pintrace (CO-RE, vmlinux.h from ${vmlinux##*:})"
	make -C "$GUPR_TOP" "$PINTRACE" GUPR_BUILD="$GUPR_BUILD" BPF_VMLINUX="${vmlinux%:*}" >"$dir/build.log" 2>&1 &
	wait $! || { cat "$dir/build.log" >&2; gupr_die "building pintrace failed"; }
	gupr_unlock bpf
}
