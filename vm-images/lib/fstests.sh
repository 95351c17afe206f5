# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/fstests.sh - ./run.sh fstests: a user's fstests checkout,
# built for the guest's Debian suite and run by its ./check in the Debian
# userland guest (rootfs.sh) on a TEST_DEV and a SCRATCH_DEV of their own
# (docs/fstests.md).  Sourced by lib.sh.
#
# The guest gets four more disks (gupr_boot_disk), found by serial:
#   gupr-fstests  the built tree, on /fstests (written under -snapshot)
#   gupr-results  in/ from the host (local.config, tests, env); the guest
#                 writes fstests' results/, check.out and check.rc beside
#                 it, and the host reads them back (gupr_fstests_collect)
#   gupr-test     TEST_DEV, made by the guest's mkfs before ./check
#   gupr-scratch  SCRATCH_DEV
# The last three are sparse files of the run directory, written through.

# the filesystems ./run.sh fstests takes (--fs), the first the default
# shellcheck disable=SC2034  # read by fstests.sh and matrix.sh
GUPR_FSTESTS_FILESYSTEMS="ext4 xfs btrfs"
# what fstests' build needs (fstests' own README, its Ubuntu or Debian
# list), in a minbase build root of the suite: liburing and libaio for the
# io_uring and AIO helpers, libbtrfsutil for the btrfs ones
GUPR_FSTESTS_BUILD_PKGS="make,gcc,libc6-dev,autoconf,automake,libtool,pkgconf,xfslibs-dev,uuid-dev,libattr1-dev,libacl1-dev,libgdbm-dev,libcap-dev,libaio-dev,liburing-dev,libbtrfsutil-dev"
# what ./check and the tests run in the guest (its README's run-time list,
# without fio, dbench, quota, xfsdump and python3: --pkgs adds them); the
# libraries the built programs link come on top (gupr_fstests_build)
GUPR_FSTESTS_RUN_PKGS="acl attr bash bc btrfs-progs dmsetup e2fsprogs gawk libcap2-bin mount perl psmisc util-linux uuid-runtime xfsprogs"
# the sizes of the sparse TEST_DEV and SCRATCH_DEV (GiB) and of the results
# disk (MiB)
GUPR_FSTESTS_TEST_GB=4 GUPR_FSTESTS_SCRATCH_GB=8 GUPR_FSTESTS_RESULTS_MB=512
# what is copied back of a test's results (gupr_fstests_collect), and at
# most how many bytes of each
GUPR_FSTESTS_RESULT_FILES="out.bad full dmesg notrun hints"
GUPR_FSTESTS_FILE_MAX=8388608

# gupr_fstests_tree_ok DIR: why DIR is not an fstests checkout this can
# build and run (empty output and status 0 when it is): its ./check,
# common/rc, tests/, src/Makefile and configure.ac, at the top of a git
# checkout with a commit.
gupr_fstests_tree_ok() {
	gupr_fstests_checkout_ok --fstests "$1" "(the build is keyed by its HEAD and status)" \
		check common/rc common/config tests src/Makefile configure.ac
}

# gupr_fstests_checkout_ok OPT DIR WHY FILE...: why DIR (the option OPT's)
# is not the top of a git checkout with a commit that has each FILE (one
# line; empty output and status 0 when it is); WHY says, after "is not a
# git checkout", why it must be one.
gupr_fstests_checkout_ok() {
	local o=$1 d=$2 why=$3 f top
	shift 3
	[ -d "$d" ] || { echo "$o $d is not a directory"; return 1; }
	for f in "$@"; do
		[ -e "$d/$f" ] || { echo "$o $d is not an fstests checkout (no $f)"; return 1; }
	done
	top=$(git -C "$d" rev-parse --show-toplevel 2>/dev/null) ||
		{ echo "$o $d is not a git checkout${why:+ $why}"; return 1; }
	[ "$(cd "$top" && pwd -P)" = "$(cd "$d" && pwd -P)" ] ||
		{ echo "$o $d is not the top of its git checkout ($top)"; return 1; }
	git -C "$d" rev-parse -q --verify HEAD >/dev/null || { echo "$o $d has no commit"; return 1; }
	return 0
}

