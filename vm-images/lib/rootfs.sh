# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/rootfs.sh - --rootfs debian: a Debian userland for the
# guest.  Sourced by lib.sh.
#
# The busybox initramfs (initramfs.sh) stays the guest's first stage: it
# loads virtio and ext4, then switch_roots into two virtio disks the host
# attaches (gupr_boot_disk), neither of which is ever written:
#   serial gupr-rootfs  the userland: a Debian image made by mmdebstrap
#                       (the kernel's suite, bookworm for a kernel tree) as
#                       one ext4 file, cached under $GUPR_CACHE/rootfs by
#                       suite and package list; mounted read-write in the
#                       guest over QEMU's -snapshot, so the cached file is
#                       never written and every run starts from it as built
#   serial gupr-kmods   the kernel's own modules (KMODROOT/lib/modules/$KREL
#                       as installed, and gup_repro.ko in extra/, depmod'ed)
#                       on /lib/modules, read-only; one per kernel, built
#                       beside its initramfs in $GUPR_BUILD/$KID
# The guest init then runs again from the new root (vm-images/guest/init,
# /gupr/init): the same scenario, trigger and --exec logic, the same four
# serial channels.

# the guest userlands --rootfs takes (the first is the default)
# shellcheck disable=SC2034  # read by run.sh and matrix.sh (--rootfs)
GUPR_ROOTFS_KINDS="busybox debian"
# the packages every Debian image has beyond the Essential set: modprobe
# (the init loads gup_repro.ko, null_blk and the filesystem with it there)
# and ps/pgrep/sysctl
GUPR_ROOTFS_BASE_PKGS="kmod procps"
# the suite of the userland when the kernel has none (a tree, a prepared kernel)
GUPR_ROOTFS_DEFAULT_SUITE=bookworm

# gupr_rootfs_pkgs LIST: the image's package list for --exec-pkgs LIST
# (names separated by commas or white space; may be empty): LIST and
# GUPR_ROOTFS_BASE_PKGS, sorted, without duplicates, comma-separated - the
# same set in any order gives the same line.  Prints why and returns 1 when
# a name is not a Debian package name (lower case letters, digits, + - .,
# at least two characters, beginning with a letter or digit).
gupr_rootfs_pkgs() {
	local p
	local -a list
	read -r -a list <<<"${1//,/ } $GUPR_ROOTFS_BASE_PKGS"
	for p in "${list[@]}"; do
		case "$p" in
		[a-z0-9]?*) case "$p" in *[!a-z0-9+.-]*) ;; *) continue ;; esac ;;
		esac
		echo "'$p' is not a Debian package name"
		return 1
	done
	printf '%s\n' "${list[@]}" | LC_ALL=C sort -u | paste -sd,
}

# gupr_rootfs_key SUITE PKGS: the cache key of the image of SUITE with PKGS
# (gupr_rootfs_pkgs's line): 16 hex digits of the sha256 of the suite, the
# packages and the recipe (gupr_rootfs_build's code, as bash prints it: a
# change to how the image is made makes a new one, a comment does not).
gupr_rootfs_key() {
	{ printf '%s\n%s\n' "$1" "$2"; declare -f gupr_rootfs_build; } | sha256sum | cut -c1-16
}

# gupr_rootfs_suite: the suite of the userland for the kernel of the record
# (GUPR_ROOTFS_SUITE when set: ./run.sh fstests, gupr_fstests_suite).
gupr_rootfs_suite() {
	if [ -n "${GUPR_ROOTFS_SUITE:-}" ]; then echo "$GUPR_ROOTFS_SUITE"
	elif [ "${KSOURCE:-}" = debian ] && [ -n "${KSUITE:-}" ]; then echo "$KSUITE"
	else echo "$GUPR_ROOTFS_DEFAULT_SUITE"; fi
}

