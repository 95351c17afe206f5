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
#
# main runs the steps below in order.  The options are one associative
# array (run_opt: run_parse, checked by run_check_*), the run's state
# another (run_st: its directory, the phase, the guest's command line, the
# snapshot, times), the boot's outcome a third (run_boot: gupr_boot's
# BOOT_*); the functions are given their names.  The kernel is the
# library's record (kernel.sh: KREL, KLABEL, ...).
# shellcheck disable=SC2178  # local -n to the arrays: shellcheck takes the nameref for a string
set -u
run_t0=$EPOCHREALTIME	# the run's start, before the library is read (phases.txt)
GUPR_TOP=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm-images/lib.sh
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

# --- the command line -----------------------------------------------------------

# run_parse OPT XARGS ARG...: the options ARG into the associative array
# OPT (the keys below, defaults first) and the --exec-arg arguments into
# the array XARGS; --help prints the usage and exits.
run_parse() {
	local -n _opt=$1 _xargs=$2
	local names=("$1" "$2")
	shift 2
	_opt=([scenario]="" [steps]="" [pages]=1 [kernel]=$GUPR_DEFAULT_KERNEL [timeout]=300 [keep]=0
	      [list]=0 [trace]=1 [fs]=$GUPR_DEFAULT_FS [out]="" [build]=0 [force]=0 [integrity]=1
	      [boot]=0 [verbose]=0 [exec]="" [exec_given]=0 [rootfs]=busybox [exec_pkgs]="" [pkgs_given]=0
	      [slowdev]="" [slowdev_given]=0 [repeat]="" [repeat_given]=0 [fault]="")
	_xargs=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--*=*) run_opt_value "${names[@]}" "$1" "${1#*=}" || bad_usage "unknown option '$1'"; shift ;;
		--exec|--exec-arg|--rootfs|--exec-pkgs|--slow-dev|--fault|--repeat|-s|--scenario|--steps|\
		-p|--pages|-k|--kernel|-f|--fs|-o|--out|-t|--timeout)
			[ $# -ge 2 ] || bad_usage "$1 needs $(run_opt_needs "$1")"
			run_opt_value "${names[@]}" "$1" "$2"; shift 2 ;;
		--keep) _opt+=([keep]=1); shift ;;
		--boot) _opt+=([boot]=1); shift ;;
		--force) _opt+=([force]=1); shift ;;
		--build) _opt+=([build]=1); shift ;;
		--no-trace) _opt+=([trace]=0); shift ;;
		--no-integrity) _opt+=([integrity]=0); shift ;;
		-v|--verbose) _opt+=([verbose]=1); shift ;;
		-l|--list) _opt+=([list]=1); shift ;;
		-h|--help) usage; exit 0 ;;
		*) bad_usage "unknown option '$1'" ;;
		esac
	done
}

# run_opt_needs OPTION: what OPTION takes, for "OPTION needs ...".
run_opt_needs() {
	case "$1" in
	--exec) echo "a program" ;;
	--exec-arg) echo "an argument" ;;
	--rootfs) echo "busybox or debian" ;;
	--exec-pkgs) echo "a package list" ;;
	--slow-dev) echo "milliseconds" ;;
	--fault) echo "a fault name" ;;
	--repeat|-p|--pages) echo "a number" ;;
	-s|--scenario) echo "a scenario name" ;;
	--steps) echo "a step list" ;;
	-k|--kernel) echo "a kernel" ;;
	-f|--fs) echo "a filesystem" ;;
	-o|--out) echo "a directory" ;;
	-t|--timeout) echo "seconds" ;;
	esac
}

# run_opt_value OPT XARGS OPTION VALUE: the option OPTION (--name or
# --name=..., or its short form) with VALUE into OPT (--exec-arg: into
# XARGS), as run_parse reads them; returns 1 for an option that takes no
# value.
run_opt_value() {
	local -n _o=$1 _x=$2
	local v=$4
	case "${3%%=*}" in
	--exec) _o+=([exec]=$v [exec_given]=1) ;;
	--exec-arg) _x+=("$v") ;;
	--rootfs) _o+=([rootfs]=$v) ;;
	--exec-pkgs) _o+=([exec_pkgs]=$v [pkgs_given]=1) ;;
	--slow-dev) _o+=([slowdev]=$v [slowdev_given]=1) ;;
	--fault) _o+=([fault]=$v) ;;
	--repeat) _o+=([repeat]=$v [repeat_given]=1) ;;
	-s|--scenario) _o+=([scenario]=$v) ;;
	--steps) _o+=([steps]=$v) ;;
	-p|--pages) _o+=([pages]=$v) ;;
	-k|--kernel) _o+=([kernel]=$v) ;;
	-f|--fs) _o+=([fs]=$v) ;;
	-o|--out) _o+=([out]=$v) ;;
	-t|--timeout) _o+=([timeout]=$v) ;;
	*) return 1 ;;
	esac
}

