#!/usr/bin/perl
# ./run.sh compare without building a kernel: a small git repository shaped
# like a kernel tree, the test-only hooks GUP_REPRO_TEST_COMPARE_BUILD (a
# side's "build": a prepared kernel record naming the side's source) and
# GUP_REPRO_TEST_CELL_RUN (a cell's "run": its verdict from what the
# side's source held when it was "built", recorded in its kernel record:
# LONGTERM_RULE refuses the long-term pin, BREAK makes control reproduce,
# FLAKY makes pvw-uffd reproduce in run 1 only).
# Checks the table, the summary and the exit status for a patch (mail and
# plain diff) and --head, a patch that breaks a clean cell (exit 1), one
# that does not apply (exit 128, one line), --repeat rates with Wilson
# intervals, bad usage, and that the user's tree is left as it was.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh);
use File::Temp qw(tempdir);
use JSON::PP;
use GuprFakeSsh qw(fake_ssh);

my $top = "$FindBin::Bin/../..";
# as CI runs: no SHELL (GNU parallel then ran a host's job under /bin/sh,
# which did nothing: lib/common.sh GUPR_PARALLEL)
delete $ENV{SHELL};
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $G = 'git -c user.name=t -c user.email=t@invalid';

# the tree: c0, c1 on main; branches rule (adds LONGTERM_RULE) and broken
# (adds BREAK) one commit ahead of main
my $t = "$tmp/linux";
system("mkdir -p $t/arch/x86 && cd $t && git init -q -b main && printf 'VERSION = 6\\n' >Makefile && touch Kconfig arch/x86/.keep && git add -A && $G commit -qm c0 && echo 1 >f && git add f && $G commit -qm 'c1: unrelated'") == 0 or die;
for my $b (['rule', 'LONGTERM_RULE', 'mm/gup: refuse FOLL_LONGTERM pins of file mappings'],
	   ['broken', 'BREAK', 'mm: break control'], ['flaky', 'FLAKY', 'mm: flaky pvw-uffd']) {
	my ($name, $file, $subj) = @$b;
	system("cd $t && git checkout -q -b $name main && touch $file && git add $file && $G commit -qm '$subj' && $G format-patch -q -1 -o $tmp/$name && git diff main $name >$tmp/$name.diff && git checkout -q main") == 0 or die;
}
spew("$tmp/bad.diff", "--- a/nofile\n+++ b/nofile\n\@\@ -1 +1 \@\@\n-old\n+new\n");
my ($rulep) = glob("$tmp/rule/*.patch");
my ($brokep) = glob("$tmp/broken/*.patch");
my ($flakyp) = glob("$tmp/flaky/*.patch");

$ENV{GUP_REPRO_TEST_COMPARE_BUILD} = <<'EOF';
mkdir -p "$GUPR_KERNEL_DIR" &&
f=""; for x in LONGTERM_RULE BREAK FLAKY; do [ -e "$GUPR_SRC/$x" ] && f="$f $x"; done
printf 'KSOURCE=debian\nKID=fake-%s\nKREL=6.1.0-fake\nKVERSION=1\nKLABEL=fake\nVMLINUZ=vmlinuz\nKCONFIG=config\nKPREPARED=.\nKSUBJECT="%s"\n' \
	"$GUPR_SIDE" "$f" >"$GUPR_KERNEL_DIR/kernel.env" &&
echo x >"$GUPR_KERNEL_DIR/vmlinuz" && echo x >"$GUPR_KERNEL_DIR/config" && echo "built $GUPR_SIDE"
EOF
$ENV{GUP_REPRO_TEST_CELL_RUN} = <<'EOF';
. "${GUPR_CELL_KERNEL#prepared:}/kernel.env"
c=CLEAN v="NOT REPRODUCED"
case "$GUPR_CELL_SCENARIO" in
longterm) case "$KSUBJECT" in *LONGTERM_RULE*) c=MITIGATED:EFAULT v=MITIGATED ;; *) c=REPRODUCED:ext4_dirty_folio v=REPRODUCED ;; esac ;;
control) case "$KSUBJECT" in *BREAK*) c=REPRODUCED:ext4_dirty_folio v=REPRODUCED ;; esac ;;
pvw-uffd*) c=VIOLATION v=VIOLATION
	case "$KSUBJECT" in *FLAKY*) [ "${GUPR_CELL_DIR##*/}" != run-01 ] && c=CLEAN v="NOT REPRODUCED" ;; esac ;;