# gupr_fstests_test_ok DIR TEST: why TEST is not a test of the fstests
# checkout DIR as ./check names them (DIR/tests/TEST: generic/001); empty
# output and status 0 when it is.
gupr_fstests_test_ok() {
	case "$2" in
	[a-z]*/[0-9]*) case "$2" in *[!a-z0-9/]*|*/*/*) ;; *)
		[ -f "$1/tests/$2" ] && return 0
		echo "'$2' is not a test of $1 (no tests/$2)"; return 1 ;; esac ;;
	esac
	echo "'$2' is not an fstests test name (such as generic/001)"
	return 1
}

# gupr_fstests_key DIR SUITE: the name of the build of the checkout DIR for
# SUITE, 16 hex digits of the sha256 of: SUITE, the build root's packages,
# DIR's HEAD and status - its changes against HEAD (staged or not) and its
# untracked files that git does not ignore, with their contents - and the
# recipe (the code of gupr_fstests_copy and gupr_fstests_build: a change to
# how it is built builds anew, a comment does not).  DIR is only read.
gupr_fstests_key() {
	local dir=$1 files
	{
		printf '%s\n%s\n' "$2" "$GUPR_FSTESTS_BUILD_PKGS"
		git -C "$dir" rev-parse HEAD
		git -C "$dir" diff HEAD --binary
		files=$(git -C "$dir" ls-files -o --exclude-standard)
		printf '%s\n' "$files"
		[ -z "$files" ] || printf '%s\n' "$files" | git -C "$dir" hash-object --stdin-paths
		declare -f gupr_fstests_copy gupr_fstests_build
	} | sha256sum | cut -c1-16
}

# gupr_fstests_copy DIR DEST: the files of the checkout DIR as its work
# tree has them (tracked and untracked, none that git ignores: no build
# product of DIR's own, no local.config, no results), into DEST.  DIR is
# only read.
gupr_fstests_copy() {
	mkdir -p "$2" || return 1
	( set -o pipefail
	  git -C "$1" ls-files -z -c -o --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -e "$1/$f" ] || [ -L "$1/$f" ]; then printf '%s\0' "$f"; fi
		done | tar -C "$1" --null -T - -cf - | tar -C "$2" -xf - )
}

# gupr_fstests_build DIR SUITE: the checkout DIR built for SUITE, once per
# gupr_fstests_key, under the lock fstests-SUITE-KEY, in
# $GUPR_CACHE/fstests/SUITE-KEY/: tree/ (DIR's copy, built by its make in
# the build root $GUPR_CACHE/buildroots/SUITE-fstests), fstests.img (tree/
# as an ext4 image for the guest's /fstests, 64 MiB free), runtime.txt (the
# packages whose libraries the built programs link, found in the build
# root), build.log, source.txt (DIR, its HEAD, its status) and .complete.
# Sets FSTESTS_KEY, FSTESTS_CACHE, FSTESTS_IMG and FSTESTS_RUNTIME_PKGS.
# A failed build dies (125) with the end of its log; nothing half-built is
# kept.
gupr_fstests_build() {
	local src=$1 suite=$2 d root="$GUPR_CACHE/buildroots/$2-fstests" t0=$EPOCHREALTIME kb
	FSTESTS_KEY=$(gupr_fstests_key "$src" "$suite")
	FSTESTS_CACHE="$GUPR_CACHE/fstests/$suite-$FSTESTS_KEY" d=$FSTESTS_CACHE
	FSTESTS_IMG="$d/fstests.img"
	if [ ! -e "$d/.complete" ]; then
		gupr_lock "fstests-$suite-$FSTESTS_KEY"
		[ -e "$d/.complete" ] || {
			gupr_root_make "$root" "$suite" "$GUPR_FSTESTS_BUILD_PKGS" "fstests' build dependencies"
			gupr_say "==> fstests: building $src ($(git -C "$src" describe --always --dirty 2>/dev/null)) for $suite (once per content)"
			rm -rf --one-file-system "$d"
			gupr_fstests_copy "$src" "$d/tree" || { rm -rf --one-file-system "$d"; gupr_die "cannot copy $src into $d"; }
			{ echo "fstests: $src"; echo "head: $(git -C "$src" rev-parse HEAD)"; git -C "$src" status --porcelain; } >"$d/source.txt"
			"$GUPR_TOP/vm-images/make-in-root.sh" "$root" "$d/tree" "$d/tree" -C "$d/tree" -j"$(nproc)" >"$d/build.log" 2>&1 &
			if ! wait $!; then
				tail -n 20 "$d/build.log" >&2
				[ -z "${GUPR_LOG:-}" ] || cp "$d/build.log" "${GUPR_LOG%/*}/fstests-build.log" 2>/dev/null
				rm -rf --one-file-system "$d"
				gupr_die "building fstests for $suite failed (make in the build root; fstests-build.log)"
			fi
			gupr_fstests_runtime "$root" "$d/tree" >"$d/runtime.txt" &&
			kb=$(du -sxk "$d/tree" | cut -f1) &&
			gupr_vrun mkfs.ext4 -q -F -O ^has_journal -L gupr-fstests -d "$d/tree" "$FSTESTS_IMG" \
				$(( kb * 12 / 10 / 1024 + 64 ))M || { rm -rf --one-file-system "$d"; gupr_die "cannot pack fstests into $FSTESTS_IMG"; }
			touch "$d/.complete"
			gupr_say "==> fstests: built for $suite in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s ($d)"
		}
		gupr_unlock "fstests-$suite-$FSTESTS_KEY"
	fi
	FSTESTS_RUNTIME_PKGS=$(paste -sd, "$d/runtime.txt")
}

# gupr_fstests_runtime ROOT TREE: the packages of the build root ROOT whose
# shared libraries the ELF programs of TREE need (NEEDED), one a line,
# sorted: liburing2 or libaio1t64 as the suite names them.
gupr_fstests_runtime() {
	local lib
	find "$2" -type f -perm -u+x -print0 | xargs -0r readelf -dW 2>/dev/null |
		sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort -u |
		while read -r lib; do
			dpkg-query --admindir="$1/var/lib/dpkg" -S "*/$lib" 2>/dev/null | sed 's/[:,].*//'
		done | LC_ALL=C sort -u
}

