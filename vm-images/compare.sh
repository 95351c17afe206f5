#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/compare.sh - ./run.sh compare: does a patch change the cells?
# Builds the kernel without the change (--base) and with it (--patch
# FILE... applied on --base, or --head REV) in clones of the tree that are
# gup-repro's own (the user's checkout is only read), prepares each once,
# runs the chosen cells on both in one matrix (./run.sh matrix, the
# kernels of a cell one after the other: the machine's noise falls on both
# alike), then one before/after table (gup-repro-compare).
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$GUPR_TOP/vm-images/lib.sh"

usage() {
	cat <<EOF
usage: ./run.sh compare --tree TREE --base REV (--patch FILE... | --head REV) [options]

Builds TREE at REV --base and with the change (each --patch FILE applied
in order on --base, or the commit --head), runs every chosen cell on both
kernels (interleaved) and prints one table: a row per cell with both
verdicts (and, with --repeat, rates and 95% Wilson intervals), the cells
that changed marked, and "fixed N, broke N, changed N, unchanged N".

  --tree TREE       kernel git tree; only read: the builds happen in clones
                    of it under the cache (build directories kept there
                    for incremental builds, ccache)
  --base REV        the kernel without the change
  --patch FILE      a patch on --base (git format-patch mail, or a diff
                    git apply takes); repeatable, applied in order
  --head REV        the kernel with the change (instead of --patch)
  --cells LIST      the scenarios to compare, names or shell patterns
                    (default: every driver scenario, every module-free
                    trigger, and each trigger with each fault in its
                    window, TRIGGER+FAULT)
  --fs LIST         filesystems (default: ext4,xfs,btrfs)
  --repeat N        runs per cell and kernel (1..1000), each in a fresh VM
  -j, --jobs N, -t, --timeout SEC, --no-trace, --hosts FILE, --retries N
                    as for ./run.sh matrix
  -o, --out DIR     compare directory (default: out/compare-<timestamp>)
  -h, --help        this text

Writes DIR/compare.txt (plain text, lines of at most 80 columns),
compare.md, compare.json, the matrix of both kernels in DIR/matrix/ and
each side's build log in DIR/build-{base,patched}.log.
Exit: 0 nothing got worse, 1 a cell that was clean on --base reproduces
with the change, 125 a side could not be built or prepared, 128 bad
usage (a patch that does not apply included) or an error of the
machine, 130/143/129 interrupted.
Test-only hook: GUP_REPRO_TEST_COMPARE_BUILD replaces a side's build and
preparation by a command (env GUPR_SIDE, GUPR_SRC, GUPR_KERNEL_DIR).
EOF
}
bad_usage() { echo "run.sh compare: $*" >&2; echo "Try './run.sh compare --help'." >&2; exit 128; }

# parse ARGS: the options into the globals below (checked by validate).
tree="" base="" head="" patches=() cells="" fslist=ext4,xfs,btrfs repeat="" out=""
matrix_opts=()
parse() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--tree|--base|--head|--patch|--cells|--fs|--repeat|-o|--out|-j|--jobs|-t|--timeout|--hosts|--retries)
			[ $# -ge 2 ] || bad_usage "$1 needs a value" ;;
		esac
		case "$1" in
		--tree) tree=$2 ;;
		--base) base=$2 ;;
		--head) head=$2 ;;
		--patch) patches+=("$2") ;;
		--cells) cells=$2 ;;
		--fs) fslist=$2 ;;
		--repeat) repeat=$2 ;;
		-o|--out) out=$2 ;;
		-j|--jobs|-t|--timeout|--hosts|--retries) matrix_opts+=("$1" "$2") ;;
		--no-trace) matrix_opts+=("$1"); shift; continue ;;
		-h|--help) usage; exit 0 ;;
		*) bad_usage "unknown option '$1'" ;;
		esac
		shift 2
	done
}

