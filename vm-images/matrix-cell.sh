#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/matrix-cell.sh - one cell of ./run.sh matrix, started by GNU
# parallel (matrix.sh is the only caller; not a user command).
#
#   matrix-cell.sh prepare KERNEL LABEL DIR
#   matrix-cell.sh local   KERNEL LABEL FS SCENARIO [RUN]
#   matrix-cell.sh remote  KERNEL LABEL FS SCENARIO HASH [RUN]
#
# prepare: fetch KERNEL, its build root, module and initramfs (gupr_prepare)
# and, with GUPR_CELL_ROOTFS=debian, the Debian userland image of its suite
# and its modules image (gupr_rootfs_prepare), into DIR/.kres-LABEL (its
# record, which every cell of it then shares) or DIR/.kerr-LABEL (why it could not be prepared; exit 1); log
# DIR/prepare-LABEL.log.
# local: on this machine, in the matrix directory $GUPR_CELL_MDIR, with the
# kernel prepared by matrix.sh (prepare, above).
# remote: on a host of --hosts, in the matrix's directory on that host
# (GNU parallel's --workdir, WORKDIR/.gup-repro/runs/ID, whose base/ is
# the basefile: gup-repro.tar, remote.sh and this script).  The host's
# copy of the project, WORKDIR/.gup-repro/tree-HASH, is unpacked from
# gup-repro.tar and built (host-deps.sh, make host) once per HASH of the
# tar (vm-images/lib/remote.sh); the first cell of each kernel prepares
# it (prepare, above, in the host's own cache) for the matrix's other
# cells there.  GNU parallel returns the cell's directory.
#
# Both run the cell with the same command line:
#   GUPR_MATRIX_CELL=1 run.sh --kernel K --fs F --scenario S --out DIR ...
# and print one line for matrix.sh: "cell<TAB>LABEL/FS/SCENARIO<TAB>HOST<TAB>SECONDS"
# (HOST "-" for a local cell).  With RUN (--repeat: a job per run of a
# cell), DIR is the cell's run-RUN and the cell LABEL/FS/SCENARIO/run-RUN;
# matrix.sh decides the cell over its runs.
# Exit 0 when the cell has a verdict (whatever it is), 3 when the host could
# not run it (error.txt in the cell says why): GNU parallel --retries tries
# such a cell on another host.
# Environment: GUPR_CELL_TIMEOUT (run.sh --timeout), GUPR_CELL_OPTS (more
# run.sh options: --no-trace, --rootfs), GUPR_CELL_ROOTFS (prepare: busybox
# or debian), GUPR_CELL_FSTESTS (an fstests checkout: prepare builds it and
# the Debian image for it, a cell is run.sh fstests --fstests DIR TEST, its
# SCENARIO the test with - for /), GUPR_CELL_MDIR (local), PARALLEL_SSHHOST
# (remote: set by GNU parallel).  GUP_REPRO_TEST_CELL_RUN (tests only) is a command run instead
# of run.sh, with GUPR_CELL_DIR (the run directory to write),
# GUPR_CELL_KERNEL, GUPR_CELL_FS and GUPR_CELL_SCENARIO.
set -u
if [ "$1" = prepare ]; then
	GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
	# shellcheck source=vm-images/lib.sh
	. "$GUPR_TOP/vm-images/lib.sh"
	k=$2 lbl=$3 d=$4
	(GUPR_LOG="$d/prepare-$lbl.log" gupr_prepare "$k" &&
	 if [ -n "${GUPR_CELL_FSTESTS:-}" ]; then GUPR_LOG="$d/prepare-$lbl.log" gupr_fstests_prepare "$GUPR_CELL_FSTESTS" ""
	 elif [ "${GUPR_CELL_ROOTFS:-busybox}" != busybox ]; then gupr_rootfs_prepare "$(gupr_rootfs_pkgs "")"; fi &&
	 echo "$GUPR_KERNEL_ENV" >"$d/.kres-$lbl") \
		>>"$d/prepare-$lbl.log" 2>&1 && exit 0
	rm -f "$d/.kres-$lbl"
	why=$(grep -h '^gup-repro: error: ' "$d/prepare-$lbl.log" | tail -n 1 | sed 's/^gup-repro: error: //')
	echo "${why:-module build failed (see prepare-$lbl.log)}" >"$d/.kerr-$lbl"
	# the machine's fault, not the kernel's: the matrix stops (matrix.sh)
	gupr_host_fault "$d/prepare-$lbl.log" >"$d/.host-error" || rm -f "$d/.host-error"
	exit 1
