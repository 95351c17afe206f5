# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/source.sh - Debian's linux-source-6.1, the exact tree of the
# bookworm guest: checkpatch.pl and kernel-doc for the lint tests, and the
# whole tree for the bisect test.  Sourced by lib.sh.

# gupr_linux_source_deb: download linux-source-6.1 (bookworm's candidate)
# through the private apt into $GUPR_CACHE/linux-source/VERSION, once;
# sets LINUX_SOURCE_DEB and LINUX_SOURCE_VERSION.
gupr_linux_source_deb() {
	local dir
	gupr_apt_update bookworm
	LINUX_SOURCE_VERSION=$(gupr_apt bookworm apt-cache policy linux-source-6.1 | awk '/Candidate:/ {print $2; exit}')
	[ -n "$LINUX_SOURCE_VERSION" ] && [ "$LINUX_SOURCE_VERSION" != "(none)" ] ||
		gupr_die "linux-source-6.1 not found in bookworm"
	dir="$GUPR_CACHE/linux-source/$LINUX_SOURCE_VERSION"
	LINUX_SOURCE_DEB="$dir/linux-source-6.1_${LINUX_SOURCE_VERSION}_all.deb"
	[ -s "$LINUX_SOURCE_DEB" ] && dpkg-deb --info "$LINUX_SOURCE_DEB" >/dev/null 2>&1 && return 0
	gupr_say "==> linux-source: fetching linux-source-6.1 $LINUX_SOURCE_VERSION"
	mkdir -p "$dir"
	( cd "$dir" && gupr_vrun gupr_apt bookworm apt-get -q download "linux-source-6.1=$LINUX_SOURCE_VERSION" ) ||
		gupr_die "apt-get download linux-source-6.1 failed"
}

# gupr_fetch_kernel_scripts: checkpatch.pl and kernel-doc (with the data
# files they read) from the linux-source-6.1 tarball of bookworm, cached;
# sets KSCRIPTS to the directory holding scripts/.
# shellcheck disable=SC2034  # KSCRIPTS is read by its caller (tests/lint/module.t)
gupr_fetch_kernel_scripts() {
	local dir
	gupr_linux_source_deb
	dir=$(dirname "$LINUX_SOURCE_DEB")
	KSCRIPTS="$dir/linux-source-6.1"
	[ -e "$dir/.scripts-complete" ] && return 0
	dpkg-deb --fsys-tarfile "$LINUX_SOURCE_DEB" |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$dir" linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch \
			linux-source-6.1/scripts/kernel-doc ||
		gupr_die "cannot extract checkpatch.pl from linux-source-6.1"
	touch "$dir/.scripts-complete"
}