# run_check_options OPT XARGS: the options, before anything starts: every
# path, the numbers, --scenario and --steps, --fs, --repeat, --slow-dev,
# --rootfs (run_check_rootfs), --exec and its arguments (run_check_exec);
# bad usage (exit 128) at the first that is wrong, in this order.
run_check_options() {
	local -n _o=$1
	local why
	why=$(gupr_paths_ok --out "${_o[out]}" --exec "${_o[exec]}") &&
		why=$(gupr_kernel_path_ok --kernel "${_o[kernel]}") || bad_usage "$why"
	why=$(gupr_number --timeout "${_o[timeout]}" 10 86400) || bad_usage "$why (seconds)"
	if [ -n "${GUP_REPRO_SMP:-}" ]; then
		why=$(gupr_number GUP_REPRO_SMP "$GUP_REPRO_SMP" 1 8) || bad_usage "$why (vCPUs)"
	fi
	why=$(gupr_number --pages "${_o[pages]}" 1 512) || bad_usage "$why"
	[ -n "${_o[scenario]}" ] && [ -n "${_o[steps]}" ] && bad_usage "--scenario and --steps are exclusive"
	gupr_in_list "${_o[fs]}" "$GUPR_FILESYSTEMS" ||
		bad_usage "--fs takes $(gupr_or_list "$GUPR_FILESYSTEMS"), not '${_o[fs]}'"
	if [ "${_o[repeat_given]}" = 1 ]; then
		why=$(gupr_number --repeat "${_o[repeat]}" 1 1000) || bad_usage "$why"
	fi
	if [ "${_o[slowdev_given]}" = 1 ]; then
		why=$(gupr_number --slow-dev "${_o[slowdev]}" 1 10000) || bad_usage "$why (milliseconds)"
	fi
	run_check_rootfs "$1"
	run_check_exec "$1" "$2"
}

# run_check_rootfs OPT: --rootfs is a userland gup-repro has, --exec-pkgs
# goes with --rootfs debian and names Debian packages: OPT's rootfs_pkgs,
# the image's package line (gupr_rootfs_pkgs).
run_check_rootfs() {
	local -n _o=$1
	local pkgs
	gupr_in_list "${_o[rootfs]}" "$GUPR_ROOTFS_KINDS" ||
		bad_usage "--rootfs takes $(gupr_or_list "$GUPR_ROOTFS_KINDS"), not '${_o[rootfs]}'"
	if [ "${_o[pkgs_given]}" = 1 ]; then
		[ "${_o[rootfs]}" = debian ] || bad_usage "--exec-pkgs goes with --rootfs debian (the busybox initramfs has no packages)"
		[ -n "${_o[exec_pkgs]}" ] || bad_usage "--exec-pkgs needs a package list"
	fi
	[ "${_o[rootfs]}" = debian ] || return 0
	pkgs=$(gupr_rootfs_pkgs "${_o[exec_pkgs]}") || bad_usage "--exec-pkgs: $pkgs"
	_o+=([rootfs_pkgs]=$pkgs)
}

