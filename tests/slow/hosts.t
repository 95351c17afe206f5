#!/usr/bin/perl
# ./run.sh matrix --hosts over real ssh: an sshd of the test's own on
# 127.0.0.1 (tests/lib/GuprSshd.pm: throw-away keys; /root/.ssh and the
# system's sshd are not touched) stands for the hosts: gupr-a and gupr-b
# with working directories of their own, gupr-down (a port nobody listens
# on) and gupr-bad (whose CC does not exist: its `make host` fails).
#   - the cells over gupr-a and gupr-b give the same results as the same
#     matrix run here, both hosts ran cells and each cell names its host;
#     nothing is left in the hosts' .gup-repro/runs/, nothing is made
#     outside .gup-repro/;
#   - an unreachable host is said and left out, the cells run on the other;
#   - a host whose preparation fails gives ERROR cells naming it, and with
#     --retries 1 its cells are run on another host.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use GuprMatrix qw(run_matrix);
use GuprSshd qw(start_sshd);

my $top = "$FindBin::Bin/../..";
my $d = tempdir(CLEANUP => 1);

start_sshd($d);

my @m = ('--kernels', 'debian:bookworm', '--fs', 'ext4,tmpfs', '--scenarios', 'unlocked-dirty,control');
my $line = sub { my ($host, $wd) = @_; "1/ssh -F $d/ssh_config $host $d/$wd\n" };
spew("$d/hosts", "# two loopback hosts, one job slot each\n" . $line->('gupr-a', 'wd-a') . $line->('gupr-b', 'wd-b'));

my ($rc, $out, $local) = run_matrix($top, @m, '-j', '2');
is($rc, 0, 'local matrix finished') or diag($out);
my ($rrc, $rout, $remote, $rdir) = run_matrix($top, @m, '--hosts', "$d/hosts");
is($rrc, 0, 'matrix over two hosts finished') or diag($rout);
is(scalar keys %$remote, 4, 'four cells');
is_deeply({ map { $_ => $remote->{$_}{result} } keys %$remote }, { map { $_ => $local->{$_}{result} } keys %$local },
	  'the same results as the local matrix') or diag($rout);
