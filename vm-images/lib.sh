# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# vm-images/lib.sh - the host-side library sourced by run.sh, its
# subcommands and the tests.  Each job lives in a file of its own under
# vm-images/lib/:
#   facts.sh      defaults and lists shared with the Makefile and the guest
#   common.sh     paths, messages, staleness, locks (flock)
#   apt.sh        the host's archive URI and a private apt per suite
#   kernel.sh     the kernel record (kernel.env) and Debian's packages
#   tree.sh       kernel trees: locate, identify, guest .config, build
#   buildroot.sh  build roots with a kernel's own compiler (mmdebstrap)
#   module.sh     gup_repro.ko for the kernel of the record
#   bpf.sh        the pintrace loader (CO-RE)
#   initramfs.sh  the guest's initramfs
#   rootfs.sh     --rootfs debian: the Debian userland image and its modules
#   fstests.sh    ./run.sh fstests: build an fstests checkout, its disks, its verdict
#   scratch.sh    the scratch filesystem image
#   boot.sh       QEMU and the boot watchdog
#   snapshot.sh   runs that resume a saved guest instead of booting
#   phases.sh     where a run's time goes (phases.txt)
#   source.sh     checkpatch.pl and kernel-doc from linux-source
#   triggers.sh   module-free reproducers, --exec programs, --repeat
#
# Nothing here touches the host's apt configuration, /usr/src or
# /lib/modules, nor writes into a user's kernel tree: kernels live under
# $GUPR_CACHE (XDG cache), build products under $GUPR_BUILD.

GUPR_TOP=${GUPR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# in this order (each file's comment says what it needs of the earlier
# ones); one line each, for shellcheck -x to follow (tests/lint/shell.t)
# shellcheck source=vm-images/lib/facts.sh
. "$GUPR_TOP/vm-images/lib/facts.sh"
# shellcheck source=vm-images/lib/common.sh
. "$GUPR_TOP/vm-images/lib/common.sh"
# shellcheck source=vm-images/lib/apt.sh
. "$GUPR_TOP/vm-images/lib/apt.sh"
# shellcheck source=vm-images/lib/kernel.sh
. "$GUPR_TOP/vm-images/lib/kernel.sh"
# shellcheck source=vm-images/lib/tree.sh
. "$GUPR_TOP/vm-images/lib/tree.sh"
# shellcheck source=vm-images/lib/buildroot.sh
. "$GUPR_TOP/vm-images/lib/buildroot.sh"
# shellcheck source=vm-images/lib/module.sh
. "$GUPR_TOP/vm-images/lib/module.sh"
# shellcheck source=vm-images/lib/bpf.sh
. "$GUPR_TOP/vm-images/lib/bpf.sh"
# shellcheck source=vm-images/lib/initramfs.sh
. "$GUPR_TOP/vm-images/lib/initramfs.sh"
# shellcheck source=vm-images/lib/rootfs.sh
. "$GUPR_TOP/vm-images/lib/rootfs.sh"
# shellcheck source=vm-images/lib/fstests.sh
. "$GUPR_TOP/vm-images/lib/fstests.sh"
# shellcheck source=vm-images/lib/scratch.sh
. "$GUPR_TOP/vm-images/lib/scratch.sh"
# shellcheck source=vm-images/lib/boot.sh
. "$GUPR_TOP/vm-images/lib/boot.sh"
# shellcheck source=vm-images/lib/snapshot.sh
. "$GUPR_TOP/vm-images/lib/snapshot.sh"
# shellcheck source=vm-images/lib/phases.sh
. "$GUPR_TOP/vm-images/lib/phases.sh"
# shellcheck source=vm-images/lib/source.sh
. "$GUPR_TOP/vm-images/lib/source.sh"
# shellcheck source=vm-images/lib/triggers.sh
. "$GUPR_TOP/vm-images/lib/triggers.sh"

# gupr_prepare SPEC: the kernel's record (fetching a Debian kernel or
# checking a tree), then gup_repro.ko, pintrace and the initramfs, each
# only when stale, and the image to boot (KBOOT), under the kernel's lock.
# Returns 1 (after printing the build log) when the module does not build;
# dies on fetch errors.  A prepared kernel (prepared:DIR) has all of it
# already and boots its own image.
gupr_prepare() {
	if [ "$(gupr_kernel_spec_kind "$1")" = prepared ]; then
		gupr_kernel "$1"
		KBOOT=$VMLINUZ
		return 0
	fi
	BUSYBOX=${GUP_REPRO_BUSYBOX:-/bin/busybox}
	[ -x "$BUSYBOX" ] || gupr_die "no static busybox at $BUSYBOX (package busybox-static)"
	# pintrace first: it may fetch the reference kernel under that
	# kernel's lock, which must not be taken while holding another
	gupr_build_bpf
	gupr_kernel "$1"
	gupr_lock "kernel-$KID"
	gupr_build_module || { gupr_unlock "kernel-$KID"; return 1; }
	gupr_build_initramfs
	gupr_boot_image
	gupr_unlock "kernel-$KID"
}
