#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/cell-order.pl MATRIX.JSON... <CELLS >ORDERED: the order in
# which ./run.sh matrix starts its cells (matrix.sh is the caller): longest
# first, so that no long cell starts last and runs alone at the end.
# CELLS: one line a cell, KERNEL<TAB>LABEL<TAB>FS<TAB>SCENARIO.  A cell's
# length is the seconds the same cell (kernel spec, fs, scenario) took in
# the newest of the MATRIX.JSON files that has it; a cell none has counts
# as longer than any that was measured (1000 s), among them by filesystem
# (btrfs, xfs, ext4, tmpfs: their mkfs and fsck cost).  Equal lengths keep
# the input order.  The files are read newest first (by mtime) until every
# cell has its seconds: JSON::PP takes ~7 ms a file, and reading all 86
# of this machine's out/ took 0.45-0.6 s of every matrix, where the newest
# one usually has every cell.  Files that are missing or not JSON are
# skipped.  Prints the lines of CELLS in that order.
use strict;
use warnings;
use JSON::PP;

my %fsw = (btrfs => 4, xfs => 3, ext4 => 2, tmpfs => 1);
my @c = map { chomp; [ $_, split /\t/ ] } <STDIN>;
my %want = map { ("$_->[1]\t$_->[3]\t$_->[4]" => 1) } @c;
my $left = keys %want;
my (%prev, %seen);
for my $m (sort { -M $a <=> -M $b } grep { -f && !$seen{$_}++ } @ARGV) {
	open(my $fh, '<', $m) or next;
	my $j = eval { local $/; decode_json(<$fh>) } or next;
	for (grep { ($_->{seconds} // '') =~ /^[0-9.]+$/ } @{ ref $j eq 'HASH' && ref $j->{cells} eq 'ARRAY' ? $j->{cells} : [] }) {
		next unless ref $_ eq 'HASH';
		my $k = join("\t", map { $_ // '' } @$_{qw(kernel fs scenario)});
		next if exists $prev{$k};
		$prev{$k} = $_->{seconds};
		$left-- if $want{$k};
	}
	last if $left <= 0;
}
my $est = sub { $prev{"$_[0][1]\t$_[0][3]\t$_[0][4]"} // 1000 + ($fsw{ $_[0][3] // '' } // 0) };
my $i = 0;
$_->[5] = $i++ for @c;
print "$_->[0]\n" for sort { $est->($b) <=> $est->($a) || $a->[5] <=> $b->[5] } @c;
