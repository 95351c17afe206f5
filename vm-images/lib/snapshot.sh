# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/snapshot.sh - runs that start from a saved guest instead of
# a boot.  Sourced by lib.sh.
#
# A snapshot is a guest booted once to the point just before the first
# step of a scenario - the module loaded (or not, for the module-free
# triggers), the scratch filesystem made and mounted, the victim file
# there, null_blk made, pintrace attached and filtering on the victim -
# and saved there with QEMU's migration (HMP "migrate" to
# "exec:zstd ..."): the guest's RAM and devices, the scratch disk as it was
# then, and what the four serial channels had received.  A run resumes it
# (-incoming), with its own copy-on-write overlay of the scratch disk, and
# tells the guest what to run through a small disk read after the resume
# (the kernel command line is fixed at save time): the guest init waits
# for it at gupr.snapshot=1 (vm-images/guest/init, snapshot_wait).  The
# run then ends as a booted run does: the same serial files (the saved
# output first), the same unmount, fsck and verdict.
#
# The key of a snapshot is a hash of everything that makes the guest what
# it is at the save: the kernel image and the initramfs (module, pintrace,
# the init, busybox and the guest tools are in it), the fixed part of the
# command line (mode, filesystem, pages, trace, module, slow device), the
# vCPU count, the accelerator, QEMU's binary and this file, boot.sh and
# scratch.sh (the QEMU command line and the scratch image).  Any change
# makes a new one.  They live in $GUPR_CACHE/snapshots/KEY (or
# GUP_REPRO_SNAPSHOT_DIR/KEY), each made once under the lock
# snapshot-make-KEY and held shared (snapshot-KEY) by the runs that resume
# it; the least recently used, not held, go first beyond
# GUP_REPRO_SNAPSHOTS (count, default 16) or GUP_REPRO_SNAPSHOTS_MB (MiB
# on disk, default 2048).

GUPR_SNAP_DIR=${GUP_REPRO_SNAPSHOT_DIR:-"$GUPR_CACHE/snapshots"}
# the command disk: a fixed size (the guest reads its capacity at boot),
# room for an --exec program of GUPR_EXEC_MAX bytes and its arguments
GUPR_SNAP_CMD_MB=72

# gupr_file_hash FILE: FILE's sha256, remembered per path, size, mtime and
# inode (a kernel image is 50 MB: hashing it every run costs 0.2 s).
gupr_file_hash() {
	local id memo h
	id=$(stat -L -c '%s %Y %i' "$1" 2>/dev/null) || return 1
	memo="$GUPR_SNAP_DIR/.hashes/$(printf '%s' "$1" | sha1sum | cut -c1-16)"
	if [ -s "$memo" ] && [ "$(sed -n 1p "$memo")" = "$id" ]; then
		sed -n 2p "$memo"
		return 0
	fi
	h=$(sha256sum <"$1" | cut -c1-64) || return 1
	mkdir -p "${memo%/*}" && printf '%s\n%s\n' "$id" "$h" >"$memo.$$" && mv "$memo.$$" "$memo"
	echo "$h"
}

# gupr_snapshot_key FIXED ACCEL: the key of a snapshot of the kernel of the
# record ($KBOOT or $VMLINUZ) with $INITRD, booted with the fixed command
# line FIXED under ACCEL (see the top of this file).  Remembered per the
# inputs' paths, sizes, times and inodes (one stat instead of reading 60
# MB and starting QEMU for its version on every run).
gupr_snapshot_key() {
	local f id memo key qemu
	local -a files=("${KBOOT:-$VMLINUZ}" "$INITRD" "$GUPR_TOP/vm-images/lib/snapshot.sh"
			"$GUPR_TOP/vm-images/lib/boot.sh" "$GUPR_TOP/vm-images/lib/scratch.sh")
	# QEMU is known by its binary, not run for its version
	qemu=$(command -v qemu-system-x86_64) || return 1
	files+=("$qemu")
	id=$(printf '%s\n' "cmdline: $GUPR_BOOT_CMDLINE $1" "accel: $2 smp: ${GUP_REPRO_SMP:-2} mem: $GUPR_GUEST_MB"
	     stat -L -c '%n %s %Y %i' "${files[@]}" 2>&1)
	memo="$GUPR_SNAP_DIR/.keys/$(printf '%s' "$id" | sha1sum | cut -c1-16)"
	if [ -s "$memo" ]; then
		cat "$memo"
		return 0
	fi
	key=$({
		echo "cmdline: $GUPR_BOOT_CMDLINE $1"
		echo "accel: $2 smp: ${GUP_REPRO_SMP:-2} mem: $GUPR_GUEST_MB"
		for f in "${files[@]}"; do gupr_file_hash "$f" || echo "missing $f"; done
	} | sha256sum | cut -c1-16)
	mkdir -p "${memo%/*}" && echo "$key" >"$memo.$$" && mv "$memo.$$" "$memo"
	echo "$key"
}

