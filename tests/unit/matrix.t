#!/usr/bin/perl
# The matrix table (repro-user/matrix.c) on a made-up tree of cell results:
# 80-column matrix.txt with footnotes, matrix.md with links, matrix.json.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use JSON::PP;

my $top = "$FindBin::Bin/../..";
my $bin = "$top/build/host/gup-repro-matrix";
-x $bin or BAIL_OUT("$bin missing: run 'make host'");

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; return scalar <$fh>; }
sub spew { my ($f, $s) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $s; close $fh; }

my $d = tempdir(CLEANUP => 1);
my %cells = (
	'bullseye/ext4/unlocked-dirty' => ['REPRODUCED:ext4_set_page_dirty', '5.10.0-46-cloud-amd64'],
	'bullseye/ext4/longterm'       => ['REPRODUCED:ext4_set_page_dirty', '5.10.0-46-cloud-amd64'],
	'bullseye/tmpfs/unlocked-dirty' => ['CLEAN', '5.10.0-46-cloud-amd64'],
	'bullseye/tmpfs/longterm'      => ['CLEAN', '5.10.0-46-cloud-amd64'],
	'sid/ext4/unlocked-dirty'      => ['REPRODUCED:ext4_dirty_folio', '7.2.13+deb14-cloud-amd64'],
	'sid/ext4/longterm'            => ['MITIGATED:EFAULT', '7.2.13+deb14-cloud-amd64'],
	'sid/tmpfs/unlocked-dirty'     => ['VIOLATION', '7.2.13+deb14-cloud-amd64'],
);
for my $c (keys %cells) {
	make_path("$d/$c");
	spew("$d/$c/verdict.txt", "verdict: X\nreason: r\ncell: $cells{$c}[0]\nexit: 1\n");
	spew("$d/$c/run.txt", "kernel: $cells{$c}[1]\nkernel-package: linux-image-$cells{$c}[1] 1.0 (suite)\nseconds: 4.2\n");
}
# sid/tmpfs/longterm has no verdict at all: ERROR:no verdict
my $out = `$bin --dir $d --kernels debian:bullseye,debian:sid --fs ext4,tmpfs --scenarios unlocked-dirty,longterm`;
is($? >> 8, 0, 'exit 0');
my $txt = slurp("$d/matrix.txt");
is($out, $txt, 'prints matrix.txt');
my @long = grep { length($_) > 80 } split /\n/, $txt;
is(scalar @long, 0, 'matrix.txt: no line over 80 columns') or diag(join("\n", @long));
like($txt, qr/: 8 cells$/m, 'counts the cells');
like($txt, qr/^3 reproduced, 1 violation, 1 mitigated, 2 clean, 1 error$/m, 'counts by result');
like($txt, qr/^5\.10\.0-46\s+ext4\s+REPRO \[1\]\s+REPRO \[1\]$/m, '5.10 ext4 row, kernel label without -cloud-amd64');
like($txt, qr/^\s+tmpfs\s+clean\s+clean$/m, 'tmpfs row under the same kernel');
like($txt, qr/^7\.2\.13\+deb14\s+ext4\s+REPRO \[2\]\s+MIT EFAULT$/m, 'sid ext4 row: site footnote and errno');
like($txt, qr/^\s+tmpfs\s+VIOLATION\s+ERROR \[3\]$/m, 'VIOLATION and a missing verdict as ERROR');
like($txt, qr/^\[1\] ext4_set_page_dirty\n\[2\] ext4_dirty_folio\n\[3\] ERROR:no verdict$/m, 'footnotes');
my $md = slurp("$d/matrix.md");
like($md, qr/^\| 7\.2\.13\+deb14-cloud-amd64 \| ext4 \| \[REPRODUCED:ext4_dirty_folio\]\(sid\/ext4\/unlocked-dirty\/\) \| \[MITIGATED:EFAULT\]\(sid\/ext4\/longterm\/\) \|$/m,
     'matrix.md: full results linked to the cell directories');
my $j = eval { decode_json(slurp("$d/matrix.json")) };
ok($j && @{ $j->{cells} } == 8, 'matrix.json: 8 cells');
my ($c) = grep { $_->{kernel} eq 'debian:sid' && $_->{fs} eq 'ext4' && $_->{scenario} eq 'longterm' } @{ $j->{cells} || [] };
ok($c && $c->{result} eq 'MITIGATED:EFAULT' && $c->{release} eq '7.2.13+deb14-cloud-amd64' && $c->{dir} eq 'sid/ext4/longterm',
   'matrix.json: a cell carries result, exact release and run directory');
`$bin --dir $d 2>/dev/null`;
is($? >> 8, 2, 'no lists: exit 2');
done_testing();
