# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/boot.sh - QEMU: accelerator and the boot of a guest with its
# serial channels and stall watchdog.  Sourced by lib.sh.

# gupr_kvm_usable: /dev/kvm opens read-write AND the CPU has vmx or svm.
gupr_kvm_usable() {
	[ "${GUP_REPRO_ACCEL:-}" = tcg ] && return 1
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	grep -qE '^flags.*\b(vmx|svm)\b' /proc/cpuinfo || return 1
	( exec 3<>/dev/kvm ) 2>/dev/null
}

# The kernel command line every boot starts with (the bench's minimal bare
# boot sets its own).  loglevel=5: the serial console (slow under TCG:
# every character is emulated) gets KERN_WARNING and worse only - every
# WARNING, BUG, Oops and panic with its trace, the ext4/btrfs symptoms -
# not the boot's KERN_NOTICE/INFO chatter; the whole kernel log is still
# in guest.log (the init's dmesg dump at the end).  tsc=reliable: QEMU's
# TSC is one clock for all vCPUs, but the guest's synchronisation check
# fails under TCG and falls back to the HPET, whose every read is an
# emulated MMIO access (and the second CPU then calibrates its delay loop);
# no_timer_check skips the IO-APIC timer test.  cryptomgr.notests: the
# crypto API's boot-time self-tests of every algorithm (crypto_algapi_init
# runs them, a visible part of a boot under TCG); nothing here relies on
# them.
GUPR_BOOT_CMDLINE=${GUPR_BOOT_CMDLINE:-console=ttyS0,115200 panic=-1 loglevel=5 tsc=reliable no_timer_check cryptomgr.notests}
# The guest's RAM (MiB).  The busybox guest uses 65-80 MB of it on 6.1
# (MemTotal - MemFree with the module, trace and btrfs loaded); a resumed
# snapshot's QEMU walks every page of it (its zero pages too), so it is
# kept small.  The Debian userland asks for more (gupr_rootfs_attach).
GUPR_GUEST_MB=${GUPR_GUEST_MB:-512}

# gupr_boot OUTDIR TIMEOUT CMDLINE-EXTRA [DISK [QEMU-ARG...]]: boot $KBOOT
# (else $VMLINUZ) + $INITRD (QEMU-ARGs added: a snapshot's resume) with
# -snapshot (DISK itself is written: snapshot=off); the console goes to OUTDIR/console.log, the guest's step
# lines (ttyS1) to OUTDIR/steps.jsonl, its report (ttyS2) to
# OUTDIR/guest.log, pintrace's events (ttyS3) to OUTDIR/events.jsonl.
# A guest whose console stays silent for GUP_REPRO_STALL seconds (default
# 60; a run prints all the time) is hung and killed, as is one that runs
# past TIMEOUT.  A hang or a kernel panic before the guest init started
# (boot flakes seen under TCG) is retried once.  Sets BOOT_ACCEL, BOOT_ATTEMPTS, BOOT_DETAIL
# and BOOT_STATUS: "ok" (QEMU exited), "timeout", "qemu-error", or
# "output-limit" (the guest wrote more than GUP_REPRO_SERIAL_MAX_MB, default
# 64, to one serial file, and was killed).
gupr_boot() {
	local out=$1 tmo=$2 extra=$3 disk=${4:-} accel rc wd
	shift 4 2>/dev/null || shift $#
	local stall_max=${GUP_REPRO_STALL:-60}
	# what the guest may write to each serial file (MiB): a guest that
	# floods its console or the trace is killed, never a full disk
	local out_max=$(( ${GUP_REPRO_SERIAL_MAX_MB:-64} * 1048576 ))
	if gupr_kvm_usable; then accel=kvm; else accel=tcg; fi
	BOOT_ATTEMPTS=0
	while :; do
		BOOT_ATTEMPTS=$((BOOT_ATTEMPTS + 1))
		BOOT_DETAIL=""
		rm -f "$out/.stalled" "$out/.flooded"
		gupr_qemu_start "$out" "$tmo" "$extra" "$disk" "$accel" "$@"
		# The watchdog runs beside QEMU, so that its exit is seen at once.
		gupr_boot_watchdog "$GUPR_BOOT_PID" "$out" "$stall_max" "$out_max" &
		wd=$!
		wait "$GUPR_BOOT_PID"
		rc=$?
		kill "$wd" 2>/dev/null
		wait "$wd" 2>/dev/null
		GUPR_BOOT_PID=""
		BOOT_ACCEL=$accel
		gupr_boot_classify "$out" "$rc" "$tmo" "$out_max" "$stall_max"
		case $? in
		0) return 0 ;;
		2) accel=tcg ;;
		esac
	done
}

