#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/bisect.sh - ./run.sh bisect: drive `git bisect run` over a
# kernel tree; each step builds the checked-out commit (build directory
# under the cache, incremental, ccache) and runs a scenario on it in fresh
# VMs.  The tree is left as it was found: `git bisect reset` at the end, on
# failure and on SIGINT/SIGTERM/SIGHUP; when this driver is killed outright
# (SIGKILL), by the next step (driver_check).
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm-images/lib.sh
. "$GUPR_TOP/vm-images/lib.sh"
. "$GUPR_TOP/vm-images/lib/hosts.sh"

usage() {
	cat <<EOF
usage: ./run.sh bisect --tree TREE --good REV --bad REV [options] [run options]

Finds the commit between REV --good (older) and REV --bad (newer) that
made a scenario start reproducing (default), or with --find fix stop
reproducing (NOT REPRODUCED or MITIGATED).  Each step checks the commit
out, builds it with the guest config (./run.sh kernel-config) in a build
directory under the cache, prepares it once for the step's runs (module,
initramfs: a "prepared kernel") and runs the scenario on it with ./run.sh
--kernel, --repeat N times at once here (-j) or on the hosts of --hosts.

  --tree TREE        kernel git tree (no uncommitted changes, no bisect
                     in progress)
  --good REV         the older end (an ancestor of --bad)
  --bad REV          the newer end
  --find regression  first commit that reproduces (git's good/bad; default)
  --find fix         first commit that no longer reproduces (git's terms
                     unfixed/fixed)
  --match CELL|SITE  the bug to look for: a cell (REPRODUCED:SITE,
                     VIOLATION, LOSS, CORRUPT:TOOL) or a warning site
                     (ext4_dirty_folio); a run that reproduces another bug
                     skips its commit (named in bisect.txt).  Default: the
                     cell the end that reproduces gave (--bad; with --find
                     fix, --good)
  --repeat N         runs per commit, each in a fresh VM (default 1); a
                     commit reproduces if ANY run reproduces the bug; with
                     none reproducing, another bug or a COULD NOT TEST run
                     skips the commit
  -j, --jobs N       runs of a step at a time here (default: number of
                     CPUs); with --hosts, a host's runs at a time when its
                     line has no N/ (default: its CPU count)
  --hosts FILE       run a step's runs on the hosts of FILE over ssh with
                     GNU parallel (each needs ssh and root only; the
                     kernel is built here and shipped prepared); FILE: a
                     line per host, [N/]SSHLOGIN [WORKDIR], WORKDIR new
                     or empty: gup-repro works in WORKDIR/.gup-repro
                     only (docs/hosts.md)
  --retries N        with --hosts: a run a host could not make is tried
                     on another host, up to N times (default 0: COULD
                     NOT TEST naming the host)
  --build-dir DIR    build directory (default: under the cache, kept for
                     incremental builds)
  -o, --out DIR      bisect directory (default: out/bisect-<timestamp>)
  -h, --help         this text
Run options, passed to every ./run.sh: --scenario NAME, --steps LIST,
--fs FS, --pages N, --timeout SEC, --no-trace.

The ends are tested first, as steps are: when --bad (--good with --find
fix) does not reproduce the bug, or the other end does too, the bisection
stops before its first step (exit 125) and says which.
Writes DIR/bisect.txt: the ends, a line per step (commit, subject, build
seconds, verdicts, with --repeat the rate, the host of each remote run),
the first bad (or first fixed) commit, and why to trust it or not: the
bug matched, the chance that a step voted good had the bug ((1 - p)^N per
step, p the rate at the reproducing end, combined), steps whose runs
disagreed, steps skipped for another bug, a first commit that changes no
file the kernel is built from, config options that matter or compilers
that differ between steps ("result unreliable: WHY" when any says so;
above 5% for the chance); then git bisect log.  Each step's build log,
prepared kernel record, runs and vote.txt are in DIR/steps/.
Exit: 0 found the commit, 125 could not decide (only skipped commits
left, or a build or run failed at every step), 128 bad usage or an
error of the machine (a read-only or full file system, a chroot: the
bisection stops), 130/143/129 interrupted (the tree is reset; SIGINT
also when started in the background by a script, or when only a step's
GNU parallel saw it).  Killed with SIGKILL, the bisection stops at its
next step at the latest and the tree is reset (docs/bisect.md).
Plain git works too: cd TREE && git bisect start BAD GOOD &&
git bisect run $GUPR_TOP/run.sh --kernel BUILD-DIR --build [run options]
Test-only hooks: GUP_REPRO_TEST_BISECT_BUILD and GUP_REPRO_TEST_BISECT_RUN
replace the build and the (local) runs of a step by a command (docs/bisect.md).
EOF
}
bad_usage() { echo "run.sh bisect: $*" >&2; echo "Try './run.sh bisect --help'." >&2; exit 128; }

# --- a step (called by git bisect run) -------------------------------------

# step STATE [ENDPOINT]: build the checked-out commit, run the scenario
# REPEAT times, vote (step_vote), append a line to steps.txt (to
# endpoints.txt for ENDPOINT good or bad: the ends checked before the
# bisection) and exit with git bisect run's codes: 0 old term, 1 new
# term, 125 skip, 128+ abort.
step() {
	# shellcheck disable=SC1090  # the step's state file, written by this script with %q
	. "$1"
	local endpoint=${2:-} commit subject n sdir log=$B_DIR/steps.txt
	commit=$(git rev-parse HEAD)
	subject=$(git log -1 --format=%s | tr -d '\000-\037\177' | cut -c1-72)
	if [ -n "$endpoint" ]; then
		n=$endpoint log=$B_DIR/endpoints.txt
	else
		n=$(( $(grep -c '^ *[0-9]' "$B_DIR/steps.txt") + 1 ))
	fi
	driver_check "$1" "$n" "$commit"
	sdir=$(gupr_run_dir "$B_DIR/steps" "$([ -n "$endpoint" ] && echo "$endpoint" || printf '%02d' "$n")-${commit:0:12}") ||
		{ echo "run.sh bisect: step $n: $sdir" >&2; exit 128; }
	echo "==> bisect ${endpoint:+--}${endpoint:-step $n}: ${commit:0:12} $subject" >&2
	step_build "$n" "$commit" "$sdir" "$subject" "$log"
	driver_check "$1" "$n" "$commit"
	run_step "$sdir" "$commit"
	if [ -n "$STEP_STOPPED" ]; then
		step_interrupted "$n" "$commit" "$BSECS" "$subject" "$STEP_STOPPED"
	fi
	driver_check "$1" "$n" "$commit"
	step_vote "$n" "$commit" "$sdir" "$subject" "$log"
}

