#!/usr/bin/perl
# ./run.sh bisect --hosts over real ssh (make check-slow): the bisect test's
# kernel tree (tests/slow/bisect.t, tests/slow/bisect-tree: linux-source-6.1
# with (1) an unrelated commit, (2) mm/gup.c refusing FOLL_LONGTERM|
# FOLL_WRITE pins of dirty-tracked file mappings, (3) an unrelated commit)
# and an sshd of the test's own on 127.0.0.1 (tests/lib/GuprSshd.pm)
# standing for the hosts.  Each step is built here, prepared once (module,
# initramfs) and shipped as a prepared kernel; its two runs boot it on the
# hosts and come back.
#  - bisect --find fix --repeat 2 over gupr-a, gupr-b (and gupr-down,
#    unreachable: left out and named) names commit (2); every run came back
#    with its verdict, names its host and the prepared kernel of its step's
#    commit; both hosts ran runs; nothing is left in the hosts'
#    .gup-repro/runs/ nor made outside .gup-repro/;
#  - a host whose preparation fails (gupr-bad): its run is COULD NOT TEST
#    naming it (the step is skipped); with --retries 1 the run goes to the
#    other host and the step is decided.
# The tree and its build directory are bisect.t's, in the cache: the
# builds are incremental.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use GuprBisect qw(rev);
use GuprSshd qw(start_sshd);

my $top = "$FindBin::Bin/../..";
my $cache = $ENV{GUP_REPRO_CACHE} || ($ENV{XDG_CACHE_HOME} || "$ENV{HOME}/.cache") . '/gup-repro';
my $tree = "$cache/bisect-test/linux-source-6.1";
my $build = "$cache/bisect-test/build";
my $d = tempdir(CLEANUP => 1);

system("$top/tests/slow/bisect-tree/make-tree.sh $tree") == 0 or BAIL_OUT('cannot make the bisect tree');
my $fix = rev($tree, 'HEAD~1');
start_sshd($d);
my $line = sub { my ($host, $wd) = @_; "1/ssh -F $d/ssh_config $host $d/$wd\n" };

# bisect(NAME, HOSTS-LINES, ARGS...) -> (exit, output, bisect.txt, dir)
sub bisect {
	my ($name, $hosts, @args) = @_;
	spew("$d/hosts-$name", $hosts);
	my $out = "$d/$name";
	my $t = time;
	my $o = `cd $top && ./run.sh bisect --tree $tree --find fix --scenario longterm --build-dir $build --repeat 2 --hosts $d/hosts-$name -o $out @args 2>&1`;
	my $rc = $? >> 8;
	diag("$name: " . (time - $t) . " s");
	return ($rc, $o, slurp("$out/bisect.txt"), $out);
}

# 1. the whole bisection, its runs over two hosts (one run at a time each)
my ($rc, $o, $txt, $out) = bisect('two', $line->('gupr-a', 'wd-a') . $line->('gupr-b', 'wd-b') . $line->('gupr-down', 'wd-c'),
				  '--good', 'HEAD~3', '--bad', 'HEAD');
is($rc, 0, 'bisect --hosts: exit 0') or diag($o);
diag($txt);
like($txt, qr/^first fixed commit: $fix\n  mm\/gup: refuse FOLL_LONGTERM/m, 'bisect --hosts names the mm/gup.c commit');
like($o, qr/^==> host gupr-down: unreachable: .*; not used$/m, 'the unreachable host is said');
like($txt, qr/^host not used: gupr-down \(\Q$d\E\/wd-c\): unreachable/m, 'bisect.txt names the host not used');
like($txt, qr/^runs on: gupr-a, gupr-b, up to 2 at a time$/m, 'bisect.txt says where the runs ran');
like($txt, qr/^  \s*\d+  [0-9a-f]{12}  build\s+\d+ s  MITIGATED:EFAULT on gupr-[ab], MITIGATED:EFAULT on gupr-[ab] \(0\/2\)  -> fixed  /m,
     'a fixed step: both runs MITIGATED:EFAULT, each naming its host');
