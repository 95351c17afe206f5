#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/fstests-export.sh - ./run.sh fstests-export --trigger NAME --to
# DIR: add a module-free trigger to an fstests checkout as a generic test,
# one git commit in fstests' style (docs/fstests.md).
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm-images/lib.sh
. "$GUPR_TOP/vm-images/lib.sh"
FST_DIR="$GUPR_TOP/vm-images/fstests"

usage() {
	cat <<USAGE
usage: ./run.sh fstests-export --trigger NAME --to DIR

Adds the module-free trigger NAME (pvw-uffd, odirect-delayed,
iouring-read-delayed) to the fstests checkout DIR as one git commit:
its helper as one self-contained C file under src/ (in src/Makefile and
.gitignore) and a test tests/generic/NNN with its .out, NNN the next
free number.  Prints the git format-patch command that mails it.

  --trigger NAME  the trigger to export
  --to DIR        an fstests git checkout without uncommitted changes
  -h, --help      this text

Exit: 0 done, 128 bad usage (nothing written).
USAGE
}
bad_usage() { echo "run.sh fstests-export: $*" >&2; exit 128; }

# The exportable triggers: trigger, helper (src/HELPER.c), where src/Makefile
# lists it (linux: LINUX_TARGETS; uring: TARGETS under HAVE_URING), the
# test's extra _require_ line (- none), its groups (comma-separated).
FST_TABLE="
pvw-uffd             pin-writeback-pvw   linux -                 auto,quick,rw,mmap
odirect-delayed      pin-writeback-dio   linux -                 auto,quick,rw,mmap
iouring-read-delayed pin-writeback-uring uring _require_io_uring auto,quick,rw,mmap,io_uring
"

# fst_meta TRIGGER FIELD: FIELD (2 helper, 3 makefile, 4 require, 5 groups)
# of TRIGGER's row; status 1 when TRIGGER is not in the table.
fst_meta() {
	awk -v t="$1" -v f="$2" '$1 == t { print $f; found = 1 } END { exit !found }' <<<"$FST_TABLE"
}

# fst_triggers: the exportable triggers, "a, b or c".
fst_triggers() {
	awk 'NF { print $1 }' <<<"$FST_TABLE" | paste -sd, | sed 's/,\([^,]*\)$/ or \1/; s/,/, /g'
}

# fst_check_tree DIR: why DIR is not an fstests checkout we can commit
# into (empty output and status 0 when it is).
fst_check_tree() {
	local d=$1 f
	gupr_fstests_checkout_ok --to "$d" "" check new tools/nextid common/rc common/preamble common/dmdelay \
		src/Makefile doc/group-names.txt .gitignore tests/generic || return 1
	f=$(git -C "$d" status --porcelain 2>/dev/null | head -n 1)
	[ -z "$f" ] || { echo "--to $d has uncommitted changes ($f): commit or stash them first"; return 1; }
	return 0
}

# fst_helper_source TRIGGER HELPER SEQ YEAR OWNER: print the helper of
# generic/SEQ, one C file:
# the trigger with its headers inlined (lib/amalgamate.pl), gup-repro's own
# parts dropped (unifdef -DTRIGGER_EXPORT), its header comment replaced by
# one for fstests (vm-images/fstests/TRIGGER.txt), PROG named HELPER.
fst_helper_source() {
	local t=$1 helper=$2 seq=$3 year=$4 owner=$5 desc=$FST_DIR/$1.txt head
	head=$(mktemp) || return 1
	perl -e '
		my ($helper, $seq, $year, $owner, $desc) = @ARGV[0 .. 4];
		open(my $d, "<", $desc) or die "$desc: $!";
		my @d = <$d>; shift @d; shift @d while @d && $d[0] =~ /^\s*$/;
		print "/*\n * Copyright (c) $year $owner.  All Rights Reserved.\n *\n" .
			" * $helper - the helper of generic/$seq.\n *\n" .
			join("", map { /\S/ ? " * $_" : " *\n" } @d) . " *\n" .
			" * Usage: $helper --help.\n" .
			" * Exit: 0 the sequence ran, 1 a step failed (named on stdout), 2 bad\n" .
			" * usage, 4 the window was missed.\n */\n";' "$helper" "$seq" "$year" "$owner" "$desc" >"$head" &&
	gupr_trigger_standalone "$t" "$head" | sed "s/^#define PROG \".*\"/#define PROG \"$helper\"/"
	local rc=$?
	rm -f "$head"
	return $rc
}

