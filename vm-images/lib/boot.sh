# SPDX-License-Identifier: GPL-2.0
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
# no_timer_check skips the IO-APIC timer test.
GUPR_BOOT_CMDLINE=${GUPR_BOOT_CMDLINE:-console=ttyS0,115200 panic=-1 loglevel=5 tsc=reliable no_timer_check}

# gupr_boot OUTDIR TIMEOUT CMDLINE-EXTRA [DISK]: boot $VMLINUZ + $INITRD with
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
	local out=$1 tmo=$2 extra=$3 disk=${4:-} accel rc pid wd
	local stall_max=${GUP_REPRO_STALL:-60}
	# what the guest may write to each serial file (MiB): a guest that
	# floods its console or the trace is killed, never a full disk
	local out_max=$(( ${GUP_REPRO_SERIAL_MAX_MB:-64} * 1048576 ))
	local -a drive=()
	# The scratch image is fresh per run and is checked on the host
	# afterwards (gupr_fsck): it is written (snapshot=off); everything else
	# stays disposable (-snapshot).
	[ -n "$disk" ] && drive=(-drive "file=$disk,format=raw,if=virtio,snapshot=off")
	if gupr_kvm_usable; then accel=kvm; else accel=tcg; fi
	BOOT_ATTEMPTS=0
	while :; do
		local -a cpu=(-cpu max)
		[ "$accel" = kvm ] && cpu=(-cpu host)
		BOOT_ATTEMPTS=$((BOOT_ATTEMPTS + 1))
		BOOT_DETAIL=""
		: >"$out/console.log"; : >"$out/steps.jsonl"; : >"$out/guest.log"; : >"$out/events.jsonl"
		timeout --kill-after=5 "$tmo" qemu-system-x86_64 \
			-machine q35,accel="$accel" "${cpu[@]}" -smp 2 -m 1024 \
			-kernel "$VMLINUZ" -initrd "$INITRD" \
			-append "$GUPR_BOOT_CMDLINE $extra" \
			"${drive[@]}" -snapshot \
			-display none -monitor none -no-reboot -nodefaults \
			-serial "file:$out/console.log" -serial "file:$out/steps.jsonl" \
			-serial "file:$out/guest.log" -serial "file:$out/events.jsonl" \
			</dev/null >"$out/qemu.log" 2>&1 &
		pid=$!
		# The watchdog runs beside QEMU, so that its exit is seen at once.
		rm -f "$out/.stalled" "$out/.flooded"
		GUPR_BOOT_PID=$pid
		(
			last=-1 stall=0
			while sleep 1 && kill -0 "$pid" 2>/dev/null; do
				set -- $(stat -c '%s %n' "$out/console.log" "$out/steps.jsonl" "$out/guest.log" \
					 "$out/events.jsonl" 2>/dev/null)
				size=${1:-0}
				while [ $# -ge 2 ]; do
					if [ "$1" -gt "$out_max" ]; then
						echo "${2##*/}" >"$out/.flooded"
						kill -TERM "$pid" 2>/dev/null
						exit 0
					fi
					shift 2
				done
				if [ "$size" != "$last" ]; then
					last=$size stall=0
				elif [ $((stall += 1)) -ge "$stall_max" ]; then
					: >"$out/.stalled"
					kill -TERM "$pid" 2>/dev/null
					exit 0
				fi
			done
		) &
		wd=$!
		wait "$pid"
		rc=$?
		kill "$wd" 2>/dev/null
		wait "$wd" 2>/dev/null
		GUPR_BOOT_PID=""
		if [ -e "$out/.flooded" ]; then
			BOOT_ACCEL=$accel BOOT_STATUS=output-limit
			BOOT_DETAIL="the guest wrote more than $((out_max / 1048576)) MiB to $(cat "$out/.flooded")"
			rm -f "$out/.flooded"
			return 0
		fi
		if [ -e "$out/.stalled" ]; then
			BOOT_DETAIL="no console output for ${stall_max}s"
			rm -f "$out/.stalled"
		fi
		BOOT_ACCEL=$accel
		# QEMU exits 0 on the SIGTERM the watchdog sends: BOOT_DETAIL tells
		if [ -n "$BOOT_DETAIL" ] || [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ $rc -eq 143 ]; then
			BOOT_STATUS=timeout
			[ -n "$BOOT_DETAIL" ] || BOOT_DETAIL="still running after ${tmo}s"
			if [ "$BOOT_ATTEMPTS" = 1 ] && ! grep -q 'gup-repro: guest init started' "$out/console.log"; then
				mv "$out/console.log" "$out/console.hung-boot.log"
				gupr_say "==> qemu: the guest hung before its init ran ($BOOT_DETAIL); booting once more"
				continue
			fi
			return 0
		fi
		if [ $rc -ne 0 ]; then
			if [ "$accel" = kvm ]; then
				gupr_say "==> qemu: KVM failed to start ($(head -n1 "$out/qemu.log")); retrying with TCG"
				accel=tcg; continue
			fi
			BOOT_STATUS=qemu-error; BOOT_DETAIL=$(head -n1 "$out/qemu.log"); return 0
		fi
		# A kernel that died before the guest init ran (under TCG we saw
		# "Oops: int3" in code being patched at boot, 2 cells in 64 on a
		# loaded host) is booted once more, like a hang there; the first
		# console is kept.
		if [ "$BOOT_ATTEMPTS" = 1 ] && ! grep -q 'gup-repro: guest init started' "$out/console.log" &&
		   grep -q 'Kernel panic' "$out/console.log"; then
			mv "$out/console.log" "$out/console.failed-boot.log"
			gupr_say "==> qemu: the kernel panicked before the guest init ran; booting once more"
			continue
		fi
		BOOT_STATUS=ok; return 0
	done
}

