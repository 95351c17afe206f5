#!/usr/bin/perl
# The full matrix of the module-free scenarios: four kernels x ext4, xfs,
# btrfs, tmpfs x pvw-uffd, odirect-delayed, iouring-read-delayed,
# longterm-private, iouring-fixed-buffer-private, 80 cells, each as the one
# table of expected outcomes predicts (gup-repro --expect RELEASE FS:
# gupr_expect_trigger() for the triggers, gupr_expect() for the private
# scenarios; measured in README "Module-free triggers"):
#  - the three triggers: VIOLATION on ext4, xfs and btrfs on every kernel
#    (the kernel dirties under the folio lock: no ext4 warning), except
#    6.12 btrfs, whose writeback refuses the folio ("marked dirty without
#    notifying the fs", btrfs_writepage_cow_fixup) when the trigger's own
#    integrity check syncs it: pvw-uffd's copy is lost (DATA LOSS), and
#    the O_DIRECT/io_uring reads are REPRODUCED (their device data reached
#    the page before msync, so the disk already holds it); CLEAN on tmpfs,
#    where shmem is never cleaned;
#  - longterm-private: CLEAN everywhere (the pin holds the anonymous COW
#    copy);
#  - iouring-fixed-buffer-private: MITIGATED:EOPNOTSUPP on 5.10/6.1 for the
#    dirty-tracked filesystems (io_uring's own file check), CLEAN on tmpfs
#    and on 6.12/7.2.
# Besides: the report names the dirtying path of each trigger cell on a
# dirty-tracked filesystem; on tmpfs the trigger's sequence completed and
# the ordering is OK.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);
use GuprMatrix qw(run_matrix check_expected facts);

my $top = "$FindBin::Bin/../..";
my @trig = qw(pvw-uffd odirect-delayed iouring-read-delayed);
my @priv = qw(longterm-private iouring-fixed-buffer-private);
my ($rc, $out, $c, $dir) = run_matrix($top, '--scenarios', join(',', @trig, @priv));
is($rc, 0, 'matrix finished') or diag($out);
is(scalar keys %$c, 80, '80 cells');
my %path = ('pvw-uffd' => qr/process_vm_rw_core/, 'odirect-delayed' => qr/__blkdev_direct_IO_simple/,
	    'iouring-read-delayed' => qr/bio_dirty_fn/);
my @suites = split ' ', facts($top)->{GUPR_SUITES};
is(scalar @suites, 4, 'facts.sh names the four suites');
my @fs = split ' ', facts($top)->{GUPR_FILESYSTEMS};
is(join(',', sort keys %$c), join(',', sort map { my $k = $_; map { my $fs = $_; map { "debian:$k $fs $_" } @trig, @priv } @fs } @suites),
   'a cell for each suite, filesystem and scenario');
is(check_expected($top, $c), 80, 'every cell as the table of expected outcomes predicts');
for my $k (@suites) {
	for my $fs (qw(ext4 xfs btrfs)) {
		like(slurp("$dir/$k/$fs/$_/report.txt"), $path{$_}, "$k $fs $_: the report shows the dirtying path") for @trig;
	}
	for my $t (@trig) {
		like(slurp("$dir/$k/tmpfs/$t/exec.stdout"), qr/^\Q$t\E: status=complete/m, "$k tmpfs $t: the sequence completed");
		like(slurp("$dir/$k/tmpfs/$t/ordering.txt"), qr/^ordering: OK/m, "$k tmpfs $t: ordering OK");
	}
}
done_testing();
