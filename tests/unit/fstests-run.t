#!/usr/bin/perl
# ./run.sh fstests without a guest and without the network
# (vm-images/fstests.sh, vm-images/lib/fstests.sh):
#  - bad input (no checkout, not an fstests checkout, not its git top,
#    unknown or malformed test names, --fs tmpfs, bad --env, --pkgs,
#    --repeat, --timeout, --trace-file, a prepared kernel; the same for
#    ./run.sh matrix --fstests): one line, exit 128, nothing built;
#  - local.config: the guest's disks by serial, the mount points, results
#    on the results disk;
#  - the build's key follows the checkout's content (HEAD, changes,
#    untracked files; not ignored ones), and the copy takes the work tree
#    as it is, without what git ignores; the checkout is never written;
#  - the build with a stand-in build root (a static busybox, a make that
#    builds one dynamically linked program, a dpkg database): built once,
#    again only when the checkout changed, the run-time packages of what it
#    links found, a failing make leaves nothing cached;
#  - the results disk: only the names fstests writes come back, regular
#    files only, each cut at the bound;
#  - the verdict of recorded fstests result directories
#    (tests/fixtures/fstests): failed with ext4's warning, passed (safe
#    mode), not run with fstests' reason, failed on output only, ./check
#    running no test, the guest stopped by the timeout mid-test, the
#    kernel crashing; and the verdict over --repeat's runs;
#  - the extra disks written through (gupr_boot_disk rw);
#  - the matrix table's fstests cells.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh shq);

my $top = "$FindBin::Bin/../..";
my $fix = "$top/tests/fixtures/fstests";
my $tmp = tempdir(CLEANUP => 1);
# lib(SCRIPT): SCRIPT after sourcing lib.sh, under set -u as the commands
# run it, in a cache of this test's own
sub lib {
	spew("$tmp/script.sh", "set -u\n. vm-images/lib.sh\n$_[0]\n");
	return sh("cd $top && GUP_REPRO_CACHE=$tmp/cache GUP_REPRO_BUILD=$tmp/build bash $tmp/script.sh");
}
sub git { my ($d, @a) = @_; my $o = `git -C $d @a 2>&1`; chomp $o; return $o; }

# a small fstests checkout: what ./check needs to be found, two tests
sub checkout {
	my ($d) = @_;
	make_path("$d/common", "$d/tests/generic", "$d/tests/xfs", "$d/src");
	spew("$d/$_", "#!/bin/bash\n") for qw(check common/rc common/config configure.ac src/Makefile);
	spew("$d/tests/generic/001", "#!/bin/bash\necho one\n");
	spew("$d/tests/generic/001.out", "QA output created by 001\n");
	spew("$d/tests/xfs/100", "#!/bin/bash\n");
	spew("$d/.gitignore", "/local.config\n/results/\n*.o\n");
	system("git init -q $d && git -C $d add -A && git -C $d -c user.name=t -c user.email=t\@e commit -q -m init") == 0
		or die "git init $d";
	return $d;
}
my $fst = checkout("$tmp/fstests");

