#!/usr/bin/perl
# The 6.1 (bookworm) and 6.12 (trixie) ext4 cells of the matrix, each in its
# own VM: unlocked-dirty reproduces with the kernel's own warning, control
# is clean, the 6.5 FOLL_LONGTERM mitigation shows on 6.12 and not on 6.1,
# io_uring refuses the file-backed fixed buffer on both; pintrace attaches
# kprobe.multi links on 6.12 (the same probes and frames as a kprobe
# each) and a kprobe per probe on 6.1.  (The full matrix
# is tests/slow/matrix.t, `make check-slow`.)
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);
use GuprMatrix qw(run_matrix expected check_expected);
use JSON::PP;

my $top = "$FindBin::Bin/../..";
my ($rc, $out, $c, $dir) = run_matrix($top, '--kernels', 'debian:bookworm,debian:trixie', '--fs', 'ext4');
is($rc, 0, 'matrix finished') or diag($out);
is(scalar keys %$c, 8, 'eight cells');
# every cell as the driver's rule beside the scenario table predicts
# (gupr_expect(): the kernel's own warning on ext4, the v6.5 FOLL_LONGTERM
# check on 6.12 and not on 6.1, io_uring's refusal on both, control clean)
is(check_expected($top, $c), 8, 'every cell has a prediction');
like(($c->{'debian:trixie ext4 unlocked-dirty'} || {})->{warning} // '', qr/^WARNING: .*fs\/ext4\/inode\.c:\d+.*ext4_dirty_folio/,
     '6.12 cell quotes its own warning line');
my @long = grep { length($_) > 80 } split /\n/, slurp("$dir/matrix.txt");
ok($dir && -s "$dir/matrix.txt" && !@long, 'matrix.txt written, 80 columns');
ok($dir && -s "$dir/matrix.md" && -s "$dir/matrix.json", 'matrix.md and matrix.json written');
like($out, qr/^\[ ?\d+\/8\] /m, 'a progress line per finished cell');

# pintrace in the cells: the kernel resolves its symbols on both (v5.16+);
# 6.12 has kprobe.multi (CONFIG_FPROBE), one link per BPF program, 6.1 a
# kprobe per probe.  The same probes and frames as a kprobe each on 6.12
# (gupr.trace_attach=kprobe), but for the first frame, the probed
# function's own: ftrace's call site (+0x5 past kprobe's +0x1 with IBT).
sub start_and_stack {
	my ($d) = @_;
	my ($start, $stack);
	for my $l (split /\n/, slurp("$d/events.jsonl")) {
		my $e = eval { JSON::PP::decode_json($l) } or next;
		$start //= $e if ($e->{event} // '') eq 'start';
		$stack //= join(' ', @{ $e->{stack} }[1 .. $#{ $e->{stack} }])
			if ($e->{event} // '') eq 'set_page_dirty' && grep(/gupr_ioctl/, @{ $e->{stack} || [] });
	}
	return ($start || {}, $stack);
}
my ($s61) = start_and_stack($dir && "$dir/bookworm/ext4/unlocked-dirty");
my ($s612, $stack612) = start_and_stack($dir && "$dir/trixie/ext4/unlocked-dirty");
is(($s61->{symbols} // '') . ' ' . ($s612->{symbols} // ''), 'kallsyms_lookup_name kallsyms_lookup_name',
   'pintrace: symbols through the kernel on 6.1 and 6.12');
is(($s61->{attach} // '') . ' ' . ($s612->{attach} // ''), 'kprobe kprobe.multi', 'pintrace: a kprobe each on 6.1, kprobe.multi on 6.12');
is(scalar @{ $s612->{failed} || ['?'] }, 0, '6.12: no probe failed to attach');
{
	my $cmdline = `cd $top && bash -c '. vm-images/lib.sh; echo "\$GUPR_BOOT_CMDLINE"'`;
	chomp $cmdline;
	local $ENV{GUPR_BOOT_CMDLINE} = "$cmdline gupr.trace_attach=kprobe";
	my $o = `cd $top && ./run.sh -k debian:trixie 2>&1`;
	my ($kd) = $o =~ /^==> artifacts: (\S+)/m;
	$kd = "$top/$kd" if $kd && $kd !~ m{^/};
	my ($sk, $stackk) = start_and_stack($kd);
	is($sk->{attach} // '', 'kprobe', 'gupr.trace_attach=kprobe on 6.12: a kprobe per probe') or diag($o);
	is(join(',', sort @{ $sk->{attached} || [] }), join(',', sort @{ $s612->{attached} || ['?'] }),
	   '6.12: kprobe.multi attached the same probes as a kprobe each');
	ok(defined $stack612 && ($stackk // '') eq $stack612, '6.12: the module\'s set_page_dirty, the same frames past the first')
		or diag("multi: $stack612\nkprobe: $stackk");
}

# --repeat 3: a job per run of a cell (three progress lines), -j 2 of them
# at a time; the cell's verdict is the decider's over its three runs
($rc, $out, $c, $dir) = run_matrix($top, '--kernels', 'debian:bookworm', '--fs', 'ext4', '--scenarios', 'unlocked-dirty',
				   '--repeat', '3', '-j', '2');
is($rc, 0, 'matrix --repeat 3 finished') or diag($out);
my $cell = $c->{'debian:bookworm ext4 unlocked-dirty'} || {};
# (a repeated cell's matrix.json names no release: its first run's run.txt does)
my ($rel) = slurp("$dir/bookworm/ext4/unlocked-dirty/run-01/run.txt") =~ /^kernel: (\S+)$/m;
my $want = expected($top, $rel // '', 'ext4')->{'unlocked-dirty'} || [qr/(?!)/, 'no prediction'];
is(scalar(grep { $_ =~ $want->[0] } $out =~ /^\[ ?\d\/3\] bookworm\s+ext4\s+unlocked-dirty\s+run-0[123]: (\S+) /mg), 3,
   "--repeat 3: a job and a progress line per run, each $want->[0]") or diag($out);
like($cell->{result} // '', $want->[0], "--repeat 3: the cell is the runs' commonest reproducing result ($want->[1])");
like($cell->{verdict} // '', qr/^REPRODUCED 3 of 3 runs; reproduced 3\/3/, '--repeat 3: the cell\'s verdict counts its three runs');
ok($dir && (grep { -s "$dir/bookworm/ext4/unlocked-dirty/run-0$_/verdict.txt" } 1 .. 3) == 3, '--repeat 3: each run has its own directory in the cell');

# A kernel that cannot be prepared gives ERROR cells with the reason; the
# matrix still finishes and writes its tables.
($rc, $out, $c, $dir) = run_matrix($top, '--kernels', '6.1.999-1', '--fs', 'ext4,tmpfs', '--scenarios', 'control');
is($rc, 0, 'matrix with an unknown kernel version still finishes');
is(scalar keys %$c, 2, 'two cells');
like(($c->{'6.1.999-1 ext4 control'} || {})->{result} // '', qr/^ERROR:--kernel 6\.1\.999-1: no linux-image-cloud-amd64/,
     'the cells are ERROR with the reason');
like(($c->{'6.1.999-1 tmpfs control'} || {})->{reason} // '', qr/no linux-image-cloud-amd64 of version 6\.1\.999-1 in bullseye bookworm trixie sid/,
     'the full reason is in matrix.json');
ok($dir && -s "$dir/matrix.txt", 'matrix.txt written anyway');
done_testing();
