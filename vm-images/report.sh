#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/report.sh - ./run.sh report DIR: a run written up as a plain-text
# mail for a kernel mailing list (gup-repro-report writes the text from
# the run's files), with a reproducer a maintainer runs without gup-repro:
# for a module-free trigger, the trigger as one self-contained C file
# (vm-images/lib/amalgamate.pl) and the commands that set up what it needs;
# for a scenario of the test module, the module and driver commands.
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm-images/lib.sh
. "$GUPR_TOP/vm-images/lib.sh"

# clang-format's style for C in a mail: the kernel's layout in 80 columns
GUPR_MAIL_STYLE='{BasedOnStyle: LLVM, UseTab: Never, IndentWidth: 8, TabWidth: 8, ContinuationIndentWidth: 8, ColumnLimit: 80, BreakBeforeBraces: Linux, AllowShortIfStatementsOnASingleLine: false, AllowShortFunctionsOnASingleLine: None, AllowShortLoopsOnASingleLine: false, IndentCaseLabels: false, SortIncludes: false}'

usage() {
	cat <<EOF
usage: ./run.sh report DIR [--mbox] [-o FILE]

Writes a plain-text report for a kernel mailing list (lines of at most 80
columns, no terminal escapes) from DIR, a run directory (out/...), a
--repeat directory (the rate, and the first run that reproduced) or a
./run.sh compare directory (the before/after table, and the base run of
the first cell that changed): a subject naming the warning or the
violation and the filesystem; the kernel, its package or commit, the
config options that matter, the compiler; the console excerpt with the
warning and its stack; the victim folio's events from the last
folio_mkclean to the dirtying; the integrity and fsck results; and a
reproducer to run without gup-repro.

  --mbox     also write DIR/mail.mbox: the mail with the reproducer
             attached (git send-email and mutt read it)
  -o FILE    the text (default: DIR/mail.txt); it is printed too
  -h, --help this text
Exit: 0 written, 128 bad usage (DIR is not a run, --repeat or compare
directory).
EOF
}
bad_usage() { echo "run.sh report: $*" >&2; echo "Try './run.sh report --help'." >&2; exit 128; }

# parse ARGS: DIR, --mbox, -o FILE into dir, mbox, outfile
dir="" mbox=0 outfile=""
parse() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--mbox) mbox=1; shift ;;
		-o|--out) [ $# -ge 2 ] || bad_usage "$1 needs a file"; outfile=$2; shift 2 ;;
		-h|--help) usage; exit 0 ;;
		-*) bad_usage "unknown option '$1'" ;;
		*) [ -z "$dir" ] || bad_usage "one directory, not '$dir' and '$1'"; dir=$1; shift ;;
		esac
	done
	[ -n "$dir" ] || bad_usage "which run directory?"
	why=$(gupr_paths_ok DIR "$dir" -o "$outfile") || bad_usage "$why"
	[ -d "$dir" ] || bad_usage "$dir: no such directory"
	dir=$(cd "$dir" && pwd)
}

# is_reproducing CELL: a matrix cell that reproduces
is_reproducing() {
	case "$1" in REPRODUCED*|VIOLATION|LOSS|CORRUPT*) return 0 ;; esac
	return 1
}

# quoted_run DIR: the run directory the report describes: DIR itself; a
# --repeat directory's first run that reproduced (else its first); the
# base run of a comparison's first fixed cell (a broke cell's patched run,
# else the first changed one).  Sets RUN, and REPEAT_DIR and COMPARE_TXT
# for gup-repro-report.
RUN="" REPEAT_DIR="" COMPARE_TXT=""
quoted_run() {
	local d=$1 r c
	if [ -s "$d/compare.json" ]; then
		COMPARE_TXT=$d/compare.txt
		r=$(perl -MJSON::PP -e '
			local $/; open(my $f, "<", $ARGV[0]) or exit 1; my $j = decode_json(<$f>);
			for my $want (["broke", "patched"], ["fixed", "base"], ["changed", "base"]) {
				for my $c (@{ $j->{cells} }) {
					next unless $c->{change} eq $want->[0];
					print $c->{$want->[1]}{dir}, "\n"; exit 0;
				}
			}
			exit 1' "$d/compare.json") || bad_usage "$d: the comparison changed no cell; report one of its runs (matrix/...) instead"
		d=$d/matrix/$r
	fi
	if [ -d "$d/run-01" ] && [ -s "$d/verdict.txt" ] && grep -q '^runs: ' "$d/verdict.txt"; then
		REPEAT_DIR=$d
		for r in "$d"/run-*/; do
			c=$(sed -n 's/^cell: //p' "$r/verdict.txt" 2>/dev/null | head -n 1)
			is_reproducing "$c" && { d=${r%/}; break; }
		done
		[ "$d" != "$REPEAT_DIR" ] || d=$REPEAT_DIR/run-01
	fi
	[ -s "$d/verdict.txt" ] && [ -s "$d/run.txt" ] ||
		bad_usage "$1 is not a run directory (no verdict.txt and run.txt), a --repeat or a compare directory"
	RUN=$d
}

# mkfs_lines FS: commands for a scratch filesystem at /mnt/scratch holding
# the victim file (one page of '.'), as the guest has it
mkfs_lines() {
	echo "  # a scratch $1 holding the victim file"
	case "$1" in
	tmpfs) echo "  mkdir -p /mnt/scratch && mount -t tmpfs tmpfs /mnt/scratch" ;;
	*)
		local mk="mkfs.$1 -q"
		[ "$1" = ext4 ] || mk="mkfs.$1 -q -f"
		echo "  truncate -s 300M /tmp/scratch.img && $mk /tmp/scratch.img"
		echo "  mkdir -p /mnt/scratch && mount -o loop /tmp/scratch.img /mnt/scratch" ;;
	esac
	echo "  head -c 4096 /dev/zero | tr '\\0' . >/mnt/scratch/victim && sync"
}