# --- bad input ------------------------------------------------------------------
my $plain = "$tmp/plain"; mkdir $plain;
my $nogit = "$tmp/nogit"; system("cp -a $fst $nogit && rm -rf $nogit/.git");
my $sub = "$tmp/outer"; checkout($sub); system("cp -a $fst $sub/inner && rm -rf $sub/inner/.git");
my @bad = (
	[[], qr/^run\.sh fstests: which fstests checkout\? \(--fstests DIR\)$/],
	[['--fstests', $plain, 'generic/001'], qr/^run\.sh fstests: --fstests \Q$plain\E is not an fstests checkout \(no check\)$/],
	[['--fstests', "$tmp/missing", 'generic/001'], qr/is not a directory$/],
	[['--fstests', $nogit, 'generic/001'], qr/is not a git checkout \(the build is keyed by its HEAD and status\)$/],
	[['--fstests', "$sub/inner", 'generic/001'], qr/is not the top of its git checkout/],
	[['--fstests', $fst], qr/^run\.sh fstests: which tests\? \(TEST\.\.\., such as generic\/001\)$/],
	[['--fstests', $fst, 'generic/002'], qr/^run\.sh fstests: 'generic\/002' is not a test of \Q$fst\E \(no tests\/generic\/002\)$/],
	[['--fstests', $fst, 'generic/../001'], qr/'generic\/\.\.\/001' is not an fstests test name/],
	[['--fstests', $fst, 'generic'], qr/'generic' is not an fstests test name/],
	[['--fstests', $fst, 'generic/001', '--fs', 'tmpfs'], qr/^run\.sh fstests: --fs takes ext4, xfs or btrfs, not 'tmpfs'$/],
	[['--fstests', $fst, 'generic/001', '--fs'], qr/^run\.sh fstests: --fs needs a filesystem$/],
	[['--fstests', $fst, 'generic/001', '--repeat', '0'], qr/--repeat takes a number from 1 to 1000, not '0'/],
	[['--fstests', $fst, 'generic/001', '--timeout', '5'], qr/--timeout takes a number from 60 to 86400/],
	[['--fstests', $fst, 'generic/001', '--env', 'A B=1'], qr/--env 'A B=1': NAME=VALUE/],
	[['--fstests', $fst, 'generic/001', '--env', 'NOVALUE'], qr/--env 'NOVALUE': NAME=VALUE/],
	[['--fstests', $fst, 'generic/001', '--env', "A=\x01"], qr/--env \$'A=\\001': NAME=VALUE/],
	[['--fstests', $fst, 'generic/001', '--pkgs', 'Fio'], qr/^run\.sh fstests: --pkgs: 'Fio' is not a Debian package name$/],
	[['--fstests', $fst, 'generic/001', '--pkgs', ''], qr/--pkgs needs a package list/],
	[['--fstests', $fst, 'generic/001', '--trace-file', 'victim'], qr/--trace-file 'victim': an absolute path in the guest/],
	[['--fstests', $fst, 'generic/001', '--kernel', "prepared:$plain"], qr/not with a prepared kernel$/],
	[['--fstests', $fst, 'generic/001', '--bogus'], qr/unknown option '--bogus'/],
);
for my $b (@bad) {
	my ($args, $msg) = @$b;
	my ($rc, $out) = sh("cd $top && GUP_REPRO_CACHE=$tmp/cli-cache timeout 60 ./run.sh fstests " . join(' ', map { shq($_) } @$args));
	is($rc, 128, "run.sh fstests @$args: exit 128");
	like($out, $msg, "... says what was wrong");
	is(scalar(split /\n/, $out), 1, '... in one line');
}
ok(!-e "$tmp/cli-cache", 'nothing was built for bad input');
my @mbad = (
	[['--fstests', $fst], qr/--fstests DIR and --tests LIST go together/],
	[['--tests', 'generic/001'], qr/--fstests DIR and --tests LIST go together/],
	[['--fstests', $fst, '--tests', 'generic/001,generic/009'], qr/--tests: 'generic\/009' is not a test of/],
	[['--fstests', $fst, '--tests', 'generic/001', '--fs', 'ext4,tmpfs'], qr/--fs: 'tmpfs' is not ext4, xfs or btrfs \(fstests\)/],
	[['--fstests', $fst, '--tests', 'generic/001', '--scenarios', 'control'], qr/--scenarios does not go with --fstests/],
	[['--fstests', $plain, '--tests', 'generic/001'], qr/is not an fstests checkout/],
);
for my $b (@mbad) {
	my ($args, $msg) = @$b;
	my ($rc, $out) = sh("cd $top && GUP_REPRO_CACHE=$tmp/cli-cache timeout 60 ./run.sh matrix " . join(' ', map { shq($_) } @$args));
	is($rc, 128, "run.sh matrix @$args: exit 128");
	like($out, $msg, '... says what was wrong');
}
my ($rc, $out) = sh("cd $top && ./run.sh fstests --help");
is($rc, 0, 'run.sh fstests --help: exit 0');
like($out, qr/^\s+--fstests DIR\s/m, '... documents --fstests');
like($out, qr/^\s+--env NAME=VALUE\s/m, '... and --env');
like(`cd $top && ./run.sh --help`, qr/^\s+\.\/run\.sh fstests --fstests DIR/m, 'run.sh --help names the subcommand');
like(`cd $top && ./run.sh matrix --help`, qr/^\s+--fstests DIR --tests LIST$/m, 'run.sh matrix --help documents --fstests');

