# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/phases.sh - where a run's time goes: host phases timed by
# run.sh, guest phases from the printk times of the guest's kernel log.
# Sourced by lib.sh.

# gupr_mark NAME: NAME ends now (host wall clock; $EPOCHREALTIME, no fork).
GUPR_MARKS=()
gupr_mark() { GUPR_MARKS+=("$1 $EPOCHREALTIME"); }

# gupr_phases RUN_DIR T0: RUN_DIR/phases.txt, one "side phase seconds" line
# a phase.  Host: the time between run.sh's marks since T0.  Guest: from the
# dmesg dump in guest.log (the init's "gupr-phase: NAME" marks and the
# kernel's own lines), pintrace's setup_ms (events.jsonl) and the console's
# "reboot: Power down"; "qemu" is the boot's host wall time less the guest's
# clock at power-off (QEMU start, firmware, kernel decompression, exit).
gupr_phases() {
	local out=$1 t0=$2
	{
		echo "# side phase seconds (host: wall clock of run.sh; guest: printk times; pintrace: its setup_ms)"
		printf '%s\n' "${GUPR_MARKS[@]}" | awk -v t0="$t0" '
			{ printf "host %-16s %7.3f\n", $1, $2 - t0; t0 = $2 }'
		{ tr -d '\r' <"$out/console.log"; } 2>/dev/null | sed -n 's/^\[ *\([0-9.]*\)\] reboot: Power down.*/power-off \1/p' |
			tail -n 1 | cat - <(sed -n '/^gupr-meta: dmesg follows/,$p' "$out/guest.log" 2>/dev/null | tr -d '\r') |
			awk -v boot="$(sed -n 's/^boot-seconds: //p' "$out/run.txt" 2>/dev/null)" '
			$1 == "power-off" { off = $2; next }
			{ if (!match($0, /^\[ *[0-9]+\.[0-9]+\]/)) next
			  t = substr($0, 2, RLENGTH - 2) + 0; msg = substr($0, RLENGTH + 2) }
			msg ~ /^Trying to unpack rootfs/ { u0 = t }
			msg ~ /^Freeing initrd memory/ { u1 = t }
			msg ~ /^Run \/init as init process/ { init = t }
			msg ~ /^gupr-phase: / { n++; name[n] = substr(msg, 13); at[n] = t }
			END {
				if (init == "") exit
				# a resumed snapshot: the phases before the "resume"
				# mark were the boot of the snapshot, not of this run
				for (i = 1; i <= n; i++) if (name[i] == "resume") r = i
				if (!r) {
					printf "guest %-16s %7.3f\n", "kernel-to-init", init
					if (u0 != "" && u1 != "") printf "guest %-16s %7.3f (overlaps kernel-to-init)\n", "initramfs-unpack", u1 - u0
				}
				last = init
				for (i = r ? r : 1; i <= n; i++) {
					if (name[i] == "init" || i == r) { last = at[i]; continue }
					printf "guest %-16s %7.3f\n", name[i], at[i] - last; last = at[i]
				}
				if (off != "") {
					printf "guest %-16s %7.3f\n", "power-off", off - last
					if (boot != "" && r)
						printf "host %-16s %7.3f (resume wall %s s - guest clock %.3f s since the resume)\n", "qemu+restore", boot - (off - at[r]), boot, off - at[r]
					else if (boot != "")
						printf "host %-16s %7.3f (boot wall %s s - guest clock %s s)\n", "qemu+firmware", boot - off, boot, off
				}
			}'
		sed -n '1s/.*"setup_ms":{\([^}]*\)}.*/\1/p' "$out/events.jsonl" 2>/dev/null | tr ',' '\n' | tr -d '"' |
			awk -F: '{ printf "pintrace %-13s %7.3f\n", $1, $2 / 1000 }'
	} >"$out/phases.txt"
}