unlike(join(' ', map { $_->{result} } values %$remote), qr/ERROR/, 'no cell is ERROR');
my %by;
$by{ $_->{host} // '' }++ for values %$remote;
is(join(',', sort keys %by), 'gupr-a,gupr-b', 'both hosts ran cells, each cell names its host in matrix.json') or diag(explain \%by);
is(join(',', map { $_->{host} } values %$local), ',,,', 'local cells name no host');
like(slurp("$rdir/matrix.txt"), qr/^hosts: gupr-\w \d cells?, gupr-\w \d cells?$/m, 'matrix.txt counts the cells per host');
my ($cell) = map { $_->{dir} } values %$remote;
like(slurp("$rdir/$cell/host.txt"), qr/^host: gupr-[ab]\nhost-name: .*\nhost-workdir: \Q$d\E\/wd-[ab]$/m, 'host.txt in the cell');
ok(-s "$rdir/$cell/verdict.txt" && -s "$rdir/$cell/console.log", 'the cell\'s run directory came back');
like($rout, qr/^\[ ?\d\/4\] .* on gupr-[ab]$/m, 'progress lines name the host');
for my $wd (qw(wd-a wd-b)) {
	my @t = glob("$d/$wd/.gup-repro/tree-*");
	ok(@t == 1 && -x "$t[0]/run.sh" && -x "$t[0]/build/host/gup-repro", "$wd: the host's copy of the project, built, in .gup-repro/")
		or diag("@t");
	is(join(' ', glob("$d/$wd/.gup-repro/runs/*")), '', "$wd: nothing left in .gup-repro/runs/ (the matrix's directory removed at the end)");
	is(join(' ', map { s/.*\///r } glob("$d/$wd/* $d/$wd/.[!.]*")), '.gup-repro', "$wd: nothing outside .gup-repro/ (tests/unit/hosts-own.t)");
}

# --repeat 2 over the two hosts: the runs of one cell are jobs of their
# own, one on each host; the cell names both
($rrc, $rout, $remote, $rdir) = run_matrix($top, '--kernels', 'debian:bookworm', '--fs', 'ext4', '--scenarios', 'unlocked-dirty',
					   '--repeat', '2', '--hosts', "$d/hosts");
is($rrc, 0, '--repeat 2 over two hosts: finished') or diag($rout);
my $rc1 = $remote->{'debian:bookworm ext4 unlocked-dirty'} || {};
like($rc1->{verdict} // '', qr/^REPRODUCED 2 of 2 runs/, '--repeat 2 over two hosts: the cell counts its two runs') or diag($rout);
like($rc1->{host} // '', qr/^gupr-([ab])\+gupr-(?!\1)[ab]$/, '--repeat 2: the cell names the hosts of its runs (A+B)');
like($rout, qr/^\[ ?\d\/2\] .* run-01: .* on gupr-[ab]$/m, '--repeat 2: a progress line per run, naming its host');
is(join(',', sort map { slurp("$rdir/bookworm/ext4/unlocked-dirty/run-0$_/host.txt") =~ /^host: (\S+)/m } 1, 2), 'gupr-a,gupr-b',
   '--repeat 2: the two runs of the cell ran on the two hosts at once');

# an unreachable host: said, left out; the cells run on gupr-a
spew("$d/hosts-down", $line->('gupr-down', 'wd-c') . $line->('gupr-a', 'wd-a'));
my @two = ('--kernels', 'debian:bookworm', '--fs', 'tmpfs', '--scenarios', 'unlocked-dirty,control');
($rrc, $rout, $remote, $rdir) = run_matrix($top, @two, '--hosts', "$d/hosts-down");
is($rrc, 0, 'unreachable host: the matrix finishes') or diag($rout);
like($rout, qr/^==> host gupr-down: unreachable: .*Connection refused.*; not used$/m, 'unreachable host: said');
is(join(',', map { "$_->{result}\@$_->{host}" } sort { $a->{scenario} cmp $b->{scenario} } values %$remote),
   'CLEAN@gupr-a,CLEAN@gupr-a', 'unreachable host: its cells ran on the other host');
like(slurp("$rdir/matrix.txt"), qr/^host not used: gupr-down \(\Q$d\E\/wd-c\): unreachable/m, 'unreachable host: matrix.txt names it');

# a host whose preparation fails: ERROR cells naming it; with --retries 1
# they run on another host
spew("$d/hosts-bad", $line->('gupr-bad', 'wd-bad'));
($rrc, $rout, $remote) = run_matrix($top, @two, '--hosts', "$d/hosts-bad");
is($rrc, 0, 'failed preparation: the matrix finishes') or diag($rout);
is(scalar(grep { $_->{result} =~ /^ERROR:host gupr-bad: preparing gup-repro failed: make host failed/ && $_->{host} eq 'gupr-bad' } values %$remote),
   2, 'failed preparation: ERROR cells naming the host') or diag(explain $remote);
spew("$d/hosts-retry", $line->('gupr-bad', 'wd-bad2') . $line->('gupr-a', 'wd-a'));
($rrc, $rout, $remote, $rdir) = run_matrix($top, @two, '--hosts', "$d/hosts-retry", '--retries', '1');
is($rrc, 0, '--retries 1: the matrix finishes') or diag($rout);
is(join(',', map { "$_->{result}\@$_->{host}" } sort { $a->{scenario} cmp $b->{scenario} } values %$remote),
   'CLEAN@gupr-a,CLEAN@gupr-a', '--retries 1: the cells ran on the good host');
# (GNU parallel keeps a job's last try only, in joblog.txt and its output;
# the host's own prepare.log shows the try there)
like(slurp((glob("$d/wd-bad2/.gup-repro/tree-*/prepare.log"))[0] // ''), qr/\/nonexistent\/cc/,
     '--retries 1: gupr-bad had a cell and failed to prepare');
done_testing();
