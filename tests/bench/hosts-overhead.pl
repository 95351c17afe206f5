#!/usr/bin/perl
# tests/bench/hosts-overhead.pl [PAIRS [default]]: the cost of scale-out
# (issue 11: <= 1.15).  The same 8-cell matrix (6.1, ext4 and tmpfs, the
# four default scenarios; with "default", the default 64-cell matrix) runs
# locally with -j 2 and over two loopback "hosts" - an sshd
# of this script's own on 127.0.0.1 (tests/lib/GuprSshd.pm), one slot each:
# the same two VMs at a time - interleaved, PAIRS pairs (default 2), after
# one matrix over the hosts that is not counted (each host's first use
# copies the project and builds it in its working directory).  Prints the
# cost of one ssh login to the hosts (median of 10 over the shared
# connection: the login shell's start-up), each matrix's wall time (the
# whole ./run.sh matrix command: the preflight and the removal on the hosts
# included), the sums, their ratio and, per remote cell, how much GNU
# parallel's job time exceeds the cell's own seconds (two ssh logins: the
# job and the rsync of its run directory back; the job wrapper).
# BENCH_HOST_LOGIN=plain: the hosts' logins do not run root's ~/.bashrc
# (GuprSshd plain_login), as on a host with Debian's default one.
# Keep the tree unchanged while it runs: a host unpacks and builds the
# project again whenever the packed tree's hash changes.
# Exit 0, or 1 when a matrix failed or the two disagree on a cell.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);
use List::Util qw(sum);
use Time::HiRes qw(time);
use lib "$FindBin::Bin/../lib";
use GuprMatrix qw(run_matrix);
use GuprSshd qw(start_sshd);

my $pairs = shift // 2;
my $which = shift // 'small';
$pairs =~ /^[1-9]\d?$/ && $which =~ /^(small|default)$/ or die "usage: $0 [PAIRS (1..99) [default]]\n";
my $top = "$FindBin::Bin/../..";
my $login = $ENV{BENCH_HOST_LOGIN} // 'as-is';
$login =~ /^(as-is|plain)$/ or die "BENCH_HOST_LOGIN is as-is or plain, not '$login'\n";
my $d = tempdir(CLEANUP => 1);
start_sshd($d, plain_login => $login eq 'plain');
Test::More->builder->no_ending(1);	# start_sshd's one test line is no test plan
open(my $fh, '>', "$d/hosts") or die "$d/hosts: $!";
print $fh "1/ssh -F $d/ssh_config gupr-a $d/wd-a\n1/ssh -F $d/ssh_config gupr-b $d/wd-b\n";
close $fh;

# one login's cost: 10 commands over one shared connection, median
{
	my $ssh = "ssh -F $d/ssh_config -o ControlMaster=auto -o ControlPath=$d/cm -o ControlPersist=30";
	system("$ssh gupr-a true");
	my @t;
	for (1 .. 10) {
		my $t0 = time;
		system("$ssh gupr-a true") == 0 or last;
		push @t, time - $t0;
	}
	system("$ssh -O exit gupr-a 2>/dev/null");
	printf "ssh login (%s): median %.3f s of 10 over one shared connection\n", $login,
		(sort { $a <=> $b } @t)[$#t / 2] if @t;
}

my @m = $which eq 'default' ? () : ('--kernels', 'debian:bookworm', '--fs', 'ext4,tmpfs', '--scenarios',
					'unlocked-dirty,control,longterm,iouring-fixed-buffer');
my $ncells = $which eq 'default' ? 64 : 8;
my $status = 0;

# one matrix; returns (wall seconds, { cell => result }, [ job seconds - cell seconds ])
sub one {
	my ($what, @args) = @_;
	my $t0 = time;
	my ($rc, $out, $cells, $dir) = run_matrix($top, @m, @args);
	my $wall = time - $t0;
	if ($rc || keys %$cells != $ncells) {
		print "$what: the matrix failed (exit $rc)\n$out";
		$status = 1;
		return (undef, {}, []);
	}
	my @extra;
	if ($dir && open(my $j, '<', "$dir/joblog.txt")) {
		# GNU parallel's --joblog: Seq Host Starttime JobRuntime ... Command
		<$j>;
		while (<$j>) {
			my @f = split /\t/;
			my ($k, $fs, $sc) = $f[-1] =~ /matrix-cell\.sh remote '?([^' ]+)'? \S+ (\S+) (\S+)/ or next;
			my $c = $cells->{"$k $fs $sc"} or next;
			push @extra, $f[3] - $c->{seconds};
		}
	}
	return ($wall, { map { $_ => $cells->{$_}{result} } keys %$cells }, \@extra);
}

one('warm-up over the hosts', '--hosts', "$d/hosts");
my (@local, @remote, @extra);
for my $i (1 .. $pairs) {
	my ($lw, $lc) = one("local $i", '-j', '2');
	my ($rw, $rc, $ex) = one("hosts $i", '--hosts', "$d/hosts");
	next unless defined $lw && defined $rw;
	push @local, $lw;
	push @remote, $rw;
	push @extra, @$ex;
	my @diff = grep { ($lc->{$_} // '') ne ($rc->{$_} // '') } keys %$lc;
	if (@diff) {
		print "pair $i: the cells differ: @diff\n";
		$status = 1;
	}
	printf "pair %d: local -j 2 %.1f s, 2 loopback hosts %.1f s\n", $i, $lw, $rw;
}
if (@local) {
	printf "scale-out overhead: %.2fx (%.1f s over the hosts / %.1f s locally, %d pairs, logins %s; target <= 1.15)\n",
		sum(@remote) / sum(@local), sum(@remote), sum(@local), scalar @local, $login;
	printf "per remote cell: job time - cell seconds, median %.1f s (%d cells)\n",
		(sort { $a <=> $b } @extra)[$#extra / 2], scalar @extra if @extra;
}
exit $status;
