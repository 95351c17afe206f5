# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/initramfs.sh - the guest's initramfs.  Sourced by lib.sh.

# Kernel modules the guest needs (disk and every filesystem gup-repro
# tests), resolved with their dependencies by modprobe --show-depends;
# those built into the kernel (tmpfs), or missing from it, are skipped (a
# tree that lacks what a run needs is refused before boot:
# gupr_kernel_lacks).  The filesystems are facts.sh's.
GUPR_GUEST_MODULES="virtio_pci virtio_blk $GUPR_FILESYSTEMS null_blk"

# gupr_build_initramfs: busybox, the static guest binaries, the guest
# init, the needed kernel modules (from $KMODROOT) and gup_repro.ko, in
# $GUPR_BUILD/$KID; sets INITRD.
gupr_build_initramfs() {
	local dir="$GUPR_BUILD/$KID" stage m f rel kmods="$KMODROOT/lib/modules/$KREL"
	INITRD="$dir/initramfs.cpio.gz"
	if ! gupr_stale "$INITRD" "$KO" "$GUPR_TOP/vm-images/guest/init" "$GUPR_TOP/vm-images/lib/initramfs.sh" \
		"$BUSYBOX" "$PINTRACE" "$kmods/modules.dep" "$GUPR_HOST/gup-repro" \
		"$GUPR_HOST/gup-repro-abi-test" "$GUPR_HOST/gup-repro-ioctl-fuzz" "$GUPR_HOST/triggers"; then
		return 0
	fi
	gupr_say "==> initramfs: packing busybox, gup-repro and modules for $KREL"
	stage="$dir/initramfs"
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,mnt/scratch,lib/modules/"$KREL"/extra}
	cp "$BUSYBOX" "$stage/bin/busybox"
	for f in sh mount umount mkdir cat echo dmesg grep sed awk sleep sync poweroff kill \
		 modprobe insmod rmmod stty ls head tail tr cut date uname wc stat; do
		ln -s busybox "$stage/bin/$f"
	done
	cp "$GUPR_TOP/vm-images/guest/init" "$stage/init"; chmod 755 "$stage/init"
	cp "$GUPR_HOST/gup-repro" "$GUPR_HOST/gup-repro-abi-test" "$GUPR_HOST/gup-repro-ioctl-fuzz" \
		"$PINTRACE" "$stage/bin/"
	cp "$KO" "$stage/lib/modules/$KREL/extra/"
	# --- triggers: the module-free reproducers (build/host/triggers/NAME) ---
	for f in "$GUPR_HOST"/triggers/*; do
		[ -x "$f" ] && cp "$f" "$stage/bin/gupr-trigger-${f##*/}"
	done
	# --- end triggers ---
	for m in $GUPR_GUEST_MODULES; do
		modprobe -d "$KMODROOT" -S "$KREL" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" {print $2}'
	done | sort -u | while read -r f; do
		# a module of a Debian kernel must match its package's md5sum
		rel=${f#"$KMODROOT/"}
		if [ "$KSOURCE" = debian ] && [ -s "$KCACHE/md5sums" ] &&
		   ! grep -F "  $rel" "$KCACHE/md5sums" | ( cd "$KMODROOT" && md5sum -c --quiet ) >/dev/null 2>&1; then
			echo "$f"; exit 1
		fi
		# busybox insmod wants plain .ko: decompress .ko.xz / .ko.zst / .ko.gz
		rel=${rel#usr/}
		rel=${rel#lib/modules/"$KREL"/}
		mkdir -p "$stage/lib/modules/$KREL/$(dirname "$rel")"
		case "$f" in
		*.ko.xz) xz -dc "$f" >"$stage/lib/modules/$KREL/${rel%.xz}" ;;
		*.ko.zst) zstd -dcq "$f" >"$stage/lib/modules/$KREL/${rel%.zst}" ;;
		*.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$KREL/${rel%.gz}" ;;
		*) cp "$f" "$stage/lib/modules/$KREL/$rel" ;;
		esac || { echo "$f"; exit 1; }
	done >"$dir/.damaged" || {
		# a module of the cached kernel does not decompress: the cache is
		# damaged; make the next run fetch (or install) the modules again
		if [ "$KSOURCE" = tree ]; then rm -f "$KMODROOT/.installed"; else rm -f "$KCACHE/.complete"; fi
		gupr_die "$(cat "$dir/.damaged") is damaged (md5sum, or it does not decompress): the cached modules of $KREL will be fetched again on the next run"
	}
	rm -f "$dir/.damaged"
	cp "$kmods"/modules.builtin* "$kmods/modules.order" "$stage/lib/modules/$KREL/" 2>/dev/null
	gupr_vrun depmod -b "$stage" "$KREL" || gupr_die "depmod for the initramfs failed"
	( cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet | gzip -1 ) >"$INITRD.tmp" ||
		gupr_die "cpio of the initramfs failed"
	mv "$INITRD.tmp" "$INITRD"
}