# gupr_fstests_suite: the Debian suite fstests is built for and run on: the
# kernel's (gupr_rootfs_suite), but bookworm for bullseye's 5.10: fstests
# of 2026 does not build against bullseye's headers (src/rw_hint.c needs
# RWH_WRITE_LIFE_NOT_SET, which glibc 2.31's fcntl.h lacks), and bookworm's
# userland runs on 5.10.
gupr_fstests_suite() {
	local s
	s=$(gupr_rootfs_suite)
	[ "$s" != bullseye ] || s=bookworm
	echo "$s"
}

# gupr_fstests_prepare DIR PKGS: for the kernel of the record (after
# gupr_prepare): DIR built for gupr_fstests_suite (gupr_fstests_build) and
# the Debian image of that suite with fstests' run-time packages, the
# libraries its programs link and PKGS (comma-separated; may be empty),
# and the kernel's modules image (gupr_rootfs_prepare).  Sets what those set.
gupr_fstests_prepare() {
	local pkgs
	GUPR_ROOTFS_SUITE=$(gupr_fstests_suite)
	gupr_fstests_build "$1" "$GUPR_ROOTFS_SUITE"
	pkgs=$(gupr_rootfs_pkgs "$GUPR_FSTESTS_RUN_PKGS ${FSTESTS_RUNTIME_PKGS//,/ } ${2//,/ }") ||
		GUPR_DIE_RC=2 gupr_die "--pkgs: $pkgs"
	gupr_rootfs_prepare "$pkgs"
}

# gupr_fstests_local_config FS: fstests' local.config of a run on FS: the
# guest's disks by serial (the guest init links them; CANON_DEVS makes
# ./check use the /dev/vdX they point to), the mount points, the results
# on the results disk.
gupr_fstests_local_config() {
	cat <<-EOF
	# local.config of ./run.sh fstests (gup-repro): the guest's virtio disks
	export FSTYP=$1
	export TEST_DEV=/dev/disk/by-id/virtio-gupr-test
	export TEST_DIR=/mnt/test
	export SCRATCH_DEV=/dev/disk/by-id/virtio-gupr-scratch
	export SCRATCH_MNT=/mnt/scratch
	export RESULT_BASE=/mnt/results/results
	export CANON_DEVS=yes
	EOF
}