# gupr_snapshot_usable WHY-VAR FS ROOTFS EXEC-SIZE: whether a run can start
# from a snapshot; else WHY-VAR says why not: GUP_REPRO_SNAPSHOT=0 or
# --boot; the Debian userland (its disks' writes during the boot live in
# the booting QEMU's own -snapshot file, which the save does not keep); an
# --exec program larger than the command disk.
gupr_snapshot_usable() {
	local -n why=$1
	why=""
	if [ "${GUP_REPRO_SNAPSHOT:-1}" = 0 ]; then why="--boot"
	elif [ "$3" != busybox ]; then why="--rootfs $3 boots (its disks are not saved)"
	elif [ "${4:-0}" -gt $(( (GUPR_SNAP_CMD_MB - 1) * 1048576 )) ]; then why="the --exec program is larger than the command disk"
	fi
	[ -z "$why" ]
}

# gupr_snapshot_cmd_disk IMG EXTRA [PROG ARG...]: the command disk of a run:
# a first block "gupr-cmd 1 BYTES", then from 4 KiB a tar of BYTES bytes
# holding cmdline (EXTRA: the run's gupr.* words), time (the host's clock,
# seconds), seed (512 random bytes for the guest's RNG) and, with PROG,
# exec/prog and exec/args (one argument a line), as the --exec initramfs
# has them; GUPR_SNAP_CMD_MB in all (sparse).
gupr_snapshot_cmd_disk() {
	local img=$1 extra=$2 stage a bytes; shift 2
	stage=$(mktemp -d) || gupr_die "cannot make a temporary directory"
	{
		printf '%s\n' "$extra" >"$stage/cmdline" && date +%s >"$stage/time" &&
		head -c 512 /dev/urandom >"$stage/seed" &&
		if [ $# -gt 0 ]; then
			mkdir "$stage/exec" && cp "$1" "$stage/exec/prog" && chmod 755 "$stage/exec/prog" && shift &&
			for a in "$@"; do printf '%s\n' "$a"; done >"$stage/exec/args"
		fi &&
		tar -C "$stage" -cf "$stage.tar" . && bytes=$(stat -c %s "$stage.tar") &&
		{ printf 'gupr-cmd 1 %s\n' "$bytes"; head -c 4096 /dev/zero; } | head -c 4096 >"$img" &&
		cat "$stage.tar" >>"$img" && truncate -s "${GUPR_SNAP_CMD_MB}M" "$img"
	} || { rm -rf "$stage" "$stage.tar"; gupr_die "cannot write the command disk $img"; }
	rm -rf "$stage" "$stage.tar"
}

# gupr_snapshot_prepare DIR FIXED FS PAGES TIMEOUT ACCEL: boot the guest with
# FIXED + gupr.snapshot=1 to its ready point and save it into DIR (made
# anew): state.zst, scratch.img (FS, PAGES pages; none for tmpfs), cmd.img
# (empty), the serial files so far, info.  Returns 1 with SNAP_WHY when the
# guest did not get there or the save failed (DIR removed).
gupr_snapshot_prepare() {
	local dir=$1 fixed=$2 fs=$3 pages=$4 tmo=$5 accel=$6 disk="" t0 i w r
	t0=$EPOCHREALTIME
	rm -rf --one-file-system "$dir" && mkdir -p "$dir" || { SNAP_WHY="cannot create $dir"; return 1; }
	if [ "$fs" != tmpfs ]; then
		( gupr_make_scratch "$dir/scratch.img" "$pages" "$fs" ) || { SNAP_WHY="cannot make the $fs scratch image"; rm -rf "$dir"; return 1; }
		disk=$dir/scratch.img
	fi
	truncate -s "${GUPR_SNAP_CMD_MB}M" "$dir/cmd.img" && mkfifo "$dir/mon.in" "$dir/mon.out" ||
		{ SNAP_WHY="cannot write in $dir"; rm -rf "$dir"; return 1; }
	gupr_qemu_start "$dir" "$tmo" "$fixed gupr.snapshot=1" "$disk" "$accel" \
		-chardev "pipe,id=gupr-mon,path=$dir/mon" -mon chardev=gupr-mon,mode=readline \
		$(gupr_snapshot_cmd_args "$dir/cmd.img")
	exec {w}<>"$dir/mon.in" {r}<>"$dir/mon.out"
	# the guest says it is ready on ttyS2; it waits there for its command
	for ((i = 0; i < tmo * 20; i++)); do
		grep -q '^gupr-meta: snapshot=ready' "$dir/guest.log" 2>/dev/null && break
		kill -0 "$GUPR_BOOT_PID" 2>/dev/null || break
		sleep 0.05
	done
	if grep -q '^gupr-meta: snapshot=ready' "$dir/guest.log" 2>/dev/null; then
		# live migration: the guest keeps polling while its RAM is sent,
		# and QEMU stops it for the last pages; "migrate" (no -d) returns
		# when it is done, then quit
		printf 'migrate "exec:zstd -1 -q -T0 -o %s/state.zst.tmp"\ninfo migrate\nquit\n' "$dir" >&"$w"
	else
		kill -TERM "$GUPR_BOOT_PID" 2>/dev/null
	fi
	wait "$GUPR_BOOT_PID"
	timeout 1 cat <&"$r" >"$dir/monitor.log" 2>/dev/null
	exec {w}>&- {r}<&-
	rm -f "$dir/mon.in" "$dir/mon.out"
	if ! grep -q 'Migration status: completed' "$dir/monitor.log" || ! zstd -tq "$dir/state.zst.tmp" 2>/dev/null; then
		SNAP_WHY=$(grep -h '^gupr-meta: error=' "$dir/guest.log" 2>/dev/null | head -n 1)
		SNAP_WHY="the guest did not reach its snapshot point${SNAP_WHY:+ (${SNAP_WHY#gupr-meta: })}$(grep -q snapshot=ready "$dir/guest.log" 2>/dev/null && echo ": the save failed ($(tr -d '\r' <"$dir/monitor.log" | grep -i -m 1 'error\|fail'))")"
		rm -rf --one-file-system "$dir"
		return 1
	fi
	mv "$dir/state.zst.tmp" "$dir/state.zst"
	{
		echo "fixed: $fixed"
		echo "kernel: $KREL${KLABEL:+ ($KLABEL)}"
		echo "fs: $fs"
		echo "accel: $accel smp: ${GUP_REPRO_SMP:-2}"
		echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "prepare-seconds: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
	} >"$dir/info"
	: >"$dir/.complete"
}

# gupr_snapshot_cmd_args IMG: the QEMU arguments of the command disk (the
# same at the save and at each resume: the device set must not change)
gupr_snapshot_cmd_args() {
	printf '%s\n' -drive "file=$1,format=raw,if=none,id=gupr-cmd,readonly=on" \
		-device "virtio-blk-pci,drive=gupr-cmd,serial=gupr-cmd"
}

# gupr_snapshot_get FIXED FS PAGES TIMEOUT ACCEL: SNAP, the directory of
# the snapshot for this run (made now when there is none, under its lock,
# saying so), held shared until the run ends; returns 1 with SNAP_WHY when
# it cannot be made.
gupr_snapshot_get() {
	local key dir
	key=$(gupr_snapshot_key "$1" "$5") || { SNAP_WHY="cannot compute the snapshot's key"; return 1; }
	dir="$GUPR_SNAP_DIR/$key"
	if [ ! -e "$dir/.complete" ]; then
		# made by one run; the others wait for it (not for its use)
		gupr_lock "snapshot-make-$key"
		if [ ! -e "$dir/.complete" ]; then
			gupr_say "==> snapshot: preparing one for this kernel, $2 and its options (boot to the scenario's start, save)"
			gupr_snapshot_prepare "$dir" "$1" "$2" "$3" "$4" "$5" || { gupr_unlock "snapshot-make-$key"; return 1; }
			gupr_snapshot_prune "$key"
		fi
		gupr_unlock "snapshot-make-$key"
	fi
	touch "$dir/.used" 2>/dev/null
	# in use until this run ends: a shared hold of its lock, which
	# gupr_snapshot_prune (exclusive, not waiting) respects
	local fd
	exec {fd}>>"$GUPR_CACHE/locks/snapshot-$key.lock" && flock -s "$fd" ||
		{ SNAP_WHY="cannot lock the snapshot $key"; return 1; }
	SNAP=$dir
}

# gupr_snapshot_resume OUT TIMEOUT FIXED RUN DISK ACCEL [PROG ARG...]: the
# run from the snapshot $SNAP (made with the command line FIXED): OUT's
# serial files start with the saved output, DISK (OUT/scratch.img, or ""
# for tmpfs) is made from a copy-on-write overlay of the saved scratch
# disk after the run, the guest is told RUN (the run's gupr.* words) and
# the --exec program on the command disk.  Sets BOOT_* as gupr_boot does;
# BOOT_STATUS restore-failed when QEMU could not load the state.
gupr_snapshot_resume() {
	local out=$1 tmo=$2 fixed=$3 run=$4 disk=$5 accel=$6 s overlay=""; shift 6
	for s in console.log steps.jsonl guest.log events.jsonl; do
		cp "$SNAP/$s" "$out/$s" || gupr_die "cannot write $out/$s"
	done
	if [ -n "$disk" ]; then
		overlay=$out/scratch.qcow2
		qemu-img create -q -f qcow2 -F raw -b "$SNAP/scratch.img" "$overlay" ||
			gupr_die "cannot make the scratch overlay $overlay"
	fi
	gupr_snapshot_cmd_disk "$out/cmd.img" "$run" "$@"
	# QEMU waits for the rest of a stream that ends early (a truncated
	# state.zst): zstd's failure stops it, and says so
	rm -f "$out/.restore-failed"
	GUPR_SERIAL_APPEND=1 gupr_boot "$out" "$tmo" "$fixed gupr.snapshot=1" "$overlay" $(gupr_snapshot_cmd_args "$out/cmd.img") \
		-incoming "exec:zstd -dcq $SNAP/state.zst || { echo \"zstd exit \$? on state.zst\" >$out/.restore-failed; kill \$PPID; }"
	rm -f "$out/cmd.img"
	if [ -e "$out/.restore-failed" ] ||
	   { [ "$BOOT_STATUS" = qemu-error ] && grep -qi 'migration\|incoming\|ramblock\|vmstate' "$out/qemu.log"; }; then
		cat "$out/.restore-failed" >>"$out/qemu.log" 2>/dev/null
		rm -f "$overlay" "$out/.restore-failed"
		BOOT_STATUS=restore-failed
		return 0
	fi
	if [ -n "$overlay" ]; then
		qemu-img convert -q -f qcow2 -O raw "$overlay" "$disk" && rm -f "$overlay" ||
			gupr_die "cannot write $disk from the scratch overlay"
	fi
}

# gupr_snapshot_prune [KEEP]: remove the least recently used snapshots
# beyond GUP_REPRO_SNAPSHOTS (count, default 16) and GUP_REPRO_SNAPSHOTS_MB
# (MiB on disk, default 2048), never KEEP nor one whose lock another run
# holds; incomplete ones (a save that died) too.
gupr_snapshot_prune() {
	local keep=${1:-} max=${GUP_REPRO_SNAPSHOTS:-16} maxmb=${GUP_REPRO_SNAPSHOTS_MB:-2048} n=0 mb=0 d k kb
	[ -d "$GUPR_SNAP_DIR" ] || return 0
	if [ -n "$keep" ] && [ -d "$GUPR_SNAP_DIR/$keep" ]; then
		n=1 mb=$(( $(du -sk "$GUPR_SNAP_DIR/$keep" | cut -f1) / 1024 ))
	fi
	gupr_snapshot_dirs | while read -r d; do
		k=${d##*/}
		[ "$k" = "$keep" ] && continue
		kb=$(du -sk "$d" | cut -f1)
		if [ -e "$d/.complete" ] && [ $((n + 1)) -le "$max" ] && [ $((mb + kb / 1024)) -le "$maxmb" ]; then
			n=$((n + 1)) mb=$((mb + kb / 1024))
			continue
		fi
		# a snapshot in use holds its lock shared, one being made its
		# make lock
		mkdir -p "$GUPR_CACHE/locks"
		( exec 8>>"$GUPR_CACHE/locks/snapshot-make-$k.lock" 9>>"$GUPR_CACHE/locks/snapshot-$k.lock" &&
		  flock -n 8 && flock -n 9 && rm -rf --one-file-system "$d" ) 2>/dev/null
	done
}

# gupr_snapshot_dirs: the snapshots' directories, most recently used first
# (.used is touched at each use; one never used by its making)
gupr_snapshot_dirs() {
	local d
	for d in "$GUPR_SNAP_DIR"/*/; do
		d=${d%/}
		[ -d "$d" ] || continue
		echo "$(stat -c %Y "$d/.used" 2>/dev/null || stat -c %Y "$d") $d"
	done | sort -rn | cut -d' ' -f2-
}

# gupr_snapshot_list: the snapshots, most recently used first: key, size,
# last use, what they are (their info)
gupr_snapshot_list() {
	local d
	gupr_snapshot_dirs | while read -r d; do
		printf '%s  %6s  %s  %s%s\n' "${d##*/}" "$(du -sh "$d" | cut -f1)" \
			"$(date -r "$d/.used" '+%Y-%m-%d %H:%M' 2>/dev/null || echo never)" \
			"$(sed -n 's/^kernel: \([^ ]*\).*/\1/p' "$d/info" 2>/dev/null) $(sed -n 's/^fs: //p' "$d/info" 2>/dev/null)" \
			"$([ -e "$d/.complete" ] || echo ' (incomplete)')"
	done
}