# gupr_boot_disk IMAGE SERIAL [ro|rw]: attach IMAGE (raw) to every later
# boot as one more virtio disk beside the scratch disk, with SERIAL (1..20
# of a-z 0-9 - _: virtio-blk's limit), which the guest init links as
# /dev/disk/by-id/virtio-SERIAL (the /dev/vdX letter depends on what else
# is attached); "ro": read-only to the guest; "rw": IMAGE itself is
# written (snapshot=off: the host reads it afterwards); else written under
# -snapshot (QEMU keeps the writes in a temporary file; IMAGE is never
# written).
GUPR_BOOT_DISKS=()
gupr_boot_disk() {
	local img=$1 serial=$2 mode=${3:-} opt="" n=$(( ${#GUPR_BOOT_DISKS[@]} / 4 ))
	case "$serial" in
	''|*[!a-z0-9_-]*) gupr_die "disk serial '$serial': 1 to 20 of a-z, 0-9, - and _" ;;
	esac
	[ ${#serial} -le 20 ] || gupr_die "disk serial '$serial': 1 to 20 of a-z, 0-9, - and _"
	case "$mode" in
	ro) opt=,readonly=on ;;
	rw) opt=,snapshot=off ;;
	'') ;;
	*) gupr_die "disk mode '$mode': ro, rw or none" ;;
	esac
	[ -s "$img" ] || gupr_die "no disk image $img"
	# a comma in a -drive file name is written twice
	GUPR_BOOT_DISKS+=(-drive "file=${img//,/,,},format=raw,if=none,id=gupr-disk$n$opt"
			  -device "virtio-blk-pci,drive=gupr-disk$n,serial=$serial")
}

# gupr_qemu_start OUTDIR TIMEOUT CMDLINE-EXTRA DISK ACCEL [QEMU-ARG...]: QEMU
# in the background under timeout(1) with the four serial files emptied
# (or appended to: GUPR_SERIAL_APPEND) and the QEMU-ARGs added; sets
# GUPR_BOOT_PID.  The scratch image is fresh per run and is checked on the
# host afterwards (gupr_fsck): it is written (snapshot=off); everything
# else stays disposable (-snapshot), the disks of gupr_boot_disk too.  The
# scratch disk is the first virtio disk (/dev/vda) when it is the only one,
# and /dev/disk/by-id/virtio-gupr-scratch (serial) always.
gupr_qemu_start() {
	local out=$1 tmo=$2 extra=$3 disk=$4 accel=$5 fmt=raw s i=0
	shift 5
	local -a drive=() cpu=(-cpu max) serial=()
	case "$disk" in *.qcow2) fmt=qcow2 ;; esac	# a snapshot's overlay
	# shellcheck disable=SC2054  # the commas are QEMU's, inside one -drive argument
	[ -n "$disk" ] && drive=(-drive "file=$disk,format=$fmt,if=none,id=gupr-scratch,snapshot=off"
				-device virtio-blk-pci,drive=gupr-scratch,serial=gupr-scratch)
	[ "$accel" = kvm ] && cpu=(-cpu host)
	# the serial files: emptied, or with GUPR_SERIAL_APPEND (a resumed
	# snapshot) appended to what they hold (the output before the save)
	for s in console.log steps.jsonl guest.log events.jsonl; do
		if [ -n "${GUPR_SERIAL_APPEND:-}" ]; then
			serial+=(-chardev "file,id=gupr-s$i,path=$out/$s,append=on" -serial "chardev:gupr-s$i")
		else
			: >"$out/$s"
			serial+=(-serial "file:$out/$s")
		fi
		i=$((i + 1))
	done
	timeout --kill-after=5 "$tmo" qemu-system-x86_64 \
		-machine q35,accel="$accel" "${cpu[@]}" -smp "${GUP_REPRO_SMP:-2}" -m "$GUPR_GUEST_MB" \
		-kernel "${KBOOT:-$VMLINUZ}" -initrd "$INITRD" \
		-append "$GUPR_BOOT_CMDLINE $extra" \
		"${drive[@]}" "${GUPR_BOOT_DISKS[@]}" -snapshot \
		-display none -monitor none -no-reboot -nodefaults \
		"${serial[@]}" "$@" \
		</dev/null >"$out/qemu.log" 2>&1 &
	GUPR_BOOT_PID=$!
}

