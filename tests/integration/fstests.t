#!/usr/bin/perl
# ./run.sh fstests in real guests (Debian 6.1, ext4; docs/fstests.md): the
# odirect-delayed trigger exported into a clone of the fstests snapshot
# (./run.sh fstests-export), built and run by fstests' own ./check on the
# Debian userland with a TEST_DEV and a SCRATCH_DEV:
#  - generic/NNN FAILS, exit 1: the test is named with ext4's
#    ext4_dirty_folio warning that fstests' _check_dmesg caught (the cell
#    REPRODUCED:ext4_dirty_folio), its .dmesg, check.log and the
#    local.config come back, and the run was traced on the victim file;
#  - the same test with PIN_WRITEBACK_SAFE=1 (its safe mode) PASSES, exit 0,
#    no warning; the second run reuses the build of the checkout;
#  - the clone was only read: git sees no change in it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp run_sh fstests_clone);

my $top = "$FindBin::Bin/../..";

my $fst = fstests_clone($top);
my $out = `$top/run.sh fstests-export --trigger odirect-delayed --to $fst 2>&1`;
is($? >> 8, 0, 'odirect-delayed exported') or diag($out);
my ($t) = $out =~ m{ as (generic/\d+) } or BAIL_OUT("no test number in: $out");
my @run = ('fstests', '--fstests', "$fst", '--kernel', 'debian:bookworm', '--fs', 'ext4');

# the race: ext4 warns, fstests' dmesg check fails the test
my ($o, $rc, $dir) = run_sh($top, @run, $t);
is($rc, 1, "$t on 6.1 ext4: exit 1") or diag($o);
my $v = slurp("$dir/verdict.txt");
like($v, qr/^verdict: FAILED$/m, '... FAILED');
like($v, qr/^test: \Q$t\E failed: the kernel warned \(WARNING: .*ext4_dirty_folio/m, "... the test named with ext4's warning");
like($v, qr/^site: ext4_dirty_folio /m, '... its site');
like($v, qr/^cell: REPRODUCED:ext4_dirty_folio$/m, '... the cell of a known symptom');
like($o, qr/ext4_dirty_folio/, '... said on the terminal');
like(slurp("$dir/fstests/$t.dmesg"), qr/WARNING: .* ext4_dirty_folio/, "fstests' $t.dmesg came back with it");
like(slurp("$dir/fstests/check.log"), qr/^Failures: \Q$t\E$/m, "fstests' check.log came back");
like(slurp("$dir/local.config"), qr/^export FSTYP=ext4$/m, 'local.config is in the run directory');
like(slurp("$dir/events.jsonl"), qr/^\{"event":"start",/m, 'pintrace traced the run');
like(slurp("$dir/ordering.txt"), qr/^ordering: /m, '... and the ordering checker read it');
my ($secs) = slurp("$dir/run.txt") =~ /^seconds: ([\d.]+)$/m;
diag("$t: $secs s") if $secs;

# its safe mode: the read completes before msync
($o, $rc, $dir) = run_sh($top, @run, '--env', 'PIN_WRITEBACK_SAFE=1', $t);
is($rc, 0, "$t with PIN_WRITEBACK_SAFE=1: exit 0") or diag($o);
$v = slurp("$dir/verdict.txt");
like($v, qr/^verdict: PASSED$/m, '... PASSED');
like($v, qr/^test: \Q$t\E passed$/m, '... the test passed');
unlike($v, qr/^warning:/m, '... no kernel warning');
like(slurp("$dir/fstests/$t.full"), qr/\(safe\)/, '... the helper ran its safe mode');
unlike($o, qr/==> fstests: building/, '... on the build of the first run');
($secs) = slurp("$dir/run.txt") =~ /^seconds: ([\d.]+)$/m;
diag("$t safe: $secs s") if $secs;

is(`git -C $fst status --porcelain`, '', 'the checkout was only read');
done_testing();
