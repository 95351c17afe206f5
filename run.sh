#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh - reproduce the GUP-after-writeback bug in a disposable QEMU VM.
#
# Builds what is stale, boots a real Debian kernel with -snapshot on a fresh
# scratch ext4 image, runs a gup-repro scenario inside, and prints a verdict
# with the kernel's own warning.  Exit status follows `git bisect run`:
#   1 REPRODUCED, 0 NOT REPRODUCED, 125 COULD NOT TEST,
#   128 bad usage or unusable host (stops a bisection instead of
#       marking the commit bad).
set -u
t_start=$EPOCHREALTIME
GUPR_TOP=$(cd "$(dirname "$0")" && pwd)
. "$GUPR_TOP/vm-images/lib.sh"

usage() {
	cat <<EOF
usage: ./run.sh [options]
       ./run.sh matrix [matrix options]      (./run.sh matrix --help)
       ./run.sh kernel-config TREE [--build] (./run.sh kernel-config --help)
       ./run.sh bisect --tree TREE --good REV --bad REV [...] (--help)
       ./run.sh compare --tree TREE --base REV (--patch FILE...|--head REV) (--help)
       ./run.sh report RUN_DIR [--mbox]       (./run.sh report --help)
       ./run.sh cache [list|prune [--all]]   (./run.sh cache --help)
       ./run.sh fstests-export --trigger NAME --to DIR (--help)
       ./run.sh fstests --fstests DIR [options] TEST... (--help)

Boots a throw-away VM on a real kernel (Debian's, or a tree you built),
runs a scenario with the gup_repro test module and prints the verdict.

  -s, --scenario NAME  scenario to run (default: $GUPR_DEFAULT_SCENARIO; --list shows all)
      --steps LIST     run a custom comma-separated list of steps instead
  -p, --pages N        pages to map and pin, 1..512 (default: 1)
  -k, --kernel SPEC    guest kernel: debian:bullseye (5.10), debian:bookworm
                       (6.1, default), debian:trixie (6.12), debian:sid
                       (newest): the suite's newest cloud-amd64 kernel; or a
                       kernel release such as 6.1.0-56-cloud-amd64, or a
                       Debian package version such as 6.1.192-2; or
                       the path of a kernel tree (or its O= build
                       directory) configured and built with
                       ./run.sh kernel-config TREE --build; or
                       prepared:DIR, a kernel ./run.sh bisect prepared
                       (image, record, initramfs: no tree needed)
      --build          with --kernel TREE: rebuild the tree first
                       (olddefconfig, make bzImage modules; a failed
                       build is COULD NOT TEST) - for git bisect run
  -f, --fs FS          scratch filesystem: ext4 (default), xfs, btrfs, tmpfs
  -t, --timeout SEC    give up on the guest after SEC seconds (10..86400,
                       default: 300)
  -o, --out DIR        run directory (default: out/<timestamp>-<scenario>,
                       or <that>.1, .2, ... when another run has it); an
                       existing DIR must be empty, or a previous run directory
                       named with --force (its files are replaced); a DIR
                       another run is in is refused
      --force          let --out reuse a previous run directory
      --no-trace       do not run the BPF probes (pintrace) in the guest
      --boot           boot the guest: do not resume a saved one (by default
                       a run resumes a snapshot of the guest taken just
                       before the scenario's first step, made on first use
                       and kept in the cache: docs/snapshots.md;
                       GUP_REPRO_SNAPSHOT=0 does the same)
      --no-integrity   skip the data-integrity check (driver read-back) and
                       the filesystem checker on the scratch image
      --keep           keep the scratch disk image in the run directory
  -v, --verbose        show build output and the guest console as it runs,
                       and at the end where the time went (phases.txt)
  -l, --list           list scenarios, triggers and steps
      --exec PROGRAM   run PROGRAM (a static x86-64 binary or a #!/bin/sh
                       script, at most 64 MiB; with --rootfs debian any
                       x86-64 program or #! script) in the traced guest
                       instead of the driver, without gup_repro.ko;
                       environment: docs/triggers.md
      --exec-arg ARG   an argument for PROGRAM (repeatable; printable: no
                       newline, tab or other control character)
      --rootfs KIND    the guest's userland: busybox (default: the
                       initramfs alone, the fast path) or debian (the same
                       kernel and run on a Debian root file system of the
                       kernel's suite, bookworm for a tree: the Essential
                       packages - bash, coreutils, perl-base, libc - and
                       kmod, procps; built once by mmdebstrap, cached by
                       suite and package list; docs/rootfs.md)
      --exec-pkgs LIST with --rootfs debian: more Debian packages in the
                       image (comma-separated, e.g. xfsprogs,fio; another
                       list is another cached image)
      --slow-dev MS    give the guest /dev/nullb0, a null_blk disk whose
                       requests complete MS ms late (1..10000; the
                       *-delayed triggers default to their own)
      --fault NAME     with a module-free trigger: inject NAME inside its
                       window (reclaim, cold, drop-caches, truncate,
                       punch-hole; docs/triggers.md); an --exec program
                       gets it as \$GUPR_FAULT
      --repeat N       N runs (1..1000), each in a fresh VM, and one verdict
                       with the count per verdict, the reproduction rate and
                       its 95% Wilson interval; exit 1 if any run
                       reproduced, else 125 if any could not be tested
  -h, --help           this text

Environment: GUP_REPRO_MIRROR / GUP_REPRO_SECURITY_MIRROR override the
Debian archive URIs taken from the host's apt sources; GUP_REPRO_ACCEL=tcg
forces TCG; XDG_CACHE_HOME (or GUP_REPRO_CACHE) sets the kernel cache;
GUP_REPRO_SMP (1..8, default 2; 1 in matrix cells) is the guest's vCPU count;
GUP_REPRO_STALL (default 60) is how many seconds of console silence make a
hung guest; GUP_REPRO_SERIAL_MAX_MB (default 64) bounds each serial file.
Paths (of options, TMPDIR, GUP_REPRO_CACHE, GUP_REPRO_BUILD) may have no
white space or control character: such a path is refused (docs/safety.md).

Exit: 1 reproduced (or ordering violated), 0 not reproduced (or the pin
was refused: mitigated), 125 could not test, 128 bad usage or an error
of the machine (a read-only or full cache, build or output directory, a
chroot: one line says which and what to do).
Artifacts: out/<timestamp>-<scenario>/ (console.log, steps.jsonl,
guest.log, verdict.txt, run.txt; traced: events.jsonl, report.txt,
trace.json, timeline.svg, ordering.txt).
EOF
}

bad_usage() {
	echo "run.sh: $*" >&2
	echo "Try './run.sh --help'." >&2
	exit 128
}

case "${1:-}" in
matrix|kernel-config|bisect|compare|report|fstests-export|fstests|cache)
	sub=$1; shift
	exec "$GUPR_TOP/vm-images/$sub.sh" "$@" ;;