# --- local.config -----------------------------------------------------------------
($rc, $out) = lib('gupr_fstests_local_config xfs');
is($out, <<'EOF', 'local.config: FSTYP, the disks by serial (canonicalised), mount points, results');
# local.config of ./run.sh fstests (gup-repro): the guest's virtio disks
export FSTYP=xfs
export TEST_DEV=/dev/disk/by-id/virtio-gupr-test
export TEST_DIR=/mnt/test
export SCRATCH_DEV=/dev/disk/by-id/virtio-gupr-scratch
export SCRATCH_MNT=/mnt/scratch
export RESULT_BASE=/mnt/results/results
export CANON_DEVS=yes
EOF

# --- the key and the copy -------------------------------------------------------------
sub key { my ($suite) = @_; my ($r, $o) = lib("gupr_fstests_key $fst ${\($suite // 'bookworm')}"); chomp $o; return $o; }
my $k0 = key();
like($k0, qr/^[0-9a-f]{16}$/, 'key: 16 hex digits');
is(key(), $k0, 'the same checkout: the same key');
isnt(key('trixie'), $k0, 'another suite: another key');
spew("$fst/foo.o", "object\n");
spew("$fst/local.config", "export FSTYP=ext4\n");
is(key(), $k0, 'files git ignores (build products, local.config) do not change it');
spew("$fst/tests/generic/001.out", "QA output created by 001\nchanged\n");
my $k1 = key();
isnt($k1, $k0, 'a change to a tracked file changes it');
spew("$fst/tests/generic/001.out", "QA output created by 001\nchanged again\n");
my $k2 = key();
isnt($k2, $k1, '... and another change again');
spew("$fst/tests/generic/002", "#!/bin/bash\n");
my $k3 = key();
isnt($k3, $k2, 'an untracked file changes it');
spew("$fst/tests/generic/002", "#!/bin/bash\necho 2\n");
isnt(key(), $k3, '... and so does its content');
system("git -C $fst add -A && git -C $fst -c user.name=t -c user.email=t\@e commit -q -m two");
my $k4 = key();
isnt($k4, $k0, 'a new commit: another key');
system("git -C $fst rm -q tests/generic/002");
isnt(key(), $k4, 'a staged removal changes it');
system("git -C $fst reset -q --hard HEAD");
is(key(), $k4, 'back as committed: the committed key');
unlink "$fst/tests/xfs/100";
($rc, $out) = lib("gupr_fstests_copy $fst $tmp/copy");
is($rc, 0, 'copy: done') or diag($out);
ok(-e "$tmp/copy/tests/generic/002" && -e "$tmp/copy/check", 'copy: tracked files');
spew("$fst/new-file", "x\n");
($rc, $out) = lib("gupr_fstests_copy $fst $tmp/copy2");
ok(-e "$tmp/copy2/new-file", 'copy: untracked files git does not ignore');
ok(!-e "$tmp/copy/foo.o" && !-e "$tmp/copy/local.config", 'copy: not what git ignores');
ok(!-e "$tmp/copy/tests/xfs/100", 'copy: not a tracked file deleted in the work tree');
ok(!-e "$tmp/copy/.git", 'copy: not .git');
unlink "$fst/new-file";
system("git -C $fst checkout -q -- tests/xfs/100");
unlike(git($fst, 'status --porcelain'), qr/^ ?[MDA]/m, 'the checkout was only read: no change git sees');

# --- the build, with a stand-in build root ---------------------------------------------
# ROOT: a static busybox as /bin/sh, a "make" that builds src/prog (a copy of
# the host's dynamically linked /bin/true) and logs each call, a dpkg
# database that says libc6 has libc.so.6; its packages stamp is the one
# gupr_root_make wants (no mmdebstrap runs).
my ($r0, $pkgs) = lib('echo "$GUPR_FSTESTS_BUILD_PKGS"');
chomp $pkgs;
my $root = "$tmp/cache/buildroots/bookworm-fstests";
make_path("$root/bin", "$root/usr/bin", "$root/var/lib/dpkg/info", "$root/tmp");
system("cp /bin/busybox $root/bin/busybox && ln -s busybox $root/bin/sh && ln -s busybox $root/bin/cp && ln -s busybox $root/bin/mkdir && ln -s busybox $root/bin/cat && cp /bin/true $root/bin/true-prog") == 0
	or die 'busybox';
