#!/usr/bin/perl
# Argument validation of the guest driver (gup-repro, run on the host with
# --dry-run / --list, which touch nothing) and of run.sh (usage errors exit
# 128 before anything is built or booted), plus the apt source parsing that
# picks the mirror URI.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew run);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $drv = "$top/build/host/gup-repro";
-x $drv or BAIL_OUT("$drv missing: run 'make host'");

my ($out, $rc);

($out, $rc) = run($drv, '--list');
is($rc, 0, 'gup-repro --list exits 0');
like($out, qr/^  unlocked-dirty\s+\S/m, '--list names unlocked-dirty with a description');
like($out, qr/^  control\s+\S/m, '--list names control with a description');
like($out, qr/^  longterm\s+.*FOLL_LONGTERM/m, '--list names longterm');
like($out, qr/^  iouring-fixed-buffer\s+io_uring/m, '--list names iouring-fixed-buffer');
like($out, qr/^  dirty-unlocked\s+.*set_page_dirty\(\)/m, '--list describes the steps');

($out, $rc) = run($drv, '--dry-run');
is($rc, 0, 'default scenario dry run exits 0');
like($out, qr/scenario=unlocked-dirty .*steps=open-file,mmap-shared,user-write,pin,msync,kernel-write,dirty-unlocked,unpin/,
     'default scenario is unlocked-dirty: pin, msync, kernel-write, dirty-unlocked, unpin');
($out, $rc) = run($drv, '--dry-run', '--scenario', 'control');
like($out, qr/steps=open-file,mmap-shared,user-write,pin,msync,user-write,unpin,/,
     'control: the second write goes through the user mapping, no module write or dirty');
unlike($out, qr/kernel-write|dirty-/, 'control has no kernel-write and no dirty step');

($out, $rc) = run($drv, '--dry-run', '--steps', 'open-file,mmap-shared,pin,state');
is($rc, 0, 'custom --steps accepted');
like($out, qr/scenario=custom/, 'custom steps run as scenario "custom"');

# fault steps in an order that makes no sense: refused by the dry run,
# naming the step (run.sh turns it into exit 128 before anything boots)
for my $c (['reclaim,open-file', qr/step 1 'reclaim' cannot run there: no mapping/],
	   ['open-file,reclaim,mmap-shared', qr/step 2 'reclaim' cannot run there: no mapping/],
	   ['truncate', qr/step 1 'truncate' cannot run there: no open file/],
	   ['punch-hole', qr/step 1 'punch-hole' cannot run there: no open file/],
	   ['open-file,mmap-shared,truncate,user-write', qr/step 4 'user-write' cannot run there: the file was truncated/],
	   ['open-file,mmap-shared,truncate-mid,pin', qr/step 4 'pin' cannot run there: the file was truncated/],
	   ['open-file,mmap-shared,kernel-write', qr/step 3 'kernel-write' cannot run there: nothing pinned/],
	   ['open-file,mmap-shared,pin,unpin,dirty-unlocked', qr/step 5 'dirty-unlocked' cannot run there: nothing pinned/],
	   ['open-file,open-file', qr/step 2 'open-file' cannot run there: the victim is already open/],
	   ['open-file,close-file,fsync', qr/step 3 'fsync' cannot run there: no open file/]) {
	($out, $rc) = run($drv, '--dry-run', '--steps', $c->[0]);
	is($rc, 2, "driver dry run refuses $c->[0]");
	like($out, $c->[1], "... naming the step ($c->[0])");
}
for my $s (qw(stripped-buffers pinned-reclaim lost-write truncate-under-pin punch-hole-under-pin)) {
	($out, $rc) = run($drv, '--dry-run', '--scenario', $s);
	is($rc, 0, "scenario $s passes the order check");
}
($out, $rc) = run($drv, '--dry-run', '--steps', 'open-file,mmap-shared,get,user-write,msync,reclaim,cold,drop-caches,kernel-write,dirty-unlocked,sync-file-range,writeback,fsync,unpin,punch-hole,verify-disk,truncate-mid,truncate,munmap,close-file');
is($rc, 0, 'every fault step in a sensible order') or diag($out);

