#!/usr/bin/perl
# The full matrix of the module-free scenarios: four kernels x ext4, xfs,
# btrfs, tmpfs x pvw-uffd, odirect-delayed, iouring-read-delayed,
# longterm-private, iouring-fixed-buffer-private.  Every cell is checked
# against gupr_expect() (gup-repro --expect: the triggers are described by
# the driver's steps in gupr_triggers[]), never against figures in prose:
#  - the three triggers: VIOLATION on ext4 and xfs (the kernel dirties
#    under the folio lock: no ext4 warning), VIOLATION, LOSS or btrfs's
#    cow fixup on btrfs (6.12 btrfs refuses the folio at writeback, as
#    measured in docs/triggers.md), and the report names the dirtying
#    path; CLEAN on tmpfs, where shmem is never cleaned, with the
#    trigger's sequence complete and the ordering OK;
#  - longterm-private: CLEAN (the pin holds the anonymous COW copy);
#  - iouring-fixed-buffer-private: MITIGATED:EOPNOTSUPP before v6.5 on the
#    dirty-tracked filesystems (io_uring's own file check), else CLEAN.
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
is(check_expected($top, $c), 80, 'every cell has a prediction (gupr_expect) and matches it');
my %path = ('pvw-uffd' => qr/process_vm_rw_core/, 'odirect-delayed' => qr/__blkdev_direct_IO_simple/,
	    'iouring-read-delayed' => qr/bio_dirty_fn/);
my @suites = split ' ', facts($top)->{GUPR_SUITES};
is(scalar @suites, 4, 'facts.sh names the four suites');
for my $k (@suites) {
	for my $t (@trig) {
		like(slurp("$dir/$k/$_/$t/report.txt"), $path{$t}, "$k $_ $t: the report shows the dirtying path")
			for qw(ext4 xfs btrfs);
		like(slurp("$dir/$k/tmpfs/$t/exec.stdout"), qr/^\Q$t\E: status=complete/m, "$k tmpfs $t: the sequence completed");
		like(slurp("$dir/$k/tmpfs/$t/ordering.txt"), qr/^ordering: OK/m, "$k tmpfs $t: ordering OK");
	}
}
done_testing();
