#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/bench/bench.sh - what `make bench` measures (not part of `make check`):
#   1. cold ./run.sh: empty kernel cache (own GUP_REPRO_CACHE) and no build/;
#   2. warm ./run.sh (traced, the default: resumed from its snapshot,
#      docs/snapshots.md), warm ./run.sh --boot (traced, booted), warm
#      ./run.sh --no-trace (resumed), a bare boot of the same kernel and
#      initramfs (guest init powers off at once) and the floor: a minimal
#      bare boot of the same kernel with the same QEMU (accel, machine,
#      options) but a minimal initramfs (static busybox and an /init that
#      runs `poweroff -f` at once, uncompressed) and the command line
#      "console=ttyS0 quiet"; interleaved, BENCH_RUNS (>= 5) each: medians
#      and the ratios run.sh / minimal bare boot (targets: resumed traced
#      <= 0.7; booted traced <= 1.5, untraced <= 1.25), run.sh / own bare
#      boot and traced / untraced; the median phases.txt of the resumed
#      and of the booted runs; the snapshot: its preparation alone
#      (target <= 1.3 x a booted run) and its size on disk (target <= 64
#      MiB);
#   3. reproduction rate and --repeat: ./run.sh --repeat BENCH_REPRO
#      (default 20) of unlocked-dirty (all reproduced expected) and of
#      control (none), resumed, and of unlocked-dirty with --boot: the
#      counts, and the wall time resumed / booted (target <= 0.35);
#   4. the default matrix (4 kernels x 4 filesystems x 4 scenarios), warm
#      (its snapshots made), and once with GUP_REPRO_SNAPSHOT=0: wall
#      times (target <= 60 s with snapshots) and per-cell medians
#      (BENCH_MATRIX=0 skips it);
#   5. kernel trees (BENCH_TREE=1; needs the bisect test's tree, which
#      `make check-slow` makes): ./run.sh --kernel BUILD warm vs a warm run
#      of the packaged 6.1 kernel, interleaved, medians and ratio; one
#      bisect step that changes one mm/ file (build + run); with
#      BENCH_KERNEL_BUILD=1 also the first kernel-config --build of
#      linux-source-6.1 into an empty build directory, ccache off (wall time
#      and size; tens of minutes).
#   6. module-free triggers (BENCH_TRIGGERS=1): warm ./run.sh --scenario
#      pvw-uffd vs warm ./run.sh --scenario unlocked-dirty (the module's
#      scenario) on the default kernel, interleaved, BENCH_RUNS each: medians
#      and the ratio (target <= 1.1); then ./run.sh --repeat BENCH_REPRO of
#      each trigger (pvw-uffd, odirect-delayed, iouring-read-delayed) on ext4
#      of BENCH_TRIGGER_KERNELS (default debian:bookworm,debian:trixie): the
#      counted verdict and its 95% Wilson interval.
#   7. scale-out (BENCH_HOSTS=1): tests/bench/hosts-overhead.pl - the 8-cell
#      matrix of 6.1 ext4/tmpfs locally with -j 2 and over two loopback
#      "hosts" (an sshd of its own on 127.0.0.1, one slot each),
#      interleaved, BENCH_HOST_PAIRS pairs (default 2): the cost of one ssh
#      login, the ratio of the commands' wall times (target <= 1.15) and the
#      per-cell cost of ssh and rsync; BENCH_HOST_MATRIX=default does the
#      same with the default 64-cell matrix; BENCH_HOST_LOGIN=plain gives
#      the hosts logins that do not run root's ~/.bashrc.
# BENCH_CORE=0 skips 2. and 3. (e.g. BENCH_COLD=0 BENCH_CORE=0 BENCH_MATRIX=0
# BENCH_TRIGGERS=1 measures the triggers only); BENCH_REPRO=0 skips 3.
# A quick look at the per-run cost: BENCH_COLD=0 BENCH_MATRIX=0 BENCH_REPRO=0.
# Prints a table and writes it to out/bench-<timestamp>/bench.txt.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${BENCH_RUNS:-5}
repro=${BENCH_REPRO:-20}
[ "$runs" -ge 5 ] || { echo "BENCH_RUNS must be >= 5" >&2; exit 2; }
res="$top/out/bench-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$res"
exec 3>&1
say() { echo "$*" | tee -a "$res/bench.txt" >&3; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

say "gup-repro bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(nproc) CPUs  $(uname -m)"

# 1. cold
if [ "${BENCH_COLD:-1}" = 1 ]; then
	cold_cache=$(mktemp -d)
	rm -rf "$top/build"
	t=$(now)
	GUP_REPRO_CACHE=$cold_cache ./run.sh >"$res/cold.out" 2>&1
	rc=$?
	say "cold run (empty cache, no build/): $(since "$t") s, exit $rc"
	rm -rf "$cold_cache"
fi

# warm-up: fill the cache and build/ for the default kernel
./run.sh >/dev/null 2>&1
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

if [ "${BENCH_CORE:-1}" = 1 ]; then
# 2. warm run.sh vs bare boot
. "$top/vm-images/lib.sh"
gupr_prepare debian:bookworm 2>/dev/null || { echo "cannot prepare the guest" >&2; exit 1; }
bare=$(mktemp -d) mini=$(mktemp -d)
gupr_make_scratch "$bare/scratch.img" 1 2>/dev/null
# the floor's initramfs: static busybox and an /init that powers off
mkdir -p "$mini/root/bin"
cp "$BUSYBOX" "$mini/root/bin/busybox"
printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' >"$mini/root/init"
chmod 755 "$mini/root/init"
( cd "$mini/root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet ) >"$mini/initramfs.cpio"
: >"$res/warm.txt"; : >"$res/untraced.txt"; : >"$res/bare.txt"; : >"$res/minimal.txt"; : >"$res/minimal-clock.txt"; : >"$res/phases-all.txt"
# the snapshots of the runs below, made now (the default traced one is
# made again for its preparation's cost: gupr_snapshot_prepare's info)
snapdir=$GUPR_SNAP_DIR
./run.sh -o "$res/snap-old" >/dev/null 2>&1
key=$(sed -n 's/^start: snapshot \([0-9a-f]*\) .*/\1/p' "$res/snap-old/run.txt")
[ -n "$key" ] && rm -rf "$snapdir/$key"
t=$(now); ./run.sh -o "$res/snap-new" >/dev/null 2>&1; tprep=$(since "$t")
prep=$(sed -n 's/^prepare-seconds: //p' "$snapdir/$key/info" 2>/dev/null)
snapkb=$(du -sk "$snapdir/$key" 2>/dev/null | cut -f1)
./run.sh --no-trace >/dev/null 2>&1
: >"$res/boot.txt"; : >"$res/phases-boot.txt"
for i in $(seq "$runs"); do
	t=$(now); ./run.sh -o "$res/warm-$i" >/dev/null 2>&1; echo "$(since "$t")" >>"$res/warm.txt"
	cat "$res/warm-$i/phases.txt" >>"$res/phases-all.txt"
	t=$(now); ./run.sh --boot -o "$res/boot-$i" >/dev/null 2>&1; echo "$(since "$t")" >>"$res/boot.txt"
	cat "$res/boot-$i/phases.txt" >>"$res/phases-boot.txt"
	t=$(now); ./run.sh --no-trace >/dev/null 2>&1; echo "$(since "$t")" >>"$res/untraced.txt"
	t=$(now); gupr_boot "$bare" 120 gupr.mode=bare "$bare/scratch.img"; echo "$(since "$t")" >>"$res/bare.txt"
	[ "$BOOT_STATUS" = ok ] && grep -q 'gup-repro: guest done rc=0' "$bare/console.log" ||
		{ echo "bare boot $i failed: $BOOT_STATUS" >&2; exit 1; }
	t=$(now); INITRD="$mini/initramfs.cpio" GUPR_BOOT_CMDLINE="console=ttyS0 quiet" gupr_boot "$mini" 120 ""
	echo "$(since "$t")" >>"$res/minimal.txt"
	[ "$BOOT_STATUS" = ok ] && grep -q 'reboot: Power down' "$mini/console.log" ||
		{ echo "minimal bare boot $i failed: $BOOT_STATUS" >&2; exit 1; }
	# the guest's clock at power-off: the rest of the wall time is QEMU,
	# firmware and, booting a vmlinuz, the kernel's decompression
	# (phases.txt: qemu+firmware)
	tr -d '\r' <"$mini/console.log" | sed -n 's/^\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' |
		tail -n 1 >>"$res/minimal-clock.txt"
done
rm -rf "$bare" "$mini"
mw=$(median <"$res/warm.txt"); mu=$(median <"$res/untraced.txt"); mb=$(median <"$res/bare.txt"); mm=$(median <"$res/minimal.txt")
mo=$(median <"$res/boot.txt")
say "warm ./run.sh (traced, resumed): median $mw s over $runs runs ($(tr '\n' ' ' <"$res/warm.txt"))"
say "warm ./run.sh --boot (traced):   median $mo s over $runs runs ($(tr '\n' ' ' <"$res/boot.txt"))"
say "warm ./run.sh --no-trace (resumed): median $mu s over $runs runs ($(tr '\n' ' ' <"$res/untraced.txt"))"
say "bare boot (own initramfs):  median $mb s over $runs runs ($(tr '\n' ' ' <"$res/bare.txt")) accel=$BOOT_ACCEL"
say "minimal bare boot (floor):  median $mm s over $runs runs ($(tr '\n' ' ' <"$res/minimal.txt")) busybox initramfs, console=ttyS0 quiet"
say "minimal bare boot, guest:   median $(median <"$res/minimal-clock.txt") s from the kernel's start to power-off (the rest is QEMU, firmware$([ "${KBOOT:-$VMLINUZ}" = "$VMLINUZ" ] && echo ", decompression"))"
say "boot image (all of them):   ${KBOOT:-$VMLINUZ} $([ "${KBOOT:-$VMLINUZ}" = "$VMLINUZ" ] && echo "(compressed)" || echo "(uncompressed, PVH entry)")"
say "ratio run.sh/minimal boot:  $(ratio "$mw" "$mm") traced resumed (target <= 0.7), $(ratio "$mo" "$mm") traced booted (target <= 1.5), $(ratio "$mu" "$mm") untraced resumed"
say "snapshot of the default run: prepared in ${prep:-?} s ($(ratio "${prep:-0}" "$mo") x a booted run, target <= 1.3; the first run with it $tprep s), $((${snapkb:-0} / 1024)) MiB on disk (target <= 64 MiB)"
say "ratio run.sh/own bare boot: $(ratio "$mw" "$mb") traced, $(ratio "$mu" "$mb") untraced"
say "ratio traced/untraced:      $(ratio "$mw" "$mu") (target <= 1.5)"
# phases FILE: the median seconds of each phase of FILE's runs
phases() {
	awk '!/^#/ { k = $1 " " $2; v[k] = v[k] " " $3; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
		END { for (i = 1; i <= n; i++) print order[i] v[order[i]] }' "$1" |
	while read -r side ph vals; do
		say "$(printf '  %-8s %-16s %s' "$side" "$ph" "$(printf '%s\n' $vals | median)")"
	done
}
say "phases of the resumed traced runs (median seconds; out/.../warm-N/phases.txt):"
phases "$res/phases-all.txt"
say "phases of the booted traced runs (median seconds; out/.../boot-N/phases.txt):"
phases "$res/phases-boot.txt"

# 3. reproduction rate and the cost of --repeat, resumed and booted
repeat() {	# repeat NAME ARGS...: ./run.sh --repeat N ARGS; prints the seconds and the counted verdict
	local t
	t=$(now)
	./run.sh --repeat "$repro" -o "$res/repeat-$1" "${@:2}" >"$res/repeat-$1.out" 2>&1
	echo "$(since "$t") $(sed -n 's/^verdict: //p' "$res/repeat-$1/verdict.txt" 2>/dev/null | head -n 1)"
}
if [ "$repro" -gt 0 ]; then
read -r ru rv < <(repeat unlocked-dirty --scenario unlocked-dirty)
say "unlocked-dirty --repeat $repro (resumed): $rv ($ru s)"
read -r rc cv < <(repeat control --scenario control)
say "control --repeat $repro (resumed): $cv ($rc s)"
read -r rb bv < <(repeat unlocked-dirty-boot --scenario unlocked-dirty --boot)
say "unlocked-dirty --repeat $repro --boot: $bv ($rb s)"
say "ratio --repeat $repro resumed/booted: $(ratio "$ru" "$rb") (target <= 0.35)"
fi
fi
# 4. the default matrix, warm: run it once more if the first run had to
# fetch or build anything
if [ "${BENCH_MATRIX:-1}" = 1 ]; then
	matrix_once() {
		./run.sh matrix -o "$res/matrix" >"$res/matrix.out" 2>&1
		grep -h "fetching\|building\|build root\|packing" "$res/matrix"/prepare-*.log 2>/dev/null | head -n 1
	}
	# once to fetch, build and make the snapshots the cells resume, once
	# measured
	rm -rf "$res/matrix"
	matrix_once >/dev/null
	rm -rf "$res/matrix"
	matrix_once >/dev/null
	# matrix_figures DIR: its wall time, per-cell median
	matrix_figures() {
		echo "$(sed -n 's/^matrix wall time: //p' "$1/matrix.txt") wall, per-cell median $(perl -MJSON::PP -e 'local $/; my $j = decode_json(<>); my @s = sort { $a <=> $b } map { $_->{seconds} } @{ $j->{cells} }; my $n = @s; printf "%.1f", $n % 2 ? $s[($n - 1) / 2] : ($s[$n / 2 - 1] + $s[$n / 2]) / 2' "$1/matrix.json") s"
	}
	say "default matrix (64 cells, -j $(nproc)), warm, resumed: $(matrix_figures "$res/matrix") (target <= 60 s)"
	say "$(sed -n 2p "$res/matrix/matrix.txt")"
	GUP_REPRO_SNAPSHOT=0 ./run.sh matrix -o "$res/matrix-boot" >"$res/matrix-boot.out" 2>&1
	say "default matrix, GUP_REPRO_SNAPSHOT=0 (booted): $(matrix_figures "$res/matrix-boot")"
	say "$(sed -n 2p "$res/matrix-boot/matrix.txt")"
fi
# 5. kernel trees
if [ "${BENCH_TREE:-0}" = 1 ]; then
	cache=${GUP_REPRO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gup-repro}
	tree="$cache/bisect-test/linux-source-6.1" tbuild="$cache/bisect-test/build"
	tests/slow/bisect-tree/make-tree.sh "$tree" || { echo "cannot make the bisect tree" >&2; exit 1; }
	if [ "${BENCH_KERNEL_BUILD:-0}" = 1 ]; then
		cold="$res/first-build"
		t=$(now)
		CCACHE_DISABLE=1 ./run.sh kernel-config "$tree" -O "$cold" --build >"$res/first-build.out" 2>&1
		rc=$?
		say "first kernel-config --build of linux-source-6.1 (guest config, -j$(nproc), no ccache): $(since "$t") s, exit $rc, build directory $(du -sh "$cold" | cut -f1) (target <= 20 min)"
		rm -rf "$cold"
	fi
	# one bisect step: the build directory holds commit (1); check out (2),
	# which changes mm/gup.c only, then build + run as a step does
	git -C "$tree" checkout -q HEAD~2 && ./run.sh --kernel "$tbuild" --build --scenario longterm >/dev/null 2>&1
	git -C "$tree" checkout -q main~1
	t=$(now)
	./run.sh --kernel "$tbuild" --build --scenario longterm >"$res/step.out" 2>&1
	rc=$?
	say "one bisect step changing mm/gup.c (build + run, longterm): $(since "$t") s, exit $rc (target <= 180 s)"
	git -C "$tree" checkout -q main
	./run.sh --kernel "$tbuild" --build >/dev/null 2>&1
	: >"$res/tree.txt"; : >"$res/pkg.txt"
	for i in $(seq "$runs"); do
		t=$(now); ./run.sh --kernel "$tbuild" >/dev/null 2>&1; echo "$(since "$t")" >>"$res/tree.txt"
		t=$(now); ./run.sh >/dev/null 2>&1; echo "$(since "$t")" >>"$res/pkg.txt"
	done
	mt=$(median <"$res/tree.txt"); mp=$(median <"$res/pkg.txt")
	say "warm ./run.sh --kernel TREE: median $mt s, packaged 6.1: median $mp s over $runs runs each: ratio $(awk -v a="$mt" -v b="$mp" 'BEGIN { printf "%.2f", a / b }') (target <= 1.2)"
fi
# 6. module-free triggers
if [ "${BENCH_TRIGGERS:-0}" = 1 ]; then
	# warm both first (the trigger binaries are packed into the initramfs)
	./run.sh --scenario pvw-uffd >/dev/null 2>&1
	: >"$res/pvw-uffd.txt"; : >"$res/unlocked-dirty.txt"; bad=""
	for i in $(seq "$runs"); do
		t=$(now); ./run.sh --scenario pvw-uffd >/dev/null 2>&1; rc=$?; echo "$(since "$t")" >>"$res/pvw-uffd.txt"
		[ "$rc" = 1 ] || bad+="pvw-uffd:$rc "
		t=$(now); ./run.sh --scenario unlocked-dirty >/dev/null 2>&1; rc=$?; echo "$(since "$t")" >>"$res/unlocked-dirty.txt"
		[ "$rc" = 1 ] || bad+="unlocked-dirty:$rc "
	done
	mp=$(median <"$res/pvw-uffd.txt"); mm=$(median <"$res/unlocked-dirty.txt")
	say "warm pvw-uffd (no module):  median $mp s over $runs runs ($(tr '\n' ' ' <"$res/pvw-uffd.txt"))"
	say "warm unlocked-dirty:        median $mm s over $runs runs ($(tr '\n' ' ' <"$res/unlocked-dirty.txt"))"
	say "ratio pvw-uffd/unlocked-dirty: $(ratio "$mp" "$mm") (target <= 1.1)${bad:+; unexpected exits: $bad}"
	IFS=, read -r -a tk <<<"${BENCH_TRIGGER_KERNELS:-debian:bookworm,debian:trixie}"
	for k in "${tk[@]}"; do
		for trig in pvw-uffd odirect-delayed iouring-read-delayed; do
			d="$res/repeat-${k#debian:}-$trig"
			t=$(now)
			./run.sh --kernel "$k" --fs ext4 --scenario "$trig" --repeat "$repro" -o "$d" >"$d.out" 2>&1
			rc=$?
			v=$(sed -n 's/^verdict: //p' "$d.out" | tail -n 1)
			say "$k ext4 $trig --repeat $repro: ${v:-no verdict} (exit $rc, $(since "$t") s)"
		done
	done
fi
# 7. scale-out over loopback hosts
if [ "${BENCH_HOSTS:-0}" = 1 ]; then
	perl tests/bench/hosts-overhead.pl "${BENCH_HOST_PAIRS:-2}" "${BENCH_HOST_MATRIX:-small}" >"$res/hosts.out" 2>&1
	rc=$?
	grep -E '^(ssh login|pair|scale-out|per remote)' "$res/hosts.out" | while IFS= read -r l; do say "$l"; done
	[ "$rc" = 0 ] || say "scale-out: failed (exit $rc; ${res#"$top"/}/hosts.out)"
fi
say "results: ${res#"$top"/}/bench.txt"
