#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/host-deps.sh [--check]: make sure the host has what gup-repro
# needs (Debian 12 package names).  As root, missing packages are installed
# with apt-get; otherwise, or with --check, the missing packages are named
# and the exit status is 1.
set -u

# command  package
deps="
qemu-system-x86_64 qemu-system-x86
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
"

missing=()
while read -r cmd pkg; do
	[ -n "$cmd" ] || continue
	command -v "$cmd" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$cmd" >/dev/null 2>&1 ||
		missing+=("$pkg")
done <<<"$deps"
# Static binaries need the static C library; busybox must be the static one.
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
[ -e /bin/busybox ] && ! LC_ALL=C file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' &&
	missing+=(busybox-static)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
command -v file >/dev/null 2>&1 || missing+=(file)

[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "${1:-}" = --check ] || [ "$(id -u)" != 0 ]; then
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