spew("$root/usr/bin/make", <<'EOF');
#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -C) dir=$2; shift 2 ;; *) shift ;; esac; done
echo "make $dir" >>/tmp/make.calls
[ ! -e "$dir/FAIL" ] || { echo "error: make failed on purpose"; exit 2; }
mkdir -p "$dir/src" && cp /bin/true-prog "$dir/src/prog"
EOF
chmod 0755, "$root/usr/bin/make";
spew("$root/var/lib/dpkg/status", "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\nMaintainer: m\nDescription: d\nMulti-Arch: same\n\n");
my ($libc) = `readelf -dW /bin/true` =~ /\(NEEDED\).*\[(libc\.so\.\d+)\]/;
spew("$root/var/lib/dpkg/info/format", "1\n");	# the multiarch database, as mmdebstrap makes it
spew("$root/var/lib/dpkg/info/libc6:amd64.list", "/usr/lib/x86_64-linux-gnu/$libc\n");
spew("$root/.gupr-packages", "$pkgs\n");
sub calls { return scalar(() = slurp("$root/tmp/make.calls") =~ /^make /mg); }
sub build { return lib("gupr_fstests_build $fst bookworm && echo \"img=\$FSTESTS_IMG rt=\$FSTESTS_RUNTIME_PKGS dir=\$FSTESTS_CACHE\""); }
($rc, $out) = build();
is($rc, 0, 'build: done') or diag($out);
like($out, qr/^==> fstests: building \Q$fst\E \([0-9a-f]+\) for bookworm \(once per content\)$/m, 'build: says what it builds');
like($out, qr/^==> fstests: built for bookworm in \d+ s \(/m, 'build: says when it is done');
my ($img, $rt, $bdir) = $out =~ /^img=(\S+) rt=(\S*) dir=(\S+)$/m;
is($bdir, "$tmp/cache/fstests/bookworm-" . key(), 'cached in GUPR_CACHE/fstests/SUITE-KEY');
ok(-x "$bdir/tree/src/prog", 'the copy was built');
is($rt, 'libc6', 'run-time packages: those whose libraries the programs link');
like(`debugfs -R 'ls -l /src' $img 2>/dev/null`, qr/\bprog\b/, 'fstests.img holds the built tree');
like(`dumpe2fs -h $img 2>/dev/null`, qr/^Filesystem volume name:\s+gupr-fstests$/m, '... labelled gupr-fstests');
like(slurp("$bdir/source.txt"), qr/^fstests: \Q$fst\E\nhead: [0-9a-f]{40}$/m, 'source.txt names the checkout and HEAD');
is(calls(), 1, 'one make');
($rc, $out) = build();
is(calls(), 1, 'the same content again: no make');
unlike($out, qr/==> fstests/, '... silently');
spew("$fst/tests/generic/001.out", "QA output created by 001\nmine\n");
($rc, $out) = build();
is(calls(), 2, 'the checkout changed: built again');
unlike(git($fst, 'status --porcelain'), qr/^\?\?/m, '... without writing into it');
spew("$fst/FAIL", "\n");
my @before = glob("$tmp/cache/fstests/*");
($rc, $out) = build();
is($rc, 125, 'a failing make: exit status 125');
like($out, qr/^gup-repro: error: building fstests for bookworm failed/m, '... says so');
like($out, qr/error: make failed on purpose/, '... with the end of its log');
is_deeply([glob("$tmp/cache/fstests/*")], \@before, '... and caches nothing');
unlink "$fst/FAIL";
system("git -C $fst checkout -q -- .");

# --- the results disk ----------------------------------------------------------------------
my $st = "$tmp/results-src";
make_path("$st/results/generic", "$st/in");
spew("$st/check.out", "generic/001 [not run] no\n");
spew("$st/check.rc", "0\n");
spew("$st/results/check.log", "Ran: generic/001\n");
spew("$st/results/generic/001.full", "x" x 5000);
spew("$st/results/generic/001.notrun", "requires something\n");
spew("$st/results/generic/001.secret", "not asked for\n");
symlink('/etc/passwd', "$st/results/generic/001.dmesg");
system("truncate -s 32M $tmp/results.img && mkfs.ext4 -q -F -d $st $tmp/results.img") == 0 or die 'mkfs';
($rc, $out) = lib("GUPR_FSTESTS_FILE_MAX=4096; gupr_fstests_collect $tmp/results.img $tmp/collected generic/001");
is($rc, 0, 'collect: done') or diag($out);
is(slurp("$tmp/collected/check.out"), "generic/001 [not run] no\n", 'check.out came back');
is(slurp("$tmp/collected/check.log"), "Ran: generic/001\n", 'results/check.log came back');
is(slurp("$tmp/collected/generic/001.notrun"), "requires something\n", "the test's .notrun came back");
is(-s "$tmp/collected/generic/001.full", 4096, "its .full, cut at the bound");
ok(!-e "$tmp/collected/generic/001.dmesg" && !-l "$tmp/collected/generic/001.dmesg", 'a link is not a file: not copied');
ok(!-e "$tmp/collected/generic/001.secret", 'a name fstests does not write: not copied');
ok(!-e "$tmp/collected/check.time", 'a file the disk lacks: not made');

# --- the verdict of recorded results ---------------------------------------------------------
# fixture DIR: a copy of the recorded run directory (the verdict writes there)
sub verdict {
	my ($name) = @_;
	my $d = "$tmp/v-$name";
	system("rm -rf $d && cp -a $fix/$name $d") == 0 or die "fixture $name";
	my ($r, $o) = lib("gupr_fstests_verdict $d $d/tree");
	return ($r, slurp("$d/verdict.txt"), $o);
}
my $v;
($rc, $v) = verdict('6.1-ext4-788-warning');
is($rc, 1, 'generic/788 on 6.1 ext4: exit 1');
like($v, qr/^verdict: FAILED$/m, '... FAILED');
like($v, qr/^test: generic\/788 failed: the kernel warned \(WARNING: CPU: \d+ PID: \d+ at fs\/ext4\/inode\.c:\d+ ext4_dirty_folio/m,
     "... the test named with ext4's warning (_check_dmesg)");
like($v, qr/^warning: WARNING: .* ext4_dirty_folio/m, '... the warning line');
like($v, qr/^site: ext4_dirty_folio \(fs\/ext4\/inode\.c:\d+\)$/m, '... its site, by the decider');
like($v, qr/^failed: generic\/788$/m, '... failed: names it');
like($v, qr/^cell: REPRODUCED:ext4_dirty_folio$/m, '... the cell of a known symptom');
like($v, qr/^exit: 1$/m, '... exit: 1');
($rc, $v) = verdict('6.1-ext4-788-safe');
is($rc, 0, 'its safe mode: exit 0');
like($v, qr/^verdict: PASSED$/m, '... PASSED');
like($v, qr/^test: generic\/788 passed$/m, '... the test passed');
like($v, qr/^cell: PASS$/m, '... cell PASS');
unlike($v, qr/^warning:/m, '... no warning');
($rc, $v) = verdict('notrun');
is($rc, 125, 'a test fstests did not run: exit 125');
like($v, qr/^verdict: NOT RUN$/m, '... NOT RUN');
like($v, qr/^test: generic\/788 not run: could not hold the page across writeback: pin-writeback-dio: status=no-window step=read-in-flight: no read in flight within 10000 ms$/m,
     "... with fstests' reason");
like($v, qr/^cell: NOTRUN:could not hold the page/m, '... in the cell');
($rc, $v) = verdict('6.1-ext4-788-no-dm-nodes');
is($rc, 1, 'a test whose output differs: exit 1');
like($v, qr/^test: generic\/788 failed: output mismatch \(\+mount: \/mnt\/scratch: special device \/dev\/mapper\/delay-test\.788 does not exist\.\)$/m,
     '... the first line that differs');
like($v, qr/^cell: FAIL:output$/m, '... cell FAIL:output');
($rc, $v) = verdict('check-ran-nothing');
is($rc, 125, './check ran no test: exit 125');
like($v, qr/^verdict: COULD NOT TEST$/m, '... COULD NOT TEST');
like($v, qr/^reason: \.\/check ran no test \(exit 1\): common\/rc: could not mount \/dev\/vdc on \/mnt\/test$/m, "... with check's last line");
like($v, qr/^cell: ERROR:/m, '... an ERROR cell');
($rc, $v) = verdict('timeout');
is($rc, 125, 'the guest stopped by the timeout: exit 125');
like($v, qr/^reason: the guest did not finish: timeout \(still running after 60s\) while generic\/788 ran$/m, '... says so, naming the test');
($rc, $v) = verdict('crash');
is($rc, 1, 'the kernel crashing in a test: exit 1');
like($v, qr/^reason: generic\/788 failed: the kernel crashed while it ran/m, '... the test failed');
like($v, qr/^cell: FAIL:crash$/m, '... cell FAIL:crash');

# --repeat: three runs
my $rd = "$tmp/repeat";
for my $r (['01', 'FAILED', 'REPRODUCED:ext4_dirty_folio'], ['02', 'PASSED', 'PASS'], ['03', 'FAILED', 'REPRODUCED:ext4_dirty_folio']) {
	make_path("$rd/run-$r->[0]");
	spew("$rd/run-$r->[0]/verdict.txt", "verdict: $r->[1]\ncell: $r->[2]\n");
}
($rc, $out) = lib("gupr_fstests_repeat $rd 3");
is($rc, 1, '--repeat: a run failed: exit 1');
like(slurp("$rd/verdict.txt"), qr/^verdict: FAILED 2, PASSED 1 of 3 runs$/m, '... counts per verdict');
like(slurp("$rd/verdict.txt"), qr/^cell: REPRODUCED:ext4_dirty_folio$/m, '... the failing cell');
spew("$rd/run-01/verdict.txt", "verdict: NOT RUN\ncell: NOTRUN:x\n");
spew("$rd/run-03/verdict.txt", "verdict: PASSED\ncell: PASS\n");
($rc, $out) = lib("gupr_fstests_repeat $rd 3");
is($rc, 125, '--repeat: none failed, one not run: exit 125');
unlink "$rd/run-01/verdict.txt";
spew("$rd/run-01/verdict.txt", "verdict: PASSED\ncell: PASS\n");
($rc, $out) = lib("gupr_fstests_repeat $rd 3");
is($rc, 0, '--repeat: all passed: exit 0');

# --- disks written through ------------------------------------------------------------------
spew("$tmp/disk.img", "x" x 4096);
($rc, $out) = lib("gupr_boot_disk $tmp/disk.img gupr-test rw; printf '%s\\n' \"\${GUPR_BOOT_DISKS[\@]}\"");
is($out, "-drive\nfile=$tmp/disk.img,format=raw,if=none,id=gupr-disk0,snapshot=off\n-device\nvirtio-blk-pci,drive=gupr-disk0,serial=gupr-test\n",
   'gupr_boot_disk rw: written through (snapshot=off)');
($rc, $out) = lib("gupr_boot_disk $tmp/disk.img gupr-test wx");
like($out, qr/disk mode 'wx': ro, rw or none/, 'another mode is refused');

# --- the matrix's fstests cells --------------------------------------------------------------
my $md = "$tmp/matrix";
my %cells = ('generic-788' => 'REPRODUCED:ext4_dirty_folio', 'generic-647' => 'PASS', 'generic-729' => 'NOTRUN:requires dm-delay',
	     'generic-678' => 'FAIL:output');
for my $c (keys %cells) {
	make_path("$md/bookworm/ext4/$c");
	spew("$md/bookworm/ext4/$c/verdict.txt", "verdict: X\ncell: $cells{$c}\nexit: 1\n");
	spew("$md/bookworm/ext4/$c/run.txt", "kernel: 6.1.0-57-cloud-amd64\nseconds: 9\n");
}
($rc, $out) = sh("$top/build/host/gup-repro-matrix --dir $md --kernels debian:bookworm --fs ext4 --scenarios generic-788,generic-647,generic-729,generic-678");
is($rc, 0, 'matrix of fstests cells: exit 0') or diag($out);
like($out, qr/^6\.1\.0-57\s+ext4\s+REPRO \[1\]\s+pass\s+notrun \[2\]\s+FAIL output$/m, 'the grid: REPRO, pass, notrun with a footnote, FAIL how');
like($out, qr/^\[2\] requires dm-delay$/m, "the footnote: fstests' reason");
like($out, qr/^fstests: 1 passed, 1 failed otherwise, 1 not run$/m, 'the counts of fstests cells');
like($out, qr/^1 reproduced, 0 violation, 0 mitigated, 0 clean, 0 error$/m, 'no error counted for them');

# the suite fstests is built for and run on: the kernel's, bookworm for
# bullseye (fstests does not build against bullseye's headers)
{
	my ($rc, $o) = lib('for s in bullseye bookworm trixie sid; do KSOURCE=debian KSUITE=$s; echo "$s $(gupr_fstests_suite)"; done');
	is($o, "bullseye bookworm\nbookworm bookworm\ntrixie trixie\nsid sid\n", 'gupr_fstests_suite: the kernel\'s suite, bookworm for bullseye');
}
done_testing();
