#!/usr/bin/perl
# Boots the real Debian bookworm (6.1) guest under QEMU:
#  - ./run.sh reproduces: exit 1, verdict names ext4_dirty_folio, and the
#    driver's step log shows the folio clean after msync and dirtied by the
#    module's unlocked set_page_dirty();
#  - ./run.sh --scenario control does not: exit 0, no WARNING;
#  - the in-guest ABI test: every bad input gets its errno, no warning in
#    dmesg, nr_foll_pin_acquired == nr_foll_pin_released.
use strict;
use warnings;
use Test::More;
use FindBin;
use JSON::PP;

my $top = "$FindBin::Bin/../..";

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; my $s = <$fh>; return $s; }

sub run_sh {
	my @args = @_;
	my $out = `cd $top && ./run.sh @args 2>&1`;
	my $rc = $? >> 8;
	my ($dir) = $out =~ /^==> artifacts: (\S+)/m;
	diag("run.sh @args: no artifacts line:\n$out") unless $dir;
	return ($out, $rc, $dir ? "$top/$dir" : undef);
}

sub steps {
	my ($dir) = @_;
	my %by;
	for my $l (split /\n/, slurp("$dir/steps.jsonl")) {
		next unless $l =~ /^\{/;
		my $j = eval { decode_json($l) } or next;
		push @{ $by{$j->{step}} }, $j;
	}
	return \%by;
}

sub flags { my ($j) = @_; return { map { $_ => 1 } @{ $j->{state}{flags} || [] } }; }

sub pins_balanced {
	my ($dir, $what) = @_;
	my $g = slurp("$dir/guest.log");
	my ($a, $r) = $g =~ /^gupr-meta: vmstat_after nr_foll_pin_acquired=(\d+) nr_foll_pin_released=(\d+)/m;
	ok(defined $a && $a == $r && $a > 0, "$what: nr_foll_pin_acquired ($a) == nr_foll_pin_released ($r) at the end")
		or diag($g =~ /^(gupr-meta: .*)$/mg);
}

# 1. unlocked-dirty reproduces.
my ($out, $rc, $dir) = run_sh();
is($rc, 1, 'run.sh (unlocked-dirty): exit 1') or diag($out);
like($out, qr/^verdict: REPRODUCED$/m, 'run.sh: REPRODUCED');
like($out, qr/^warning: WARNING: CPU: \d+ PID: \d+ at fs\/ext4\/inode\.c:\d+ ext4_dirty_folio\+0x/m,
     'run.sh: quotes the kernel WARNING line');
like($out, qr/^site: ext4_dirty_folio \(fs\/ext4\/inode\.c:\d+\)$/m, 'run.sh: names ext4_dirty_folio');
SKIP: {
	skip 'no run directory', 9 unless $dir;
	ok(-s "$dir/$_", "artifact $_ written") for qw(console.log steps.jsonl verdict.txt run.txt);
	my $s = steps($dir);
	my $ms = $s->{msync}[0];
	ok($ms && $ms->{result} eq 'ok' && !flags($ms)->{dirty} && flags($ms)->{'maybe-dma-pinned'},
	   'after msync the pinned folio is clean and still maybe-dma-pinned');
	my $d = $s->{'dirty-unlocked'}[0];
	ok($d && $d->{result} eq 'ok' && $d->{ret} == 1 && flags($d)->{dirty},
	   'dirty-unlocked dirtied a clean folio (set_page_dirty returned true)');
	ok(flags($d)->{buffers}, 'the folio still had buffer heads');
	ok($s->{'pin'}[0]{state}{refcount} >= 1025, 'the pin is a FOLL_PIN (refcount >= 1 + GUP_PIN_COUNTING_BIAS)');
	pins_balanced($dir, 'unlocked-dirty');
}

# 2. control does not.
($out, $rc, $dir) = run_sh('--scenario', 'control');
is($rc, 0, 'run.sh --scenario control: exit 0') or diag($out);
like($out, qr/^verdict: NOT REPRODUCED$/m, 'control: NOT REPRODUCED');
SKIP: {
	skip 'no run directory', 3 unless $dir;
	unlike(slurp("$dir/console.log"), qr/WARNING:|BUG:|Oops/, 'control: no WARNING, BUG or Oops on the console');
	my $s = steps($dir);
	my @uw = @{ $s->{'user-write'} || [] };
	ok(@uw == 2 && flags($uw[1])->{dirty}, 'control: the second user write dirtied the folio through ->page_mkwrite');
	pins_balanced($dir, 'control');
}

# 3. the in-guest ABI test.
my $abi = `cd $top && bash -c '. vm-images/lib.sh; gupr_prepare debian:bookworm >&2 || exit 1; d=\$(mktemp -d); gupr_boot "\$d" 300 gupr.mode=abi-test >&2; echo "\$d \$BOOT_STATUS"' 2>/dev/null`;
my ($adir, $st) = split ' ', $abi;
is($st, 'ok', 'ABI test guest booted and powered off');
SKIP: {
	skip 'no abi-test run', 4 unless $adir && -d $adir;
	my $tap = slurp("$adir/steps.jsonl");
	my ($plan) = $tap =~ /^1\.\.(\d+)$/m;
	my @lines = $tap =~ /^((?:not )?ok \d+ .*)$/mg;
	ok($plan && @lines == $plan, "guest ABI test ran all $plan cases") or diag($tap);
	for my $l (@lines) {
		my ($not, $name) = $l =~ /^(not )?ok \d+ - (.*)$/;
		ok(!$not, "guest: $name");
	}
	my $con = slurp("$adir/console.log");
	unlike($con, qr/WARNING:|BUG:|Oops|gup_repro: .*(warn|leak)/i, 'ABI test: no warning, BUG or Oops in dmesg');
	like(slurp("$adir/guest.log"), qr/^gupr-meta: abi_test_rc=0$/m, 'ABI test exit status 0');
	pins_balanced($adir, 'ABI test');
	system('rm', '-rf', $adir);
}

done_testing();
