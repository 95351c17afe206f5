#!/usr/bin/perl
# The full default matrix (make check-slow): 4 kernels x ext4, xfs, btrfs,
# tmpfs x 4 scenarios, each cell its own VM.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprMatrix qw(run_matrix check_expected);

my $top = "$FindBin::Bin/../..";
my ($rc, $out, $c, $dir) = run_matrix($top);
is($rc, 0, 'default matrix finished') or diag($out);
is(scalar keys %$c, 64, '64 cells');
# every cell as the driver's rule beside the scenario table predicts
# (gupr_expect(), gup-repro --expect RELEASE FS)
is(check_expected($top, $c), 64, 'every cell has a prediction');
unlike(join(' ', map { $_->{result} } values %$c), qr/ERROR/, 'no cell is ERROR');
done_testing();
