#!/usr/bin/perl
# Boots the real Debian bookworm (6.1) guest in gupr.mode=fuzz with an ext4
# scratch disk: tests/guest/ioctl_fuzz.c runs its threads against
# /dev/gup_repro for GUPR_FUZZ_SECONDS (default 20; GUPR_FUZZ_SEED and
# GUPR_FUZZ_KERNEL, default debian:bookworm, are passed on too) and prints
# TAP on ttyS1.
# Asserted here: the guest powers off in time, every one of the fuzzer's
# nine checks passed (errno sets, exact results, SCM_RIGHTS EPERM, two fds
# one pfn, pins balanced, canary refcounts, kernel log, budget), the init's
# own vmstat shows nr_foll_pin_acquired == nr_foll_pin_released, and the
# console has no WARNING/BUG/Oops/hung task other than the ext4 symptom the
# module exists to provoke.  Bounded: the whole test takes well under 2 min
# under TCG.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);
use Time::HiRes qw(time);

my $top = "$FindBin::Bin/../..";
my $secs = $ENV{GUPR_FUZZ_SECONDS} // 20;
my $seed = $ENV{GUPR_FUZZ_SEED} // '';
my $kernel = $ENV{GUPR_FUZZ_KERNEL} // 'debian:bookworm';

my $cmdline = "gupr.mode=fuzz gupr.fuzz_seconds=$secs" . ($seed ne '' ? " gupr.seed=$seed" : '');
my $script = <<'EOS';
cd "$1" || exit 1
. vm-images/lib.sh
gupr_prepare "$3" >&2 || exit 1
d=$(mktemp -d)
gupr_make_scratch "$d/scratch.img" 1 ext4 >&2 || exit 1
gupr_boot "$d" 110 "$2" "$d/scratch.img" >&2
echo "$d $BOOT_STATUS"
EOS
my $t0 = time;
open(my $fh, '-|', 'bash', '-c', $script, 'fuzz', $top, $cmdline, $kernel) or die "bash: $!";
my $res = join('', <$fh>);
close($fh);
my $wall = time - $t0;
my ($dir, $st) = split ' ', ($res // '');
is($st, 'ok', "fuzz guest ($kernel) booted and powered off ($cmdline)");
ok($wall < 115, sprintf('prepare + boot + fuzz took %.1f s (< 115 s)', $wall));
SKIP: {
	skip 'no fuzz run', 6 unless $dir && -d $dir;
	my $tap = slurp("$dir/steps.jsonl");
	my ($plan) = $tap =~ /^1\.\.(\d+)$/m;
	my @lines = $tap =~ /^((?:not )?ok \d+ .*)$/mg;
	is($plan, 9, 'fuzzer planned its 9 checks');
	ok(@lines == 9, 'fuzzer reported all 9') or diag($tap);
	for my $l (@lines) {
		my ($not, $name) = $l =~ /^(not )?ok \d+ - (.*)$/;
		ok(!$not, "fuzz: $name");
	}
	like($tap, qr/^# seed \d+, /m, 'the seed is printed');
	diag($_) for $tap =~ /^(# (?:seed|\d+ ioctls|thread|finding|canary|kernel|[A-Zb][A-Za-z-]* +\S+=).*)$/mg;
	my $g = slurp("$dir/guest.log");
	like($g, qr/^gupr-meta: fuzz_rc=0$/m, 'fuzzer exit status 0');
	my ($a, $r) = $g =~ /^gupr-meta: vmstat_after nr_foll_pin_acquired=(\d+) nr_foll_pin_released=(\d+)/m;
	ok(defined $a && $a == $r && $a > 0, 'init: nr_foll_pin_acquired == nr_foll_pin_released after the fuzzer'
	   . (defined $a ? " ($a == $r)" : ''));
	my @bad = grep { !/WARNING: .* at fs\/ext4\/inode\.c:\d+ ext4_(dirty_folio|set_page_dirty)/ }
		slurp("$dir/console.log") =~ /^(.*(?:WARNING:|BUG:|Oops|blocked for more than|general protection).*)$/mg;
	ok(!@bad, 'console: no WARNING/BUG/Oops/hung task but the ext4 symptom') or diag(join("\n", @bad));
	system('rm', '-rf', $dir) if Test::More->builder->is_passing;
}
done_testing();
