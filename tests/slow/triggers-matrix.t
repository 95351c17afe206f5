#!/usr/bin/perl
# The full matrix of the module-free scenarios: four kernels x ext4, xfs,
# btrfs, tmpfs x pvw-uffd, odirect-delayed, iouring-read-delayed,
# longterm-private, iouring-fixed-buffer-private.  The ext4 rows are the
# ones measured (README "Module-free triggers"); on the other filesystems
# every cell must give a verdict (no ERROR) and shmem, which writeback never
# cleans, must not show an ordering violation.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprMatrix qw(run_matrix);

my $top = "$FindBin::Bin/../..";
my @trig = qw(pvw-uffd odirect-delayed iouring-read-delayed);
my @priv = qw(longterm-private iouring-fixed-buffer-private);
my ($rc, $out, $c, $dir) = run_matrix($top, '--scenarios', join(',', @trig, @priv));
is($rc, 0, 'matrix finished') or diag($out);
is(scalar keys %$c, 80, '80 cells');
my $r = sub { ($c->{"debian:$_[0] $_[1] $_[2]"} || {})->{result} // 'missing' };
for my $k (qw(bullseye bookworm trixie sid)) {
	is($r->($k, 'ext4', $_), 'VIOLATION', "$k ext4 $_: VIOLATION") for @trig;
	is($r->($k, 'ext4', 'longterm-private'), 'CLEAN', "$k ext4 longterm-private: CLEAN");
	is($r->($k, 'ext4', 'iouring-fixed-buffer-private'),
	   $k =~ /^(bullseye|bookworm)$/ ? 'MITIGATED:EOPNOTSUPP' : 'CLEAN',
	   "$k ext4 iouring-fixed-buffer-private");
	for my $fs (qw(xfs btrfs tmpfs)) {
		unlike($r->($k, $fs, $_), qr/^(ERROR|missing)/, "$k $fs $_: a verdict") for @trig, @priv;
	}
	unlike($r->($k, 'tmpfs', $_), qr/^(VIOLATION|REPRODUCED)/, "$k tmpfs $_: shmem is never cleaned") for @trig;
}
done_testing();
