#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/matrix.sh - ./run.sh matrix: every kernel x filesystem x scenario
# cell in its own fresh VM (WARN_ON_ONCE fires once per boot), up to -j at a
# time, then one table (matrix.txt, matrix.md, matrix.json).
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm-images/lib.sh
. "$GUPR_TOP/vm-images/lib.sh"
. "$GUPR_TOP/vm-images/lib/hosts.sh"

usage() {
	cat <<EOF
usage: ./run.sh matrix [options]

  --kernels LIST    comma-separated kernel specs (default:
                    $(printf 'debian:%s,' $GUPR_SUITES | sed 's/,$//'))
  --fs LIST         filesystems (default: ${GUPR_FILESYSTEMS// /,})
  --scenarios LIST  scenarios (default:
                    ${GUPR_MATRIX_SCENARIOS// /,});
                    TRIGGER+FAULT is a module-free trigger with --fault
                    FAULT in its window (e.g. odirect-delayed+reclaim)
  -j, --jobs N      VMs at a time (default: number of CPUs)
  -t, --timeout SEC per cell (default: 300)
      --no-trace    no BPF probes in the cells
      --rootfs KIND busybox (default) or debian: the cells' guests run on
                    the Debian userland of their kernel's suite
                    (./run.sh --rootfs, docs/rootfs.md); each image is
                    built once, when the kernels are prepared
  --repeat N    N runs per cell, each in a fresh VM and a job of its own
                (they spread over -j and the hosts); the cell shows the
                commonest reproducing result, the rate is in its verdict.txt
  --order ORDER     longest-first (default: by the seconds of the newest
                    earlier matrix) or interleave (the kernels of a cell
                    one after the other: ./run.sh compare)
  -o, --out DIR     matrix directory (default: out/matrix-<timestamp>)
      --hosts FILE  run the cells on the hosts of FILE over ssh with GNU
                    parallel (each needs ssh and root only; -j is per
                    host, default its CPU count); FILE: a line per host,
                    [N/]SSHLOGIN [WORKDIR], WORKDIR new or empty: gup-repro
                    works in WORKDIR/.gup-repro only (docs/hosts.md)
      --retries N   with --hosts: a cell a host could not run is tried
                    on another host, up to N times (default 0: ERROR)
      --fstests DIR --tests LIST
                    fstests instead of scenarios: each cell is ./run.sh
                    fstests --fstests DIR TEST on its kernel and
                    filesystem (ext4, xfs, btrfs; default all three;
                    --timeout default 3600), its column the test with -
                    for / (generic-001); DIR is built once per suite
                    while the kernels are prepared (docs/fstests.md)
  -h, --help

Cells: CORRUPT:<fsck tool> (FS CORRUPTION), LOSS (DATA LOSS),
REPRODUCED:<warning site>, VIOLATION (ordering violated, no warning),
MITIGATED:<errno>, CLEAN, ERROR:<why>.  A kernel that fails to build or boot
gives ERROR cells; the matrix always finishes.  Exit 0 when it finished,
128 on bad usage or an error of the machine (a read-only or full file
system, a chroot: the matrix stops, one line says which).
EOF
}

bad_usage() { echo "run.sh matrix: $*" >&2; echo "Try './run.sh matrix --help'." >&2; exit 128; }

# matrix_parse ARG...: the options, into the globals below (defaults first).
matrix_parse() {
	kernels=$(printf 'debian:%s,' $GUPR_SUITES); kernels=${kernels%,}
	fslist=${GUPR_FILESYSTEMS// /,}
	scenarios=${GUPR_MATRIX_SCENARIOS// /,}
	jobs=$(nproc) jobs_given=0 timeout=300 timeout_given=0 fst="" fst_tests="" scen_given=0 fs_given=0
	cell_opts="" rootfs=busybox mdir="" repeat_opt=() hosts="" retries=0 order=longest-first
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernels) [ $# -ge 2 ] || bad_usage "$1 needs a list"; kernels=$2; shift 2 ;;
		--fs) [ $# -ge 2 ] || bad_usage "$1 needs a list"; fslist=$2; fs_given=1; shift 2 ;;
		--scenarios) [ $# -ge 2 ] || bad_usage "$1 needs a list"; scenarios=$2; scen_given=1; shift 2 ;;
		--fstests) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; fst=$2; shift 2 ;;
		--tests) [ $# -ge 2 ] || bad_usage "$1 needs a list"; fst_tests=$2; shift 2 ;;
		-j|--jobs) [ $# -ge 2 ] || bad_usage "$1 needs a number"; jobs=$2; jobs_given=1; shift 2 ;;
		-j*) jobs=${1#-j}; jobs_given=1; shift ;;
		-t|--timeout) [ $# -ge 2 ] || bad_usage "$1 needs seconds"; timeout=$2; timeout_given=1; shift 2 ;;
		--no-trace) cell_opts=--no-trace; shift ;;
		--rootfs) [ $# -ge 2 ] || bad_usage "$1 needs busybox or debian"; rootfs=$2; shift 2 ;;
		--repeat) [ $# -ge 2 ] || bad_usage "$1 needs a number"
			case "$2" in ''|*[!0-9]*|0*) bad_usage "--repeat takes a whole number from 1 to 1000, not '$2'" ;; esac
			[ "${#2}" -le 4 ] && [ "$2" -le 1000 ] || bad_usage "--repeat takes a whole number from 1 to 1000, not '$2'"
			repeat_opt=(--repeat "$2"); shift 2 ;;
		-o|--out) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; mdir=$2; shift 2 ;;
		--hosts) [ $# -ge 2 ] || bad_usage "$1 needs a file"; hosts=$2; shift 2 ;;
		--retries) [ $# -ge 2 ] || bad_usage "$1 needs a number"; retries=$2; shift 2 ;;
		--order) [ $# -ge 2 ] || bad_usage "$1 needs longest-first or interleave"; order=$2; shift 2 ;;
		-h|--help) usage; exit 0 ;;
		*) bad_usage "unknown option '$1'" ;;
		esac
	done
}

