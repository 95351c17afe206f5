#!/usr/bin/perl
# ./run.sh bisect orchestration without building a kernel: a small git
# repository shaped like a kernel tree, and the test-only hooks
# GUP_REPRO_TEST_BISECT_BUILD / GUP_REPRO_TEST_BISECT_RUN standing in for
# the build and the run of each step (their exit status is the build's and
# run.sh's).  Checks good/bad, skip on a failed build, --find fix, --repeat
# voting, refusals (dirty tree, bisect in progress, bad revisions, --good
# not an ancestor), and that the tree is back on its branch after success,
# failure and SIGINT; that kill -9 of the driver stops the bisection at the
# next step, that SIGINT to a background bisection's process group or to a
# step's GNU parallel only, or a run killed by a signal, interrupts it
# (never a skip); and, on a tree whose Makefile stands in for kbuild, that
# a changed guest config is merged again and that the build a bisection
# left is labelled with the commit it built.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp slurp_maybe spew sh);
use GuprFakeSsh qw(fake_ssh down_ssh);
use GuprBisect qw(rev);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $G = 'git -c user.name=t -c user.email=t@invalid';

# repo(NAME, MARKS): commits c0..c8; MARKS maps a commit number to files it
# adds ("REPRO", "FIXED", "BROKEN") or removes ("-BROKEN"), and "setup" to
# code that adds to the tree of c0 (given its directory).
sub repo {
	my ($name, %marks) = @_;
	my $d = "$tmp/$name";
	system("mkdir -p $d/arch/x86 && cd $d && git init -q -b main && printf 'VERSION = 6\\n' >Makefile && touch Kconfig arch/x86/.keep") == 0 or die;
	$marks{setup}->($d) if $marks{setup};
	system("cd $d && git add -A && $G commit -qm c0") == 0 or die;
	for my $i (1 .. 8) {
		my $add = '';
		for my $m (@{ $marks{$i} || [] }) { $add .= $m =~ /^-(.*)/ ? "rm -f $1 && " : "touch $m && "; }
		system("cd $d && echo $i >f && $add git add -A && $G commit -qm 'c$i: change $i'") == 0 or die;
	}
	return $d;
}
sub bisect {	# bisect(TREE, BUILD-HOOK or undef: the real build, RUN-HOOK, ARGS...) -> (exit, output, bisect.txt, out)
	my ($d, $build, $run, @args) = @_;
	local $ENV{GUP_REPRO_TEST_BISECT_BUILD};
	if (defined $build) { $ENV{GUP_REPRO_TEST_BISECT_BUILD} = $build; } else { delete $ENV{GUP_REPRO_TEST_BISECT_BUILD}; }
	local $ENV{GUP_REPRO_TEST_BISECT_RUN} = $run;
	my $out = "$tmp/out-" . int(rand(1e9));
	my ($rc, $o) = sh("cd $top && ./run.sh bisect --tree $d -o $out @args");
	return ($rc, $o, slurp_maybe("$out/bisect.txt") // '', $out);	# none when refused
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
like($txt, qr/^result: stopped before bisecting: --bad [0-9a-f]{12} could not be tested/m, 'all builds fail: --bad cannot be built: stopped before bisecting');
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
like($txt, qr/CLEAN, CLEAN, REPRODUCED \(1\/3\)  -> bad/, '--repeat 3: any reproducing run makes the commit bad (and its rate is shown)');
like($txt, qr/^rule:    3 run\(s\) per commit.*any run\n.*COULD NOT TEST run skips/m, '--repeat: the rule is stated');
$d = repo('repeat-skip', 4 => ['SKIPME'], 5 => ['-SKIPME'], 6 => ['REPRO']);
($rc, $o, $txt) = bisect($d, 'true', 'test -e REPRO && exit 1; test -e SKIPME && [ "${GUPR_RUN_DIR##*/}" = run-2 ] && exit 125; exit 0',
			 '--repeat', '2', '--good', 'HEAD~8', '--bad', 'HEAD');
like($txt, qr/CLEAN, COULD NOT TEST \(0\/1\)  -> skip/, '--repeat: with no run reproducing, a COULD NOT TEST run skips the commit');

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
like($txt, qr/(?:REPRODUCED, REPRODUCED \(2\/2\)  -> bad|CLEAN, CLEAN \(0\/2\)  -> good)/, '-j 2: both runs are voted, in run order');
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

# procs(PATTERN): the processes whose command line holds PATTERN (the
# bisection's: git bisect run, its step, GNU parallel, a run, a helper)
sub procs { my ($pat) = @_; return grep { index($_, $pat) >= 0 && !/ps -eo / } split /\n/, `ps -eo pid=,args=`; }
# wait_until(SECONDS, CODE): CODE returns true within SECONDS
sub wait_until { my ($secs, $code) = @_; my $t = time; until ($code->()) { return 0 if time - $t > $secs; sleep(0.2); } return 1; }
sub tree_is_back {
	my ($d) = @_;
	my $head = `git -C $d symbolic-ref -q HEAD 2>/dev/null`; chomp $head;
	return $head eq 'refs/heads/main' && !glob("$d/.git/BISECT_*") && rev($d, 'HEAD') eq rev($d, 'main');
}
# start_bisect(TREE, OUT, RUN-HOOK, HOW): ./run.sh bisect in a child, with
# the build hook "true"; HOW "background": as a script's `cmd &` starts it
# (SIGINT ignored) in a process group of its own.  Returns its pid.
sub start_bisect {
	my ($d, $out, $run, $how) = @_;
	local $ENV{GUP_REPRO_TEST_BISECT_BUILD} = 'true';
	local $ENV{GUP_REPRO_TEST_BISECT_RUN} = $run;
	my $pid = fork();
	if (!$pid) {
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP);
		if (($how // '') eq 'background') { setpgrp(0, 0); $SIG{INT} = 'IGNORE'; }
		open(STDOUT, '>', "$out.log"); open(STDERR, '>&', \*STDOUT);
		exec('bash', "$top/run.sh", 'bisect', '--tree', $d, '-o', $out, '--good', 'HEAD~8', '--bad', 'HEAD');
	}
	return $pid;
}
# reap(PID, SECONDS): PID's exit status, -1 when it did not end in time
# (then it is stopped: SIGTERM, which its trap answers)
sub reap {
	my ($pid, $secs) = @_;
	my $w = 0;
	wait_until($secs, sub { ($w = waitpid($pid, WNOHANG)) != 0 });
	return $? >> 8 if $w == $pid;
	kill('TERM', $pid);
	waitpid($pid, 0);
	return -1;
}

# 9. kill -9 of the driver in the middle of a step: no trap runs, git
#    bisect run goes on; the step sees the driver gone (pid and start time
#    in state.env) and stops the bisection before another run, and a
#    detached helper resets the tree once git bisect run has exited
{
	my $d = repo('orphan', 5 => ['REPRO']);
	my $out = "$tmp/out-orphan";
	my $pid = start_bisect($d, $out, "touch $tmp/orphan-ran.\$GUPR_COMMIT; sleep 2; $repro");
	ok(wait_until(60, sub { glob("$tmp/orphan-ran.*") }), 'kill -9: a run of the first step is in flight');
	kill('KILL', $pid);
	waitpid($pid, 0);
	my $back = wait_until(30, sub { tree_is_back($d) && !procs($tmp) });
	ok($back, 'kill -9 of the driver: within the next step the tree is back on main, no BISECT_* file left')
		or diag("HEAD: " . `git -C $d log --oneline -1 2>&1` . `ls $d/.git` . slurp("$out/steps.txt"));
	my @left = procs($tmp);
	ok(!@left, 'kill -9 of the driver: no process of the bisection is left') or diag(join("\n", @left));
	my @ran = glob("$tmp/orphan-ran.*");
	is(scalar @ran, 1, 'kill -9 of the driver: no run after the step in flight') or diag(join("\n", @ran));
	like(slurp("$out/steps.txt"), qr/the driver \(pid $pid\) is gone  -> abort/, 'kill -9: the step list says the driver is gone');
	like(slurp("$out/steps.txt"), qr/^stopped: the driver \(pid $pid\) was gone; the tree is back at main$/m, 'kill -9: and that the tree was reset');
}

# 10. SIGINT to the process group of a bisection a script put in the
#     background (started with SIGINT ignored, which bash cannot trap):
#     the bisection is interrupted (exit 130, tree reset), not a step that
#     "could not test" and a bisection that goes on
{
	my $d = repo('bgint', 5 => ['REPRO']);
	my $out = "$tmp/out-bgint";
	my $marker = "32.$$";
	my $pid = start_bisect($d, $out, "exec timeout 100 sleep $marker", 'background');
	ok(wait_until(60, sub { `pgrep -f '^sleep $marker'` }), 'background SIGINT: a run is in flight');
	kill('INT', -$pid);
	my $rc = reap($pid, 30);
	is($rc, 130, 'SIGINT to a background bisection\'s process group: exit 130') or diag(slurp("$out.log"));
	ok(tree_is_back($d), 'background SIGINT: the tree is back on main, no bisect in progress');
	my $steps = slurp("$out/steps.txt");
	unlike($steps, qr/-> skip/, 'background SIGINT: no step is a skip') or diag($steps);
	like($steps, qr/interrupted/, 'background SIGINT: steps.txt says interrupted');
	like(slurp("$out/bisect.txt"), qr/^result: interrupted by SIGINT/m, 'background SIGINT: bisect.txt says interrupted');
	ok(wait_until(10, sub { !procs($tmp) && !`pgrep -f '^sleep $marker'` }), 'background SIGINT: no process of the bisection is left')
		or diag(join("\n", procs($tmp)));
}

# 11. SIGINT that only GNU parallel sees (it stops the step's runs): an
#     interrupt too, never a run that could not test
{
	my $d = repo('parint', 5 => ['REPRO']);
	my $out = "$tmp/out-parint";
	my $marker = "33.$$";
	my $pid = start_bisect($d, $out, "exec timeout 100 sleep $marker");
	ok(wait_until(60, sub { `pgrep -f '^sleep $marker'` }), 'SIGINT to GNU parallel: a run is in flight');
	my ($par) = map { /^\s*(\d+)/ } grep { /parallel / && /\Q$out\E/ } procs($out);
	ok($par && kill('INT', $par), 'SIGINT to GNU parallel: sent');
	my $rc = reap($pid, 30);
	is($rc, 130, 'SIGINT to GNU parallel only: the bisection exits 130') or diag(slurp("$out.log"));
	my $steps = slurp("$out/steps.txt");
	unlike($steps, qr/-> skip|COULD NOT TEST/, 'SIGINT to GNU parallel only: the run is not COULD NOT TEST, the step not a skip') or diag($steps);
	like($steps, qr/interrupted: GNU parallel stopped \(exit \d+\) before run 1 ended  -> abort/, 'SIGINT to GNU parallel only: the step says so');
	like(slurp("$out/bisect.txt"), qr/^result: interrupted by SIGINT/m, 'SIGINT to GNU parallel only: bisect.txt says interrupted');
	ok(tree_is_back($d), 'SIGINT to GNU parallel only: the tree is back on main');
}

# 11b. a run killed by a signal (here its bisect-run.sh, by SIGTERM, long
#      before GNU parallel's time limit): an interrupt, not COULD NOT TEST
{
	my $d = repo('runkill', 5 => ['REPRO']);
	my ($rc, $o, $txt) = bisect($d, 'true', 'kill -TERM $PPID; sleep 5', '--good', 'HEAD~8', '--bad', 'HEAD');
	is($rc, 143, 'a run killed by SIGTERM: the bisection stops, exit 143') or diag($o);
	unlike($txt, qr/-> skip|COULD NOT TEST \(/, 'a run killed by SIGTERM: not COULD NOT TEST, not a skip') or diag($txt);
	like($txt, qr/interrupted: run 1 was killed by SIGTERM after \d+ s  -> abort/, 'a run killed by SIGTERM: the step says so');
	like($txt, qr/^result: interrupted by SIGTERM/m, 'a run killed by SIGTERM: bisect.txt says interrupted');
	tree_back($d, 'after a run killed by SIGTERM');
}

# 12. the real build path on a tree whose Makefile stands in for kbuild
#     (defconfig, olddefconfig, bzImage, modules) and whose
#     scripts/kconfig/merge_config.sh appends the fragment; the guest
#     config is a test copy (GUPR_FRAGMENT)
sub kbuild_tree {
	my ($d) = @_;
	spew("$d/Makefile", <<'MK');
VERSION = 6
PATCHLEVEL = 1
B := $(abspath $(if $(O),$(O),.))
defconfig:
	mkdir -p $(B)
	printf 'CONFIG_CC_VERSION_TEXT="%s"\nCONFIG_FROM_DEFCONFIG=y\n' "$$(gcc --version | head -n 1)" >$(B)/.config
	[ "$(B)" = "$(CURDIR)" ] || { ln -sfn $(CURDIR) $(B)/source && echo 'include $(CURDIR)/Makefile' >$(B)/Makefile; }
olddefconfig modules:
	@true
bzImage:
	mkdir -p $(B)/arch/x86/boot $(B)/include/config
	cat f >$(B)/arch/x86/boot/bzImage
	echo 6.1.0-fake >$(B)/include/config/kernel.release
MK
	spew("$d/f", "0\n");
	mkdir "$d/scripts"; mkdir "$d/scripts/kconfig";
	spew("$d/scripts/kconfig/merge_config.sh", "#!/bin/sh\n# merge_config.sh -m -O DIR BASE FRAGMENT\nout=\$3; shift 3\ncat \"\$@\" >\"\$out/.config.new\" && mv \"\$out/.config.new\" \"\$out/.config\"\n");
}
{
	my $d = repo('kbuild', 5 => ['REPRO'], setup => \&kbuild_tree);
	my $build = "$tmp/kbuild-build";
	my $frag = "$tmp/fragment.config";
	spew($frag, "#@ boot: a test option\nCONFIG_GUPR_TEST_ONE=y\n");
	local $ENV{GUPR_FRAGMENT} = $frag;
	my ($rc, $o, $txt, $out) = bisect($d, undef, $repro, '--good', 'HEAD~8', '--bad', 'HEAD', '--build-dir', $build);
	is($rc, 0, 'a real build path (kbuild stand-in): exit 0') or diag($o);
	like(slurp("$build/.config"), qr/^CONFIG_GUPR_TEST_ONE=y$/m, 'the build directory\'s .config has the guest config merged');
	# the build the bisection left: labelled with the commit it built
	my ($last) = (sort glob("$out/steps/[0-9]*"))[-1] =~ m{/\d+-([0-9a-f]{12})$};
	my $rec = `cd $top && bash -c '. vm-images/lib.sh; gupr_kernel $build >/dev/null 2>&1 && echo "\$KCOMMIT" && echo "\$KLABEL"'`;
	my ($kcommit, $klabel) = split /\n/, $rec;
	ok($last && index($kcommit // '', $last) == 0, "a build left by a bisection: labelled with the commit it built ($last), not the tree's HEAD")
		or diag("KCOMMIT=" . ($kcommit // '') . " HEAD=" . rev($d, 'HEAD'));
	unlike($klabel // '', qr/HEAD now/, 'a build left by a bisection: the label does not fall back on HEAD');

	# the guest config changes: the next step merges it again, into the
	# base config, and says so
	spew($frag, "#@ boot: another test option\nCONFIG_GUPR_TEST_TWO=y\n");
	($rc, $o, $txt, $out) = bisect($d, undef, $repro, '--good', 'HEAD~8', '--bad', 'HEAD', '--build-dir', $build);
	is($rc, 0, 'a changed guest config: exit 0') or diag($o);
	my $config = slurp("$build/.config");
	like($config, qr/^CONFIG_GUPR_TEST_TWO=y$/m, 'a changed guest config: merged into the build directory\'s .config again');
	unlike($config, qr/CONFIG_GUPR_TEST_ONE/, 'a changed guest config: merged into the base config (the old fragment\'s option is gone)');
	like($config, qr/^CONFIG_FROM_DEFCONFIG=y$/m, 'a changed guest config: the base config stays');
	# the ends are built first, --bad before --good
	my ($first) = glob("$out/steps/bad-*");
	like(slurp("$first/build.log"), qr/^==> bisect: \S*fragment\.config changed since the build directory's \.config was made .*: merging it again/m,
	     'a changed guest config: the step\'s build.log says so');
	like($o, qr/^==> bisect: \S*fragment\.config changed since/m, 'a changed guest config: and so does stderr');
	my ($second) = glob("$out/steps/good-*");
	unlike(slurp("$second/build.log"), qr/merging it again/, 'an unchanged guest config: the next step does not merge it again');
}

# what a failed check above left running (the test's own processes)
kill('TERM', map { /^\s*(\d+)/ } procs($tmp));

done_testing();