# gupr_boot_watchdog PID OUTDIR STALL-SECONDS MAX-BYTES: once a second while
# PID (QEMU) lives: a serial file over MAX-BYTES writes OUTDIR/.flooded (its
# name) and a console unchanged for STALL-SECONDS writes OUTDIR/.stalled;
# either sends QEMU SIGTERM.  Run in the background; SIGTERM (the boot's
# end) stops it with its one-second sleep, so that no sleep outlives the
# run holding the descriptors it inherited (the run directory's lock).
gupr_boot_watchdog() {
	local pid=$1 out=$2 stall_max=$3 out_max=$4 last=-1 stall=0 size nap=""
	trap '[ -z "$nap" ] || kill "$nap" 2>/dev/null; exit 0' TERM
	while sleep 1 & nap=$!; wait "$nap" && kill -0 "$pid" 2>/dev/null; do
		# shellcheck disable=SC2046  # split on purpose: stat's sizes and names, one word each
		set -- $(stat -c '%s %n' "$out/console.log" "$out/steps.jsonl" "$out/guest.log" \
			 "$out/events.jsonl" 2>/dev/null)
		size=${1:-0}
		while [ $# -ge 2 ]; do
			if [ "$1" -gt "$out_max" ]; then
				echo "${2##*/}" >"$out/.flooded"
				kill -TERM "$pid" 2>/dev/null
				return 0
			fi
			shift 2
		done
		if [ "$size" != "$last" ]; then
			last=$size stall=0
		elif [ $((stall += 1)) -ge "$stall_max" ]; then
			: >"$out/.stalled"
			kill -TERM "$pid" 2>/dev/null
			return 0
		fi
	done
}

# gupr_boot_classify OUTDIR RC TIMEOUT MAX-BYTES STALL-SECONDS: what one
# boot came to, from QEMU's exit status RC and the watchdog's files.  Sets
# BOOT_STATUS and BOOT_DETAIL and returns 0 (done), or 1 (boot once more: a
# hang or a kernel panic before the guest init started, on the first
# attempt; the first console is kept), or 2 (KVM failed: retry with TCG).
gupr_boot_classify() {
	local out=$1 rc=$2 tmo=$3 out_max=$4 stall_max=$5
	if [ -e "$out/.flooded" ]; then
		BOOT_STATUS=output-limit
		BOOT_DETAIL="the guest wrote more than $((out_max / 1048576)) MiB to $(cat "$out/.flooded")"
		rm -f "$out/.flooded"
		return 0
	fi
	if [ -e "$out/.stalled" ]; then
		BOOT_DETAIL="no console output for ${stall_max}s"
		rm -f "$out/.stalled"
	fi
	# QEMU exits 0 on the SIGTERM the watchdog sends: BOOT_DETAIL tells
	if [ -n "$BOOT_DETAIL" ] || [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] || [ "$rc" -eq 143 ]; then
		BOOT_STATUS=timeout
		[ -n "$BOOT_DETAIL" ] || BOOT_DETAIL="still running after ${tmo}s"
		if [ "$BOOT_ATTEMPTS" = 1 ] && ! grep -q 'gup-repro: guest init started' "$out/console.log"; then
			mv "$out/console.log" "$out/console.hung-boot.log"
			gupr_say "==> qemu: the guest hung before its init ran ($BOOT_DETAIL); booting once more"
			return 1
		fi
		return 0
	fi
	if [ "$rc" -ne 0 ]; then
		if [ "$BOOT_ACCEL" = kvm ]; then
			gupr_say "==> qemu: KVM failed to start ($(head -n1 "$out/qemu.log")); retrying with TCG"
			return 2
		fi
		BOOT_STATUS=qemu-error; BOOT_DETAIL=$(head -n1 "$out/qemu.log")
		return 0
	fi
	# A kernel that died before the guest init ran (under TCG we saw
	# "Oops: int3" in code being patched at boot, 2 cells in 64 on a
	# loaded host) is booted once more, like a hang there.
	if [ "$BOOT_ATTEMPTS" = 1 ] && ! grep -q 'gup-repro: guest init started' "$out/console.log" &&
	   grep -q 'Kernel panic' "$out/console.log"; then
		mv "$out/console.log" "$out/console.failed-boot.log"
		gupr_say "==> qemu: the kernel panicked before the guest init ran; booting once more"
		return 1
	fi
	# shellcheck disable=SC2034  # gupr_boot's outcome, read by its callers
	BOOT_STATUS=ok
	return 0
}

