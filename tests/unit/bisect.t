#!/usr/bin/perl
# ./run.sh bisect orchestration without building a kernel: a small git
# repository shaped like a kernel tree, and the test-only hooks
# GUP_REPRO_TEST_BISECT_BUILD / GUP_REPRO_TEST_BISECT_RUN standing in for
# the build and the run of each step (their exit status is the build's and
# run.sh's).  Checks good/bad, skip on a failed build, --find fix, --repeat
# voting, refusals (dirty tree, bisect in progress, bad revisions, --good
# not an ancestor), and that the tree is back on its branch after success,
# failure and SIGINT.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use lib "$FindBin::Bin/../lib";
use GuprFakeSsh qw(fake_ssh down_ssh);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $G = 'git -c user.name=t -c user.email=t@invalid';

sub sh { my $o = `$_[0] 2>&1`; return ($? >> 8, $o); }
sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; return scalar <$fh>; }

# repo(NAME, MARKS): commits c0..c8; MARKS maps a commit number to files it
# adds ("REPRO", "FIXED", "BROKEN") or removes ("-BROKEN").
sub repo {
	my ($name, %marks) = @_;
	my $d = "$tmp/$name";
	system("mkdir -p $d/arch/x86 && cd $d && git init -q -b main && printf 'VERSION = 6\\n' >Makefile && touch Kconfig arch/x86/.keep && git add -A && $G commit -qm c0") == 0 or die;
	for my $i (1 .. 8) {
		my $add = '';
		for my $m (@{ $marks{$i} || [] }) { $add .= $m =~ /^-(.*)/ ? "rm -f $1 && " : "touch $m && "; }
		system("cd $d && echo $i >f && $add git add -A && $G commit -qm 'c$i: change $i'") == 0 or die;
	}
	return $d;
}
sub rev { my ($d, $r) = @_; my $s = `git -C $d rev-parse $r`; chomp $s; return $s; }
sub bisect {
	my ($d, $build, $run, @args) = @_;
	local $ENV{GUP_REPRO_TEST_BISECT_BUILD} = $build;
	local $ENV{GUP_REPRO_TEST_BISECT_RUN} = $run;
	my $out = "$tmp/out-" . int(rand(1e9));
	my ($rc, $o) = sh("cd $top && ./run.sh bisect --tree $d -o $out @args");
	return ($rc, $o, slurp("$out/bisect.txt"), $out);
}
sub tree_back {
	my ($d, $what) = @_;
	my $head = `git -C $d symbolic-ref -q HEAD`; chomp $head;
	ok($head eq 'refs/heads/main' && !-e "$d/.git/BISECT_START" && rev($d, 'HEAD') eq rev($d, 'main'),
	   "$what: the tree is back on main, no bisect in progress") or diag("HEAD=$head");
}

my $repro = 'test -e REPRO && exit 1; exit 0';

