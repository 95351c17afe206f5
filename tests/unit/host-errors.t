#!/usr/bin/perl
# Errors of the machine itself are not errors of the kernel under test: a
# read-only or full cache, a full output directory (at the start, and
# filling up during the run), a chroot whose / is not a mount point, a
# bisection whose build runs out of space.  Each gives one line that says
# what is wrong and what to do, and exit 128 (git bisect run aborts on it;
# 125 would skip every commit), and leaves no half-written file.  Small
# tmpfs mounts in a mount namespace of the test's own (unshare -m) stand
# for the full and read-only file systems; no kernel is fetched.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh);
use File::Temp qw(tempdir);

plan skip_all => 'needs root (mounts tmpfs file systems in a mount namespace of its own)' if $> != 0;
my $top = "$FindBin::Bin/../..";
$top = `cd $top && pwd -P`; chomp $top;
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $G = 'git -c user.name=t -c user.email=t@invalid';

sub lines { return grep { length } split /\n/, $_[0]; }
# in_ns(SETUP, COMMAND): COMMAND after SETUP (mounts) in a mount namespace
# of its own, which takes the mounts with it when it ends
sub in_ns {
	my ($setup, $cmd) = @_;
	spew("$tmp/ns.sh", "set -e\n$setup\nset +e\ncd $top\n$cmd\n");
	return sh("unshare -m --propagation private bash $tmp/ns.sh");
}
my ($rc, $o) = sh("make -s -C $top host");
is($rc, 0, 'the host tools are built') or diag($o);
system("mkdir -p $tmp/mnt");
my $full = "mount -t tmpfs -o size=1m tmpfs $tmp/mnt && (dd if=/dev/zero of=$tmp/mnt/filler bs=64k 2>/dev/null || true)";
my $ro = "mount -t tmpfs -o ro,size=1m tmpfs $tmp/mnt";

# 1. a read-only cache
($rc, $o) = in_ns($ro, "GUP_REPRO_CACHE=$tmp/mnt/cache ./run.sh --out $tmp/run1");
is($rc, 128, 'read-only cache: exit 128 (a bisection stops)');
like($o, qr{^gup-repro: error: host: the cache directory \Q$tmp\E/mnt/cache is on a read-only file system: remount it read-write, or set GUP_REPRO_CACHE \(or XDG_CACHE_HOME\) to a writable directory$},
     'read-only cache: says what is wrong and what to do') or diag($o);
is(scalar(lines($o)), 1, 'read-only cache: one line') or diag($o);
ok(!-e "$tmp/run1", 'read-only cache: no run directory');

# 2. a full cache
($rc, $o) = in_ns($full, "GUP_REPRO_CACHE=$tmp/mnt/cache ./run.sh --out $tmp/run2");
is($rc, 128, 'full cache: exit 128');
like($o, qr{^gup-repro: error: host: the cache directory \Q$tmp\E/mnt/cache is on a full file system \(.*\): free space there, or set GUP_REPRO_CACHE \(or XDG_CACHE_HOME\) to a directory on another file system$},
     'full cache: says what is wrong and what to do') or diag($o);
is(scalar(lines($o)), 1, 'full cache: one line') or diag($o);

# 3. a full output directory, at the start
($rc, $o) = in_ns($full, "./run.sh --out $tmp/mnt/run3");
is($rc, 128, 'full output directory: exit 128');
like($o, qr{^gup-repro: error: host: the output directory \Q$tmp\E/mnt/run3 is on a full file system}, 'full output directory: said') or diag($o);
is(scalar(lines($o)), 1, 'full output directory: one line') or diag($o);
($rc, $o) = in_ns($full, "./run.sh matrix --kernels debian:bookworm --out $tmp/mnt/m");
is($rc, 128, 'matrix, full output directory: exit 128 before anything runs');
like($o, qr{^gup-repro: error: host: the output directory \Q$tmp\E/mnt/m is on a full file system}, 'matrix: said') or diag($o);

