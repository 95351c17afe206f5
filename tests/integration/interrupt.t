#!/usr/bin/perl
# SIGINT / SIGTERM / SIGHUP to ./run.sh, ./run.sh matrix and ./run.sh
# bisect at several phases: every process the run started is gone within a
# few seconds (QEMU too, although timeout(1) puts it in a process group of
# its own), the run directory holds a COULD NOT TEST verdict saying it was
# interrupted, and the exit status is 128 + the signal.  A stub QEMU (a
# script that only sleeps) stands in where booting would be slow; one test
# interrupts a real guest.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp slurp_maybe spew);
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
my $n = 0;

# A directory of stand-ins, first on PATH: each one prints a marker line
# into its log and sleeps, its command line carrying MARKER so that pgrep
# finds what is left of it.
sub stubs {
	my ($marker, @names) = @_;
	my $d = "$tmp/stubs-$marker";
	mkdir $d;
	for my $name (@names) {
		spew("$d/$name", "#!/bin/sh\necho \"stub $name started\" >>$d/log\nexec sleep 300.$marker\n");
		chmod 0755, "$d/$name";
	}
	return $d;
}
# procs(REGEX): how many processes have a command line matching REGEX
# (read from /proc: no pgrep, whose own command line would match)
sub procs {
	my ($re) = @_;
	my $n = 0;
	for my $f (glob '/proc/[0-9]*/cmdline') {
		open(my $fh, '<', $f) or next;
		local $/;
		my $c = <$fh> // '';
		$c =~ s/\0/ /g;
		$n++ if $c =~ $re;
	}
	return $n;
}
sub left { my ($marker) = @_; return procs(qr/^sleep 300\.$marker $/); }

# start(ENV, ARGS...) -> (pid, output file): run.sh in the background
sub start {
	my ($env, @args) = @_;
	my $out = "$tmp/out-" . ++$n;
	my $pid = fork();
	if (!$pid) {
		$ENV{$_} = $env->{$_} for keys %$env;
		# a shell started in the background ignores SIGINT: undo that
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP);
		open(STDOUT, '>', $out); open(STDERR, '>&', \*STDOUT);
		exec('bash', "$top/run.sh", @args) or exit 127;
	}
	return ($pid, $out);
}
sub wait_for {
	my ($cond, $secs) = @_;
	my $t = time;
	until ($cond->()) { return 0 if time - $t > $secs; sleep(0.2); }
	return 1;
}
# stop(PID, SIG) -> (exit status, seconds to exit)
sub stop {
	my ($pid, $sig) = @_;
	kill($sig, $pid);
	my $t = time;
	my $w;
	while (($w = waitpid($pid, WNOHANG)) == 0 && time - $t < 30) { sleep(0.1); }
	return ($w == $pid ? ($? & 127 ? 128 + ($? & 127) : $? >> 8) : -1, time - $t);
}

my %sig = (INT => 130, TERM => 143, HUP => 129);

# 1. during the boot, stub QEMU: each signal
for my $s (qw(INT TERM HUP)) {
	my $m = "1$n";
	my $st = stubs($m, 'qemu-system-x86_64');
	my $dir = "$tmp/run-$s";
	my ($pid, $out) = start({ PATH => "$st:$ENV{PATH}" }, '--out', $dir, '--scenario', 'control');
	ok(wait_for(sub { left($m) }, 600), "SIG$s during boot: the (stub) QEMU is running") or diag(slurp($out));
	my ($rc, $secs) = stop($pid, $s);
	is($rc, $sig{$s}, "SIG$s during boot: run.sh exits $sig{$s}") or diag(slurp($out));
	ok($secs < 8, "SIG$s during boot: within a few seconds (" . sprintf('%.1f', $secs) . " s)");
	sleep(0.3);
	is(left($m), 0, "SIG$s during boot: QEMU and timeout are gone");
	like(slurp("$dir/verdict.txt"), qr/^verdict: COULD NOT TEST\nreason: interrupted by SIG$s during boot\n/m,
	     "SIG$s during boot: verdict.txt says it was interrupted");
	like(slurp($out), qr/^run\.sh: interrupted by SIG$s during boot/m, "SIG$s during boot: run.sh says so");
}

