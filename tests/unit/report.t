#!/usr/bin/perl
# ./run.sh report on recorded run directories (tests/fixtures/runs/*-report,
# real 6.1 runs: unlocked-dirty with the ext4 warning, odirect-delayed with
# the ordering violation and no warning, pvw-uffd --repeat 3), on a
# comparison made of them, and on a hostile console: the subject names the
# warning or the violation and the filesystem; the kernel, package, config
# options, compiler, panic_on_warn and page size are said; the console
# excerpt holds the warning and its stack and is bounded; the ordering
# excerpt runs from the last folio_mkclean to the dirtying; every line is at
# most 80 columns with no control character; the reproducer of a trigger
# is one C file that builds with its one-line command and libc alone;
# --mbox attaches it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh);
use File::Temp qw(tempdir);
use Text::Tabs qw(expand);

my $top = "$FindBin::Bin/../..";
my $fix = "$top/tests/fixtures/runs";
my $tmp = tempdir(CLEANUP => 1);

# report(FIXTURE or DIR, ARGS) -> (exit, output, mail.txt, dir): on a copy
my $n = 0;
sub report {
	my ($src, @args) = @_;
	my $d = "$tmp/r" . ++$n;
	system("cp -r '$src' '$d'") == 0 or die;
	my ($rc, $o) = sh("cd $top && ./run.sh report $d @args");
	return ($rc, $o, -e "$d/mail.txt" ? slurp("$d/mail.txt") : '', $d);
}
# the mail's lines, tabs at 8 columns
sub too_wide { return grep { length > 80 } map { expand($_) } split /\n/, $_[0]; }
sub plain { my ($what, $mail) = @_;
	my @w = too_wide($mail);
	ok(!@w, "$what: every line at most 80 columns") or diag(join("\n", @w[0 .. ($#w > 4 ? 4 : $#w)]));
	unlike($mail, qr/[\x00-\x08\x0b-\x1f\x7f]/, "$what: no control character (no escape sequence)");
}

# 1. the 6.1 ext4 run with the ext4 warning, the test module
my ($rc, $o, $mail, $d) = report("$fix/6.1-ext4-unlocked-dirty-report");
is($rc, 0, 'unlocked-dirty: exit 0') or diag($o);
like($mail, qr/^Subject: WARNING in ext4_dirty_folio \(ext4, 6\.1\.0-\d+-cloud-amd64\)\n\n/, 'unlocked-dirty: the subject names the warning, filesystem and release');
like($mail, qr/^Package:     linux-image-6\.1\.0-\d+-cloud-amd64 6\.1\.\d+-\d+ \(bookworm\)$/m, 'the package');
my ($cfg) = $mail =~ /^Config:\s+(.*\n(?: {13}.*\n)*)/m;
like(join(' ', split ' ', $cfg // ''), qr/^CONFIG_DEBUG_INFO_BTF=y CONFIG_TRANSPARENT_HUGEPAGE=y .*CONFIG_BTRFS_EXPERIMENTAL=n CONFIG_BTRFS_DEBUG=n /, 'the config options that matter');
like($mail, qr/^Compiler:    gcc-12 /m, 'the compiler');
like($mail, qr/^Runtime:     panic_on_warn=0 \(the default\), page size 4096 bytes$/m, 'panic_on_warn and the page size');
like($mail, qr/^  \[ *[\d.]+\] ------------\[ cut here \]------------\n  \[ *[\d.]+\] WARNING: CPU: \d+ PID: \d+ at fs\/ext4\/inode\.c:\d+/m, 'the console excerpt starts at the warning');
like($mail, qr/Call Trace:.*\n(?:.*\n)*?.*gupr_ioctl.*\n(?:.*\n)*?.*---\[ end trace/m, 'and holds its stack to the end of the record');
like($mail, qr/\[registers and code bytes omitted\]/, 'the register dump is left out');
like($mail, qr/^ +[\d.]+ +mm +folio_mkclean .*<- cleaned, PTE read-only\n(?:.*\n)*? +[\d.]+ +module +set_page_dirty .*<- dirtied, no page_mkwrite$/m,
     'the ordering excerpt: from folio_mkclean to the dirtying');
like($mail, qr/^Checked after the run:\n  data:  1 of 1 pages as expected.*\n(?: {9}.*\n)?  fsck:  e2fsck: clean \(exit 0\)$/m, 'integrity and fsck');
like($mail, qr/^  insmod repro-kmod\/gup_repro\.ko disposable_vm=1\n  build\/host\/gup-repro --scenario unlocked-dirty \\$/m, 'a module scenario: the module and driver commands');
plain('unlocked-dirty', $mail);
ok(-e "$d/mail.txt", 'written into the run directory as mail.txt');

# 2. odirect-delayed: no warning, the ordering violation; the reproducer
($rc, $o, $mail, $d) = report("$fix/6.1-ext4-odirect-delayed-report", '--mbox');
is($rc, 0, 'odirect-delayed: exit 0') or diag($o);
like($mail, qr/^Subject: folio dirtied without ->page_mkwrite \(ext4, 6\.1\.0-\d+-cloud-amd64\)$/m, 'odirect-delayed: the subject names the violation');
like($mail, qr/^The kernel printed no warning\.$/m, 'says the kernel printed no warning');
like($mail, qr/^No test module was loaded: the pin is the kernel's own/m, 'says no module was loaded');
like($mail, qr/^  modprobe null_blk nr_devices=1 queue_mode=2 irqmode=2 \\\n +completion_nsec=1000000000 memory_backed=1 gb=1 bs=4096$/m, 'the device setup as commands');
like($mail, qr/^  cc -O2 -o odirect-delayed odirect-delayed\.c -lpthread$/m, 'the one-line build');
like($mail, qr/^  \.\/odirect-delayed --file \/mnt\/scratch\/victim --dev \/dev\/nullb0$/m, 'the command');
plain('odirect-delayed', $mail);
my ($c) = $mail =~ /^---8<--- odirect-delayed\.c ---8<---\n(.*)^---8<--- end of odirect-delayed\.c ---8<---$/ms;
ok($c, 'the C file is in the mail');
unlike($c // '', qr/#include\s+"/, 'one self-contained file: no local #include');
mkdir "$tmp/alone";
spew("$tmp/alone/odirect-delayed.c", $c // '');
($rc, $o) = sh("cd $tmp/alone && cc -O2 -o odirect-delayed odirect-delayed.c -lpthread");
is($rc, 0, 'it builds alone with its one-line command (libc only)') or diag($o);
($rc, $o) = sh("$tmp/alone/odirect-delayed --help");
like($o, qr/odirect-delayed/, 'and runs (--help)');
my $mbox = slurp("$d/mail.mbox");
like($mbox, qr/^From gup-repro .*\nFrom: .*\nSubject: folio dirtied without ->page_mkwrite /m, '--mbox: an mbox message with the subject');
like($mbox, qr/^Content-Disposition: attachment; filename="odirect-delayed\.c"$/m, '--mbox: the reproducer attached');
unlike($mbox, qr/^---8<--- odirect-delayed\.c/m, '--mbox: not also inline');
like($mbox, qr/^The reproducer is attached: odirect-delayed\.c$/m, '--mbox: the body says so');

# 3. a --repeat directory: the rate, and the first run that reproduced
($rc, $o, $mail) = report("$fix/6.1-ext4-pvw-uffd-x3-report");
is($rc, 0, '--repeat: exit 0') or diag($o);
my ($rate) = $mail =~ /^Rate:\s+(.*\n(?: {13}.*\n)*)/m;
is(join(' ', split ' ', $rate // ''), 'VIOLATION 3 of 3 runs; reproduced 3/3 = 100.0% (95% Wilson interval 43.9%-100.0%)', '--repeat: the rate');
like($mail, qr/^  cc -O2 -o pvw-uffd pvw-uffd\.c -lpthread$/m, '--repeat: the trigger\'s reproducer');
plain('--repeat', $mail);

# 4. a comparison: the table, and the base run of the fixed cell
my $cmp = "$tmp/compare";
system("mkdir -p $cmp/matrix/base/ext4 && cp -r $fix/6.1-ext4-unlocked-dirty-report $cmp/matrix/base/ext4/unlocked-dirty") == 0 or die;
spew("$cmp/compare.txt", "gup-repro compare: /src/linux\nscenario  fs    base -> patched\nunlocked-dirty  ext4  * fixed\n\nsummary: fixed 1, broke 0, changed 0, unchanged 0\n");
spew("$cmp/compare.json", '{"cells":[{"scenario":"unlocked-dirty","fs":"ext4","change":"fixed","base":{"dir":"base/ext4/unlocked-dirty","result":"REPRODUCED:ext4_dirty_folio"},"patched":{"dir":"patched/ext4/unlocked-dirty","result":"CLEAN"}}]}');
($rc, $o, $mail) = report($cmp);
is($rc, 0, 'compare: exit 0') or diag($o);
like($mail, qr/^Before and after the change:\n\ngup-repro compare: \/src\/linux\n(?:.*\n)*summary: fixed 1, broke 0/m, 'compare: the before/after table');
like($mail, qr/^Subject: WARNING in ext4_dirty_folio /, 'compare: the base run of the fixed cell is described');

# 5. a hostile console: escapes, NUL, a huge line, an endless record
my $h = "$tmp/hostile";
system("cp -r $fix/6.1-ext4-unlocked-dirty-report $h") == 0 or die;
my $con = slurp("$h/console.log");
my $junk = join('', map { "[    2.0$_] \e[31mred\e[0m \x00nul \x07 " . ('x' x 300) . "\n" } 1 .. 200);
$con =~ s/(\] WARNING: CPU[^\n]*\n)/$1$junk/ or die;
$con =~ s/---\[ end trace[^\n]*\n//;
spew("$h/console.log", $con);
($rc, $o, $mail) = report($h);
is($rc, 0, 'hostile console: exit 0') or diag($o);
plain('hostile console', $mail);
my ($ex) = $mail =~ /^The kernel printed:\n\n(.*?)\n\n/ms;
like($ex // '', qr/\\x1b\[31mred\\x1b\[0m/, 'hostile console: escapes shown as \\xNN');
like($ex // '', qr/\[\.\.\. cut after 40 lines\]$/, 'hostile console: the excerpt is bounded');

# 6. bad usage
($rc, $o) = sh("cd $top && ./run.sh report $tmp");
is($rc, 128, 'not a run directory: exit 128');
like($o, qr/^run\.sh report: \S+ is not a run directory/m, 'says so');
($rc, $o) = sh("cd $top && ./run.sh report $tmp/nosuch");
is($rc, 128, 'no such directory: exit 128');
($rc, $o) = sh("cd $top && ./run.sh report");
is($rc, 128, 'no directory: exit 128');
done_testing();
