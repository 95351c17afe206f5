#!/usr/bin/perl
# Bisections you can trust (./run.sh bisect, no kernel built: the test-only
# hooks stand in for the build and the runs; the run hook writes the cell
# of its verdict.txt and run.txt's config from files the commit holds:
# REPRO (or Documentation/REPRO, or the comment BUG HERE in mm/gup.c) ->
# REPRODUCED:ext4_dirty_folio, OTHER -> another warning,
# NOTHP -> CONFIG_TRANSPARENT_HUGEPAGE=n, FLAKY -> run 2 misses).
#  - the ends are tested first: nothing reproducing anywhere, --find fix
#    with nothing ever fixed, --good that already reproduces, --bad that
#    gives another warning than --match: each stops before the first step
#    with one line and exit 125, the tree back;
#  - the bug is matched: a step that reproduces another warning is a skip,
#    named in bisect.txt; the default match is the cell --bad gave;
#  - confidence: each step's rate, the chance that a step voted good had
#    the bug, a step that flips between its runs, a first commit that
#    changes no file the kernel is built from, steps whose config options
#    or compiler differ: "result unreliable" with the reasons.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/../lib";
use GuprBisect qw(bisect_repo run_bisect rev);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";

my $run = <<'EOF';
w() { printf 'verdict: %s\ncell: %s\n' "$1" "$2" >"$GUPR_RUN_DIR/verdict.txt"; }
thp=y; [ -e NOTHP ] && thp=n
cc="gcc-12 (Debian 12.2.0-14) 12.2.0"; [ -e NEWCC ] && cc="gcc-14 (Debian 14.2.0-19) 14.2.0"
printf 'kernel-config-options: CONFIG_DEBUG_INFO_BTF=y CONFIG_TRANSPARENT_HUGEPAGE=%s\nkernel-compiler: %s\n' "$thp" "$cc" >"$GUPR_RUN_DIR/run.txt"
if [ -e FLAKY ] && [ "${GUPR_RUN_DIR##*/}" = run-2 ]; then w "NOT REPRODUCED" CLEAN; exit 0; fi
if [ -e OTHER ]; then w REPRODUCED REPRODUCED:btrfs_writepage_cow_fixup; exit 1; fi
if [ -e REPRO ] || [ -e Documentation/REPRO ] || grep -qs 'BUG HERE' mm/gup.c; then w REPRODUCED REPRODUCED:ext4_dirty_folio; exit 1; fi
w "NOT REPRODUCED" CLEAN; exit 0
EOF
my $n = 0;
sub bisect {
	my ($d, @args) = @_;
	my $out = "$tmp/out-" . ++$n;
	my ($rc, $o, $txt) = run_bisect($top, $out, $d, 'true', $run, @args);
	return ($rc, $o, $txt, $out);
}
sub tree_back {
	my ($d, $what) = @_;
	my $head = `git -C $d symbolic-ref -q HEAD`;
	ok($head eq "refs/heads/main\n" && !-e "$d/.git/BISECT_START" && rev($d, 'HEAD') eq rev($d, 'main'),
	   "$what: the tree is back on main, no bisection in progress");
}
sub no_step { my ($out) = @_; my @s = glob("$out/steps/[0-9]*"); return !@s; }

# 1. the ends: each wrong end stops the bisection before its first step
my $d = bisect_repo("$tmp/none");
my ($rc, $o, $txt, $out) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 125, 'nothing reproduces anywhere: exit 125 (could not decide)') or diag($o);
like($o, qr/^run\.sh bisect: --bad [0-9a-f]{12} does not reproduce the scenario \(CLEAN\): nothing to bisect$/m, 'nothing reproduces: one line, naming --bad');
like($txt, qr/^result: stopped before bisecting: --bad /m, 'nothing reproduces: bisect.txt says so');
ok(no_step($out), 'nothing reproduces: no step was built');
unlike($txt, qr/^first bad commit/m, 'nothing reproduces: no commit named');
tree_back($d, 'nothing reproduces');

$d = bisect_repo("$tmp/neverfixed", 1 => ['REPRO']);
($rc, $o, $txt, $out) = bisect($d, '--find', 'fix', '--good', 'HEAD~7', '--bad', 'HEAD');
is($rc, 125, '--find fix, nothing fixed: exit 125') or diag($o);
like($o, qr/^run\.sh bisect: --bad [0-9a-f]{12} reproduces REPRODUCED:ext4_dirty_folio too: it is not fixed at --bad$/m, '--find fix, nothing fixed: says --bad still reproduces');
ok(no_step($out), '--find fix, nothing fixed: no step was built');
unlike($txt, qr/^first fixed commit/m, '--find fix, nothing fixed: no commit named "first fixed"');
tree_back($d, '--find fix, nothing fixed');

$d = bisect_repo("$tmp/old", 1 => ['REPRO']);
($rc, $o, $txt, $out) = bisect($d, '--good', 'HEAD~7', '--bad', 'HEAD');
is($rc, 125, '--good reproduces: exit 125') or diag($o);
like($o, qr/^run\.sh bisect: --good [0-9a-f]{12} reproduces REPRODUCED:ext4_dirty_folio too: the bug is older than --good$/m, '--good reproduces: says so');
ok(no_step($out), '--good reproduces: no step was built');