# run_check_exec OPT XARGS: --exec names a program the guest can run, with
# printable arguments (XARGS: the guest reads them one a line, run.txt
# names them), and no scenario; OPT's exec becomes its absolute path.
run_check_exec() {
	local -n _o=$1 _x=$2
	local why a prog=${_o[exec]}
	if [ "${_o[exec_given]}" != 1 ]; then
		[ ${#_x[@]} -eq 0 ] || bad_usage "--exec-arg goes with --exec"
		return 0
	fi
	[ -z "${_o[scenario]}" ] && [ -z "${_o[steps]}" ] ||
		bad_usage "--exec runs your program instead of a scenario: it does not go with --scenario or --steps"
	[ -n "$prog" ] || bad_usage "--exec needs a program"
	why=$(gupr_exec_check "$prog" "${_o[rootfs]}") || bad_usage "--exec: $why"
	for a in "${_x[@]}"; do
		gupr_has_ctl "$a" && bad_usage "--exec-arg ${a@Q} has a control character in it (newline, tab, ...): the guest takes printable arguments only"
	done
	_o+=([exec]="$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")")
}

# run_trigger OPT: OPT's trigger: "exec" for --exec, the scenario when it
# is a module-free trigger (its slow device, unless --slow-dev, is the one
# its source names), else ""; --fault goes with a trigger.
run_trigger() {
	local -n _o=$1
	local trigger="" fault=${_o[fault]}
	if [ "${_o[exec_given]}" = 1 ]; then
		trigger="exec"
	elif gupr_is_trigger "${_o[scenario]}"; then
		trigger=${_o[scenario]}
		[ -n "${_o[slowdev]}" ] || _o+=([slowdev]=$(gupr_trigger_meta "$trigger" slow-dev))
	fi
	_o+=([trigger]=$trigger)
	[ -n "$fault" ] || return 0
	[ -n "$trigger" ] || bad_usage "--fault goes with a module-free trigger or --exec; a scenario of the driver takes fault steps in --steps (e.g. --steps ...,reclaim,...)"
	case "$fault" in ''|*[!a-z-]*) bad_usage "--fault: '$fault' is not a fault name" ;; esac
}

# --- the run directory --------------------------------------------------------

# run_out_dir OPT DIR-VAR NAME: the run's directory (gupr_out_dir: --out,
# or a new out/<timestamp>-NAME; locked, never one that is not ours), its
# absolute path into DIR-VAR.
run_out_dir() {
	local -n _o=$1 _dir=$2
	gupr_out_dir _dir "${_o[out]}" "$3" "${_o[force]}" || bad_usage "$_dir"
}

# run_elapsed T0: the seconds since T0 (date +%s.%N), one decimal.
run_elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# run_repeat OPT ARG...: --repeat N: N runs of this very command line (ARG,
# less --repeat and --out), each in a fresh VM and its own run directory
# (run-01, ...), then one verdict over all of them, written by the decider
# (gup-repro-verdict --repeat-dir); exits with its status.  An interrupt
# stops the run in flight and the repeats.
run_repeat() {
	local -n _o=$1
	local opt=$1 n=${_o[repeat]} rc name rdir tr0
	shift
	name=${_o[scenario]:-${_o[steps]:+custom}}
	[ "${_o[trigger]}" = exec ] && name=exec-$(basename "${_o[exec]}")
	run_out_dir "$opt" rdir "${name:-unlocked-dirty}-x$n"
	gupr_repeat_traps run.sh
	tr0=$(date +%s.%N)
	gupr_repeat_runs "$rdir" "$n" "$0" "$@" || exit 128
	"$GUPR_HOST/gup-repro-verdict" --repeat-dir "$rdir" --runs "$n" --seconds "$(run_elapsed "$tr0")"
	rc=$?
	echo "==> artifacts: ${rdir#"$GUPR_TOP"/}" >&2
	exit $rc
}

# --- before the guest -------------------------------------------------------------

# run_host_tools: the host's packages, then its user-space tools (make
# rebuilds only what changed); a matrix cell (GUPR_MATRIX_CELL=1) finds
# both done by the matrix.
run_host_tools() {
	[ "${GUPR_MATRIX_CELL:-0}" != 1 ] || return 0
	"$GUPR_TOP/vm-images/host-deps.sh" || exit 128
	gupr_mark host-deps
	make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh: building the host tools failed" >&2; exit 128; }
	gupr_mark make
}

# run_plan OPT ST XARGS: what the guest runs, checked before anything
# boots: the driver's scenario, steps and pages (gup-repro --dry-run; the
# scenario defaults to the driver's), or a trigger that was built and its
# --fault; ST's plan_steps (run.txt's steps:) and name (the run's).
run_plan() {
	local -n _o=$1 _s=$2 _x=$3
	local trigger=${_o[trigger]} fault=${_o[fault]} why plan
	local -a drv=(--pages "${_o[pages]}")
	if [ -n "${_o[steps]}" ]; then
		drv+=(--steps "${_o[steps]}")
	else
		_o+=([scenario]=${_o[scenario]:-$GUPR_DEFAULT_SCENARIO})
		drv+=(--scenario "${_o[scenario]}")
	fi
	if [ -z "$trigger" ]; then
		plan=$("$GUPR_HOST/gup-repro" --dry-run "${drv[@]}") || exit 128
		_s+=([plan_steps]=$(printf '%s\n' "$plan" | head -n1 | sed 's/.*steps=//') [name]=${_o[scenario]:-custom})
		return 0
	fi
	[ -x "$GUPR_HOST/triggers/$trigger" ] || [ "$trigger" = exec ] ||
		bad_usage "trigger $trigger was not built (make host)"
	if [ -n "$fault" ]; then
		why=$(gupr_fault_check "$fault") || bad_usage "--fault: $why"
	fi
	_s+=([plan_steps]="trigger $trigger${fault:+ (fault $fault in its window)}" [name]=$trigger)
	[ "$trigger" = exec ] &&
		_s+=([plan_steps]="exec ${_o[exec]}${_x[*]:+ ${_x[*]}}" [name]=exec-$(basename "${_o[exec]}"))
	return 0
}

# run_check_kernel OPT: --kernel is a kernel spec, --build goes with a
# tree, --rootfs debian not with a prepared kernel (it has no modules).
run_check_kernel() {
	local -n _o=$1
	local kind
	kind=$(gupr_kernel_spec_kind "${_o[kernel]}") || bad_usage "--kernel '${_o[kernel]}': expected $GUPR_KERNEL_SPEC_FORMS"
	[ "${_o[build]}" = 0 ] || [ "$kind" = tree ] || bad_usage "--build goes with --kernel TREE"
	[ "${_o[rootfs]}" = busybox ] || [ "$kind" != prepared ] ||
		bad_usage "--rootfs debian needs the kernel's modules: not with a prepared kernel (prepared:DIR)"
}

# --- the verdict, whatever happens ----------------------------------------------

# run_phase ST WHAT: say WHAT ("==> WHAT") and make its first word ST's
# phase, what an interrupt names.
run_phase() {
	local -n _s=$1
	_s+=([phase]=${2%%[: ]*})
	printf '==> %s\n' "$2" >&2
}

# run_decide ST ARG...: the run's verdict, written to verdict.txt by the
# one decider (gup-repro-verdict reads every oracle of the run directory,
# ARG adds what the shell knows); the shell never writes a verdict line
# itself.
run_decide() {
	local -n _s=$1
	local label
	local -a a=(--dir "${_s[out]}")
	shift
	label=${KLABEL:-}
	[ -n "$label" ] && a+=(--kernel-label "$label")
	[ -n "${_s[trace_note]}" ] && a+=(--trace-note "${_s[trace_note]}")
	"$GUPR_HOST/gup-repro-verdict" "${a[@]}" "$@"
}

# run_finish ST RC: print the verdict file and where the artifacts are,
# add the run's seconds to run.txt and write phases.txt; exit with RC.
run_finish() {
	local -n _s=$1
	local out=${_s[out]}
	trap - EXIT
	cat "$out/verdict.txt"
	printf '==> artifacts: %s (%s s)\n' "${out#"$GUPR_TOP"/}" "$(run_elapsed "${_s[t0]}")" >&2
	# (a run stopped before the guest has no run.txt: none is begun here)
	[ -s "$out/run.txt" ] && echo "seconds: $(run_elapsed "${_s[t0]}")" >>"$out/run.txt"
	gupr_mark finish
	gupr_phases "$out" "${_s[t_start]}"
	[ "$GUPR_VERBOSE" = 1 ] && sed 's/^/==> phase: /' "$out/phases.txt" >&2
	exit "$2"
}

# run_early_exit ST: the EXIT trap: whatever stops the run before the
# verdict (kernel fetch, module build, mkfs) still leaves a verdict: COULD
# NOT TEST with the reason (build.log's last error), unless the machine
# is at fault (run_host_fault) or it was bad usage (gupr_die's status 2:
# exit 128).
run_early_exit() {
	local rc=$? why out
	local -n _s=$1
	out=${_s[out]}
	exec 2>&3
	[ -e "$out/verdict.txt" ] && return
	why=$(grep -h '^gup-repro: error: ' "$out/build.log" 2>/dev/null | tail -n 1 | sed 's/^gup-repro: error: //')
	[ -n "$why" ] || why="preparing the guest failed (exit $rc, see build.log)"
	if [ "$rc" = 2 ]; then
		echo "run.sh: $why" >&2
		exit 128
	fi
	run_host_fault "$1" "$why"
	tail -n 30 "$out/build.log" >&2
	run_decide "$1" --error "$why" >/dev/null
	run_finish "$1" 125
}

# run_host_fault ST WHY: when what stopped the run (WHY, build.log) is the
# machine's, not the kernel's (gupr_host_fault: a read-only or full file
# system, a chroot), say so in one line, leave no half-written file in
# the run directory, and exit GUPR_HOST_RC: a bisection stops instead of
# skipping the commit.  Returns when the failure is not the machine's.
run_host_fault() {
	local -n _s=$1
	local out=${_s[out]} what
	what=$(printf '%s\n' "$2" | cat - "$out/build.log" 2>/dev/null | gupr_host_fault /dev/stdin "$out") || return 0
	rm -f "$out/scratch.img" "$out/initrd.exec.img" "$out"/*.tmp "$out"/.*.tmp
	[ -s "$out/run.txt" ] || rm -f "$out/run.txt"
	echo "run.sh: host error: $what" >&2
	exit "$GUPR_HOST_RC"
}

# run_interrupted ST SIGNAL RC: SIGINT, SIGTERM, SIGHUP at any phase: stop
# everything this run started (QEMU is in timeout(1)'s own process group:
# gupr_kill_tree finds it by parentage), leave a COULD NOT TEST verdict
# saying so, exit RC, 128+signal (not 125: an interrupted bisection stops
# instead of skipping).
run_interrupted() {
	local -n _s=$1
	trap - INT TERM HUP
	exec 2>&3
	gupr_kill_tree $$
	run_decide "$1" --interrupted "$2" --phase "${_s[phase]}" >/dev/null
	echo "run.sh: interrupted by SIG$2 during ${_s[phase]}; everything it started is stopped" >&2
	run_finish "$1" "$3"
}

# --- the kernel and the guest's files ---------------------------------------------

# run_kernel OPT ST: the kernel (a tree rebuilt first with --build), its
# record, what a tree lacks for this run (COULD NOT TEST naming the
# options: Debian's kernels have it all), then its module, pintrace and
# initramfs (gupr_prepare); the builds' output goes to build.log.
run_kernel() {
	local -n _o=$1 _s=$2
	local out=${_s[out]} fs=${_o[fs]} lacks
	local -a needs=(boot "fs=$fs" "scenario=${_s[name]}")
	run_phase "$2" "kernel: ${_o[kernel]}"
	[ "${_o[build]}" = 1 ] && gupr_tree_rebuild "${_o[kernel]}" 2>>"$out/build.log"
	gupr_kernel "${_o[kernel]}" 2>>"$out/build.log"
	[ "$fs" = tmpfs ] || needs+=(disk)
	[ "${_o[rootfs]}" = debian ] && needs+=(disk fs=ext4)
	lacks=$(gupr_kernel_lacks "${needs[@]}")
	if [ -n "$lacks" ]; then
		printf '%s\n' "$lacks" | awk -F'\t' '{ print "gup-repro: the kernel lacks " $1 ": " $2 }' >>"$out/build.log"
		echo "gup-repro: error: the kernel lacks $(printf '%s\n' "$lacks" | cut -f1 | tr '\n' ' ' | sed 's/ $//') (see vm-images/guest.config and ./run.sh kernel-config)" >>"$out/build.log"
		exit 125
	fi
	gupr_mark kernel
	if ! gupr_prepare "${_o[kernel]}" 2>>"$out/build.log"; then
		echo "gup-repro: error: module build failed for ${KREL:-} (see build.log)" >>"$out/build.log"
		exit 125
	fi
	gupr_mark prepare
}

# run_rootfs OPT ST: --rootfs debian: the userland image (built once per
# suite and package list) and the kernel's modules beside it
# (gupr_rootfs_prepare; ST's rootfs_suite and rootfs_img), attached as
# disks of every later boot (gupr_rootfs_attach); an --exec program's
# needs checked against the image.
run_rootfs() {
	local -n _o=$1 _s=$2
	local out=${_s[out]}
	[ "${_o[rootfs]}" = debian ] || return 0
	gupr_rootfs_prepare "${_o[rootfs_pkgs]}" 2>>"$out/build.log"
	gupr_rootfs_attach 2>>"$out/build.log"
	[ "${_o[trigger]}" != exec ] || gupr_rootfs_exec_check "${_o[exec]}" 2>>"$out/build.log"
	_s+=([rootfs_suite]=$ROOTFS_SUITE [rootfs_img]=$ROOTFS_IMG)
	gupr_mark rootfs
}

# run_trace OPT ST: a traced run (OPT's trace) is run untraced when the
# kernel has no BTF or lacks the tracer's options: ST's trace_note says
# why.
run_trace() {
	local -n _o=$1 _s=$2
	local note="" lacks why
	[ "${_o[trace]}" = 1 ] || return 0
	why=${KBTF_WHY:-}
	if [ -n "$why" ]; then
		note="unavailable: $why"
	else
		lacks=$(gupr_kernel_lacks trace)
		[ -z "$lacks" ] || note="unavailable: $(printf '%s\n' "$lacks" | cut -f1 | tr '\n' ' ' | sed 's/ $//') not set"
	fi
	[ -n "$note" ] || return 0
	_o+=([trace]=0)
	_s+=([trace_note]=$note)
	run_phase "$2" "trace: $note; running untraced"
}

# run_cmdline OPT ST: the guest's command line: what the guest is before
# the scenario's first step (ST's fixed: a snapshot's key;
# vm-images/lib/snapshot.sh), then what this run does (ST's run: a resumed
# guest reads it from its command disk); ST's cmdline is both.
run_cmdline() {
	local -n _o=$1 _s=$2
	local fixed run="" trigger=${_o[trigger]}
	fixed="gupr.mode=scenario gupr.pages=${_o[pages]} gupr.trace=${_o[trace]} gupr.fs=${_o[fs]}"
	[ -n "$trigger" ] && fixed+=" gupr.module=0"
	[ -n "${_o[slowdev]}" ] && fixed+=" gupr.slowdev=${_o[slowdev]}"
	[ "${_o[rootfs]}" = debian ] && fixed+=" gupr.rootfs=debian"
	[ "${_o[integrity]}" = 1 ] || run+=" gupr.integrity=0"
	if [ -n "$trigger" ]; then run+=" gupr.trigger=$trigger"
	elif [ -n "${_o[steps]}" ]; then run+=" gupr.steps=${_o[steps]}"
	else run+=" gupr.scenario=${_o[scenario]}"; fi
	[ -n "${_o[fault]}" ] && run+=" gupr.fault=${_o[fault]}"
	run=${run# }
	_s+=([fixed]=$fixed [run]=$run [cmdline]="$fixed $run")
}

# run_snapshot OPT ST: a snapshot to resume where one can be made (the
# module-free runs share one, with the tools part: an --exec program comes
# on the command disk): ST's snap, its directory ("" to boot), and
# snap_why, why not; the record's INITRD is the initramfs it was saved
# with.  Making a snapshot boots the guest.
run_snapshot() {
	local -n _o=$1 _s=$2
	local fs=${_o[fs]} trigger=${_o[trigger]} snap_why="" size=""
	local -a tools=()
	_s+=([accel_hint]=tcg [phase]=boot)
	gupr_kvm_usable && _s+=([accel_hint]=kvm)
	[ "$trigger" = exec ] && size=$(stat -c %s "${_o[exec]}")
	SNAP="" SNAP_WHY=""
	if gupr_snapshot_usable snap_why "$fs" "${_o[rootfs]}" "$size"; then
		[ -n "$trigger" ] && tools=(tools)
		INITRD=$(gupr_initrd_for "$fs" "${tools[@]}")
		[ -s "$INITRD" ] && gupr_snapshot_get "${_s[fixed]}" "$fs" "${_o[pages]}" "${_o[timeout]}" \
			"${_s[accel_hint]}" 2>>"${_s[out]}/build.log" ||
			{ snap_why=${SNAP_WHY:-"no initramfs for --fs $fs with the tools part"}; SNAP=""; }
		[ -z "$SNAP" ] && gupr_say "==> snapshot: none ($snap_why); booting"
	fi
	_s+=([snap]=$SNAP [snap_why]=$snap_why)
	gupr_mark snapshot
}

# run_initrd OPT ST XARGS: for a boot, the initramfs parts the run needs
# (the triggers are in the tools part) as the record's INITRD; with
# --exec, the program and its arguments (XARGS) appended to it in
# OUT/initrd.exec.img.
run_initrd() {
	local -n _o=$1 _s=$2 _x=$3
	local fs=${_o[fs]} trigger=${_o[trigger]} out=${_s[out]}
	local -a tools=()
	[ -n "$trigger" ] && [ "$trigger" != exec ] && tools=(tools)
	INITRD=$(gupr_initrd_for "$fs" "${tools[@]}")
	[ -s "$INITRD" ] || GUPR_DIE_RC=2 gupr_die "no initramfs for --fs $fs${trigger:+ with a trigger}: $INITRD (a prepared kernel has only the one for its filesystem)" 2>>"$out/build.log"
	[ "$trigger" = exec ] || return 0
	gupr_exec_initrd "$INITRD" "${_o[exec]}" "$out/initrd.exec.img" "${_x[@]}" 2>>"$out/build.log"
	INITRD="$out/initrd.exec.img"
}

# run_scratch OPT ST: ST's disk, the scratch disk (OUT/scratch.img; ""
# for tmpfs), made fresh with the victim file unless the guest resumes a
# snapshot (which has its own).
run_scratch() {
	local -n _o=$1 _s=$2
	local fs=${_o[fs]} pages=${_o[pages]} snap=${_s[snap]}
	_s+=([disk]="${_s[out]}/scratch.img")
	if [ "$fs" = tmpfs ]; then
		[ -n "$snap" ] || run_phase "$2" "scratch: tmpfs in the guest with the victim file ($pages page(s))"
		_s+=([disk]="")
	elif [ -z "$snap" ]; then
		run_phase "$2" "scratch: fresh $fs image with the victim file ($pages page(s))"
	fi
	[ -n "$snap" ] || gupr_make_scratch "${_s[out]}/scratch.img" "$pages" "$fs"
	gupr_mark mkfs
}

# --- the guest and after it --------------------------------------------------------

# run_guest OPT ST BOOT XARGS: the guest, resumed from ST's snapshot
# (run_resume) or booted (gupr_boot); BOOT
# is how it ended, ST's start how it started, ST's tboot its seconds.
# With --verbose the console shows as it runs.
run_guest() {
	local -n _o=$1 _s=$2
	local tail_pid="" tb
	if [ "$GUPR_VERBOSE" = 1 ]; then
		( sleep 0.2; exec tail -n +1 -F "${_s[out]}/console.log" 2>/dev/null ) >&2 &
		tail_pid=$!
	fi
	tb=$(date +%s.%N)
	_s+=([start]="boot${_s[snap_why]:+ (${_s[snap_why]})}")
	[ -z "${_s[snap]}" ] || run_resume "$1" "$2" "$3" "$4"
	if [ -z "${_s[snap]}" ]; then
		run_phase "$2" "boot: ${KREL:-} (${KVERSION:-}) under QEMU/${_s[accel_hint]}, scenario ${_s[name]},${_s[rootfs_suite]:+ Debian ${_s[rootfs_suite]} userland,} timeout ${_o[timeout]}s"
		gupr_boot "${_s[out]}" "${_o[timeout]}" "${_s[cmdline]}" "${_s[disk]}"
		run_boot_outcome "$3"
	fi
	_s+=([tboot]=$(run_elapsed "$tb"))
	gupr_mark qemu
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	return 0
}

# run_boot_outcome BOOT: how the boot gupr_boot or gupr_snapshot_resume
# just made ended (its BOOT_*) into the associative array BOOT: accel,
# attempts, detail, status.
run_boot_outcome() {
	local -n _b=$1
	_b=([accel]=${BOOT_ACCEL:-} [attempts]=${BOOT_ATTEMPTS:-} [detail]=${BOOT_DETAIL:-} [status]=${BOOT_STATUS:-})
}

# run_resume OPT ST BOOT XARGS: the guest resumed from ST's snapshot (the
# --exec program and its arguments, XARGS, on the command disk); one that
# cannot be restored (QEMU changed, or the file is damaged) is removed,
# said once, and ST's snap emptied, with the initramfs and the scratch
# image a boot needs made: the caller boots.
run_resume() {
	local -n _o=$1 _s=$2 _b=$3 _x=$4
	local snap=${_s[snap]} out=${_s[out]}
	local -a prog=()
	[ "${_o[trigger]}" = exec ] && prog=("${_o[exec]}" "${_x[@]}")
	run_phase "$2" "resume: ${KREL:-} (${KVERSION:-}) under QEMU/${_s[accel_hint]} from snapshot ${snap##*/}, scenario ${_s[name]}, timeout ${_o[timeout]}s"
	SNAP=$snap
	gupr_snapshot_resume "$out" "${_o[timeout]}" "${_s[fixed]}" "${_s[run]}" "${_s[disk]}" "${_s[accel_hint]}" \
		"${prog[@]}"
	run_boot_outcome "$3"
	_s+=([start]="snapshot ${snap##*/} (resumed)")
	[ "${_b[status]}" = restore-failed ] || return 0
	gupr_say "==> snapshot: ${snap##*/} could not be restored ($(grep -i 'migration\|incoming\|ramblock\|vmstate\|state.zst' "$out/qemu.log" | tail -n 1)); removed; booting"
	rm -rf --one-file-system "$snap"
	_s+=([start]="boot (snapshot ${snap##*/} could not be restored: removed)" [snap]="")
	run_initrd "$1" "$2" "$4"
	gupr_make_scratch "$out/scratch.img" "${_o[pages]}" "${_o[fs]}"
}