# fst_test_script TRIGGER SEQ HELPER YEAR OWNER: print tests/generic/SEQ
# from vm-images/fstests/test.in: its "@D " lines for the *-delayed
# triggers (dm-delay), its "@P " lines for the others, the @NAME@ fields.
fst_test_script() {
	local t=$1 keep=P drop=D require groups
	case "$t" in *-delayed) keep=D drop=P ;; esac
	require=$(fst_meta "$t" 4); [ "$require" = - ] && require=""
	groups=$(fst_meta "$t" 5 | tr , ' ')
	perl -e '
		my ($keep, $drop, $seq, $helper, $year, $owner, $require, $groups, $desc) = @ARGV;
		open(my $d, "<", $desc) or die "$desc: $!";
		my @d = <$d>; shift @d; shift @d while @d && $d[0] =~ /^\s*$/;
		my $text = join("", map { /\S/ ? "# $_" : "#\n" } @d);
		chomp $text;
		while (my $l = <STDIN>) {
			next if $l =~ /^\@$drop /;
			$l =~ s/^\@$keep //;
			next if $l =~ /^\@REQUIRE\@$/ && $require eq "";
			$l =~ s/\@DESCRIPTION\@/$text/; $l =~ s/\@REQUIRE\@/$require/;
			$l =~ s/\@SEQ\@/$seq/g; $l =~ s/\@HELPER\@/$helper/g; $l =~ s/\@YEAR\@/$year/g;
			$l =~ s/\@OWNER\@/$owner/g; $l =~ s/\@GROUPS\@/$groups/g;
			print $l;
		}' "$keep" "$drop" "$2" "$3" "$4" "$5" "$require" "$groups" "$FST_DIR/$t.txt" \
		<"$FST_DIR/test.in"
}

# fst_makefile IN HELPER KIND: print fstests' src/Makefile IN with HELPER
# added where fstests lists such helpers: KIND linux at the end of the
# LINUX_TARGETS list, uring as "TARGETS += HELPER" after the last such
# line of the HAVE_URING block (the io_uring helpers, linked with -luring
# there).  Status 1 when IN has
# no such place.
fst_makefile() {
	perl -e '
		my ($in, $helper, $kind) = @ARGV;
		open(my $f, "<", $in) or exit 1;
		my @l = <$f>; my ($done, $list, $block) = (0, 0, 0);
		for my $l (@l) {
			if ($kind eq "linux") {
				$list = 1 if $l =~ /^LINUX_TARGETS\s*=/;
				if ($list && !$done && $l !~ /\\\s*$/) {
					chomp $l;
					$l = length("$l $helper") <= 78 ? "$l $helper\n" : "$l \\\n\t$helper\n";
					$done = 1;
				}
			} elsif ($l =~ /^ifeq \(\$\(HAVE_URING\), *true\)/) {
				$block = 1;
			} elsif ($block == 1 && $l =~ /^endif/) {
				$block = 2;
			} elsif ($block == 1 && $l =~ /^TARGETS\s*\+=/) {
				$done = \$l;
			}
		}
		${$done} .= "TARGETS += $helper\n" if ref $done;
		exit 1 unless $done;
		print @l;' "$1" "$2" "$3"
}

# fst_gitignore IN HELPER: print fstests' .gitignore IN with /src/HELPER
# after its last /src/ line.
fst_gitignore() {
	awk -v h="/src/$2" '{ l[NR] = $0 } /^\/src\// { last = NR }
		END { if (!last) exit 1; for (i = 1; i <= NR; i++) { print l[i]; if (i == last) print h } }' "$1"
}

# fst_groups IN GROUPS...: print doc/group-names.txt IN with every group
# of GROUPS it lacks added (./new refuses a test whose groups are not
# there), in name order among the entries after "deprecated".
fst_groups() {
	local in=$1 g desc out
	shift
	out=$(cat "$in")
	for g in "$@"; do
		grep -q "^${g}[[:space:]]" <<<"$out" && continue
		case "$g" in
		rw) desc="read/write IO tests" ;;
		mmap) desc="memory mapped reads/writes" ;;
		io_uring) desc="general io_uring async io tests" ;;
		*) desc="$g tests" ;;
		esac
		out=$(awk -v g="$g" -v d="$desc" '
			function put() { if (!done) { printf "%s\t%s%s\n", g, length(g) < 8 ? "\t\t" : "\t", d; done = 1 } }
			/^deprecated[[:space:]]/ { after = 1 }
			after && /^[a-z0-9_]+[[:space:]]/ && $1 > g && $1 != "deprecated" { put() }
			/^=+/ && after { put() }
			{ print }' <<<"$out")
	done
	printf '%s\n' "$out"
}

# fst_commit_msg TRIGGER SEQ HELPER SIGNOFF: print the commit message.
fst_commit_msg() {
	local desc=$FST_DIR/$1.txt
	printf 'generic: %s\n\n' "$(head -n 1 "$desc")"
	tail -n +2 "$desc" | sed '/./,$!d'
	printf '\ngeneric/%s runs its helper, src/%s.c, once.\n' "$2" "$3"
	printf '\nSigned-off-by: %s\n' "$4"
}

