#!/usr/bin/perl
# One run, one directory: default run directories (out/<timestamp>-NAME,
# --repeat's -xN, out/matrix-<timestamp>, out/bisect-<timestamp>,
# out/compare-<timestamp>) are
# unique even for runs started in the same second, and --out names a
# directory only one run at a time.  "At once" is made certain, not left to
# chance: a stand-in date on PATH gives every run the same second, and a
# stand-in mkdir holds the first mkdir of the run directory of each
# process until both have come to it, so that both pick their name before
# either has made it.  No VM: the runs use a prepared
# kernel without an initramfs (they stop after making their directory),
# the bisections the test-only hooks.  Last, the traps of a --repeat
# loop (run.sh's and ./run.sh fstests', gupr_repeat_traps).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh lib_sh);
use File::Temp qw(tempdir);
use File::Path qw(remove_tree);

my $top = "$FindBin::Bin/../..";
$top = `cd $top && pwd -P`; chomp $top;
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $G = 'git -c user.name=t -c user.email=t@invalid';
my $tag = "gupr-t$$";	# in the names of this test's directories under out/

# 1. gupr_run_dir: 8 at once on one name get 8 directories
my $lib = "$top/vm-images/lib.sh";
my ($rc, $o) = sh("bash -c '. $lib; for i in 1 2 3 4 5 6 7 8; do gupr_run_dir $tmp/p same & done; wait'");
my @d = sort split /\n/, $o;
is(scalar @d, 8, 'gupr_run_dir: 8 calls at once print 8 lines') or diag($o);
is_deeply(\@d, [sort map { "$tmp/p/same$_" } '', map { ".$_" } 1 .. 7], 'gupr_run_dir: NAME, then NAME.1 to NAME.7');
ok(8 == grep({ -d } @d), 'gupr_run_dir: each was made');
($rc, $o) = sh("bash -c '. $lib; gupr_run_dir $tmp/p same'");
is($o, "$tmp/p/same.8\n", 'gupr_run_dir: the next free name after those');
spew("$tmp/file", "x\n");
($rc, $o) = sh("bash -c '. $lib; gupr_run_dir $tmp/file/sub x'");
isnt($rc, 0, 'gupr_run_dir: a parent that cannot be made fails');
like($o, qr/^cannot create the directory \Q$tmp\E\/file\/sub$/, 'gupr_run_dir: says which');

# The stand-in mkdir: the first mkdir of a directory whose last argument
# matches GUPR_T_MATCH waits (up to 20 s) until GUPR_T_N of them came.
my ($real) = grep { -x } '/usr/bin/mkdir', '/bin/mkdir';
system("mkdir -p $tmp/bin $tmp/barrier") == 0 or die;
spew("$tmp/bin/mkdir", <<EOF);
#!/bin/sh
for a; do last=\$a; done
case "\$last" in
\$GUPR_T_MATCH)
	: >"\$GUPR_T_BARRIER/came.\$\$"
	i=0
	while [ "\$(ls "\$GUPR_T_BARRIER" | grep -c '^came')" -lt "\$GUPR_T_N" ] && [ \$i -lt 400 ]; do
		sleep 0.05; i=\$((i + 1))
	done ;;
esac
exec $real "\$@"
EOF
chmod 0755, "$tmp/bin/mkdir";
# and a stand-in date: the run directories' timestamp is one second for all
my ($rdate) = grep { -x } '/usr/bin/date', '/bin/date';
spew("$tmp/bin/date", "#!/bin/sh\n[ \"\$*\" = '+%Y%m%d-%H%M%S' ] && { echo 20000101-000000; exit 0; }\nexec $rdate \"\$\@\"\n");
chmod 0755, "$tmp/bin/date";
# at_once(MATCH, COMMAND...): the commands at once, each held at its first
# mkdir of MATCH; their outputs
my $n = 0;
sub at_once {
	my ($match, @cmd) = @_;
	my $b = "$tmp/barrier/" . ++$n;
	mkdir $b or die;
	local $ENV{PATH} = "$tmp/bin:$ENV{PATH}";
	local $ENV{GUPR_T_MATCH} = $match;
	local $ENV{GUPR_T_BARRIER} = $b;
	local $ENV{GUPR_T_N} = scalar @cmd;
	my @pid;
	for my $i (0 .. $#cmd) {
		my $pid = fork() // die;
		if (!$pid) { exec('bash', '-c', "cd $top && $cmd[$i] >$b/out.$i 2>&1"); exit 127; }
		push @pid, $pid;
	}
	waitpid($_, 0) for @pid;
	return map { slurp("$b/out.$_") } 0 .. $#cmd;
}

