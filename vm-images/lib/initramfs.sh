# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/initramfs.sh - the guest's initramfs.  Sourced by lib.sh.

# Kernel modules the guest needs (disk and every filesystem gup-repro
# tests), resolved with their dependencies by modprobe --show-depends;
# those built into the kernel (tmpfs), or missing from it, are skipped (a
# tree that lacks what a run needs is refused before boot:
# gupr_kernel_lacks).  The filesystems are facts.sh's.
GUPR_GUEST_MODULES="virtio_pci virtio_blk $GUPR_FILESYSTEMS null_blk"

# gupr_build_initramfs: busybox, the static guest binaries (stripped), the
# guest init, the needed kernel modules (from $KMODROOT) and gup_repro.ko, in
# $GUPR_BUILD/$KID; sets INITRD (every filesystem's modules).  The archive
# is made of parts, lz4 (legacy format, as the kernel reads it; gzip for a
# kernel tree without CONFIG_RD_LZ4): the core
# (all but what the parts hold), xfs's and btrfs's own modules, and the
# tools (the ABI test, the ioctl fuzzer, the module-free triggers), and
# concatenated per use: initramfs-FS[-tools].img is the core and the
# parts a run on FS needs - an ext4 scenario's initramfs is a third of the
# whole, and unpacks in a third of the time.  gupr_initrd_for FS [tools]
# names the one for FS.
gupr_build_initramfs() {
	local dir="$GUPR_BUILD/$KID" stage f why kmods="$KMODROOT/lib/modules/$KREL" part
	local -a comp=(lz4 -l -q -c)
	grep -q '^CONFIG_RD_LZ4=y' "$KCONFIG" 2>/dev/null || comp=(gzip -1)
	INITRD="$dir/initramfs.img"
	if ! gupr_stale "$INITRD" "$KO" "$KCONFIG" "$GUPR_TOP/vm-images/guest/init" "$GUPR_TOP/vm-images/lib/initramfs.sh" \
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
		 modprobe insmod rmmod stty ls head tail tr cut date uname wc stat mkfifo \
		 cp ln rm switch_root; do
		ln -s busybox "$stage/bin/$f"
	done
	cp "$GUPR_TOP/vm-images/guest/init" "$stage/init"; chmod 755 "$stage/init"
	# stripped: less to load, decompress and unpack in the guest (the
	# host keeps the unstripped ones)
	for f in "$GUPR_HOST/gup-repro" "$GUPR_HOST/gup-repro-abi-test" "$GUPR_HOST/gup-repro-ioctl-fuzz" "$PINTRACE"; do
		strip -o "$stage/bin/${f##*/}" "$f" || gupr_die "cannot strip $f"
	done
	strip --strip-debug -o "$stage/lib/modules/$KREL/extra/gup_repro.ko" "$KO" || gupr_die "cannot strip $KO"
	# pintrace's CO-RE relocations against the types it uses only
	# (bpftool gen min_core_btf, "BTFGen"): libbpf in the guest then
	# parses a few KB instead of the kernel's whole BTF (5-7 MB)
	if [ -n "${KBTF:-}" ] && gupr_elf_whole "$KBTF" && [ -s "$GUPR_BUILD/bpf/pintrace.bpf.o" ]; then
		bpftool gen min_core_btf "$KBTF" "$stage/lib/pintrace.btf" "$GUPR_BUILD/bpf/pintrace.bpf.o" \
			>"$dir/min_core_btf.log" 2>&1 || rm -f "$stage/lib/pintrace.btf"
	fi
	# the module-free reproducers (build/host/triggers/NAME)
	for f in "$GUPR_HOST"/triggers/*; do
		[ -x "$f" ] && strip -o "$stage/bin/gupr-trigger-${f##*/}" "$f"
	done
	why=$(gupr_stage_modules "$stage") || {
		[ $? = 3 ] && gupr_die "$why"
		# a module of the cached kernel is damaged: make the next run
		# fetch (or install) the modules again
		if [ "$KSOURCE" = tree ]; then
			rm -f "$KMODROOT/.installed"
			gupr_die "$why: the tree's modules will be installed again on the next run"
		fi
		rm -f "$KCACHE/.complete"
		gupr_die "$why: the cached modules of $KREL will be fetched again on the next run"
	}
	cp "$kmods"/modules.builtin* "$kmods/modules.order" "$stage/lib/modules/$KREL/" 2>/dev/null
	gupr_vrun depmod -b "$stage" "$KREL" || gupr_die "depmod for the initramfs failed"
	# the parts: xfs's and btrfs's modules that the core does not need
	modprobe -d "$stage" -S "$KREL" --show-depends -a virtio_pci virtio_blk ext4 null_blk gup_repro \
		2>/dev/null | awk '$1 == "insmod" { print $2 }' | sed "s#^$stage/#./#" | sort -u >"$dir/.core"
	( cd "$stage" && find ./bin -name 'gup-repro-abi-test' -o -name 'gup-repro-ioctl-fuzz' \
		-o -name 'gupr-trigger-*' ) | LC_ALL=C sort >"$dir/.part-tools"
	cp "$dir/.part-tools" "$dir/.parts"
	for part in xfs btrfs; do
		modprobe -d "$stage" -S "$KREL" --show-depends "$part" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }' | sed "s#^$stage/#./#" | sort -u |
			comm -23 - "$dir/.core" >"$dir/.part-$part"
		cat "$dir/.part-$part" >>"$dir/.parts"
	done
	( cd "$stage" && find . | LC_ALL=C sort | grep -vxF -f "$dir/.parts" |
		cpio -o -H newc -R 0:0 --quiet | "${comp[@]}" ) >"$dir/initramfs-core.img" &&
	for part in xfs btrfs tools; do
		( cd "$stage" && cpio -o -H newc -R 0:0 --quiet <"$dir/.part-$part" | "${comp[@]}" ) \
			>"$dir/initramfs-part-$part.img" || exit 1
	done || gupr_die "cpio of the initramfs failed"
	for part in ext4 xfs btrfs; do
		f=""
		[ "$part" = ext4 ] || f="$dir/initramfs-part-$part.img"
		# each under a temporary name: a run that boots one now reads it whole
		cat "$dir/initramfs-core.img" $f >"$dir/initramfs-$part.img.tmp" &&
		cat "$dir/initramfs-$part.img.tmp" "$dir/initramfs-part-tools.img" \
			>"$dir/initramfs-$part-tools.img.tmp" &&
		mv "$dir/initramfs-$part.img.tmp" "$dir/initramfs-$part.img" &&
		mv "$dir/initramfs-$part-tools.img.tmp" "$dir/initramfs-$part-tools.img" ||
			gupr_die "cannot write the initramfs for $part"
	done
	rm -f "$dir/.core" "$dir/.parts" "$dir/.part-"*
	# the whole one last: its date tells the parts are complete
	cat "$dir/initramfs-core.img" "$dir"/initramfs-part-{xfs,btrfs,tools}.img >"$INITRD.tmp" &&
		mv "$INITRD.tmp" "$INITRD" || gupr_die "cannot write $INITRD"
}

