#!/usr/bin/perl
# The full matrix of the module-free scenarios: four kernels x ext4, xfs,
# btrfs, tmpfs x pvw-uffd, odirect-delayed, iouring-read-delayed,
# longterm-private, iouring-fixed-buffer-private, each cell as measured
# (docs/triggers.md, "Measured: the full matrix": 80 cells, 0 errors):
#  - the three triggers: VIOLATION on ext4, xfs and btrfs on every kernel
#    (the kernel dirties under the folio lock: no ext4 warning), except
#    6.12 btrfs, whose writeback refuses the folio ("marked dirty without
#    notifying the fs", btrfs_writepage_cow_fixup) when the trigger's own
#    integrity check syncs it: pvw-uffd's copy is lost (DATA LOSS), and
#    the O_DIRECT/io_uring reads are REPRODUCED (their device data reached
#    the page before msync, so the disk already holds it); the report names
#    the dirtying path; CLEAN on tmpfs, where shmem is never cleaned, with
#    the trigger's sequence complete and the ordering OK;
#  - longterm-private: CLEAN everywhere (the pin holds the anonymous COW
#    copy);
#  - iouring-fixed-buffer-private: MITIGATED:EOPNOTSUPP on 5.10/6.1 for the
#    dirty-tracked filesystems (io_uring's own file check), CLEAN on tmpfs
#    and on 6.12/7.2.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprMatrix qw(run_matrix facts);

my $top = "$FindBin::Bin/../..";
my @trig = qw(pvw-uffd odirect-delayed iouring-read-delayed);
my @priv = qw(longterm-private iouring-fixed-buffer-private);
my ($rc, $out, $c, $dir) = run_matrix($top, '--scenarios', join(',', @trig, @priv));
is($rc, 0, 'matrix finished') or diag($out);
is(scalar keys %$c, 80, '80 cells');
my $r = sub { ($c->{"debian:$_[0] $_[1] $_[2]"} || {})->{result} // 'missing' };
sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; my $s = <$fh>; return $s; }
# the expected cell of a trigger on a dirty-tracked filesystem
# (docs/triggers.md, measured 2026-11-23)
sub expect_trigger {
	my ($k, $fs, $t) = @_;
	return 'VIOLATION' unless $k eq 'trixie' && $fs eq 'btrfs';
	return $t eq 'pvw-uffd' ? 'LOSS' : 'REPRODUCED:btrfs_writepage_cow_fixup';
}
my %path = ('pvw-uffd' => qr/process_vm_rw_core/, 'odirect-delayed' => qr/__blkdev_direct_IO_simple/,
	    'iouring-read-delayed' => qr/bio_dirty_fn/);
my @suites = split ' ', facts($top)->{GUPR_SUITES};
is(scalar @suites, 4, 'facts.sh names the four suites');
for my $k (@suites) {
	my $old = $k =~ /^(bullseye|bookworm)$/;
	for my $fs (qw(ext4 xfs btrfs)) {
		for my $t (@trig) {
			my $want = expect_trigger($k, $fs, $t);
			is($r->($k, $fs, $t), $want, "$k $fs $t: $want");
			like(slurp("$dir/$k/$fs/$t/report.txt"), $path{$t}, "$k $fs $t: the report shows the dirtying path");
		}
		is($r->($k, $fs, 'longterm-private'), 'CLEAN', "$k $fs longterm-private: CLEAN");
		is($r->($k, $fs, 'iouring-fixed-buffer-private'), $old ? 'MITIGATED:EOPNOTSUPP' : 'CLEAN',
		   "$k $fs iouring-fixed-buffer-private");
	}
	for my $t (@trig) {
		is($r->($k, 'tmpfs', $t), 'CLEAN', "$k tmpfs $t: CLEAN, shmem is never cleaned");
		like(slurp("$dir/$k/tmpfs/$t/exec.stdout"), qr/^\Q$t\E: status=complete/m, "$k tmpfs $t: the sequence completed");
		like(slurp("$dir/$k/tmpfs/$t/ordering.txt"), qr/^ordering: OK/m, "$k tmpfs $t: ordering OK");
	}
	is($r->($k, 'tmpfs', $_), 'CLEAN', "$k tmpfs $_: CLEAN") for @priv;
}
done_testing();