esac
printf 'verdict: %s\ncell: %s\n' "$v" "$c" >"$GUPR_CELL_DIR/verdict.txt"
printf 'kernel: 6.1.0-fake\nseconds: 1.0\n' >"$GUPR_CELL_DIR/run.txt"
EOF

my $n = 0;
sub compare {
	my $out = "$tmp/out-" . ++$n;
	my ($rc, $o) = sh("cd $top && ./run.sh compare --tree $t --out $out @_");
	my $txt = -e "$out/compare.txt" ? slurp("$out/compare.txt") : '';
	return ($rc, $o, $txt, $out);
}
my $refs = `git -C $t for-each-ref; git -C $t worktree list --porcelain; git -C $t status --porcelain --ignored; git -C $t rev-parse HEAD; git -C $t symbolic-ref HEAD`;

# 1. the rule as a mail: longterm fixed on ext4 and xfs, the rest unchanged
my ($rc, $o, $txt, $out) = compare("--base main --patch $rulep --cells longterm,control,pvw-uffd --fs ext4,xfs -j 1");
is($rc, 0, 'patch: exit 0 (nothing got worse)') or diag($o);
like($txt, qr/^longterm\s+ext4\s+\* fixed\n    base:    REPRODUCED:ext4_dirty_folio\n    patched: MITIGATED:EFAULT$/m, 'patch: longterm on ext4 is fixed, both verdicts shown');
like($txt, qr/^longterm\s+xfs\s+\* fixed$/m, 'patch: and on xfs');
like($txt, qr/^control\s+ext4\s+CLEAN -> CLEAN$/m, 'patch: control unchanged');
like($txt, qr/^pvw-uffd\s+xfs\s+VIOLATION -> VIOLATION$/m, 'patch: the trigger unchanged (short-term pins)');
like($txt, qr/^summary: fixed 2, broke 0, changed 0, unchanged 4$/m, 'patch: the one-line summary');
like($txt, qr/^base:    [0-9a-f]+ \("c1: unrelated"\)\npatched: \+ 0001-mm-gup-refuse-FOLL_LONGTERM-pins-of-file-mappings\.patch$/m, 'patch: the header names base and patch');
ok(!grep({ length > 80 } split /\n/, $txt), 'compare.txt: no line over 80 columns');
my $j = decode_json(slurp("$out/compare.json"));
is($j->{summary}{fixed}, 2, 'compare.json: the summary');
is(scalar @{ $j->{cells} }, 6, 'compare.json: a cell per scenario and filesystem');
like(slurp("$out/compare.md"), qr/\| longterm \| ext4 \| \[REPRODUCED:ext4_dirty_folio\]\(matrix\/base\/ext4\/longterm\/\) \| \[MITIGATED:EFAULT\]\(matrix\/patched\/ext4\/longterm\/\) \| \*\*fixed\*\* \|/,
     'compare.md: a row with links to both runs');
like($o, qr/\[ 1\/12\] base .*\n\[ 2\/12\] patched /, 'with -j 1 the cells of base and patched one after the other (interleaved)');
is(`git -C $t for-each-ref; git -C $t worktree list --porcelain; git -C $t status --porcelain --ignored; git -C $t rev-parse HEAD; git -C $t symbolic-ref HEAD`,
   $refs, "the user's tree: same refs, worktrees, status and HEAD");

# 2. the same as a plain diff, and as --head
($rc, $o, $txt) = compare("--base main --patch $tmp/rule.diff --cells longterm --fs ext4");
is($rc, 0, 'plain diff: exit 0') or diag($o);
like($txt, qr/^summary: fixed 1, broke 0, changed 0, unchanged 0$/m, 'plain diff: applied (git apply), longterm fixed');
($rc, $o, $txt) = compare("--base main --head rule --cells longterm,control --fs ext4");
is($rc, 0, '--head: exit 0') or diag($o);
like($txt, qr/^patched: [0-9a-f]+ \("mm\/gup: refuse FOLL_LONGTERM pins of file mappings"\)$/m, '--head: the header names the commit');
like($txt, qr/^summary: fixed 1, broke 0, changed 0, unchanged 1$/m, '--head: longterm fixed');

# 3. a patch that makes a clean cell reproduce: exit 1
($rc, $o, $txt) = compare("--base main --patch $brokep --cells control,longterm --fs ext4");
is($rc, 1, 'a cell clean on base reproduces with the patch: exit 1') or diag($o);
like($txt, qr/^control\s+ext4\s+\* broke\n    base:    CLEAN\n    patched: REPRODUCED:ext4_dirty_folio$/m, 'broke: the row is marked');
like($txt, qr/^summary: fixed 0, broke 1, changed 0, unchanged 1$/m, 'broke: counted');

