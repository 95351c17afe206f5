#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/cache.sh - ./run.sh cache: what gup-repro keeps in its cache,
# and the removal of its snapshots (vm-images/lib/snapshot.sh).
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm-images/lib.sh
. "$GUPR_TOP/vm-images/lib.sh"

usage() {
	cat <<EOF
usage: ./run.sh cache [list]            what the cache holds, snapshots first
       ./run.sh cache prune [--all]     remove the least recently used snapshots
                                        beyond the bounds (with --all: every one)

The cache is $GUPR_CACHE (GUP_REPRO_CACHE, or XDG_CACHE_HOME).  Snapshots
are bounded by GUP_REPRO_SNAPSHOTS (count, default 16) and
GUP_REPRO_SNAPSHOTS_MB (MiB, default 2048); one in use by a run (its lock
held) is never removed.  Kernels, build roots and Debian userland images
are listed with their size; remove them by hand when you need the room
(the next run fetches or makes them again).
Exit: 0, 128 bad usage.
EOF
}
bad_usage() { echo "run.sh cache: $*" >&2; echo "Try './run.sh cache --help'." >&2; exit 128; }

# list: the snapshots, then the other parts of the cache with their size
list() {
	local d
	echo "snapshots ($GUPR_SNAP_DIR; key, size, last used, kernel, fs):"
	gupr_snapshot_list | sed 's/^/  /'
	[ -n "$(find "$GUPR_SNAP_DIR" -mindepth 1 -maxdepth 1 ! -name '.*' -print -quit 2>/dev/null)" ] || echo "  (none)"
	echo "other parts ($GUPR_CACHE):"
	for d in kernels trees buildroots rootfs bisect compare ccache apt linux-source; do
		[ -d "$GUPR_CACHE/$d" ] && printf '  %-12s %6s\n' "$d" "$(du -sh "$GUPR_CACHE/$d" 2>/dev/null | cut -f1)"
	done
	return 0
}

# main ARGS: list (default), prune [--all]
main() {
	why=$(gupr_paths_ok) || bad_usage "$why"
	case "${1:-list}" in
	list) [ $# -le 1 ] || bad_usage "list takes no argument"; list ;;
	prune)
		case "${2:-}" in
		'') gupr_snapshot_prune ;;
		--all) [ $# -eq 2 ] || bad_usage "prune takes --all or nothing"
		       GUP_REPRO_SNAPSHOTS=0 gupr_snapshot_prune ;;
		*) bad_usage "prune takes --all or nothing, not '$2'" ;;
		esac
		list ;;
	-h|--help) usage ;;
	*) bad_usage "unknown command '$1' (list or prune)" ;;
	esac
}

main "$@"
