# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/triggers.sh - module-free reproducers (repro-user/guest/triggers/)
# as scenarios, the user's --exec program, and --repeat statistics.
# Sourced by lib.sh.

GUPR_TRIGGER_DIR="$GUPR_TOP/repro-user/guest/triggers"

# gupr_trigger_names: the triggers, one a line (repro-user/guest/triggers/NAME.c).
gupr_trigger_names() {
	local f
	for f in "$GUPR_TRIGGER_DIR"/*.c; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "${f%.c}"
	done
}

# gupr_is_trigger NAME: NAME is a trigger scenario.
gupr_is_trigger() {
	case "$1" in ''|*[!a-z0-9-]*) return 1 ;; esac
	[ -f "$GUPR_TRIGGER_DIR/$1.c" ]
}

# gupr_trigger_meta NAME KEY: the value of " * gupr: KEY=VALUE" in the
# trigger's header comment ("" when absent).
gupr_trigger_meta() {
	sed -n "s/^ \* gupr: .*\b$2=\([^ ]*\).*/\1/p" "$GUPR_TRIGGER_DIR/$1.c" | head -n 1
}

# gupr_fault_check NAME: why NAME is not a fault a trigger can inject in its
# window (empty output and status 0 when it is).  The authority is the
# triggers' own table (repro-user/guest/triggers/window-fault.h), which
# gupr_fault_names reads.
gupr_fault_check() {
	local names
	case "$1" in ''|*[!a-z-]*) echo "'$1' is not a fault name"; return 1 ;; esac
	names=$(gupr_fault_names) || { echo "the triggers are not built (make host)"; return 1; }
	names=${names//$'\n'/ }
	gupr_in_list "$1" "$names" && return 0
	echo "'$1' is not $(gupr_or_list "$names")"
	return 1
}

# gupr_fault_names: the faults a trigger injects in its window, a line each
# (window-fault.h's table, through a built trigger's --list-faults).
gupr_fault_names() {
	local t
	t=$(gupr_trigger_names | head -n 1)
	[ -x "$GUPR_HOST/triggers/$t" ] && "$GUPR_HOST/triggers/$t" --list-faults
}

# gupr_trigger_list: "  NAME  summary" lines for --list.
gupr_trigger_list() {
	local n
	echo "triggers (module-free: the kernel's own pinning paths, gup_repro.ko not loaded):"
	for n in $(gupr_trigger_names); do
		printf '  %-22s %s\n' "$n" "$(sed -n "3s/^ \* $n - //p" "$GUPR_TRIGGER_DIR/$n.c")"
		printf '    build: %s\n' "$(sed -n 's/^ \* Build: *//p' "$GUPR_TRIGGER_DIR/$n.c" | head -n 1)"
	done
}

# an --exec program goes into the guest's initramfs, in its RAM: at most
# this many MiB
GUPR_EXEC_MAX_MB=64

# gupr_exec_check PATH [ROOTFS]: why PATH cannot run in the guest (empty
# output and status 0 when it can); a program is of at most
# GUPR_EXEC_MAX_MB MiB.  The busybox initramfs (ROOTFS busybox, the
# default) has no libc: a program must be a static ELF for x86-64 or a
# "#!/bin/sh" script.  The Debian userland (ROOTFS debian) runs any x86-64
# ELF and any "#!" script; what it needs must be in the image
# (--exec-pkgs).
gupr_exec_check() {
	local p=$1 rootfs=${2:-busybox} magic first size
	if [ ! -e "$p" ]; then echo "'$p' does not exist"; return 1; fi
	if [ ! -f "$p" ]; then echo "'$p' is not a regular file"; return 1; fi
	if [ ! -x "$p" ]; then echo "'$p' is not executable (chmod +x)"; return 1; fi
	size=$(stat -L -c %s "$p") || { echo "cannot read the size of '$p'"; return 1; }
	if [ "$size" -gt $((GUPR_EXEC_MAX_MB * 1048576)) ]; then
		echo "'$p' is $(((size + 1048575) / 1048576)) MiB: a program may be at most $GUPR_EXEC_MAX_MB MiB (it is packed into the guest's initramfs, in its RAM)"
		return 1
	fi
	magic=$(head -c 4 "$p" | od -An -tx1 | tr -d ' \n')
	case "$magic" in
	7f454c46)
		if ! readelf -h "$p" 2>/dev/null | grep -q 'Machine: *Advanced Micro Devices X86-64'; then
			echo "'$p' is not an x86-64 ELF program"; return 1
		fi
		[ "$rootfs" = debian ] && return 0
		if readelf -lW "$p" 2>/dev/null | grep -q 'INTERP\|Requesting program interpreter' ||
		   readelf -dW "$p" 2>/dev/null | grep -q '(NEEDED)'; then
			echo "'$p' is dynamically linked; the guest has no libc: link it with -static, or run it with --rootfs debian"; return 1
		fi ;;
	2321*)
		[ "$rootfs" = debian ] && return 0
		first=$(head -n 1 "$p" | tr -d '\r')
		case "$first" in
		'#!/bin/sh'|'#!/bin/sh '*|'#!/bin/busybox sh'*) ;;
		*) echo "'$p' starts with '$first'; the guest runs only static programs and #!/bin/sh scripts (busybox), --rootfs debian any"; return 1 ;;
		esac ;;
	*)
		[ "$rootfs" = debian ] && { echo "'$p' is neither an ELF program nor a #! script"; return 1; }
		echo "'$p' is neither an ELF program nor a #!/bin/sh script"; return 1 ;;
	esac
	return 0
}