esac

scenario="" steps="" pages=1 kernel=$GUPR_DEFAULT_KERNEL timeout=300 keep=0 list=0 trace=1 fs=$GUPR_DEFAULT_FS outdir="" build=0 force=0 integrity=1
# --- triggers: --exec, --exec-arg, --slow-dev, --repeat ---
exec_prog="" exec_given=0 exec_args=() rootfs=busybox exec_pkgs="" pkgs_given=0 slowdev="" slowdev_given=0 repeat="" repeat_given=0 fault="" orig_args=("$@")
# --- end triggers ---
while [ $# -gt 0 ]; do
	case "$1" in
	--exec) [ $# -ge 2 ] || bad_usage "$1 needs a program"; exec_prog=$2; exec_given=1; shift 2 ;;
	--exec=*) exec_prog=${1#*=}; exec_given=1; shift ;;
	--exec-arg) [ $# -ge 2 ] || bad_usage "$1 needs an argument"; exec_args+=("$2"); shift 2 ;;
	--exec-arg=*) exec_args+=("${1#*=}"); shift ;;
	--rootfs) [ $# -ge 2 ] || bad_usage "$1 needs busybox or debian"; rootfs=$2; shift 2 ;;
	--rootfs=*) rootfs=${1#*=}; shift ;;
	--exec-pkgs) [ $# -ge 2 ] || bad_usage "$1 needs a package list"; exec_pkgs=$2; pkgs_given=1; shift 2 ;;
	--exec-pkgs=*) exec_pkgs=${1#*=}; pkgs_given=1; shift ;;
	--slow-dev) [ $# -ge 2 ] || bad_usage "$1 needs milliseconds"; slowdev=$2; slowdev_given=1; shift 2 ;;
	--slow-dev=*) slowdev=${1#*=}; slowdev_given=1; shift ;;
	--fault) [ $# -ge 2 ] || bad_usage "$1 needs a fault name"; fault=$2; shift 2 ;;
	--fault=*) fault=${1#*=}; shift ;;
	--repeat) [ $# -ge 2 ] || bad_usage "$1 needs a number"; repeat=$2; repeat_given=1; shift 2 ;;
	--repeat=*) repeat=${1#*=}; repeat_given=1; shift ;;
	-s|--scenario) [ $# -ge 2 ] || bad_usage "$1 needs a scenario name"; scenario=$2; shift 2 ;;
	--scenario=*) scenario=${1#*=}; shift ;;
	--steps) [ $# -ge 2 ] || bad_usage "$1 needs a step list"; steps=$2; shift 2 ;;
	--steps=*) steps=${1#*=}; shift ;;
	-p|--pages) [ $# -ge 2 ] || bad_usage "$1 needs a number"; pages=$2; shift 2 ;;
	--pages=*) pages=${1#*=}; shift ;;
	-k|--kernel) [ $# -ge 2 ] || bad_usage "$1 needs a kernel"; kernel=$2; shift 2 ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	-f|--fs) [ $# -ge 2 ] || bad_usage "$1 needs a filesystem"; fs=$2; shift 2 ;;
	--fs=*) fs=${1#*=}; shift ;;
	-o|--out) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; outdir=$2; shift 2 ;;
	--out=*) outdir=${1#*=}; shift ;;
	-t|--timeout) [ $# -ge 2 ] || bad_usage "$1 needs seconds"; timeout=$2; shift 2 ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--keep) keep=1; shift ;;
	--boot) export GUP_REPRO_SNAPSHOT=0; shift ;;
	--force) force=1; shift ;;
	--build) build=1; shift ;;
	--no-trace) trace=0; shift ;;
	--no-integrity) integrity=0; shift ;;
	-v|--verbose) GUPR_VERBOSE=1; shift ;;
	-l|--list) list=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) bad_usage "unknown option '$1'" ;;
	esac
