#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/bisect.sh - ./run.sh bisect: drive `git bisect run` over a
# kernel tree; each step builds the checked-out commit (build directory
# under the cache, incremental, ccache) and runs a scenario on it in fresh
# VMs.  The tree is left as it was found: `git bisect reset` at the end, on
# failure and on SIGINT/SIGTERM/SIGHUP.
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
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
  --repeat N         runs per commit, each in a fresh VM (default 1); a
                     commit reproduces if ANY run reproduces; with none
                     reproducing, any COULD NOT TEST skips the commit
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

Writes DIR/bisect.txt: a line per step (commit, subject, build seconds,
verdicts, the host of each remote run), the first bad (or first fixed)
commit and git bisect log; each step's build log, prepared kernel record
and runs are in DIR/steps/.
Exit: 0 found the commit, 125 could not decide (only skipped commits
left, or a build or run failed at every step), 128 bad usage or an
error of the machine (a read-only or full file system, a chroot: the
bisection stops), 130/143/129 interrupted (the tree is reset).
Plain git works too: cd TREE && git bisect start BAD GOOD &&
git bisect run $GUPR_TOP/run.sh --kernel BUILD-DIR --build [run options]
Test-only hooks: GUP_REPRO_TEST_BISECT_BUILD and GUP_REPRO_TEST_BISECT_RUN
replace the build and the (local) runs of a step by a command (see README).
EOF
}
bad_usage() { echo "run.sh bisect: $*" >&2; echo "Try './run.sh bisect --help'." >&2; exit 128; }

# --- a step (called by git bisect run) -------------------------------------

# step STATE: build the checked-out commit, run the scenario REPEAT times,
# vote, append a line to steps.txt and exit with git bisect run's codes:
# 0 old term, 1 new term, 125 skip, 128+ abort.
step() {
	# shellcheck disable=SC1090
	. "$1"
	local commit subject n sdir t0 bsecs rc i r host why verdicts="" nrep=0 nclean=0 nctn=0 vote code
	commit=$(git rev-parse HEAD)
	subject=$(git log -1 --format=%s | tr -d '\000-\037\177' | cut -c1-72)
	n=$(( $(wc -l <"$B_DIR/steps.txt") + 1 ))
	sdir="$B_DIR/steps/$(printf '%02d' "$n")-${commit:0:12}"
	mkdir -p "$sdir"
	echo "==> bisect step $n: ${commit:0:12} $subject" >&2
	t0=$(date +%s)
	if [ -n "${GUP_REPRO_TEST_BISECT_BUILD:-}" ]; then
		GUPR_COMMIT=$commit GUPR_STEP_DIR=$sdir sh -c "$GUP_REPRO_TEST_BISECT_BUILD" >"$sdir/build.log" 2>&1
		rc=$?
	else
		# make's output to the step's build.log, progress lines to the user
		( build_tree ) 3>&2 >"$sdir/build.log" 2>&1
		rc=$?
	fi
	bsecs=$(( $(date +%s) - t0 ))
	if [ $rc -ne 0 ]; then
		case $rc in 129|130|143) exit $rc ;; esac
		host_abort "$n" "$commit" "$sdir/build.log"
		printf '%2d  %s  build %4d s  build failed (exit %d)  -> skip  %s\n' "$n" "${commit:0:12}" "$bsecs" "$rc" "$subject" >>"$B_DIR/steps.txt"
		echo "==> bisect step $n: the build failed (see ${sdir#"$GUPR_TOP"/}/build.log): skip" >&2
		exit 125
	fi
	if [ -z "${GUP_REPRO_TEST_BISECT_RUN:-}" ]; then
		echo "==> bisect step $n: preparing the kernel for the runs (module, initramfs)" >&2
		if ! ( prepare_kernel "$sdir" ) >"$sdir/prepare.log" 2>&1; then
			why=$(grep -h '^gup-repro: error: ' "$sdir/prepare.log" | tail -n 1 | sed 's/^gup-repro: error: //')
			why=${why:-"see ${sdir#"$B_DIR"/}/prepare.log"}
			host_abort "$n" "$commit" "$sdir/prepare.log"
			printf '%2d  %s  build %4d s  preparing the runs failed: %s  -> skip  %s\n' "$n" "${commit:0:12}" "$bsecs" "$why" "$subject" >>"$B_DIR/steps.txt"
			echo "==> bisect step $n: preparing the runs failed: $why: skip" >&2
			exit 125
		fi
	fi
	run_step "$sdir" "$commit"
	for i in $(seq "$B_REPEAT"); do
		# the run's exit status, its verdict and host (run_step)
		host=$(sed -n 's/^host: //p' "$sdir/run-$i/host.txt" 2>/dev/null)
		rc=$(cat "$sdir/run-$i/exit.txt" 2>/dev/null)
		case $rc in
		1) r=$(sed -n 's/^cell: //p' "$sdir/run-$i/verdict.txt" 2>/dev/null | head -n 1)	# LOSS, CORRUPT:..., REPRODUCED:..., VIOLATION
		   r=${r:-REPRODUCED}; nrep=$((nrep + 1)) ;;
		0) r=$(sed -n 's/^cell: //p' "$sdir/run-$i/verdict.txt" 2>/dev/null | head -n 1)
		   r=${r:-CLEAN}; nclean=$((nclean + 1)) ;;
		125) r="COULD NOT TEST"; nctn=$((nctn + 1)) ;;
		'') r="COULD NOT TEST ($(cat "$sdir/run-$i/error.txt"))" host=""; nctn=$((nctn + 1)) ;;
		*) echo "==> bisect step $n: run $i stopped with exit $rc: aborting the bisection" >&2
		   printf '%2d  %s  build %4d s  run %d exit %d%s  -> abort  %s\n' "$n" "${commit:0:12}" "$bsecs" "$i" "$rc" "${host:+ on $host}" "$subject" >>"$B_DIR/steps.txt"
		   exit $((rc >= 128 ? rc : 128)) ;;
		esac
		verdicts+="${verdicts:+, }$r${host:+ on $host}"
	done
	# a commit reproduces when any run does; otherwise a run that could not
	# test makes the commit unknown (skip)
	if [ $nrep -gt 0 ]; then vote=reproduces
	elif [ $nctn -gt 0 ]; then vote=skip
	else vote=clean
	fi
	case "$B_FIND:$vote" in
	*:skip) code=125 term=skip ;;
	regression:reproduces) code=1 term=bad ;;
	regression:clean) code=0 term=good ;;
	fix:reproduces) code=0 term=unfixed ;;
	fix:clean) code=1 term=fixed ;;
	esac
	printf '%2d  %s  build %4d s  %s  -> %s  %s\n' "$n" "${commit:0:12}" "$bsecs" "$verdicts" "$term" "$subject" >>"$B_DIR/steps.txt"
	echo "==> bisect step $n: $verdicts -> $term" >&2
	exit $code
}