$d = bisect_repo("$tmp/otherbad", 5 => ['OTHER']);
($rc, $o, $txt, $out) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD', '--match', 'REPRODUCED:ext4_dirty_folio');
is($rc, 125, '--bad gives another warning than --match: exit 125') or diag($o);
like($o, qr/^run\.sh bisect: --bad [0-9a-f]{12} reproduces REPRODUCED:btrfs_writepage_cow_fixup, not the bug --match names \(REPRODUCED:ext4_dirty_folio\)$/m,
     '--bad gives another warning: says which, and which was wanted');
ok(no_step($out), '--bad gives another warning: no step was built');
tree_back($d, '--bad gives another warning');

# 2. the bug is matched: another warning in the middle is a skip, named
# (c4 is git's first step between c0 and c8)
$d = bisect_repo("$tmp/match", 4 => ['OTHER'], 5 => ['-OTHER'], 6 => ['REPRO']);
($rc, $o, $txt, $out) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, 'another warning in the middle: exit 0') or diag($o);
like($txt, qr/^first bad commit: ${\ rev($d, 'HEAD~2')}$/m, 'another warning in the middle: still names c6');
like($txt, qr/^match:   REPRODUCED:ext4_dirty_folio \(the cell --bad gave\)$/m, 'the default match is the cell --bad gave');
like($txt, qr/^ends:    bad [0-9a-f]{12} REPRODUCED:ext4_dirty_folio; good [0-9a-f]{12} CLEAN$/m, 'the ends and their verdicts');
like($txt, qr/REPRODUCED:btrfs_writepage_cow_fixup \(another bug\)  -> skip  c4: change 4/, 'a step that reproduces another warning is a skip');
like($txt, qr/^other:   step 01-[0-9a-f]{12} reproduced another bug: REPRODUCED:btrfs_writepage_cow_fixup \(skipped\)$/m, 'and bisect.txt names it');
like($txt, qr/^result reliable: /m, 'a clean bisection: result reliable');

# 3. confidence with --repeat: rates, a flaky reproducer
$d = bisect_repo("$tmp/flaky", 5 => ['REPRO', 'FLAKY']);
($rc, $o, $txt, $out) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD', '--repeat', '3');
is($rc, 0, '--repeat 3, flaky: exit 0') or diag($o);
like($txt, qr/REPRODUCED:ext4_dirty_folio, CLEAN, REPRODUCED:ext4_dirty_folio \(2\/3\)  -> bad/, 'each step shows its rate');
like($txt, qr/^confidence: rate at --bad 2\/3; P\(a step voted good had the bug\) = (\d+\.\d)% over (\d+) clean step\(s\)/m, 'the confidence line');
my ($p, $steps) = $txt =~ /P\(a step voted good had the bug\) = (\d+\.\d)% over (\d+) clean/;
my $want = 100 * (1 - (1 - (1 / 3) ** 3) ** ($steps // 0));
ok(defined $p && abs($p - $want) < 0.06, "the chance is 1 - (1 - (1/3)^3)^$steps = " . sprintf('%.1f%%', $want)) or diag("got $p");
like($txt, qr/^result unreliable: step \S+ flipped between its runs \(2\/3 reproduced\): the reproducer is flaky$/m, 'a step that flips: unreliable');
like($txt, qr/^result unreliable: the chance that a step voted good had the bug is above 5%/m, 'the chance above 5%: unreliable');

# 4. a first commit that changes nothing the kernel is built from
$d = bisect_repo("$tmp/docs", 5 => ['Documentation/REPRO']);
($rc, $o, $txt) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD');
like($txt, qr/^first bad commit: ${\ rev($d, 'HEAD~3')}$/m, 'a documentation-only commit is named');
like($txt, qr/^result unreliable: [0-9a-f]{12} changes no file the kernel is built from/m, 'and the result is unreliable');
$d = bisect_repo("$tmp/comment", 2 => ['mm/gup.c=int x;'], 5 => ['mm/gup.c=/* BUG HERE */']);
($rc, $o, $txt) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD');
like($txt, qr/^result unreliable: [0-9a-f]{12} changes no file the kernel is built from/m, 'a comment-only change of a C file: unreliable');
$d = bisect_repo("$tmp/code", 5 => ['REPRO', 'mm/gup.c=int y;']);
($rc, $o, $txt) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD');
unlike($txt, qr/changes no file the kernel is built from/, 'a code change: not flagged');

# 5. steps whose config options or compiler differ
$d = bisect_repo("$tmp/config", 2 => ['NOTHP'], 4 => ['NEWCC'], 5 => ['REPRO']);
($rc, $o, $txt) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, 'config differs: exit 0') or diag($o);
like($txt, qr/^config:  steps differ in CONFIG_TRANSPARENT_HUGEPAGE: \S+ \([^)]+\), \S+ \([^)]+\)$/m, 'a config option that matters differs: said');
like($txt, qr/^config:  steps differ in compiler: /m, 'the compiler differs: said');
unlike($txt, qr/steps differ in CONFIG_DEBUG_INFO_BTF/, 'an option that does not differ is not listed');

# 6. --match: bad usage
($rc, $o) = bisect($d, '--good', 'HEAD~8', '--bad', 'HEAD', '--match', "'a b'");
is($rc, 128, '--match with a space: exit 128');
done_testing();