# gupr_rootfs_image SUITE PKGS: the Debian image of SUITE with PKGS, built
# once (gupr_rootfs_build, under the lock rootfs-SUITE-KEY) into
# $GUPR_CACHE/rootfs/SUITE-KEY/ (rootfs.img, packages.txt: the package line,
# dpkg.txt: what got installed, with versions, files.txt: every path in
# the image); sets ROOTFS_DIR, ROOTFS_IMG and ROOTFS_KEY.  A package apt
# does not know dies with status 2 (bad usage) naming it; any other
# failure with 125.  Nothing half-made is used: the image is complete when
# ROOTFS_DIR/.complete exists (a build that was stopped is made anew).
gupr_rootfs_image() {
	local suite=$1 pkgs=$2
	ROOTFS_KEY=$(gupr_rootfs_key "$suite" "$pkgs")
	ROOTFS_DIR="$GUPR_CACHE/rootfs/$suite-$ROOTFS_KEY"
	ROOTFS_IMG="$ROOTFS_DIR/rootfs.img"
	[ -e "$ROOTFS_DIR/.complete" ] && [ -s "$ROOTFS_IMG" ] && return 0
	gupr_lock "rootfs-$suite-$ROOTFS_KEY"
	if ! [ -e "$ROOTFS_DIR/.complete" ] || ! [ -s "$ROOTFS_IMG" ]; then
		gupr_rootfs_build "$suite" "$pkgs" "$ROOTFS_DIR"
	fi
	gupr_unlock "rootfs-$suite-$ROOTFS_KEY"
}

