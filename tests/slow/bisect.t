#!/usr/bin/perl
# Real kernels built from a tree (make check-slow): Debian's linux-source-6.1
# in a git repository with three commits on top (tests/slow/bisect-tree):
# (1) unrelated, (2) mm/gup.c refuses FOLL_LONGTERM|FOLL_WRITE pins of
# dirty-tracked file mappings (the v6.5 rule), (3) unrelated.
#  - ./run.sh bisect --find fix with the longterm scenario names commit (2);
#  - the tree is back on main, unmodified;
#  - ./run.sh --kernel BUILD on the built tree: unlocked-dirty REPRODUCED at
#    ext4_dirty_folio (as the packaged 6.1 kernel), traced, ordering
#    VIOLATION; control NOT REPRODUCED; run.txt and verdict.txt name the
#    tree.
# The tree and its build directory stay in the cache: a second run is
# incremental.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);
use GuprBisect qw(rev);

my $top = "$FindBin::Bin/../..";
my $cache = $ENV{GUP_REPRO_CACHE} || ($ENV{XDG_CACHE_HOME} || "$ENV{HOME}/.cache") . '/gup-repro';
my $tree = "$cache/bisect-test/linux-source-6.1";
my $build = "$cache/bisect-test/build";

system("$top/tests/slow/bisect-tree/make-tree.sh $tree") == 0 or BAIL_OUT('cannot make the bisect tree');
my $fix = rev($tree, 'HEAD~1');
like(`git -C $tree log -1 --format=%s $fix`, qr/^mm\/gup: refuse FOLL_LONGTERM/, 'HEAD~1 is the mm/gup.c change');

my $out = `cd $top && ./run.sh bisect --tree $tree --good HEAD~3 --bad HEAD --find fix --scenario longterm --build-dir $build 2>&1`;
my $rc = $? >> 8;
is($rc, 0, 'bisect --find fix: exit 0') or diag($out);
my ($dir) = $out =~ /^==> bisect: (\S+)\/bisect\.txt$/m;
my $txt = $dir ? slurp("$top/$dir/bisect.txt") : '';
like($txt, qr/^first fixed commit: $fix\n  mm\/gup: refuse FOLL_LONGTERM\|FOLL_WRITE pins/m, 'bisect names the mm/gup.c commit');
like($txt, qr/-> unfixed  /, 'a commit before it reproduces (unfixed)');
like($txt, qr/MITIGATED:EFAULT  -> fixed  /, 'the commit refuses the pin: MITIGATED:EFAULT (fixed)');
diag($txt);
my $head = `git -C $tree symbolic-ref -q HEAD`;
is($head, "refs/heads/main\n", 'the tree is back on main');
is(`git -C $tree status --porcelain`, '', 'the tree has no changes and no new files');

# the built tree as a kernel source: the build directory now holds the
# last commit the bisection built
for my $case ([ 'unlocked-dirty', 1 ], [ 'control', 0 ]) {
	my ($s, $want) = @$case;
	$out = `cd $top && ./run.sh --kernel $build --scenario $s 2>&1`;
	$rc = $? >> 8;
	is($rc, $want, "--kernel BUILD --scenario $s: exit $want") or diag($out);
	my ($run) = $out =~ /^==> artifacts: (\S+)/m;
	$run = "$top/$run" if $run;
	if ($s eq 'unlocked-dirty') {
		like($out, qr/^verdict: REPRODUCED$/m, 'the built tree reproduces');
		like($out, qr/^site: ext4_dirty_folio \(fs\/ext4\/inode\.c:\d+\)$/m, 'with the same ext4_dirty_folio warning as the packaged kernel');
		like($out, qr/^ordering: VIOLATION: /m, 'traced: the ordering checker reports the violation');
		ok($run && -s "$run/events.jsonl" && -s "$run/report.txt", 'traced: events.jsonl and report.txt written');
	} else {
		like($out, qr/^verdict: NOT REPRODUCED$/m, 'control on the built tree: NOT REPRODUCED');
	}
	like($out, qr/^kernel: tree \Q$tree\E: \S+ [0-9a-f]{12} ".*" clean, config [0-9a-f]{12}$/m, "$s: the verdict names the tree");
	my $rt = $run ? slurp("$run/run.txt") : '';
	like($rt, qr/^kernel-commit: [0-9a-f]{40}$/m, "$s: run.txt names the commit");
	like($rt, qr/^kernel-config: sha256:[0-9a-f]{12}$/m, "$s: run.txt names the config hash");
}
is(`git -C $tree status --porcelain --ignored`, '', 'the runs wrote nothing into the tree');
done_testing();
