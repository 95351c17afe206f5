#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/host-deps.sh [--check] [--kernel-build] [--fstests]: make sure
# the host has what gup-repro needs (Debian 12 package names);
# --kernel-build adds what building a kernel tree needs, --fstests what
# ./run.sh fstests-export and building an fstests tree need.  As root, missing packages are installed
# with apt-get; otherwise, or with --check, the missing packages are named
# and the exit status is 1.
set -u
check=0 kbuild=0 fstests=0
for a in "$@"; do
	case "$a" in
	--check) check=1 ;;
	--kernel-build) kbuild=1 ;;
	--fstests) fstests=1 ;;
	*) echo "usage: $0 [--check] [--kernel-build] [--fstests]" >&2; exit 2 ;;
	esac
done

# A stamp: every package was there, and neither dpkg's database nor this
# script changed since (run.sh calls this on every run; the checks below
# cost up to a second on a busy host).
top=$(cd "$(dirname "$0")/.." && pwd)
stamp="${GUP_REPRO_BUILD:-$top/build}/.host-deps-$kbuild$([ $fstests = 1 ] && echo -fstests).ok"
if [ -e "$stamp" ] && [ -z "$(find /var/lib/dpkg/status "$0" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
	exit 0
fi

# command  package
deps="
qemu-system-x86_64 qemu-system-x86
qemu-img           qemu-utils
busybox            busybox-static
cpio               cpio
mkfs.ext4          e2fsprogs
depmod             kmod
gcc                gcc
gcc-12             gcc-12
make               make
dpkg-deb           dpkg
apt-get            apt
prove              perl
gzip               gzip
xz                 xz-utils
timeout            coreutils
clang              clang
bpftool            bpftool
readelf            binutils
lz4                lz4
zstd               zstd
gnuplot            gnuplot-nox
mmdebstrap         mmdebstrap
mkfs.xfs           xfsprogs
mkfs.btrfs         btrfs-progs
parallel           parallel
ssh                openssh-client
rsync              rsync
clang-format       clang-format
unifdef            unifdef
shellcheck         shellcheck
ctags-universal    universal-ctags
"
# building a kernel tree (kernel-config --build, bisect): kbuild's tools,
# pahole for CONFIG_DEBUG_INFO_BTF, ccache for rebuilds
[ $kbuild = 1 ] && deps+="
bc                 bc
bison              bison
flex               flex
pahole             dwarves
ccache             ccache
git                git
"
# ./run.sh fstests-export (a trigger made standalone: gupr_trigger_standalone;
# git commits into the checkout) and an fstests build (autotools, the
# libraries its configure looks for: xfsprogs' headers, libuuid, libattr,
# libacl, libaio, liburing, gdbm, libcap)
[ $fstests = 1 ] && deps+="
git                git
autoconf           autoconf
automake           automake
libtoolize         libtool
pkg-config         pkg-config
"

missing=()
while read -r cmd pkg; do
	[ -n "$cmd" ] || continue
	command -v "$cmd" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$cmd" >/dev/null 2>&1 ||
		missing+=("$pkg")
done <<<"$deps"
# Libraries and data with no command of their own: the static C library
# for the guest binaries, the libraries of the Debian kbuild tools
# (modpost, objtool, sign-file), the archive keyring for the private apt.
for pkg in libc6-dev libelf1 libssl3 debian-archive-keyring \
	   libbpf-dev libelf-dev zlib1g-dev libjansson-dev liburing-dev libclang-rt-14-dev \
	   $([ $kbuild = 1 ] && echo libssl-dev) \
	   $([ $fstests = 1 ] && echo xfslibs-dev uuid-dev libattr1-dev libacl1-dev libaio-dev libgdbm-dev libcap-dev); do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done
# /bin/busybox must be the static one (busybox-static), not busybox.
command -v file >/dev/null 2>&1 || missing+=(file)
if [ -e /bin/busybox ] && command -v file >/dev/null 2>&1 &&
   ! LC_ALL=C file -L /bin/busybox | grep -q 'statically linked'; then
	missing+=(busybox-static)
fi

if [ ${#missing[@]} -eq 0 ]; then
	mkdir -p "${stamp%/*}" 2>/dev/null && touch "$stamp" 2>/dev/null
	exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ $check = 1 ] || [ "$(id -u)" != 0 ]; then
	echo "gup-repro: missing host packages: ${missing[*]}" >&2
	echo "gup-repro: install them with: apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "==> host: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null 2>&1
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || {
		echo "gup-repro: apt-get install ${missing[*]} failed" >&2
		exit 1
	}
fi
exit 0