done
# every path, before anything starts
why=$(gupr_paths_ok --out "$outdir" --exec "$exec_prog") && why=$(gupr_kernel_path_ok --kernel "$kernel") ||
	bad_usage "$why"
why=$(gupr_number --timeout "$timeout" 10 86400) || bad_usage "$why (seconds)"
if [ -n "${GUP_REPRO_SMP:-}" ]; then
	why=$(gupr_number GUP_REPRO_SMP "$GUP_REPRO_SMP" 1 8) || bad_usage "$why (vCPUs)"
fi
why=$(gupr_number --pages "$pages" 1 512) || bad_usage "$why"
[ -n "$scenario" ] && [ -n "$steps" ] && bad_usage "--scenario and --steps are exclusive"
gupr_in_list "$fs" "$GUPR_FILESYSTEMS" || bad_usage "--fs takes $(gupr_or_list "$GUPR_FILESYSTEMS"), not '$fs'"
# out_lock DIR: hold a lock on the run directory DIR (flock on the
# directory itself, kept by this run and what it starts until they end):
# another run naming DIR is refused while this one is in it.
out_lock() {
	exec {out_fd}<"$1" || bad_usage "cannot open the run directory $1"
	flock -n "$out_fd" || bad_usage "--out $1 is in use by another run"
}
# out_dir DIR: make --out DIR the run's directory: OUT_DIR, its absolute
# path, locked (out_lock).  An existing DIR must be empty, or a run
# directory (run.txt or verdict.txt) the user named with --force: never
# overwrite or delete files of a directory that is not ours.
out_dir() {
	mkdir -p -- "$1" 2>/dev/null && OUT_DIR=$(cd "$1" && pwd) || bad_usage "cannot create --out $1"
	out_lock "$OUT_DIR"
	if [ -n "$(ls -A "$OUT_DIR" 2>/dev/null)" ]; then
		[ -e "$1/run.txt" ] || [ -e "$1/verdict.txt" ] ||
			bad_usage "--out $1 is not empty and not a gup-repro run directory"
		[ "$force" = 1 ] || bad_usage "--out $1 holds a previous run: add --force to replace it"
		find "$OUT_DIR" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + ||
			bad_usage "cannot empty --out $1"
	fi
}
# new_out NAME: without --out, a new run directory out/<timestamp>-NAME
# (gupr_run_dir: unique even for runs started in the same second) as
# OUT_DIR, locked.
new_out() {
	OUT_DIR=$(gupr_run_dir "$GUPR_TOP/out" "$(date +%Y%m%d-%H%M%S)-$1") || bad_usage "$OUT_DIR"
	out_lock "$OUT_DIR"
}
# --- triggers: checked before anything is built or booted ---
if [ "$repeat_given" = 1 ]; then
	why=$(gupr_number --repeat "$repeat" 1 1000) || bad_usage "$why"
fi
if [ "$slowdev_given" = 1 ]; then
	why=$(gupr_number --slow-dev "$slowdev" 1 10000) || bad_usage "$why (milliseconds)"
fi
gupr_in_list "$rootfs" "$GUPR_ROOTFS_KINDS" || bad_usage "--rootfs takes $(gupr_or_list "$GUPR_ROOTFS_KINDS"), not '$rootfs'"
if [ "$pkgs_given" = 1 ]; then
	[ "$rootfs" = debian ] || bad_usage "--exec-pkgs goes with --rootfs debian (the busybox initramfs has no packages)"
	[ -n "$exec_pkgs" ] || bad_usage "--exec-pkgs needs a package list"
