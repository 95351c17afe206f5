#!/usr/bin/perl
# ./run.sh compare on real kernels (make check-slow): the bisect test's
# linux-source-6.1 tree (tests/slow/bisect-tree), base = its first commit
# (Debian's 6.1 as packaged), --patch = the v6.5 long-term rule as a patch
# file.  The table must show longterm REPRODUCED -> MITIGATED (EFAULT) on
# ext4, xfs and btrfs (the rule refuses FOLL_LONGTERM|FOLL_WRITE pins of
# dirty-tracked file mappings) and unlocked-dirty and the module-free
# triggers unchanged (short-term pins are not covered by the rule); exit 0.
# Both build directories stay in the cache: a second run is incremental.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);

my $top = "$FindBin::Bin/../..";
my $cache = $ENV{GUP_REPRO_CACHE} || ($ENV{XDG_CACHE_HOME} || "$ENV{HOME}/.cache") . '/gup-repro';
my $tree = "$cache/bisect-test/linux-source-6.1";
my $patch = "$top/tests/slow/bisect-tree/2-mm-gup-refuse-longterm-file-writes.patch";

system("$top/tests/slow/bisect-tree/make-tree.sh $tree") == 0 or BAIL_OUT('cannot make the bisect tree');
my $base = `git -C $tree rev-list --max-parents=0 HEAD`;
chomp $base;
my $out = `cd $top && ./run.sh compare --tree $tree --base $base --patch $patch --cells longterm,unlocked-dirty,pvw-uffd,odirect-delayed,iouring-read-delayed --fs ext4,xfs,btrfs 2>&1`;
my $rc = $? >> 8;
is($rc, 0, 'compare: exit 0 (nothing got worse)') or diag($out);
my ($dir) = $out =~ /^==> compare: (\S+)\/compare\.txt/m;
my $txt = $dir ? slurp("$top/$dir/compare.txt") : '';
diag($txt);
for my $fs (qw(ext4 xfs btrfs)) {
	like($txt, qr/^longterm\s+$fs\s+\* fixed\n    base:    (REPRODUCED\S*|VIOLATION|LOSS)\n    patched: MITIGATED:EFAULT$/m,
	     "longterm on $fs: reproducing on base, MITIGATED (EFAULT) with the rule");
	for my $s (qw(unlocked-dirty pvw-uffd odirect-delayed iouring-read-delayed)) {
		# unchanged: "A -> A" on the row, or a long result on two lines
		like($txt, qr/^\Q$s\E\s+$fs\s+(?:(\S+) -> \1|\n    base:    (\S+)\n    patched: \2)$/m,
		     "$s on $fs: unchanged (a short-term pin)");
	}
}
like($txt, qr/^summary: fixed 3, broke 0, changed 0, unchanged 12$/m, 'fixed 3, unchanged 12');
done_testing();
