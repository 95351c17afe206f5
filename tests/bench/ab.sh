#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/bench/ab.sh N 'COMMAND A' 'COMMAND B': an interleaved A/B of two
# commands (e.g. ./run.sh of two worktrees, or ./run.sh with and without a
# change of GUPR_BOOT_CMDLINE), N runs each (N >= 5): per run the wall time
# and the CPU time (user + sys of everything the command started, from
# GNU time), then the medians.  What docs/benchmarks.md's "What was tried" used.
set -u
[ $# = 3 ] && [ "$1" -ge 5 ] 2>/dev/null || { echo "usage: $0 N(>=5) 'COMMAND A' 'COMMAND B'" >&2; exit 128; }
[ -x /usr/bin/time ] || { echo "$0: GNU time (/usr/bin/time, package time) is missing" >&2; exit 128; }
n=$1
res=$(mktemp)
trap 'rm -f "$res"' EXIT
for i in $(seq "$n"); do
	for side in A B; do
		if [ "$side" = A ]; then c=$2; else c=$3; fi
		/usr/bin/time -f "$side %e %U %S" -a -o "$res" bash -c "$c" >/dev/null 2>&1
	done
done
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for side in A B; do
	wall=$(awk -v s="$side" '$1 == s { print $2 }' "$res")
	cpu=$(awk -v s="$side" '$1 == s { print $3 + $4 }' "$res")
	printf '%s: wall median %s s (%s), CPU median %s s (%s)\n' "$side" \
		"$(median <<<"$wall")" "$(echo $wall)" "$(median <<<"$cpu")" "$(echo $cpu)"
done