# step_build N COMMIT STEP-DIR SUBJECT LOG: build the checked-out commit
# (STEP-DIR/build.log) and prepare it for the runs (prepare.log); sets
# BSECS.  A build or preparation that fails skips the commit (exit 125,
# a line in LOG), unless the machine is at fault (host_abort) or it was
# interrupted.
step_build() {
	local n=$1 commit=$2 sdir=$3 subject=$4 log=$5 t0 rc why
	t0=$(date +%s)
	if [ -n "${GUP_REPRO_TEST_BISECT_BUILD:-}" ]; then
		GUPR_COMMIT=$commit GUPR_STEP_DIR=$sdir sh -c "$GUP_REPRO_TEST_BISECT_BUILD" >"$sdir/build.log" 2>&1
		rc=$?
	else
		# make's output to the step's build.log, progress lines to the user
		( build_tree ) 3>&2 >"$sdir/build.log" 2>&1
		rc=$?
	fi
	BSECS=$(( $(date +%s) - t0 ))
	if [ $rc -ne 0 ]; then
		case $rc in 129|130|143) exit $rc ;; esac
		host_abort "$n" "$commit" "$sdir/build.log"
		printf '%4s  %s  build %4d s  build failed (exit %d)  -> skip  %s\n' "$n" "${commit:0:12}" "$BSECS" "$rc" "$subject" >>"$log"
		echo "==> bisect step $n: the build failed (see ${sdir#"$GUPR_TOP"/}/build.log): skip" >&2
		exit 125
	fi
	# a long build outlives a driver killed meanwhile: no VM for it
	[ -z "${GUP_REPRO_TEST_BISECT_RUN:-}" ] || return 0
	echo "==> bisect step $n: preparing the kernel for the runs (module, initramfs)" >&2
	( prepare_kernel "$sdir" ) >"$sdir/prepare.log" 2>&1 && return 0
	why=$(grep -h '^gup-repro: error: ' "$sdir/prepare.log" | tail -n 1 | sed 's/^gup-repro: error: //')
	why=${why:-"see ${sdir#"$B_DIR"/}/prepare.log"}
	host_abort "$n" "$commit" "$sdir/prepare.log"
	printf '%4s  %s  build %4d s  preparing the runs failed: %s  -> skip  %s\n' "$n" "${commit:0:12}" "$BSECS" "$why" "$subject" >>"$log"
	echo "==> bisect step $n: preparing the runs failed: $why: skip" >&2
	exit 125
}

# cell_matches CELL MATCH: a run's reproducing cell (REPRODUCED:SITE,
# VIOLATION, LOSS, CORRUPT:TOOL; REPRODUCED from a run that left no cell)
# is the bug the bisection looks for: any when MATCH is empty; MATCH
# itself; else, when MATCH is a warning site (no colon, not a cell),
# CELL's part after the colon.
cell_matches() {
	[ -z "$2" ] || [ "$1" = "$2" ] && return 0
	case "$2" in
	*:*|VIOLATION|LOSS|REPRODUCED) return 1 ;;
	*) [ "${1#*:}" = "$2" ] && [ "${1#*:}" != "$1" ] ;;
	esac
}

# step_vote N COMMIT STEP-DIR SUBJECT LOG: the step's runs counted (a run
# reproduces when its cell matches B_MATCH; one that reproduced another
# bug is named and counts as "other"), the commit's vote: reproduces when
# any run does; else skip when any run reproduced another bug or could not
# test; else clean.  Writes STEP-DIR/vote.txt (rate, flip, cell, other,
# the kernel's config options and compiler from a run's run.txt), a line
# in LOG, and exits with git bisect run's code.
step_vote() {
	local n=$1 commit=$2 sdir=$3 subject=$4 log=$5 i rc r host verdicts="" cells="" others=""
	local nrep=0 nclean=0 nctn=0 nother=0 vote code term tested
	for i in $(seq "$B_REPEAT"); do
		host=$(sed -n 's/^host: //p' "$sdir/run-$i/host.txt" 2>/dev/null)
		rc=$(cat "$sdir/run-$i/exit.txt" 2>/dev/null)
		r=$(sed -n 's/^cell: //p' "$sdir/run-$i/verdict.txt" 2>/dev/null | head -n 1)
		case $rc in
		1) r=${r:-REPRODUCED}	# LOSS, CORRUPT:..., REPRODUCED:..., VIOLATION
		   if cell_matches "$r" "${B_MATCH:-}"; then nrep=$((nrep + 1)) cells+="$r"$'\n'
		   else nother=$((nother + 1)) others+="${others:+, }$r" r="$r (another bug)"; fi ;;
		0) r=${r:-CLEAN}; nclean=$((nclean + 1)) ;;
		125) r="COULD NOT TEST"; nctn=$((nctn + 1)) ;;
		'') r="COULD NOT TEST ($(cat "$sdir/run-$i/error.txt"))" host=""; nctn=$((nctn + 1)) ;;
		129|130|143) step_interrupted "$n" "$commit" "$BSECS" "$subject" "$((rc - 128)) run $i was interrupted (exit $rc)${host:+ on $host}" ;;
		*) echo "==> bisect step $n: run $i stopped with exit $rc: aborting the bisection" >&2
		   printf '%4s  %s  build %4d s  run %d exit %d%s  -> abort  %s\n' "$n" "${commit:0:12}" "$BSECS" "$i" "$rc" "${host:+ on $host}" "$subject" >>"$log"
		   exit $((rc >= 128 ? rc : 128)) ;;
		esac
		verdicts+="${verdicts:+, }$r${host:+ on $host}"
	done
	if [ $nrep -gt 0 ]; then vote=reproduces
	elif [ $nother -gt 0 ] || [ $nctn -gt 0 ]; then vote=skip
	else vote=clean
	fi
	tested=$((nrep + nclean + nother))
	{
		echo "rate: $nrep/$tested"
		echo "flip: $([ $nrep -gt 0 ] && [ $((nclean + nother)) -gt 0 ] && echo yes || echo no)"
		echo "cell: $(printf '%s' "$cells" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')"
		echo "other: $others"
		echo "vote: $vote"
		sed -n 's/^kernel-config-options: /config: /p; s/^kernel-compiler: /compiler: /p' "$sdir"/run-*/run.txt 2>/dev/null | head -n 2
	} >"$sdir/vote.txt"
	case "$B_FIND:$vote" in
	*:skip) code=125 term=skip ;;
	regression:reproduces) code=1 term=bad ;;
	regression:clean) code=0 term=good ;;
	fix:reproduces) code=0 term=unfixed ;;
	fix:clean) code=1 term=fixed ;;
	esac
	[ "$B_REPEAT" = 1 ] || verdicts+=" ($nrep/$tested)"
	printf '%4s  %s  build %4d s  %s  -> %s  %s\n' "$n" "${commit:0:12}" "$BSECS" "$verdicts" "$term" "$subject" >>"$log"
	echo "==> bisect step $n: $verdicts -> $term" >&2
	exit $code
}

