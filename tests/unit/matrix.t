#!/usr/bin/perl
# The matrix table (repro-user/host/matrix.c) on a made-up tree of cell results:
# 80-column matrix.txt with footnotes, matrix.md with links, matrix.json.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use JSON::PP;

my $top = "$FindBin::Bin/../..";
my $bin = "$top/build/host/gup-repro-matrix";
-x $bin or BAIL_OUT("$bin missing: run 'make host'");

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

# A cell run --repeat N times (matrix.sh repeat_cells()): the counted
# verdict.txt with the runs' seconds added up, and a run.txt in each
# run-NN/ only: matrix.json names the kernel of the first run.
{
	my $r = tempdir(CLEANUP => 1);
	my $c = "$r/sid/ext4/unlocked-dirty";
	make_path("$c/run-01", "$c/run-02");
	spew("$c/verdict.txt", "verdict: REPRODUCED 2 of 2 runs\nreason: r\ncell: REPRODUCED:ext4_dirty_folio\nseconds: 12.5\nexit: 1\n");
	spew("$c/run-0$_/run.txt", "kernel: 7.2.13+deb14-cloud-amd64\nkernel-package: linux-image-7.2.13 1.0 (sid)\nseconds: 6.$_\n") for 1, 2;
	`$bin --dir $r --kernels debian:sid --fs ext4 --scenarios unlocked-dirty`;
	is($? >> 8, 0, '--repeat cell: exit 0');
	my $rj = eval { decode_json(slurp("$r/matrix.json")) };
	my $rc = $rj ? $rj->{cells}[0] : {};
	is($rc->{release}, '7.2.13+deb14-cloud-amd64', '--repeat cell: matrix.json names the release of its first run');
	is($rc->{package}, 'linux-image-7.2.13 1.0 (sid)', '--repeat cell: and its package');
	is($rc->{seconds}, '12.5', '--repeat cell: its seconds are the runs\' added up (verdict.txt)');
	like(slurp("$r/matrix.md"), qr/^\| 7\.2\.13\+deb14-cloud-amd64 \| ext4 \|/m, '--repeat cell: matrix.md names the release');
}

# What the guest printed can reach verdict.txt: a byte that is not UTF-8 or a
# terminal escape in a cell's verdict, reason or warning keeps the cell in
# matrix.json (escaped) and out of the terminal.
my $h = tempdir(CLEANUP => 1);
for my $s (qw(unlocked-dirty control)) {
	make_path("$h/bookworm/ext4/$s");
	spew("$h/bookworm/ext4/$s/run.txt", "kernel: 6.1.0-56-cloud-amd64\nkernel-package: linux-image-6.1.0-56-cloud-amd64 6.1.192-2 (bookworm)\nseconds: 4.2\n");
}
spew("$h/bookworm/ext4/unlocked-dirty/verdict.txt",
     "verdict: REPRODUCED\xff\nreason: ext4 \x1b[2Jwas asked\nwarning: WARNING: CPU: 0 PID: 1 at fs/ext4/inode.c:3663 ext4_dirty_folio\xc3(\n"
     . "cell: REPRODUCED:ext4_dirty_folio\x1b]0;x\x07\nexit: 1\n");
spew("$h/bookworm/ext4/control/verdict.txt", "verdict: NOT REPRODUCED\nreason: caf\xc3\xa9\ncell: CLEAN\nexit: 0\n");
$out = `$bin --dir $h --kernels debian:bookworm --fs ext4 --scenarios unlocked-dirty,control`;
is($? >> 8, 0, 'invalid UTF-8 in a cell: exit 0');
unlike($out, qr/[\x00-\x09\x0b-\x1f\x7f]/, 'invalid UTF-8 in a cell: no control character on the terminal');
$j = eval { JSON::PP->new->utf8->decode(slurp("$h/matrix.json")) };
is(scalar @{ $j->{cells} || [] }, 2, 'invalid UTF-8 in a cell: matrix.json still has both cells');
($c) = grep { $_->{scenario} eq 'unlocked-dirty' } @{ $j->{cells} || [] };
is($c && $c->{verdict}, 'REPRODUCED\\xff', 'matrix.json: the invalid byte is escaped in the verdict');
is($c && $c->{warning}, 'WARNING: CPU: 0 PID: 1 at fs/ext4/inode.c:3663 ext4_dirty_folio\\xc3(',
   'matrix.json: the warning keeps its text, the invalid byte escaped');
