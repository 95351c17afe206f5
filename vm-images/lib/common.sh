# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/common.sh - paths, messages, staleness and locks shared by
# every host-side step.  Sourced by lib.sh.

GUPR_TOP=${GUPR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GUPR_CACHE=${GUP_REPRO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gup-repro}
GUPR_BUILD=${GUP_REPRO_BUILD:-$GUPR_TOP/build}
# the user-space binaries `make host` builds (the Makefile's build/host)
# shellcheck disable=SC2034  # read by run.sh and the subcommands
GUPR_HOST="$GUPR_TOP/build/host"
GUPR_VERBOSE=${GUPR_VERBOSE:-0}

# gupr_has_ctl STRING: true when STRING has a control character (a byte
# below 0x20, such as newline or tab, or 0x7f).
gupr_has_ctl() {
	local LC_ALL=C
	[[ $1 == *[[:cntrl:]]* ]]
}

# gupr_path_ok WHAT PATH [KIND [FIX]]: true when PATH ("" passes) has no
# white space and no control character; else prints one line, "WHAT 'PATH'
# has white space in it, which ...: FIX" (or "WHAT $'PATH' has a control
# character in it: FIX"), and returns 1.  KIND kbuild: a path kbuild builds
# in (make splits words there); else a path the tools gup-repro drives
# take in words (QEMU's options, GNU parallel's jobs).  FIX: what to do
# (default: "use a path without").
gupr_path_ok() {
	local what=$1 p=$2 kind=${3:-} fix=${4:-use a path without} why
	why="which the tools gup-repro drives split into words (QEMU's options, GNU parallel's jobs)"
	[ "$kind" = kbuild ] && why="which kbuild cannot build in (make splits words there)"
	if gupr_has_ctl "$p"; then
		echo "$what ${p@Q} has a control character in it: $fix"
		return 1
	fi
	case "$p" in
	*[[:space:]]*) echo "$what '$p' has white space in it, $why: $fix"; return 1 ;;
	esac
	return 0
}

# gupr_paths_ok [WHAT PATH]...: the cache and build directories, TMPDIR and
# each PATH (a command's path options, named WHAT in the message; a WHAT
# written kbuild:WHAT is a path kbuild builds in; "" passes) are paths
# gupr_path_ok takes; else prints the first one's line and returns 1.
# Every command checks its paths here, before it starts anything.
gupr_paths_ok() {
	gupr_path_ok "the CACHE directory" "$GUPR_CACHE" kbuild "set GUP_REPRO_CACHE to a path without" &&
		gupr_path_ok "the BUILD directory" "$GUPR_BUILD" kbuild "set GUP_REPRO_BUILD to a path without" &&
		gupr_path_ok TMPDIR "${TMPDIR:-}" "" "set TMPDIR to a path without" || return 1
	while [ $# -ge 2 ]; do
		case "$1" in
		kbuild:*) gupr_path_ok "${1#kbuild:}" "$2" kbuild ;;
		*) gupr_path_ok "$1" "$2" ;;
		esac || return 1
		shift 2
	done
}

# gupr_run_dir PARENT NAME: make a new directory PARENT/NAME, or NAME.1,
# NAME.2, ... when that one exists (a run started in the same second), and
# print its absolute path.  Each is made by mkdir without -p, which fails
# when the directory exists: of two runs that pick one name at once, one
# gets it and the other takes the next.  On failure prints why and
# returns 1.
gupr_run_dir() {
	local parent=$1 name=$2 d n=0 err
	mkdir -p -- "$parent" 2>/dev/null && parent=$(cd "$parent" && pwd) ||
		{ echo "cannot create the directory $parent"; return 1; }
	d=$parent/$name
	until err=$(mkdir -- "$d" 2>&1); do
		[ -e "$d" ] || { echo "cannot create $d (${err##*: })"; return 1; }
		n=$((n + 1))
		[ $n -lt 1000 ] || { echo "cannot create $parent/$name: $name to $name.999 exist"; return 1; }
		d=$parent/$name.$n
	done
	echo "$d"
}

