# SPDX-License-Identifier: GPL-2.0
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