my @bad = (
	[['--scenario', 'nope'], qr/unknown scenario 'nope'/],
	[['--steps', 'pin,bogus'], qr/unknown step 'bogus'/],
	[['--scenario', 'longterm', '--steps', 'pin'], qr/exclusive/],
	[['--steps', ''], qr/empty step list/],
	[['--steps', 'pin,,unpin'], qr/empty step/],
	[['--steps', join(',', ('state') x 65)], qr/more than 64 steps/],
	[['--pages', '0'], qr/--pages takes a whole number from 1 to 512, not '0'/],
	[['--pages', '513'], qr/not '513'/],
	[['--pages', '12abc'], qr/not '12abc'/],
	[['--pages', '-1'], qr/not '-1'/],
	[['--pages', '010'], qr/not '010'/],
	[['--pages', ' 8'], qr/not ' 8'/],
	[['--scenario', 'control', '--steps', 'pin'], qr/exclusive/],
	[['extra-arg'], qr/unexpected argument 'extra-arg'/],
	[['--bogus-option'], qr/unrecognized option|usage:/],
);
for my $b (@bad) {
	my ($args, $msg) = @$b;
	($out, $rc) = run($drv, '--dry-run', @$args);
	is($rc, 2, "gup-repro @$args: exit 2");
	like($out, $msg, "gup-repro @$args: says what was wrong");
}

# --seed-rng FILE (the guest's RNG after a snapshot's restore): a file it
# cannot read, or an empty one, is named and fails (exit 1) before any
# ioctl (the RNG of this host is not touched here)
($out, $rc) = run($drv, '--seed-rng', '/nonexistent/seed');
is($rc, 1, '--seed-rng of a missing file: exit 1');
like($out, qr{^gup-repro: --seed-rng: /nonexistent/seed: No such file or directory$}m, '--seed-rng of a missing file: says so');
{
	my $e = tempdir(CLEANUP => 1);
	spew("$e/seed", '');
	($out, $rc) = run($drv, '--seed-rng', "$e/seed");
	is($rc, 1, '--seed-rng of an empty file: exit 1');
	like($out, qr{^gup-repro: --seed-rng: \Q$e\E/seed: empty$}m, '--seed-rng of an empty file: says so');
}

# A real (non dry) run against a device that does not exist fails at the
# first module step, names it and the errno, and exits 1.
my $d = tempdir(CLEANUP => 1);
spew("$d/victim", '.' x 4096);
($out, $rc) = run($drv, '--file', "$d/victim", '--device', "$d/nodev");
is($rc, 1, 'missing device: exit 1');
like($out, qr/^gup-repro: scenario=unlocked-dirty status=failed step=pin errno=ENOENT$/m,
     'missing device: the failing step and errno are named');