is($c && $c->{reason}, 'ext4 \\x1b[2Jwas asked', 'matrix.json: the escape in the reason is escaped');
is($c && $c->{result}, 'REPRODUCED:ext4_dirty_folio\\x1b]0;x\\x07', 'matrix.json: the result is escaped');
($c) = grep { $_->{scenario} eq 'control' } @{ $j->{cells} || [] };
is($c && $c->{reason}, "caf\x{e9}", 'matrix.json: valid UTF-8 is kept');

# Many scenarios with long names (the grid row once overflowed a stack buffer):
# every cell counted and in matrix.json, the grid in blocks that fit 80 columns.
my $m = tempdir(CLEANUP => 1);
my @sc = map { sprintf('a-scenario-with-a-rather-long-name-number-%02d', $_) } 1 .. 40;
for my $i (0 .. $#sc) {
	make_path("$m/sid/ext4/$sc[$i]");
	spew("$m/sid/ext4/$sc[$i]/verdict.txt", "verdict: X\ncell: " . ($i % 2 ? 'CLEAN' : "REPRODUCED:site_$i") . "\nexit: 0\n");
}
$out = `$bin --dir $m --kernels debian:sid,debian:trixie --fs ext4,xfs --scenarios @{[join(',', @sc)]} 2>&1`;
is($? >> 8, 0, '40 scenarios: exit 0');
$txt = slurp("$m/matrix.txt");
like($txt, qr/: 160 cells$/m, '40 scenarios: 160 cells counted');
like($txt, qr/^20 reproduced, 0 violation, 0 mitigated, 20 clean, 120 error$/m, '40 scenarios: counted by result');
@long = grep { length($_) > 80 } split /\n/, $txt;
is(scalar @long, 0, '40 scenarios: no line over 80 columns') or diag(join("\n", @long[0 .. 2]));
my @hdr = $txt =~ /^kernel\s+fs\s+(.*)$/mg;
is(scalar @hdr, 10, '40 scenarios: ten blocks of four columns');
like($txt, qr/^sid\s+ext4\s+REPRO \[1\]\s+clean\s+REPRO \[2\]\s+clean$/m, '40 scenarios: the first block row');
my @feet = $txt =~ /^\[\d+\] (.*)$/mg;
is_deeply([sort @feet], [sort('ERROR:no verdict', map { "site_$_" } grep { $_ % 2 == 0 } 0 .. 39)],
	  '40 scenarios: 20 site footnotes and the missing verdict');
$j = eval { decode_json(slurp("$m/matrix.json")) };
is(scalar @{ $j->{cells} || [] }, 160, '40 scenarios: matrix.json has 160 cells');
ok((grep { $_->{scenario} eq $sc[39] && $_->{fs} eq 'xfs' && $_->{kernel} eq 'debian:trixie' && $_->{result} eq 'ERROR:no verdict' } @{ $j->{cells} || [] }),
   '40 scenarios: the last cell is there');
# The directory name of each kernel: one rule, asked for by matrix.sh.
is(`$bin --print-labels --kernels 'debian:sid,6.1.192-2,/src/linux build/,./linux,/x/a#b&c'`,
   "sid\n6.1.192-2\ntree-linux_build\ntree-linux\ntree-a_b_c\n",
   '--print-labels: debian:X -> X, a version as is, a tree path -> tree-<name> with safe characters');
# A tree's cells live under tree-<name>/ and name the tree.
my $t = tempdir(CLEANUP => 1);
make_path("$t/tree-linux/ext4/control");
spew("$t/tree-linux/ext4/control/verdict.txt", "verdict: NOT REPRODUCED\ncell: CLEAN\nexit: 0\n");
spew("$t/tree-linux/ext4/control/run.txt",
     "kernel: 6.1.192-gabc\nkernel-package: tree /src/linux: v6.1-1-gabc abc \"x\" clean, config 123\nseconds: 5.0\n");