# how_trigger RUN NAME OUTDIR: the module-free trigger NAME as one C file
# (OUTDIR/NAME.c) and how to build and run it (printed)
how_trigger() {
	local run=$1 name=$2 src="$GUPR_TOP/repro-user/guest/triggers/$2.c" fs ms fault build
	fs=$(sed -n 's/^fs: //p' "$run/run.txt")
	ms=$(sed -n 's/^slow-dev: .* completion \([0-9]*\) ms$/\1/p' "$run/run.txt")
	fault=$(sed -n 's/^fault: \([a-z-]*\).*/\1/p' "$run/run.txt")
	# the header's build line, linked as a maintainer's machine links
	build=$(sed -n 's/^ \* Build: *//p' "$src" | head -n 1 | sed 's/ -static//')
	# one file (its own first comment speaks of the harness: one for the
	# mail instead), laid out in 80 columns (clang-format, the kernel's
	# layout but spaces for tabs: a mail keeps them)
	{
		echo "/*"
		echo " * $name - $(head -n 1 "$GUPR_TOP/vm-images/fstests/$name.txt" 2>/dev/null)"
		echo " *"
		echo " * Build: $build"
		echo " * Usage: $name --help; the mail it came with says how to set up"
		echo " * the scratch filesystem${ms:+ and the delayed block device}."
		echo " * Exit: 0 the sequence ran, 1 a step failed, 2 bad usage, 4 the"
		echo " * window was missed (run it again)."
		echo " */"
	} >"$3/$name.head"
	gupr_trigger_standalone "$name" "$3/$name.head" >"$3/$name.c.tmp" &&
		clang-format --style="$GUPR_MAIL_STYLE" "$3/$name.c.tmp" >"$3/$name.c" ||
		gupr_die "cannot make one C file of $src"
	rm -f "$3/$name.c.tmp" "$3/$name.head"
	echo "Module-free: $name pins the page through the kernel's own path;"
	echo "no test module is needed.  As root, on a machine you can afford to"
	echo "crash (a VM):"
	echo
	mkfs_lines "$fs"
	if [ -n "$ms" ]; then
		echo "  # a block device whose reads complete $ms ms late (null_blk)"
		echo "  modprobe null_blk nr_devices=1 queue_mode=2 irqmode=2 \\"
		echo "          completion_nsec=$((ms * 1000000)) memory_backed=1 gb=1 bs=4096"
	fi
	echo "  $build"
	echo "  ./$name --file /mnt/scratch/victim${ms:+ --dev /dev/nullb0}${fault:+ --fault $fault}"
	echo "  dmesg | tail -n 60"
	echo
	echo "$name exits 0 when its sequence ran (the page was cleaned while the"
	echo "kernel held it), 4 when it missed the window (run it again)."
}

