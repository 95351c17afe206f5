#!/usr/bin/perl
# tests/bench/hosts-overhead.pl [PAIRS [default]]: the cost of scale-out
# (issue 11: <= 1.15).  The same 8-cell matrix (6.1, ext4 and tmpfs, the
# four default scenarios; with "default", the default 64-cell matrix) runs
# locally with -j 2 and over two loopback "hosts" - an sshd
# of this script's own on 127.0.0.1 (tests/lib/GuprSshd.pm), one slot each:
# the same two VMs at a time - interleaved, PAIRS pairs (default 2), after
# one matrix over the hosts that is not counted (each host's first use
# copies the project and builds it in its working directory).  Prints each
# matrix's wall time ("matrix wall time:" of run.sh), the sums, their ratio
# and, per remote cell, how much GNU parallel's job time exceeds the cell's
# own seconds (ssh, the job wrapper, rsync of its run directory back).
# Keep the tree unchanged while it runs: a host unpacks and builds the
# project again whenever the packed tree's hash changes.
# Exit 0, or 1 when a matrix failed or the two disagree on a cell.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);
use List::Util qw(sum);
use lib "$FindBin::Bin/../lib";
use GuprMatrix qw(run_matrix);
use GuprSshd qw(start_sshd);

my $pairs = shift // 2;
my $which = shift // 'small';
$pairs =~ /^[1-9]\d?$/ && $which =~ /^(small|default)$/ or die "usage: $0 [PAIRS (1..99) [default]]\n";
my $top = "$FindBin::Bin/../..";
my $d = tempdir(CLEANUP => 1);
start_sshd($d);
Test::More->builder->no_ending(1);	# start_sshd's one test line is no test plan
open(my $fh, '>', "$d/hosts") or die "$d/hosts: $!";
print $fh "1/ssh -F $d/ssh_config gupr-a $d/wd-a\n1/ssh -F $d/ssh_config gupr-b $d/wd-b\n";
close $fh;

my @m = $which eq 'default' ? () : ('--kernels', 'debian:bookworm', '--fs', 'ext4,tmpfs', '--scenarios',
					'unlocked-dirty,control,longterm,iouring-fixed-buffer');
my $ncells = $which eq 'default' ? 64 : 8;
my $status = 0;

# one matrix; returns (wall seconds, { cell => result }, [ job seconds - cell seconds ])
sub one {
	my ($what, @args) = @_;
	my ($rc, $out, $cells, $dir) = run_matrix($top, @m, @args);
	my ($wall) = $out =~ /^matrix wall time: ([\d.]+) s$/m;
	if ($rc || !defined $wall || keys %$cells != $ncells) {
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
	printf "scale-out overhead: %.2fx (%.1f s over the hosts / %.1f s locally, %d pairs; target <= 1.15)\n",
		sum(@remote) / sum(@local), sum(@remote), sum(@local), scalar @local;
	printf "per remote cell: job time - cell seconds, median %.1f s (%d cells)\n",
		(sort { $a <=> $b } @extra)[$#extra / 2], scalar @extra if @extra;
}
exit $status;
