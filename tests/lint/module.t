#!/usr/bin/env bash
# repro-kmod is checkpatch.pl --strict clean (the 6.1 tarball's checkpatch),
# its kernel-doc parses without warnings, and it builds W=1 without a
# single compiler warning against the headers of the 5.10, 6.1, 6.12 and
# newest Debian kernels.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/vm-images/lib.sh"
exec 3>&1
n=0; fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
diag() { sed 's/^/# /'; }

gupr_fetch_kernel_scripts 2> >(diag)
[ -e "$KSCRIPTS/scripts/checkpatch.pl" ] || { echo "Bail out! no checkpatch.pl"; exit 1; }
cp="$KSCRIPTS/scripts/checkpatch.pl"
cd "$top/repro-kmod"

for f in gup_repro.c uapi/gup_repro.h uapi/gup_repro_flags.h Kbuild Makefile; do
	out=$(perl "$cp" --strict --no-tree --show-types -f "$f" 2>&1)
	echo "$out" | grep -q "total: 0 errors, 0 warnings, 0 checks"
	r=$?; [ $r = 0 ] || echo "$out" | diag
	ok $r "checkpatch --strict: $f"
done
# compat.h is where the version tests live (see its header comment).
out=$(perl "$cp" --strict --no-tree --show-types --ignore LINUX_VERSION_CODE -f compat.h 2>&1)
echo "$out" | grep -q "total: 0 errors, 0 warnings, 0 checks"
r=$?; [ $r = 0 ] || echo "$out" | diag
ok $r "checkpatch --strict --ignore LINUX_VERSION_CODE: compat.h"
n_lvc=$(grep -lw LINUX_VERSION_CODE gup_repro.c uapi/gup_repro.h Kbuild | wc -l)
ok $([ "$n_lvc" = 0 ]; echo $?) "LINUX_VERSION_CODE appears in compat.h only"

for f in uapi/gup_repro.h gup_repro.c compat.h; do
	out=$(perl "$KSCRIPTS/scripts/kernel-doc" -v -none "$f" 2>&1 | grep -i 'warning')
	[ -z "$out" ]; r=$?
	[ $r = 0 ] || echo "$out" | diag
	ok $r "kernel-doc has no warnings: $f"
done
# Every ioctl, struct and enum of the ABI carries a kernel-doc comment.
for sym in gup_repro_info gup_repro_pin gup_repro_write gup_repro_dirty gup_repro_page_state \
	   gup_repro_unpin gup_repro_api gup_repro_dirty_mode gup_repro_unpin_mode \
	   GUP_REPRO_IOC_INFO GUP_REPRO_IOC_PIN GUP_REPRO_IOC_WRITE GUP_REPRO_IOC_DIRTY \
	   GUP_REPRO_IOC_STATE GUP_REPRO_IOC_UNPIN; do
	grep -Eq "^ \* (struct |enum |define )?$sym - " uapi/gup_repro.h
	ok $? "kernel-doc comment for $sym"
done

# W=1 against every Debian kernel gup-repro supports, each with its own
# compiler (the host's gcc-12 for bookworm, a build root for the others).
for spec in $(printf "debian:%s " $GUPR_SUITES); do
	unset GUPR_KERNEL_ENV	# set by the previous kernel: each spec resolves anew
	gupr_kernel "$spec" 2> >(diag)
	gupr_build_root 2> >(diag)
	d="$GUPR_BUILD/lint/$KREL"
	rm -rf "$d"; mkdir -p "$d"; cp -r "$top/repro-kmod/." "$d/"
	gupr_make_in_root "$d" -C "$KDIR" M="$d" W=1 modules >"$d/log" 2>&1
	r=$?
	ok $r "W=1 build against $KREL headers ($KCC)"
	[ $r = 0 ] || tail -n 20 "$d/log" | diag
	grep -E 'warning:|error:' "$d/log" | diag
	! grep -qE 'warning:|error:' "$d/log"
	ok $? "W=1 build for $KREL prints no warning"
done
echo "1..$n"
exit $fail
