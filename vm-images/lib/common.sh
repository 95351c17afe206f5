# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/common.sh - paths, messages, staleness and locks shared by
# every host-side step.  Sourced by lib.sh.

GUPR_TOP=${GUPR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GUPR_CACHE=${GUP_REPRO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gup-repro}
GUPR_BUILD=${GUP_REPRO_BUILD:-$GUPR_TOP/build}
# the user-space binaries `make host` builds (the Makefile's build/host)
GUPR_HOST="$GUPR_TOP/build/host"
GUPR_VERBOSE=${GUPR_VERBOSE:-0}

# gupr_paths_ok: the cache and build directories are paths kbuild and the
# tools gup-repro drives can work in (no white space: make splits words
# there); else prints which one and returns 1.
gupr_paths_ok() {
	local v
	for v in GUPR_CACHE GUPR_BUILD; do
		case "${!v}" in
		*[[:space:]]*)
			echo "the ${v#GUPR_} directory '${!v}' has white space in it, which kbuild cannot build in: set GUP_REPRO_${v#GUPR_} to a path without"
			return 1 ;;
		esac
	done
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
	local pids alive p i
	pids=$(gupr_descendants "$1")
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	for i in 1 2 3 4 5 6; do
		alive=""
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive+=" $p"; done
		[ -n "$alive" ] || return 0
		sleep 0.5
	done
	# shellcheck disable=SC2086
	kill -KILL $alive $(gupr_descendants "$1") 2>/dev/null
}