like($txt, qr/^  \s*\d+  [0-9a-f]{12}  build\s+\d+ s  REPRODUCED:\S+ on gupr-[ab], REPRODUCED:\S+ on gupr-[ab] \(2\/2\)  -> unfixed  /m,
     'an unfixed step: both runs REPRODUCED, each naming its host');
my ($kib) = $o =~ /^==> bisect: the prepared kernel, (\d+) KiB, goes to the hosts$/m;
ok($kib && $kib < 65536, 'one prepared kernel per step goes to the hosts') and diag("prepared kernel: $kib KiB");
my %hosts;
my @steps = sort glob("$out/steps/[0-9]*");
ok(@steps >= 2, 'two steps or more') or diag(explain \@steps);
for my $s (@steps) {
	my ($commit) = $s =~ /\/\d+-([0-9a-f]{12})$/;
	like(slurp("$s/kernel/kernel.env"), qr/^KCOMMIT=$commit/m, "${\ ($s =~ s/.*\///r)}: the prepared kernel's record stays");
	for my $i (1, 2) {
		my $r = "$s/run-$i";
		my ($h) = slurp("$r/host.txt") =~ /^host: (\S+)$/m;
		$hosts{$h // ''}++;
		ok(-s "$r/verdict.txt" && -s "$r/console.log" && slurp("$r/exit.txt") =~ /^[01]$/,
		   "${\ ($r =~ s/.*\/steps\///r)}: came back from " . ($h // '?') . ' with its verdict');
		like(slurp("$r/run.txt"), qr/^kernel-commit: ${commit}[0-9a-f]{28}\n(?:.*\n)*kernel-prepared: \Q$d\E\/wd-[ab]\/\.gup-repro\/runs\/[^\n]*\/kernel-[^\n]*$/m,
		     "${\ ($r =~ s/.*\/steps\///r)}: booted the prepared kernel of its step's commit on the host");
	}
}
is(join(',', sort keys %hosts), 'gupr-a,gupr-b', 'both hosts ran runs') or diag(explain \%hosts);
for my $wd (qw(wd-a wd-b)) {
	is(join(' ', glob("$d/$wd/.gup-repro/runs/*")), '', "$wd: nothing left in .gup-repro/runs/ (the bisection's directory removed at the end)");
	is(join(' ', map { s/.*\///r } glob("$d/$wd/* $d/$wd/.[!.]*")), '.gup-repro', "$wd: nothing outside .gup-repro/ (tests/unit/hosts-own.t)");
}
is(`git -C $tree symbolic-ref -q HEAD`, "refs/heads/main\n", 'the tree is back on main');

# 2. a host whose preparation fails: one step (HEAD~1), its two runs on
#    gupr-bad and gupr-a
($rc, $o, $txt) = bisect('bad', $line->('gupr-bad', 'wd-bad') . $line->('gupr-a', 'wd-a'), '--good', 'HEAD~2', '--bad', 'HEAD');
is($rc, 125, 'a failing host, no --retries: the only step is skipped, exit 125') or diag($o);
like($txt, qr/COULD NOT TEST \(host gupr-bad: preparing gup-repro failed: make host failed[^)]*\)/,
     'the run on the failing host is COULD NOT TEST naming it') or diag($txt);
like($txt, qr/MITIGATED:EFAULT on gupr-a/, 'the other run came back from gupr-a');
like($txt, qr/  -> skip  /, 'with none reproducing, the COULD NOT TEST run skips the step');
($rc, $o, $txt) = bisect('retry', $line->('gupr-bad', 'wd-bad2') . $line->('gupr-a', 'wd-a'),
			 '--good', 'HEAD~2', '--bad', 'HEAD', '--retries', '1');
is($rc, 0, '--retries 1: exit 0') or diag($o);
like($txt, qr/MITIGATED:EFAULT on gupr-a, MITIGATED:EFAULT on gupr-a \(0\/2\)  -> fixed/, '--retries 1: both runs made on gupr-a') or diag($txt);
like($txt, qr/^first fixed commit: $fix$/m, '--retries 1: names the mm/gup.c commit');
like(slurp((glob("$d/wd-bad2/.gup-repro/tree-*/prepare.log"))[0] // ''), qr/\/nonexistent\/cc/,
     '--retries 1: gupr-bad had a run and failed to prepare');
done_testing();