# 4. a patch that does not apply: one line, 128, nothing built
($rc, $o) = compare("--base main --patch $tmp/bad.diff --cells control --fs ext4");
is($rc, 128, 'a patch that does not apply: exit 128');
like($o, qr/^run\.sh compare: --patch \S+bad\.diff does not apply on --base main \(/m, 'says which patch') or diag($o);
unlike($o, qr/built (base|patched)|==> matrix/, 'nothing built or run');

# 5. --repeat: rates with Wilson intervals; a flaky cell whose rates differ
($rc, $o, $txt) = compare("--base main --patch $flakyp --repeat 10 --cells pvw-uffd,control --fs ext4");
is($rc, 0, '--repeat: exit 0') or diag($o);
like($txt, qr/^pvw-uffd\s+ext4\s+\* changed\n    base:    VIOLATION 10\/10 \(72\.2%-100\.0%\)\n    patched: VIOLATION 1\/10 \(1\.8%-40\.4%\)$/m,
     '--repeat: both rates with their 95% Wilson intervals, a rate change marked') or diag($txt);
like($txt, qr/^control\s+ext4\s*\n    base:    CLEAN 0\/10 \(0\.0%-27\.8%\)\n    patched: CLEAN 0\/10 /m, '--repeat: the unchanged cell with its rate');

# 7. --hosts: the cells run on the hosts (stand-in ssh), each side's
# prepared kernel shipped to them; the same table as on this machine
my $hostssh = fake_ssh($tmp, 'host', 0, `uname -m` =~ s/\s+//r, make_noop => 1);
spew("$tmp/hosts", "1/$hostssh hostc $tmp/wd-c\n");
{
	local $ENV{GUP_REPRO_TEST_CELL_RUN} = $ENV{GUP_REPRO_TEST_CELL_RUN}
		. 'echo "$GUPR_CELL_KERNEL" >"$GUPR_CELL_DIR/kernel-spec.txt"' . "\n";
	($rc, $o, $txt, $out) = compare("--base main --patch $rulep --cells longterm,control --fs ext4 --hosts $tmp/hosts");
}
is($rc, 0, '--hosts: exit 0') or diag($o);
like($txt, qr/^longterm\s+ext4\s+\* fixed$/m, '--hosts: longterm fixed, as on this machine') or diag($o);
like($txt, qr/^summary: fixed 1, broke 0, changed 0, unchanged 1$/m, '--hosts: the summary');
like($o, qr/ on hostc$/m, '--hosts: the cells ran on the host');
my $spec = slurp("$out/matrix/patched/ext4/longterm/kernel-spec.txt");
like($spec, qr{^prepared:\Q$tmp\E/wd-c/\.gup-repro/runs/[^/]+/base/kernels/patched\n\z},
     "--hosts: the host's cell ran the patched side's kernel from the host's copy") or diag($spec);
ok(!-e "$tmp/wd-c/.gup-repro/runs" || !glob("$tmp/wd-c/.gup-repro/runs/*"), '--hosts: the run\'s directory on the host is gone at the end');

# 6. bad usage: one line each, exit 128
for my $bad (["--base main", qr/--patch FILE or --head REV is required/],
	     ["--base main --head rule --patch $rulep", qr/--patch and --head are exclusive/],
	     ["--base nosuch --head rule", qr/--base nosuch: no such commit/],
	     ["--base main --head rule --cells nosuch", qr/--cells: 'nosuch' matches no scenario/],
	     ["--base main --patch $tmp/missing.patch", qr/--patch \S+missing\.patch: no such file/],
	     ["--base main --head main", qr/--base and --head are the same commit/]) {
	($rc, $o) = compare($bad->[0]);
	is($rc, 128, "bad usage: $bad->[0]: exit 128");
	like($o, $bad->[1], "bad usage: $bad->[0]: says why") or diag($o);
}
($rc, $o) = sh("cd $top && ./run.sh compare --tree $tmp --base main --head rule");
is($rc, 128, 'a directory that is not a git tree: exit 128');
is(`git -C $t for-each-ref; git -C $t worktree list --porcelain; git -C $t status --porcelain --ignored; git -C $t rev-parse HEAD; git -C $t symbolic-ref HEAD`,
   $refs, "the user's tree is as it was after every comparison");
done_testing();
