#!/usr/bin/perl
# Boots the real Debian bookworm (6.1) guest under QEMU:
#  - ./run.sh reproduces: exit 1, verdict names ext4_dirty_folio, and the
#    driver's step log shows the folio clean after msync and dirtied by the
#    module's unlocked set_page_dirty();
#  - ./run.sh --scenario control does not: exit 0, no WARNING;
#  - the in-guest ABI test: every bad input gets its errno, no warning in
#    dmesg, nr_foll_pin_acquired == nr_foll_pin_released;
#  - the BPF trace (events.jsonl): unlocked-dirty shows the user write fault
#    with ->page_mkwrite, writeback (clear_dirty_for_io + folio_mkclean), the
#    module's set_page_dirty with no ->page_mkwrite in between, then the WARN
#    at ext4_dirty_folio, and the checker reports the violation; control
#    shows ->page_mkwrite after folio_mkclean and no violation;
#  - pintrace's symbols: through the kernel by default (pt_lookup,
#    pt_symbolize), and the same probes and stack frames when it reads
#    /proc/kallsyms instead (gupr.trace_syms=kallsyms).
use strict;
use warnings;
use Test::More;
use FindBin;
use Cwd ();
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp run_sh);
use JSON::PP;

my $top = "$FindBin::Bin/../..";


