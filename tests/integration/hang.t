#!/usr/bin/perl
# A guest that hangs or crashes is classified, never a hung run: boots the
# real Debian 6.1 kernel with a throw-away initramfs whose init (busybox)
#  - stops printing after the init marker (hang: killed by the console-stall
#    watchdog, COULD NOT TEST, not retried),
#  - stops printing before it (hang during boot: retried once, then COULD NOT TEST),
#  - crashes the kernel with sysrq-c (panic: COULD NOT TEST, guest crash).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $verdict = "$top/build/host/gup-repro-verdict";

# boot(INIT-SCRIPT-BODY) -> (dir, status line printed by the shell)
sub boot {
	my ($body, $env) = @_;
	$env //= '';
	my $d = tempdir(CLEANUP => 1);
	spew("$d/init", "#!/bin/busybox sh\n/bin/busybox mount -t devtmpfs d /dev\nexec </dev/console >/dev/console 2>&1\n$body\n");
	my $sh = <<"EOS";
. $top/vm-images/lib.sh
gupr_prepare debian:bookworm >/dev/null 2>&1 || { echo prepare-failed; exit 1; }
mkdir -p $d/stage/bin && cp /bin/busybox $d/stage/bin/ && cp $d/init $d/stage/init && chmod 755 $d/stage/init
(cd $d/stage && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) > $d/initrd.gz
INITRD=$d/initrd.gz GUP_REPRO_STALL=5
t0=\$(date +%s)
$env GUP_REPRO_STALL=5 gupr_boot $d 120 "" 2>/dev/null
echo "status=\$BOOT_STATUS attempts=\$BOOT_ATTEMPTS secs=\$((\$(date +%s) - t0)) detail=\$BOOT_DETAIL"
EOS
	my $out = `bash -c '$sh' 2>&1`;
	chomp $out;
	return ($d, $out);
}

my ($d, $st) = boot("echo 'gup-repro: guest init started'\nwhile :; do /bin/busybox sleep 1000; done");
like($st, qr/status=timeout attempts=1 /, 'hang after init: killed, not retried') or diag($st);
like($st, qr/detail=no console output for 5s/, 'hang after init: found by the console-stall watchdog');
my ($secs) = $st =~ /secs=(\d+)/;
ok(defined $secs && $secs < 60, "hang after init: over in ${\($secs // '?')} s, long before the 120 s timeout");
my $v = `$verdict --boot-status timeout $d/console.log`;
is($? >> 8, 125, 'hang after init: exit 125');
like($v, qr/^reason: timeout: .*hang after init started/m, 'hang after init: classified as such');

($d, $st) = boot("while :; do /bin/busybox sleep 1000; done");
like($st, qr/status=timeout attempts=2 /, 'hang before the init marker: retried once') or diag($st);
ok(-s "$d/console.hung-boot.log", 'the first attempt\'s console is kept');
$v = `$verdict --boot-status timeout $d/console.log`;
like($v, qr/^reason: timeout: .*hang during boot/m, 'hang during boot: classified as such');

($d, $st) = boot("/bin/busybox mount -t proc p /proc\necho 'gup-repro: guest init started'\necho c > /proc/sysrq-trigger");
like($st, qr/status=ok attempts=1/, 'kernel crash: QEMU exits (panic=-1, -no-reboot)') or diag($st);
$v = `$verdict --boot-status ok $d/console.log`;
is($? >> 8, 125, 'kernel crash: exit 125');
like($v, qr/^reason: guest crash, not a known symptom/m, 'kernel crash: classified as a guest crash');
like($v, qr/^cell: ERROR:crash in /m, 'kernel crash: an ERROR cell in a matrix');
# A kernel that panics before the guest init ran is booted once more.
($d, $st) = boot("/bin/busybox mount -t proc p /proc\necho c > /proc/sysrq-trigger");
like($st, qr/status=ok attempts=2/, 'panic before the init marker: booted once more') or diag($st);
ok(-s "$d/console.failed-boot.log", 'panic before the init marker: the first console is kept');

# A guest that floods a serial file is killed at the bound, never fills the disk.
($d, $st) = boot("echo 'gup-repro: guest init started'\nwhile :; do echo 0123456789012345678901234567890123456789012345678901234567890123456789; done",
		 'GUP_REPRO_SERIAL_MAX_MB=1');
like($st, qr/status=output-limit attempts=1 .*detail=the guest wrote more than 1 MiB to console\.log/, 'flood: killed at the bound') or diag($st);
ok(-s "$d/console.log" < 16 * 1048576, 'flood: the console file stayed small (' . (-s "$d/console.log") . ' bytes)');
$v = `$verdict --boot-status output-limit $d/console.log`;
is($? >> 8, 125, 'flood: exit 125');
like($v, qr/^reason: output-limit: the guest wrote more than its bound/m, 'flood: classified as such');
done_testing();