# how_module RUN: the test module's scenario, said plainly
how_module() {
	local run=$1 scen fs pages steps
	scen=$(sed -n 's/^scenario: //p' "$run/run.txt")
	fs=$(sed -n 's/^fs: //p' "$run/run.txt")
	steps=$(sed -n 's/^steps: //p' "$run/run.txt")
	pages=$(sed -n 's/.*gupr\.pages=\([0-9]*\).*/\1/p' "$run/run.txt" | head -n 1)
	echo "This run used gup-repro's test module (repro-kmod/), which pins the page"
	echo "with pin_user_pages() and writes and dirties it through the pin when told"
	echo "to, and its driver (repro-user/guest/gup-repro), which runs the steps:"
	echo "$steps" | tr ',' ' ' | fold -s -w 76 | sed 's/^/  /; s/ *$//'
	echo "In a gup-repro checkout, as root, on a machine you can afford to crash (a VM;"
	echo "the module refuses to load without a hypervisor):"
	echo
	mkfs_lines "$fs"
	echo "  make host && make -C /lib/modules/\$(uname -r)/build M=\$PWD/repro-kmod"
	echo "  insmod repro-kmod/gup_repro.ko disposable_vm=1"
	echo "  build/host/gup-repro --scenario $scen \\"
	echo "          --file /mnt/scratch/victim --pages ${pages:-1}"
	echo "  dmesg | tail -n 60"
}

# write_mbox TEXT ATTACHMENT MBOX: the mail as an mbox message, the
# reproducer attached as text (MIME multipart/mixed)
write_mbox() {
	local text=$1 att=$2 mbox=$3 subj boundary
	subj=$(sed -n '1s/^Subject: //p' "$text")
	boundary="gup-repro-$(date +%s)-$$"
	{
		echo "From gup-repro $(LC_ALL=C date -u '+%a %b %e %H:%M:%S %Y')"
		echo "From: $(git config user.name 2>/dev/null || echo gup-repro) <$(git config user.email 2>/dev/null || echo gup-repro@localhost)>"
		echo "Subject: $subj"
		echo "Date: $(LC_ALL=C date -R)"
		echo "MIME-Version: 1.0"
		echo "Content-Type: multipart/mixed; boundary=\"$boundary\""
		echo
		echo "--$boundary"
		echo "Content-Type: text/plain; charset=utf-8"
		echo "Content-Transfer-Encoding: 8bit"
		echo
		tail -n +3 "$text" | sed 's/^From />From /'
		if [ -n "$att" ]; then
			echo "--$boundary"
			echo "Content-Type: text/x-csrc; charset=utf-8; name=\"${att##*/}\""
			echo "Content-Disposition: attachment; filename=\"${att##*/}\""
			echo "Content-Transfer-Encoding: 8bit"
			echo
			sed 's/^From />From /' "$att"
		fi
		echo "--$boundary--"
	} >"$mbox.tmp" && mv "$mbox.tmp" "$mbox" || gupr_die "cannot write $mbox"
}

main() {
	local run module name repro="" rep
	parse "$@"
	make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh report: building the host tools failed" >&2; exit 128; }
	quoted_run "$dir"
	run=$RUN
	[ -n "$outfile" ] || outfile=$dir/mail.txt
	mkdir -p "$dir/mail.d" || gupr_die "cannot write in $dir"
	module=$(sed -n 's/^module: //p' "$run/run.txt")
	case "$module" in
	*"module-free trigger"*)
		name=$(sed -n 's/^scenario: //p' "$run/run.txt")
		how_trigger "$run" "$name" "$dir/mail.d" >"$dir/mail.d/how.txt"
		repro=$dir/mail.d/$name.c ;;
	*"--exec program"*)
		echo "This run ran its own program in the guest: $(sed -n 's/^exec: //p' "$run/run.txt")" >"$dir/mail.d/how.txt" ;;
	*) how_module "$run" >"$dir/mail.d/how.txt" ;;
	esac
	rep=(--dir "$run" --how "$dir/mail.d/how.txt")
	[ -n "$REPEAT_DIR" ] && rep+=(--repeat-dir "$REPEAT_DIR")
	[ -n "$COMPARE_TXT" ] && rep+=(--compare "$COMPARE_TXT")
	[ -n "$repro" ] && rep+=(--repro "$repro" --repro-name "${repro##*/}")
	"$GUPR_HOST/gup-repro-report" "${rep[@]}" >"$outfile.tmp" && mv "$outfile.tmp" "$outfile" ||
		{ rm -f "$outfile.tmp"; gupr_die "gup-repro-report failed for $run"; }
	if [ "$mbox" = 1 ]; then
		"$GUPR_HOST/gup-repro-report" "${rep[@]}" --attached >"$dir/mail.d/attached.txt" ||
			gupr_die "gup-repro-report failed for $run"
		write_mbox "$dir/mail.d/attached.txt" "$repro" "$dir/mail.mbox"
	fi
	cat "$outfile"
	echo "==> report: ${outfile#"$GUPR_TOP"/}${repro:+ (reproducer: ${repro#"$GUPR_TOP"/})}$([ "$mbox" = 1 ] && echo ", ${dir#"$GUPR_TOP"/}/mail.mbox")" >&2
}

main "$@"
