#!/usr/bin/perl
# The 6.1 (bookworm) and 6.12 (trixie) ext4 cells of the matrix, each in its
# own VM: unlocked-dirty reproduces with the kernel's own warning, control
# is clean, the 6.5 FOLL_LONGTERM mitigation shows on 6.12 and not on 6.1,
# io_uring refuses the file-backed fixed buffer on both.  (The full matrix
# is tests/slow/matrix.t, `make check-slow`.)
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprMatrix qw(run_matrix check_expected);

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
my @long = grep { length($_) > 80 } split /\n/, ($dir && -e "$dir/matrix.txt" ? do { local (@ARGV, $/) = "$dir/matrix.txt"; <> } : '');
ok($dir && -s "$dir/matrix.txt" && !@long, 'matrix.txt written, 80 columns');
ok($dir && -s "$dir/matrix.md" && -s "$dir/matrix.json", 'matrix.md and matrix.json written');
like($out, qr/^\[ ?\d+\/8\] /m, 'a progress line per finished cell');

# --repeat 3: a job per run of a cell (three progress lines), -j 2 of them
# at a time; the cell's verdict is the decider's over its three runs
($rc, $out, $c, $dir) = run_matrix($top, '--kernels', 'debian:bookworm', '--fs', 'ext4', '--scenarios', 'unlocked-dirty',
				   '--repeat', '3', '-j', '2');
is($rc, 0, 'matrix --repeat 3 finished') or diag($out);
is(scalar(() = $out =~ /^\[ ?\d\/3\] bookworm\s+ext4\s+unlocked-dirty\s+run-0[123]: REPRODUCED:ext4_dirty_folio /mg), 3,
   '--repeat 3: a job and a progress line per run') or diag($out);
my $cell = $c->{'debian:bookworm ext4 unlocked-dirty'} || {};
is($cell->{result} // '', 'REPRODUCED:ext4_dirty_folio', '--repeat 3: the cell is the runs\' commonest reproducing result');
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