# gupr_out_dir VAR DIR NAME FORCE: a command's run directory into VAR,
# absolute and locked (flock -n on a descriptor kept open by the command
# and what it starts until they end: another run naming it is refused):
# DIR (--out, made when missing), or without DIR a new
# out/<timestamp>-NAME (gupr_run_dir: unique even for runs started in the
# same second).  An existing DIR must be empty, or a run directory
# (run.txt or verdict.txt in it) that FORCE (1: --force) lets us empty:
# files of a directory that is not ours are never overwritten or deleted.
# Returns 1 with VAR set to the one line why (bad usage to the caller).
gupr_out_dir() {
	local -n _od=$1
	local d=$2 fd
	if [ -z "$d" ]; then
		_od=$(gupr_run_dir "$GUPR_TOP/out" "$(date +%Y%m%d-%H%M%S)-$3") || return 1
	else
		mkdir -p -- "$d" 2>/dev/null && _od=$(cd "$d" && pwd) || { _od="cannot create --out $d"; return 1; }
	fi
	exec {fd}<"$_od" || { _od="cannot open the run directory $_od"; return 1; }
	flock -n "$fd" || { _od="--out $_od is in use by another run"; return 1; }
	[ -n "$(ls -A "$_od" 2>/dev/null)" ] || return 0
	[ -e "$_od/run.txt" ] || [ -e "$_od/verdict.txt" ] ||
		{ _od="--out $d is not empty and not a gup-repro run directory"; return 1; }
	[ "$4" = 1 ] || { _od="--out $d holds a previous run: add --force to replace it"; return 1; }
	find "$_od" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + ||
		{ _od="cannot empty --out $d"; return 1; }
}

# gupr_repeat_traps WHO: the traps of a --repeat loop (run.sh's and
# ./run.sh fstests'): SIGINT, SIGTERM and SIGHUP stop the run in progress
# and its children (gupr_kill_tree), then exit 130, 143 and 129, SIGINT
# saying "WHO: interrupted" (each run keeps its own verdict of it).
gupr_repeat_traps() {
	# shellcheck disable=SC2064  # WHO expanded now, on purpose
	trap "gupr_kill_tree \$\$; echo '$1: interrupted' >&2; exit 130" INT
	trap 'gupr_kill_tree $$; exit 143' TERM
	trap 'gupr_kill_tree $$; exit 129' HUP
}

# gupr_repeat_runs DIR N CMD ARG...: --repeat N of a command: N runs of
# CMD ARG... less --repeat N and -o/--out DIR (either form), the Ith
# (01, 02, ...) with --out DIR/run-II and its output in DIR/run-II.out, a
# progress line each on stderr naming its verdict and exit status.  A run
# that exits 128 (bad usage, an error of the machine) stops the repeats:
# its output goes to stderr and this returns 128; else 0.
gupr_repeat_runs() {
	local dir=$1 n=$2 cmd=$3 skip=0 a i r rc
	local -a args=()
	shift 3
	for a in "$@"; do
		if [ $skip = 1 ]; then skip=0; continue; fi
		case "$a" in
		--repeat|-o|--out) skip=1 ;;
		--repeat=*|--out=*) ;;
		*) args+=("$a") ;;
		esac
	done
	for ((i = 1; i <= n; i++)); do
		r=$(printf %02d "$i")
		"$cmd" "${args[@]}" --out "$dir/run-$r" >"$dir/run-$r.out" 2>&1
		rc=$?
		[ $rc = 128 ] && { cat "$dir/run-$r.out" >&2; return 128; }
		printf '==> run %s/%s: %s (exit %s)\n' "$r" "$n" \
			"$(sed -n 's/^verdict: //p' "$dir/run-$r/verdict.txt" 2>/dev/null | head -n 1)" "$rc" >&2
	done
	return 0
}

gupr_say() { printf '%s\n' "$*" >&"${GUPR_SAY_FD:-2}"; }
gupr_die() { printf 'gup-repro: error: %s\n' "$*" >&2; exit "${GUPR_DIE_RC:-125}"; }
gupr_vrun() {
	# Run a command; its output is shown with --verbose, else kept in
	# $GUPR_LOG.  In the background, waited for: a signal to the script
	# runs its trap at once instead of after the command.
	if [ "$GUPR_VERBOSE" = 1 ]; then "$@" & else "$@" >>"${GUPR_LOG:-/dev/null}" 2>&1 & fi
	wait $!
}

# gupr_stale OUT INPUT...: true when OUT is missing or older than any input
# file (directories are searched).
gupr_stale() {
	local out=$1; shift
	[ -e "$out" ] || return 0
	[ -n "$(find "$@" -newer "$out" -print -quit 2>/dev/null)" ]
}

