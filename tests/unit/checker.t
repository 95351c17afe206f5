#!/usr/bin/perl
# The ordering checker and report writer (bpf/host/checker.c, bpf/host/pintrace-report.c)
# on recorded pintrace traces: violation, control, two folios, interleaved
# CPUs, lost events, a cut trace, other inodes, the fs's own write path.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use File::Temp qw(tempdir);
use JSON::PP;

my $top = "$FindBin::Bin/../..";
my $rep = "$top/build/host/pintrace-report";
my $ver = "$top/build/host/gup-repro-verdict";
my $fx = "$top/tests/fixtures/events";
-x $rep or BAIL_OUT("$rep missing: run 'make host'");

sub report {
	my ($name, @extra) = @_;
	my $dir = tempdir(CLEANUP => 1);
	my $out = `$rep --events $fx/$name.jsonl --out $dir @extra 2>&1`;
	return ($? >> 8, $out, $dir);
}

my ($rc, $out, $dir);

# 1. the real violation
($rc, $out, $dir) = report('violation', "--steps $fx/violation.steps.jsonl --run $fx/violation.run.txt",
			   "--verdict $fx/violation.verdict.txt --guest $fx/violation.guest.log");
is($rc, 1, 'violation: exit 1');
my $ord = slurp("$dir/ordering.txt");
like($ord, qr/^ordering: VIOLATION$/m, 'violation: ordering VIOLATION');
my @v = $ord =~ /^violation: (.*)$/mg;
is(scalar @v, 1, 'violation: one folio violated');
like($v[0] // '', qr/cleaned by folio_mkclean .*dirtied by set_page_dirty \(seq \d+, comm gup-repro\), pinned, fs hook ext4_dirty_folio/,
     'violation: evidence names folio_mkclean, set_page_dirty, the pin and the fs hook');
like($out, qr/folio_mkclean .*<- cleaned, PTE read-only.*\n(?:.*\n)*?.*set_page_dirty .*<- dirtied, no page_mkwrite/,
     'short timeline: mkclean before the dirtying, both marked');