$out = `$bin --dir $t --kernels /src/linux --fs ext4 --scenarios control`;
is($? >> 8, 0, 'a tree kernel: gup-repro-matrix exits 0');
like(slurp("$t/matrix.md"), qr/tree \/src\/linux: v6\.1-1-gabc/, 'a tree kernel: matrix.md names the tree');

# Cells a host of --hosts ran have host.txt: matrix.json's "host", "on HOST"
# in matrix.md, a "hosts:" line in matrix.txt (wrapped at 80 columns);
# the others name no host.
my $hd = tempdir(CLEANUP => 1);
my @hs = map { "build-host-with-a-long-name-$_.example.org" } 1 .. 3;
my $i = 0;
for my $s (qw(a b c d e)) {
	make_path("$hd/sid/ext4/$s");
	spew("$hd/sid/ext4/$s/verdict.txt", "verdict: NOT REPRODUCED\ncell: CLEAN\nexit: 0\n");
	spew("$hd/sid/ext4/$s/host.txt", "host: $hs[$i++ % 3]\nhost-name: x\n") unless $s eq 'e';
}
$out = `$bin --dir $hd --kernels debian:sid --fs ext4 --scenarios a,b,c,d,e`;
$txt = slurp("$hd/matrix.txt");
like($txt, qr/^hosts: $hs[0] 2 cells,\n  $hs[1] 1 cell,\n  $hs[2] 1 cell$/m, 'matrix.txt: cells per host, wrapped');
@long = grep { length($_) > 80 } split /\n/, $txt;
is(scalar @long, 0, 'matrix.txt with hosts: no line over 80 columns') or diag(join("\n", @long));
$j = eval { decode_json(slurp("$hd/matrix.json")) };
is(join(',', map { $_->{host} } @{ $j->{cells} || [] }), "$hs[0],$hs[1],$hs[2],$hs[0],", 'matrix.json: each cell\'s host, "" for a local one');
like(slurp("$hd/matrix.md"), qr/\[CLEAN\]\(sid\/ext4\/a\/\) on $hs[0] \|.*\[CLEAN\]\(sid\/ext4\/e\/\) \|$/m, 'matrix.md: "on HOST" after a remote cell');
unlike(slurp("$t/matrix.txt"), qr/^hosts:/m, 'no hosts: line when every cell ran here');
# The predicted cells (gupr_expect(), gup-repro --expect): computed from
# what a scenario's steps do, so the boundaries follow the kernel's rules.
my $drv = "$top/build/host/gup-repro";
sub expect { my %e = map { (split /\t/)[0, 1] } `$drv --expect $_[0] $_[1]`; return \%e; }
is(expect('6.4.0-1', 'ext4')->{longterm}, '^REPRODUCED:ext4_dirty_folio$', 'expect: 6.4 ext4 longterm pins and warns');
is(expect('6.5.0-1', 'ext4')->{longterm}, '^MITIGATED:EFAULT$', 'expect: 6.5 ext4 longterm is refused (FOLL_LONGTERM)');
is(expect('6.4.0-1', 'xfs')->{'iouring-fixed-buffer'}, '^MITIGATED:EOPNOTSUPP$', 'expect: before 6.5 io_uring refuses itself');
is(expect('5.17.0-1', 'ext4')->{'unlocked-dirty'}, '^REPRODUCED:ext4_set_page_dirty$', 'expect: 5.17 ext4 warns in ext4_set_page_dirty');
is(expect('5.18.0-1', 'ext4')->{'unlocked-dirty'}, '^REPRODUCED:ext4_dirty_folio$', 'expect: 5.18 ext4 warns in ext4_dirty_folio');
is(expect('6.1.0-1', 'xfs')->{'unlocked-dirty'}, '^VIOLATION$', 'expect: xfs never warns, the checker sees it');
my $tmpfs = expect('7.2.0-1', 'tmpfs');
is(join(',', sort values %$tmpfs), join(',', ('^CLEAN$') x keys %$tmpfs), 'expect: every tmpfs prediction is CLEAN');
ok(keys %$tmpfs >= 4, 'expect: the four default scenarios are predicted on tmpfs');
is(expect('6.1.0-1', 'ext4')->{control}, '^CLEAN$', 'expect: control is CLEAN');
# the fault scenarios (docs/scenarios.md, "Measured: the fault scenarios")
is(expect('5.10.0-1', 'ext4')->{'stripped-buffers'}, '^LOSS$', 'expect: ext4 loses a FOLL_GET write after reclaim (5.10)');
is(expect('7.2.0-1', 'ext4')->{'stripped-buffers'}, '^LOSS$', 'expect: ... and on 7.2');
is(expect('5.10.0-1', 'ext4')->{'pinned-reclaim'}, '^LOSS$', 'expect: 5.10 ext4 loses a FOLL_PIN write after reclaim (no 2023 fix)');
is(expect('6.1.0-1', 'ext4')->{'pinned-reclaim'}, '^REPRODUCED:ext4_dirty_folio$', 'expect: from 6.1 the pinned folio keeps its buffers: the warning');
is(expect('6.12.0-1', 'xfs')->{'pinned-reclaim'}, '^VIOLATION$', 'expect: xfs after reclaim: VIOLATION, no warning');
is(expect('6.1.0-1', 'btrfs')->{'stripped-buffers'}, expect('6.1.0-1', 'btrfs')->{'unlocked-dirty'}, 'expect: btrfs after reclaim as without it');
is(expect('6.12.0-1', $_)->{'lost-write'}, '^LOSS$', "expect: $_ lost-write: a write nothing dirties is lost") for qw(ext4 xfs btrfs);
is(expect('5.10.0-1', 'btrfs')->{$_}, '^CLEAN$', "expect: $_ is clean") for qw(truncate-under-pin punch-hole-under-pin);
ok(!grep({ exists expect('6.1.0-1', 'tmpfs')->{$_} } qw(stripped-buffers pinned-reclaim lost-write truncate-under-pin)),
   'expect: the fault scenarios are not predicted on tmpfs (not measured)');