# 4. the output directory fills up during the run: a prepared kernel (no
#    fetch, no build), xfs, whose mkfs writes ~64 MiB into a 16 MiB tmpfs
my $p = "$tmp/prepared";
system("mkdir -p $p && echo junk >$p/vmlinuz && echo junk >$p/config && echo junk >$p/initramfs-xfs.img");
spew("$p/kernel.env", "KSOURCE=debian\nKID=fake\nKREL=6.1.0-fake\nKVERSION=1\nKLABEL=fake\nVMLINUZ=vmlinuz\nKCONFIG=config\nKPREPARED=.\n");
($rc, $o) = in_ns("mount -t tmpfs -o size=16m tmpfs $tmp/mnt",
		  "./run.sh --kernel prepared:$p --fs xfs --out $tmp/mnt/run4; echo \"rc=\$?\"; find $tmp/mnt/run4 -type f -printf '%f %s\\n' | sort");
like($o, qr/^rc=128$/m, 'output filling up during the run: exit 128') or diag($o);
like($o, qr{^run\.sh: host error: the output directory \Q$tmp\E/mnt/run4 is on a full file system \(\d+ KiB free on \Q$tmp\E/mnt\)}m,
     'output filling up: one line naming the directory') or diag($o);
unlike($o, qr/^verdict: /m, 'output filling up: no verdict claimed for the kernel');
unlike($o, qr/No such file or directory/, 'output filling up: no stray error of a later step');
unlike($o, qr/^(scratch\.img|run\.txt|\.verdict\.txt\.tmp) /m, 'output filling up: no scratch image, run.txt or .tmp left') or diag($o);

# 5. a chroot whose / is not a mount point: unshare -m (a build root's
#    mount namespace, make-in-root.sh) fails; the failure is the host's
my $r = "$tmp/chroot";
my $mounts = join("\n", map { "mkdir -p $r$_ && mount --rbind $_ $r$_" } '/usr', '/etc', '/dev', '/proc', '/tmp', $top);
$mounts .= "\nfor l in bin lib lib64 sbin; do [ -e $r/\$l ] || ln -s usr/\$l $r/\$l; done";
($rc, $o) = in_ns($mounts, "chroot $r bash -c 'cd $top && . vm-images/lib.sh &&
	{ vm-images/make-in-root.sh $tmp/broot / $tmp/kmod -v; } >$tmp/kmod.log 2>&1; gupr_host_fault $tmp/kmod.log; echo \"rc=\$?\"'");
like($o, qr{^/ is not a mount point \(is this a chroot\?\): unshare -m cannot give a build root its own mounts \(unshare: cannot change root filesystem propagation: Invalid argument\); run gup-repro outside the chroot, or make its root a mount point}m,
     'chroot: the unshare failure is the machine\'s, said in one line with what to do') or diag($o);
like($o, qr/^rc=0$/m, 'chroot: classified as a host error');
($rc, $o) = sh("bash -c '. $top/vm-images/lib.sh; echo \"make: *** [Makefile:12: x.o] Error 1\" >$tmp/plain.log; gupr_host_fault $tmp/plain.log; echo rc=\$?'");
like($o, qr/^rc=1$/m, 'a plain build error is not a host error');

# 6. a bisection whose build runs out of space stops (exit 128), instead
#    of skipping every commit
my $d = "$tmp/tree";
system("mkdir -p $d/arch/x86 && cd $d && git init -q -b main && printf 'VERSION = 6\\n' >Makefile && touch Kconfig arch/x86/.keep && git add -A && $G commit -qm c0") == 0 or die;
system("cd $d && for i in 1 2 3 4; do echo \$i >f && git add f && $G commit -qm c\$i; done") == 0 or die;
{
	local $ENV{GUP_REPRO_TEST_BISECT_BUILD} = 'echo "fs/ext4/inode.o: No space left on device" >&2; exit 2';
	local $ENV{GUP_REPRO_TEST_BISECT_RUN} = 'exit 0';
	($rc, $o) = sh("cd $top && ./run.sh bisect --tree $d --good HEAD~4 --bad HEAD -o $tmp/bis");
}
is($rc, 128, 'bisect, build out of space: exit 128 (aborted, not skipped)') or diag($o);
like($o, qr/^run\.sh bisect: host error: a write failed for lack of space \(fs\/ext4\/inode\.o: No space left on device\)/m, 'bisect: says why') or diag($o);
unlike(slurp("$tmp/bis/bisect.txt"), qr/-> skip/, 'bisect: no commit skipped for it');
my $head = `git -C $d symbolic-ref -q HEAD`;
is($head, "refs/heads/main\n", 'bisect: the tree is back on its branch');
ok(!-e "$d/.git/BISECT_START", 'bisect: no bisection left in progress');

done_testing();
