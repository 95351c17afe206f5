# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/facts.sh - the facts the harness, the Makefile and the C
# programs share, stated once.  Sourced first by lib.sh; the Makefile reads
# the default kernel from here and turns the GUPR_DEFAULT_* lines into
# build/host/include/gupr_facts.h for the C programs; the guest init is
# told the ones it needs on the kernel command line run.sh builds
# (gupr.fs=, gupr.scenario=).  Plain NAME=value lines only.
# shellcheck disable=SC2034  # every fact is read by the files that source this one

GUPR_DEFAULT_KERNEL=debian:bookworm
GUPR_DEFAULT_SCENARIO=unlocked-dirty
GUPR_DEFAULT_FS=ext4
# the scratch filesystems a run can use (--fs), in the matrix's order
GUPR_FILESYSTEMS="ext4 xfs btrfs tmpfs"
# the Debian suites whose kernels gup-repro runs (debian:SUITE), oldest first
GUPR_SUITES="bullseye bookworm trixie sid"
# the default matrix's scenarios
GUPR_MATRIX_SCENARIOS="unlocked-dirty control longterm iouring-fixed-buffer"
# the kernel config options that matter for this bug class: run.txt
# records them (kernel-config-options:), a report names them, a bisection
# says when its steps differ in one
GUPR_CONFIG_MATTERS="CONFIG_DEBUG_INFO_BTF CONFIG_TRANSPARENT_HUGEPAGE CONFIG_READ_ONLY_THP_FOR_FS CONFIG_BTRFS_EXPERIMENTAL CONFIG_BTRFS_DEBUG CONFIG_DEBUG_VM CONFIG_BUG_ON_DATA_CORRUPTION"

# gupr_in_list WORD LIST: true when WORD is one of the words of LIST.
gupr_in_list() {
	case "$1" in '' | *[[:space:]]*) return 1 ;; esac
	case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# gupr_or_list LIST: "a, b, c or d", for messages.
gupr_or_list() {
	local -a w
	read -r -a w <<<"$1"
	if [ ${#w[@]} -le 1 ]; then echo "${w[*]}"; return; fi
	local last=${w[-1]}
	unset 'w[-1]'
	local IFS=,
	echo "${w[*]} or $last" | sed 's/,/, /g'
}