# step_interrupted N COMMIT BUILD-SECONDS SUBJECT "SIGNUM WHY": step N was
# interrupted (a run killed by signal SIGNUM, or GNU parallel stopped
# before its runs ended: WHY), which says nothing of the commit: log it,
# leave the signal's name in .interrupted for the driver, and exit 128 +
# SIGNUM, which stops git bisect run.
step_interrupted() {
	local sig=${5%% *} why=${5#* }
	printf '%4s  %s  build %4d s  interrupted: %s  -> abort  %s\n' "$1" "${2:0:12}" "$3" "$why" "$4" >>"$B_DIR/steps.txt"
	kill -l "$sig" >"$B_DIR/.interrupted" 2>/dev/null || echo INT >"$B_DIR/.interrupted"
	echo "==> bisect step $1: interrupted: $why: the bisection stops" >&2
	exit $((128 + sig))
}

# driver_check STATE N COMMIT: when the driver of the bisection (the
# process B_DRIVER_PID that started at B_DRIVER_START) is gone, killed by
# SIGKILL, which no trap sees: stop before step N does anything more.  A
# detached helper (--reset-after) gives the tree back once git bisect run
# has exited, and the step exits 128, which stops git bisect run.
driver_check() {
	local gitpid
	gupr_proc_alive "$B_DRIVER_PID" "$B_DRIVER_START" && return 0
	printf '%4s  %s  the driver (pid %s) is gone  -> abort: the tree goes back to %s\n' "$2" "${3:0:12}" \
		"$B_DRIVER_PID" "$B_ORIG" >>"$B_DIR/steps.txt"
	echo "==> bisect step $2: the driver (pid $B_DRIVER_PID) is gone: the bisection stops" >&2
	gitpid=$(git_bisect_run_pid)
	setsid -f "$BASH" "$GUPR_TOP/vm-images/bisect.sh" --reset-after "$gitpid" "$(gupr_proc_start "$gitpid")" "$1" \
		</dev/null >>"$B_DIR/git-bisect-run.log" 2>&1
	exit 128
}

# git_bisect_run_pid: the git bisect run that started this step: the
# outermost of the git processes above it (git 2.39 runs the step through
# sh -c, from `git bisect--helper run`, from the git-bisect script, from
# `git bisect run`), else its parent.
git_bisect_run_pid() {
	local p=$PPID top=$PPID seen=0
	while [ "${p:-1}" -gt 1 ]; do
		case "$(cat "/proc/$p/comm" 2>/dev/null)" in
		git|git-*) top=$p seen=1 ;;
		*) [ $seen = 1 ] && break ;;
		esac
		p=$(ps -o ppid= -p "$p" | tr -d ' ')
	done
	echo "$top"
}

# reset_after GIT-PID GIT-START STATE: the helper of a bisection whose
# driver is gone (driver_check): wait for git bisect run (the process
# GIT-PID, started at GIT-START) to exit, keep git bisect log, and give the
# tree back as it was found.
reset_after() {
	# shellcheck disable=SC1090  # the bisection's state file, written by this script with %q
	. "$3"
	while gupr_proc_alive "$1" "$2"; do sleep 0.2; done
	git -C "$B_TREE" bisect log >"$B_DIR/bisect.log" 2>/dev/null
	tree_reset "$B_TREE" "$B_ORIG" "$B_ORIG_COMMIT"
	echo "stopped: the driver (pid $B_DRIVER_PID) was gone; the tree is back at $B_ORIG" >>"$B_DIR/steps.txt"
}

# tree_reset TREE ORIG ORIG-COMMIT: end the bisection in TREE and give the
# tree back as it was found: ORIG (its branch, or the commit when it was
# detached) checked out at ORIG-COMMIT.
tree_reset() {
	git -C "$1" bisect reset "$2" >/dev/null 2>&1 || git -C "$1" bisect reset >/dev/null 2>&1
	[ "$(git -C "$1" rev-parse HEAD)" = "$3" ] || git -C "$1" checkout -q "$2" 2>/dev/null
}

# host_abort N COMMIT LOG: when step N's build or preparation failed on an
# error of the machine (gupr_host_fault: a full or read-only file system,
# a chroot), not of the commit: log it and abort the bisection (every
# commit would be skipped for it).
host_abort() {
	local why
	why=$(gupr_host_fault "$3") || return 0
	printf '%4s  %s  host error: %s  -> abort\n' "$1" "${2:0:12}" "$why" >>"$B_DIR/steps.txt"
	echo "$why" >"$B_DIR/.host-error"
	echo "run.sh bisect: host error: $why" >&2
	exit "$GUPR_HOST_RC"
}

# prepare_kernel STEP-DIR: the built tree prepared for the runs (its record,
# gup_repro.ko, pintrace, the initramfs: gupr_prepare) and packed as a
# prepared kernel in STEP-DIR/kernel (gupr_kernel_pack), which the runs
# boot here or, as STEP-DIR.kernel.tar, on the hosts.
prepare_kernel() {
	gupr_prepare "$B_BUILD" || gupr_die "building gup_repro.ko for the step's kernel failed"
	gupr_kernel_pack "$1/kernel" "$B_FS"
}