# 1. regression: c5 adds REPRO
my $d = repo('reg', 5 => ['REPRO']);
my ($rc, $o, $txt) = bisect($d, 'true', $repro, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, 'regression: exit 0') or diag($o);
like($txt, qr/^first bad commit: ${\ rev($d, 'HEAD~3')}\n  c5: change 5$/m, 'regression: names c5, the first bad commit');
like($txt, qr/^  \s*\d+  [0-9a-f]{12}  build\s+\d+ s  CLEAN  -> good  c\d/m, 'a step line: commit, build seconds, verdict, term, subject');
like($txt, qr/^git bisect log:\n(?:  .*\n)*  # first bad commit: \[${\ rev($d, 'HEAD~3')}\]/m, 'bisect.txt carries git bisect log');
tree_back($d, 'after success');

# 2. a build that fails is skipped: c4 does not build, c6 introduces
#    REPRO; the bisection still names c6
$d = repo('skip', 4 => ['BROKEN'], 5 => ['-BROKEN'], 6 => ['REPRO']);
($rc, $o, $txt) = bisect($d, 'test ! -e BROKEN', $repro, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, 'skip: exit 0') or diag($o);
like($txt, qr/build failed \(exit 1\)  -> skip/, 'skip: a failed build is a skip step');
like($txt, qr/^first bad commit: ${\ rev($d, 'HEAD~2')}$/m, 'skip: still names c6');

# 3. every build fails: no commit named, exit 125, tree reset
$d = repo('allbroken');
($rc, $o, $txt) = bisect($d, 'false', $repro, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 125, 'all builds fail: exit 125 (could not decide)') or diag($o);
like($txt, qr/^result: no first bad commit found/m, 'all builds fail: says no commit was found');
tree_back($d, 'after failure');

# 4. --find fix: c1 reproduces already, c7 adds FIXED (the scenario no
#    longer reproduces)
$d = repo('fix', 7 => ['FIXED']);
($rc, $o, $txt) = bisect($d, 'true', 'test -e FIXED && exit 0; exit 1', '--find', 'fix', '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, '--find fix: exit 0') or diag($o);
like($txt, qr/^first fixed commit: ${\ rev($d, 'HEAD~1')}$/m, '--find fix: names c7, the first fixed commit');
like($txt, qr/-> unfixed/, '--find fix: git\'s own terms (unfixed/fixed)');
like($txt, qr/^range:   unfixed .*\n         fixed /m, '--find fix: the range is named with the terms');
tree_back($d, '--find fix');

# 5. --repeat: a racy trigger that reproduces only on the third run of a
#    commit with REPRO (c3); one run per commit misses it, three find it
$d = repo('repeat', 3 => ['REPRO']);
my $racy = 'test -e REPRO && [ "${GUPR_RUN_DIR##*/}" = run-3 ] && exit 1; exit 0';
($rc, $o, $txt) = bisect($d, 'true', $racy, '--repeat', '3', '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, '--repeat 3: exit 0') or diag($o);
like($txt, qr/^first bad commit: ${\ rev($d, 'HEAD~5')}$/m, '--repeat 3: names c3');
like($txt, qr/CLEAN, CLEAN, REPRODUCED  -> bad/, '--repeat 3: any reproducing run makes the commit bad');
like($txt, qr/^rule:    3 run\(s\) per commit.*any run\n.*COULD NOT TEST run skips/m, '--repeat: the rule is stated');
($rc, $o, $txt) = bisect($d, 'true', 'test -e REPRO && [ "${GUPR_RUN_DIR##*/}" = run-2 ] && exit 125; exit 0',
			 '--repeat', '2', '--good', 'HEAD~8', '--bad', 'HEAD');
like($txt, qr/CLEAN, COULD NOT TEST  -> skip/, '--repeat: with no run reproducing, a COULD NOT TEST run skips the commit');

# 5b. the runs of a step go through GNU parallel: with -j 2 two runs of a
#     step overlap in time (each records when it started and ended), with
#     -j 1 they do not; the vote is the same either way
my $timed = 'date +%s.%N >"$GUPR_RUN_DIR/t0"; sleep 1; date +%s.%N >"$GUPR_RUN_DIR/t1"; ' . $repro;
sub spans {	# spans(OUT-DIR) -> ([t0, t1] of run-1, run-2) of the first step
	my ($out) = @_;
	my ($sdir) = sort glob("$out/steps/01-*");
	return map { [ slurp("$sdir/run-$_/t0") + 0, slurp("$sdir/run-$_/t1") + 0 ] } 1, 2;
}
$d = repo('par', 5 => ['REPRO']);
my $out;
($rc, $o, $txt, $out) = bisect($d, 'true', $timed, '--repeat', '2', '-j', '2', '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, '-j 2: exit 0') or diag($o);
like($txt, qr/^first bad commit: ${\ rev($d, 'HEAD~3')}$/m, '-j 2: names c5, as one run at a time would');
my ($r1, $r2) = spans($out);
ok($r1->[0] && $r2->[0] && $r1->[0] < $r2->[1] && $r2->[0] < $r1->[1], '-j 2: the two runs of a step ran at the same time')
	or diag(explain [$r1, $r2]);
like($txt, qr/^runs on: this machine, up to 2 at a time \(-j\)$/m, '-j 2: bisect.txt says where the runs ran');
like($txt, qr/(?:REPRODUCED, REPRODUCED  -> bad|CLEAN, CLEAN  -> good)/, '-j 2: both runs are voted, in run order');
($rc, $o, $txt, $out) = bisect($d, 'true', $timed, '--repeat', '2', '-j', '1', '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 0, '-j 1: exit 0') or diag($o);
($r1, $r2) = spans($out);
ok($r1->[0] && $r2->[0] && ($r1->[1] <= $r2->[0] || $r2->[1] <= $r1->[0]), '-j 1: the runs of a step ran one after the other')
	or diag(explain [$r1, $r2]);
# a run's exit status, output and directory stay in the step directory
my ($sdir) = sort glob("$out/steps/01-*");
ok(-s "$sdir/run-1/exit.txt" && -e "$sdir/run-1/run.out" && -s "$sdir/joblog.txt", 'a run keeps exit.txt and run.out; the step keeps GNU parallel\'s joblog.txt');

# 6. refusals, each exit 128 with one line, the tree untouched
$d = repo('refuse');
my $head = rev($d, 'HEAD');
my @bad = (
	[ [ '--good', 'HEAD~8', '--bad', 'nosuchrev' ], qr/--bad nosuchrev: no such commit/, 'a REV that does not exist' ],
	[ [ '--good', 'HEAD', '--bad', 'HEAD~8' ], qr/--good HEAD is not an ancestor of --bad HEAD~8/, '--good not an ancestor of --bad' ],
	[ [ '--good', 'HEAD~8', '--bad', 'HEAD', '--repeat', '0' ], qr/--repeat takes a number from 1 to 99, not '0'/, '--repeat 0' ],
	[ [ '--good', 'HEAD~8', '--bad', 'HEAD', '--find', 'both' ], qr/--find takes regression or fix/, '--find with a bad word' ],
	[ [ '--good', 'HEAD~8', '--bad', 'HEAD', '--scenario', 'no-such' ], qr/scenario/, 'an unknown scenario' ],
	[ [ '--good', 'HEAD~8', '--bad', 'HEAD', '-j', '0' ], qr/-j takes a number from 1 to 64, not '0'/, '-j 0' ],
	[ [ '--good', 'HEAD~8', '--bad', 'HEAD', '--jobs', 'two' ], qr/-j takes a number from 1 to 64, not 'two'/, '-j two' ],
	[ [ '--good', 'HEAD~8', '--bad', 'HEAD', '--retries', '1' ], qr/--retries goes with --hosts/, '--retries without --hosts' ],
	[ [ '--good', 'HEAD~8', '--bad', 'HEAD', '--hosts', "$tmp/no-such-hosts" ], qr/--hosts \S+no-such-hosts: no such file/, 'a hosts file that does not exist' ],
);
for my $b (@bad) {
	($rc, $o) = bisect($d, 'true', $repro, @{ $b->[0] });
	is($rc, 128, "refused: $b->[2] (exit 128)") or diag($o);
	like($o, $b->[1], "refused: $b->[2]: says what is wrong");
}
($rc, $o) = sh("cd $top && ./run.sh bisect --tree $tmp --good HEAD --bad HEAD");
is($rc, 128, 'refused: not a git tree');
system("echo dirty >>$d/f");
($rc, $o) = bisect($d, 'true', $repro, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 128, 'refused: uncommitted changes (exit 128)');
like($o, qr/has uncommitted changes/, 'refused: uncommitted changes: says so');
system("git -C $d checkout -q f && git -C $d bisect start HEAD HEAD~1 >/dev/null 2>&1");
($rc, $o) = bisect($d, 'true', $repro, '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 128, 'refused: a bisection in progress');
like($o, qr/a bisection is in progress/, 'refused: bisection in progress: says so');
system("git -C $d bisect reset >/dev/null 2>&1");
is(rev($d, 'HEAD'), $head, 'refusals leave HEAD where it was');

# 6b. --hosts: bad input is one line and exit 128 before any step builds
#     (the build hook leaves a mark); the hosts are stand-in ssh commands
#     (tests/lib/GuprFakeSsh.pm)
sub spew { my ($f, $c) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $c; close $fh; }
my $arch = `uname -m` =~ s/\s+//r;
my $down = down_ssh($tmp);
my @hostcases = (
	[ "# nothing here\n\n", qr/^run\.sh bisect: --hosts \S+: no host in it/, 'a hosts file with no host line' ],
	[ ":\n", qr/line 1: ':' \(this machine\) is not a host/, 'a hosts file naming this machine' ],
	[ fake_ssh($tmp, 'user', 1000, $arch) . " hostu $tmp/wd-u\n", qr/^run\.sh bisect: --hosts: hostu logs in as uid 1000, not root/, 'a host without root' ],
	[ fake_ssh($tmp, 'arm', 0, 'aarch64') . " hosta $tmp/wd-a\n", qr/^run\.sh bisect: --hosts: hosta is aarch64, this machine is \S+/, 'a host of another architecture' ],
	[ "$down root\@deadhost\n", qr/^run\.sh bisect: --hosts \S+: hosts not usable: root\@deadhost \(unreachable\)$/m, 'no usable host (unreachable)' ],
	[ fake_ssh($tmp, 'rootb', 0, $arch, make_fails => 1) . " hostb $tmp/wd-b\n",
	  qr/^run\.sh bisect: --hosts: hostb: working directory \Q$tmp\E\/wd-b is not empty \(notes\.txt\) and not gup-repro's/,
	  'a working directory that is not empty and not gup-repro\'s (tests/unit/hosts-own.t)' ],
);
mkdir "$tmp/wd-b";
spew("$tmp/wd-b/notes.txt", "mine\n");
my $hn = 0;
for my $h (@hostcases) {
	my $f = "$tmp/hosts-" . ++$hn;
	spew($f, $h->[0]);
	unlink("$tmp/built");
	($rc, $o) = bisect($d, "touch $tmp/built", $repro, '--good', 'HEAD~8', '--bad', 'HEAD', '--hosts', $f);
	is($rc, 128, "--hosts: $h->[2]: exit 128") or diag($o);
	my @l = grep { !/^(Try |==> host )/ } split /\n/, $o;
	is(scalar @l, 1, "--hosts: $h->[2]: one line") or diag($o);
	like($l[0] // '', $h->[1], "--hosts: $h->[2]: says why");
	ok(!-e "$tmp/built", "--hosts: $h->[2]: no step was built");
}
is(join(' ', glob("$tmp/wd-b/* $tmp/wd-b/.[!.]*")), "$tmp/wd-b/notes.txt", '--hosts: a refused working directory: nothing made or removed there');
tree_back($d, 'after the --hosts refusals');

# GNU parallel missing: a PATH with every command but parallel (the host
# packages are known to be there: host-deps.sh's stamp, from the runs above)
{
	my $bin = "$tmp/bin-noparallel";
	mkdir $bin;
	for my $dir (split /:/, $ENV{PATH}) {
		opendir(my $dh, $dir) or next;
		for my $f (readdir $dh) {
			next if $f eq 'parallel' || $f =~ /^\./ || -e "$bin/$f" || !-x "$dir/$f" || -d "$dir/$f";
			symlink("$dir/$f", "$bin/$f");
		}
	}
	local $ENV{PATH} = $bin;
	unlink("$tmp/built");
	($rc, $o) = bisect($d, "touch $tmp/built", $repro, '--good', 'HEAD~8', '--bad', 'HEAD');
	is($rc, 128, 'GNU parallel missing: exit 128') or diag($o);
	like($o, qr/^run\.sh bisect: GNU parallel is missing/m, 'GNU parallel missing: says so');
	ok(!-e "$tmp/built", 'GNU parallel missing: no step was built');
}

# 7. a run that stops with exit 128 (bad usage inside) aborts the bisection
($rc, $o, $txt) = bisect($d, 'true', 'exit 128', '--good', 'HEAD~8', '--bad', 'HEAD');
is($rc, 125, 'a run exiting 128 aborts: no commit named') or diag($o);
like($txt, qr/run 1 exit 128  -> abort/, 'the abort is in the step list');
tree_back($d, 'after an aborted bisection');

# 8. SIGINT in the middle of a step: every process of the step is gone, the
#    tree is back on main, exit 130
my $marker = "31.$$";
{
	local $ENV{GUP_REPRO_TEST_BISECT_BUILD} = 'true';
	local $ENV{GUP_REPRO_TEST_BISECT_RUN} = "exec timeout 100 sleep $marker";	# timeout: a process group of its own
	my $out = "$tmp/out-int";
	my $pid = fork();
	if (!$pid) {
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP);	# undo a background shell's SIG_IGN
		open(STDOUT, '>', "$tmp/int.out"); open(STDERR, '>&', \*STDOUT);
		exec('bash', "$top/run.sh", 'bisect', '--tree', $d, '-o', $out, '--good', 'HEAD~8', '--bad', 'HEAD');
	}
	my $t = time;
	sleep(0.2) until (`pgrep -f '^sleep $marker'` || time - $t > 60);
	ok(`pgrep -f '^sleep $marker'`, 'SIGINT: the step is running');
	kill('INT', $pid);
	$t = time;
	my $w;
	while (($w = waitpid($pid, WNOHANG)) == 0 && time - $t < 20) { sleep(0.1); }
	is($w == $pid ? $? >> 8 : -1, 130, 'SIGINT: run.sh bisect exits 130');
	ok(time - $t < 10, 'SIGINT: within a few seconds');
	sleep(0.5);
	ok(!`pgrep -f '^sleep $marker'`, 'SIGINT: no process of the step is left');
	tree_back($d, 'after SIGINT');
	like(slurp("$out/steps.txt"), qr/interrupted by SIGINT/, 'SIGINT: recorded in the step list');
}

done_testing();
