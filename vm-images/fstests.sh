#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/fstests.sh - ./run.sh fstests --fstests DIR [options] TEST...:
# build the fstests checkout DIR for the guest's Debian suite, boot the
# Debian userland guest with a TEST_DEV and a SCRATCH_DEV, run ./check
# TEST... there, bring its results back and give a verdict
# (docs/fstests.md; the parts are vm-images/lib/fstests.sh's).
set -u
t_start=$EPOCHREALTIME
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$GUPR_TOP/vm-images/lib.sh"

usage() {
	cat <<EOF
usage: ./run.sh fstests --fstests DIR [options] TEST...

Builds the fstests checkout DIR (a copy: DIR is only read) for the
guest's Debian suite, boots the kernel on the Debian userland with a
TEST_DEV and a SCRATCH_DEV of the filesystem, runs fstests' ./check TEST...
there and prints the verdict (docs/fstests.md).

  --fstests DIR      an fstests git checkout; its build is cached by its HEAD
                     and status, and made again when its content changes
  -k, --kernel SPEC  the guest kernel, as ./run.sh takes it (default
                     $GUPR_DEFAULT_KERNEL); not prepared:DIR (no modules)
  -f, --fs FS        $(gupr_or_list "$GUPR_FSTESTS_FILESYSTEMS") (default: ${GUPR_FSTESTS_FILESYSTEMS%% *}): FSTYP,
                     the TEST_DEV's and the SCRATCH_DEV's
      --env NAME=VALUE  in ./check's environment (repeatable), e.g.
                     PIN_WRITEBACK_SAFE=1
      --pkgs LIST    more Debian packages in the guest (comma-separated:
                     fio, quota, xfsdump, python3, ...)
      --trace-file PATH  the file pintrace follows (default:
                     /mnt/scratch/victim, SCRATCH_MNT's victim, the one the
                     tests of ./run.sh fstests-export map)
      --no-trace     no BPF probes
      --repeat N     N runs (1..1000), each in a fresh VM, and one verdict
  -t, --timeout SEC  give up on the guest after SEC seconds (60..86400,
                     default: 3600)
  -o, --out DIR      run directory (default: out/<timestamp>-fstests-TEST);
                     --force lets it replace a previous run's
      --keep         keep the TEST_DEV and SCRATCH_DEV images
  -v, --verbose      show the builds and the guest console as it runs
  -h, --help         this text

TEST: tests of DIR as ./check names them (generic/001, xfs/100).
Exit: 0 every test passed, 1 a test failed, 125 a test was not run
(fstests' [not run], with its reason) or could not be tested, 128 bad
usage or an error of the machine, 130 interrupted.
Artifacts: local.config, fstests/ (check.out, check.log, each test's
.out.bad, .full, .dmesg, .notrun), verdict.txt, run.txt, console.log,
guest.log; traced: events.jsonl, ordering.txt, report.txt.
EOF
}
bad_usage() { echo "run.sh fstests: $*" >&2; exit 128; }

src="" kernel=$GUPR_DEFAULT_KERNEL fs=${GUPR_FSTESTS_FILESYSTEMS%% *} timeout=3600 outdir="" force=0 keep=0
trace=1 trace_file=/mnt/scratch/victim repeat="" pkgs="" pkgs_given=0 orig_args=("$@")
tests=() envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--fstests) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; src=$2; shift 2 ;;
	--fstests=*) src=${1#*=}; shift ;;
	-k|--kernel) [ $# -ge 2 ] || bad_usage "$1 needs a kernel"; kernel=$2; shift 2 ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	-f|--fs) [ $# -ge 2 ] || bad_usage "$1 needs a filesystem"; fs=$2; shift 2 ;;
	--fs=*) fs=${1#*=}; shift ;;
	--env) [ $# -ge 2 ] || bad_usage "$1 needs NAME=VALUE"; envs+=("$2"); shift 2 ;;
	--env=*) envs+=("${1#*=}"); shift ;;
	--pkgs) [ $# -ge 2 ] || bad_usage "$1 needs a package list"; pkgs=$2; pkgs_given=1; shift 2 ;;
	--pkgs=*) pkgs=${1#*=}; pkgs_given=1; shift ;;
	--trace-file) [ $# -ge 2 ] || bad_usage "$1 needs a path"; trace_file=$2; shift 2 ;;
	--trace-file=*) trace_file=${1#*=}; shift ;;
	--no-trace) trace=0; shift ;;
	--repeat) [ $# -ge 2 ] || bad_usage "$1 needs a number"; repeat=$2; shift 2 ;;
	--repeat=*) repeat=${1#*=}; shift ;;
	-t|--timeout) [ $# -ge 2 ] || bad_usage "$1 needs seconds"; timeout=$2; shift 2 ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	-o|--out) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; outdir=$2; shift 2 ;;
	--out=*) outdir=${1#*=}; shift ;;
	--force) force=1; shift ;;
	--keep) keep=1; shift ;;
	-v|--verbose) GUPR_VERBOSE=1; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) bad_usage "unknown option '$1' (try --help)" ;;
	*) tests+=("$1"); shift ;;
	esac