trigger="" to=""
while [ $# -gt 0 ]; do
	case "$1" in
	--trigger) [ $# -ge 2 ] || bad_usage "$1 needs a trigger name"; trigger=$2; shift 2 ;;
	--trigger=*) trigger=${1#*=}; shift ;;
	--to) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; to=$2; shift 2 ;;
	--to=*) to=${1#*=}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) bad_usage "unknown argument '$1' (try --help)" ;;
	esac
done
[ -n "$trigger" ] || bad_usage "which trigger? (--trigger $(fst_triggers))"
[ -n "$to" ] || bad_usage "which fstests checkout? (--to DIR)"
helper=$(fst_meta "$trigger" 2) && gupr_is_trigger "$trigger" ||
	bad_usage "unknown trigger '$trigger': fstests-export takes $(fst_triggers)"
why=$(fst_check_tree "$to") || bad_usage "$why"
to=$(cd "$to" && pwd -P)
[ ! -e "$to/src/$helper.c" ] || bad_usage "--to $to has src/$helper.c already: $trigger was exported there before"
"$GUPR_TOP/vm-images/host-deps.sh" --fstests || exit 128

# Everything is made in a temporary directory first; DIR is written only
# once it all is, and put back as it was if the commit fails.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gupr-fstests.XXXXXX") || bad_usage "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
seq=$(cd "$to" && ./tools/nextid generic 2>/dev/null) && seq=${seq#generic/} &&
	[[ "$seq" =~ ^[0-9]{3}$ ]] || bad_usage "--to $to: tools/nextid found no next test number"
owner=$(git -C "$to" config user.name) email=$(git -C "$to" config user.email)
ident=()
if [ -z "$owner" ] || [ -z "$email" ]; then
	owner="YOUR NAME" email="you@example.org"
	ident=(-c "user.name=$owner" -c "user.email=$email")
	echo "run.sh fstests-export: git user.name/user.email unset in $to: the commit carries a placeholder; fix it with git commit --amend --reset-author and the Signed-off-by line" >&2
fi
year=$(date +%Y)
kind=$(fst_meta "$trigger" 3)
mkdir -p "$tmp/src" "$tmp/tests/generic" "$tmp/doc"
fst_helper_source "$trigger" "$helper" "$seq" "$year" "$owner" >"$tmp/src/$helper.c" ||
	bad_usage "could not make src/$helper.c"
cc -fsyntax-only -Wall -Werror -D_GNU_SOURCE -std=gnu11 "$tmp/src/$helper.c" ||
	bad_usage "src/$helper.c does not compile here"
fst_test_script "$trigger" "$seq" "$helper" "$year" "$owner" >"$tmp/tests/generic/$seq" ||
	bad_usage "could not make tests/generic/$seq"
chmod 755 "$tmp/tests/generic/$seq"
printf 'QA output created by %s\nSilence is golden\n' "$seq" >"$tmp/tests/generic/$seq.out"
fst_makefile "$to/src/Makefile" "$helper" "$kind" >"$tmp/src/Makefile" ||
	bad_usage "--to $to: src/Makefile has no $([ "$kind" = uring ] && echo 'HAVE_URING block' || echo 'LINUX_TARGETS list')"
fst_gitignore "$to/.gitignore" "$helper" >"$tmp/.gitignore" || bad_usage "--to $to: .gitignore lists no /src/ file"
# shellcheck disable=SC2046  # split on purpose: one group name a word
fst_groups "$to/doc/group-names.txt" $(fst_meta "$trigger" 5 | tr , ' ') >"$tmp/doc/group-names.txt"
fst_commit_msg "$trigger" "$seq" "$helper" "$owner <$email>" >"$tmp/msg"

files=(src/"$helper".c tests/generic/"$seq" tests/generic/"$seq".out src/Makefile .gitignore)
cmp -s "$tmp/doc/group-names.txt" "$to/doc/group-names.txt" || files+=(doc/group-names.txt)
head=$(git -C "$to" rev-parse HEAD)
trap 'git -C "$to" reset -q --hard "$head"; rm -f "$to/src/$helper.c" "$to/tests/generic/$seq" "$to/tests/generic/$seq.out"; rm -rf "$tmp"' EXIT
for f in "${files[@]}"; do
	cp -p "$tmp/$f" "$to/$f" || bad_usage "cannot write $to/$f"
done
git -C "$to" add -- "${files[@]}" && git -C "$to" "${ident[@]}" commit -q -F "$tmp/msg" ||
	bad_usage "git commit in $to failed"
trap 'rm -rf "$tmp"' EXIT
echo "==> $trigger exported to $to as generic/$seq (src/$helper.c): $(git -C "$to" log -1 --format='%h %s')"
echo "==> mail it with: git -C $to format-patch -1 $(git -C "$to" rev-parse --short HEAD)"
