# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/common.sh - paths, messages, staleness and locks shared by
# every host-side step.  Sourced by lib.sh.

GUPR_TOP=${GUPR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GUPR_CACHE=${GUP_REPRO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gup-repro}
GUPR_BUILD=${GUP_REPRO_BUILD:-$GUPR_TOP/build}
GUPR_VERBOSE=${GUPR_VERBOSE:-0}

gupr_say() { printf '%s\n' "$*" >&"${GUPR_SAY_FD:-2}"; }
gupr_die() { printf 'gup-repro: error: %s\n' "$*" >&2; exit "${GUPR_DIE_RC:-125}"; }
gupr_vrun() {
	# Run a command; its output is shown with --verbose, else kept in $GUPR_LOG.
	if [ "$GUPR_VERBOSE" = 1 ]; then "$@"; else "$@" >>"${GUPR_LOG:-/dev/null}" 2>&1; fi
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