# gupr_rootfs_check SUITE PKGS: apt (the private configuration of SUITE)
# can install PKGS, the comma-separated list, with their dependencies;
# else dies with status 2 and apt's first error, which names the package.
gupr_rootfs_check() {
	local suite=$1 pkgs=$2 log why
	gupr_apt_update "$suite"
	log=$(gupr_apt "$suite" apt-get -s -q install ${pkgs//,/ } 2>&1) && return 0
	why=$(printf '%s\n' "$log" | grep -m 1 '^E: ' | sed 's/^E: //')
	printf '%s\n' "$log" >>"${GUPR_LOG:-/dev/null}"
	GUPR_DIE_RC=2 gupr_die "--exec-pkgs: ${why:-apt cannot install $pkgs} (Debian $suite)"
}

# gupr_rootfs_build SUITE PKGS DIR: the image itself, into DIR (made anew):
# mmdebstrap's Essential set of SUITE and PKGS, from the host's archive URI
# (apt.sh), without documentation, manual pages and translations (the
# copyright files stay), with /mnt/scratch, dpkg not syncing each file
# (the tree is thrown away once packed); then one ext4 file of it
# (mkfs.ext4 -d: no loop mount, no journal - writes go to QEMU's snapshot
# and are thrown away), sparse, with 256 MiB and 16384 inodes free for
# what a run writes.  Prints a line when it starts and one when it is
# ready (size, seconds).
gupr_rootfs_build() {
	local suite=$1 pkgs=$2 dir=$3 tree t0=$EPOCHREALTIME kb rc=0
	local -a src
	gupr_rootfs_check "$suite" "$pkgs"
	command -v mmdebstrap >/dev/null 2>&1 || gupr_die "mmdebstrap is needed for --rootfs debian"
	mapfile -t src < <(gupr_apt_sources "$suite")
	[ ${#src[@]} -gt 0 ] || gupr_die "no Debian archive URI"
	gupr_say "==> rootfs: building the Debian $suite image with $pkgs (mmdebstrap; once per suite and package list)"
	rm -rf --one-file-system "$dir"
	mkdir -p "$dir" || gupr_die "cannot create $dir"
	tree="$dir/tree"
	gupr_vrun mmdebstrap --variant=essential --include="$pkgs" \
		--aptopt='Acquire::Check-Valid-Until "false"' --dpkgopt=force-unsafe-io \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
		"$suite" "$tree" "${src[@]}" || rc=$?
	if [ $rc = 0 ]; then
		mkdir -p "$tree/mnt/scratch" "$tree/gupr" &&
		dpkg-query --admindir="$tree/var/lib/dpkg" -W -f '${Package} ${Version}\n' >"$dir/dpkg.txt" &&
		find "$tree" -xdev -printf '/%P\n' | LC_ALL=C sort >"$dir/files.txt" || rc=$?
	fi
	if [ $rc = 0 ]; then
		kb=$(du -sxk "$tree" | cut -f1)
		gupr_vrun mkfs.ext4 -q -F -O ^has_journal -L gupr-rootfs -N $(( $(wc -l <"$dir/files.txt") + 16384 )) -d "$tree" \
			"$dir/rootfs.img" $(( (kb * 11 / 10) / 1024 + 256 ))M || rc=$?
	fi
	rm -rf --one-file-system "$tree"
	if [ $rc != 0 ]; then
		rm -rf --one-file-system "$dir"
		gupr_die "building the Debian $suite image with $pkgs failed (mmdebstrap or mkfs.ext4, exit $rc; see build.log)"
	fi
	echo "$pkgs" >"$dir/packages.txt"
	touch "$dir/.complete"
	gupr_say "==> rootfs: $suite image ready: $(( $(stat -c %b "$dir/rootfs.img") * 512 / 1048576 )) MiB, $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s ($dir)"
}

# gupr_rootfs_has PATH: the image (ROOTFS_DIR/files.txt) has PATH, as it
# is or, in a merged-/usr image, below /usr (/bin/bash is /usr/bin/bash).
gupr_rootfs_has() {
	local p=$1
	case "$p" in /bin/*|/sbin/*|/lib/*|/lib32/*|/lib64/*|/libx32/*) set -- "$p" "/usr$p" ;; *) set -- "$p" ;; esac
	printf '%s\n' "$@" | grep -qxF -f - "$ROOTFS_DIR/files.txt"
}

# gupr_rootfs_lacks PROG: what the --exec program PROG needs that the
# image does not have, one a line: the interpreter of a #! script (and
# the command /usr/bin/env is to find in PATH), or the ELF interpreter and
# every NEEDED library of an ELF program whose file name is nowhere in
# the image (only PROG itself is copied into the guest: such a library
# cannot be loaded from anywhere).  Says nothing for an image without
# files.txt.
gupr_rootfs_lacks() {
	local prog=$1 interp rest lib d
	[ -s "$ROOTFS_DIR/files.txt" ] || return 0
	if [ "$(head -c 2 "$prog")" = '#!' ]; then
		read -r interp rest < <(head -n 1 "$prog" | tr -d '\r' | sed 's/^#! *//')
		gupr_rootfs_has "$interp" || echo "$interp"
		[ "${interp##*/}" = env ] || return 0
		set -- $rest
		[ "${1:-}" != -S ] || shift
		[ -n "${1:-}" ] || return 0
		for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
			gupr_rootfs_has "$d/$1" && return 0
		done
		echo "$1 (for $interp)"
		return 0
	fi
	interp=$(readelf -lW "$prog" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
	[ -z "$interp" ] || gupr_rootfs_has "$interp" || echo "$interp"
	for lib in $(readelf -dW "$prog" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		awk -v n="/$lib" 'substr($0, length($0) - length(n) + 1) == n { f = 1; exit } END { exit !f }' \
			"$ROOTFS_DIR/files.txt" || echo "$lib"
	done
}

# gupr_rootfs_exec_check PROG: dies with status 2 (bad usage) naming what
# PROG needs that the image lacks (gupr_rootfs_lacks).
gupr_rootfs_exec_check() {
	local lacks
	lacks=$(gupr_rootfs_lacks "$1")
	[ -z "$lacks" ] && return 0
	GUPR_DIE_RC=2 gupr_die "--exec: '$1' needs $(printf '%s\n' "$lacks" | awk 'NR > 1 { printf ", " } { printf "%s", $0 }'), not in the Debian $ROOTFS_SUITE image ($(cat "$ROOTFS_DIR/packages.txt")): add the package that has it to --exec-pkgs"
}

# gupr_rootfs_modules: the kernel's modules as the Debian userland finds
# them on /lib/modules: $KREL/ as the kernel installed it (KMODROOT), with
# gup_repro.ko (debug info stripped) in $KREL/extra, depmod'ed, as one
# ext4 file $GUPR_BUILD/$KID/rootfs-modules.img (mkfs.ext4 -d); rebuilt
# when the module, the kernel's modules or this file are newer.  Sets
# ROOTFS_KMODS.  Call under the kernel's lock.
gupr_rootfs_modules() {
	local dir="$GUPR_BUILD/$KID" kmods="$KMODROOT/lib/modules/$KREL" stage kb
	ROOTFS_KMODS="$dir/rootfs-modules.img"
	gupr_stale "$ROOTFS_KMODS" "$KO" "$kmods/modules.dep" "$GUPR_TOP/vm-images/lib/rootfs.sh" || return 0
	gupr_say "==> rootfs: the modules of $KREL for the Debian userland"
	stage="$dir/rootfs-modules"
	rm -rf --one-file-system "$stage"
	mkdir -p "$stage/lib/modules/$KREL/extra" || gupr_die "cannot create $stage"
	# the tree's links back to its sources and build do not go in
	( cd "$kmods/" && find . -mindepth 1 -maxdepth 1 ! -name build ! -name source \
		-exec cp -a {} "$stage/lib/modules/$KREL/" \; ) &&
	strip --strip-debug -o "$stage/lib/modules/$KREL/extra/gup_repro.ko" "$KO" ||
		gupr_die "cannot copy the modules of $KREL into $stage"
	gupr_vrun depmod -b "$stage" "$KREL" || gupr_die "depmod for the Debian userland failed"
	kb=$(du -sxk "$stage" | cut -f1)
	gupr_vrun mkfs.ext4 -q -F -O ^has_journal -L gupr-kmods -d "$stage/lib/modules" "$ROOTFS_KMODS.tmp" \
		$((kb * 12 / 10 / 1024 + 16))M &&
		mv "$ROOTFS_KMODS.tmp" "$ROOTFS_KMODS" || { rm -f "$ROOTFS_KMODS.tmp"; gupr_die "cannot write $ROOTFS_KMODS"; }
	rm -rf --one-file-system "$stage"
}

# gupr_rootfs_prepare PKGS: for the kernel of the record (after
# gupr_prepare: KO is built), the Debian image of its suite with PKGS
# (gupr_rootfs_pkgs's line) and its modules image (under the kernel's
# lock); sets ROOTFS_SUITE, ROOTFS_DIR, ROOTFS_IMG, ROOTFS_KEY and
# ROOTFS_KMODS.
gupr_rootfs_prepare() {
	ROOTFS_SUITE=$(gupr_rootfs_suite)
	gupr_rootfs_image "$ROOTFS_SUITE" "$1"
	gupr_lock "kernel-$KID"
	gupr_rootfs_modules
	gupr_unlock "kernel-$KID"
}

# gupr_rootfs_attach: the two disks of the Debian userland for the next
# boot (gupr_boot_disk): the image read-write under -snapshot (the guest's
# writes are QEMU's, thrown away), the modules read-only; and 1 GiB of
# RAM at least (GUPR_GUEST_MB).
gupr_rootfs_attach() {
	gupr_boot_disk "$ROOTFS_IMG" gupr-rootfs
	gupr_boot_disk "$ROOTFS_KMODS" gupr-kmods ro
	# a userland (bash, perl, fstests) wants more RAM than the busybox guest
	[ "$GUPR_GUEST_MB" -ge 1024 ] || GUPR_GUEST_MB=1024
}