# gupr_stage_modules STAGE: the modules the guest needs ($GUPR_GUEST_MODULES
# and what they depend on: modprobe --show-depends), from $KMODROOT into
# STAGE/lib/modules/$KREL, decompressed (busybox insmod wants plain .ko).
# Each is checked against the kernel's md5sums first (gupr_md5_check: a
# Debian package's, lib/ or usr/lib/ layout alike, or those written when a
# tree's modules were installed).  Prints why and returns 1 when a module
# does not match its md5sum or does not decompress, 3 when its copy cannot
# be written (the build directory's file system: not the kernel's cache).
gupr_stage_modules() {
	local stage=$1 sums mods f rel dst why tool
	sums=$(gupr_kernel_sums)
	mods=$(for f in $GUPR_GUEST_MODULES; do
		modprobe -d "$KMODROOT" -S "$KREL" --show-depends "$f" 2>/dev/null
	done | awk '$1 == "insmod" { print $2 }' | sort -u)
	while read -r f; do
		[ -n "$f" ] || continue
		why=$(gupr_md5_check "$KMODROOT" "$sums" "$f") || { [ $? = 2 ] || { echo "$why"; return 1; }; }
		rel=${f#"$KMODROOT/"}
		rel=${rel#usr/}
		rel=${rel#lib/modules/"$KREL"/}
		dst="$stage/lib/modules/$KREL/$rel"
		mkdir -p "${dst%/*}" || { echo "cannot create ${dst%/*}"; return 1; }
		case "$f" in
		*.ko.xz) tool=xz ;;
		*.ko.zst) tool=zstd ;;
		*.ko.gz) tool=gzip ;;
		*) cp "$f" "$dst" || { echo "cannot copy $f into the initramfs"; return 3; }; continue ;;
		esac
		why=$("$tool" -dc "$f" 2>&1 >"${dst%.*}") && continue
		# the module's data, or the write of the copy?
		"$tool" -t "$f" >/dev/null 2>&1 || { echo "$f is damaged: it does not decompress (${why:0:200})"; return 1; }
		echo "cannot write ${dst%.*}: ${why:0:200}"
		return 3
	done <<<"$mods"
}

# gupr_initrd_for FS [tools]: the initramfs with what a run on FS needs (the
# core alone for ext4 and tmpfs), with the tools part when asked, beside
# INITRD (all of it; a prepared kernel has only the one for its FS); INITRD
# when there is no such file.
gupr_initrd_for() {
	local fs=$1 f
	[ "$fs" = tmpfs ] && fs=ext4
	f="${INITRD%/*}/initramfs-$fs${2:+-$2}.img"
	if [ -s "$f" ] && [ "${INITRD##*/}" = initramfs.img ]; then echo "$f"; else echo "$INITRD"; fi
}
