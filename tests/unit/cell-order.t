#!/usr/bin/perl
# The order in which ./run.sh matrix starts its cells
# (vm-images/lib/cell-order.pl): longest first by the newest earlier
# matrix.json that has the cell, unmeasured cells first by filesystem,
# input order between equals; bad files skipped.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(spew);
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use JSON::PP;

my $top = "$FindBin::Bin/../..";
my $d = tempdir(CLEANUP => 1);

# matrix(NAME, AGE-SECONDS, [KERNEL, FS, SCENARIO, SECONDS]...) -> its matrix.json, AGE seconds old
sub matrix {
	my ($name, $age, @cells) = @_;
	make_path("$d/$name");
	my $f = "$d/$name/matrix.json";
	spew($f, encode_json({ cells => [ map { { kernel => $_->[0], fs => $_->[1], scenario => $_->[2],
						      seconds => $_->[3], result => 'CLEAN' } } @cells ] }));
	my $t = time - $age;
	utime($t, $t, $f) or die "$f: $!";
	return $f;
}

# order(FILES..., CELLS) -> the cells' "KERNEL FS SCENARIO" in the order printed
sub order {
	my ($files, @cells) = @_;
	my $in = "$d/cells.in";
	spew($in, join('', map { join("\t", $_->[0], 'label', $_->[1], $_->[2]) . "\n" } @cells));
	my @out = `perl $top/vm-images/lib/cell-order.pl @$files <$in`;
	is($?, 0, 'cell-order.pl: exit 0');
	return join(' | ', map { chomp; my @f = split /\t/; "$f[0] $f[2] $f[3]" } @out);
}

my @cells = (['k1', 'ext4', 'a'], ['k1', 'ext4', 'b'], ['k1', 'tmpfs', 'a'], ['k1', 'xfs', 'a']);
my $old = matrix('old', 3000, ['k1', 'ext4', 'a', 9.0], ['k1', 'ext4', 'b', 1.0], ['k1', 'tmpfs', 'a', 7.5], ['k1', 'xfs', 'a', 2.0]);
my $new = matrix('new', 100, ['k1', 'ext4', 'a', 1.5], ['k1', 'ext4', 'b', 4.0], ['k1', 'tmpfs', 'a', 'n/a']);
my $bad = "$d/bad.json";
spew($bad, "{ not json");

is(order([$old], @cells), 'k1 ext4 a | k1 tmpfs a | k1 xfs a | k1 ext4 b',
   'one earlier matrix: longest first by its seconds');
is(order([$old, $new], @cells), 'k1 tmpfs a | k1 ext4 b | k1 xfs a | k1 ext4 a',
   'the newest matrix that has a cell gives its seconds; a cell without seconds there takes an older one\'s');
is(order([$new, $old, $bad, "$d/missing.json"], @cells), 'k1 tmpfs a | k1 ext4 b | k1 xfs a | k1 ext4 a',
   'the files\' order does not matter (their mtimes do); bad and missing files are skipped');
is(order([$new], @cells), 'k1 xfs a | k1 tmpfs a | k1 ext4 b | k1 ext4 a',
   'cells never measured first (counted as 1000 s), xfs before tmpfs');
is(order([], ['k1', 'tmpfs', 'x'], ['k1', 'btrfs', 'x'], ['k1', 'ext4', 'x'], ['k1', 'btrfs', 'y'], ['k1', 'xfs', 'x']),
   'k1 btrfs x | k1 btrfs y | k1 xfs x | k1 ext4 x | k1 tmpfs x',
   'nothing measured: btrfs, xfs, ext4, tmpfs; equals keep the input order');
is(order([$old], ['k2', 'ext4', 'a'], ['k1', 'ext4', 'b']), 'k2 ext4 a | k1 ext4 b',
   'another kernel\'s cell is not this one\'s');

done_testing();