fi
if [ "$rootfs" = debian ]; then
	rootfs_pkgs=$(gupr_rootfs_pkgs "$exec_pkgs") || bad_usage "--exec-pkgs: $rootfs_pkgs"
fi
if [ "$exec_given" = 1 ]; then
	[ -z "$scenario" ] && [ -z "$steps" ] || bad_usage "--exec runs your program instead of a scenario: it does not go with --scenario or --steps"
	[ -n "$exec_prog" ] || bad_usage "--exec needs a program"
	why=$(gupr_exec_check "$exec_prog" "$rootfs") || bad_usage "--exec: $why"
	# the guest reads the arguments one a line, run.txt names them
	for a in "${exec_args[@]}"; do
		gupr_has_ctl "$a" && bad_usage "--exec-arg ${a@Q} has a control character in it (newline, tab, ...): the guest takes printable arguments only"
	done
	exec_prog=$(cd "$(dirname "$exec_prog")" && pwd)/$(basename "$exec_prog")
elif [ ${#exec_args[@]} -gt 0 ]; then
	bad_usage "--exec-arg goes with --exec"
fi
trigger=""
if [ "$exec_given" = 1 ]; then
	trigger=exec
elif gupr_is_trigger "$scenario"; then
	trigger=$scenario
	[ -n "$slowdev" ] || slowdev=$(gupr_trigger_meta "$trigger" slow-dev)
fi
if [ -n "$fault" ]; then
	[ -n "$trigger" ] || bad_usage "--fault goes with a module-free trigger or --exec; a scenario of the driver takes fault steps in --steps (e.g. --steps ...,reclaim,...)"
	case "$fault" in ''|*[!a-z-]*) bad_usage "--fault: '$fault' is not a fault name" ;; esac
fi
# --repeat N: N runs of this very command line, each in a fresh VM and its
# own run directory (run-01, ...), then one verdict over all of them.
if [ -n "$repeat" ]; then
	rargs=() skip=0
	for a in "${orig_args[@]}"; do
		if [ $skip = 1 ]; then skip=0; continue; fi
		case "$a" in
		--repeat|-o|--out) skip=1 ;;
		--repeat=*|--out=*) ;;
		*) rargs+=("$a") ;;
		esac
	done
	name=${scenario:-${steps:+custom}}
	[ "$trigger" = exec ] && name=exec-$(basename "$exec_prog")
	name=${name:-unlocked-dirty}
	if [ -n "$outdir" ]; then out_dir "$outdir"; else new_out "$name-x$repeat"; fi
	rdir=$OUT_DIR
	# an interrupt stops the run in flight and the repeats
	trap 'gupr_kill_tree $$; echo "run.sh: interrupted" >&2; exit 130' INT
	trap 'gupr_kill_tree $$; exit 143' TERM
	trap 'gupr_kill_tree $$; exit 129' HUP
	tr0=$(date +%s.%N)
	for i in $(seq 1 "$repeat"); do
		i=$(printf %02d "$i")
		"$0" "${rargs[@]}" --out "$rdir/run-$i" >"$rdir/run-$i.out" 2>&1
		rc=$?
		[ $rc = 128 ] && { cat "$rdir/run-$i.out" >&2; exit 128; }
		printf '==> run %s/%s: %s (exit %s)\n' "$i" "$repeat" \
			"$(sed -n 's/^verdict: //p' "$rdir/run-$i/verdict.txt" 2>/dev/null | head -n 1)" "$rc" >&2
	done
	# one verdict over the runs, written by the decider
	"$GUPR_HOST/gup-repro-verdict" --repeat-dir "$rdir" --runs "$repeat" \
		--seconds "$(awk -v a="$tr0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
	rc=$?
	echo "==> artifacts: ${rdir#"$GUPR_TOP"/}" >&2
	exit $rc
fi
# --- end triggers ---

# the machine itself: cache, build and output directories writable, not full
gupr_host_preflight "${outdir:-$GUPR_TOP/out}"
t0=$(date +%s.%N)
gupr_mark startup
exec 3>&2
GUPR_SAY_FD=3
phase_now=setup
phase() { phase_now=${1%%[: ]*}; printf '==> %s\n' "$*" >&2; }

# Host: packages, then the user-space tools (make rebuilds only what changed).
# A matrix cell (GUPR_MATRIX_CELL=1) finds both done by the matrix.
if [ "${GUPR_MATRIX_CELL:-0}" != 1 ]; then
	"$GUPR_TOP/vm-images/host-deps.sh" || exit 128
	gupr_mark host-deps
	make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh: building the host tools failed" >&2; exit 128; }
	gupr_mark make