# run_collect OPT ST: after the guest: the filesystem's own checker,
# read-only, on the image the guest wrote (fsck.txt; the verdict counts it
# only after a clean unmount in the guest; ST's tfsck its seconds), the
# image removed unless --keep; the driver's data-integrity records, per
# page (integrity.jsonl; steps.jsonl has them too); a module-free run's
# program output (exec.stdout, exec.stderr, exec.rc).
run_collect() {
	local -n _o=$1 _s=$2
	local out=${_s[out]} tf
	tf=$(date +%s.%N)
	if [ "${_o[integrity]}" = 1 ]; then
		gupr_fsck "$out/scratch.img" "${_o[fs]}" "$out/fsck.txt"
	else
		echo "fsck-skipped: --no-integrity" >"$out/fsck.txt"
	fi
	_s+=([tfsck]=$(run_elapsed "$tf"))
	gupr_mark fsck
	[ "${_o[keep]}" = 1 ] || rm -f "$out/scratch.img"
	grep -a '^{"event":"integrity' "$out/steps.jsonl" >"$out/integrity.jsonl" 2>/dev/null || rm -f "$out/integrity.jsonl"
	rm -f "$out/initrd.exec.img"
	[ -z "${_o[trigger]}" ] || gupr_exec_outputs "$out/guest.log" "$out"
}