# gupr_fstests_disks OUT FS TESTS_FILE ENV_FILE: the run's disks
# in OUT for the next boot: results.img (ext4, fresh, with in/local.config
# of FS, in/tests and in/env: copies of TESTS_FILE and ENV_FILE, one a
# line), test.img and scratch.img (sparse); all written through.  The
# fstests image (FSTESTS_IMG) goes under -snapshot.
gupr_fstests_disks() {
	local out=$1 stage="$1/.results-in"
	rm -rf "$stage" && mkdir -p "$stage/in" && gupr_fstests_local_config "$2" >"$stage/in/local.config" &&
		cp "$3" "$stage/in/tests" && cp "$4" "$stage/in/env" && cp "$stage/in/local.config" "$out/local.config" &&
		truncate -s "${GUPR_FSTESTS_RESULTS_MB}M" "$out/results.img" &&
		gupr_vrun mkfs.ext4 -q -F -L gupr-results -d "$stage" "$out/results.img" &&
		truncate -s "${GUPR_FSTESTS_TEST_GB}G" "$out/test.img" &&
		truncate -s "${GUPR_FSTESTS_SCRATCH_GB}G" "$out/scratch.img" ||
		gupr_die "cannot make the fstests disks in $out"
	rm -rf "$stage"
	gupr_boot_disk "$FSTESTS_IMG" gupr-fstests
	gupr_boot_disk "$out/results.img" gupr-results rw
	gupr_boot_disk "$out/test.img" gupr-test rw
	gupr_boot_disk "$out/scratch.img" gupr-scratch rw
}

# gupr_fstests_collect IMG DEST TEST...: fstests' results from the results
# disk IMG into DEST (made): check.out, check.rc, mkfs.out and results/'s
# check.log and check.time, and of each TEST its files
# (GUPR_FSTESTS_RESULT_FILES: DEST/generic/001.full, ...) - each only when
# the disk has it as a regular file, at most GUPR_FSTESTS_FILE_MAX bytes.
# The guest is untrusted: only these names are read (debugfs, no mount), no
# link is followed out of the image, nothing is written outside DEST.
gupr_fstests_collect() {
	local img=$1 dest=$2 t dir name s cmds
	shift 2
	mkdir -p "$dest" || return 1
	cmds=$(gupr_fstests_dumps "$img" / "$dest" check.out check.rc mkfs.out
		gupr_fstests_dumps "$img" /results "$dest" check.log check.time
		for t in "$@"; do
			dir=${t%/*} name=${t#*/}
			mkdir -p "$dest/$dir"
			# shellcheck disable=SC2046  # split on purpose: one file name a word, none with white space
			gupr_fstests_dumps "$img" "/results/$dir" "$dest/$dir" $(for s in $GUPR_FSTESTS_RESULT_FILES; do echo "$name.$s"; done)
		done)
	[ -z "$cmds" ] || printf '%s\n' "$cmds" | debugfs -f - "$img" >/dev/null 2>&1
	find "$dest" -type f -size +"$((GUPR_FSTESTS_FILE_MAX / 1024))"k -exec truncate -s "$GUPR_FSTESTS_FILE_MAX" {} +
	return 0
}

# gupr_fstests_dumps IMG DIR DEST NAME...: the debugfs commands that copy
# each NAME that is a regular file in DIR of the ext4 image IMG to DEST/NAME.
gupr_fstests_dumps() {
	local img=$1 dir=$2 dest=$3
	shift 3
	debugfs -R "ls -p $dir" "$img" 2>/dev/null |
		awk -F/ -v dir="${dir%/}" -v dest="$dest" -v names=" $* " '
			$3 ~ /^10/ && index(names, " " $6 " ") { print "dump " dir "/" $6 " " dest "/" $6 }'
}

# --- the verdict of an fstests run ------------------------------------------------
# verdict.txt, in the "key: value" lines every run's has (docs/verdicts.md):
#   verdict:  FAILED (exit 1), PASSED (0), NOT RUN (125: fstests' [not run])
#             or COULD NOT TEST (125: the guest, ./check or the disks failed)
#   reason:   one line: which tests failed and how, or why none ran
#   test:     one line per test asked for, in order: "NAME passed",
#             "NAME failed: HOW", "NAME not run: fstests' reason"
#   failed:, passed:, not-run:  the names
#   warning:, site:, trace:  the kernel warning of the first failing test
#             whose .dmesg has one, as gup-repro-verdict classifies it
#   ordering: pintrace's checker, when the run was traced (ordering.txt)
#   kernel:   the kernel's package and version
#   cell:     REPRODUCED:SITE (a test failed on a known symptom of the bug
#             class), FAIL:dmesg (on another kernel warning), FAIL:output
#             (its output differs), FAIL:fsck, FAIL:exit, FAIL:crash, PASS,
#             NOTRUN:REASON or ERROR:WHY - the matrix's cell
#   exit:     the exit status