fi

if [ "$list" = 1 ]; then
	"$GUPR_HOST/gup-repro" --list
	gupr_trigger_list
	exit 0
fi
# Let the driver check the scenario, steps and pages before anything boots.
drv_args=(--pages "$pages")
if [ -n "$steps" ]; then drv_args+=(--steps "$steps"); else drv_args+=(--scenario "${scenario:=$GUPR_DEFAULT_SCENARIO}"); fi
if [ -n "$trigger" ]; then
	# --- triggers: a program instead of the driver's steps ---
	[ -x "$GUPR_HOST/triggers/$trigger" ] || [ "$trigger" = exec ] ||
		bad_usage "trigger $trigger was not built (make host)"
	if [ -n "$fault" ]; then
		why=$(gupr_fault_check "$fault") || bad_usage "--fault: $why"
	fi
	plan_steps="trigger $trigger${fault:+ (fault $fault in its window)}"
	[ "$trigger" = exec ] && plan_steps="exec $exec_prog${exec_args[*]:+ ${exec_args[*]}}"
	name=$trigger
	[ "$trigger" = exec ] && name=exec-$(basename "$exec_prog")
else
	plan=$("$GUPR_HOST/gup-repro" --dry-run "${drv_args[@]}") || exit 128
	plan_steps=$(printf '%s\n' "$plan" | head -n1 | sed 's/.*steps=//')
	name=${scenario:-custom}
fi
gupr_mark dry-run
kind=$(gupr_kernel_spec_kind "$kernel") || bad_usage "--kernel '$kernel': expected $GUPR_KERNEL_SPEC_FORMS"
[ "$build" = 0 ] || [ "$kind" = tree ] || bad_usage "--build goes with --kernel TREE"
[ "$rootfs" = busybox ] || [ "$kind" != prepared ] ||
	bad_usage "--rootfs debian needs the kernel's modules: not with a prepared kernel (prepared:DIR)"

if [ -n "$outdir" ]; then out_dir "$outdir"; else new_out "$name"; fi
out=$OUT_DIR
GUPR_LOG="$out/build.log"
gupr_mark out-dir

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# decide ARGS: the run's verdict, written to verdict.txt by the one decider
# (gup-repro-verdict reads every oracle of the run directory); the shell
# never writes a verdict line itself.
decide() {
	local -a a=(--dir "$out")
	[ -n "${KLABEL:-}" ] && a+=(--kernel-label "$KLABEL")
	[ -n "${trace_note:-}" ] && a+=(--trace-note "$trace_note")
	"$GUPR_HOST/gup-repro-verdict" "${a[@]}" "$@"
}

finish() {	# finish RC: print the verdict file and exit with RC
	trap - EXIT
	cat "$out/verdict.txt"
	printf '==> artifacts: %s (%s s)\n' "${out#"$GUPR_TOP"/}" "$(elapsed "$t0")" >&2
	# (a run stopped before the guest has no run.txt: none is begun here)
	[ -s "$out/run.txt" ] && echo "seconds: $(elapsed "$t0")" >>"$out/run.txt"
	gupr_mark finish
	gupr_phases "$out" "$t_start"
	[ "$GUPR_VERBOSE" = 1 ] && sed 's/^/==> phase: /' "$out/phases.txt" >&2
	exit "$1"
}

# Whatever stops us before the verdict (kernel fetch, module build, mkfs)
# still leaves a verdict: COULD NOT TEST with the reason.
on_early_exit() {
	local rc=$? why
	exec 2>&3
	[ -e "$out/verdict.txt" ] && return
	why=$(grep -h '^gup-repro: error: ' "$out/build.log" 2>/dev/null | tail -n 1 | sed 's/^gup-repro: error: //')
	[ -n "$why" ] || why="preparing the guest failed (exit $rc, see build.log)"
	if [ "$rc" = 2 ]; then
		echo "run.sh: $why" >&2
		exit 128
	fi
	host_fault "$why"
	tail -n 30 "$out/build.log" >&2
	decide --error "$why" >/dev/null
	finish 125
}
trap on_early_exit EXIT

