#!/usr/bin/perl
# The one decider (gup-repro-verdict --dir): recorded run directories of
# real guests (tests/fixtures/runs/*: console.log, steps.jsonl, guest.log,
# ordering.txt, fsck.txt, run.txt, and the verdict.txt the run wrote as
# expected-verdict.txt), then the runs that never got a verdict (--error,
# --interrupted), the precedence of the oracles and --repeat-dir.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use File::Temp qw(tempdir);
use File::Copy qw(copy);

my $top = "$FindBin::Bin/../..";
my $bin = "$top/build/host/gup-repro-verdict";
my $fx = "$top/tests/fixtures/runs";
-x $bin or BAIL_OUT("$bin missing: run 'make host'");

# a copy of a recorded run directory (without its verdict)
sub rundir {
	my ($name) = @_;
	my $d = tempdir(CLEANUP => 1);
	fail("fixture $name is recorded") unless -d "$fx/$name";
	for my $f (glob("$fx/$name/*")) {
		next if $f =~ /expected-verdict\.txt$/;
		copy($f, $d) or die "$f: $!";
	}
	return $d;
}

sub decide {
	my ($d, @args) = @_;
	my $out = `$bin --dir $d @args 2>&1`;
	return ($out, $? >> 8);
}

my %kl = map { $_ => "--kernel-label 'linux-image-6.1.0-56-cloud-amd64 6.1.192-2 (bookworm)'" } qw(6.1);
$kl{'6.12'} = "--kernel-label 'linux-image-6.12.117+deb13-cloud-amd64 6.12.117-1 (trixie)'";
$kl{'7.2'} = "--kernel-label 'linux-image-7.2.13+deb14-cloud-amd64 7.2.13-1 (sid)'";
my $kl = $kl{'6.1'};

# 1. recorded runs: the decider writes what the run wrote
for my $c (['6.1-ext4-stripped-buffers-loss', 1, 'DATA LOSS', 'LOSS',
	    [qr/^reason: page 0 of the victim: expected 'K' \(0x4b\) written through the pin \(kernel\), found 'U' \(0x55\) on disk at file offset 0 /m,
	     qr/^integrity: 0 of 1 pages as expected, 1 lost/m,
	     qr/^note: the kernel also warned \(REPRODUCED:ext4_dirty_folio\)$/m,
	     qr/^fsck: e2fsck: clean \(exit 0\)$/m]],
	   ['6.1-ext4-pinned-reclaim-reproduced', 1, 'REPRODUCED', 'REPRODUCED:ext4_dirty_folio',
	    [qr/^integrity: 1 of 1 pages as expected, 0 lost/m]],
	   ['6.1-ext4-control-clean', 0, 'NOT REPRODUCED', 'CLEAN',
	    [qr/^integrity: 1 of 1 pages as expected, 0 lost/m, qr/^fsck: e2fsck: clean/m]],
	   ['6.12-btrfs-stripped-buffers-loss-euclean', 1, 'DATA LOSS', 'LOSS',
	    [qr/^warning: BTRFS error \(device vda\): root 5 ino \d+ folio 0 is marked dirty without notifying the fs$/m,
	     qr/^note: the filesystem reported a writeback error to the application: fsync EUCLEAN$/m,
	     qr/^note: the kernel also warned \(REPRODUCED:btrfs_writepage_cow_fixup\)$/m,
	     qr/^fsck: btrfs: clean \(exit 0\)$/m]],
	   ['7.2-btrfs-stripped-buffers-loss-remount', 1, 'DATA LOSS', 'LOSS',
	    [qr/^reason: .* found 'U' \(0x55\) on disk at file offset 0 \(read back after unmounting and mounting the filesystem, as the O_DIRECT read failed with EUCLEAN\)$/m,
	     qr/^integrity: 0 of 1 pages as expected, 1 lost, 0 not expected on disk \(remount after O_DIRECT EUCLEAN, \d+ ms\)/m,
	     qr/^note: the kernel also warned \(REPRODUCED:btrfs_writepage_cow_fixup\)$/m]],
	   ['6.1-ext4-corrupt-image', 1, 'FS CORRUPTION', 'CORRUPT:e2fsck',
	    [qr/^reason: e2fsck found damage on the scratch image after the guest unmounted it \(e2fsck -fn scratch\.img, exit 4\)$/m,
	     qr/^fsck-says: /m]]) {
	my ($name, $rc, $v, $cell, $res) = @$c;
	ok(-d "$fx/$name", "$name: the fixture is recorded") or next;
	my $d = rundir($name);
	my ($ver) = $name =~ /^(\d+\.\d+)-/;
	my ($out, $got) = decide($d, $kl{$ver});
	is($got, $rc, "$name: exit $rc");
	like($out, qr/^verdict: \Q$v\E$/m, "$name: $v");
	like($out, qr/^cell: \Q$cell\E$/m, "$name: cell $cell");
	like($out, $_, "$name: $_") for @$res;
	is(slurp("$d/verdict.txt"), $out, "$name: verdict.txt is what it printed");
	is($out, slurp("$fx/$name/expected-verdict.txt"), "$name: as the run recorded it");
	ok(!-e "$d/.verdict.txt.tmp", "$name: no temporary file left");
	($out) = decide($d);
	unlike($out, qr/^kernel:/m, "$name: no kernel line without --kernel-label");
}

