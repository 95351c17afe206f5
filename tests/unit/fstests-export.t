#!/usr/bin/perl
# ./run.sh fstests-export on clones of the fstests snapshot
# (../shared/fstests/fstests.bundle, beside the repository or its main
# worktree; GUPR_FSTESTS_BUNDLE overrides), no VM:
#  - bad input (unknown trigger, not an fstests checkout, uncommitted
#    changes, an export done before): one line, exit 128, nothing written;
#  - each of the three triggers exported: one commit in fstests' style
#    (subject, body, Signed-off-by of the git user or a placeholder), the
#    test at tools/nextid's number with groups ./new and mkgroupfile
#    accept, the _require_ checks it needs and only fstests functions that
#    exist, its .out, the helper in src/Makefile under the right condition
#    and in .gitignore, nothing naming gup-repro;
#  - the tree builds the helpers with fstests' own make (configure, lib,
#    src) without a warning, and they answer --help.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use Time::HiRes qw(time);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh fstests_bundle);

my $top = "$FindBin::Bin/../..";
sub git { my ($d, @a) = @_; my $o = `git -C $d @a 2>&1`; chomp $o; return $o; }

my $bundle = fstests_bundle($top);
plan skip_all => 'no fstests bundle (../shared/fstests/fstests.bundle)' unless $bundle;
my ($deps_rc, $deps) = sh("$top/vm-images/host-deps.sh --fstests");
plan skip_all => "host packages for fstests missing: $deps" if $deps_rc;

my $t0 = time;
my $tmp = tempdir(CLEANUP => 1);
my $n = 0;
# clone [IDENTITY]: a fresh clone of the bundle (with a git user unless 0)
sub clone {
	my ($ident) = @_;
	my $d = "$tmp/fstests" . ++$n;
	system("git clone -q $bundle $d") == 0 or die "clone $bundle failed";
	if ($ident // 1) {
		system("git -C $d config user.name 'Test Exporter'");
		system("git -C $d config user.email exporter\@example.org");
	}
	return $d;
}
sub export { return sh("$top/run.sh fstests-export @_"); }
sub state { my ($d) = @_; return git($d, 'rev-parse HEAD') . "\n" . git($d, 'status --porcelain'); }

