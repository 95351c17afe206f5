#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/slow/gup-longterm/build.sh [SUITE]: the kernel selftest
# tools/testing/selftests/mm/gup_longterm.c (arrived with v6.5), built
# static for the guest from Debian's linux-source of SUITE (default trixie:
# linux-source-6.12, the tree of the trixie guest).  Prints the binary's
# path on the last line of stdout.
#
#   - linux-source-X.Y is found in SUITE through the private apt and
#     downloaded once into $GUPR_CACHE/linux-source/VERSION/;
#   - only what the test needs is unpacked (the selftests, tools/include,
#     mm/gup_test.h, and what `make headers_install` reads), into
#     $GUPR_CACHE/linux-source/VERSION/selftests/, stamped when whole;
#   - the tree's own UAPI headers are installed beside it (vm_util.c needs
#     PAGEMAP_SCAN, newer than the host's linux-libc-dev);
#   - check_config.sh decides LOCAL_CONFIG_HAVE_LIBURING as the selftest
#     Makefile does; without liburing the io_uring cases would be compiled
#     out, so that is an error here;
#   - the binary: $GUPR_BUILD/selftests/VERSION/gup_longterm, linked with
#     vm_util.c and thp_settings.c and -luring, -static (the guest has no
#     libc).
# Exit 128 with one line on bad usage, 125 when it cannot be built.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm-images/lib.sh
. "$here/../../../vm-images/lib.sh"
case "${1:-}" in
-h|--help) echo "usage: build.sh [SUITE]: gup_longterm from SUITE's linux-source (default trixie), static; prints its path"; exit 0 ;;
esac
case $# in
0) suite=trixie ;;
1) suite=$1 ;;
*) echo "usage: build.sh [SUITE]" >&2; exit 128 ;;
esac
case "$suite" in
bullseye|bookworm|trixie|sid|forky) ;;
*) echo "build.sh: unknown suite '$suite' (bullseye, bookworm, trixie, forky, sid)" >&2; exit 128 ;;
esac

gupr_apt_update "$suite"
pkg=$(gupr_apt "$suite" apt-cache search --names-only '^linux-source-[0-9]+\.[0-9]+$' |
	awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || gupr_die "no linux-source-X.Y package in $suite"
ver=$(gupr_apt "$suite" apt-cache policy "$pkg" | awk '/Candidate:/ {print $2; exit}')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || gupr_die "$pkg has no candidate in $suite"
src=${pkg#linux-source-}
dir="$GUPR_CACHE/linux-source/$ver"
deb="$dir/${pkg}_${ver}_all.deb"
gupr_lock "linux-source-$ver"
if ! { [ -s "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; }; then
	gupr_say "==> linux-source: fetching $pkg $ver"
	mkdir -p "$dir"
	( cd "$dir" && gupr_vrun gupr_apt "$suite" apt-get -q download "$pkg=$ver" ) ||
		gupr_die "apt-get download $pkg failed"
fi

tree="$dir/selftests/linux-source-$src"
if [ ! -e "$dir/selftests/.complete" ]; then
	gupr_say "==> gup_longterm: unpacking the selftests of $pkg $ver"
	rm -rf --one-file-system "$dir/selftests" "$dir/selftests.tmp"
	mkdir -p "$dir/selftests.tmp"
	t="linux-source-$src"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-source-$src.tar.xz" |
		tar -xJ -C "$dir/selftests.tmp" "$t/tools" "$t/mm/gup_test.h" "$t/include/uapi" \
			"$t/arch/x86" "$t/scripts" "$t/usr" "$t/Makefile" "$t/Kbuild" "$t/Kconfig" \
			"$t/arch/Kconfig" "$t/init/Kconfig" ||
		gupr_die "cannot unpack the selftests from $pkg"
	[ -e "$dir/selftests.tmp/$t/tools/testing/selftests/mm/gup_longterm.c" ] ||
		gupr_die "$pkg $ver has no tools/testing/selftests/mm/gup_longterm.c (it arrived with v6.5)"
	make -s -C "$dir/selftests.tmp/$t" ARCH=x86_64 headers_install \
		INSTALL_HDR_PATH="$dir/selftests.tmp/uapi" >>"$dir/selftests.tmp/headers.log" 2>&1 ||
		gupr_die "make headers_install in $pkg failed (see $dir/selftests.tmp/headers.log)"
	mv "$dir/selftests.tmp" "$dir/selftests"
	touch "$dir/selftests/.complete"
fi
gupr_unlock "linux-source-$ver"

out="$GUPR_BUILD/selftests/$ver"
bin="$out/gup_longterm"
mm="$tree/tools/testing/selftests/mm"
if gupr_stale "$bin" "$mm/gup_longterm.c" "$mm/vm_util.c" "$here/build.sh"; then
	mkdir -p "$out"
	( cd "$out" && sh "$mm/check_config.sh" gcc ) || gupr_die "check_config.sh failed"
	grep -q '^#define LOCAL_CONFIG_HAVE_LIBURING 1' "$out/local_config.h" ||
		gupr_die "liburing not found (apt-get install liburing-dev): gup_longterm's io_uring cases would be compiled out"
	# Compiled in its own directory with relative file names, as the
	# selftest Makefile does: the "local tmpfile" cases make their file
	# at __FILE__"_tmpfile_XXXXXX", which must be a name relative to the
	# working directory (the scratch filesystem in the guest), not a host
	# path.  local_config.h (included with quotes) comes from the output
	# directory.
	( cd "$mm" && gcc -static -Wall -O2 -U_FORTIFY_SOURCE -iquote "$out" -I "$tree" \
		-isystem "$dir/selftests/uapi/include" -isystem "$tree/tools/include/uapi" \
		-o "$bin.tmp" gup_longterm.c vm_util.c thp_settings.c -luring ) \
		>"$out/build.log" 2>&1 || gupr_die "gup_longterm did not build (see $out/build.log)"
	mv "$bin.tmp" "$bin"
	echo "$pkg $ver" >"$out/source.txt"
fi
echo "$bin"
