#!/usr/bin/perl
# Runs that resume a saved guest (vm-images/lib/snapshot.sh), on Debian 6.1
# under TCG, with a snapshot directory of the test's own
# (GUP_REPRO_SNAPSHOT_DIR): the first run makes the snapshot and resumes
# it, the next ones only resume it, with the cell, trace, integrity check
# and fsck of a booted run (--boot); the guest's clock is the host's and
# its RNG is reseeded in every resumed run; a racy trigger still hits its
# window in every run; a snapshot that cannot be restored is removed, the
# run boots and says so once, and the next run makes a new one.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_SNAPSHOT_DIR} = "$tmp/snapshots";

my $n = 0;
# run(ARGS) -> (exit, output, run directory)
sub run {
	my $d = "$tmp/run-" . ++$n;
	my $o = `cd $top && ./run.sh --out $d @_ 2>&1`;
	return ($? >> 8, $o, $d);
}
sub start { my ($d) = @_; my ($s) = slurp("$d/run.txt") =~ /^start: (.*)$/m; return $s // ''; }

# 1. made on first use, then resumed
my ($rc, $o, $d) = run();
is($rc, 1, 'first run: REPRODUCED (exit 1)') or diag($o);
like($o, qr/^==> snapshot: preparing one for this kernel, ext4/m, 'first run: the snapshot is made');
my ($key) = start($d) =~ /^snapshot ([0-9a-f]{16}) \(resumed\)$/;
ok($key, 'first run: it resumed the snapshot it made') or diag(start($d));
ok(-s "$tmp/snapshots/$key/state.zst" && -e "$tmp/snapshots/$key/.complete", 'the snapshot is in the snapshot directory');
($rc, $o, $d) = run();
is($rc, 1, 'second run: REPRODUCED') or diag($o);
unlike($o, qr/preparing one/, 'second run: nothing made');
is(start($d), "snapshot $key (resumed)", 'second run: resumed the same snapshot');
my $v = slurp("$d/verdict.txt");
like($v, qr/^cell: REPRODUCED:ext4_dirty_folio$/m, 'resumed: the cell of a booted run');
like($v, qr/^ordering: VIOLATION: /m, 'resumed: the trace saw the ordering violation');
like($v, qr/^integrity: 1 of 1 pages as expected/m, 'resumed: the integrity check ran');
like($v, qr/^fsck: e2fsck: clean \(exit 0\)$/m, 'resumed: fsck ran on the scratch disk the guest wrote');
like(slurp("$d/events.jsonl"), qr/^\{"event":"start".*\n(?:.*\n)*\{"event":"folio_mkclean"/m, 'resumed: events.jsonl holds the start line and the events');
like(slurp("$d/phases.txt"), qr/^host qemu\+restore /m, 'resumed: phases.txt times the restore');
ok(!-e "$d/cmd.img" && !-e "$d/scratch.qcow2", 'resumed: no command disk or overlay left in the run directory');
my ($brc, $bo, $bd) = run('--boot');
is($brc, 1, '--boot: REPRODUCED') or diag($bo);
is(start($bd), 'boot (--boot)', '--boot: booted');
is((slurp("$bd/verdict.txt") =~ /^cell: (.*)$/m)[0], 'REPRODUCED:ext4_dirty_folio', '--boot: the same cell');

# 2. the clock and the RNG of a resumed guest
spew("$tmp/probe.sh", "#!/bin/sh\necho \"clock \$(date +%s)\"\necho \"random \$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n')\"\n");
chmod 0755, "$tmp/probe.sh";
my @rand;
for my $i (1, 2) {
	($rc, $o, $d) = run('--exec', "$tmp/probe.sh");
	my $g = slurp("$d/guest.log");
	my ($clock) = $g =~ /^gupr-out: clock (\d+)/m;
	my ($r) = $g =~ /^gupr-out: random ([0-9a-f]+)/m;
	like(start($d), qr/^snapshot [0-9a-f]{16} \(resumed\)$/, "--exec run $i: resumed") or diag($o);
	ok($clock && abs($clock - time) < 120, "--exec run $i: the guest's clock is the host's (" . ($clock // 'none') . ' vs ' . time . ')');
	unlike($g, qr/--seed-rng: /, "--exec run $i: the seed was credited and the CRNG reseeded (gup-repro --seed-rng)");
	push @rand, $r // '';
}
ok($rand[0] && $rand[1] && $rand[0] ne $rand[1], 'two resumed runs read different random bytes (the RNG is reseeded)');

# 3. a racy trigger hits its window in every resumed run
($rc, $o, $d) = run('--scenario', 'odirect-delayed', '--repeat', '3');
like($o, qr/^verdict: VIOLATION 3 of 3 runs/m, 'odirect-delayed --repeat 3 from a snapshot: 3/3') or diag($o);
my @starts = map { start("$d/run-0$_") } 1 .. 3;
is(scalar(grep { /\(resumed\)$/ } @starts), 3, 'odirect-delayed: every run resumed') or diag(join("\n", @starts));

# 4. a snapshot that cannot be restored: removed, the run boots, once
truncate("$tmp/snapshots/$key/state.zst", 1000) or die;
($rc, $o, $d) = run();
is($rc, 1, 'damaged snapshot: the run still gives its verdict') or diag($o);
my @said = $o =~ /^==> snapshot: $key could not be restored \(.*\); removed; booting$/mg;
is(scalar @said, 1, 'damaged snapshot: said once');
like(start($d), qr/^boot \(snapshot $key could not be restored: removed\)$/, 'damaged snapshot: run.txt says the run booted and why');
ok(!-e "$tmp/snapshots/$key", 'damaged snapshot: removed');
($rc, $o, $d) = run();
like($o, qr/^==> snapshot: preparing one/m, 'the next run makes a new one');
like(start($d), qr/\(resumed\)$/, 'and resumes it');
done_testing();