# gupr_exec_initrd BASE PROG IMG [ARG...]: IMG = BASE followed by a cpio
# archive holding /exec/prog and /exec/args (the arguments, one a line);
# the kernel unpacks concatenated archives in order.  On failure (a full
# disk) neither IMG, its temporary IMG.tmp nor the staging directory is
# left, and the message says what failed (gupr_host_fault reads it).  (Not
# "out": run.sh's exit trap, run in this function's scope when it dies,
# reads run.sh's $out.)
gupr_exec_initrd() {
	local base=$1 prog=$2 img=$3 stage a err; shift 3
	stage=$(mktemp -d) || gupr_die "cannot make a temporary directory"
	# the staged program, its arguments, then the archive after BASE,
	# compressed as the base is (the kernel's lz4 reader takes only more
	# lz4 after an lz4 archive)
	local -a comp=(gzip -1)
	[ "$(head -c 4 "$base" | od -An -tx1 | tr -d ' \n')" = 02214c18 ] && comp=(lz4 -l -q -c)
	if ! err=$( {
		mkdir -p "$stage/exec" && cp "$prog" "$stage/exec/prog" && chmod 755 "$stage/exec/prog" &&
		for a in "$@"; do printf '%s\n' "$a"; done >"$stage/exec/args" &&
		{ cat "$base" && ( set -o pipefail; cd "$stage" && find . -print0 | LC_ALL=C sort -z |
			cpio --null -o -H newc -R 0:0 --quiet | "${comp[@]}" ); } >"$img.tmp"
	} 2>&1 ); then
		rm -rf "$stage" "$img.tmp"
		gupr_die "packing the --exec program failed${err:+: $(printf '%s\n' "$err" | tail -n 1)}"
	fi
	rm -rf "$stage"
	mv "$img.tmp" "$img" || { rm -f "$img.tmp"; gupr_die "cannot write $img"; }
}

# gupr_exec_outputs GUEST_LOG DIR: the program's stdout, stderr and exit
# status from the guest's report into DIR/exec.stdout, exec.stderr and
# exec.rc.  Guest output is untrusted: control characters other than tab
# are dropped and each file is capped at 1 MiB.
gupr_exec_outputs() {
	local log=$1 dir=$2
	tr -d '\r' <"$log" | sed -n 's/^gupr-out: //p' | tr -d '\000-\010\013-\037\177' | head -c 1048576 >"$dir/exec.stdout"
	tr -d '\r' <"$log" | sed -n 's/^gupr-err: //p' | tr -d '\000-\010\013-\037\177' | head -c 1048576 >"$dir/exec.stderr"
	tr -d '\r' <"$log" | sed -n 's/^gupr-meta: exec_rc=\([0-9]\{1,3\}\)$/\1/p' | tail -n 1 >"$dir/exec.rc"
}

# gupr_wilson K N: the 95% Wilson score interval of K successes in N
# trials, as "LOW-HIGH" in percent with one decimal.
gupr_wilson() {
	awk -v k="$1" -v n="$2" 'BEGIN {
		if (n == 0) { print "n/a"; exit }
		z = 1.959964; p = k / n; z2 = z * z
		c = (p + z2 / (2 * n)) / (1 + z2 / n)
		h = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
		lo = c - h; hi = c + h
		if (lo < 0) lo = 0; if (hi > 1) hi = 1
		if (k == 0) lo = 0; if (k == n) hi = 1
		printf "%.1f%%-%.1f%%\n", 100 * lo, 100 * hi
	}'
}

# gupr_repeat_summary DIR N: the verdict block of N runs in DIR/run-NN/
# (each with its verdict.txt), decided by gup-repro-verdict --repeat-dir
# (which also writes DIR/verdict.txt), on stdout; returns the exit status of
# the rule: 1 if any run reproduced (REPRODUCED, VIOLATION, DATA LOSS, FS
# CORRUPTION), else 125 if any run could not be tested, else 0.
gupr_repeat_summary() {
	"$GUPR_HOST/gup-repro-verdict" --repeat-dir "$1" --runs "$2"
}

# gupr_trigger_standalone NAME [HEAD]: the trigger NAME as one
# self-contained C file for another machine (a mailing-list report, an
# fstests helper): its headers inlined once (vm-images/lib/amalgamate.pl),
# gup-repro's own parts dropped (unifdef -DTRIGGER_EXPORT: the guest init's
# environment, the harness's disk check) and, with HEAD (a file), its first
# comment (the trigger's own, which speaks of the harness) replaced by
# HEAD's text.  Builds with the "Build:" line of its header, without
# -static, and libc (liburing where the line names it).
gupr_trigger_standalone() {
	"$GUPR_TOP/vm-images/lib/amalgamate.pl" "$GUPR_TOP/repro-user/guest/triggers/$1.c" |
		unifdef -x2 -DTRIGGER_EXPORT |
		perl -e '
			my $head = "";
			if (@ARGV) { open(my $h, "<", $ARGV[0]) or die "$ARGV[0]: $!"; local $/; $head = <$h>; }
			my $state = $head eq "" ? 2 : 0;	# 0 before the first comment, 1 in it, 2 after
			while (my $l = <STDIN>) {
				if ($state == 0 && $l =~ m{^/\*}) { $state = 1; print $head; }
				if ($state == 1) { $state = 2 if $l =~ m{\*/}; next; }
				print $l;
			}' ${2:+"$2"}
}
