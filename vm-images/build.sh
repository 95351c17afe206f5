#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/build.sh [--kernel SPEC]: fetch the guest kernel (cached), build
# gup_repro.ko against its headers and pack the initramfs; print the paths.
set -eu
# shellcheck source=vm-images/lib.sh
. "$(dirname "$0")/lib.sh"
spec=$GUPR_DEFAULT_KERNEL
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) spec=${2:?--kernel needs a value}; shift 2 ;;
	--verbose) GUPR_VERBOSE=1; shift ;;
	*) echo "usage: $0 [--kernel SPEC] [--verbose]" >&2; exit 2 ;;
	esac
done
for b in gup-repro gup-repro-abi-test; do
	[ -x "$GUPR_HOST/$b" ] || { echo "build/host/$b missing: run 'make host' first" >&2; exit 2; }
done
gupr_prepare "$spec" || exit 1
printf 'kernel:    %s (%s: %s)\nvmlinuz:   %s\nmodule:    %s\ninitramfs: %s\n' \
	"$KREL" "$KVERSION" "$KLABEL" "$VMLINUZ" "$KO" "$INITRD"