# gupr_text [MAX]: stdin with every byte that is not printable ASCII as
# '?', each line cut at MAX (default 300) bytes: text of the guest made safe
# for verdict.txt and the terminal.
gupr_text() { LC_ALL=C tr -c '[:print:]\n' '?' | cut -c1-"${1:-300}"; }

# gupr_fstests_summary CHECK_LOG KEY: the names on check.log's last "KEY: "
# line (Ran, Not run, Failures), one a line.
gupr_fstests_summary() {
	sed -n "s/^$2: //p" "$1" 2>/dev/null | tail -n 1 | tr ' ' '\n' | sed '/^$/d'
}

# gupr_fstests_failure F TREE TEST: how TEST failed, from the results F
# (gupr_fstests_collect's directory) and the tree TREE (its TEST.out): one
# line "KIND<TAB>HOW" with KIND the cell of this failure; the kernel
# warning of its .dmesg classified by gup-repro-verdict (a known symptom:
# REPRODUCED:SITE), its output's first differing line, fsck, the exit status.
gupr_fstests_failure() {
	local f=$1 tree=$2 t=$3 kind="" how="" cls w line
	if [ -s "$f/$t.dmesg" ]; then
		cls=$("$GUPR_HOST/gup-repro-verdict" "$f/$t.dmesg" 2>/dev/null)
		kind=$(sed -n 's/^cell: \(REPRODUCED:.*\)/\1/p' <<<"$cls")
		w=$(sed -n 's/^warning: //p' <<<"$cls")
		[ -n "$w" ] || w=$(sed -n 's/^note: other warning: //p' <<<"$cls" | head -n 1)
		[ -n "$w" ] || w=$(grep -a -m 1 -E 'WARNING:|BUG|Oops' "$f/$t.dmesg" | sed 's/^\[[ 0-9.]*\] //')
		kind=${kind:-FAIL:dmesg} how="the kernel warned ($w)"
	fi
	if [ -e "$f/$t.out.bad" ]; then
		line=$(diff "$tree/tests/$t.out" "$f/$t.out.bad" 2>/dev/null | sed -n 's/^> /+/p; s/^< /-/p' | head -n 1)
		kind=${kind:-FAIL:output} how="${how:+$how; }output mismatch${line:+ ($line)}"
	fi
	if [ -z "$how" ]; then
		line=$(awk -v t="$t" '$1 == t { on = 1 } on && $1 != t && $1 ~ /^[a-z0-9]+\/[0-9]+$/ { exit } on' "$f/check.out" 2>/dev/null)
		case "$line" in
		*_check_*filesystem*) kind=FAIL:fsck how="the filesystem check failed ($(grep -m 1 '_check_.*filesystem' <<<"$line"))" ;;
		*"failed, exit status"*) kind=FAIL:exit how="[failed, exit status $(sed -n 's/.*failed, exit status \([0-9]*\).*/\1/p' <<<"$line" | head -n 1)]" ;;
		*) kind=FAIL:exit how="./check counts it failed: $(head -n 1 <<<"$line")" ;;
		esac
	fi
	printf '%s\t%s\n' "$kind" "$(printf '%s\n' "$how" | head -n 1 | gupr_text 400)"
}

# gupr_fstests_rank CELL: the order of the cells of failures, the first
# shown in the matrix: a known symptom, another warning, output, fsck,
# exit status.
gupr_fstests_rank() {
	case "$1" in
	REPRODUCED:*) echo 0 ;; FAIL:crash) echo 1 ;; FAIL:dmesg) echo 2 ;; FAIL:output) echo 3 ;;
	FAIL:fsck) echo 4 ;; *) echo 5 ;;
	esac
}

