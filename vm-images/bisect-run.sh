#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/bisect-run.sh - one run of a bisect step, started by GNU
# parallel (bisect.sh is the only caller; not a user command).
#
#   bisect-run.sh local  I
#   bisect-run.sh remote I STEP HASH
#
# local: on this machine: run I of the step directory $GUPR_BR_STEP, on the
# step's prepared kernel $GUPR_BR_KERNEL (a directory, gupr_kernel_pack).
# remote: on a host of --hosts, in the bisection's directory on that host
# (GNU parallel's --workdir, which holds the basefiles base/ (gup-repro.tar,
# remote.sh, this script) and STEP.kernel.tar, the step's prepared kernel).
# The host's copy of the project is made ready once per HASH
# (vm-images/lib/remote.sh); STEP.kernel.tar is unpacked once per step
# into kernel-STEP/ (the kernels of earlier steps are removed, by
# gupr_remote_rm: only in gup-repro's own directory there); the run's
# directory STEP/run-I comes back as STEP/run-I.tar (GNU parallel
# --return), with host.txt naming the host.
#
# Both run the same command line:
#   run.sh --kernel prepared:DIR --out RUN-DIR RUN-OPTIONS...
# with its output in RUN-DIR/run.out and its exit status in
# RUN-DIR/exit.txt, which bisect.sh votes on; without exit.txt the run
# could not be made (error.txt says why).  GUP_REPRO_TEST_BISECT_RUN, when
# set (tests; local runs only), is run instead of run.sh, in the tree.
# Exit 0 when the run was made (whatever its verdict), 3 when the host
# could not make it: GNU parallel --retries tries it on another host.
# Environment: GUPR_BR_OPTS (run.sh's options, %q-quoted words),
# GUPR_BR_STEP, GUPR_BR_KERNEL (local), GUPR_BR_COMMIT (the step's commit),
# GUP_REPRO_SMP (passed on), PARALLEL_SSHHOST (remote: set by GNU parallel).
set -u
mode=$1 i=$2
t0=$(date +%s)
opts=()
eval "opts=(${GUPR_BR_OPTS:-})"	# %q-quoted words (bisect.sh)

# record DIR COMMAND...: COMMAND's output into DIR/run.out after it ends
# (DIR may not exist before: run.sh wants an empty --out), its exit status
# into DIR/exit.txt.
record() {
	local dir=$1 rc
	shift
	"$@" >"$dir.run.out" 2>&1
	rc=$?
	mkdir -p "$dir" && mv "$dir.run.out" "$dir/run.out"
	echo "$rc" >"$dir/exit.txt"
}

# run TOP KERNEL-DIR DIR: the run, recorded in DIR.  The host's packages
# and tools are ready (bisect.sh here, gupr_remote_project there): run.sh
# skips them, as in a matrix cell.
run() {
	record "$3" env GUPR_MATRIX_CELL=1 "$1/run.sh" --kernel "prepared:$2" --out "$3" "${opts[@]}"
}

# say VERDICT-DIR [HOST]: the progress line
say() {
	local v
	v=$(sed -n 's/^verdict: //p' "$1/verdict.txt" 2>/dev/null | head -n 1)
	printf '==> run %s: %s (exit %s, %d s)%s\n' "$i" "${v:-no verdict}" "$(cat "$1/exit.txt" 2>/dev/null)" \
		"$(( $(date +%s) - t0 ))" "${2:+ on $2}" >&2
}

if [ "$mode" = local ]; then
	dir=$GUPR_BR_STEP/run-$i
	if [ -n "${GUP_REPRO_TEST_BISECT_RUN:-}" ]; then
		mkdir -p "$dir"
		record "$dir" env GUPR_COMMIT="$GUPR_BR_COMMIT" GUPR_RUN_DIR="$dir" sh -c "$GUP_REPRO_TEST_BISECT_RUN"
	else
		run "$(cd "$(dirname "$0")/.." && pwd)" "$GUPR_BR_KERNEL" "$dir"
	fi
	say "$dir"
	exit 0
fi

# --- remote ---
step=$3 hash=$4
# shellcheck disable=SC1091
. ./base/remote.sh	# beside this script in the basefile base/ (vm-images/lib/remote.sh)
gupr_remote_begin "$step/run-$i"
gupr_remote_project "$hash"
# the step's prepared kernel, once per step on this host
exec 9>>"$REMOTE_RUN/.kernel.lock" && flock 9 || gupr_remote_fail "cannot lock $REMOTE_RUN/.kernel.lock"
if [ ! -d "kernel-$step" ]; then
	gupr_remote_rm "$REMOTE_OWN" "$REMOTE_RUN"/kernel-*
	mkdir "kernel-$step.tmp" && tar -xf "$step.kernel.tar" -C "kernel-$step.tmp" &&
		mv "kernel-$step.tmp" "kernel-$step" ||
		{ gupr_remote_rm "$REMOTE_OWN" "$REMOTE_RUN/kernel-$step.tmp"
		  gupr_remote_fail "cannot unpack the prepared kernel $step.kernel.tar"; }
fi
exec 9>&-
run "$REMOTE_TREE" "$REMOTE_RUN/kernel-$step" "$REMOTE_DIR"
say "$REMOTE_DIR" "$REMOTE_HOST"
exit 0