like($out, qr/^\{"seq":4,"step":"pin","result":"error","ret":-1,"errno":2,"errname":"ENOENT"/m,
     'missing device: the JSON step line carries the errno');
like($out, qr/^\{"seq":1,"step":"open-file","result":"ok",.*\n(?:.*\n)*?\{"seq":2,"step":"mmap-shared","result":"ok",.*\n(?:.*\n)*?\{"seq":3,"step":"user-write","result":"ok",/m,
     'steps before the failure ran, in order, and succeeded');
($out, $rc) = run($drv, '--file', "$d/victim", '--pages', '2', '--device', "$d/nodev");
like($out, qr/step=open-file errno=ENOSPC/, 'victim shorter than --pages: open-file fails with ENOSPC');

# run.sh usage errors: exit 128 (stops git bisect run), nothing booted.
for my $b ([['--scenario', 'nope'], qr/unknown scenario 'nope'/],
	   [['--timeout', 'x'], qr/^run\.sh: --timeout takes a number from 10 to 86400, not 'x' \(seconds\)$/m],
	   [['--timeout', '3'], qr/^run\.sh: --timeout takes a number from 10 to 86400, not '3' \(seconds\)$/m],
	   [['--timeout', '0300'], qr/^run\.sh: --timeout takes a number from 10 to 86400, not '0300'/m],
	   [['--kernel', 'foo'], qr/--kernel 'foo': expected/],
	   [['--pages', '0'], qr/^run\.sh: --pages takes a number from 1 to 512, not '0'$/m],
	   [['--pages', '010'], qr/^run\.sh: --pages takes a number from 1 to 512, not '010'$/m],
	   [['--pages', ' 8'], qr/^run\.sh: --pages takes a number from 1 to 512, not ' 8'$/m],
	   [['--pages', '8 '], qr/^run\.sh: --pages takes a number from 1 to 512, not '8 '$/m],
	   [['--pages', '+8'], qr/^run\.sh: --pages takes a number from 1 to 512, not '\+8'$/m],
	   [['--build'], qr/^run\.sh: --build goes with --kernel TREE$/m],
	   [['--frobnicate'], qr/unknown option '--frobnicate'/],
	   [['--scenario'], qr/--scenario needs a scenario name/],
	   [['--fs', 'ntfs'], qr/--fs takes ext4, xfs, btrfs or tmpfs, not 'ntfs'/],
	   [['--kernel', 'debian:buster'], qr/--kernel 'debian:buster': expected/]) {
	my ($args, $msg) = @$b;
	($out, $rc) = run("$top/run.sh", @$args);
	is($rc, 128, "run.sh '@$args': exit 128");
	like($out, $msg, "run.sh '@$args': says what was wrong");
	unlike($out, qr/^==> (kernel|boot)/m, "run.sh '@$args': refused before anything was fetched or booted");
}

# --out: an existing directory must be empty, or a previous run directory
# named with --force; nothing of a directory that is not ours is touched.
{
	my $o = tempdir(CLEANUP => 1);
	spew("$o/precious", "keep me\n");
	($out, $rc) = run("$top/run.sh", '--out', $o);
	is($rc, 128, '--out into a non-empty directory that is not a run directory: exit 128');
	like($out, qr/^run\.sh: --out \S+ is not empty and not a gup-repro run directory$/m, '--out: says so');
	($out, $rc) = run("$top/run.sh", '--out', $o, '--force');
	is($rc, 128, '--out ... --force still refuses a directory that is not a run directory');
	is(slurp("$o/precious"), "keep me\n", '--out: the file in it is untouched');
	unlink "$o/precious";
	spew("$o/run.txt", "scenario: control\n");
	($out, $rc) = run("$top/run.sh", '--out', $o);
	is($rc, 128, '--out into a previous run directory without --force: exit 128');
	like($out, qr/^run\.sh: --out \S+ holds a previous run: add --force to replace it$/m, '--out: asks for --force');
	ok(-e "$o/run.txt", '--out without --force: the previous run is untouched');
}
# run.sh matrix usage errors
for my $b ([['--fs', 'ext4,zfs'], qr/--fs: 'zfs' is not ext4, xfs, btrfs or tmpfs/],
	   [['--kernels', 'debian:bookworm,nope'], qr/--kernels: 'nope' is not a kernel spec/],
	   [['--scenarios', 'control,nope'], qr/unknown scenario 'nope'/],
	   [['-j', '0'], qr/^run\.sh matrix: -j takes a number from 1 to 64, not '0'$/m],
	   [['-j', '02'], qr/^run\.sh matrix: -j takes a number from 1 to 64, not '02'$/m],
	   [['--timeout', 'soon'], qr/^run\.sh matrix: --timeout takes a number from 10 to 86400, not 'soon'/m],
	   [['--bogus'], qr/unknown option '--bogus'/]) {
	my ($args, $msg) = @$b;
	($out, $rc) = run("$top/run.sh", 'matrix', @$args);
	is($rc, 128, "run.sh matrix @$args: exit 128");
	like($out, $msg, "run.sh matrix @$args: says what was wrong");
}
($out, $rc) = run("$top/run.sh", 'matrix', '--help');
like($out, qr/--kernels LIST.*--fs LIST.*--scenarios LIST.*-j, --jobs N/s, 'run.sh matrix --help lists the options');

($out, $rc) = run("$top/run.sh", '--help');
is($rc, 0, 'run.sh --help exits 0');
like($out, qr/--scenario NAME.*--kernel SPEC.*--fs FS.*--timeout SEC.*--out DIR.*--no-trace.*--keep.*--verbose/s, 'run.sh --help lists the options');

# Mirror URI from the host's apt sources (deb822 and one-line), overridable.
my $etc = tempdir(CLEANUP => 1);
mkdir "$etc/sources.list.d";
spew("$etc/sources.list.d/debian.sources", "Types: deb\n# a comment\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n" .
     "Types: deb\nURIs: http://security.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n");
spew("$etc/sources.list.d/other.list", "deb [arch=amd64] https://vendor.invalid/apt vendor-stable main\n");
my $lib = "$top/vm-images/lib.sh";
is(`GUP_REPRO_APT_ETC=$etc bash -c '. $lib; gupr_host_uri main'`, "http://mirror.invalid/debian\n",
   'main archive URI from a deb822 .sources file');
is(`GUP_REPRO_APT_ETC=$etc bash -c '. $lib; gupr_host_uri security'`, "http://security.invalid/debian-security\n",
   'security URI from a deb822 .sources file');
is(`GUP_REPRO_APT_ETC=$etc GUP_REPRO_MIRROR=http://override.invalid/d bash -c '. $lib; gupr_host_uri main'`,
   "http://override.invalid/d\n", 'GUP_REPRO_MIRROR overrides');
unlink "$etc/sources.list.d/debian.sources";
spew("$etc/sources.list", "# deb http://old.invalid/debian bookworm main\ndeb [signed-by=/k.gpg] http://oneline.invalid/debian bookworm main\n");
is(`GUP_REPRO_APT_ETC=$etc bash -c '. $lib; gupr_host_uri main'`, "http://oneline.invalid/debian\n",
   'main archive URI from a one-line sources.list, options skipped, comments ignored');
# A third-party repository naming the same suite, listed first, is not
# taken for the Debian archive.
spew("$etc/sources.list", "deb [signed-by=/v.gpg] https://repo.vendor.invalid/apt bookworm stable\ndeb [signed-by=/k.gpg] http://oneline.invalid/debian bookworm main\n");
is(`GUP_REPRO_APT_ETC=$etc bash -c '. $lib; gupr_host_uri main'`, "http://oneline.invalid/debian\n",
   'a third-party source for the same suite, listed first, is passed over');
spew("$etc/sources.list.d/aaa-vendor.sources", "Types: deb\nURIs: https://deb.vendor.invalid/debian\nSuites: bookworm\nComponents: vendor-tools\n");
is(`GUP_REPRO_APT_ETC=$etc bash -c '. $lib; gupr_host_uri main'`, "http://oneline.invalid/debian\n",
   'a /debian path without the main component is passed over too');

# The scratch builder never writes outside its temporary directory: when
# mktemp fails it stops (it used to write /victim on the host).
{
	my $before = -e '/victim' ? (stat('/victim'))[9] : -1;
	my $img = tempdir(CLEANUP => 1) . '/s.img';
	my $o = `cd $top && TMPDIR=/nonexistent/gupr bash -c '. vm-images/lib.sh; gupr_make_scratch $img 1 ext4' 2>&1`;
	isnt($? >> 8, 0, 'scratch: mktemp failing stops the scratch builder');
	like($o, qr/cannot make a temporary directory for the ext4 image/, 'scratch: says why');
	is(-e '/victim' ? (stat('/victim'))[9] : -1, $before, 'scratch: no /victim written on the host');
}
# A cache or build path with white space is refused before anything runs.
($out, $rc) = run('env', 'GUP_REPRO_CACHE=/tmp/with space', "$top/run.sh");
is($rc, 128, 'a cache path with a space: exit 128');
like($out, qr/^run\.sh: the CACHE directory '\/tmp\/with space' has white space in it/m, 'a cache path with a space: says so');
# tests/slow/gup-longterm/build.sh: bad usage is one line and exit 128,
# before any apt or download
for my $bad (['two', 'args'], ['nosuch'], ['-x']) {
	($out, $rc) = run("$top/tests/slow/gup-longterm/build.sh", @$bad);
	is($rc, 128, "gup-longterm/build.sh @$bad: exit 128");
	is(scalar(() = $out =~ /\n/g), 1, "gup-longterm/build.sh @$bad: one line") or diag($out);
}
($out, $rc) = run("$top/tests/slow/gup-longterm/build.sh", '--help');
is($rc, 0, 'gup-longterm/build.sh --help: exit 0');
like($out, qr/^usage: build\.sh \[SUITE\]/, 'gup-longterm/build.sh --help: usage');

# the guest's vCPU count from the environment: checked like an option
for my $smp ('0', '9', 'x', '01') {
	my ($o, $r) = run('env', "GUP_REPRO_SMP=$smp", "$top/run.sh");
	is($r, 128, "GUP_REPRO_SMP=$smp: exit 128");
	like($o, qr/^run\.sh: GUP_REPRO_SMP takes a number from 1 to 8, not '\Q$smp\E' \(vCPUs\)$/m,
	     "GUP_REPRO_SMP=$smp: says what was wrong");
}

done_testing();