# host_fault WHY: when what stopped the run (WHY, build.log) is the
# machine's, not the kernel's (gupr_host_fault: a read-only or full file
# system, a chroot), say so in one line, leave no half-written file in
# the run directory, and exit GUPR_HOST_RC: a bisection stops instead of
# skipping the commit.  Returns when the failure is not the machine's.
host_fault() {
	local what
	what=$(printf '%s\n' "$1" | cat - "$out/build.log" 2>/dev/null | gupr_host_fault /dev/stdin "$out") || return 0
	rm -f "$out/scratch.img" "$out/initrd.exec.img" "$out"/*.tmp "$out"/.*.tmp
	[ -s "$out/run.txt" ] || rm -f "$out/run.txt"
	echo "run.sh: host error: $what" >&2
	exit "$GUPR_HOST_RC"
}

# SIGINT, SIGTERM, SIGHUP at any phase: stop everything this run started
# (QEMU is in timeout(1)'s own process group: gupr_kill_tree finds it by
# parentage), leave a COULD NOT TEST verdict saying so, exit 128+signal
# (not 125: an interrupted bisection stops instead of skipping).
interrupted() {
	trap - INT TERM HUP
	exec 2>&3
	gupr_kill_tree $$
	decide --interrupted "$1" --phase "$phase_now" >/dev/null
	echo "run.sh: interrupted by SIG$1 during $phase_now; everything it started is stopped" >&2
	finish "$2"
}
trap 'interrupted INT 130' INT
trap 'interrupted TERM 143' TERM
trap 'interrupted HUP 129' HUP

phase "kernel: $kernel"
[ "$build" = 1 ] && gupr_tree_rebuild "$kernel" 2>>"$out/build.log"
gupr_kernel "$kernel" 2>>"$out/build.log"
# A tree may lack what this run needs (Debian's kernels have it all): say
# which options before building anything for it.
lacks=$(gupr_kernel_lacks boot "fs=$fs" "scenario=$name" $([ "$fs" = tmpfs ] || echo disk) \
	$([ "$rootfs" = debian ] && echo disk fs=ext4))
if [ -n "$lacks" ]; then
	printf '%s\n' "$lacks" | awk -F'\t' '{ print "gup-repro: the kernel lacks " $1 ": " $2 }' >>"$out/build.log"
	echo "gup-repro: error: the kernel lacks $(printf '%s\n' "$lacks" | cut -f1 | tr '\n' ' ' | sed 's/ $//') (see vm-images/guest.config and ./run.sh kernel-config)" >>"$out/build.log"
	exit 125
fi
gupr_mark kernel
if ! gupr_prepare "$kernel" 2>>"$out/build.log"; then
	echo "gup-repro: error: module build failed for $KREL (see build.log)" >>"$out/build.log"
	exit 125
fi
gupr_mark prepare
# --rootfs debian: the userland image (built once per suite and package
# list) and the kernel's modules beside it, as disks of the boot
if [ "$rootfs" = debian ]; then
	gupr_rootfs_prepare "$rootfs_pkgs" 2>>"$out/build.log"
	gupr_rootfs_attach 2>>"$out/build.log"
	[ "$trigger" != exec ] || gupr_rootfs_exec_check "$exec_prog" 2>>"$out/build.log"
	gupr_mark rootfs
fi
trace_note=""
if [ "$trace" = 1 ]; then
	if [ -n "${KBTF_WHY:-}" ]; then
		trace=0 trace_note="unavailable: $KBTF_WHY"
	else
		lacks=$(gupr_kernel_lacks trace)
		[ -z "$lacks" ] || trace=0 trace_note="unavailable: $(printf '%s\n' "$lacks" | cut -f1 | tr '\n' ' ' | sed 's/ $//') not set"
	fi
	[ -n "$trace_note" ] && phase "trace: $trace_note; running untraced"
fi

# The guest's command line: what the guest is before the scenario's first
# step (fixed: a snapshot's key; vm-images/lib/snapshot.sh), then what
# this run does (run: a resumed guest reads it from its command disk).
fixed="gupr.mode=scenario gupr.pages=$pages gupr.trace=$trace gupr.fs=$fs"
[ -n "$trigger" ] && fixed+=" gupr.module=0"
[ -n "$slowdev" ] && fixed+=" gupr.slowdev=$slowdev"
[ "$rootfs" = debian ] && fixed+=" gupr.rootfs=debian"
run=""
[ "$integrity" = 1 ] || run+=" gupr.integrity=0"
if [ -n "$trigger" ]; then run+=" gupr.trigger=$trigger"
elif [ -n "$steps" ]; then run+=" gupr.steps=$steps"; else run+=" gupr.scenario=$scenario"; fi
[ -n "$fault" ] && run+=" gupr.fault=$fault"
run=${run# }
cmdline="$fixed $run"
# Resume a snapshot where one can be made (the module-free runs share one,
# with the tools part: an --exec program comes on the command disk)
snap_why="" SNAP=""
accel_hint=tcg; gupr_kvm_usable && accel_hint=kvm
phase_now=boot	# making a snapshot boots the guest
if gupr_snapshot_usable snap_why "$fs" "$rootfs" "$([ "$trigger" = exec ] && stat -c %s "$exec_prog")"; then
	INITRD=$(gupr_initrd_for "$fs" $([ -n "$trigger" ] && echo tools))
	[ -s "$INITRD" ] && gupr_snapshot_get "$fixed" "$fs" "$pages" "$timeout" "$accel_hint" 2>>"$out/build.log" ||
		{ snap_why=${SNAP_WHY:-"no initramfs for --fs $fs with the tools part"}; SNAP=""; }
	[ -z "$SNAP" ] && gupr_say "==> snapshot: none ($snap_why); booting"
fi
gupr_mark snapshot
if [ -z "$SNAP" ]; then
	# the initramfs parts this run needs (the triggers are in the tools part)
	INITRD=$(gupr_initrd_for "$fs" $([ -n "$trigger" ] && [ "$trigger" != exec ] && echo tools))
	[ -s "$INITRD" ] || GUPR_DIE_RC=2 gupr_die "no initramfs for --fs $fs${trigger:+ with a trigger}: $INITRD (a prepared kernel has only the one for its filesystem)" 2>>"$out/build.log"
	if [ "$trigger" = exec ]; then
		gupr_exec_initrd "$INITRD" "$exec_prog" "$out/initrd.exec.img" "${exec_args[@]}" 2>>"$out/build.log"
		INITRD="$out/initrd.exec.img"
	fi
fi

disk="$out/scratch.img"
if [ "$fs" = tmpfs ]; then
	[ -n "$SNAP" ] || phase "scratch: tmpfs in the guest with the victim file ($pages page(s))"
	disk=""
elif [ -z "$SNAP" ]; then
	phase "scratch: fresh $fs image with the victim file ($pages page(s))"
fi
[ -n "$SNAP" ] || gupr_make_scratch "$out/scratch.img" "$pages" "$fs"
gupr_mark mkfs

tail_pid=""
if [ "$GUPR_VERBOSE" = 1 ]; then
	( sleep 0.2; exec tail -n +1 -F "$out/console.log" 2>/dev/null ) >&2 &
	tail_pid=$!
fi
tb=$(date +%s.%N)
start="boot${snap_why:+ ($snap_why)}"
if [ -n "$SNAP" ]; then
	phase "resume: $KREL ($KVERSION) under QEMU/$accel_hint from snapshot ${SNAP##*/}, scenario $name, timeout ${timeout}s"
	gupr_snapshot_resume "$out" "$timeout" "$fixed" "$run" "$disk" "$accel_hint" \
		$([ "$trigger" = exec ] && printf '%s\n' "$exec_prog") "${exec_args[@]}"
	start="snapshot ${SNAP##*/} (resumed)"
	if [ "$BOOT_STATUS" = restore-failed ]; then
		# QEMU changed, or the file is damaged: remove it, boot, say so once
		gupr_say "==> snapshot: ${SNAP##*/} could not be restored ($(grep -i 'migration\|incoming\|ramblock\|vmstate\|state.zst' "$out/qemu.log" | tail -n 1)); removed; booting"
		rm -rf --one-file-system "$SNAP"
		start="boot (snapshot ${SNAP##*/} could not be restored: removed)"
		SNAP=""
		INITRD=$(gupr_initrd_for "$fs" $([ -n "$trigger" ] && [ "$trigger" != exec ] && echo tools))
		[ "$trigger" != exec ] || { gupr_exec_initrd "$INITRD" "$exec_prog" "$out/initrd.exec.img" "${exec_args[@]}" 2>>"$out/build.log"; INITRD="$out/initrd.exec.img"; }
		gupr_make_scratch "$out/scratch.img" "$pages" "$fs"
	fi