# every scenario and trigger on a dirty-tracked filesystem, each with its
# reason (the triggers and private mappings: tests/unit/expect.t)
my @trig = map { m{/([^/]+)\.c$} } glob("$top/repro-user/guest/triggers/*.c");
my @scen = split /\n/, `$drv --list-scenarios`;
my @lines = `$drv --expect 6.1.0-1 ext4`;
is(join(',', sort map { (split /\t/)[0] } @lines), join(',', sort @scen, @trig), 'expect: every scenario and trigger is predicted on 6.1 ext4');
is(scalar(grep { !/^[^\t]+\t\^[^\t]+\$\t\S[^\t]*\n$/ } @lines), 0, 'expect: each line NAME, an anchored pattern and the reason');
# the recorded runs of real guests (tests/fixtures/runs) agree with the
# table, but the FS CORRUPTION one, whose image was damaged on the host
my @rec = grep { -e "$_/expected-verdict.txt" && slurp("$_/expected-verdict.txt") !~ /^cell: CORRUPT:/m } glob("$top/tests/fixtures/runs/*");
ok(@rec >= 5, 'expect: five recorded runs to check');
for my $r (@rec) {
	my %run = slurp("$r/run.txt") =~ /^(scenario|fs|kernel): (\S+)$/mg;
	my ($cell) = slurp("$r/expected-verdict.txt") =~ /^cell: (\S+)$/m;
	my $e = expect($run{kernel} // '', $run{fs} // '')->{$run{scenario} // ''};
	ok(defined $e && $cell =~ /$e/, "expect: recorded run ${\ ($r =~ s{.*/}{}r)}: $cell, as predicted") or diag($e // 'no prediction');
}
`$drv --expect nonsense ext4 2>&1`;
is($? >> 8, 2, 'expect: a release that is not one is bad usage');
done_testing();
