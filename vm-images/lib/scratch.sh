# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/scratch.sh - the scratch filesystem image.  Sourced by lib.sh.

# gupr_make_scratch IMG PAGES FS: a fresh image of FS (ext4, xfs, btrfs)
# holding /victim (PAGES pages of '.'), populated by the mkfs itself
# (mkfs.ext4 -d, mkfs.xfs -p protofile, mkfs.btrfs --rootdir): no loop
# mount, no root needed.  tmpfs needs no image (the guest makes the file).
gupr_make_scratch() {
	local img=$1 pages=$2 fs=${3:-ext4} src rc=0
	rm -f "$img"
	[ "$fs" = tmpfs ] && return 0
	src=$(mktemp -d) && [ -d "$src" ] || gupr_die "cannot make a temporary directory for the $fs image"
	head -c $((pages * 4096)) /dev/zero | tr '\0' '.' >"$src/victim"
	case "$fs" in
	ext4)
		gupr_vrun mkfs.ext4 -q -F -L gupr-scratch -d "$src" "$img" 64M || rc=$? ;;
	xfs)
		# 300 MiB is mkfs.xfs's minimum; the image is sparse.  bigtime and
		# inobtcount off so that 5.10 mounts it too.
		printf '/dev/null\n0 0\nd--755 0 0\nvictim ---644 0 0 %s\n$\n' "$src/victim" >"$src/proto"
		truncate -s 300M "$img" &&
		gupr_vrun mkfs.xfs -q -f -L gupr-scratch -m bigtime=0,inobtcount=0 -p "$src/proto" "$img" || rc=$? ;;
	btrfs)
		rm -f "$src/proto"
		truncate -s 256M "$img" &&
		gupr_vrun mkfs.btrfs -q -f -L gupr-scratch --rootdir "$src" "$img" || rc=$? ;;
	*)
		rc=2 ;;
	esac
	rm -rf "$src"
	[ $rc = 0 ] || gupr_die "making the $fs scratch image failed"
}


# gupr_fsck IMG FS OUT: the filesystem's own checker, read-only, on the
# scratch image the guest wrote to (attached without -snapshot), into OUT
# (fsck.txt: fsck-tool, fsck-command, fsck-exit, then "output:" and what
# the tool printed).  The verdict (gup-repro-verdict) interprets it.
gupr_fsck() {
	local img=$1 fs=$2 out=$3 rc tool
	local -a cmd
	case "$fs" in
	ext4) tool=e2fsck; cmd=(e2fsck -fn "$img") ;;
	xfs) tool=xfs_repair; cmd=(xfs_repair -n -f "$img") ;;
	btrfs) tool=btrfs; cmd=(btrfs check --readonly "$img") ;;
	*) printf 'fsck-skipped: %s has no on-disk checker (no image)\n' "$fs" >"$out"; return 0 ;;
	esac
	if [ ! -s "$img" ]; then
		printf 'fsck-tool: %s\nfsck-skipped: no scratch image\n' "$tool" >"$out"
		return 0
	fi
	{
		echo "fsck-tool: $tool"
		echo "fsck-command: ${cmd[*]##*/}"
		LC_ALL=C timeout 120 "${cmd[@]}" >"$out.tmp" 2>&1
		rc=$?
		echo "fsck-exit: $rc"
		echo "output:"
		head -c 65536 "$out.tmp"
	} >"$out"
	rm -f "$out.tmp"
}