fi
mode=$1 k=$2 lbl=$3 f=$4 s=$5 run=${6:-}
[ "$mode" = remote ] && run=${7:-}
cell=$lbl/$f/$s${run:+/run-$run}
# the cell's scenario; TRIGGER+FAULT: a trigger with --fault FAULT
scen=(--scenario "$s")
[ "${s#*+}" = "$s" ] || scen=(--scenario "${s%%+*}" --fault "${s#*+}")
t0=$(date +%s.%N)
# shellcheck disable=SC2206  # split on purpose: the matrix's run.sh options, words with no white space
opts=(--timeout "$GUPR_CELL_TIMEOUT" ${GUPR_CELL_OPTS:-})

done_line() { printf 'cell\t%s\t%s\t%s\n' "$cell" "${1:--}" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"; }

# run_sh TOP DIR: the cell's run.sh, its output joining the cell after
# (run.sh wants an empty --out).  A cell's guest has one vCPU unless
# GUP_REPRO_SMP says otherwise: cells run side by side, and two 2-vCPU TCG
# guests on 2 host CPUs spin on each other's descheduled vCPUs (one vCPU a
# cell is the faster matrix, with the same results: docs/benchmarks.md).
run_sh() {
	if [ -n "${GUP_REPRO_TEST_CELL_RUN:-}" ]; then
		# tests: a command stands in for run.sh and writes the run directory
		mkdir -p "$2" && GUPR_CELL_DIR=$2 GUPR_CELL_KERNEL=$k GUPR_CELL_FS=$f GUPR_CELL_SCENARIO=$s \
			sh -c "$GUP_REPRO_TEST_CELL_RUN" >"$2.run.out" 2>&1
	elif [ -n "${GUPR_CELL_FSTESTS:-}" ]; then
		# an fstests cell: its column is the test, "-" for "/"
		GUP_REPRO_SMP=${GUP_REPRO_SMP:-1} GUPR_MATRIX_CELL=1 "$1/run.sh" fstests --fstests "$GUPR_CELL_FSTESTS" \
			--kernel "$k" --fs "$f" "${s/-//}" --out "$2" "${opts[@]}" >"$2.run.out" 2>&1
	else
		GUP_REPRO_SMP=${GUP_REPRO_SMP:-1} GUPR_MATRIX_CELL=1 "$1/run.sh" --kernel "$k" --fs "$f" "${scen[@]}" \
			--out "$2" "${opts[@]}" >"$2.run.out" 2>&1
	fi
	rc=$?
	mv "$2.run.out" "$2/run.out"
	# run.sh stopped on an error of the machine (gupr_host_fault): the
	# matrix stops after its running cells (GUPR_CELL_MDIR/.host-error)
	[ $rc = 128 ] && [ -n "${GUPR_CELL_MDIR:-}" ] &&
		sed -n 's/^run\.sh: host error: //p' "$2/run.out" | head -n 1 >>"$GUPR_CELL_MDIR/.host-error"
	[ -s "$2/verdict.txt" ] ||
		"$1/build/host/gup-repro-verdict" --dir "$2" --error "no verdict: run.sh left none" >/dev/null
}

if [ "$mode" = local ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	dir=$GUPR_CELL_MDIR/$cell
	mkdir -p "$dir"
	if [ -e "$GUPR_CELL_MDIR/.kerr-$lbl" ]; then
		"$top/build/host/gup-repro-verdict" --dir "$dir" --error "$(cat "$GUPR_CELL_MDIR/.kerr-$lbl")" >/dev/null
	else
		GUPR_KERNEL_ENV=$(cat "$GUPR_CELL_MDIR/.kres-$lbl") run_sh "$top" "$dir"
	fi
	done_line ""
	exit 0
fi

# --- remote ---
hash=$6
# shellcheck disable=SC1091  # on the host only: the basefile's copy of vm-images/lib/remote.sh
. ./base/remote.sh	# beside this script in the basefile base/ (vm-images/lib/remote.sh)
gupr_remote_begin "$cell"
gupr_remote_project "$hash"
run=$REMOTE_RUN
# a prepared kernel came in the basefile (matrix.sh hosts_ship_prepared)
case "$k" in prepared:base/kernels/*) k=prepared:$run/${k#prepared:} ;; esac
# the kernel, once per matrix on this host
exec 9>>"$run/.kernel-$lbl.lock" && flock 9 || gupr_remote_fail "cannot lock $run/.kernel-$lbl.lock"
[ -e "$run/.kres-$lbl" ] || [ -e "$run/.kerr-$lbl" ] || "$REMOTE_TREE/vm-images/matrix-cell.sh" prepare "$k" "$lbl" "$run"
exec 9>&-
[ -e "$run/.kerr-$lbl" ] && gupr_remote_fail "preparing $k failed: $(cat "$run/.kerr-$lbl")"
GUPR_KERNEL_ENV=$(cat "$run/.kres-$lbl") run_sh "$REMOTE_TREE" "$REMOTE_DIR"
done_line "$REMOTE_HOST"
exit 0