# run_txt_kernel: run.txt's lines of the kernel of the record: its release
# and label; a tree's directory, build directory, commit, state and config
# hash; a prepared kernel's directory.
run_txt_kernel() {
	echo "kernel: ${KREL:-}"
	echo "kernel-package: ${KLABEL:-}"
	if [ "${KSOURCE:-}" = tree ]; then
		echo "kernel-tree: ${KTREE:-}"
		echo "kernel-build: ${KDIR:-}"
		echo "kernel-describe: ${KVERSION:-}"
		echo "kernel-commit: ${KCOMMIT:-}"
		echo "kernel-subject: ${KSUBJECT:-}"
		echo "kernel-state: ${KSTATE:-}"
		echo "kernel-config: sha256:${KCONFIG_HASH:-}"
	fi
	[ -z "${KPREPARED:-}" ] || echo "kernel-prepared: ${KPREPARED:-}"
}

# run_txt OPT ST BOOT XARGS: run.txt, what the run was: the scenario and
# its steps, the kernel (run_txt_kernel), the trace, the module or the
# program, what a report names, the userland, QEMU, how the guest started
# and ended, the command line.
run_txt() {
	local -n _o=$1 _s=$2 _b=$3 _x=$4
	local trigger=${_o[trigger]} kboot vmlinuz config
	kboot=${KBOOT:-} vmlinuz=${VMLINUZ:-} config=${KCONFIG:-}
	{
		echo "scenario: ${_s[name]}"
		echo "fs: ${_o[fs]}"
		echo "steps: ${_s[plan_steps]}"
		run_txt_kernel
		[ -n "${_s[trace_note]}" ] && echo "trace: ${_s[trace_note]}"
		if [ -n "$trigger" ]; then
			echo "module: not loaded (module-free $([ "$trigger" = exec ] && echo "--exec program" || echo "trigger repro-user/guest/triggers/$trigger.c"))"
			[ "$trigger" = exec ] && echo "exec: ${_o[exec]}" && echo "exec-args: ${_x[*]}"
			echo "exec-status: $(cat "${_s[out]}/exec.rc" 2>/dev/null)"
		else
			echo "module: gup_repro.ko loaded"
		fi
		[ -n "${_o[slowdev]}" ] && echo "slow-dev: /dev/nullb0 null_blk completion ${_o[slowdev]} ms"
		[ -n "${_o[fault]}" ] && echo "fault: ${_o[fault]} (in the trigger's window)"
		# what a report names (./run.sh report) and a bisection compares
		echo "kernel-config-options: $(gupr_config_summary "$config")"
		echo "kernel-compiler: $(gupr_config_value "$config" CONFIG_CC_VERSION_TEXT)"
		echo "kernel-cmdline: $GUPR_BOOT_CMDLINE ${_s[cmdline]}"
		echo "page-size: $(getconf PAGESIZE)"
		if [ "${_o[rootfs]}" = debian ]; then
			echo "rootfs: debian ${_s[rootfs_suite]} (${_o[rootfs_pkgs]})"
			echo "rootfs-image: ${_s[rootfs_img]}"
		fi
		echo "accel: ${_b[accel]}"
		echo "vcpus: ${GUP_REPRO_SMP:-2}"
		if [ "${kboot:-$vmlinuz}" = "$vmlinuz" ]; then echo "boot-image: ${vmlinuz##*/} (compressed)"
		else echo "boot-image: ${kboot##*/} (uncompressed, PVH entry)"; fi
		echo "start: ${_s[start]}"
		echo "boot-status: ${_b[status]}${_b[detail]:+ (${_b[detail]})}"
		echo "boot-attempts: ${_b[attempts]}"
		echo "boot-seconds: ${_s[tboot]}"
		echo "fsck-seconds: ${_s[tfsck]}"
		echo "cmdline: ${_s[cmdline]}"
	} >"${_s[out]}/run.txt"
}