my @tl = $out =~ /^\s+\d+\.\d+\s+(\S+)\s+(\S+)/mg;
my %pos; my $i = 0;
while (my ($lane, $name) = splice(@tl, 0, 2)) { $pos{"$lane $name"} //= $i++; }
ok(defined $pos{'fs ext4_page_mkwrite'} && defined $pos{'mm folio_mkclean'} &&
   $pos{'fs ext4_page_mkwrite'} < $pos{'mm folio_mkclean'} &&
   $pos{'mm folio_mkclean'} < $pos{'wb __folio_start_writeback'} &&
   $pos{'wb __folio_start_writeback'} < $pos{'module set_page_dirty'} &&
   $pos{'module set_page_dirty'} < $pos{'fs WARN'},
   'timeline order: page_mkwrite, folio_mkclean, writeback, module set_page_dirty, WARN');

# 1b. a folio whose buffer heads were released while the page was held
# (odirect-delayed --fault reclaim on 6.1 ext4: try_to_free_buffers between
# the clean and the dirtying by __bio_release_pages)
{
	my ($brc, $bout, $bdir) = report('released-buffers');
	is($brc, 1, 'released-buffers: exit 1 (violation)');
	my $bord = slurp("$bdir/ordering.txt");
	like($bord, qr/^private: released by try_to_free_buffers \(seq \d+, comm gupr-trigger-od\) while the page was held: pfn 0x[0-9a-f]+ was dirtied without the private data \(buffer heads\) it had when cleaned$/m,
	     'released-buffers: ordering.txt names the release and the lost buffer heads');
	($brc, $bout, $bdir) = report('violation');
	unlike(slurp("$bdir/ordering.txt"), qr/^private:/m,
	       'violation (module write, buffers kept): no private line');
}

my $r = slurp("$dir/report.txt");
is($r, slurp("$fx/violation.expected-report.txt"), 'report.txt: as recorded (violation.expected-report.txt)');
is($out, slurp("$fx/violation.expected-stdout.txt"), 'short timeline and ordering line: as recorded');
is(slurp("$dir/ordering.txt"), slurp("$fx/violation.expected-ordering.txt"), 'ordering.txt: as recorded');
is_deeply(eval { decode_json(slurp("$dir/trace.json")) }, decode_json(slurp("$fx/violation.expected-trace.json")),
	  'trace.json: the same events as recorded');
my @long = grep { length($_) > 80 } split /\n/, $r;
is(scalar @long, 0, 'report.txt: no line over 80 columns') or diag(join("\n", @long));
like($r, qr/^Invariant\n---------\nOnce folio_mkclean\(\) has cleaned a folio/m, 'report.txt states the invariant');
like($r, qr/^VIOLATION: a folio of a MAP_SHARED file mapping was dirtied while clean and\nwrite-protected, with no ->page_mkwrite since the last folio_mkclean$/m,
     'report.txt names the violated invariant in its verdict');
like($r, qr/^kernel:\s+linux-image-6\.1\.0-56-cloud-amd64 6\.1\.192-2 \(bookworm\)$/m, 'report.txt: kernel version');
like($r, qr/^fs:\s+ext4, victim inode 12 on 254:0$/m, 'report.txt: filesystem and victim');
like($r, qr/^scenario:\s+unlocked-dirty$/m, 'report.txt: scenario');
like($r, qr/^WARNING: CPU: \d+ PID: \d+ at fs\/ext4\/inode\.c:3663 ext4_dirty_folio/m, 'report.txt: the kernel warning');
like($r, qr/^Call Trace \(trimmed\):\n  gupr_ioctl\n/m, 'report.txt: trimmed call trace');
like($r, qr/^    set_page_dirty\+0x\w+\n    gupr_ioctl\+0x\w+ \[gup_repro\]$/m, 'report.txt: the dirtying stack, symbolized');

my $tj = eval { decode_json(slurp("$dir/trace.json")) };
ok($tj && ref $tj->{traceEvents} eq 'ARRAY', 'trace.json is Chrome Trace Event JSON');
my %lanes = map { $_->{args}{name} => 1 } grep { $_->{ph} eq 'M' } @{ $tj->{traceEvents} || [] };
is_deeply([sort keys %lanes], ['filesystem', 'gup_repro module', 'mm', 'user space', 'writeback'],
	  'trace.json: one track per swimlane');
ok((grep { $_->{ph} eq 'X' && $_->{name} eq 'msync' } @{ $tj->{traceEvents} || [] }), 'trace.json: user steps as spans');
ok((grep { $_->{ph} eq 'i' && $_->{name} eq 'folio_mkclean' } @{ $tj->{traceEvents} || [] }), 'trace.json: kernel events as instants');
like(slurp("$dir/timeline.svg"), qr/<svg.*folio pfn 0x[0-9a-f]+: VIOLATION/s, 'timeline.svg drawn by gnuplot');

# 2. control
($rc, $out, $dir) = report('control');
is($rc, 0, 'control: exit 0');
like(slurp("$dir/ordering.txt"), qr/^ordering: OK$/m, 'control: ordering OK');
unlike(slurp("$dir/ordering.txt"), qr/^violation:/m, 'control: no violation');

# 3. two folios, 4. the same trace interleaved across CPUs
($rc, $out, $dir) = report('two-folios');
is($rc, 1, 'two folios: exit 1');
my @two = slurp("$dir/ordering.txt") =~ /^(violation: .*)$/mg;
is(scalar @two, 2, 'two folios: both violated');
my @pfns = map { /pfn (\S+)/ ? $1 : '' } @two;
ok(@pfns == 2 && $pfns[0] ne $pfns[1], "two folios: different pfns (@pfns)");
like($two[1] // '', qr/index 1 /, 'two folios: the second is index 1');
($rc, $out, $dir) = report('interleaved-cpus');
is($rc, 1, 'interleaved CPUs: exit 1');
my @il = slurp("$dir/ordering.txt") =~ /^(violation: .*)$/mg;
is_deeply(\@il, \@two, 'interleaved CPUs: same violations as the ordered trace (ordered by seq)');

# 5. lost events, 6. a cut trace: no verdict, say incomplete
($rc, $out, $dir) = report('lost-events');
is($rc, 3, 'lost events: exit 3');
like(slurp("$dir/ordering.txt"), qr/^ordering: INCOMPLETE\nwhy: trace incomplete: 2 event\(s\) lost, 2 sequence gap\(s\); 1 candidate/m,
     'lost events: INCOMPLETE, lost and gaps counted, candidate not confirmed');
($rc, $out, $dir) = report('no-end');
is($rc, 3, 'cut trace: exit 3');
like(slurp("$dir/ordering.txt"), qr/no end line/, 'cut trace: says pintrace did not finish');

# 7. other inodes are ignored
($rc, $out, $dir) = report('other-inodes');
is($rc, 0, 'other inodes: exit 0 (their violation is not the victim\'s)');
like(slurp("$dir/ordering.txt"), qr/^events: 35 victim, 25 other inodes ignored/m, 'other inodes: counted as ignored');

# 8. the filesystem's own buffered-write path is not a violation
($rc, $out, $dir) = report('fs-write-path');
is($rc, 0, 'dirtying from generic_perform_write: not a violation');

# ordering.txt of every recorded trace, exactly
for my $n (qw(control two-folios interleaved-cpus lost-events no-end other-inodes fs-write-path)) {
	($rc, $out, $dir) = report($n);
	is(slurp("$dir/ordering.txt"), slurp("$fx/$n.expected-ordering.txt"), "$n: ordering.txt as recorded");
}

# 8a. duplicated sequence numbers: no verdict from an order we cannot trust
($rc, $out, $dir) = report('dup-seq');
is($rc, 3, 'duplicated seq: exit 3');
like(slurp("$dir/ordering.txt"), qr/^ordering: INCOMPLETE\nwhy: trace incomplete: 0 event\(s\) lost, 0 sequence gap\(s\), 1 duplicated sequence number\(s\); 1 candidate/m,
     'duplicated seq: INCOMPLETE, the duplicate named');
($rc, $out, $dir) = report('dup-line');
is($rc, 3, 'duplicated event line: exit 3');
like(slurp("$dir/ordering.txt"), qr/^why: trace incomplete: 0 event\(s\) lost, 0 sequence gap\(s\), 1 duplicated sequence number\(s\), 1 duplicated per-CPU number\(s\);/m,
     'duplicated event line: duplicates counted, no wrapped gap count');

# 8b. malformed lines count: INCOMPLETE, not a verdict over what was left
($rc, $out, $dir) = report('bad-lines');
is($rc, 3, 'malformed lines: exit 3');
like(slurp("$dir/ordering.txt"), qr/^why: trace incomplete: 0 event\(s\) lost, 0 sequence gap\(s\), 3 malformed line\(s\);/m,
     'malformed lines: INCOMPLETE, three malformed lines counted');

# 8c. more folios than the old fixed table (256): the 301st folio's violation is found
($rc, $out, $dir) = report('many-folios');
is($rc, 1, '301 folios: exit 1');
like(slurp("$dir/ordering.txt"), qr/^violation: pfn 0x45bd index 0 cleaned by folio_mkclean \(seq 313\), dirtied by set_page_dirty \(seq 320/m,
     '301 folios: the violation of the last folio');

# 8d. a flood of events: a bounded budget, then INCOMPLETE "too many events"
($rc, $out, $dir) = report('violation', '--max-events 10');
is($rc, 3, '--max-events 10: exit 3');
like(slurp("$dir/ordering.txt"), qr/^why: trace incomplete: .*too many events \(more than 10; the rest was not read\)/m,
     '--max-events 10: INCOMPLETE, too many events');
{
	my $fl = tempdir(CLEANUP => 1);
	open(my $fh, '>', "$fl/flood.jsonl") or die;
	print $fh qq({"event":"start","ino":12,"dev":"254:0","attached":["set_page_dirty"]}\n);
	my $stack = join(',', map { qq("frame_$_+0x1") } 1 .. 24);
	for my $i (0 .. 299_999) {
		print $fh qq({"event":"set_page_dirty","seq":$i,"cpu_seq":$i,"cpu":0,"tid":1,"ts_ns":$i,"pfn":7,"ino":12,"dev":"254:0","flags":["dirty"],"stack":[$stack]}\n);
	}
	print $fh qq({"event":"end","events":300000,"lost":0}\n);
	close $fh;
	# 1.2 GB of address space: the budget (512 MB of events) fits, 300000 unbounded events do not
	my $fout = `ulimit -v 1200000; $rep --events $fl/flood.jsonl --out $fl 2>&1`;
	is($? >> 8, 3, 'flood of 300000 events in 1.2 GB: exit 3 (incomplete), not out of memory') or diag(substr($fout, 0, 300));
	like(slurp("$fl/ordering.txt"), qr/too many events \(more than \d+; the rest was not read\)/, 'flood: too many events');
	my @rows = split /\n/, $fout;
	ok(@rows < 1000, 'flood: the printed timeline is bounded (' . scalar(@rows) . ' lines)');
	like($fout, qr/^ +\.\.\. \d+ more rows not shown$/m, 'flood: says how many rows it left out');
}

# 8e. what the guest put into events reaches no terminal and no report raw
($rc, $out, $dir) = report('hostile', "--verdict $top/tests/fixtures/events/violation.verdict.txt");
is($rc, 1, 'escapes in events: still a violation');
for my $f ([stdout => $out], map { [$_ => slurp("$dir/$_")] } qw(report.txt ordering.txt)) {
	unlike($f->[1], qr/[\x00-\x09\x0b-\x1f\x7f]/, "escapes in events: no control character in $f->[0]");
}
like(slurp("$dir/ordering.txt"), qr/comm gup\\x1b\]0;x\\x07repro\)/, 'escapes in events: comm escaped in ordering.txt');
like(slurp("$dir/report.txt"), qr/^    gupr_ioctl\\x1b\[31m\+0x67c \[gup_repro\]$/m, 'escapes in events: stack frame escaped in report.txt');
like($out, qr/WARN fs\/ext4\/\\x1b\[8minode/, 'escapes in events: warning file escaped in the timeline');
my @wide = grep { length($_) > 80 && !/^ordering: / } split /\n/, $out . slurp("$dir/report.txt");
is(scalar @wide, 0, 'escapes in events: no timeline or report line over 80 columns') or diag(join("\n", @wide));

# 9. no trace, bad usage
my $empty = tempdir(CLEANUP => 1);
spew("$empty/e.jsonl", '');
`$rep --events $empty/e.jsonl --out $empty 2>&1`;
is($? >> 8, 4, 'empty events file: exit 4');
like(slurp("$empty/ordering.txt"), qr/^ordering: NO TRACE$/m, 'empty events file: NO TRACE');
`$rep 2>&1`;
is($? >> 8, 2, 'no --events: exit 2');
`$rep --events /nonexistent.jsonl 2>&1`;
is($? >> 8, 2, 'missing events file: exit 2');
`$rep --events $fx/violation.jsonl --quiet 2>&1`;
is($? >> 8, 2, '--quiet (never did anything) is gone: exit 2');
`$rep --events $fx/violation.jsonl --max-events 0 2>&1`;
is($? >> 8, 2, '--max-events 0: exit 2');

# 10. the verdict takes the ordering into account
my $o = tempdir(CLEANUP => 1);
spew("$o/ord.txt", "ordering: VIOLATION\nwhy: x\ninvariant: a folio of a MAP_SHARED file mapping was dirtied while clean\n");
my $vo = `$ver --ordering $o/ord.txt $top/tests/fixtures/debian-6.1-control.log`;
is($? >> 8, 1, 'verdict: no warning but ordering VIOLATION: exit 1');
like($vo, qr/^verdict: VIOLATION$/m, 'verdict: VIOLATION');
$vo = `$ver --ordering $fx/../../fixtures/events/README $top/tests/fixtures/debian-6.1-control.log 2>&1`;
is($? >> 8, 2, 'verdict: --ordering file without an ordering line: exit 2');

done_testing();
