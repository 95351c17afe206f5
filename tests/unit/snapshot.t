#!/usr/bin/perl
# Snapshots without a guest (vm-images/lib/snapshot.sh): the key changes
# with each of its inputs and with nothing else; the command disk's layout
# (the header block, the tar at 4 KiB: cmdline, time, seed, an --exec
# program and its arguments) and its fixed size; where a run cannot start
# from a snapshot and why; the removal of the least recently used beyond
# the bounds (count, MiB), never one in use nor the one kept; and
# ./run.sh cache list / prune and its bad usage.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh lib_sh);
use File::Temp qw(tempdir);
use Fcntl qw(:flock);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";


# 1. the key
spew("$tmp/vmlinuz", "kernel one\n");
spew("$tmp/initrd", "initrd one\n");
my $env = "KBOOT=$tmp/vmlinuz INITRD=$tmp/initrd";
sub key { my ($pre, $fixed, $accel) = @_; my ($rc, $o) = lib_sh($top, "$env $pre; gupr_snapshot_key '$fixed' $accel"); chomp $o; return $o; }
my $k = key('', 'gupr.fs=ext4', 'tcg');
like($k, qr/^[0-9a-f]{16}$/, 'a key is 16 hex digits');
is(key('', 'gupr.fs=ext4', 'tcg'), $k, 'the same inputs: the same key');
isnt(key('', 'gupr.fs=xfs', 'tcg'), $k, 'another fixed command line: another key');
isnt(key('', 'gupr.fs=ext4', 'kvm'), $k, 'another accelerator: another key');
isnt(key('GUP_REPRO_SMP=1', 'gupr.fs=ext4', 'tcg'), $k, 'another vCPU count: another key');
sleep(1);	# a new mtime for the files written below
spew("$tmp/initrd", "initrd two\n");
my $k2 = key('', 'gupr.fs=ext4', 'tcg');
isnt($k2, $k, 'another initramfs (module, pintrace, init): another key');
spew("$tmp/vmlinuz", "kernel two\n");
isnt(key('', 'gupr.fs=ext4', 'tcg'), $k2, 'another kernel image: another key');

# 2. the command disk
my ($rc, $o) = lib_sh($top, "gupr_snapshot_cmd_disk $tmp/cmd.img 'gupr.scenario=control gupr.fault=reclaim' /bin/true 'a b' c");
is($rc, 0, 'a command disk is written') or diag($o);
is(-s "$tmp/cmd.img", 72 * 1048576, 'of the fixed size (72 MiB, sparse)');
open(my $fh, '<', "$tmp/cmd.img") or die; read($fh, my $head, 512); close $fh;
my ($bytes) = $head =~ /^gupr-cmd 1 (\d+)\n/;
ok($bytes, 'its first block: "gupr-cmd 1 BYTES"');
system("mkdir -p $tmp/x && dd if=$tmp/cmd.img bs=4096 skip=1 2>/dev/null | head -c $bytes | tar -x -C $tmp/x") == 0 or die;
is(slurp("$tmp/x/cmdline"), "gupr.scenario=control gupr.fault=reclaim\n", 'the tar at 4 KiB: the run\'s command line');
like(slurp("$tmp/x/time"), qr/^\d{10}\n$/, 'the host\'s clock');
is(-s "$tmp/x/seed", 512, '512 bytes of seed');
ok(-x "$tmp/x/exec/prog" && `cmp $tmp/x/exec/prog /bin/true && echo same` eq "same\n", 'the --exec program');
is(slurp("$tmp/x/exec/args"), "a b\nc\n", 'its arguments, one a line');

# 3. where a run cannot start from a snapshot
for my $c (["GUP_REPRO_SNAPSHOT=0 gupr_snapshot_usable w ext4 busybox 0", qr/^why=--boot$/m, '--boot'],
	   ["gupr_snapshot_usable w ext4 debian 0", qr/^why=--rootfs debian boots/m, '--rootfs debian'],
	   ["gupr_snapshot_usable w ext4 busybox 80000000", qr/^why=the --exec program is larger than the command disk$/m, 'an --exec program too large'],
	   ["gupr_snapshot_usable w ext4 busybox 1000 && echo usable", qr/^usable$/m, 'a plain run']) {
	($rc, $o) = lib_sh($top, "$c->[0]; echo \"why=\$w\"");
	like($o, $c->[1], "usable: $c->[2]");
}

# 4. removal: least recently used first, beyond the bounds
sub snap {
	my ($key, $mb, $age, $complete) = @_;
	my $d = "$tmp/cache/snapshots/$key";
	system("mkdir -p $d && head -c " . ($mb * 1048576) . " /dev/urandom >$d/state.zst") == 0 or die;
	spew("$d/info", "kernel: 6.1.0-fake\nfs: ext4\n");
	spew("$d/.complete", "") if $complete;
	system("touch -d '-$age minutes' $d $d/.used") == 0 or die;
}
snap("a$_", 2, $_, 1) for 1 .. 5;	# a1 newest .. a5 oldest
snap('inc', 1, 1, 0);
($rc, $o) = lib_sh($top, 'GUP_REPRO_SNAPSHOTS=3 gupr_snapshot_prune a5');
my @left = sort map { m{/([^/]+)$} } glob("$tmp/cache/snapshots/*");
is_deeply(\@left, [qw(a1 a2 a5)], 'prune to 3: the most recently used stay, with the one kept (a5); an incomplete one goes');
snap("b$_", 3, $_ + 10, 1) for 1 .. 2;
system("mkdir -p $tmp/cache/locks");
open(my $lk, '>>', "$tmp/cache/locks/snapshot-b2.lock") or die;
flock($lk, LOCK_EX) or die;	# b2 is in use
($rc, $o) = lib_sh($top, 'GUP_REPRO_SNAPSHOTS_MB=5 gupr_snapshot_prune');
@left = sort map { m{/([^/]+)$} } glob("$tmp/cache/snapshots/*");
is_deeply(\@left, [qw(a1 a2 b2)], 'prune to 5 MiB: the newest that fit stay; one whose lock is held stays');
close($lk);
# one being made (its make lock held, no .complete yet) is not removed
snap('making', 1, 30, 0);
open(my $mk, '>>', "$tmp/cache/locks/snapshot-make-making.lock") or die;
flock($mk, LOCK_EX) or die;
($rc, $o) = lib_sh($top, 'gupr_snapshot_prune');
ok(-d "$tmp/cache/snapshots/making", 'prune: a snapshot being made (its make lock held) stays');
close($mk);
($rc, $o) = lib_sh($top, 'gupr_snapshot_prune');
ok(!-d "$tmp/cache/snapshots/making", 'prune: once not being made, an incomplete one goes');

# 5. ./run.sh cache
($rc, $o) = sh("cd $top && ./run.sh cache");
is($rc, 0, 'cache list: exit 0');
like($o, qr/^  a1\s+\S+\s+\S+ \S+\s+6\.1\.0-fake ext4$/m, 'cache list: a snapshot, its size, last use, kernel and fs');
($rc, $o) = sh("cd $top && ./run.sh cache prune --all");
is($rc, 0, 'cache prune --all: exit 0');
is(scalar(() = glob("$tmp/cache/snapshots/*")), 0, 'cache prune --all: every snapshot is gone');
for my $bad (['cache bogus', qr/unknown command 'bogus'/], ['cache prune --some', qr/prune takes --all or nothing/]) {
	($rc, $o) = sh("cd $top && ./run.sh $bad->[0]");
	is($rc, 128, "./run.sh $bad->[0]: exit 128");
	like($o, $bad->[1], "./run.sh $bad->[0]: says why");
}
done_testing();