# host_abort N COMMIT LOG: when step N's build or preparation failed on an
# error of the machine (gupr_host_fault: a full or read-only file system,
# a chroot), not of the commit: log it and abort the bisection (every
# commit would be skipped for it).
host_abort() {
	local why
	why=$(gupr_host_fault "$3") || return 0
	printf '%2d  %s  host error: %s  -> abort\n' "$1" "${2:0:12}" "$why" >>"$B_DIR/steps.txt"
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
# the host).  The step's joblog.txt is GNU parallel's job log.
run_step() {
	local sdir=$1 step=${1##*/} i d why
	local -a par=(parallel --termseq TERM,8000,KILL,25 --halt never --joblog "$sdir/joblog.txt")
	export GUPR_BR_STEP=$sdir GUPR_BR_KERNEL=$sdir/kernel GUPR_BR_COMMIT=$2 GUP_REPRO_SMP=$B_SMP
	export GUPR_BR_OPTS="${B_RUNARGS[*]@Q}"
	if [ ${#B_HOSTS_PAR[@]} -eq 0 ]; then
		par+=(-j "$B_JOBS" --timeout $((B_TIMEOUT + 600)) "$GUPR_TOP/vm-images/bisect-run.sh" local {})
	else
		tar -cf "$B_STAGE/$step.kernel.tar" -C "$sdir/kernel" . ||
			gupr_die "cannot pack the prepared kernel for the hosts"
		echo "==> bisect: the prepared kernel, $(du -k "$B_STAGE/$step.kernel.tar" | cut -f1) KiB, goes to the hosts" >&2
		par+=("${B_HOSTS_PAR[@]}" --basefile "$B_STAGE/./$step.kernel.tar" --return "${sdir%/*}/./$step/run-{}.tar"
		      --retries $((B_RETRIES + 1)) --timeout $((B_TIMEOUT + 120 + 3600))
		      --env GUPR_BR_OPTS --env GUP_REPRO_SMP bash base/bisect-run.sh remote {} "$step" "$B_HASH")
	fi
	"${par[@]}" ::: $(seq "$B_REPEAT") </dev/null
	rm -f "$B_STAGE/$step.kernel.tar"
	gupr_hosts_joblog "$sdir/joblog.txt"
	for i in $(seq "$B_REPEAT"); do
		d=$sdir/run-$i
		if [ -e "$d.tar" ]; then
			tar -xf "$d.tar" -C "$sdir" && rm -f "$d.tar"
		fi
		[ -s "$d/exit.txt" ] && continue
		mkdir -p "$d"
		why=$(cat "$d/error.txt" 2>/dev/null)
		[ -n "$why" ] || why=$(gupr_hosts_job_why "$i" run)
		echo "${why:-"no result (GNU parallel's job log: ${sdir#"$B_DIR"/}/joblog.txt)"}" >"$d/error.txt"
	done
	# the prepared kernel's record stays with the step; its image and
	# initramfs go
	rm -f "$sdir/kernel/vmlinuz" "$sdir"/kernel/initramfs-*.img "$sdir/kernel/config"
}

# build_tree: configure the build directory once (guest config), then
# bring it up to date with the checked-out commit.
build_tree() {
	GUPR_SAY_FD=3
	if [ ! -s "$B_BUILD/.config" ]; then
		TREE_SRC=$B_TREE TREE_BUILD=$B_BUILD
		gupr_kernel_config || exit 1
	fi
	GUPR_DIE_RC=1 gupr_tree_rebuild "$B_BUILD"
}

if [ "${1:-}" = --step ]; then
	step "$2"
fi

# --- the bisection ------------------------------------------------------------

tree="" good="" bad="" find=regression repeat=1 bdir="" build="" jobs=$(nproc) jobs_given=0 hosts="" retries=0
timeout=300 fs=$GUPR_DEFAULT_FS
runargs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--tree) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; tree=$2; shift 2 ;;
	--good) [ $# -ge 2 ] || bad_usage "$1 needs a revision"; good=$2; shift 2 ;;
	--bad) [ $# -ge 2 ] || bad_usage "$1 needs a revision"; bad=$2; shift 2 ;;
	--find) [ $# -ge 2 ] || bad_usage "$1 needs regression or fix"; find=$2; shift 2 ;;
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
why=$(gupr_paths_ok) || bad_usage "$why"
[ -n "$tree" ] || bad_usage "--tree is required"
[ -n "$good" ] && [ -n "$bad" ] || bad_usage "--good and --bad are required"
case "$find" in regression|fix) ;; *) bad_usage "--find takes regression or fix, not '$find'" ;; esac
why=$(gupr_number --repeat "$repeat" 1 99) || bad_usage "$why"
why=$(gupr_number -j "$jobs" 1 64) || bad_usage "$why"
why=$(gupr_number --retries "$retries" 0 100) || bad_usage "$why"
[ "$retries" = 0 ] || [ -n "$hosts" ] || bad_usage "--retries goes with --hosts"
why=$(gupr_number --timeout "$timeout" 10 86400) || bad_usage "$why (seconds)"
gupr_in_list "$fs" "$GUPR_FILESYSTEMS" || bad_usage "--fs takes $(gupr_or_list "$GUPR_FILESYSTEMS"), not '$fs'"
if [ -n "$hosts" ]; then
	why=$(gupr_hosts_read "$hosts") || bad_usage "$why"
fi

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
gupr_host_preflight "${bdir:-$GUPR_TOP/out}"
# the run options, checked once by the driver's dry run
"$GUPR_TOP/vm-images/host-deps.sh" --kernel-build || exit 128
why=$(gupr_parallel_ok) || bad_usage "$why"
make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh bisect: building the host tools failed" >&2; exit 128; }
drv=() i=0
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

# --hosts: one quick ssh to every host, all at once, before any step: a
# host that is not root or of another architecture is bad input, one that
# does not answer is left out; with none left, exit 128.  The project goes
# to each usable host once per step (gup-repro.tar, a basefile), and is
# unpacked and built there once per content.
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
# runs side by side get one vCPU each (as matrix cells: two 2-vCPU TCG
# guests on 2 host CPUs spin on each other's descheduled vCPUs)
smp=${GUP_REPRO_SMP:-2}
[ -n "${GUP_REPRO_SMP:-}" ] || [ "$repeat" = 1 ] || { [ "$jobs" = 1 ] && [ -z "$hosts" ]; } || smp=1

if [ -z "$build" ]; then
	build="$GUPR_CACHE/bisect/$(gupr_path_key "$tree")/build"
fi
mkdir -p "$build" || bad_usage "cannot create the build directory $build"
build=$(cd "$build" && pwd -P)
[ -n "$bdir" ] || bdir="$GUPR_TOP/out/bisect-$(date +%Y%m%d-%H%M%S)"
[ ! -e "$bdir/bisect.txt" ] || bad_usage "--out $bdir holds a bisection already"
mkdir -p "$bdir/steps" && bdir=$(cd "$bdir" && pwd) || bad_usage "cannot create $bdir"
: >"$bdir/steps.txt"
{
	printf 'B_DIR=%q\nB_TREE=%q\nB_BUILD=%q\nB_REPEAT=%q\nB_FIND=%q\n' "$bdir" "$tree" "$build" "$repeat" "$find"
	printf 'B_JOBS=%q\nB_TIMEOUT=%q\nB_FS=%q\nB_SMP=%q\nB_RETRIES=%q\nB_STAGE=%q\nB_HASH=%q\n' \
		"$jobs" "$timeout" "$fs" "$smp" "$retries" "$stage" "$hash"
	printf 'B_RUNARGS=('; [ ${#runargs[@]} -eq 0 ] || printf '%q ' "${runargs[@]}"; printf ')\n'
	printf 'B_HOSTS_PAR=('; [ ${#hosts_par[@]} -eq 0 ] || printf '%q ' "${hosts_par[@]}"; printf ')\n'
} >"$bdir/state.env"

if [ "$find" = fix ]; then
	terms=(--term-old=unfixed --term-new=fixed) oldt=unfixed newt=fixed
	what="stop reproducing (--find fix)"
else
	terms=() oldt=good newt=bad
	what="start reproducing"
fi
orig=$(git -C "$tree" symbolic-ref -q --short HEAD || git -C "$tree" rev-parse HEAD)
orig_commit=$(git -C "$tree" rev-parse HEAD)
started=0 child=""

# cleanup: stop the step in flight (git, the build, run.sh and QEMU, which
# sits in timeout(1)'s own process group), then give the tree back as it was.
cleanup() {
	if [ -n "$child" ]; then
		gupr_kill_tree $$
		wait "$child" 2>/dev/null
		child=""
	fi
	if [ $started = 1 ]; then
		git -C "$tree" bisect reset "$orig" >/dev/null 2>&1 ||
			git -C "$tree" bisect reset >/dev/null 2>&1
		[ "$(git -C "$tree" rev-parse HEAD)" = "$orig_commit" ] ||
			git -C "$tree" checkout -q "$orig" 2>/dev/null
		started=0
	fi
	gupr_hosts_stop
}
interrupted() {
	trap - INT TERM HUP
	echo "run.sh bisect: interrupted; the tree is back at $orig" >&2
	cleanup
	echo "interrupted by SIG$1" >>"$bdir/steps.txt"
	exit "$2"
}
trap cleanup EXIT
trap 'interrupted INT 130' INT
trap 'interrupted TERM 143' TERM
trap 'interrupted HUP 129' HUP

echo "==> bisect: $tree, ${goodc:0:12}..${badc:0:12}: which commit made the scenario $what; $repeat run(s) per commit on $where" >&2
git -C "$tree" bisect start "${terms[@]}" "$badc" "$goodc" >"$bdir/git-bisect-run.log" 2>&1 ||
	{ cat "$bdir/git-bisect-run.log" >&2; bad_usage "git bisect start failed"; }
started=1
# git bisect run reads no terminal; an interrupt stops it and all below it
( cd "$tree" && exec git bisect run "$GUPR_TOP/vm-images/bisect.sh" --step "$bdir/state.env" ) \
	>>"$bdir/git-bisect-run.log" 2>&2 </dev/null &
child=$!
wait "$child"
rc=$?
child=""
git -C "$tree" bisect log >"$bdir/bisect.log" 2>/dev/null
first=$(sed -n "s/^\([0-9a-f]\{40\}\) is the first $newt commit$/\1/p" "$bdir/git-bisect-run.log" | head -n 1)
cleanup

subj() { git -C "$tree" log -1 --format=%s "$1" | tr -d '\000-\037\177'; }
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
	echo "steps (commit, build seconds, verdicts -> term, subject):"
	sed 's/^/  /' "$bdir/steps.txt"
	echo
	if [ -n "$first" ]; then
		echo "first $newt commit: $first"
		echo "  $(subj "$first")"
	else
		echo "result: no first $newt commit found (git bisect run exit $rc):"
		grep -v '^running ' "$bdir/git-bisect-run.log" | tail -n 8 | sed 's/^/  /'
	fi
	echo
	echo "git bisect log:"
	sed 's/^/  /' "$bdir/bisect.log"
} >"$bdir/bisect.txt"
cat "$bdir/bisect.txt"
echo "==> bisect: ${bdir#"$GUPR_TOP"/}/bisect.txt" >&2
if [ -n "$first" ]; then exit 0; fi
case $rc in 129|130|143) exit $rc ;; esac
# a step met an error of the machine (host_abort): not "could not decide"
[ -e "$bdir/.host-error" ] && { rm -f "$bdir/.host-error"; exit "$GUPR_HOST_RC"; }
exit 125
