#!/usr/bin/perl
# Fault injection and the data-integrity oracle on the 6.1 (bookworm) and
# 6.12 (trixie) ext4 cells, each scenario in its own VM (the four kernels x
# ext4/xfs/btrfs rows: docs/scenarios.md, "Measured: the fault scenarios");
# each cell's result as the one table of expected outcomes predicts
# (gup-repro --expect RELEASE FS, gupr_expect()):
#  - stripped-buffers (FOLL_GET): reclaim strips the buffer heads, the write
#    through the reference never reaches the disk: DATA LOSS;
#  - pinned-reclaim (FOLL_PIN): the 2023 reclaim fix keeps the buffers:
#    the ext4 warning, no loss;
#  - lost-write: a write through the pin that nothing dirties: DATA LOSS;
#  - truncate-under-pin / punch-hole-under-pin: the module stays safe, the
#    writes to pages no longer in the file are not expected: CLEAN;
#  - control with the integrity check on: CLEAN, every page as expected,
#    e2fsck clean.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);
use GuprMatrix qw(run_matrix check_expected);

my $top = "$FindBin::Bin/../..";

my @scen = qw(stripped-buffers pinned-reclaim lost-write truncate-under-pin punch-hole-under-pin control);
my ($rc, $out, $c, $dir) = run_matrix($top, '--kernels', 'debian:bookworm,debian:trixie', '--fs', 'ext4',
				       '--scenarios', join(',', @scen), '-j', '1');
is($rc, 0, 'matrix finished') or diag($out);
is(scalar keys %$c, 12, 'twelve cells');
is(join(',', sort keys %$c), join(',', sort map { my $k = $_; map { "debian:$k ext4 $_" } @scen } qw(bookworm trixie)),
   'a cell for each kernel and scenario');
is(check_expected($top, $c), 12, 'every cell as the table of expected outcomes predicts');
my $cell = sub { $c->{"debian:$_[0] ext4 $_[1]"} || {} };
my $v = sub { my $d = $cell->(@_)->{dir}; $d ? slurp("$dir/$d/verdict.txt") : '' };
my $steps = sub { my $d = $cell->(@_)->{dir}; $d ? slurp("$dir/$d/steps.jsonl") : '' };

for my $k (qw(bookworm trixie)) {
	like($v->($k, 'stripped-buffers'),
	     qr/^reason: page 0 of the victim: expected 'K' \(0x4b\) written through the pin \(kernel\), found 'U' \(0x55\) on disk at file offset 0 /m,
	     "$k stripped-buffers: the pin's bytes are not on disk, the user's are");
	like($steps->($k, 'stripped-buffers'), qr/"step":"reclaim","result":"ok".*"flags":\["uptodate","file"\]/,
	     "$k stripped-buffers: reclaim left the folio without buffer heads");
	like($steps->($k, 'pinned-reclaim'), qr/"step":"reclaim","result":"ok".*"flags":\[[^]]*"buffers"[^]]*"maybe-dma-pinned"/,
	     "$k pinned-reclaim: the FOLL_PIN folio kept its buffer heads");
	like($v->($k, 'pinned-reclaim'), qr/^integrity: 1 of 1 pages as expected, 0 lost/m, "$k pinned-reclaim: integrity ok");
	like($v->($k, 'truncate-under-pin'), qr/^integrity: 0 of 1 pages as expected, 0 lost, 1 not expected on disk/m,
	     "$k truncate-under-pin: the page past EOF is not compared, its write is excused");
	like($v->($k, 'punch-hole-under-pin'), qr/^integrity: 1 of 1 pages as expected, 0 lost, 1 not expected on disk/m,
	     "$k punch-hole-under-pin: the hole reads as zeros, the pin's write is excused");
	like($v->($k, 'control'), qr/^integrity: 1 of 1 pages as expected, 0 lost/m, "$k control: integrity ok");
	like($v->($k, $_), qr/^fsck: e2fsck: clean \(exit 0\)$/m, "$k $_: e2fsck clean") for @scen;
	unlike(slurp("$dir/" . ($cell->($k, $_)->{dir} // '') . "/console.log"), qr/BUG: KASAN|general protection fault|Oops:/,
	       "$k $_: the module did not crash the guest") for qw(truncate-under-pin punch-hole-under-pin);
}
like(slurp("$dir/matrix.txt"), qr/^\d+ data loss, 0 fs corruption$/m, 'matrix.txt counts the losses');
like(slurp("$dir/matrix.txt"), qr/^6\.1\.0-\S+\s+ext4\s+LOSS\s/m, 'matrix.txt shows LOSS cells');

# Bad order: refused before boot, exit 128, naming the step.
$out = `cd $top && ./run.sh --steps open-file,reclaim,mmap-shared 2>&1`;
is($? >> 8, 128, 'reclaim before mmap-shared: exit 128');
like($out, qr/step 2 'reclaim' cannot run there: no mapping/, '... naming the step');
$out = `cd $top && ./run.sh --steps truncate,open-file 2>&1`;
is($? >> 8, 128, 'truncate with no open file: exit 128');
like($out, qr/step 1 'truncate' cannot run there: no open file/, '... naming the step');
done_testing();