# run_step STEP-DIR COMMIT: the step's B_REPEAT runs through GNU parallel
# (bisect-run.sh), B_JOBS at a time here, or on the hosts (B_HOSTS_PAR:
# the prepared kernel goes as a basefile, each run's directory comes
# back).  Leaves STEP-DIR/run-I with exit.txt (run.sh's exit status), or
# without it and with error.txt saying why the run was not made (naming
# the host).  The step's joblog.txt is GNU parallel's job log.  A run
# stopped by a signal that was not GNU parallel's time limit, or not ended
# because GNU parallel itself was stopped, is an interrupt, not a run that
# could not test: STEP_STOPPED says "SIGNUM WHY" of the first (run_stopped).
run_step() {
	local sdir=$1 step=${1##*/} i d why prc limit
	local -a par=("${GUPR_PARALLEL[@]}" --joblog "$sdir/joblog.txt")
	export GUPR_BR_STEP=$sdir GUPR_BR_KERNEL=$sdir/kernel GUPR_BR_COMMIT=$2 GUP_REPRO_SMP=$B_SMP
	export GUPR_BR_OPTS="${B_RUNARGS[*]@Q}"
	STEP_STOPPED=""
	if [ ${#B_HOSTS_PAR[@]} -eq 0 ]; then
		limit=$((B_TIMEOUT + 600))
		par+=(-j "$B_JOBS" --timeout "$limit" "$GUPR_TOP/vm-images/bisect-run.sh" local {})
	else
		tar -cf "$B_STAGE/$step.kernel.tar" -C "$sdir/kernel" . ||
			gupr_die "cannot pack the prepared kernel for the hosts"
		echo "==> bisect: the prepared kernel, $(du -k "$B_STAGE/$step.kernel.tar" | cut -f1) KiB, goes to the hosts" >&2
		limit=$((B_TIMEOUT + 120 + 3600))
		par+=("${B_HOSTS_PAR[@]}" --basefile "$B_STAGE/./$step.kernel.tar" --return "${sdir%/*}/./$step/run-{}.tar"
		      --retries $((B_RETRIES + 1)) --timeout "$limit"
		      --env GUPR_BR_OPTS --env GUP_REPRO_SMP bash base/bisect-run.sh remote {} "$step" "$B_HASH")
	fi
	"${par[@]}" ::: $(seq "$B_REPEAT") </dev/null
	prc=$?
	rm -f "$B_STAGE/$step.kernel.tar"
	gupr_hosts_joblog "$sdir/joblog.txt"
	for i in $(seq "$B_REPEAT"); do
		d=$sdir/run-$i
		if [ -e "$d.tar" ]; then
			tar -xf "$d.tar" -C "$sdir" && rm -f "$d.tar"
		fi
		[ -s "$d/exit.txt" ] && continue
		mkdir -p "$d"
		if why=$(run_stopped "$i" "$prc" "$limit"); then
			echo "${why#* }" >"$d/error.txt"
			STEP_STOPPED=${STEP_STOPPED:-$why}
			continue
		fi
		why=$(cat "$d/error.txt" 2>/dev/null)
		[ -n "$why" ] || why=$(gupr_hosts_job_why "$i" run)
		echo "${why:-"no result (GNU parallel's job log: ${sdir#"$B_DIR"/}/joblog.txt)"}" >"$d/error.txt"
	done
	# the prepared kernel's record stays with the step; its image and
	# initramfs go
	rm -f "$sdir/kernel/vmlinuz" "$sdir"/kernel/initramfs-*.img "$sdir/kernel/config"
}

# run_stopped I PARALLEL-RC LIMIT: whether run I, which left no exit status,
# was interrupted: killed by a signal before GNU parallel's time limit
# (LIMIT seconds) could have done it, or never ended because GNU parallel
# itself was stopped (no line in its job log; PARALLEL-RC, its exit status,
# is 255 after SIGINT or SIGTERM, taken as SIGINT, 0 after SIGHUP, which
# lets the runs in flight end but starts no more, 128+N when it was killed
# by signal N).  Prints "SIGNUM why" and returns 0; returns 1 for a run
# that failed.
run_stopped() {
	local rc=${JOB_RC[$1]:-} secs=${JOB_SECS[$1]:-0} sig
	if [ -z "$rc" ]; then
		case "$2" in
		0) sig=1 ;;
		129|1[3-8][0-9]|19[01]) sig=$(($2 - 128)) ;;
		*) sig=2 ;;
		esac
		echo "$sig GNU parallel stopped (exit $2) before run $1 ended"
		return 0
	fi
	sig=${rc#*/}
	[ "$sig" != 0 ] && [ "${secs%.*}" -lt "$3" ] || return 1
	echo "$sig run $1 was killed by SIG$(kill -l "$sig" 2>/dev/null || echo "$sig") after ${secs%.*} s"
}

# build_tree: configure the build directory with the guest config when it
# has no .config, or again when the guest config changed since
# (gupr_config_stale: merged into the base config it was made from, said
# in the build log and to the user), then bring it up to date with the
# checked-out commit.
build_tree() {
	GUPR_SAY_FD=3
	gupr_tree_make "$B_TREE" "$B_BUILD" bisect
}

# --- the driver's helpers --------------------------------------------------

# cleanup: stop the step in flight (git, the build, run.sh and QEMU, which
# sits in timeout(1)'s own process group), keep git bisect log, then give
# the tree back as it was.
cleanup() {
	if [ -n "$child" ]; then
		gupr_kill_tree $$
		wait "$child" 2>/dev/null
		child=""
	fi
	if [ $started = 1 ]; then
		git -C "$tree" bisect log >"$bdir/bisect.log" 2>/dev/null
		tree_reset "$tree" "$orig" "$orig_commit"
		started=0
	fi
	gupr_hosts_stop
}

# interrupted NAME RC: SIGINT, SIGTERM or SIGHUP (NAME) reached the driver:
# stop the step in flight and give the tree back (cleanup), write
# bisect.txt saying so, and exit RC.
interrupted() {
	trap - INT TERM HUP
	echo "run.sh bisect: interrupted; the tree is back at $orig" >&2
	cleanup
	rm -f "$bdir/.interrupted"
	echo "interrupted by SIG$1" >>"$bdir/steps.txt"
	summary "result: interrupted by SIG$1; no first $newt commit named; the tree is back at $orig"
	exit "$2"
}

# subj COMMIT: COMMIT's subject, control characters dropped
subj() { git -C "$tree" log -1 --format=%s "$1" | tr -d '\000-\037\177'; }

# endpoint NAME COMMIT: the end NAME (good or bad) tested before the
# bisection as any step is (step STATE NAME: built, run, voted; a line in
# endpoints.txt), COMMIT checked out in the tree; returns the step's git
# bisect run code: 0 old term, 1 new term, 125 skip.  An abort (an
# interrupt, an error of the machine, the driver gone) ends the bisection.
endpoint() {
	local rc
	git -C "$tree" checkout -q --detach "$2" 2>>"$bdir/git-bisect-run.log" ||
		{ echo "run.sh bisect: cannot check out --$1 ${2:0:12} in $tree" >&2; exit 128; }
	( cd "$tree" && exec setsid -w "$BASH" "$GUPR_TOP/vm-images/bisect.sh" --step "$bdir/state.env" "$1" ) \
		>>"$bdir/git-bisect-run.log" 2>&2 </dev/null &
	child=$!
	wait "$child"
	rc=$?
	child=""
	case $rc in 0|1|125) return $rc ;; esac
	cleanup
	if [ -s "$bdir/.interrupted" ]; then
		summary "result: interrupted by SIG$(cat "$bdir/.interrupted") while testing --$1; no first $newt commit named"
		exit $((128 + $(kill -l "$(cat "$bdir/.interrupted")")))
	fi
	summary "result: testing --$1 ${2:0:12} stopped (exit $rc); no first $newt commit named"
	[ -e "$bdir/.host-error" ] && exit "$GUPR_HOST_RC"
	exit 125
}

# endpoint_vote NAME KEY: the KEY: line of the end NAME's vote.txt
endpoint_vote() {
	sed -n "s/^$2: //p" "$bdir"/steps/"$1"-*/vote.txt 2>/dev/null | head -n 1
}

# stop_before WHY: the ends do not frame the bug: say WHY in one line and in
# bisect.txt, and stop before bisecting (exit 125, could not decide).
stop_before() {
	cleanup
	echo "run.sh bisect: $1" >&2
	summary "result: stopped before bisecting: $1"
	exit 125
}

# check_endpoints: before the first step, the ends the user gave are tested
# (endpoint): the one that must reproduce first (--bad; with --find fix,
# --good), then the other.  Its reproducing cell becomes the bug the steps
# look for when --match did not name one (B_MATCH in state.env).  When
# the reproducing end does not reproduce it, or the other end does (or
# either could not be tested, or reproduced another bug), the bisection
# would name a commit that means nothing: stop_before.
check_endpoints() {
	local rend=bad rc=$badc cend=good cc=$goodc r v other
	[ "$find" = fix ] && rend=good rc=$goodc cend=bad cc=$badc
	endpoint "$rend" "$rc"
	r=$?
	v=$(endpoint_vote "$rend" vote) other=$(endpoint_vote "$rend" other)
	if [ "$v" != reproduces ]; then
		[ -n "$other" ] && stop_before "--$rend ${rc:0:12} reproduces $other, not the bug --match names ($match)"
		[ $r = 125 ] && stop_before "--$rend ${rc:0:12} could not be tested (see endpoints.txt): the bisection needs an end that reproduces"
		stop_before "--$rend ${rc:0:12} does not reproduce the scenario ($(endpoint_line "$rend")): nothing to bisect"
	fi
	if [ -z "$match" ]; then
		match=$(endpoint_vote "$rend" cell)
		printf 'B_MATCH=%q\n' "$match" >>"$bdir/state.env"
	fi
	endpoint "$cend" "$cc"
	r=$?
	v=$(endpoint_vote "$cend" vote) other=$(endpoint_vote "$cend" other)
	case "$v" in
	clean) return 0 ;;
	reproduces) stop_before "--$cend ${cc:0:12} reproduces $match too: $([ "$find" = fix ] &&
		echo "it is not fixed at --bad" || echo "the bug is older than --good")" ;;
	esac
	[ -n "$other" ] && stop_before "--$cend ${cc:0:12} reproduces another bug ($other): it cannot stand for a commit without $match"
	stop_before "--$cend ${cc:0:12} could not be tested (see endpoints.txt)"
}

