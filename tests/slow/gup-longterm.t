#!/usr/bin/perl
# The kernel's own selftest tools/testing/selftests/mm/gup_longterm.c
# (v6.5+), built from Debian's linux-source-6.12 (tests/slow/gup-longterm/
# build.sh), run with ./run.sh --exec in the guest of each kernel on each
# filesystem, against gup-repro's verdicts for longterm, longterm-private,
# iouring-fixed-buffer and iouring-fixed-buffer-private on the same kernel
# and filesystem (docs/gup-longterm.md):
#  - build.sh refuses bad usage with one line and exit 128;
#  - the selftest runs in every guest: its plan, the io_uring cases compiled
#    in (liburing), on memfd, tmpfile() (/tmp, the initramfs' rootfs) and a
#    local tmpfile (the working directory: the scratch filesystem);
#  - its GUP cases skip: Debian's kernels have no CONFIG_GUP_TEST
#    (/sys/kernel/debug/gup_test), so longterm is compared with the
#    test's should_work (R/W pin of a MAP_SHARED mapping works only on
#    tmpfs/hugetlbfs, any MAP_PRIVATE pin works): agreement on 6.12 and 7.2,
#    and on 5.10/6.1 the disagreement the v6.5 rule explains (the pin is
#    taken: REPRODUCED or VIOLATION);
#  - its io_uring cases: registration refused by the kernel exactly where
#    gup-repro's iouring-fixed-buffer(-private) cell is MITIGATED, on the
#    scratch filesystem (local tmpfile) and on tmpfs (memfd);
#  - the selftest's own ok/not ok: all io_uring cases pass on 6.12 and 7.2;
#    on 5.10/6.1 the MAP_PRIVATE ones on ext4/xfs/btrfs fail (io_uring's
#    pre-6.5 check refused every non-shmem file vma, the test expects a
#    private mapping to work), the MAP_SHARED ones pass (refused, as
#    expected).
# GUPR_LONGTERM_KERNELS (default all four suites) and GUPR_LONGTERM_FS
# (default ext4,xfs,btrfs,tmpfs) narrow it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);
use GuprMatrix qw(run_matrix);

my $top = "$FindBin::Bin/../..";
my $build = "$FindBin::Bin/gup-longterm/build.sh";
my @kernels = $ENV{GUPR_LONGTERM_KERNELS} ? split(/,/, $ENV{GUPR_LONGTERM_KERNELS}) :
	map { "debian:$_" } split ' ', GuprMatrix::facts($top)->{GUPR_SUITES};
my @fs = $ENV{GUPR_LONGTERM_FS} ? split(/,/, $ENV{GUPR_LONGTERM_FS}) :
	split(' ', GuprMatrix::facts($top)->{GUPR_FILESYSTEMS});
my %new = ('debian:trixie' => 1, 'debian:sid' => 1);	# v6.5+: the FOLL_LONGTERM file check

# bad usage
for my $bad (['a b', 'two arguments'], ['nosuch', 'an unknown suite']) {
	my $o = `$build $bad->[0] 2>&1`;
	is($? >> 8, 128, "build.sh with $bad->[1]: exit 128");
	is(scalar(() = $o =~ /\n/g), 1, "build.sh with $bad->[1]: one line") or diag($o);
}

my $bo = `$build 2>&1`;
is($? >> 8, 0, 'gup_longterm builds from linux-source-6.12') or BAIL_OUT($bo);
my ($bin) = $bo =~ /(\S+)\n\z/;
ok(-x $bin, "the binary is there: $bin");
like(`file $bin`, qr/statically linked/, 'static (the guest has no libc)');

# gup_longterm in each guest: { "K FS" => { "DESC|BACKING" => [ok, message] } }
my %st;
for my $k (@kernels) {
	for my $f (@fs) {
		my $o = `cd $top && ./run.sh --no-trace --kernel $k --fs $f --exec $bin 2>&1`;
		my ($dir) = $o =~ /^==> artifacts: (\S+)/m;
		my $so = $dir ? slurp("$top/$dir/exec.stdout") : '';
		like($so, qr/^1\.\.\d+$/m, "$k $f: gup_longterm ran (TAP plan)") or diag($o);
		my ($desc, $back);
		for (split /\n/, $so) {
			if (/^# \[RUN\] (.*) \.\.\. with (.*)$/) { ($desc, $back) = ($1, $2); next; }
			if (/^(ok|not ok) \d+ (.*)$/ && defined $desc) { $st{"$k $f"}{"$desc|$back"} = [$1, $2]; undef $desc; }
		}
	}
}

my ($rc, $out, $c) = run_matrix($top, '-j', '1', '--kernels', join(',', @kernels), '--fs', join(',', @fs),
	'--scenarios', 'longterm,longterm-private,iouring-fixed-buffer,iouring-fixed-buffer-private');
is($rc, 0, 'gup-repro matrix finished') or diag($out);

my $IO = 'io_uring fixed buffer with MAP_%s file mapping';
my $PIN = 'R/W longterm GUP pin in MAP_%s file mapping';
for my $k (@kernels) {
	for my $f (@fs) {
		my $t = $st{"$k $f"} || {};
		my $cell = sub { ($c->{"$k $f $_[0]"} || {})->{result} // 'missing' };
		for my $map (qw(SHARED PRIVATE)) {
			my $priv = $map eq 'PRIVATE' ? '-private' : '';
			# the GUP cases: skipped, compared with should_work
			my $p = $t->{sprintf($PIN, $map) . '|local tmpfile'} || ['missing', ''];
			is("@$p", 'ok # SKIP gup_test not available', "$k $f $map R/W pin: skipped, no CONFIG_GUP_TEST");
			my $should_work = $map eq 'PRIVATE' || $f eq 'tmpfs';
			my $lt = $cell->("longterm$priv");
			if ($should_work || $new{$k}) {
				is($lt =~ /^MITIGATED/ ? 0 : 1, $should_work ? 1 : 0,
				   "$k $f longterm$priv ($lt) agrees with gup_longterm's should_work (" . ($should_work ? 'works' : 'refused') . ')');
			} else {
				like($lt, qr/^(REPRODUCED|VIOLATION)/,
				     "$k $f longterm$priv ($lt): pinned, unlike gup_longterm's should_work (the v6.5 rule is newer)");
			}
			# the io_uring cases, on the scratch filesystem and on memfd
			for my $back ('local tmpfile', $f eq 'tmpfs' ? ('memfd') : ()) {
				my $r = $t->{sprintf($IO, $map) . "|$back"} || ['missing', ''];
				my $ic = $cell->("iouring-fixed-buffer$priv");
				like($r->[1], qr/^Should have (worked|failed)$/, "$k $f $map io_uring on $back: a result") or next;
				my $refused = $r->[1] eq 'Should have failed' ? 1 : 0;
				is($refused, $ic =~ /^MITIGATED/ ? 1 : 0,
				   "$k $f $map io_uring on $back: gup_longterm " . ($refused ? 'refused' : 'registered') .
				   ", gup-repro iouring-fixed-buffer$priv $ic");
				my $want = ($new{$k} || $f eq 'tmpfs' || $map eq 'SHARED') ? 'ok' : 'not ok';
				is($r->[0], $want, "$k $f $map io_uring on $back: gup_longterm says $want");
			}
		}
	}
}
done_testing();