# gupr_fstests_verdict OUT TREE: the verdict of the fstests run in OUT
# (tests.txt: the tests asked for; fstests/: its results, collected;
# console.log, run.txt's boot-status, ordering.txt) with TREE the built
# fstests tree, written to OUT/verdict.txt (format above) and printed.
# Returns the exit status: 1 a test failed, 0 all passed, 125 not run or
# could not test.
gupr_fstests_verdict() {
	local out=$1 tree=$2 f="$1/fstests" t s kind how cell="" rank=9 r first="" bs
	local -a tests lines failed=() passed=() notrun=()
	local -A st=()
	mapfile -t tests <"$out/tests.txt"
	bs=$(sed -n 's/^boot-status: //p' "$out/run.txt" 2>/dev/null | head -n 1)
	for t in $(gupr_fstests_summary "$f/check.log" Ran); do st[$t]=passed; done
	for t in $(gupr_fstests_summary "$f/check.log" 'Not run'); do st[$t]=notrun; done
	for t in $(gupr_fstests_summary "$f/check.log" Failures); do st[$t]=failed; done
	if [ ! -s "$f/check.rc" ] || [ ${#st[@]} = 0 ]; then
		gupr_fstests_unfinished "$out" "$bs"
		return $?
	fi
	for t in "${tests[@]}"; do
		case "${st[$t]:-}" in
		passed) passed+=("$t"); lines+=("test: $t passed") ;;
		failed)
			IFS=$'\t' read -r kind how < <(gupr_fstests_failure "$f" "$tree" "$t")
			failed+=("$t"); lines+=("test: $t failed: $how")
			r=$(gupr_fstests_rank "$kind")
			[ "$r" -lt "$rank" ] && rank=$r cell=$kind
			[ -n "$first" ] || first="$t failed: $how" ;;
		notrun)
			notrun+=("$t")
			lines+=("test: $t not run: $(head -n 1 "$f/$t.notrun" 2>/dev/null | gupr_text)") ;;
		*) notrun+=("$t"); lines+=("test: $t not run: ./check did not run it") ;;
		esac
	done
	{
		if [ ${#failed[@]} -gt 0 ]; then
			echo "verdict: FAILED"
			echo "reason: ${#failed[@]} of ${#tests[@]} tests failed: $first"
		elif [ ${#notrun[@]} -gt 0 ]; then
			echo "verdict: NOT RUN"
			s=$(printf '%s\n' "${lines[@]}" | grep -m 1 '^test: .* not run: ' | sed 's/^test: //')
			echo "reason: ${#notrun[@]} of ${#tests[@]} tests not run: $s"
			cell="NOTRUN:${s#* not run: }"
		else
			echo "verdict: PASSED"
			echo "reason: all ${#tests[@]} tests passed"
			cell=PASS
		fi
		printf '%s\n' "${lines[@]}"
		echo "failed: ${failed[*]}"
		echo "passed: ${passed[*]}"
		echo "not-run: ${notrun[*]}"
		gupr_fstests_warning "$f" "${failed[@]}"
		gupr_fstests_tail "$out" "$cell"
	} | gupr_text 600 >"$out/.verdict.txt.tmp" && mv "$out/.verdict.txt.tmp" "$out/verdict.txt" ||
		{ rm -f "$out/.verdict.txt.tmp"; return 2; }
	cat "$out/verdict.txt"
	return "$(sed -n 's/^exit: //p' "$out/verdict.txt")"
}

# gupr_fstests_warning F TEST...: the warning:, site: and trace: lines of
# the first TEST whose .dmesg in F has a kernel warning gup-repro-verdict
# knows.
gupr_fstests_warning() {
	local f=$1 t
	shift
	for t in "$@"; do
		[ -s "$f/$t.dmesg" ] || continue
		"$GUPR_HOST/gup-repro-verdict" "$f/$t.dmesg" 2>/dev/null | grep -E '^(warning|site|trace): ' && return 0
	done
	return 0
}

# gupr_fstests_tail OUT CELL: the last lines of verdict.txt: ordering (of
# OUT/ordering.txt), kernel (run.txt's kernel-package), cell, exit (of the
# cell: PASS 0, NOTRUN and ERROR 125, else 1).
gupr_fstests_tail() {
	local out=$1 cell=$2
	sed -n 's/^ordering: /ordering: /p' "$out/ordering.txt" 2>/dev/null | head -n 1
	sed -n 's/^kernel-package: /kernel: /p' "$out/run.txt" 2>/dev/null | head -n 1
	echo "cell: $cell"
	case "$cell" in
	PASS) echo "exit: 0" ;; NOTRUN:*|ERROR:*) echo "exit: 125" ;; *) echo "exit: 1" ;;
	esac
}