# endpoint_line NAME: the verdicts of the end NAME as endpoints.txt has them
endpoint_line() {
	sed -n "s/^ *$1  [0-9a-f]*  build *[0-9]* s  \(.*\)  -> .*/\1/p" "$bdir/endpoints.txt" | head -n 1
}

# trust FIRST: why the commit FIRST can be believed, or not, for bisect.txt:
# the bug matched; the confidence of --repeat (a step voted clean although
# the commit had the bug, with the rate p the reproducing end showed: a
# step of N runs misses it with (1 - p)^N; the steps combined); steps whose
# runs disagreed; steps skipped for another bug; a first commit that
# changes nothing the kernel is built from; config options that matter and
# compilers that differ between the steps.  "result unreliable" with the
# reasons when any of these says so (the confidence: above 5%).
trust() {
	local rend=bad cleanterm=good reasons=() k n p v d line cfg changes
	[ "$find" = fix ] && rend=good cleanterm=fixed
	echo "match:   $match$([ "$match_given" = 1 ] && echo " (--match)" || echo " (the cell --$rend gave)")"
	echo "ends:    $(sed 's/^ *\([a-z]*\)  \([0-9a-f]*\)  build *[0-9]* s  \(.*\)  -> .*/\1 \2 \3/' "$bdir/endpoints.txt" |
		paste -sd';' | sed 's/;/; /g')"
	read -r k n < <(endpoint_vote "$rend" rate | tr '/' ' ')
	line=$(for d in "$bdir"/steps/*/vote.txt; do
		[ "$(sed -n 's/^vote: //p' "$d")" = clean ] && sed -n 's/^rate: [0-9]*\///p' "$d"
	done | awk -v k="${k:-0}" -v n="${n:-1}" '
		BEGIN { p = n ? k / n : 0; z = 1.959964
			c = (p + z*z/(2*n)) / (1 + z*z/n); h = z * sqrt(p*(1-p)/n + z*z/(4*n*n)) / (1 + z*z/n)
			lo = k ? c - h : 0; if (lo < 0) lo = 0; ok = 1; oklo = 1 }
		{ ok *= 1 - (1 - p) ^ $1; oklo *= 1 - (1 - lo) ^ $1; steps++ }
		END { printf "%d %.4f %.4f %.1f", steps, 1 - ok, 1 - oklo, 100 * lo }')
	read -r steps pmiss pmisslo plo <<<"$line"
	echo "confidence: rate at --$rend $k/$n; P(a step voted $cleanterm had the bug) = $(awk -v x="$pmiss" 'BEGIN { printf "%.1f%%", 100 * x }') over $steps clean step(s) ((1 - p)^N each, combined); at the rate's 95% lower bound ($plo%): $(awk -v x="$pmisslo" 'BEGIN { printf "%.1f%%", 100 * x }')"
	awk -v x="$pmiss" 'BEGIN { exit !(x > 0.05) }' &&
		reasons+=("the chance that a step voted $cleanterm had the bug is above 5%: run more --repeat")
	for d in "$bdir"/steps/*/vote.txt; do
		v=${d%/vote.txt}; v=${v##*/}
		[ "$(sed -n 's/^flip: //p' "$d")" = yes ] && reasons+=("step $v flipped between its runs ($(sed -n 's/^rate: //p' "$d") reproduced): the reproducer is flaky")
		[ -n "$(sed -n 's/^other: \(.\)/\1/p' "$d")" ] && echo "other:   step $v reproduced another bug: $(sed -n 's/^other: //p' "$d") (skipped)"
	done
	changes=$(build_changes "$1")
	[ -n "$changes" ] || reasons+=("${1:0:12} changes no file the kernel is built from (only $(git -C "$tree" show --format= --name-only "$1" | head -n 3 | paste -sd' '); comments or documentation)")
	cfg=$(config_differences)
	[ -z "$cfg" ] || printf '%s\n' "$cfg"
	if [ ${#reasons[@]} -eq 0 ]; then echo "result reliable: no reason found to doubt it"
	else printf 'result unreliable: %s\n' "${reasons[@]}"; fi
}

# build_changes COMMIT: the files COMMIT changes that the kernel is built
# from, a line each: not Documentation/, tools/, samples/, LICENSES/ or the
# top level's text files, and not a change of comments and blank lines
# only (C comments; '#' lines of Makefiles and Kconfig).
build_changes() {
	local f
	git -C "$tree" show --format= --name-only "$1" | while read -r f; do
		case "$f" in
		Documentation/*|tools/*|samples/*|LICENSES/*|MAINTAINERS|CREDITS|README|COPYING|.mailmap|*.rst|*.txt) continue ;;
		esac
		git -C "$tree" show --format= -U0 "$1" -- "$f" | awk -v f="$f" '
			/^(\+\+\+|---) / || /^@@/ || /^diff / || /^index / { next }
			/^[-+]/ { l = substr($0, 2); sub(/^[ \t]+/, "", l)
				if (l == "") next
				if (f ~ /(Makefile|Kbuild|Kconfig[^\/]*)$/ && l ~ /^#/) next
				if (f ~ /\.[ch]$/ && (l ~ /^(\/\*|\*|\/\/)/)) next
				code = 1 }
			END { if (code) print f }'
	done
}

# config_differences: "config: steps differ in OPTION: VALUE (STEP), ..."
# for the options of GUPR_CONFIG_MATTERS and the compiler, from the runs'
# run.txt (vote.txt); nothing when every step had the same.
config_differences() {
	local d
	for d in "$bdir"/steps/*/vote.txt; do
		sed -n "s/^config: //p" "$d" | tr ' ' '\n' | sed "s|\$| ${d%/vote.txt}|; s|$bdir/steps/||"
		sed -n "s/^compiler: //p" "$d" | sed "s|^|compiler=|; s| |_|g; s|\$| ${d%/vote.txt}|; s|$bdir/steps/||"
	done | awk '
		{ o = $1; sub(/=.*/, "", o); val = substr($1, length(o) + 2)
		  if (!((o, val) in seen)) { seen[o, val] = 1; cnt[o]++; list[o] = list[o] (cnt[o] > 1 ? ", " : "") val " (" $2 ")" } }
		END { for (o in cnt) if (cnt[o] > 1) printf "config:  steps differ in %s: %s\n", o, list[o] }' | sort
}

# summary RESULT: bisect.txt (the range, the rule, the steps, RESULT: the
# first commit or why there is none, git bisect log), printed too.
summary() {
	{
		echo "gup-repro bisect: the first commit that made the scenario $what"
		echo "tree:    $tree"
		echo "build:   $build"
		echo "run:     ./run.sh --kernel prepared:STEP/kernel${runargs[*]:+ ${runargs[*]}}  (BUILD, prepared once per step)"
		echo "range:   $oldt ${goodc:0:12} \"$(subj "$goodc")\""
		echo "         $newt ${badc:0:12} \"$(subj "$badc")\""
		echo "rule:    $repeat run(s) per commit, each in a fresh VM; a commit reproduces if any run"
		echo "         reproduces; with none reproducing, a COULD NOT TEST run skips the commit"
		echo "runs on: $where"
		[ ${#HOSTS_UNUSABLE[@]} -eq 0 ] || printf 'host not used: %s\n' "${HOSTS_UNUSABLE[@]}"
		echo
		echo "ends, tested first (commit, build seconds, verdicts -> term, subject):"
		sed 's/^/  /' "$bdir/endpoints.txt" 2>/dev/null
		echo "steps (commit, build seconds, verdicts -> term, subject):"
		sed 's/^/  /' "$bdir/steps.txt"
		echo
		printf '%s\n' "$1"
		echo
		echo "git bisect log:"
		sed 's/^/  /' "$bdir/bisect.log" 2>/dev/null
	} >"$bdir/bisect.txt"
	cat "$bdir/bisect.txt"
	echo "==> bisect: ${bdir#"$GUPR_TOP"/}/bisect.txt" >&2
}

# --- the bisection ------------------------------------------------------------

# bisect_sigint ARG...: started with SIGINT ignored (a command put in the
# background by a script): start again with ARG... and SIGINT's default
# disposition, so that an interrupt stops the bisection (bisect_traps)
# instead of reaching only a step's GNU parallel, whose runs would then be
# voted "could not test".
bisect_sigint() {
	if gupr_sig_ignored 2 && [ -z "${GUPR_BISECT_SIGINT:-}" ] && env --default-signal=INT true 2>/dev/null; then
		GUPR_BISECT_SIGINT=default exec env --default-signal=INT "$BASH" "$0" "$@"
	fi
}

# bisect_parse ARG...: the options, into the globals below (defaults
# first); the run options into runargs (fs and timeout kept too).
bisect_parse() {
	tree="" good="" bad="" find=regression repeat=1 bdir="" build="" jobs=$(nproc) jobs_given=0 hosts="" retries=0
	timeout=300 fs=$GUPR_DEFAULT_FS match=""
	runargs=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--tree) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; tree=$2; shift 2 ;;
		--good) [ $# -ge 2 ] || bad_usage "$1 needs a revision"; good=$2; shift 2 ;;
		--bad) [ $# -ge 2 ] || bad_usage "$1 needs a revision"; bad=$2; shift 2 ;;
		--find) [ $# -ge 2 ] || bad_usage "$1 needs regression or fix"; find=$2; shift 2 ;;
		--match) [ $# -ge 2 ] || bad_usage "$1 needs a cell or a warning site"; match=$2; shift 2 ;;
		--repeat) [ $# -ge 2 ] || bad_usage "$1 needs a number"; repeat=$2; shift 2 ;;
		--build-dir) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; build=$2; shift 2 ;;
		-j|--jobs) [ $# -ge 2 ] || bad_usage "$1 needs a number"; jobs=$2; jobs_given=1; shift 2 ;;
		-j*) jobs=${1#-j}; jobs_given=1; shift ;;
		--hosts) [ $# -ge 2 ] || bad_usage "$1 needs a file"; hosts=$2; shift 2 ;;
		--retries) [ $# -ge 2 ] || bad_usage "$1 needs a number"; retries=$2; shift 2 ;;
		-o|--out) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; bdir=$2; shift 2 ;;
		-s|--scenario|--steps|-f|--fs|-p|--pages|-t|--timeout)
			[ $# -ge 2 ] || bad_usage "$1 needs a value"; runargs+=("$1" "$2")
			case "$1" in -f|--fs) fs=$2 ;; -t|--timeout) timeout=$2 ;; esac
			shift 2 ;;
		--no-trace) runargs+=("$1"); shift ;;
		-h|--help) usage; exit 0 ;;
		*) bad_usage "unknown option '$1'" ;;
		esac
	done
}

