#!/usr/bin/perl
# The helpers ./run.sh fstests-export writes into an fstests checkout do
# what their tests claim, in gup-repro's busybox guest (Debian 6.1, ext4;
# no dm-delay there: --dev points the very same file at the guest's
# null_blk, --slow-dev 1000): built static from the exported src/*.c,
# run with --exec and --fault reclaim as the test runs them,
#  - pin-writeback-dio and pin-writeback-uring: REPRODUCED with ext4's
#    ext4_dirty_folio warning (FOLL_GET: reclaim freed the buffer heads of
#    the held page), and the --expect file written;
#  - pin-writeback-dio --safe (PIN_WRITEBACK_SAFE=1): NOT REPRODUCED, no
#    warning: the safe mode passes.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp run_sh fstests_clone);

my $top = "$FindBin::Bin/../..";

my $fst = fstests_clone($top);
my $d = tempdir(CLEANUP => 1);
for my $t (qw(odirect-delayed iouring-read-delayed)) {
	my $out = `$top/run.sh fstests-export --trigger $t --to $fst 2>&1`;
	is($? >> 8, 0, "$t exported") or diag($out);
}
my @exec = ('--slow-dev', '1000', '--exec-arg', '--file', '--exec-arg', '/mnt/scratch/victim',
	    '--exec-arg', '--dev', '--exec-arg', '/dev/nullb0', '--exec-arg', '--fault', '--exec-arg', 'reclaim');
for my $h (qw(pin-writeback-dio pin-writeback-uring)) {
	system("cc -static -O2 -Wall -D_GNU_SOURCE -o $d/$h $fst/src/$h.c -lpthread -luring") == 0
		or BAIL_OUT("cannot build $h static");
	my ($o, $r, $dir) = run_sh($top, '--exec', "$d/$h", @exec,
		'--exec-arg', '--expect', '--exec-arg', '/mnt/scratch/expected');
	is($r, 1, "$h: exit 1") or diag($o);
	like(slurp("$dir/verdict.txt"), qr/^verdict: REPRODUCED$/m, "$h: REPRODUCED");
	like(slurp("$dir/verdict.txt"), qr/^warning: WARNING: .* ext4_dirty_folio/m, "$h: ext4's warning");
	like(slurp("$dir/exec.stdout"), qr/^\[\s*\d+\] msync .*read still in flight/m, "$h: cleaned while the read held the page");
	like(slurp("$dir/exec.stdout"), qr/^\[\s*\d+\] expect\s+ok ret=4096/m, "$h: wrote the --expect file");
	like(slurp("$dir/exec.stdout"), qr/^\Q$h\E: status=complete/m, "$h: completed its sequence");
}
my ($o, $r, $dir) = run_sh($top, '--exec', "$d/pin-writeback-dio", @exec, '--exec-arg', '--safe');
is($r, 0, 'pin-writeback-dio --safe: exit 0') or diag($o);
like(slurp("$dir/verdict.txt"), qr/^verdict: NOT REPRODUCED$/m, 'pin-writeback-dio --safe: NOT REPRODUCED');
unlike(slurp("$dir/verdict.txt"), qr/^warning:/m, 'pin-writeback-dio --safe: no warning');
like(slurp("$dir/exec.stdout"), qr/^\[\s*\d+\] msync .*the read completed before \(safe\)/m,
     'pin-writeback-dio --safe: msync after the read completed');

done_testing();