# gupr_fstests_unfinished OUT BOOT_STATUS: the verdict of a run whose
# ./check did not finish or ran no test (written and printed as
# gupr_fstests_verdict does): FAILED when the console shows the kernel
# crashing (the test that ran then named, the crash classified by
# gup-repro-verdict), else COULD NOT TEST with what the guest, the console
# or check.out say.
gupr_fstests_unfinished() {
	local out=$1 bs=$2 f="$1/fstests" t cls why cell
	t=$(tr -d '\r' <"$out/console.log" 2>/dev/null | sed -n 's/.*run fstests \([a-z0-9]*\/[0-9]*\) at .*/\1/p' | tail -n 1)
	cls=$("$GUPR_HOST/gup-repro-verdict" --boot-status "${bs:-ok}" "$out/console.log" 2>/dev/null)
	if [ -n "$t" ] && grep -qE '^cell: REPRODUCED:|^reason: .*(crash|panic|Oops|BUG)' <<<"$cls"; then
		cell=$(sed -n 's/^cell: \(REPRODUCED:.*\)/\1/p' <<<"$cls")
		why=$(sed -n 's/^reason: //p' <<<"$cls")
		{
			echo "verdict: FAILED"
			echo "reason: $t failed: the kernel crashed while it ran ($why)"
			echo "test: $t failed: the kernel crashed ($why)"
			echo "failed: $t"
			grep -E '^(warning|site|trace): ' <<<"$cls"
			gupr_fstests_tail "$out" "${cell:-FAIL:crash}"
		} | gupr_text 600 >"$out/verdict.txt"
		cat "$out/verdict.txt"
		return 1
	fi
	if [ "${bs:-ok}" != ok ]; then
		why="the guest did not finish: $(sed -n 's/^boot-status: //p' "$out/run.txt" | head -n 1)${t:+ while $t ran}"
	elif [ ! -s "$f/check.rc" ]; then
		why=$(tr -d '\r' <"$out/guest.log" 2>/dev/null | sed -n 's/^gupr-meta: error=//p' | head -n 1)
		why="./check did not finish${why:+ ($why)}${t:+ while $t ran}"
	else
		why="./check ran no test (exit $(head -c 8 "$f/check.rc" | tr -cd 0-9)): $(grep -v '^[[:space:]]*$' "$f/check.out" 2>/dev/null | tail -n 1)"
	fi
	why=$(printf '%s\n' "$why" | gupr_text 300)
	"$GUPR_HOST/gup-repro-verdict" --dir "$out" --error "$why"
	return 125
}

# gupr_fstests_repeat DIR N: one verdict over DIR/run-01 .. run-N (each an
# fstests run's directory), written to DIR/verdict.txt and printed: the
# count per verdict, the runs that failed, the commonest failing cell
# (else the commonest); exit 1 if any run failed, else 125 if any was not
# run or could not test, else 0.
gupr_fstests_repeat() {
	local dir=$1 n=$2 i v counts cell rc
	for ((i = 1; i <= n; i++)); do
		v=$(sed -n 's/^verdict: //p' "$dir/run-$(printf %02d "$i")/verdict.txt" 2>/dev/null | head -n 1)
		printf '%s\t%s\n' "${v:-COULD NOT TEST}" "$(sed -n 's/^cell: //p' "$dir/run-$(printf %02d "$i")/verdict.txt" 2>/dev/null | head -n 1)"
	done >"$dir/.runs"
	counts=$(cut -f1 "$dir/.runs" | sort | uniq -c | sort -rn | awk '{ c = $1; $1 = ""; printf "%s%s %d", (NR > 1 ? ", " : ""), substr($0, 2), c }')
	cell=$(awk -F'\t' '$1 == "FAILED"' "$dir/.runs" | cut -f2 | sort | uniq -c | sort -rn | head -n 1 | sed 's/^ *[0-9]* //')
	[ -n "$cell" ] || cell=$(cut -f2 "$dir/.runs" | sort | uniq -c | sort -rn | head -n 1 | sed 's/^ *[0-9]* //')
	rc=0
	grep -q $'^\\(NOT RUN\\|COULD NOT TEST\\)\t' "$dir/.runs" && rc=125
	grep -q $'^FAILED\t' "$dir/.runs" && rc=1
	{
		echo "verdict: $counts of $n runs"
		echo "runs: $n"
		echo "failed: $(grep -c $'^FAILED\t' "$dir/.runs")"
		echo "rule: exit 1 if any run failed, else 125 if any was not run or could not be tested, else 0"
		echo "cell: $cell"
		echo "exit: $rc"
	} >"$dir/verdict.txt"
	rm -f "$dir/.runs"
	cat "$dir/verdict.txt"
	return $rc
}