# bisect_check: the options, checked before anything starts (bad usage:
# exit 128): paths, the ends given, --find, --match (match_given: 1 when
# it named the bug), the numbers, --fs, the hosts file.
bisect_check() {
	why=$(gupr_paths_ok kbuild:--tree "$tree" kbuild:--build-dir "$build" --out "$bdir" --hosts "$hosts") || bad_usage "$why"
	[ -n "$tree" ] || bad_usage "--tree is required"
	[ -n "$good" ] && [ -n "$bad" ] || bad_usage "--good and --bad are required"
	case "$find" in regression|fix) ;; *) bad_usage "--find takes regression or fix, not '$find'" ;; esac
	match_given=0
	[ -z "$match" ] || match_given=1
	case "$match" in
	''|REPRODUCED:?*|CORRUPT:?*|VIOLATION|LOSS) ;;
	*[!A-Za-z0-9_.]*) bad_usage "--match takes a cell (REPRODUCED:SITE, VIOLATION, LOSS, CORRUPT:TOOL) or a warning site (a function name), not '$match'" ;;
	esac
	why=$(gupr_number --repeat "$repeat" 1 99) || bad_usage "$why"
	why=$(gupr_number -j "$jobs" 1 64) || bad_usage "$why"
	why=$(gupr_number --retries "$retries" 0 100) || bad_usage "$why"
	[ "$retries" = 0 ] || [ -n "$hosts" ] || bad_usage "--retries goes with --hosts"
	why=$(gupr_number --timeout "$timeout" 10 86400) || bad_usage "$why (seconds)"
	gupr_in_list "$fs" "$GUPR_FILESYSTEMS" || bad_usage "--fs takes $(gupr_or_list "$GUPR_FILESYSTEMS"), not '$fs'"
	if [ -n "$hosts" ]; then
		why=$(gupr_hosts_read "$hosts") || bad_usage "$why"
	fi
}