# --- bad input: one line, exit 128, nothing written ---
my $fst = clone();
my $before = state($fst);
my $plain = "$tmp/plain"; mkdir $plain;
my $notfst = "$tmp/notfst"; system("git init -q $notfst && git -C $notfst commit -q --allow-empty -m x");
for my $c (
	[["--trigger bogus --to $fst"], qr/unknown trigger 'bogus': fstests-export takes pvw-uffd, odirect-delayed or iouring-read-delayed/],
	[["--trigger odirect-delayed --to $plain"], qr/is not an fstests checkout \(no check\)/],
	[["--trigger odirect-delayed --to $notfst"], qr/is not an fstests checkout/],
	[["--trigger odirect-delayed --to $tmp/missing"], qr/is not a directory/],
	[["--trigger odirect-delayed"], qr/which fstests checkout\?/],
	[["--to $fst"], qr/which trigger\?/],
	[["--trigger pvw-uffd --to $fst --bogus"], qr/unknown argument '--bogus'/],
    ) {
	my ($rc, $out) = export(@{$c->[0]});
	is($rc, 128, "@{$c->[0]}: exit 128");
	like($out, $c->[1], "@{$c->[0]}: says why");
	is(scalar(() = $out =~ /\n/g), 1, "@{$c->[0]}: one line");
}
is(state($fst), $before, 'bad input wrote nothing into the checkout');
system("echo '# local change' >> $fst/src/Makefile");
my ($rc, $out) = export("--trigger pvw-uffd --to $fst");
is($rc, 128, 'uncommitted changes: exit 128');
like($out, qr/has uncommitted changes \( M src\/Makefile\): commit or stash them first/, 'uncommitted changes: says which');
like(git($fst, 'diff'), qr/^\+# local change$/m, 'the local change is kept');
is(git($fst, 'rev-parse HEAD'), (split /\n/, $before)[0], 'no commit over uncommitted changes');
ok(!-e "$fst/src/pin-writeback-pvw.c", 'no helper written');
system("git -C $fst checkout -q -- src/Makefile");

# --- the three exports, one commit each ---
my %helper = ('pvw-uffd' => 'pin-writeback-pvw', 'odirect-delayed' => 'pin-writeback-dio',
	      'iouring-read-delayed' => 'pin-writeback-uring');
my %fns;	# fstests' shell functions
for my $f (glob("$fst/common/*")) { my $s = slurp($f); $fns{$1} = 1 while $s =~ /^(_\w+)\s*\(\)/mg; }
my @groupdoc = map { /^([[:lower:][:digit:]_]+)\s/ ? $1 : () } split /\n/, slurp("$fst/doc/group-names.txt");
for my $t ('pvw-uffd', 'odirect-delayed', 'iouring-read-delayed') {
	my $h = $helper{$t};
	my ($next) = `cd $fst && ./tools/nextid generic` =~ m{generic/(\d{3})};
	my $head = git($fst, 'rev-parse HEAD');
	($rc, $out) = export("--trigger $t --to $fst");
	is($rc, 0, "$t: exported") or diag($out);
	like($out, qr/as generic\/$next \(src\/$h\.c\)/, "$t: as generic/$next, tools/nextid's number");
	like($out, qr/^==> mail it with: git -C \Q$fst\E format-patch -1 [0-9a-f]+$/m, "$t: prints the format-patch command");
	is(git($fst, "rev-list --count $head..HEAD"), 1, "$t: one commit");
	is(git($fst, 'status --porcelain'), '', "$t: nothing left uncommitted");
	my $subject = git($fst, 'log -1 --format=%s');
	like($subject, qr/^generic: test /, "$t: subject in fstests' style ($subject)");
	cmp_ok(length($subject), '<=', 72, "$t: subject <= 72 characters");
	my $body = git($fst, 'log -1 --format=%b');
	like($body, qr/\S.*\n\n.*\S/s, "$t: the body has paragraphs");
	like($body, qr/^Signed-off-by: Test Exporter <exporter\@example\.org>$/m, "$t: Signed-off-by the git user");
	my @files = sort split /\n/, git($fst, 'show --format= --name-only HEAD');
	is_deeply(\@files, [sort('.gitignore', 'src/Makefile', "src/$h.c", "tests/generic/$next", "tests/generic/$next.out")],
		  "$t: the commit's files");
	unlike(git($fst, 'show HEAD'), qr/gup-?repro|gupr|README|run\.sh|vm-images|repro-user|\/mnt\/scratch|nullb|null_blk/i,
	       "$t: nothing in the commit names gup-repro, its paths or its tools");

	my $test = "$fst/tests/generic/$next";
	my $src = slurp($test);
	ok(-x $test, "$t: the test is executable");
	is((sh("bash -n $test"))[0], 0, "$t: the test parses");
	is(slurp("$test.out"), "QA output created by $next\nSilence is golden\n", "$t: its .out");
	my ($groups) = $src =~ /^_begin_fstest (.*)$/m;
	is($groups, 'auto quick rw mmap' . ($t =~ /iouring/ ? ' io_uring' : ''), "$t: groups");
	for my $g (split ' ', $groups // '') {
		ok((grep { $_ eq $g } @groupdoc), "$t: group $g is in doc/group-names.txt (./new's check)");
	}
	like($src, qr/^# FS QA Test No\. $next$/m, "$t: its number in the header");
	like($src, qr/^# Copyright \(c\) \d{4} Test Exporter\.  All Rights Reserved\.$/m, "$t: copyright of the git user");
	my @req = ('_require_scratch', '_require_odirect', "_require_test_program \"$h\"");
	push @req, '_require_dm_target delay', '. ./common/dmdelay', '_load_delay_table $DELAY_READ',
		   '_load_delay_table $DELAY_NONE', '--dev $DELAY_DEV' if $t =~ /delayed/;
	push @req, '_require_io_uring' if $t =~ /iouring/;
	push @req, '/proc/sys/vm/unprivileged_userfaultfd', '_scratch_cycle_mount' if $t eq 'pvw-uffd';
	push @req, '--fault reclaim', '--expect $tmp.expected', 'PIN_WRITEBACK_SAFE', '--safe',
		   'iflag=direct', 'cmp $tmp.expected $tmp.ondisk', '_exit 0';
	for my $r (@req) { ok(index($src, $r) >= 0, "$t: the test has $r"); }
	my @unknown = grep { !$fns{$_} && $_ ne '_cleanup' } ($src =~ /(?<![\w\$])(_[a-z]\w+)/g);
	is_deeply(\@unknown, [], "$t: every _function the test calls is fstests'");

	my $c = slurp("$fst/src/$h.c");
	unlike($c, qr/^\s*#\s*include\s+"/m, "$t: the helper includes no local header");
	like($c, qr/^#define PROG "\Q$h\E"$/m, "$t: the helper's name");
	like($c, qr/\A\/\/ SPDX-License-Identifier: GPL-2\.0\n\/\*\n \* Copyright \(c\) \d{4} Test Exporter/,
	     "$t: the helper's SPDX and copyright lines");
	like($c, qr/^ \* \Q$h\E - the helper of generic\/$next\.$/m, "$t: the helper names its test");
	like(slurp("$fst/.gitignore"), qr/^\/src\/\Q$h\E$/m, "$t: in .gitignore");
	my $mk = slurp("$fst/src/Makefile");
	if ($t =~ /iouring/) {
		like($mk, qr/^ifeq \(\$\(HAVE_URING\), true\)\n(?:(?!endif).*\n)*TARGETS \+= \Q$h\E\n(?:(?!endif).*\n)*endif/m,
		     "$t: in src/Makefile under HAVE_URING");
	} else {
		my ($list) = $mk =~ /^LINUX_TARGETS = ((?:.*\\\n)*.*)$/m;
		like($list // '', qr/(?<![\w-])\Q$h\E(?![\w-])/, "$t: in src/Makefile's LINUX_TARGETS");
	}
}
($rc, $out) = export("--trigger odirect-delayed --to $fst");
is($rc, 128, 'a second export of the same trigger: exit 128');
like($out, qr/has src\/pin-writeback-dio\.c already/, 'a second export says so');
($rc, $out) = sh("cd $fst/tests/generic && ../../tools/mkgroupfile $tmp/group.list");
is($rc, 0, "fstests' mkgroupfile accepts the new tests' groups") or diag($out);
like(slurp("$tmp/group.list"), qr/^\d{3} auto quick rw mmap io_uring$/m, 'mkgroupfile lists them');
diag(sprintf('three exports and checks: %.1f s', time - $t0));

# --- no git user: a placeholder, said on stderr ---
my $anon = clone(0);
($rc, $out) = sh("HOME=$tmp GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null $top/run.sh fstests-export --trigger pvw-uffd --to $anon");
is($rc, 0, 'without a git user: exported') or diag($out);
like($out, qr/git user\.name\/user\.email unset .*placeholder/, 'without a git user: says so');
like(git($anon, 'log -1 --format=%b'), qr/^Signed-off-by: YOUR NAME <you\@example\.org>$/m, 'a placeholder Signed-off-by');

# --- a tree whose doc/group-names.txt lacks a group: added, as ./new requires ---
my $old = clone();
system("sed -i '/^mmap[[:space:]]/d' $old/doc/group-names.txt && git -C $old commit -q -am 'no mmap group'") == 0 or die;
($rc, $out) = export("--trigger odirect-delayed --to $old");
is($rc, 0, 'a tree without the mmap group: exported') or diag($out);
like(git($old, 'show --format= --name-only HEAD'), qr/^doc\/group-names\.txt$/m, 'doc/group-names.txt is in the commit');
like(git($old, 'show HEAD -- doc/group-names.txt'), qr/^\+mmap\t+memory mapped reads\/writes$/m, 'the mmap group is documented');
my ($line) = git($old, 'show HEAD -- doc/group-names.txt') =~ /^ (\S+)\s.*\n\+mmap/m;
ok(defined $line && $line lt 'mmap', "in name order (after '" . ($line // '') . "')");
($rc, $out) = sh("cd $old/tests/generic && ../../tools/mkgroupfile $tmp/group.old");
is($rc, 0, 'mkgroupfile accepts the test') or diag($out);

# --- fstests' own build of the helpers ---
my $t1 = time;
($rc, $out) = sh("(cd $fst && make configure && ./configure && make -C lib && " .
		  "make -C src pin-writeback-pvw pin-writeback-dio pin-writeback-uring)");
is($rc, 0, "fstests' make builds the three helpers") or diag(substr($out, -3000));
my @warn = grep { /pin-writeback-\w+\.c:\d+:\d+: warning/ } split /\n/, $out;
is_deeply(\@warn, [], 'no compiler warning in them (fstests: -Wall)');
like($out, qr/-D_GNU_SOURCE .*-Wall/, "built with fstests' flags");
for my $h (sort values %helper) {
	($rc, $out) = sh("$fst/src/$h --help");
	is($rc, 0, "$h --help: exit 0");
	like($out, qr/^usage: \Q$h\E .*--safe/m, "$h --help: its usage, with --safe");
	($rc, $out) = sh("$fst/src/$h --fault reclaim");
	is($rc, 2, "$h without --file: exit 2 (bad usage)");
}
is(git($fst, 'status --porcelain'), '', '.gitignore covers the built helpers');
spew("$tmp/print.mk", "print-targets:\n\t\@echo \$(TARGETS)\n");
(undef, $out) = sh("make -s -C $fst/src -f Makefile -f $tmp/print.mk print-targets");
like($out, qr/(?<![\w-])pin-writeback-uring(?![\w-])/, 'with io_uring: src/Makefile builds the io_uring helper');
(undef, $out) = sh("make -s -C $fst/src -f Makefile -f $tmp/print.mk HAVE_URING=false print-targets");
like($out, qr/(?<![\w-])pin-writeback-pvw(?![\w-])/, 'without io_uring: the pvw helper is still built');
unlike($out, qr/pin-writeback-uring/, 'without io_uring: the io_uring helper is not');
diag(sprintf("fstests' configure and build of the helpers: %.1f s", time - $t1));

done_testing();