# gupr_lock NAME: take the lock NAME (a file under $GUPR_CACHE/locks),
# waiting with a message when another run holds it; gupr_unlock NAME
# releases it.  Two runs, matrix cells or a bisect that need the same
# kernel, build root, module or initramfs wait on it instead of deleting
# each other's work.  The lock goes with the process that holds it.
declare -A GUPR_LOCK_FD
gupr_lock() {
	local name=$1 fd
	[ -n "${GUPR_LOCK_FD[$name]:-}" ] && return 0
	mkdir -p "$GUPR_CACHE/locks" || gupr_die "cannot create $GUPR_CACHE/locks"
	exec {fd}>>"$GUPR_CACHE/locks/$name.lock" || gupr_die "cannot open the lock $name"
	if ! flock -n "$fd"; then
		gupr_say "==> waiting for another gup-repro run that holds $name"
		flock "$fd" || gupr_die "cannot take the lock $name"
	fi
	GUPR_LOCK_FD[$name]=$fd
}
gupr_unlock() {
	local fd=${GUPR_LOCK_FD[$1]:-}
	[ -n "$fd" ] || return 0
	exec {fd}>&-
	unset "GUPR_LOCK_FD[$1]"
}

# gupr_number WHAT VALUE MIN MAX: true when VALUE is a decimal number
# (digits only: no sign, spaces or leading zeros, so "010" is not ten) in
# MIN..MAX; else prints "WHAT takes a number from MIN to MAX, not 'VALUE'"
# and returns 1.  Every numeric option is checked here, once.
gupr_number() {
	case "$2" in
	0|[1-9]|[1-9][0-9]|[1-9][0-9][0-9]|[1-9][0-9][0-9][0-9]|[1-9][0-9][0-9][0-9][0-9]|[1-9][0-9][0-9][0-9][0-9][0-9])
		[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] && return 0 ;;
	esac
	echo "$1 takes a number from $3 to $4, not '$2'"
	return 1
}

# gupr_descendants PID: every descendant of PID, deepest first.
gupr_descendants() {
	local p
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		gupr_descendants "$p"
		echo "$p"
	done
}

# gupr_kill_tree PID: stop every process PID started, whatever its
# process group (timeout(1) puts itself and QEMU in a group of their own):
# SIGTERM to all of them, which may clean up for up to 3 s (a matrix cell's
# run.sh writes its verdict), then SIGKILL to those still alive.  The
# processes are followed by PID, not by parentage, once signalled: a child
# whose parent died first is re-parented, and still waited for.
gupr_kill_tree() {
	local pids alive p
	pids=$(gupr_descendants "$1")
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086  # split on purpose: one process id a word
	kill -TERM $pids 2>/dev/null
	for _ in 1 2 3 4 5 6; do
		alive=""
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive+=" $p"; done
		[ -n "$alive" ] || return 0
		sleep 0.5
	done
	# shellcheck disable=SC2086,SC2046  # split on purpose: one process id a word
	kill -KILL $alive $(gupr_descendants "$1") 2>/dev/null
}

# gupr_proc_start PID: the start time of process PID (field 22 of
# /proc/PID/stat, clock ticks since boot): PID and its start time name one
# process, even after PID is reused.  Prints nothing and returns 1 when PID
# is gone or a zombie.
gupr_proc_start() {
	local stat f
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# the fields after the command name (which may hold ") "), from field 3
	read -ra f <<<"${stat##*) }"
	case "${f[0]}" in Z|X|x|'') return 1 ;; esac
	echo "${f[19]}"
}

# gupr_proc_alive PID START: true while the process PID that started at
# START (gupr_proc_start) runs.
gupr_proc_alive() {
	[ -n "$2" ] && [ "$(gupr_proc_start "$1")" = "$2" ]
}