# a prepared kernel without an initramfs: a run stops (exit 128) after it
# made its directory
my $p = "$tmp/prepared";
system("mkdir -p $p && echo junk >$p/vmlinuz && echo junk >$p/config") == 0 or die;
spew("$p/kernel.env", "KSOURCE=debian\nKID=fake\nKREL=6.1.0-fake\nKVERSION=1\nKLABEL=fake\nVMLINUZ=vmlinuz\nKCONFIG=config\nKPREPARED=.\n");
spew("$tmp/$tag", "#!/bin/sh\necho hi\n");
chmod 0755, "$tmp/$tag";
my $run = "./run.sh --kernel prepared:$p --exec $tmp/$tag";
# ours(GLOB): this test's directories under out/
sub ours { my ($g) = @_; return sort grep { -d } glob("$top/out/$g"); }

# 2. two runs at once without --out: two directories
my @out = at_once("*/out/*-exec-$tag*", $run, $run);
my @dirs = ours("*-exec-$tag*");
is(scalar @dirs, 2, 'two runs at once: two run directories') or diag(join("\n", @dirs, @out));
like($dirs[0] // '', qr{/out/20000101-000000-exec-\Q$tag\E$}, 'the first: out/<timestamp>-exec-NAME');
like($dirs[1] // '', qr{/out/20000101-000000-exec-\Q$tag\E\.1$}, 'the second: the same name with .1');
ok(2 == grep({ -s "$_/build.log" } @dirs), 'each run wrote its own build.log') or diag(join("\n", @out));
remove_tree(@dirs);

# 3. two --repeat runs at once: two directories
@out = at_once("*/out/*-exec-$tag-x1*", "$run --repeat 1", "$run --repeat 1");
@dirs = ours("*-exec-$tag-x1*");
is(scalar @dirs, 2, 'two --repeat runs at once: two directories') or diag(join("\n", @dirs, @out));
ok(2 == grep({ -d "$_/run-01" } @dirs), '--repeat: each has its run-01') or diag(join("\n", @out));
remove_tree(@dirs);

# 4. two matrices at once: two matrix directories (the matrix directory
#    is named by the time only: this test's are the ones it prints)
my $m = "./run.sh matrix --kernels prepared:$p --fs ext4 --scenarios control -j 1 --timeout 10";
@out = at_once('*/out/matrix-*', $m, $m);
@dirs = map { m{^==> matrix: (out/matrix-[^/\s]+)/matrix\.txt}m ? "$top/$1" : () } @out;
is(scalar @dirs, 2, 'two matrices at once: both finished') or diag(join("\n", @out));
isnt($dirs[0] // 'x', $dirs[1] // 'x', 'two matrices at once: two matrix directories');
ok(2 == grep({ -s "$_/matrix.txt" } @dirs), 'each wrote its own matrix.txt');
remove_tree(grep { m{/out/matrix-\d{8}-\d{6}(\.\d+)?$} } @dirs);

# 5. two bisections at once: two bisect directories
my @t;
for my $i (1, 2) {
	my $d = "$tmp/tree$i";
	system("mkdir -p $d/arch/x86 && cd $d && git init -q -b main && printf 'VERSION = 6\\n' >Makefile && touch Kconfig arch/x86/.keep && git add -A && $G commit -qm c0 && for i in 1 2 3; do echo \$i >f && git add f && $G commit -qm c\$i; done") == 0 or die;
	push @t, "GUP_REPRO_TEST_BISECT_BUILD='exit 0' GUP_REPRO_TEST_BISECT_RUN='exit 0' ./run.sh bisect --tree $d --good HEAD~3 --bad HEAD";
}
@out = at_once('*/out/bisect-*', @t);
@dirs = map { m{^==> bisect: (out/bisect-[^/\s]+)/bisect\.txt}m ? "$top/$1" : () } @out;
is(scalar @dirs, 2, 'two bisections at once: both finished') or diag(join("\n", @out));
isnt($dirs[0] // 'x', $dirs[1] // 'x', 'two bisections at once: two bisect directories');
like(slurp("$dirs[0]/bisect.txt") . slurp("$dirs[1]/bisect.txt"), qr/tree:\s+\Q$tmp\E\/tree1\b.*tree:\s+\Q$tmp\E\/tree2\b|tree:\s+\Q$tmp\E\/tree2\b.*tree:\s+\Q$tmp\E\/tree1\b/s,
     'each bisect.txt is its own tree\'s');
remove_tree(grep { m{/out/bisect-\d{8}-\d{6}(\.\d+)?$} } @dirs);

# 6. two comparisons at once: two compare directories (an unknown cell
#    stops each after it made its directory; this test's are the new ones)
my %before = map { $_ => 1 } ours('compare-*');
@out = at_once('*/out/compare-*', map { "./run.sh compare --tree $tmp/tree$_ --base HEAD~1 --head HEAD --cells nope" } 1, 2);
@dirs = grep { !$before{$_} } ours('compare-*');
is(scalar @dirs, 2, 'two comparisons at once: two compare directories') or diag(join("\n", @dirs, @out));
like(join('', @out), qr/^run\.sh compare: --cells: 'nope' matches no scenario.*\n(.*\n)*run\.sh compare: --cells: 'nope'/m, 'both went as far as the cells')
	or diag(join("\n", @out));
remove_tree(grep { m{/out/compare-\d{8}-\d{6}(\.\d+)?$} } @dirs);

# 7. --out DIR while another run is in it: refused, DIR untouched
mkdir "$tmp/busy" or die;
spew("$tmp/busy/run.txt", "scenario: control\n");
my $hold = fork() // die;
if (!$hold) { exec('flock', "$tmp/busy", 'sleep', '30'); exit 127; }
select(undef, undef, undef, 0.5);
for my $force ([], ['--force']) {
	($rc, $o) = sh("cd $top && ./run.sh --kernel prepared:$p --out $tmp/busy @$force");
	is($rc, 128, "--out a directory another run is in (@$force): exit 128") or diag($o);
	like($o, qr/^run\.sh: --out \Q$tmp\E\/busy is in use by another run$/m, "--out in use (@$force): says so") or diag($o);
}
is(slurp("$tmp/busy/run.txt"), "scenario: control\n", '--out in use: the other run\'s files are untouched');
is(join(' ', map { s{.*/}{}r } glob("$tmp/busy/*")), 'run.txt', '--out in use: nothing added');
kill 'TERM', $hold;
waitpid($hold, 0);

# 6. a --repeat loop's traps (gupr_repeat_traps): each signal stops the
#    run in progress (here a sleep) and exits 128 + its number; SIGINT
#    says who was interrupted.  ./run.sh fstests --repeat had no HUP trap.
for my $t (['INT', 130], ['TERM', 143], ['HUP', 129]) {
	my ($sig, $want) = @$t;
	my $mark = "gupr-repeat-trap-$sig-$$";
	local @SIG{qw(INT TERM HUP)} = ('DEFAULT') x 3;	# undo a background shell's SIG_IGN
	my ($rc, $o) = lib_sh($top, qq{gupr_repeat_traps "run.sh fstests"
		(sleep 0.5; kill -$sig \$\$) &
		bash -c 'exec -a $mark sleep 30' &
		wait \$!
		echo "not stopped"});
	is($rc, $want, "--repeat loop, SIG$sig: exit $want") or diag($o);
	unlike($o, qr/not stopped/, "--repeat loop, SIG$sig: the loop stops");
	like($o, qr/^run\.sh fstests: interrupted$/m, '--repeat loop, SIGINT: says so') if $sig eq 'INT';
	sleep(0.2);
	is(`pgrep -f '^$mark' | wc -l` + 0, 0, "--repeat loop, SIG$sig: the run in progress is stopped");
}

done_testing();