# hosts_opt: the --hosts FILE passed on to the matrix ("" without)
hosts_opt() {
	local i
	for ((i = 0; i < ${#matrix_opts[@]} - 1; i++)); do
		[ "${matrix_opts[i]}" = --hosts ] && echo "${matrix_opts[i + 1]}"
	done
}

# validate: every option is usable before anything is built; sets TOP (the
# tree's top directory), BASE and HEAD (commit ids; HEAD empty with
# --patch) and the absolute paths of the patches.
validate() {
	local p i
	why=$(gupr_paths_ok --tree "$tree" --out "$out" --hosts "$(hosts_opt)") || bad_usage "$why"
	for p in "${patches[@]}"; do why=$(gupr_path_ok --patch "$p") || bad_usage "$why"; done
	[ -n "$tree" ] || bad_usage "--tree is required"
	[ -n "$base" ] || bad_usage "--base is required"
	[ ${#patches[@]} -gt 0 ] || [ -n "$head" ] || bad_usage "--patch FILE or --head REV is required"
	[ ${#patches[@]} -eq 0 ] || [ -z "$head" ] || bad_usage "--patch and --head are exclusive"
	if [ -n "$repeat" ]; then why=$(gupr_number --repeat "$repeat" 1 1000) || bad_usage "$why"; fi
	TOP=$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null) || bad_usage "--tree $tree: not a git work tree"
	gupr_tree_locate "$TOP" || bad_usage "--tree $tree: $TREE_WHY"
	BASE=$(git -C "$TOP" rev-parse --verify --quiet "$base^{commit}") || bad_usage "--base $base: no such commit in $TOP"
	HEAD=""
	if [ -n "$head" ]; then
		HEAD=$(git -C "$TOP" rev-parse --verify --quiet "$head^{commit}") || bad_usage "--head $head: no such commit in $TOP"
		[ "$HEAD" != "$BASE" ] || bad_usage "--base and --head are the same commit"
	fi
	for i in "${!patches[@]}"; do
		p=${patches[$i]}
		[ -f "$p" ] && [ -r "$p" ] || bad_usage "--patch $p: no such file"
		patches[$i]=$(cd "$(dirname "$p")" && pwd)/$(basename "$p")
	done
}

# cell_list: the scenarios of the cells, one a line: --cells' names and
# patterns matched against the default list (driver scenarios, triggers,
# TRIGGER+FAULT); a name or pattern that matches nothing is bad usage.
cell_list() {
	local -a all want
	local s w hit t f
	mapfile -t all < <("$GUPR_HOST/gup-repro" --list-scenarios
		for t in $(gupr_trigger_names); do
			echo "$t"
			for f in $(gupr_fault_names); do echo "$t+$f"; done
		done)
	[ -n "$cells" ] || { printf '%s\n' "${all[@]}"; return 0; }
	IFS=, read -r -a want <<<"$cells"
	for w in "${want[@]}"; do
		hit=0
		for s in "${all[@]}"; do
			# shellcheck disable=SC2053	# w is a pattern
			[[ $s == $w ]] && { echo "$s"; hit=1; }
		done
		[ $hit = 1 ] || { echo "run.sh compare: --cells: '$w' matches no scenario, trigger or TRIGGER+FAULT" >&2; return 1; }
	done | awk '!seen[$0]++'
}

# side_source SIDE: the source checked out as SIDE in a clone of the tree
# that is gup-repro's own ($WORK/src: git clone --shared, objects borrowed
# from the tree, nothing written into it): BASE, or for the patched side
# BASE with the patches applied, or HEAD.  One clone and one build
# directory serve both sides, one after the other: the second build is
# incremental (the files the change touches), and ccache finds the rest
# (it hashes the sources' paths).  A patch that does not apply is bad
# usage: one line naming it.
side_source() {
	local side=$1 src=$WORK/src p
	if [ ! -d "$src/.git" ]; then
		rm -rf --one-file-system "$src"
		git clone -q --shared --no-checkout "$TOP" "$src" >"$WORK/clone.log" 2>&1 ||
			gupr_die "cannot clone $TOP into $src (see $WORK/clone.log)"
	fi
	git -C "$src" am --abort >/dev/null 2>&1
	git -C "$src" fetch -q "$TOP" 2>/dev/null	# commits made in the tree since the clone
	if [ "$side" = patched ] && [ -n "$HEAD" ]; then
		git -C "$src" checkout -q -f --detach "$HEAD" || gupr_die "cannot check out --head in $src"
	else
		git -C "$src" checkout -q -f --detach "$BASE" || gupr_die "cannot check out --base in $src"
	fi
	git -C "$src" clean -q -fdx
	[ "$side" = patched ] || return 0
	for p in "${patches[@]}"; do
		if ! apply_patch "$src" "$p" >"$WORK/patch.log" 2>&1; then
			git -C "$src" am --abort >/dev/null 2>&1
			git -C "$src" checkout -q -f --detach "$BASE"
			bad_usage "--patch $p does not apply on --base $base ($(grep -m 1 -E 'error|failed|does not apply' "$WORK/patch.log" | cut -c1-120))"
		fi
	done
}

# apply_patch SRC FILE: a mail (git format-patch: a From: and a Subject:
# header) with git am, else a diff with git apply and a commit named by
# its Subject: line or the file.
apply_patch() {
	local g=(git -C "$1" -c user.name=gup-repro -c user.email=gup-repro@invalid) subj
	if grep -q '^From: ' "$2" && grep -q '^Subject: ' "$2"; then
		"${g[@]}" am -q --3way "$2"
	else
		subj=$(sed -n '1,/^---/s/^Subject: //p' "$2" | head -n 1)
		"${g[@]}" apply --index "$2" && "${g[@]}" commit -q -m "${subj:-${2##*/}}"
	fi
}

# side_kernel SIDE: the side's source (side_source) built in the build
# directory ($WORK/build: the guest config once, then make) and prepared
# for the runs as a prepared kernel in OUT/kernels/SIDE (its image, module
# and initramfs for every filesystem of the cells, copied there: the next
# side's build does not touch them).  The build's and preparation's output
# go to OUT/build-SIDE.log.  Exits 125 when the side cannot be built.
side_kernel() {
	local side=$1 src=$WORK/src build=$WORK/build kdir=$OUT/kernels/$1 log=$OUT/build-$1.log
	local -a fss
	IFS=, read -r -a fss <<<"$fslist"
	echo "==> compare: building $side ($(git -C "$src" log -1 --format='%h %s' | cut -c1-60))" >&2
	if [ -n "${GUP_REPRO_TEST_COMPARE_BUILD:-}" ]; then
		GUPR_SIDE=$side GUPR_SRC=$src GUPR_KERNEL_DIR=$kdir sh -c "$GUP_REPRO_TEST_COMPARE_BUILD" >"$log" 2>&1 && return 0
	elif ( GUPR_SAY_FD=3 gupr_tree_make "$src" "$build" compare &&
	       gupr_prepare "$build" && gupr_kernel_pack "$kdir" "${fss[@]}" ) 3>&2 >"$log" 2>&1; then
		return 0
	fi
	why=$(gupr_host_fault "$log") &&
		{ echo "run.sh compare: host error: $why" >&2; exit "$GUPR_HOST_RC"; }
	echo "run.sh compare: the $side kernel could not be built or prepared (see ${log#"$GUPR_TOP"/}):" >&2
	tail -n 5 "$log" >&2
	exit 125
}

# header FILE: what the table compares, for compare.txt and compare.json
header() {
	local p
	{
		echo "gup-repro compare: $TOP"
		echo "base:    $(git -C "$TOP" log -1 --format='%h ("%s")' "$BASE" | cut -c1-70)"
		if [ -n "$HEAD" ]; then
			echo "patched: $(git -C "$TOP" log -1 --format='%h ("%s")' "$HEAD" | cut -c1-70)"
		else
			for p in "${patches[@]}"; do echo "patched: + ${p##*/}"; done
		fi
		echo "cells:   $(wc -l <"$OUT/cells.txt") scenarios x ${fslist//,/ }, ${repeat:-1} run(s) per cell and kernel, interleaved"
	} >"$1"
}

main() {
	parse "$@"
	validate
	gupr_host_preflight "${out:-$GUPR_TOP/out}"
	"$GUPR_TOP/vm-images/host-deps.sh" --kernel-build || exit 128
	make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh compare: building the host tools failed" >&2; exit 128; }
	# --out, or a new out/compare-<timestamp> (unique even for two
	# comparisons started in the same second)
	if [ -n "$out" ]; then
		mkdir -p "$out" && OUT=$(cd "$out" && pwd) || bad_usage "cannot create --out $out"
	else
		OUT=$(gupr_run_dir "$GUPR_TOP/out" "compare-$(date +%Y%m%d-%H%M%S)") || bad_usage "$OUT"
		out=$OUT
	fi
	[ ! -e "$OUT/compare.txt" ] && [ ! -e "$OUT/matrix" ] || bad_usage "--out $out holds a comparison already"
	cell_list >"$OUT/cells.txt" || exit 128
	WORK="$GUPR_CACHE/compare/$(gupr_path_key "$TOP")"
	mkdir -p "$WORK" || gupr_die "cannot create $WORK"
	# one comparison of a tree at a time: the clones and build directories are shared
	gupr_lock "compare-$(gupr_path_key "$TOP")"
	# the patches are tried first: one that does not apply stops here
	side_source patched
	side_source base
	side_kernel base
	side_source patched
	side_kernel patched
	header "$OUT/header.txt"
	local -a m=(--kernels "prepared:$OUT/kernels/base,prepared:$OUT/kernels/patched" --fs "$fslist"
		    --scenarios "$(paste -sd, "$OUT/cells.txt")" --order interleave -o "$OUT/matrix")
	[ -z "$repeat" ] || m+=(--repeat "$repeat")
	"$GUPR_TOP/vm-images/matrix.sh" "${m[@]}" "${matrix_opts[@]}" >"$OUT/matrix.out"
	rc=$?
	[ $rc = 0 ] || { cat "$OUT/matrix.out"; exit "$rc"; }
	"$GUPR_HOST/gup-repro-compare" --matrix "$OUT/matrix" --base "prepared:$OUT/kernels/base" \
		--patched "prepared:$OUT/kernels/patched" --header "$OUT/header.txt" --out "$OUT"
	rc=$?
	echo "==> compare: ${OUT#"$GUPR_TOP"/}/compare.txt (compare.md, compare.json)" >&2
	case $rc in 0|1) exit $rc ;; *) exit 125 ;; esac
}

main "$@"
