#!/usr/bin/perl
# Bounded inputs, refused before anything starts (one line, exit 128):
# a path with white space or a control character in any path option of
# run.sh and its subcommands (matrix, bisect, kernel-config, compare,
# report), in TMPDIR, GUP_REPRO_CACHE or
# GUP_REPRO_BUILD (kbuild's paths say that kbuild cannot build there); an
# --exec-arg with a control character (the guest reads one argument a
# line); an --exec program over 64 MiB.  Every command line also names a
# stand-in that stops the old code early (a prepared kernel without an
# initramfs, an unknown scenario), so that nothing is fetched either way.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(spew run);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $G = 'git -c user.name=t -c user.email=t@invalid';

# refused(WHAT, RE, OUTPUT, STATUS): exit 128 with one line (and the
# "Try --help" line) matching RE, nothing fetched, built or booted
sub refused {
	my ($what, $re, $out, $rc) = @_;
	is($rc, 128, "$what: exit 128") or diag($out);
	my @l = grep { !/^Try / } split /\n/, $out;
	is(scalar @l, 1, "$what: one line") or diag($out);
	like($l[0] // '', $re, "$what: says why") or diag($out);
}

# a prepared kernel without an initramfs: a run that gets past the
# options stops with "no initramfs" (exit 128) before any boot
my $p = "$tmp/prepared";
system("mkdir -p $p && echo junk >$p/vmlinuz && echo junk >$p/config") == 0 or die;
spew("$p/kernel.env", "KSOURCE=debian\nKID=fake\nKREL=6.1.0-fake\nKVERSION=1\nKLABEL=fake\nVMLINUZ=vmlinuz\nKCONFIG=config\nKPREPARED=.\n");
my @k = ('--kernel', "prepared:$p");
my ($out, $rc) = run("$top/run.sh", @k, '--out', "$tmp/control");
like($out, qr/no initramfs for --fs ext4/, 'the stand-in kernel stops a run that passes the options');
my $ws = qr/has white space in it, which the tools gup-repro drives split into words \(QEMU's options, GNU parallel's jobs\): /;
my $kb = qr/has white space in it, which kbuild cannot build in \(make splits words there\): /;

# 1. run.sh: every path option, and the environment's paths
mkdir "$tmp/my tree";
spew("$tmp/ok.sh", "#!/bin/sh\necho hi\n");
chmod 0755, "$tmp/ok.sh";
system("mkdir -p '$tmp/my dir' && cp $tmp/ok.sh '$tmp/my dir/prog'") == 0 or die;
for my $c (['--out with white space', [@k, '--out', "$tmp/my out"], qr/^run\.sh: --out '\Q$tmp\E\/my out' ${ws}use a path without$/, "$tmp/my out"],
	   ['--out with a newline', [@k, '--out', "$tmp/a\nb"], qr/^run\.sh: --out \$'\Q$tmp\E\/a\\nb' has a control character in it: use a path without$/, "$tmp/a\nb"],
	   ['--exec with white space', [@k, '--exec', "$tmp/my dir/prog", '--out', "$tmp/o-exec"], qr/^run\.sh: --exec '\Q$tmp\E\/my dir\/prog' $ws/, "$tmp/o-exec"],
	   ['--kernel TREE with white space', ['--kernel', "$tmp/my tree", '--out', "$tmp/o-tree"], qr/^run\.sh: --kernel '\Q$tmp\E\/my tree' ${kb}use a path without$/, "$tmp/o-tree"],
	   ['--kernel prepared:DIR with white space', ['--kernel', "prepared:$tmp/my tree", '--out', "$tmp/o-prep"], qr/^run\.sh: --kernel '\Q$tmp\E\/my tree' $ws/, "$tmp/o-prep"]) {
	my ($what, $args, $re, $o) = @$c;
	refused("run.sh $what", $re, run("$top/run.sh", @$args));
	ok(!-e $o, "run.sh $what: no run directory made");
}
refused('TMPDIR with white space', qr/^run\.sh: TMPDIR '\/tmp\/t d' ${ws}set TMPDIR to a path without$/,
	run('env', 'TMPDIR=/tmp/t d', "$top/run.sh", @k, '--out', "$tmp/o-tmpdir"));
ok(!-e "$tmp/o-tmpdir", 'TMPDIR: no run directory made');
refused('GUP_REPRO_BUILD with white space', qr/^run\.sh: the BUILD directory '\/tmp\/b d' ${kb}set GUP_REPRO_BUILD to a path without$/,
	run('env', 'GUP_REPRO_BUILD=/tmp/b d', "$top/run.sh", @k, '--out', "$tmp/o-build"));
refused('XDG_CACHE_HOME with white space (the cache under it)', qr/^run\.sh: the CACHE directory '\/tmp\/x d\/gup-repro' $kb/,
	run('env', '-u', 'GUP_REPRO_CACHE', 'XDG_CACHE_HOME=/tmp/x d', "$top/run.sh", @k, '--out', "$tmp/o-xdg"));

# 2. --exec-arg: a control character is refused (newline, tab, DEL, ^A);
#    white space inside an argument is fine (one argument a line)
for my $c (["a\nb", "\$'a\\nb'"], ["a\tb", "\$'a\\tb'"], ["x\x7f", "\$'x\\177'"], ["\x01", "\$'\\001'"]) {
	my ($arg, $shown) = @$c;
	refused("--exec-arg $shown", qr/^run\.sh: --exec-arg \Q$shown\E has a control character in it \(newline, tab, \.\.\.\): the guest takes printable arguments only$/,
		run("$top/run.sh", @k, '--exec', "$tmp/ok.sh", '--exec-arg', 'fine', '--exec-arg', $arg, '--out', "$tmp/o-arg"));
	ok(!-e "$tmp/o-arg", "--exec-arg $shown: no run directory made");
}
($out, $rc) = run("$top/run.sh", @k, '--exec', "$tmp/ok.sh", '--exec-arg', 'two words', '--exec-arg=', '--out', "$tmp/o-words");
like($out, qr/no initramfs for --fs ext4/, '--exec-arg with a space, and an empty one, pass the check') or diag($out);

# 3. --exec: at most 64 MiB (sparse files: nothing is written)
spew("$tmp/big.sh", "#!/bin/sh\necho big\n");
chmod 0755, "$tmp/big.sh";
truncate("$tmp/big.sh", 64 * 1048576 + 1) or die;
refused('--exec a program of 64 MiB + 1 byte', qr/^run\.sh: --exec: '\Q$tmp\E\/big\.sh' is 65 MiB: a program may be at most 64 MiB \(it is packed into the guest's initramfs, in its RAM\)$/,
	run("$top/run.sh", @k, '--exec', "$tmp/big.sh", '--out', "$tmp/o-big"));
ok(!-e "$tmp/o-big", '--exec too large: no run directory made');
truncate("$tmp/big.sh", 64 * 1048576) or die;
($out, $rc) = run("$top/run.sh", @k, '--exec', "$tmp/big.sh", '--out', "$tmp/o-big64");
like($out, qr/no initramfs for --fs ext4/, '--exec a program of exactly 64 MiB passes the check') or diag($out);

# 4. run.sh matrix (an unknown scenario stops the old code before any cell)
my @m = ('matrix', '--kernels', 'debian:bookworm', '--fs', 'ext4', '--scenarios', 'nope');
spew("$tmp/my dir/hosts", "root\@h\n");
refused('matrix --out with white space', qr/^run\.sh matrix: --out '\Q$tmp\E\/my m' $ws/,
	run("$top/run.sh", @m, '--out', "$tmp/my m"));
ok(!-e "$tmp/my m", 'matrix --out: no matrix directory made');
refused('matrix --hosts with white space', qr/^run\.sh matrix: --hosts '\Q$tmp\E\/my dir\/hosts' $ws/,
	run("$top/run.sh", @m, '--hosts', "$tmp/my dir/hosts", '--out', "$tmp/m1"));
refused('matrix --kernels TREE with white space', qr/^run\.sh matrix: --kernels '\Q$tmp\E\/my tree' $kb/,
	run("$top/run.sh", @m[0 .. 0], '--kernels', "$tmp/my tree", '--scenarios', 'nope', '--out', "$tmp/m2"));
refused('matrix --kernels prepared:DIR with white space', qr/^run\.sh matrix: --kernels '\Q$tmp\E\/my tree' $ws/,
	run("$top/run.sh", 'matrix', '--kernels', "prepared:$tmp/my tree", '--scenarios', 'nope', '--out', "$tmp/m4"));
refused('matrix, TMPDIR with white space', qr/^run\.sh matrix: TMPDIR '\/tmp\/t d' $ws/,
	run('env', 'TMPDIR=/tmp/t d', "$top/run.sh", @m, '--out', "$tmp/m3"));
ok(!-e "$tmp/m1" && !-e "$tmp/m2" && !-e "$tmp/m3" && !-e "$tmp/m4", 'matrix: no matrix directory made');

# 5. run.sh bisect (an unknown scenario stops the old code before the
#    bisection starts), run.sh kernel-config, compare and report
my $d = "$tmp/my tree";
system("mkdir -p '$d/arch/x86' && cd '$d' && git init -q -b main && printf 'VERSION = 6\\n' >Makefile && touch Kconfig arch/x86/.keep && git add -A && $G commit -qm c0 && echo 1 >f && git add f && $G commit -qm c1") == 0 or die;
system("git clone -q '$d' $tmp/tree") == 0 or die;
my @b = ('bisect', '--good', 'HEAD~1', '--bad', 'HEAD', '--scenario', 'nope');
refused('bisect --tree with white space', qr/^run\.sh bisect: --tree '\Q$d\E' $kb/,
	run("$top/run.sh", @b, '--tree', $d, '--out', "$tmp/b1"));
refused('bisect --build-dir with white space', qr/^run\.sh bisect: --build-dir '\Q$tmp\E\/my build' $kb/,
	run("$top/run.sh", @b, '--tree', "$tmp/tree", '--build-dir', "$tmp/my build", '--out', "$tmp/b2"));
refused('bisect --out with white space', qr/^run\.sh bisect: --out '\Q$tmp\E\/my b' $ws/,
	run("$top/run.sh", @b, '--tree', "$tmp/tree", '--out', "$tmp/my b"));
refused('bisect --hosts with white space', qr/^run\.sh bisect: --hosts '\Q$tmp\E\/my dir\/hosts' $ws/,
	run("$top/run.sh", @b, '--tree', "$tmp/tree", '--hosts', "$tmp/my dir/hosts", '--out', "$tmp/b3"));
ok(!-e "$tmp/b1" && !-e "$tmp/b2" && !-e "$tmp/b3" && !-e "$tmp/my b" && !-e "$tmp/my build", 'bisect: no directory made');
refused('kernel-config TREE with white space', qr/^run\.sh kernel-config: TREE '\Q$d\E' $kb/,
	run("$top/run.sh", 'kernel-config', $d));
refused('kernel-config -O with white space', qr/^run\.sh kernel-config: -O '\Q$tmp\E\/my build' $kb/,
	run("$top/run.sh", 'kernel-config', "$tmp/tree", '-O', "$tmp/my build"));
ok(!-e "$tmp/my build", 'kernel-config -O: no build directory made');
is(`git -C '$d' status --porcelain --ignored`, '', 'kernel-config: nothing written into the tree');
# run.sh compare (an unknown cell stops the old code before any clone or
# build) and run.sh report
system("printf 'x\\n' >'$tmp/my dir/fix.patch'") == 0 or die;
my @c = ('compare', '--base', 'HEAD~1', '--head', 'HEAD', '--cells', 'nope');
refused('compare --tree with white space', qr/^run\.sh compare: --tree '\Q$d\E' $ws/,
	run("$top/run.sh", @c, '--tree', $d, '--out', "$tmp/c1"));
refused('compare --out with white space', qr/^run\.sh compare: --out '\Q$tmp\E\/my c' $ws/,
	run("$top/run.sh", @c, '--tree', "$tmp/tree", '--out', "$tmp/my c"));
refused('compare --patch with white space', qr/^run\.sh compare: --patch '\Q$tmp\E\/my dir\/fix\.patch' $ws/,
	run("$top/run.sh", 'compare', '--base', 'HEAD~1', '--patch', "$tmp/my dir/fix.patch", '--cells', 'nope', '--tree', "$tmp/tree", '--out', "$tmp/c2"));
refused('compare --hosts with white space', qr/^run\.sh compare: --hosts '\Q$tmp\E\/my dir\/hosts' $ws/,
	run("$top/run.sh", @c, '--tree', "$tmp/tree", '--hosts', "$tmp/my dir/hosts", '--out', "$tmp/c3"));
ok(!-e "$tmp/c1" && !-e "$tmp/c2" && !-e "$tmp/c3" && !-e "$tmp/my c", 'compare: no directory made');
refused('report DIR with white space', qr/^run\.sh report: DIR '\Q$tmp\E\/my dir' $ws/, run("$top/run.sh", 'report', "$tmp/my dir"));
refused('report -o with white space', qr/^run\.sh report: -o '\Q$tmp\E\/my dir\/mail\.txt' $ws/,
	run("$top/run.sh", 'report', "$tmp/tree", '-o', "$tmp/my dir/mail.txt"));
ok(!-e "$tmp/my dir/mail.txt", 'report: nothing written');
ok(!-e "$tmp/tree/.git/BISECT_START" && !-e "$d/.git/BISECT_START", 'bisect: no bisection started');

done_testing();
