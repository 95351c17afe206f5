# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/source.sh - Debian's linux-source packages: checkpatch.pl and
# kernel-doc for the lint tests.  Sourced by lib.sh.

# gupr_fetch_kernel_scripts: checkpatch.pl and kernel-doc (with the data
# files they read) from the linux-source-6.1 tarball of bookworm, cached;
# sets KSCRIPTS to the directory holding scripts/.
gupr_fetch_kernel_scripts() {
	local dir ver
	gupr_apt_update bookworm
	ver=$(gupr_apt bookworm apt-cache policy linux-source-6.1 | awk '/Candidate:/ {print $2; exit}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || gupr_die "linux-source-6.1 not found in bookworm"
	dir="$GUPR_CACHE/linux-source/$ver"
	KSCRIPTS="$dir/linux-source-6.1"
	[ -e "$dir/.complete" ] && return 0
	gupr_say "==> lint: fetching linux-source-6.1 $ver for checkpatch.pl"
	rm -rf "$dir"; mkdir -p "$dir"
	( cd "$dir" && gupr_vrun gupr_apt bookworm apt-get -q download "linux-source-6.1=$ver" ) ||
		gupr_die "apt-get download linux-source-6.1 failed"
	dpkg-deb --fsys-tarfile "$dir"/linux-source-6.1_*.deb |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$dir" linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch \
			linux-source-6.1/scripts/kernel-doc ||
		gupr_die "cannot extract checkpatch.pl from linux-source-6.1"
	rm -f "$dir"/linux-source-6.1_*.deb
	touch "$dir/.complete"
}
. "$GUPR_TOP/vm-images/lib/tree.sh"