# 2. during the kernel phase: a fresh cache makes run.sh read the package
#    lists with apt-get, here a stub that never finishes
{
	my $m = "2$n";
	my $st = stubs($m, 'apt-get');
	my $dir = "$tmp/run-apt";
	my ($pid, $out) = start({ PATH => "$st:$ENV{PATH}", GUP_REPRO_CACHE => "$tmp/cache-apt" }, '--out', $dir);
	ok(wait_for(sub { left($m) }, 120), 'SIGINT during apt: apt-get is running') or diag(slurp($out));
	my ($rc, $secs) = stop($pid, 'INT');
	is($rc, 130, 'SIGINT during apt: exit 130') or diag(slurp($out));
	sleep(0.3);
	is(left($m), 0, 'SIGINT during apt: apt-get is gone');
	like(slurp("$dir/verdict.txt"), qr/^reason: interrupted by SIGINT during kernel$/m, 'SIGINT during apt: the verdict names the phase')
		or diag(slurp($out));
	ok(!-e "$tmp/cache-apt/apt/bookworm/updated", 'SIGINT during apt: the lists are not marked as read');
}

# 3. -v: the console follower (tail -F) is gone too
{
	my $m = "3$n";
	my $st = stubs($m, 'qemu-system-x86_64');
	my ($pid, $out) = start({ PATH => "$st:$ENV{PATH}" }, '--out', "$tmp/run-v", '-v', '--scenario', 'control');
	ok(wait_for(sub { left($m) }, 600), '-v: the (stub) QEMU is running');
	sleep(0.5);
	my ($rc) = stop($pid, 'INT');
	is($rc, 130, '-v: exit 130');
	sleep(0.3);
	is(procs(qr/^tail -n \+1 -F \Q$tmp\E\/run-v\//), 0, '-v: tail -F is gone');
}

# 4. a matrix: every cell's run.sh and QEMU are stopped, each cell says it
#    was interrupted, the tables are written
{
	my $m = "4$n";
	my $st = stubs($m, 'qemu-system-x86_64');
	my $mdir = "$tmp/matrix";
	my $pid = fork();
	if (!$pid) {
		$ENV{PATH} = "$st:$ENV{PATH}";
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP);
		open(STDOUT, '>', "$tmp/matrix.out"); open(STDERR, '>&', \*STDOUT);
		exec('bash', "$top/run.sh", 'matrix', '--kernels', 'debian:bookworm', '--fs', 'ext4,tmpfs',
		     '--scenarios', 'control', '-j', '2', '-o', $mdir) or exit 127;
	}
	ok(wait_for(sub { left($m) >= 2 }, 600), 'matrix: two cells are booting') or diag(slurp("$tmp/matrix.out"));
	my ($rc, $secs) = stop($pid, 'INT');
	is($rc, 130, 'matrix: exit 130') or diag(slurp("$tmp/matrix.out"));
	ok($secs < 10, 'matrix: within a few seconds');
	sleep(0.3);
	is(left($m), 0, 'matrix: no QEMU left');
	is(procs(qr/run\.sh --kernel debian:bookworm --fs \S+ --scenario control --out \Q$mdir\E/), 0, 'matrix: no cell run.sh left');
	like(slurp("$mdir/bookworm/ext4/control/verdict.txt"), qr/^reason: interrupted by SIGTERM during boot$/m,
	     'matrix: a running cell says it was interrupted');
	like(slurp("$mdir/matrix.txt"), qr/interrupted by SIGINT/, 'matrix: matrix.txt says the matrix was interrupted');
}

# 5. a real guest
{
	my $dir = "$tmp/run-real";
	my ($pid, $out) = start({}, '--out', $dir, '--scenario', 'control');
	# (booting, or resuming a snapshot of the guest: a run's start either way)
	ok(wait_for(sub { (slurp_maybe($out) // '') =~ /^==> (?:boot|resume): /m && -s "$dir/console.log" }, 600), 'real guest: booting') or diag(slurp($out));
	my ($rc, $secs) = stop($pid, 'INT');
	is($rc, 130, 'real guest: exit 130');
	ok($secs < 8, 'real guest: within a few seconds');
	sleep(0.3);
	is(procs(qr/^qemu-system-x86_64 .*\Q$dir\E\/console\.log/), 0, 'real guest: QEMU is gone');
	like(slurp("$dir/verdict.txt"), qr/^reason: interrupted by SIGINT during (?:boot|resume)$/m, 'real guest: the verdict says so');
}

done_testing();