# bisect_check_tree: --tree a kernel tree's git work tree (tree: its
# source), clean, no bisection in progress; --good and --bad its commits
# (goodc, badc), different, --good an ancestor of --bad.
bisect_check_tree() {
	local top
	top=$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null) || bad_usage "--tree $tree: not a git work tree"
	gupr_tree_locate "$top" || bad_usage "--tree $tree: $TREE_WHY"
	tree=$TREE_SRC
	[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
		bad_usage "--tree $tree has uncommitted changes: commit or stash them first"
	[ ! -e "$(git -C "$tree" rev-parse --absolute-git-dir)/BISECT_START" ] ||
		bad_usage "--tree $tree: a bisection is in progress (git bisect reset ends it)"
	goodc=$(git -C "$tree" rev-parse --verify --quiet "$good^{commit}") || bad_usage "--good $good: no such commit in $tree"
	badc=$(git -C "$tree" rev-parse --verify --quiet "$bad^{commit}") || bad_usage "--bad $bad: no such commit in $tree"
	[ "$goodc" != "$badc" ] || bad_usage "--good and --bad are the same commit"
	git -C "$tree" merge-base --is-ancestor "$goodc" "$badc" ||
		bad_usage "--good $good is not an ancestor of --bad $bad"
}

# bisect_host_tools: the machine (writable, not full), the packages of a
# kernel build, GNU parallel and the host tools; the run options checked
# once by the driver's dry run (its --scenario, --steps and --pages;
# unlocked-dirty when no scenario is named).
bisect_host_tools() {
	local drv=() i=0 plan
	gupr_host_preflight "${bdir:-$GUPR_TOP/out}"
	"$GUPR_TOP/vm-images/host-deps.sh" --kernel-build || exit 128
	why=$(gupr_parallel_ok) || bad_usage "$why"
	make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh bisect: building the host tools failed" >&2; exit 128; }
	while [ $i -lt ${#runargs[@]} ]; do
		case "${runargs[$i]}" in
		-s|--scenario) drv+=(--scenario "${runargs[$((i + 1))]}") ;;
		--steps) drv+=(--steps "${runargs[$((i + 1))]}") ;;
		-p|--pages) drv+=(--pages "${runargs[$((i + 1))]}") ;;
		esac
		case "${runargs[$i]}" in --no-trace) i=$((i + 1)) ;; *) i=$((i + 2)) ;; esac
	done
	[ ${#drv[@]} -gt 0 ] && [ "${drv[0]}" != --pages ] || drv+=(--scenario unlocked-dirty)
	plan=$("$GUPR_HOST/gup-repro" --dry-run "${drv[@]}" 2>&1) || bad_usage "$plan"
}

# bisect_hosts_start: --hosts: one quick ssh to every host, all at once,
# before any step: a host that is not root or of another architecture is
# bad input, one that does not answer is left out; with none left, exit
# 128.  The project goes to each usable host once per step (gup-repro.tar,
# a basefile), and is unpacked and built there once per content.  Sets
# hosts_par, stage, hash and where (the runs' place, for the user and
# bisect.txt); the hosts are stopped on exit.  Then smp: runs side by
# side get one vCPU each (as matrix cells: two 2-vCPU TCG guests on 2
# host CPUs spin on each other's descheduled vCPUs).
bisect_hosts_start() {
	local i
	HOSTS_UNUSABLE=() hosts_par=() stage="" hash="" where="this machine, up to $jobs at a time (-j)"
	trap gupr_hosts_stop EXIT
	if [ -n "$hosts" ]; then
		gupr_hosts_start "$hosts" "$([ "$jobs_given" = 1 ] && echo "$jobs")" || bad_usage "$HOSTS_WHY"
		[ ${#HOSTS_USABLE[@]} -gt 0 ] ||
			bad_usage "--hosts $hosts: hosts not usable: $(printf '%s, ' "${HOSTS_UNUSABLE_SHORT[@]}" | sed 's/, $//')"
		gupr_hosts_pack "$GUPR_TOP/vm-images/bisect-run.sh" || bad_usage "cannot pack the project for the hosts"
		hosts_par=("${HOSTS_PAR[@]}") stage=$HOSTS_STAGE hash=$HOSTS_HASH
		where="$(for i in "${HOSTS_USABLE[@]}"; do printf '%s, ' "${HOST_NAME[$i]}"; done | sed 's/, $//'), up to $HOSTS_SLOTS at a time"
	fi
	smp=${GUP_REPRO_SMP:-2}
	[ -n "${GUP_REPRO_SMP:-}" ] || [ "$repeat" = 1 ] || { [ "$jobs" = 1 ] && [ -z "$hosts" ]; } || smp=1
}

# bisect_dirs: the build directory (--build-dir, or one under the cache
# per tree: build) and the bisection's (--out, or a new
# out/bisect-<timestamp>, unique even for bisections started in the same
# second: bdir), both absolute; where the tree goes back to (orig, its
# branch or the detached commit, at orig_commit).
bisect_dirs() {
	if [ -z "$build" ]; then
		build="$GUPR_CACHE/bisect/$(gupr_path_key "$tree")/build"
	fi
	mkdir -p "$build" || bad_usage "cannot create the build directory $build"
	build=$(cd "$build" && pwd -P)
	if [ -z "$bdir" ]; then
		bdir=$(gupr_run_dir "$GUPR_TOP/out" "bisect-$(date +%Y%m%d-%H%M%S)") || bad_usage "$bdir"
	fi
	[ ! -e "$bdir/bisect.txt" ] || bad_usage "--out $bdir holds a bisection already"
	mkdir -p "$bdir/steps" && bdir=$(cd "$bdir" && pwd) || bad_usage "cannot create $bdir"
	orig=$(git -C "$tree" symbolic-ref -q --short HEAD || git -C "$tree" rev-parse HEAD)
	orig_commit=$(git -C "$tree" rev-parse HEAD)
}

# bisect_state: an empty steps.txt and state.env, the bisection's state
# that each step sources (%q): the options, the hosts, the driver (which
# each step checks is still there: driver_check) and where the tree goes
# back to.
bisect_state() {
	: >"$bdir/steps.txt"
	{
		printf 'B_DIR=%q\nB_TREE=%q\nB_BUILD=%q\nB_REPEAT=%q\nB_FIND=%q\n' "$bdir" "$tree" "$build" "$repeat" "$find"
		printf 'B_JOBS=%q\nB_TIMEOUT=%q\nB_FS=%q\nB_SMP=%q\nB_RETRIES=%q\nB_STAGE=%q\nB_HASH=%q\n' \
			"$jobs" "$timeout" "$fs" "$smp" "$retries" "$stage" "$hash"
		printf 'B_MATCH=%q\n' "$match"
		printf 'B_RUNARGS=('; [ ${#runargs[@]} -eq 0 ] || printf '%q ' "${runargs[@]}"; printf ')\n'
		printf 'B_HOSTS_PAR=('; [ ${#hosts_par[@]} -eq 0 ] || printf '%q ' "${hosts_par[@]}"; printf ')\n'
		printf 'B_DRIVER_PID=%q\nB_DRIVER_START=%q\nB_ORIG=%q\nB_ORIG_COMMIT=%q\n' \
			"$$" "$(gupr_proc_start $$)" "$orig" "$orig_commit"
	} >"$bdir/state.env"
}

# bisect_traps: git bisect's terms (terms, oldt, newt) and what the
# bisection looks for (what); nothing started yet (started, child);
# cleanup on exit, interrupted on SIGINT, SIGTERM and SIGHUP from here on.
bisect_traps() {
	if [ "$find" = fix ]; then
		terms=(--term-old=unfixed --term-new=fixed) oldt=unfixed newt=fixed
		what="stop reproducing (--find fix)"
	else
		terms=() oldt=good newt=bad
		what="start reproducing"
	fi
	started=0 child=""
	trap cleanup EXIT
	trap 'interrupted INT 130' INT
	trap 'interrupted TERM 143' TERM
	trap 'interrupted HUP 129' HUP
}

# bisect_run: the ends tested first (check_endpoints), then git bisect
# run over the steps.  git bisect run reads no terminal, and runs in a
# session of its own: an interrupt reaches the driver, which stops it and
# all below it (cleanup), and a driver killed outright is seen by the next
# step (driver_check).  Sets rc (git bisect run's exit status) and first
# (the first new-term commit it named, or nothing); the tree is given
# back.
bisect_run() {
	echo "==> bisect: $tree, ${goodc:0:12}..${badc:0:12}: which commit made the scenario $what; $repeat run(s) per commit on $where" >&2
	: >"$bdir/endpoints.txt"
	started=1	# the ends are checked out in the tree: cleanup gives it back
	check_endpoints
	git -C "$tree" bisect start "${terms[@]}" "$badc" "$goodc" >"$bdir/git-bisect-run.log" 2>&1 ||
		{ cat "$bdir/git-bisect-run.log" >&2; bad_usage "git bisect start failed"; }
	started=1
	( cd "$tree" && exec setsid -w git bisect run "$GUPR_TOP/vm-images/bisect.sh" --step "$bdir/state.env" ) \
		>>"$bdir/git-bisect-run.log" 2>&2 </dev/null &
	child=$!
	wait "$child"
	rc=$?
	child=""
	first=$(sed -n "s/^\([0-9a-f]\{40\}\) is the first $newt commit$/\1/p" "$bdir/git-bisect-run.log" | head -n 1)
	cleanup
}

# bisect_report: bisect.txt (summary): the first commit and why to trust
# it (exit 0), or why there is none: a step interrupted (128 + its
# signal), the bisection interrupted (rc), an error of the machine in a
# step (host_abort: GUPR_HOST_RC), else could not decide (125).
bisect_report() {
	local sig
	if [ -n "$first" ]; then
		summary "first $newt commit: $first
  $(subj "$first")

$(trust "$first")"
		exit 0
	fi
	# a step was interrupted (step_interrupted): the bisection was
	if [ -s "$bdir/.interrupted" ]; then
		sig=$(cat "$bdir/.interrupted")
		rm -f "$bdir/.interrupted"
		summary "result: interrupted by SIG$sig in a step; no first $newt commit named; the tree is back at $orig"
		exit $((128 + $(kill -l "$sig")))
	fi
	summary "result: no first $newt commit found (git bisect run exit $rc):
$(grep -v '^running ' "$bdir/git-bisect-run.log" | tail -n 8 | sed 's/^/  /')"
	case $rc in 129|130|143) exit $rc ;; esac
	# a step met an error of the machine (host_abort): not "could not decide"
	[ -e "$bdir/.host-error" ] && { rm -f "$bdir/.host-error"; exit "$GUPR_HOST_RC"; }
	exit 125
}

# main ARG...: a step (--step STATE [ENDPOINT], from git bisect run or
# endpoint) or the helper of a bisection whose driver is gone
# (--reset-after); else the bisection, step by step: the options, the
# tree, the machine and the hosts, the directories and the state, the
# traps, the ends and git bisect run, bisect.txt.
main() {
	case "${1:-}" in
	--step) step "$2" "${3:-}" ;;
	--reset-after) reset_after "$2" "$3" "$4"; exit 0 ;;
	esac
	bisect_sigint "$@"
	bisect_parse "$@"
	bisect_check
	bisect_check_tree
	bisect_host_tools
	bisect_hosts_start
	bisect_dirs
	bisect_state
	bisect_traps
	bisect_run
	bisect_report
}

main "$@"