# 2. the driver's status is the status record, not the console
my $d = rundir('6.1-ext4-control-clean');
my $st = slurp("$d/steps.jsonl");
$st =~ s/^\{"event":"status".*\n//m;
spew("$d/steps.jsonl", $st . '{"event":"status","scenario":"control","status":"failed","step":"pin","errname":"EFAULT"}' . "\n");
my ($out, $rc) = decide($d);
is($rc, 125, 'status record says failed: COULD NOT TEST although the console says complete');
like($out, qr/^reason: scenario control failed at step pin \(EFAULT\)$/m, '... naming the step');
spew("$d/steps.jsonl", $st);
($out, $rc) = decide($d);
is($rc, 125, 'no status record: COULD NOT TEST');
like($out, qr/^reason: the scenario did not finish \(no status record/m, '... saying so');
spew("$d/steps.jsonl", $st . '{"event":"status","scenario":"longterm","status":"refused","step":"pin-longterm","errname":"EFAULT"}' . "\n");
($out, $rc) = decide($d);
is($rc, 0, 'refused: MITIGATED, exit 0');
like($out, qr/^cell: MITIGATED:EFAULT$/m, '... cell MITIGATED:EFAULT');

# steps.jsonl is read as JSON (jansson): a record written with blanks and
# escapes counts, a line that is not one whole object is skipped whole
spew("$d/steps.jsonl", $st . '{"event": "status", "scenario": "con\u0074rol", "status": "failed", "step": "pin", "errname": "EFAULT"}' . "\n");
($out, $rc) = decide($d);
like($out, qr/^reason: scenario control failed at step pin \(EFAULT\)$/m, 'a status record with blanks and escapes is read');
spew("$d/steps.jsonl", $st . '{"event":"status","scenario":"control","status":"failed","step":"pin"' . "\n");
($out, $rc) = decide($d);
like($out, qr/^reason: the scenario did not finish \(no status record/m, 'a cut status record is not one');

# a trigger's status comes from guest.log
$d = rundir('6.1-ext4-control-clean');
spew("$d/steps.jsonl", '');
spew("$d/guest.log", slurp("$d/guest.log") . "gupr-meta: scenario=pvw-uffd status=failed step=window errno=no-window\n");
($out, $rc) = decide($d);
is($rc, 125, 'trigger status from guest.log');
like($out, qr/^reason: scenario pvw-uffd failed at step window \(no-window\)$/m, '... window missed');

# 3. fsck damage counts only after a clean unmount in the guest
$d = rundir('6.1-ext4-control-clean');
spew("$d/fsck.txt", "fsck-tool: e2fsck\nfsck-command: e2fsck -fn scratch.img\nfsck-exit: 4\noutput:\ne2fsck 1.47.0 (5-Feb-2023)\nPass 1: Checking inodes, blocks, and sizes\nInode 12 has illegal block(s).  Clear? no\n");
($out, $rc) = decide($d);
is($rc, 1, 'fsck exit 4 after a clean unmount: exit 1');
like($out, qr/^verdict: FS CORRUPTION$/m, '... FS CORRUPTION');
like($out, qr/^fsck-says: Inode 12 has illegal block\(s\)\.  Clear\? no$/m, '... with the checker\'s first finding');
my $g = slurp("$d/guest.log");
$g =~ s/umount=ok/umount=failed/;
spew("$d/guest.log", $g);
($out, $rc) = decide($d);
is($rc, 0, 'the same fsck output without a clean unmount is not counted');
like($out, qr/^fsck: e2fsck: DAMAGE \(exit 4\), not counted: the guest did not unmount cleanly$/m, '... and says why');
$d = rundir('6.1-ext4-control-clean');
spew("$d/fsck.txt", "fsck-tool: xfs_repair\nfsck-command: xfs_repair -n -f scratch.img\nfsck-exit: 2\noutput:\nERROR: The filesystem has valuable metadata changes in a log\n");
($out, $rc) = decide($d);
is($rc, 0, 'xfs_repair exit 2 (dirty log) is not corruption');
like($out, qr/^fsck: xfs_repair: log not replayed \(exit 2\)$/m, '... it is a log not replayed');
spew("$d/fsck.txt", "fsck-tool: btrfs\nfsck-command: btrfs check --readonly scratch.img\nfsck-exit: 1\noutput:\nERROR: errors found in fs roots\n");
($out, $rc) = decide($d);
like($out, qr/^cell: CORRUPT:btrfs$/m, 'btrfs check exit 1: CORRUPT:btrfs');
spew("$d/fsck.txt", "fsck-skipped: tmpfs has no on-disk checker (no image)\n");
($out, $rc) = decide($d);
is($rc, 0, 'tmpfs: fsck skipped');
like($out, qr/^fsck: not run: tmpfs has no on-disk checker/m, '... and said');

# 4. precedence: FS CORRUPTION > DATA LOSS > REPRODUCED
$d = rundir('6.1-ext4-stripped-buffers-loss');
spew("$d/fsck.txt", "fsck-tool: e2fsck\nfsck-command: e2fsck -fn scratch.img\nfsck-exit: 4\noutput:\nBlock bitmap differences:  -1234\n");
($out, $rc) = decide($d);
like($out, qr/^verdict: FS CORRUPTION$/m, 'corruption and loss: FS CORRUPTION');
like($out, qr/^note: data was lost too \(page 0, file offset 0\)$/m, '... the loss is a note');
like($out, qr/^note: the kernel also warned/m, '... so is the warning');
# a loss is only a loss when the guest ran to the end
$d = rundir('6.1-ext4-stripped-buffers-loss');
($out, $rc) = decide($d, '--boot-status timeout');
like($out, qr/^verdict: REPRODUCED$/m, 'timeout: the warning stands, the integrity record does not decide');

# 5. runs that never got a verdict
$d = tempdir(CLEANUP => 1);
($out, $rc) = decide($d, '--error', "'module build failed for 6.1.0-56-cloud-amd64 (see build.log)'", $kl);
is($rc, 125, '--error: exit 125');
is($out, "verdict: COULD NOT TEST\nreason: module build failed for 6.1.0-56-cloud-amd64 (see build.log)\n" .
   "kernel: linux-image-6.1.0-56-cloud-amd64 6.1.192-2 (bookworm)\ncell: ERROR:module build failed for 6.1.0-56-cloud-amd64 (see build.log)\nexit: 125\n",
   '--error: the block');
is(slurp("$d/verdict.txt"), $out, '--error: written to verdict.txt');
for my $s (['INT', 130], ['TERM', 143], ['HUP', 129]) {
	($out, $rc) = decide($d, '--interrupted', $s->[0], '--phase', 'boot');
	is($rc, $s->[1], "--interrupted $s->[0]: exit $s->[1]");
	like($out, qr/^verdict: COULD NOT TEST\nreason: interrupted by SIG$s->[0] during boot\n/m, "--interrupted $s->[0]: reason");
	like($out, qr/^cell: ERROR:interrupted$/m, "--interrupted $s->[0]: cell");
}
($out, $rc) = decide($d, '--trace-note', "'unavailable: CONFIG_DEBUG_INFO_BTF is not set'", '--error', 'x');
like($out, qr/^trace: unavailable: CONFIG_DEBUG_INFO_BTF is not set$/m, '--trace-note: its line');
($out, $rc) = decide($d);
is($rc, 125, 'an empty run directory: COULD NOT TEST');
like($out, qr/^reason: no console log/m, '... no console log');
($out, $rc) = decide($d, '--interrupted', 'KILL');
is($rc, 2, '--interrupted KILL: usage error');
$out = `$bin --dir $d extra.log 2>&1`;
is($? >> 8, 2, '--dir with a console log too: usage error');

# 6. --repeat-dir: DATA LOSS and FS CORRUPTION count as reproduced
my $r = tempdir(CLEANUP => 1);
my @runs = (['DATA LOSS', 'LOSS'], ['NOT REPRODUCED', 'CLEAN'], ['DATA LOSS', 'LOSS'], ['FS CORRUPTION', 'CORRUPT:e2fsck']);
for my $i (1 .. @runs) {
	my $n = sprintf('%02d', $i);
	mkdir "$r/run-$n";
	spew("$r/run-$n/verdict.txt", "verdict: $runs[$i - 1][0]\ncell: $runs[$i - 1][1]\n");
}
$out = `$bin --repeat-dir $r --runs 4 --seconds 12.5 2>&1`;
is($? >> 8, 1, 'repeat: a loss reproduces: exit 1');
like($out, qr/^verdict: FS CORRUPTION 1, DATA LOSS 2, NOT REPRODUCED 1 of 4 runs; reproduced 3\/4 = 75\.0% \(95% Wilson interval 30\.1%-95\.4%\)$/m,
     'repeat: counts, rate and interval');
like($out, qr/^cell: LOSS$/m, 'repeat: the commonest reproducing cell');
like($out, qr/^seconds: 12\.5$/m, 'repeat: --seconds');
is(slurp("$r/verdict.txt"), $out, 'repeat: written to DIR/verdict.txt');

done_testing();