sub steps {
	my ($dir) = @_;
	my %by;
	for my $l (split /\n/, slurp("$dir/steps.jsonl")) {
		next unless $l =~ /^\{/;
		my $j = eval { decode_json($l) } or next;
		next unless defined $j->{step};	# the module record
		push @{ $by{$j->{step}} }, $j;
	}
	return \%by;
}

sub flags { my ($j) = @_; return { map { $_ => 1 } @{ $j->{state}{flags} || [] } }; }

# events.jsonl of a run: the victim's kernel events in sequence order
sub events {
	my ($dir) = @_;
	my @ev;
	for my $l (split /\n/, slurp("$dir/events.jsonl")) {
		my $j = eval { decode_json($l) } or next;
		push @ev, $j;
	}
	return sort { ($a->{seq} // -1) <=> ($b->{seq} // -1) } grep { defined $_->{seq} } @ev;
}

sub first_idx {
	my ($ev, $from, $test) = @_;
	for my $i ($from .. $#$ev) { return $i if $test->($ev->[$i]); }
	return undef;
}

sub report_ok {
	my ($dir, $what) = @_;
	my $r = slurp("$dir/report.txt");
	my @long = grep { length($_) > 80 } split /\n/, $r;
	ok(length($r) && !@long, "$what: report.txt written, no line over 80 columns") or diag(join("\n", @long));
	like($r, qr/^Invariant\n---------\nOnce folio_mkclean\(\) has cleaned a folio and write-protected its/m,
	     "$what: report.txt names the invariant");
	ok(-s "$dir/trace.json" && -s "$dir/timeline.svg", "$what: trace.json and timeline.svg written");
}

sub pins_balanced {
	my ($dir, $what) = @_;
	my $g = slurp("$dir/guest.log");
	my ($a, $r) = $g =~ /^gupr-meta: vmstat_after nr_foll_pin_acquired=(\d+) nr_foll_pin_released=(\d+)/m;
	ok(defined $a && $a == $r && $a > 0, "$what: nr_foll_pin_acquired ($a) == nr_foll_pin_released ($r) at the end")
		or diag($g =~ /^(gupr-meta: .*)$/mg);
}

# the module's set_page_dirty in a run's events: its stack (frames joined by spaces)
sub module_dirty_stack {
	my ($dir) = @_;
	my ($e) = grep { $_->{event} eq 'set_page_dirty' && grep(/gupr_ioctl/, @{ $_->{stack} }) } events($dir);
	return $e ? join(' ', @{ $e->{stack} }) : undef;
}

# 1. unlocked-dirty reproduces.
my ($out, $rc, $dir) = run_sh($top);
my ($attached1, $stack1);
is($rc, 1, 'run.sh (unlocked-dirty): exit 1') or diag($out);
like($out, qr/^verdict: REPRODUCED$/m, 'run.sh: REPRODUCED');
# nothing the run started outlives it holding the run directory (its
# lock: the next run with --out there would be refused)
{
	my $rdir = Cwd::abs_path($dir) // $dir;
	my @holders = grep { my $p = $_; grep { (readlink($_) // '') eq $rdir } glob("$p/fd/*") } glob('/proc/[0-9]*');
	is("@holders", '', 'run.sh: no process left holding the run directory')
		or diag(join('', map { `tr '\\0' ' ' <$_/cmdline` . "\n" } @holders));
}
like($out, qr/^warning: WARNING: CPU: \d+ PID: \d+ at fs\/ext4\/inode\.c:\d+ ext4_dirty_folio\+0x/m,
     'run.sh: quotes the kernel WARNING line');
like($out, qr/^site: ext4_dirty_folio \(fs\/ext4\/inode\.c:\d+\)$/m, 'run.sh: names ext4_dirty_folio');
SKIP: {
	skip 'no run directory', 27 unless $dir;
	ok(-s "$dir/$_", "artifact $_ written") for qw(console.log steps.jsonl verdict.txt run.txt);
	my $s = steps($dir);
	like(slurp("$dir/steps.jsonl"), qr/^\{"event":"module","abi_version":\d+,"max_pages":512,"page_size":4096,"built_for":"6\.1\.\d+"\}$/m,
	     'steps.jsonl records the module (INFO): built for the 6.1 headers');
	my $ms = $s->{msync}[0];
	ok($ms && $ms->{result} eq 'ok' && !flags($ms)->{dirty} && flags($ms)->{'maybe-dma-pinned'},
	   'after msync the pinned folio is clean and still maybe-dma-pinned');
	my $d = $s->{'dirty-unlocked'}[0];
	ok($d && $d->{result} eq 'ok' && $d->{ret} == 1 && flags($d)->{dirty},
	   'dirty-unlocked dirtied a clean folio (set_page_dirty returned true)');
	ok(flags($d)->{buffers}, 'the folio still had buffer heads');
	ok($s->{'pin'}[0]{state}{refcount} >= 1025, 'the pin is a FOLL_PIN (refcount >= 1 + GUP_PIN_COUNTING_BIAS)');
	pins_balanced($dir, 'unlocked-dirty');

	# the BPF trace
	my ($start) = grep { ($_->{event} // '') eq 'start' } map { eval { decode_json($_) } || () } split /\n/, slurp("$dir/events.jsonl");
	is(join(',', sort @{ $start->{attached} || [] }),
	   join(',', sort qw(folio_mkclean folio_clear_dirty_for_io clear_page_dirty_for_io set_page_dirty
			     set_page_dirty_lock folio_mark_dirty ext4_dirty_folio block_dirty_folio filemap_dirty_folio
			     __set_page_dirty_nobuffers do_page_mkwrite ext4_page_mkwrite filemap_page_mkwrite
			     iomap_page_mkwrite __folio_start_writeback folio_end_writeback end_page_writeback
			     pin_user_pages pin_user_pages_fast pin_user_pages_remote get_user_pages get_user_pages_fast
			     unpin_user_page unpin_user_pages unpin_user_pages_dirty_lock filemap_release_folio
			     try_to_release_page try_to_free_buffers __warn __ext4_warning_inode)),
	   'trace: pintrace attached every probe 6.1 has') or diag(explain($start));
	is(scalar @{ $start->{failed} || ['?'] }, 0, 'trace: no probe failed to attach (by address)');
	is($start && $start->{symbols}, 'kallsyms_lookup_name',
	   'trace: the probes\' addresses from the kernel (pt_lookup: bpf_kallsyms_lookup_name, v5.16+), no /proc/kallsyms read');
	$attached1 = join(',', sort @{ $start->{attached} || [] });
	$stack1 = module_dirty_stack($dir);
	like($stack1 // '', qr/^set_page_dirty\+0x[0-9a-f]+ gupr_ioctl\+0x[0-9a-f]+ \[gup_repro\] /,
	     'trace: stack frames through pt_symbolize ("%pB"), a module\'s as name+0xOFF [module]') or diag($stack1);
	is($start && $start->{btf}, '/lib/pintrace.btf', 'trace: CO-RE against the minimal BTF of the initramfs (bpftool gen min_core_btf)');
	ok($start && defined $start->{setup_ms}{wait}, 'trace: pintrace loaded its programs, then attached once the init\'s modules were loaded (setup_ms.wait)');
	ok($start && ($start->{attach} // '') eq 'kprobe' && ($start->{setup_ms}{probes} // 0) > 0,
	   'trace: 6.1 (no kprobe.multi): the kprobes were made while the programs loaded (setup_ms.probes), then bound to them')
		or diag(explain($start && $start->{setup_ms}));
	my @ev = events($dir);
	ok(@ev > 5, 'unlocked-dirty: pintrace recorded the victim\'s events (' . scalar(@ev) . ')');
	my $mkw = first_idx(\@ev, 0, sub { $_[0]{event} eq 'ext4_page_mkwrite' && $_[0]{comm} eq 'gup-repro' });
	my $cdi = first_idx(\@ev, $mkw // 0, sub { $_[0]{event} =~ /clear_(page_)?dirty_for_io/ });
	my $mkc = first_idx(\@ev, $cdi // 0, sub { $_[0]{event} eq 'folio_mkclean' });
	my $spd = first_idx(\@ev, $mkc // 0, sub { $_[0]{event} eq 'set_page_dirty' && grep(/gupr_ioctl/, @{ $_[0]{stack} }) });
	my $wrn = first_idx(\@ev, $spd // 0, sub { $_[0]{event} eq '__warn' });
	ok(defined $mkw, 'trace: the user write fault ran ext4_page_mkwrite');
	ok(defined $cdi && defined $mkc, 'trace: then writeback: clear_dirty_for_io and folio_mkclean');
	ok(defined $spd, 'trace: then the module\'s set_page_dirty (called from gupr_ioctl)');
	ok(defined $spd && !grep(/dirty/, @{ $ev[$spd]{flags} }), 'trace: the folio was clean when the module dirtied it');
	ok(defined $spd && $ev[$spd]{maybe_dma_pinned}, 'trace: and maybe-DMA-pinned');
	ok(defined $mkc && defined $spd && !grep({ $_->{kind} eq 'page-mkwrite' } @ev[$mkc .. $spd]),
	   'trace: no ->page_mkwrite between folio_mkclean and set_page_dirty');
	ok(defined $wrn && $ev[$wrn]{file} eq 'fs/ext4/inode.c', 'trace: then the WARN in fs/ext4/inode.c');
	like(slurp("$dir/ordering.txt"), qr/^ordering: VIOLATION\n(?:.*\n)*?violation: .*cleaned by folio_mkclean.*dirtied by set_page_dirty.*pinned, fs hook ext4_dirty_folio$/m,
	     'unlocked-dirty: the checker reports the violation');
	like($out, qr/^ordering: VIOLATION: a folio of a MAP_SHARED file mapping was dirtied while clean/m,
	     'run.sh prints the violated invariant');
	report_ok($dir, 'unlocked-dirty');
}

# 2. control does not.
($out, $rc, $dir) = run_sh($top, '--scenario', 'control');
is($rc, 0, 'run.sh --scenario control: exit 0') or diag($out);
like($out, qr/^verdict: NOT REPRODUCED$/m, 'control: NOT REPRODUCED');
SKIP: {
	skip 'no run directory', 10 unless $dir;
	unlike(slurp("$dir/console.log"), qr/WARNING:|BUG:|Oops/, 'control: no WARNING, BUG or Oops on the console');
	my $s = steps($dir);
	my @uw = @{ $s->{'user-write'} || [] };
	ok(@uw == 2 && flags($uw[1])->{dirty}, 'control: the second user write dirtied the folio through ->page_mkwrite');
	pins_balanced($dir, 'control');

	my @ev = events($dir);
	my $mkc = first_idx(\@ev, 0, sub { $_[0]{event} eq 'folio_mkclean' });
	my $mkw = first_idx(\@ev, $mkc // 0, sub { $_[0]{kind} eq 'page-mkwrite' });
	my $dirty = first_idx(\@ev, $mkc // 0, sub { $_[0]{kind} eq 'dirty' && !grep(/^dirty$/, @{ $_[0]{flags} }) });
	ok(defined $mkc && defined $mkw, 'control trace: ->page_mkwrite after folio_mkclean');
	ok(!defined $dirty || (defined $mkw && $dirty > $mkw),
	   'control trace: no dirtying call finds the cleaned folio clean before ->page_mkwrite');
	like(slurp("$dir/ordering.txt"), qr/^ordering: OK$/m, 'control: the checker reports no violation');
	unlike(slurp("$dir/ordering.txt"), qr/^violation:/m, 'control: no violation line');
	report_ok($dir, 'control');
}

# 2b. the same run with pintrace reading /proc/kallsyms instead: the same
# probes, the same frames (no KASLR on the PVH boot; +0xOFF either way).
{
	my $cmdline = `cd $top && bash -c '. vm-images/lib.sh; echo "\$GUPR_BOOT_CMDLINE"'`;
	chomp $cmdline;
	local $ENV{GUPR_BOOT_CMDLINE} = "$cmdline gupr.trace_syms=kallsyms";
	my ($kout, $krc, $kdir) = run_sh($top);
	is($krc, 1, 'gupr.trace_syms=kallsyms: exit 1 (REPRODUCED)') or diag($kout);
	my ($kstart) = $kdir ? grep { ($_->{event} // '') eq 'start' } map { eval { decode_json($_) } || () }
		split /\n/, slurp("$kdir/events.jsonl") : ();
	is($kstart && $kstart->{symbols}, '/proc/kallsyms', 'gupr.trace_syms=kallsyms: pintrace read /proc/kallsyms');
	is($kstart && join(',', sort @{ $kstart->{attached} || [] }), $attached1,
	   'the same probes attached as with the kernel\'s lookups');
	is($kdir && module_dirty_stack($kdir), $stack1, 'the module\'s set_page_dirty: the same stack frames');
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
	unlike($con, qr/WARNING:|BUG:|\bOops\b|gup_repro: .*(?i:warn|leak)/, 'ABI test: no warning, BUG or Oops in dmesg');
	like(slurp("$adir/guest.log"), qr/^gupr-meta: abi_test_rc=0$/m, 'ABI test exit status 0');
	pins_balanced($adir, 'ABI test');
	system('rm', '-rf', $adir);
}

done_testing();