# gupr_sig_ignored NUMBER: true when this shell ignores signal NUMBER (2:
# SIGINT).  A non-interactive bash starts its background commands with
# SIGINT ignored, and a signal ignored on entry to a shell cannot be
# trapped: a script that must answer it runs itself again under
# `env --default-signal`.
gupr_sig_ignored() {
	local mask
	mask=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$$/status" 2>/dev/null)
	[ -n "$mask" ] && [ $(( (16#$mask >> ($1 - 1)) & 1 )) = 1 ]
}

# --- errors of the machine itself ---------------------------------------------
# A read-only or full file system, or a chroot whose / is not a mount point,
# is not the kernel's fault: such a failure is said in one line (what is
# wrong, what to do) with exit status GUPR_HOST_RC, which stops a `git
# bisect run` (128 and above abort it) instead of skipping every commit
# (125), and a matrix or bisection that meets it stops.
GUPR_HOST_RC=128

# GNU parallel as matrix.sh and bisect.sh run it.  It runs each command
# with PARALLEL_SHELL, else the shell that started it, else $SHELL, else
# /bin/sh (parallel(1), "PARALLEL_SHELL"); the jobs are bash command lines,
# and with SHELL unset (CI runs so) a host's job ran under /bin/sh and did
# nothing: every cell on a host came back "failed (exit 0)".  So: bash,
# whatever the environment says.  A job that fails does not stop the
# others (--halt never); a job stopped (interrupt, --timeout) gets SIGTERM
# and 8 s to write its verdict before SIGKILL (--termseq).
# shellcheck disable=SC2034  # read by matrix.sh and bisect.sh
GUPR_PARALLEL=(env PARALLEL_SHELL=/bin/bash parallel --termseq 'TERM,8000,KILL,25' --halt never)
# a file system with less free space than this is full (KiB)
GUPR_FULL_KB=${GUPR_FULL_KB:-4096}

# gupr_dir_problem WHAT DIR VAR: prints what keeps gup-repro from writing in
# DIR (WHAT: "cache directory"; VAR: the variable that sets it), in one line
# that says what to do, and returns 0; returns 1 when DIR (or, when it does
# not exist yet, the directory it will be made in) takes a file and its
# file system has GUPR_FULL_KB free.
gupr_dir_problem() {
	local what=$1 dir=$2 var=$3 d=$2 probe avail fs
	while [ ! -d "$d" ]; do d=$(dirname "$d"); done
	if ! probe=$(mktemp -p "$d" .gupr-probe.XXXXXX 2>&1); then
		case "$probe" in
		*"Read-only file system"*)
			echo "the $what $dir is on a read-only file system: remount it read-write, or set $var to a writable directory" ;;
		*"No space left on device"*|*"Disk quota exceeded"*)
			echo "the $what $dir is on a full file system (${probe##*: }): free space there, or set $var to a directory on another file system" ;;
		*)
			echo "cannot write in the $what $dir (${probe##*: }): set $var to a directory you can write in" ;;
		esac
		return 0
	fi
	rm -f "$probe"
	avail=$(df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $4 }')
	fs=$(df -P "$d" 2>/dev/null | awk 'NR == 2 { print $6 }')
	if [ -n "$avail" ] && [ "$avail" -lt "$GUPR_FULL_KB" ]; then
		echo "the $what $dir is on a full file system ($avail KiB free on $fs): free space there, or set $var to a directory on another file system"
		return 0
	fi
	return 1
}

# gupr_host_dirs [OUT]: the directories a run writes in, as lines
# "WHAT<TAB>DIR<TAB>VAR" for gupr_dir_problem.
gupr_host_dirs() {
	printf '%s\t%s\t%s\n' "cache directory" "$GUPR_CACHE" "GUP_REPRO_CACHE (or XDG_CACHE_HOME)" \
		"build directory" "$GUPR_BUILD" "GUP_REPRO_BUILD"
	[ -z "${1:-}" ] || printf '%s\t%s\t%s\n' "output directory" "$1" "--out"
}

# gupr_host_preflight [OUT]: before anything starts, the cache, build and
# output directories are writable and not full; else dies with one line and
# GUPR_HOST_RC.
gupr_host_preflight() {
	local what dir var why
	while IFS=$'\t' read -r what dir var; do
		why=$(gupr_dir_problem "$what" "$dir" "$var") &&
			GUPR_DIE_RC=$GUPR_HOST_RC gupr_die "host: $why"
	done < <(gupr_host_dirs "${1:-}")
	return 0
}

# gupr_host_fault LOG [OUT]: after a failure, whether it was the machine's:
# prints one line saying what is wrong and what to do, and returns 0, when
# a directory gup-repro writes in is read-only or full (gupr_dir_problem),
# or LOG (the failed step's output) shows a write that failed for lack of
# space or on a read-only file system, or unshare(1) refused a mount
# namespace because / is not a mount point (a chroot); returns 1 when none
# of these is seen.
gupr_host_fault() {
	local log=$1 what dir var why line
	while IFS=$'\t' read -r what dir var; do
		why=$(gupr_dir_problem "$what" "$dir" "$var") && { echo "$why"; return 0; }
	done < <(gupr_host_dirs "${2:-}")
	[ -r "$log" ] || return 1
	line=$(grep -a -m 1 -E 'cannot change root filesystem propagation|No space left on device|Read-only file system|Disk quota exceeded' "$log" |
		tr -cd '[:print:]' | cut -c1-200)
	case "$line" in
	"") return 1 ;;
	*"cannot change root filesystem propagation"*)
		echo "/ is not a mount point (is this a chroot?): unshare -m cannot give a build root its own mounts ($line); run gup-repro outside the chroot, or make its root a mount point (mount --bind DIR DIR before chroot DIR)" ;;
	*"Read-only file system"*)
		echo "a write failed on a read-only file system ($line): remount it read-write, or point GUP_REPRO_CACHE / GUP_REPRO_BUILD / --out elsewhere" ;;
	*)
		echo "a write failed for lack of space ($line): free space on that file system, or point GUP_REPRO_CACHE / GUP_REPRO_BUILD / --out elsewhere" ;;
	esac
	return 0
}
