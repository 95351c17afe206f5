#!/usr/bin/perl
# ./run.sh matrix --fstests: the three module-free triggers exported into a
# clone of the fstests snapshot, built, and run by fstests' ./check with
# generic/647, generic/678 and generic/729 (fstests' own tests nearest this
# bug class) on the four Debian kernels x ext4, xfs, btrfs: 72 runs, each
# cell checked against its prediction (fstests_expect below, in the manner
# of gupr_expect()), the table recorded (docs/fstests.md).
#
# GUPR_FSTESTS_KERNELS (e.g. debian:bookworm,debian:trixie) and
# GUPR_FSTESTS_FS (e.g. ext4) run a part of it; the default is all of it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp run_sh fstests_clone);
use GuprMatrix qw(run_matrix facts);

my $top = "$FindBin::Bin/../..";

my $fst = fstests_clone($top);
my %seq;	# trigger -> generic/NNN
for my $t (qw(pvw-uffd odirect-delayed iouring-read-delayed)) {
	my $out = `$top/run.sh fstests-export --trigger $t --to $fst 2>&1`;
	is($? >> 8, 0, "$t exported") or diag($out);
	($seq{$t}) = $out =~ m{ as (generic/\d+) } or BAIL_OUT("$t: no test number in: $out");
}
my %which = reverse %seq;
$which{$_} = $_ for qw(generic/647 generic/678 generic/729);

# fstests_expect(RELEASE, FS, TEST) -> [regex, why]: what the cell of TEST
# shows on the kernel RELEASE and FS, from gup-repro's runs of the same
# triggers with --fault reclaim (docs/triggers.md, "Faults in a
# trigger's window"; docs/fstests.md, "What the test shows"), where
# fstests sees a kernel warning (_check_dmesg) or the data compare, not
# the ordering.
sub fstests_expect {
	my ($rel, $fs, $t) = @_;
	my ($maj, $min) = $rel =~ /^(\d+)\.(\d+)/;
	my $v = ($maj // 0) * 100 + ($min // 0);
	my $w = $which{$t} // '';
	return [qr/^ERROR:the guest did not finish: timeout /, '5.10 btrfs lacks "btrfs: fix deadlock due to page faults during direct IO reads and writes" (5.16): mmap-rw-fault hangs until the run\'s timeout (docs/fstests.md)']
		if $fs eq 'btrfs' && $v < 516 && $w =~ m{^generic/(647|729)$};
	return [qr/^(PASS|NOTRUN:.*)$/, "an fstests test of the neighbourhood: passes or is not run here"]
		if $w =~ m{^generic/};
	if ($fs eq 'ext4' && $v < 602 && $w ne 'pvw-uffd') {
		my $site = $v < 518 ? 'ext4_set_page_dirty' : 'ext4_dirty_folio';
		return [qr/^REPRODUCED:\Q$site\E$/, "FOLL_GET read: reclaim frees the held page's buffers, ext4 warns in $site"];
	}
	return [qr/^(REPRODUCED:ext4_set_page_dirty|FAIL:output)$/, '5.10 lacks the reclaim fix: the pinned copy loses its buffers and is lost']
		if $fs eq 'ext4' && $v < 600 && $w eq 'pvw-uffd';
	return [qr/^(REPRODUCED:btrfs_writepage_cow_fixup|FAIL:output)$/,
		'6.12 btrfs refuses the folio dirtied behind its back: the kernel\'s write is lost']
		if $fs eq 'btrfs' && $v >= 606 && $v < 700;
	return [qr/^PASS$/, 'the kernel writes the page under the folio lock (VIOLATION only): nothing fstests sees'];
}

my @suites = split ' ', facts($top)->{GUPR_SUITES};
my $kernels = $ENV{GUPR_FSTESTS_KERNELS} // join(',', map { "debian:$_" } @suites);
my $fs = $ENV{GUPR_FSTESTS_FS} // 'ext4,xfs,btrfs';
my @tests = ((map { $seq{$_} } qw(pvw-uffd odirect-delayed iouring-read-delayed)), qw(generic/647 generic/678 generic/729));
my ($rc, $out, $c, $dir) = run_matrix($top, '--fstests', "$fst", '--tests', join(',', @tests),
				     '--kernels', $kernels, '--fs', $fs);
ok(defined $dir, 'the matrix wrote its table') or diag($out);
my $want = scalar(split /,/, $kernels) * scalar(split /,/, $fs) * @tests;
is(scalar keys %$c, $want, "$want cells");
diag(slurp("$dir/matrix.txt")) if $dir;
for my $key (sort keys %$c) {
	my $cell = $c->{$key};
	my $t = $cell->{scenario} =~ s/-/\//r;
	my $e = fstests_expect($cell->{release} // '', $cell->{fs}, $t);
	like($cell->{result}, $e->[0], "$key ($which{$t}): $cell->{result} ($e->[1])");
	my $v = slurp("$dir/$cell->{dir}/verdict.txt");
	if ($cell->{result} =~ /^REPRODUCED:/) {
		like($v, qr/^test: \Q$t\E failed: the kernel warned /m, "$key: the test named with the warning");
	} elsif ($cell->{result} =~ /^NOTRUN:/) {
		like($v, qr/^test: \Q$t\E not run: \S/m, "$key: with fstests' reason");
	}
}
done_testing();