done

# --- the command line, checked before anything is built or booted ---
[ -n "$src" ] || bad_usage "which fstests checkout? (--fstests DIR)"
command -v git >/dev/null 2>&1 || bad_usage "git is needed to read the checkout (apt-get install git)"
why=$(gupr_paths_ok --fstests "$src" --out "$outdir") && why=$(gupr_kernel_path_ok --kernel "$kernel") || bad_usage "$why"
why=$(gupr_fstests_tree_ok "$src") || bad_usage "$why"
src=$(cd "$src" && pwd -P)
[ ${#tests[@]} -gt 0 ] || bad_usage "which tests? (TEST..., such as generic/001)"
for t in "${tests[@]}"; do
	why=$(gupr_fstests_test_ok "$src" "$t") || bad_usage "$why"
done
gupr_in_list "$fs" "$GUPR_FSTESTS_FILESYSTEMS" || bad_usage "--fs takes $(gupr_or_list "$GUPR_FSTESTS_FILESYSTEMS"), not '$fs'"
why=$(gupr_number --timeout "$timeout" 60 86400) || bad_usage "$why (seconds)"
[ -z "$repeat" ] || { why=$(gupr_number --repeat "$repeat" 1 1000) || bad_usage "$why"; }
for e in "${envs[@]}"; do
	[[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*=[[:print:]]*$ ]] ||
		bad_usage "--env ${e@Q}: NAME=VALUE, NAME of letters, digits and _, VALUE printable"
done
if [ "$pkgs_given" = 1 ]; then
	[ -n "$pkgs" ] || bad_usage "--pkgs needs a package list"
	why=$(gupr_rootfs_pkgs "$pkgs") || bad_usage "--pkgs: $why"
fi
case "$trace_file" in
/*) gupr_has_ctl "$trace_file" || [[ "$trace_file" == *[[:space:]]* ]] && bad_usage "--trace-file ${trace_file@Q}: a path without white space" ;;
*) bad_usage "--trace-file '$trace_file': an absolute path in the guest (such as /mnt/scratch/victim)" ;;
esac
kind=$(gupr_kernel_spec_kind "$kernel") || bad_usage "--kernel '$kernel': expected $GUPR_KERNEL_SPEC_FORMS"
[ "$kind" != prepared ] || bad_usage "--kernel $kernel: fstests runs on the Debian userland, which needs the kernel's modules: not with a prepared kernel"

# out_dir DIR NAME: the run directory (gupr_out_dir: DIR, or a new
# out/<timestamp>-NAME; locked, never one that is not ours) into OUT_DIR.
out_dir() {
	gupr_out_dir OUT_DIR "$1" "$2" "$force" || bad_usage "$OUT_DIR"
}
name="fstests-$(printf '%s\n' "${tests[@]}" | head -n 1 | tr / -)$([ ${#tests[@]} -gt 1 ] && echo "+$(( ${#tests[@]} - 1 ))")"

# --repeat N: this command line N times, each in its own run directory
# (run-01, ...) and VM, then one verdict over them (gupr_fstests_repeat).
if [ -n "$repeat" ]; then
	out_dir "$outdir" "$name-x$repeat"
	gupr_repeat_traps "run.sh fstests"
	gupr_repeat_runs "$OUT_DIR" "$repeat" "$0" "${orig_args[@]}" || exit 128
	gupr_fstests_repeat "$OUT_DIR" "$repeat"
	rc=$?
	echo "==> artifacts: ${OUT_DIR#"$GUPR_TOP"/}" >&2
	exit $rc
fi

# --- one run ---
gupr_host_preflight "${outdir:-$GUPR_TOP/out}"
exec 3>&2
GUPR_SAY_FD=3
phase_now=setup
phase() { phase_now=${1%%[: ]*}; printf '==> %s\n' "$*" >&2; }
if [ "${GUPR_MATRIX_CELL:-0}" != 1 ]; then
	"$GUPR_TOP/vm-images/host-deps.sh" || exit 128
	make -s -C "$GUPR_TOP" host >/dev/null || bad_usage "building the host tools failed"
fi
gupr_mark startup
out_dir "$outdir" "$name"
out=$OUT_DIR
GUPR_LOG="$out/build.log"
printf '%s\n' "${tests[@]}" >"$out/tests.txt"
printf '%s\n' "${envs[@]}" >"$out/env.txt"
t0=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# finish RC: say where the run is and exit RC (verdict.txt is written)
finish() {
	trap - EXIT INT TERM HUP
	printf '==> artifacts: %s (%s s)\n' "${out#"$GUPR_TOP"/}" "$(elapsed "$t0")" >&2
	[ -s "$out/run.txt" ] && echo "seconds: $(elapsed "$t0")" >>"$out/run.txt"
	gupr_mark finish
	gupr_phases "$out" "$t_start"
	[ "$GUPR_VERBOSE" = 1 ] && sed 's/^/==> phase: /' "$out/phases.txt" >&2
	[ "$keep" = 1 ] || rm -f "$out/test.img" "$out/scratch.img"
	rm -f "$out/results.img"
	exit "$1"
}
# Whatever stops the run before its verdict (a kernel, a build, an image)
# leaves one: COULD NOT TEST with the reason (gup-repro-verdict --error);
# bad input found late (a package apt does not know: status 2) and errors
# of the machine are 128 and one line.
on_early_exit() {
	local rc=$? why what
	exec 2>&3
	[ -e "$out/verdict.txt" ] && return
	why=$(grep -h '^gup-repro: error: ' "$out/build.log" 2>/dev/null | tail -n 1 | sed 's/^gup-repro: error: //')
	[ -n "$why" ] || why="preparing the guest failed (exit $rc, see build.log)"
	if [ "$rc" = 2 ]; then
		echo "run.sh fstests: $why" >&2
		find "$out" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
		exit 128
	fi
	if what=$(printf '%s\n' "$why" | cat - "$out/build.log" 2>/dev/null | gupr_host_fault /dev/stdin "$out"); then
		echo "run.sh fstests: host error: $what" >&2
		exit "$GUPR_HOST_RC"
	fi
	tail -n 20 "$out/build.log" >&2
	"$GUPR_HOST/gup-repro-verdict" --dir "$out" --error "$why"
	finish 125
}
trap on_early_exit EXIT
# interrupted SIG RC: stop everything this run started, leave a COULD NOT
# TEST verdict saying so, exit RC
interrupted() {
	trap - INT TERM HUP EXIT
	exec 2>&3
	gupr_kill_tree $$
	"$GUPR_HOST/gup-repro-verdict" --dir "$out" --interrupted "$1" --phase "$phase_now" >/dev/null
	echo "run.sh fstests: interrupted by SIG$1 during $phase_now; everything it started is stopped" >&2
	finish "$2"
}
trap 'interrupted INT 130' INT
trap 'interrupted TERM 143' TERM
trap 'interrupted HUP 129' HUP

phase "kernel: $kernel"
gupr_kernel "$kernel" 2>>"$out/build.log"
lacks=$(gupr_kernel_lacks boot disk "fs=$fs" fs=ext4)
if [ -n "$lacks" ]; then
	echo "gup-repro: error: the kernel lacks $(printf '%s\n' "$lacks" | cut -f1 | tr '\n' ' ' | sed 's/ $//') (see vm-images/guest.config and ./run.sh kernel-config)" >>"$out/build.log"
	exit 125
fi
gupr_mark kernel
gupr_prepare "$kernel" 2>>"$out/build.log" ||
	{ echo "gup-repro: error: module build failed for $KREL (see build.log)" >>"$out/build.log"; exit 125; }
gupr_mark prepare
phase "fstests: $src for Debian $(gupr_fstests_suite)"
gupr_fstests_prepare "$src" "$pkgs" 2>>"$out/build.log"
gupr_mark fstests-build
gupr_rootfs_attach 2>>"$out/build.log"
trace_note=""
if [ "$trace" = 1 ]; then
	if [ -n "${KBTF_WHY:-}" ]; then trace=0 trace_note="unavailable: $KBTF_WHY"
	elif lacks=$(gupr_kernel_lacks trace) && [ -n "$lacks" ]; then
		trace=0 trace_note="unavailable: $(printf '%s\n' "$lacks" | cut -f1 | tr '\n' ' ' | sed 's/ $//') not set"
	fi
	[ -z "$trace_note" ] || phase "trace: $trace_note; running untraced"
fi
gupr_fstests_disks "$out" "$fs" "$out/tests.txt" "$out/env.txt" 2>>"$out/build.log"
INITRD=$(gupr_initrd_for ext4)
gupr_mark disks

cmdline="gupr.mode=fstests gupr.rootfs=debian gupr.module=0 gupr.fs=$fs gupr.trace=$trace gupr.trace_file=$trace_file"
tail_pid=""
if [ "$GUPR_VERBOSE" = 1 ]; then
	( sleep 0.2; exec tail -n +1 -F "$out/console.log" 2>/dev/null ) >&2 &
	tail_pid=$!
fi
phase "boot: $KREL ($KVERSION) under QEMU, Debian $ROOTFS_SUITE userland, ./check ${tests[*]} on $fs, timeout ${timeout}s"
phase_now=boot
tb=$EPOCHREALTIME
gupr_boot "$out" "$timeout" "$cmdline" ""
tboot=$(elapsed "$tb")
gupr_mark qemu
[ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null
gupr_fstests_collect "$out/results.img" "$out/fstests" "${tests[@]}"
gupr_mark collect

{
	echo "scenario: fstests ${tests[*]}"
	echo "fs: $fs"
	echo "fstests: $src"
	echo "fstests-head: $(git -C "$src" rev-parse HEAD)"
	echo "fstests-describe: $(git -C "$src" describe --always --dirty 2>/dev/null)"
	echo "fstests-build: $FSTESTS_CACHE"
	echo "tests: ${tests[*]}"
	echo "env: ${envs[*]}"
	echo "kernel: $KREL"
	echo "kernel-package: $KLABEL"
	[ "$KSOURCE" != tree ] || { echo "kernel-tree: $KTREE"; echo "kernel-commit: $KCOMMIT"; }
	echo "module: not loaded (fstests)"
	[ -z "$trace_note" ] || echo "trace: $trace_note"
	[ "$trace" = 0 ] || echo "trace-file: $trace_file"
	echo "kernel-cmdline: $GUPR_BOOT_CMDLINE $cmdline"
	echo "rootfs: debian $ROOTFS_SUITE ($(cat "$ROOTFS_DIR/packages.txt"))"
	echo "rootfs-image: $ROOTFS_IMG"
	echo "accel: $BOOT_ACCEL"
	echo "vcpus: ${GUP_REPRO_SMP:-2}"
	echo "start: boot"
	echo "boot-status: $BOOT_STATUS${BOOT_DETAIL:+ ($BOOT_DETAIL)}"
	echo "boot-attempts: $BOOT_ATTEMPTS"
	echo "boot-seconds: $tboot"
} >"$out/run.txt"

phase_now=verdict
phase "verdict (guest: $BOOT_STATUS after ${tboot}s under $BOOT_ACCEL)"
report_args=()
if [ "$trace" = 1 ] && grep -q '"event":"start"' "$out/events.jsonl" 2>/dev/null; then
	report_args=(--events "$out/events.jsonl" --run "$out/run.txt" --guest "$out/guest.log" --out "$out")
	"$GUPR_HOST/pintrace-report" "${report_args[@]}" --no-report >"$out/timeline.txt" 2>>"$out/build.log"
	cat "$out/timeline.txt" >&2
elif [ "$trace" = 1 ]; then
	echo "==> trace: no events ($trace_file was never made, or pintrace did not start: guest.log)" >&2
fi
gupr_fstests_verdict "$out" "$FSTESTS_CACHE/tree"
rc=$?
[ ${#report_args[@]} = 0 ] || "$GUPR_HOST/pintrace-report" "${report_args[@]}" --verdict "$out/verdict.txt" --report-only \
	>/dev/null 2>>"$out/build.log"
gupr_mark verdict
finish $rc