# matrix_check: the options, checked before anything starts (bad usage:
# exit 128): paths, numbers, the lists, the hosts file.
matrix_check() {
	why=$(gupr_paths_ok --out "$mdir" --hosts "$hosts" --fstests "$fst") || bad_usage "$why"
	matrix_check_fstests
	why=$(gupr_number -j "$jobs" 1 64) || bad_usage "$why"
	why=$(gupr_number --timeout "$timeout" 10 86400) || bad_usage "$why (seconds)"
	why=$(gupr_number --retries "$retries" 0 100) || bad_usage "$why"
	[ "$retries" = 0 ] || [ -n "$hosts" ] || bad_usage "--retries goes with --hosts"
	case "$order" in longest-first|interleave) ;; *) bad_usage "--order takes longest-first or interleave, not '$order'" ;; esac
	gupr_in_list "$rootfs" "$GUPR_ROOTFS_KINDS" || bad_usage "--rootfs takes $(gupr_or_list "$GUPR_ROOTFS_KINDS"), not '$rootfs'"
	# the cells' run.sh gets --rootfs; the kernels' preparation builds the
	# images (matrix-cell.sh prepare)
	export GUPR_CELL_ROOTFS=$rootfs
	[ "$rootfs" = busybox ] || [ -n "$fst" ] || cell_opts+=" --rootfs $rootfs"
	IFS=, read -r -a K <<<"$kernels"
	IFS=, read -r -a F <<<"$fslist"
	IFS=, read -r -a S <<<"$scenarios"
	[ ${#K[@]} -gt 0 ] && [ ${#F[@]} -gt 0 ] && [ ${#S[@]} -gt 0 ] || bad_usage "empty list"
	for k in "${K[@]}"; do
		gupr_kernel_spec_ok "$k" || bad_usage "--kernels: '$k' is not a kernel spec"
		why=$(gupr_kernel_path_ok --kernels "$k") || bad_usage "$why"
		[ "$rootfs" = busybox ] || [ "$(gupr_kernel_spec_kind "$k")" != prepared ] ||
			bad_usage "--rootfs $rootfs needs the kernel's modules: not with a prepared kernel ('$k')"
	done
	for f in "${F[@]}"; do
		if [ -n "$fst" ]; then
			gupr_in_list "$f" "$GUPR_FSTESTS_FILESYSTEMS" || bad_usage "--fs: '$f' is not $(gupr_or_list "$GUPR_FSTESTS_FILESYSTEMS") (fstests)"
		else
			gupr_in_list "$f" "$GUPR_FILESYSTEMS" || bad_usage "--fs: '$f' is not $(gupr_or_list "$GUPR_FILESYSTEMS")"
		fi
	done
	if [ -n "$hosts" ]; then
		why=$(gupr_hosts_read "$hosts") || bad_usage "$why"
		gupr_hosts_read "$hosts"
		for k in "${K[@]}"; do
			[ "$(gupr_kernel_spec_kind "$k")" != tree ] ||
				bad_usage "--hosts: '$k' is a kernel tree on this machine; the hosts run Debian's kernels and prepared ones (prepared:DIR, as ./run.sh compare makes)"
		done
	fi
}

# matrix_check_fstests: --fstests DIR --tests LIST: the cells are fstests
# runs (matrix-cell.sh: run.sh fstests), a column per test ("generic/001"
# as generic-001), on the Debian userland; exports GUPR_CELL_FSTESTS.
matrix_check_fstests() {
	local t
	local -a T
	if [ -n "$fst" ] || [ -n "$fst_tests" ]; then
		[ -n "$fst" ] && [ -n "$fst_tests" ] || bad_usage "--fstests DIR and --tests LIST go together"
		[ "$scen_given" = 0 ] || bad_usage "--scenarios does not go with --fstests (its cells run --tests)"
		[ -z "$hosts" ] || bad_usage "--hosts does not go with --fstests: the checkout is on this machine"
		why=$(gupr_fstests_tree_ok "$fst") || bad_usage "$why"
		fst=$(cd "$fst" && pwd -P)
		IFS=, read -r -a T <<<"$fst_tests"
		[ ${#T[@]} -gt 0 ] || bad_usage "empty list"
		for t in "${T[@]}"; do why=$(gupr_fstests_test_ok "$fst" "$t") || bad_usage "--tests: $why"; done
		scenarios=$(printf '%s\n' "${T[@]}" | sed 's|/|-|' | paste -sd,)
		[ "$fs_given" = 1 ] || fslist=${GUPR_FSTESTS_FILESYSTEMS// /,}
		[ "$timeout_given" = 1 ] || timeout=3600
		rootfs=debian
	fi
	export GUPR_CELL_FSTESTS=$fst
}

# matrix_host_tools: the machine (writable, not full), its packages and
# the host tools; every scenario checked by the driver (--dry-run).
matrix_host_tools() {
	gupr_host_preflight "${mdir:-$GUPR_TOP/out}"
	"$GUPR_TOP/vm-images/host-deps.sh" || exit 128
	why=$(gupr_parallel_ok) || bad_usage "$why"
	make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh matrix: building the host tools failed" >&2; exit 128; }
	for s in "${S[@]}"; do
		[ -z "$fst" ] || break	# the tests are checked in matrix_check_fstests
		# TRIGGER+FAULT: the trigger with --fault FAULT in its window
		if [ "${s#*+}" != "$s" ]; then
			gupr_is_trigger "${s%%+*}" || bad_usage "--scenarios: '$s': ${s%%+*} is not a module-free trigger (only a trigger takes +FAULT)"
			why=$(gupr_fault_check "${s#*+}") || bad_usage "--scenarios: '$s': $why"
			continue
		fi
		gupr_is_trigger "$s" && [ -x "$GUPR_HOST/triggers/$s" ] && continue	# module-free trigger
		"$GUPR_HOST/gup-repro" --dry-run --scenario "$s" >/dev/null || exit 128
	done
}

# --hosts: one quick ssh to every host, all at once, before any cell runs:
# a host that is not root or of another architecture is bad input (exit
# 128); one that does not answer is left out (its name and why go into
# matrix.txt) and the cells go to the others.
matrix_hosts_start() {
	usable=() unusable=() unusable_short=()
	if [ -n "$hosts" ]; then
		trap gupr_hosts_stop EXIT
		gupr_hosts_start "$hosts" "$([ "$jobs_given" = 1 ] && echo "$jobs")" || bad_usage "$HOSTS_WHY"
		usable=("${HOSTS_USABLE[@]}") unusable=("${HOSTS_UNUSABLE[@]}") unusable_short=("${HOSTS_UNUSABLE_SHORT[@]}")
	fi
}

# the matrix directory: --out, or a new out/matrix-<timestamp> (unique even
# for matrices started in the same second)
matrix_out_dir() {
	if [ -n "$mdir" ]; then
		mkdir -p "$mdir" && mdir=$(cd "$mdir" && pwd) || bad_usage "cannot create --out $mdir"
	else
		mdir=$(gupr_run_dir "$GUPR_TOP/out" "matrix-$(date +%Y%m%d-%H%M%S)") || bad_usage "$mdir"
	fi
	: >"$mdir/.done"
	t0=$(date +%s.%N)
}

# elapsed T0: the seconds since T0 (date +%s.%N), one decimal.
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# matrix_banner: the cells' count said; each kernel's directory name, by
# gup-repro-matrix's one rule (debian:sid -> sid, a tree's path ->
# tree-<name>), into klabel.
matrix_banner() {
	total=$(( ${#K[@]} * ${#F[@]} * ${#S[@]} ))
	reps=${repeat_opt[1]:-1}
	if [ -n "$hosts" ]; then
		echo "==> matrix: ${#K[@]} kernels x ${#F[@]} filesystems x ${#S[@]} scenarios = $total cells${repeat_opt[1]:+ x $reps runs}, on ${#usable[@]} host(s), $HOSTS_SLOTS at a time" >&2
	else
		echo "==> matrix: ${#K[@]} kernels x ${#F[@]} filesystems x ${#S[@]} scenarios = $total cells${repeat_opt[1]:+ x $reps runs}, $jobs at a time" >&2
	fi

	# each kernel's directory name, by gup-repro-matrix's one rule (debian:sid
	# -> sid, a tree's path -> tree-<name>)
	declare -gA klabel
	mapfile -t L < <("$GUPR_HOST/gup-repro-matrix" --print-labels --kernels "$kernels")
	for i in "${!K[@]}"; do klabel[${K[$i]}]=${L[$i]}; done
}

# host_error: a kernel's preparation or a cell stopped on an error of the
# machine (a read-only or full file system, a chroot: gupr_host_fault):
# say it in one line and stop with GUPR_HOST_RC; every other cell would
# meet it too.
host_error() {
	local why
	why=$(head -n 1 "$mdir/.host-error" 2>/dev/null)
	rm -f "$mdir/.host-error"
	[ -n "$why" ] || return 0
	echo "run.sh matrix: host error: $why" >&2
	exit "$GUPR_HOST_RC"
}

# Local cells: every kernel is prepared first (fetch, build root, module,
# initramfs), one at a time: the cells then only boot and share all of it
# (the record .kres-LABEL).  A kernel that cannot be prepared gives ERROR
# cells with the reason (.kerr-LABEL).  On --hosts each host does the same
# in its first cell of each kernel, in its own cache.
matrix_prepare() {
	if [ -z "$hosts" ]; then
		for k in "${K[@]}"; do
			echo "==> prepare $k" >&2
			"$GUPR_TOP/vm-images/matrix-cell.sh" prepare "$k" "${klabel[$k]}" "$mdir" ||
				echo "==> prepare $k: ERROR: $(cat "$mdir/.kerr-${klabel[$k]}")" >&2
			host_error
		done
	fi
}

# The cells, longest first (vm-images/lib/cell-order.pl: by the seconds
# each took in the newest earlier matrix under out/ that has it): no long
# cell starts last and runs alone at the end.  One line per cell: KERNEL
# LABEL FS SCENARIO, tab-separated.
# --order interleave (./run.sh compare): the kernels of one cell one
# after the other, in the order given, so that the machine's noise falls on
# every kernel alike.
matrix_jobs() {
	if [ "$order" = interleave ]; then
		for f in "${F[@]}"; do
			for s in "${S[@]}"; do
				for k in "${K[@]}"; do printf '%s\t%s\t%s\t%s\n' "$k" "${klabel[$k]}" "$f" "$s"; done
			done
		done >"$mdir/.cells"
	else
		for k in "${K[@]}"; do
			for f in "${F[@]}"; do
				for s in "${S[@]}"; do printf '%s\t%s\t%s\t%s\n' "$k" "${klabel[$k]}" "$f" "$s"; done
			done
		done | perl "$GUPR_TOP/vm-images/lib/cell-order.pl" "$GUPR_TOP"/out/*/matrix.json "$(dirname "$mdir")"/*/matrix.json >"$mdir/.cells"
	fi
	# The jobs: a cell each; with --repeat N a run each (cell x run: a 5th
	# column RUN, 01..N), so that the N runs of one cell spread over the -j
	# slots and the hosts instead of running one after the other in one job;
	# the cell's verdict is then the decider's over its runs (repeat_cells).
	if [ ${#repeat_opt[@]} -gt 0 ]; then
		while IFS= read -r line; do
			for ((r = 1; r <= reps; r++)); do printf '%s\t%02d\n' "$line" "$r"; done
		done <"$mdir/.cells" >"$mdir/.jobs"
	else
		cp "$mdir/.cells" "$mdir/.jobs"
	fi
	njobs=$(wc -l <"$mdir/.jobs")
}

# cell_done JOB HOST SECONDS [WHY]: a job is back (or failed): a cell
# (LABEL/FS/SCENARIO) or, with --repeat, a run of one (.../run-NN).  Unpack
# what a host returned, give a job without a verdict an ERROR one (WHY),
# print the progress line.
cell_done() {
	local cell=$1 host=$2 secs=$3 dir="$mdir/$1" n r why lbl f s run
	if [ -e "$dir.tar" ]; then
		tar -xf "$dir.tar" -C "$(dirname "$dir")" && rm -f "$dir.tar"
	fi
	mkdir -p "$dir"
	if [ ! -s "$dir/verdict.txt" ]; then
		why=$(cat "$dir/error.txt" 2>/dev/null)
		[ -n "$why" ] || why=${4:-"no verdict: run.sh left none"}
		"$GUPR_HOST/gup-repro-verdict" --dir "$dir" --error "$why" >/dev/null
	fi
	[ -n "$host" ] && [ ! -s "$dir/host.txt" ] && echo "host: $host" >"$dir/host.txt"
	n=$(flock "$mdir/.done" sh -c 'echo x >>"$1"; wc -l <"$1"' sh "$mdir/.done")
	r=$(sed -n 's/^cell: //p' "$dir/verdict.txt")
	IFS=/ read -r lbl f s run <<<"$cell"
	printf '[%2d/%d] %-16s %-5s %-20s %s%s (%s s)%s\n' "$n" "$njobs" "$lbl" "$f" "$s" "${run:+$run: }" "$r" "$secs" "${host:+ on $host}" >&2
}

# repeat_cells: with --repeat, each cell's verdict over its runs
# (gup-repro-verdict --repeat-dir, as ./run.sh --repeat writes it; its
# seconds: the runs' own, added up) and host.txt naming the hosts of its
# runs (A+B when they ran on more than one).
repeat_cells() {
	local k lbl f s dir h
	[ ${#repeat_opt[@]} -gt 0 ] || return 0
	while IFS=$'\t' read -r k lbl f s; do
		dir=$mdir/$lbl/$f/$s
		[ -d "$dir" ] || continue
		"$GUPR_HOST/gup-repro-verdict" --repeat-dir "$dir" --runs "$reps" --seconds \
			"$(cat "$dir"/run-*/run.txt 2>/dev/null | awk '/^seconds: / { t += $2 } END { printf "%.1f", t }')" >/dev/null
		h=$(sed -n 's/^host: //p' "$dir"/run-*/host.txt 2>/dev/null | awk '!seen[$0]++' | paste -sd+)
		if [ -n "$h" ]; then echo "host: $h" >"$dir/host.txt"; else rm -f "$dir/host.txt"; fi
	done <"$mdir/.cells"
}

tables() {
	"$GUPR_HOST/gup-repro-matrix" --dir "$mdir" --kernels "$kernels" --fs "$fslist" --scenarios "$scenarios"
}

# hosts_note: the hosts left out, below the table
hosts_note() {
	local u
	for u in "${unusable[@]}"; do echo "host not used: $u"; done | fold -s -w 80 >>"$mdir/matrix.txt"
}

# SIGINT, SIGTERM, SIGHUP: GNU parallel stops every cell (one SIGTERM to
# each cell's process group: the cell's run.sh leaves an "interrupted"
# verdict), whatever is left below is stopped, the tables are written from
# what finished; exit 128+signal.
interrupted() {
	trap - INT TERM HUP
	# the trap may run inside "IFS=<tab> read" below, whose IFS it would keep
	IFS=$' \t\n'
	echo "run.sh matrix: interrupted by SIG$1; stopping the running cells" >&2
	if [ -n "$ppid" ] && kill -TERM "$ppid" 2>/dev/null; then
		for ((n = 0; n < 100; n++)); do kill -0 "$ppid" 2>/dev/null || break; sleep 0.1; done
	fi
	gupr_kill_tree $$
	repeat_cells
	tables >/dev/null 2>&1
	hosts_note
	echo "interrupted by SIG$1" >>"$mdir/matrix.txt"
	exit "$2"
}

# matrix_traps: interrupted on SIGINT, SIGTERM, SIGHUP from here on.
matrix_traps() {
	ppid=""
	trap 'interrupted INT 130' INT
	trap 'interrupted TERM 143' TERM
	trap 'interrupted HUP 129' HUP
}

# hosts_ship_prepared: the prepared kernels (prepared:DIR, ./run.sh compare's)
# go to the hosts in the basefile, as base/kernels/LABEL, and the jobs name
# them there (matrix-cell.sh remote makes the path absolute on the host).
hosts_ship_prepared() {
	local k
	for k in "${K[@]}"; do
		[ "$(gupr_kernel_spec_kind "$k")" = prepared ] || continue
		mkdir -p "$HOSTS_STAGE/base/kernels" &&
			cp -a "${k#prepared:}/." "$HOSTS_STAGE/base/kernels/${klabel[$k]}" ||
			bad_usage "cannot pack the prepared kernel ${k#prepared:} for the hosts"
		awk -F '\t' -v OFS='\t' -v k="$k" -v r="prepared:base/kernels/${klabel[$k]}" '$1 == k { $1 = r } 1' \
			"$mdir/.jobs" >"$mdir/.jobs.new" && mv "$mdir/.jobs.new" "$mdir/.jobs" ||
			bad_usage "cannot write $mdir/.jobs"
	done
}

# The cells through GNU parallel, local or on the hosts: each job prints
# "cell<TAB>LABEL/FS/SCENARIO<TAB>HOST<TAB>SECONDS" when its cell is back
# (HOST "-": this machine).
# A job (a cell, or with --repeat one run of a cell) may run timeout + 2
# min, plus the preparation of a host's kernels (first use) or of this
# machine's: then it is stopped.
matrix_run() {
	export GUPR_CELL_TIMEOUT=$timeout GUPR_CELL_OPTS="$cell_opts" GUPR_CELL_MDIR=$mdir
	# ('{N}': GNU parallel's column N of the job line)
	runcol=() retdir='{2}/{3}/{4}'
	[ ${#repeat_opt[@]} -eq 0 ] || runcol=('{5}') retdir='{2}/{3}/{4}/run-{5}'
	par=("${GUPR_PARALLEL[@]}" --colsep '\t')
	joblog="$mdir/.joblog"
	if [ -z "$hosts" ]; then
		par+=(-j "$jobs" --timeout $(( timeout + 120 + 600 )) --joblog "$joblog"
		      "$GUPR_TOP/vm-images/matrix-cell.sh" local '{1}' '{2}' '{3}' '{4}' "${runcol[@]}")
	elif [ ${#usable[@]} -gt 0 ]; then
		gupr_hosts_pack "$GUPR_TOP/vm-images/matrix-cell.sh" || bad_usage "cannot pack the project for the hosts"
		hosts_ship_prepared
		joblog="$mdir/joblog.txt"
		par+=("${HOSTS_PAR[@]}" --return "$mdir/./$retdir.tar" --retries "$((retries + 1))"
		      --timeout $(( timeout + 120 + 3600 )) --joblog "$joblog" --env GUPR_CELL_TIMEOUT --env GUPR_CELL_OPTS --env GUPR_CELL_ROOTFS
		      bash base/matrix-cell.sh remote '{1}' '{2}' '{3}' '{4}' "$HOSTS_HASH" "${runcol[@]}")
	fi
	if [ -z "$hosts" ] || [ ${#usable[@]} -gt 0 ]; then
		mkfifo "$mdir/.progress"
		"${par[@]}" :::: "$mdir/.jobs" >"$mdir/.progress" 2>>"$mdir/parallel.log" &
		ppid=$!
		while IFS=$'\t' read -r tag cell host secs; do
			[ "$host" = - ] && host=""
			[ "$tag" = cell ] && cell_done "$cell" "$host" "$secs"
		done <"$mdir/.progress"
		wait "$ppid"
		prc=$?
		ppid=""
		rm -f "$mdir/.progress"
		[ $prc = 255 ] && [ -s "$mdir/parallel.log" ] && sed 's/^/parallel: /' "$mdir/parallel.log" | tail -n 5 >&2
	fi
}

# Jobs that did not come back: the host that had them last (joblog: seq,
# sshlogin, ..., exit status) and why.
matrix_missing() {
	gupr_hosts_joblog "$joblog"
	i=0
	while IFS=$'\t' read -r k lbl f s run; do
		i=$((i + 1))
		job=$lbl/$f/$s${run:+/run-$run}
		[ -s "$mdir/$job/verdict.txt" ] && continue
		h=${JOB_HOST[$i]:-} why=""
		if [ -n "$hosts" ] && [ ${#usable[@]} -eq 0 ]; then
			why="hosts not usable: $(printf '%s, ' "${unusable_short[@]}" | sed 's/, $//')"
		elif [ -n "$h" ]; then
			why=$(gupr_hosts_job_why "$i" cell)
		elif [ -n "$hosts" ]; then
			why="no host ran the cell (see parallel.log)"
		fi
		cell_done "$job" "$h" "-" "$why"
	done <"$mdir/.jobs"
}

# matrix_report: the --repeat cells' verdicts (repeat_cells), the tables
# (matrix.txt, .md, .json) and where they are; exit 0, or GUPR_HOST_RC on
# an error of the machine.
matrix_report() {
	repeat_cells

	tables || exit 125
	[ -n "$hosts" ] && hosts_note
	[ "$rootfs" = busybox ] || echo "rootfs: $rootfs (each kernel's suite, bookworm for a tree)" >>"$mdir/matrix.txt"
	[ -z "$fst" ] || echo "fstests: $fst ($(git -C "$fst" describe --always --dirty 2>/dev/null)), tests ${fst_tests//,/ }" >>"$mdir/matrix.txt"
	echo "matrix wall time: $(elapsed "$t0") s" | tee -a "$mdir/matrix.txt"
	echo "==> matrix: ${mdir#"$GUPR_TOP"/}/matrix.txt (matrix.md, matrix.json)" >&2
	rm -f "$mdir/.done" "$mdir/.cells" "$mdir/.jobs" "$mdir"/.kres-* "$mdir"/.kerr-*
	[ -n "$hosts" ] || rm -f "$joblog" "$mdir/parallel.log"
	host_error
	exit 0
}

# main ARG...: the matrix, step by step: the options, the machine and
# the hosts, the matrix directory, the kernels prepared, the jobs, GNU
# parallel running them, the jobs that did not come back, the tables.
main() {
	matrix_parse "$@"
	matrix_check
	matrix_host_tools
	matrix_hosts_start
	matrix_out_dir
	matrix_banner
	matrix_prepare
	matrix_jobs
	matrix_traps
	matrix_run
	matrix_missing
	matrix_report
}

main "$@"
