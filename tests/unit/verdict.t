#!/usr/bin/perl
# The console-log verdict parser (repro-user/host/verdict.c) on fixture logs:
# verdict, exit status (git bisect run convention) and the quoted site.
use strict;
use warnings;
use Test::More;
use FindBin;

my $top = "$FindBin::Bin/../..";
my $bin = "$top/build/host/gup-repro-verdict";
my $fx = "$top/tests/fixtures";
-x $bin or BAIL_OUT("$bin missing: run 'make host'");

sub verdict {
	my ($log, @args) = @_;
	my $out = `$bin @args $fx/$log 2>&1`;
	return ($out, $? >> 8);
}

# fixture, boot status, exit, verdict, lines that must appear
my @cases = (
	['debian-6.1-unlocked-dirty.log', 'ok', 1, 'REPRODUCED',
	 [qr/^warning: WARNING: CPU: \d+ PID: \d+ at fs\/ext4\/inode\.c:3663 ext4_dirty_folio\+/m,
	  qr/^site: ext4_dirty_folio \(fs\/ext4\/inode\.c:3663\)$/m,
	  qr/^trace: gupr_ioctl __x64_sys_ioctl/m]],
	['interleaved-warning.log', 'ok', 1, 'REPRODUCED',
	 [qr/^warning: WARNING: CPU: 0 PID: 128 at fs\/ext4\/inode\.c:3663 ext4_dirty_folio\+0x1f\/0x30$/m,
	  qr/^site: ext4_dirty_folio /m]],
	['debian-7.2-unlocked-dirty.log', 'ok', 1, 'REPRODUCED',
	 [qr/^warning: WARNING: fs\/ext4\/inode\.c:3953 at ext4_dirty_folio\+0x27\/0x40, CPU#1: gup-repro\/178$/m,
	  qr/^site: ext4_dirty_folio \(fs\/ext4\/inode\.c:3953\)$/m,
	  qr/^cell: REPRODUCED:ext4_dirty_folio$/m]],
	['debian-6.1-control.log', 'ok', 0, 'NOT REPRODUCED',
	 [qr/^reason: scenario control completed/m]],
	['ext4-no-buffers.log', 'ok', 1, 'REPRODUCED',
	 [qr/does not have buffers attached/m,
	  qr/^site: mpage_prepare_extent_to_map$/m]],
	['ext4-bug.log', 'ok', 1, 'REPRODUCED',
	 [qr/^warning: kernel BUG at fs\/ext4\/inode\.c:2712!$/m,
	  qr/^trace: ext4_do_writepages ext4_writepages do_writepages$/m]],
	['oops-null-deref.log', 'ok', 125, 'COULD NOT TEST',
	 [qr/^reason: guest crash/m, qr/^site: virtblk_done$/m,
	  qr/^trace: vring_interrupt __handle_irq_event_percpu$/m]],
	['truncated.log', 'ok', 125, 'COULD NOT TEST',
	 [qr/^reason: console log ends before the scenario finished/m]],
	['truncated.log', 'timeout', 125, 'COULD NOT TEST',
	 [qr/^reason: timeout: .*hang after init started/m]],
	['other-warning.log', 'ok', 0, 'NOT REPRODUCED',
	 [qr/^note: other warning: WARNING: CPU: 0 PID: 12 at mm\/page_alloc\.c:5525 __alloc_pages/m]],
	['boot-panic.log', 'ok', 125, 'COULD NOT TEST',
	 [qr/^reason: boot failure: .*No working init found/m]],
	['boot-panic.log', 'qemu-error', 125, 'COULD NOT TEST',
	 [qr/^reason: qemu-error$/m]],
	['step-failed.log', 'ok', 125, 'COULD NOT TEST',
	 [qr/^reason: scenario control failed at step pin \(EFAULT\)$/m]],
	['debian-6.1-unlocked-dirty.log', 'timeout', 1, 'REPRODUCED',
	 [qr/^note: afterwards the guest ended with: timeout$/m]],
	# __warn()'s pre-4.x format "WARNING: at FILE:LINE FUNC+off/size()",
	# with "[<addr>] func+off/size" frames
	['old-format-warning.log', 'ok', 1, 'REPRODUCED',
	 [qr/^warning: WARNING: at fs\/ext4\/inode\.c:3663 ext4_set_page_dirty\+0x1f\/0x30\(\)$/m,
	  qr/^site: ext4_set_page_dirty \(fs\/ext4\/inode\.c:3663\)$/m,
	  qr/^trace: warn_slowpath_common ext4_set_page_dirty gupr_ioctl do_vfs_ioctl system_call_fast_compare_end$/m,
	  qr/^cell: REPRODUCED:ext4_set_page_dirty$/m]],
	# a killed QEMU: the log ends in a bare timestamp without a newline
	['killed-qemu.log', 'timeout', 125, 'COULD NOT TEST',
	 [qr/^reason: timeout: .*hang after init started/m,
	  qr/\A(?:(?!^note: other warning:).*\n)*note: other warning: WARNING: CPU: 0 PID: 12 at mm\/page_alloc\.c:5525 __alloc_pages\+0x1e3\/0x300\n(?:(?!^note: other warning:).*\n)*\z/m]],
	['killed-qemu.log', 'ok', 125, 'COULD NOT TEST',
	 [qr/^reason: console log ends before the scenario finished/m]],
	# what the guest printed is escaped before it reaches a terminal
	['hostile-console.log', 'ok', 0, 'NOT REPRODUCED',
	 [qr/^note: other warning: WARNING: CPU: 0 PID: 12 at mm\/page_alloc\.c:5525 \\x1b\[2J\\x1b\]0;owned\\x07__alloc_pages\+0x1e3\/0x300$/m,
	  qr/^note: other warning: WARNING: CPU: 0 PID: 12 at mm\/\\xff\\xfeslab\.c:1 kmalloc\\x9b31m\+0x1\/0x2 caf\x{c3}\x{a9}$/m,
	  qr/^note: other warning: WARNING: CPU: 0 PID: 12 at mm\/vmscan\.c:2 shrink\+0x1\/0x2 A{100,}\.\.\.$/m]],
	['hostile-symptom.log', 'ok', 1, 'REPRODUCED',
	 [qr/^warning: WARNING: CPU: 1 PID: 129 at fs\/ext4\/inode\.c:3663 ext4_dirty_folio\+0x1f\/0x30 \\x1b\[31m\\x1b\]8;;http:\/\/evil\.invalid\\x07click\\x1b\]8;;\\x07$/m,
	  qr/^trace: gupr_ioctl\\x1b\[8m __x64_sys_ioctl/m,
	  qr/^cell: REPRODUCED:ext4_dirty_folio$/m]],
	['hostile-step-failed.log', 'ok', 125, 'COULD NOT TEST',
	 [qr/^reason: scenario control failed at step pin\\x1b\[2J \(EFAULT\\x07\\xff\)$/m,
	  qr/^cell: ERROR:pin\\x1b\[2J EFAULT\\x07\\xff$/m]],
);

for my $c (@cases) {
	my ($log, $boot, $rc, $v, $res) = @$c;
	my ($out, $got) = verdict($log, '--boot-status', $boot);
	is($got, $rc, "$log ($boot): exit $rc");
	like($out, qr/^verdict: \Q$v\E$/m, "$log ($boot): $v");
	like($out, $_, "$log ($boot): $_") for @$res;
}

# Nothing the guest printed reaches the terminal raw: no control byte but
# the newline, only valid UTF-8, no line longer than 600 bytes, on any fixture.
opendir(my $dh, $fx) or die;
for my $log (sort grep { /\.log$/ } readdir $dh) {
	my ($out, $got) = verdict($log);
	ok($got == 0 || $got == 1 || $got == 125, "$log: a verdict exit status ($got)");
	unlike($out, qr/[\x00-\x09\x0b-\x1f\x7f]/, "$log: no control characters in the output");
	ok(utf8::decode(my $copy = $out), "$log: the output is valid UTF-8");
	my @long = grep { length($_) > 600 } split /\n/, $out;
	is(scalar @long, 0, "$log: no output line over 600 bytes");
}
closedir $dh;

# Inputs that crashed the parser (found by hand and by fuzzing): a verdict, no signal.
opendir($dh, "$fx/crash") or die;
for my $in (sort grep { !/^\./ && !/^README/ } readdir $dh) {
	next unless $in =~ /^verdict-/;
	my $out = `$bin $fx/crash/$in 2>&1`;
	my $st = $?;
	is($st & 127, 0, "crash/$in: no signal");
	like($out, qr/^verdict: /m, "crash/$in: a verdict");
}
closedir $dh;

# A guest that prints a huge line costs the parser no memory: 64 MB of one
# line in 48 MB of address space, and the lines after it still count.
{
	my $big = "/tmp/gupr-verdict-big-$$.log";
	open(my $fh, '>', $big) or die;
	print $fh "gup-repro: guest init started\n", 'x' x (64 << 20),
		"\ngup-repro: scenario=control status=complete steps=9\n";
	close $fh;
	my $out = `ulimit -v 49152; $bin $big 2>&1`;
	is($? >> 8, 0, 'a 64 MB line in 48 MB: exit 0') or diag(substr($out, 0, 300));
	like($out, qr/^reason: scenario control completed/m, 'a 64 MB line: the status line after it is read');
	unlink $big;
}

# A symptom in an earlier log line wins over a later crash, and the crash is noted.
my $tmp = "/tmp/gupr-verdict-$$.log";
system("cat $fx/debian-6.1-unlocked-dirty.log > $tmp; grep -A20 'BUG: kernel NULL' $fx/oops-null-deref.log >> $tmp");
my $out = `$bin $tmp`;
is($? >> 8, 1, 'warning then crash: exit 1');
like($out, qr/^note: afterwards the guest crashed: BUG: kernel NULL pointer dereference/m,
     'warning then crash: the crash is noted');
unlink $tmp;

# Bad usage.
`$bin 2>/dev/null`;
is($? >> 8, 2, 'no log given: exit 2');
`$bin /nonexistent/console.log 2>/dev/null`;
is($? >> 8, 2, 'missing log: exit 2');
`$bin --boot-status maybe $fx/truncated.log 2>/dev/null`;
is($? >> 8, 2, 'unknown --boot-status: exit 2');

done_testing();