fi
if [ -z "$SNAP" ]; then
	phase "boot: $KREL ($KVERSION) under QEMU/$accel_hint, scenario $name,${ROOTFS_SUITE:+ Debian $ROOTFS_SUITE userland,} timeout ${timeout}s"
	gupr_boot "$out" "$timeout" "$cmdline" "$disk"
fi
tboot=$(elapsed "$tb")
gupr_mark qemu
[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
# The filesystem's own checker, read-only, on the image the guest wrote
# (the verdict counts it only after a clean unmount in the guest).
tf=$(date +%s.%N)
if [ "$integrity" = 1 ]; then
	gupr_fsck "$out/scratch.img" "$fs" "$out/fsck.txt"
else
	echo "fsck-skipped: --no-integrity" >"$out/fsck.txt"
fi
tfsck=$(elapsed "$tf")
gupr_mark fsck
[ "$keep" = 1 ] || rm -f "$out/scratch.img"
# The driver's data-integrity records, per page (steps.jsonl has them too).
grep -a '^{"event":"integrity' "$out/steps.jsonl" >"$out/integrity.jsonl" 2>/dev/null || rm -f "$out/integrity.jsonl"
rm -f "$out/initrd.exec.img"
[ -n "$trigger" ] && gupr_exec_outputs "$out/guest.log" "$out"

{
	echo "scenario: $name"
	echo "fs: $fs"
	echo "steps: $plan_steps"
	echo "kernel: $KREL"
	echo "kernel-package: $KLABEL"
	if [ "$KSOURCE" = tree ]; then
		echo "kernel-tree: $KTREE"
		echo "kernel-build: $KDIR"
		echo "kernel-describe: $KVERSION"
		echo "kernel-commit: $KCOMMIT"
		echo "kernel-subject: $KSUBJECT"
		echo "kernel-state: $KSTATE"
		echo "kernel-config: sha256:$KCONFIG_HASH"
	fi
	[ -n "${KPREPARED:-}" ] && echo "kernel-prepared: $KPREPARED"
	[ -n "$trace_note" ] && echo "trace: $trace_note"
	if [ -n "$trigger" ]; then
		echo "module: not loaded (module-free $([ "$trigger" = exec ] && echo "--exec program" || echo "trigger repro-user/guest/triggers/$trigger.c"))"
		[ "$trigger" = exec ] && echo "exec: $exec_prog" && echo "exec-args: ${exec_args[*]}"
		echo "exec-status: $(cat "$out/exec.rc" 2>/dev/null)"
	else
		echo "module: gup_repro.ko loaded"
	fi
	[ -n "$slowdev" ] && echo "slow-dev: /dev/nullb0 null_blk completion ${slowdev} ms"
	[ -n "$fault" ] && echo "fault: $fault (in the trigger's window)"
	# what a report names (./run.sh report) and a bisection compares
	echo "kernel-config-options: $(gupr_config_summary "$KCONFIG")"
	echo "kernel-compiler: $(gupr_config_value "$KCONFIG" CONFIG_CC_VERSION_TEXT)"
	echo "kernel-cmdline: $GUPR_BOOT_CMDLINE $cmdline"
	echo "page-size: $(getconf PAGESIZE)"
	if [ "$rootfs" = debian ]; then
		echo "rootfs: debian $ROOTFS_SUITE ($rootfs_pkgs)"
		echo "rootfs-image: $ROOTFS_IMG"
	fi
	echo "accel: $BOOT_ACCEL"
	echo "vcpus: ${GUP_REPRO_SMP:-2}"
	if [ "${KBOOT:-$VMLINUZ}" = "$VMLINUZ" ]; then echo "boot-image: ${VMLINUZ##*/} (compressed)"
	else echo "boot-image: ${KBOOT##*/} (uncompressed, PVH entry)"; fi
	echo "start: $start"
	echo "boot-status: $BOOT_STATUS${BOOT_DETAIL:+ ($BOOT_DETAIL)}"
	echo "boot-attempts: $BOOT_ATTEMPTS"
	echo "boot-seconds: $tboot"
	echo "fsck-seconds: $tfsck"
	echo "cmdline: $cmdline"
} >"$out/run.txt"

# The driver's human step lines, in the order the guest printed them
# (the traced timeline below repeats them with the kernel's events).
[ "$trace" = 1 ] || tr -d '\r' <"$out/console.log" | grep -E '^\[ ?[0-9]+\] [a-z-]+ ' >&2
phase "verdict (guest: $BOOT_STATUS after ${tboot}s under $BOOT_ACCEL)"
# The ordering as the BPF probes saw it (ordering.txt, the checker's oracle;
# the short timeline here; trace.json and timeline.svg), then the verdict
# from every oracle, then report.txt rendered from that verdict.
report_args=()
if [ "$trace" = 1 ] && [ -s "$out/events.jsonl" ]; then
	report_args=(--events "$out/events.jsonl" --steps "$out/steps.jsonl" --run "$out/run.txt"
		     --guest "$out/guest.log" --out "$out")
	"$GUPR_HOST/pintrace-report" "${report_args[@]}" --no-report >"$out/timeline.txt" 2>>"$out/build.log"
	cat "$out/timeline.txt" >&2
	gupr_mark timeline
elif [ "$trace" = 1 ]; then
	echo "==> trace: no events recorded (see guest.log: trace=)" >&2
fi
decide --boot-status "$BOOT_STATUS" >/dev/null
rc=$?
case $rc in
0|1|125) ;;
*) host_fault "the verdict could not be written"
   decide --error "the verdict could not be decided (gup-repro-verdict exit $rc)" >/dev/null; rc=125 ;;
esac
gupr_mark verdict
if [ ${#report_args[@]} -gt 0 ]; then
	"$GUPR_HOST/pintrace-report" "${report_args[@]}" --verdict "$out/verdict.txt" --report-only \
		>/dev/null 2>>"$out/build.log"
	gupr_mark report
fi
finish $rc