# run_verdict OPT ST BOOT: the driver's step lines (untraced: the traced
# timeline repeats them with the kernel's events), the ordering as the BPF
# probes saw it (ordering.txt, the checker's oracle; the short timeline;
# trace.json and timeline.svg: pintrace-report), the verdict from every
# oracle (run_decide), then report.txt rendered from that verdict; exits
# with the verdict's status (run_finish).
run_verdict() {
	local -n _o=$1 _s=$2 _b=$3
	local out=${_s[out]} rc
	local -a report=()
	[ "${_o[trace]}" = 1 ] || tr -d '\r' <"$out/console.log" | grep -E '^\[ ?[0-9]+\] [a-z-]+ ' >&2
	run_phase "$2" "verdict (guest: ${_b[status]} after ${_s[tboot]}s under ${_b[accel]})"
	if [ "${_o[trace]}" = 1 ] && [ -s "$out/events.jsonl" ]; then
		report=(--events "$out/events.jsonl" --steps "$out/steps.jsonl" --run "$out/run.txt"
			--guest "$out/guest.log" --out "$out")
		"$GUPR_HOST/pintrace-report" "${report[@]}" --no-report >"$out/timeline.txt" 2>>"$out/build.log"
		cat "$out/timeline.txt" >&2
		gupr_mark timeline
	elif [ "${_o[trace]}" = 1 ]; then
		echo "==> trace: no events recorded (see guest.log: trace=)" >&2
	fi
	run_decide "$2" --boot-status "${_b[status]}" >/dev/null
	rc=$?
	case $rc in
	0|1|125) ;;
	*) run_host_fault "$2" "the verdict could not be written"
	   run_decide "$2" --error "the verdict could not be decided (gup-repro-verdict exit $rc)" >/dev/null; rc=125 ;;
	esac
	gupr_mark verdict
	if [ ${#report[@]} -gt 0 ]; then
		"$GUPR_HOST/pintrace-report" "${report[@]}" --verdict "$out/verdict.txt" --report-only \
			>/dev/null 2>>"$out/build.log"
		gupr_mark report
	fi
	run_finish "$2" $rc
}

# main T-START ARG...: a subcommand (matrix, kernel-config, bisect,
# compare, report, cache, fstests-export: its own script), or a run
# started at T-START (phases.txt) with the options ARG, step by step.
main() {
	# shellcheck disable=SC2034  # run_boot and run_xargs are read by name (local -n)
	local -A run_opt=() run_st=() run_boot=()
	# shellcheck disable=SC2034  # read by name (local -n), as run_boot above
	local -a run_xargs=()
	local out
	run_st=([t_start]=$1 [phase]=setup [trace_note]="" [rootfs_suite]="" [rootfs_img]="" [snap]="" [snap_why]="")
	shift
	case "${1:-}" in
	matrix|kernel-config|bisect|compare|report|fstests-export|fstests|cache)
		exec "$GUPR_TOP/vm-images/$1.sh" "${@:2}" ;;
	esac
	run_parse run_opt run_xargs "$@"
	[ "${run_opt[verbose]}" = 1 ] && GUPR_VERBOSE=1
	[ "${run_opt[boot]}" = 1 ] && export GUP_REPRO_SNAPSHOT=0
	run_check_options run_opt run_xargs
	run_trigger run_opt
	[ -z "${run_opt[repeat]}" ] || run_repeat run_opt "$@"
	# the machine itself: cache, build and output directories writable, not full
	gupr_host_preflight "${run_opt[out]:-$GUPR_TOP/out}"
	run_st+=([t0]=$(date +%s.%N))
	gupr_mark startup
	exec 3>&2
	GUPR_SAY_FD=3
	run_host_tools
	if [ "${run_opt[list]}" = 1 ]; then
		"$GUPR_HOST/gup-repro" --list
		gupr_trigger_list
		exit 0
	fi
	run_plan run_opt run_st run_xargs
	gupr_mark dry-run
	run_check_kernel run_opt
	run_out_dir run_opt out "${run_st[name]}"
	run_st+=([out]=$out)
	GUPR_LOG="$out/build.log"
	gupr_mark out-dir
	trap 'run_early_exit run_st' EXIT
	trap 'run_interrupted run_st INT 130' INT
	trap 'run_interrupted run_st TERM 143' TERM
	trap 'run_interrupted run_st HUP 129' HUP
	run_kernel run_opt run_st
	run_rootfs run_opt run_st
	run_trace run_opt run_st
	run_cmdline run_opt run_st
	run_snapshot run_opt run_st
	[ -n "${run_st[snap]}" ] || run_initrd run_opt run_st run_xargs
	run_scratch run_opt run_st
	run_guest run_opt run_st run_boot run_xargs
	run_collect run_opt run_st
	run_txt run_opt run_st run_boot run_xargs
	run_verdict run_opt run_st run_boot
}

main "$run_t0" "$@"
