#!/usr/bin/perl
# The full default matrix (make check-slow): 4 kernels x ext4, xfs, btrfs,
# tmpfs x 4 scenarios, each cell its own VM.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprMatrix qw(run_matrix);

my $top = "$FindBin::Bin/../..";
my @k = qw(bullseye bookworm trixie sid);
my ($rc, $out, $c, $dir) = run_matrix($top);
is($rc, 0, 'default matrix finished') or diag($out);
is(scalar keys %$c, 64, '64 cells');
my $r = sub { ($c->{"debian:$_[0] $_[1] $_[2]"} || {})->{result} // 'missing' };
is($r->('bullseye', 'ext4', 'unlocked-dirty'), 'REPRODUCED:ext4_set_page_dirty', '5.10 warns in ext4_set_page_dirty');
is($r->($_, 'ext4', 'unlocked-dirty'), 'REPRODUCED:ext4_dirty_folio', "$_ warns in ext4_dirty_folio") for qw(bookworm trixie sid);
is($r->($_, 'ext4', 'longterm'), 'MITIGATED:EFAULT', "$_ ext4 longterm: MITIGATED:EFAULT") for qw(trixie sid);
unlike($r->('bookworm', 'ext4', 'longterm'), qr/^MITIGATED/, '6.1 ext4 longterm: pinned, not mitigated');
like($r->($_, 'ext4', 'iouring-fixed-buffer'), qr/^MITIGATED:(EOPNOTSUPP|EFAULT)$/, "$_ ext4 io_uring fixed buffer refused") for @k;
for my $k (@k) {
	for my $s (qw(unlocked-dirty control longterm iouring-fixed-buffer)) {
		unlike($r->($k, 'tmpfs', $s), qr/^REPRODUCED/, "$k tmpfs $s: never REPRODUCED");
	}
	unlike($r->($k, 'tmpfs', 'longterm'), qr/^MITIGATED|^ERROR/, "$k tmpfs longterm: the pin succeeds");
	is($r->($k, $_, 'control'), 'CLEAN', "$k $_ control: CLEAN") for qw(ext4 xfs btrfs tmpfs);
}
unlike(join(' ', map { $_->{result} } values %$c), qr/ERROR/, 'no cell is ERROR');
done_testing();
