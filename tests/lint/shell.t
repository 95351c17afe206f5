#!/usr/bin/perl
# Every shell file of gup-repro is shellcheck clean at severity warning,
# with -x (a file's sources are followed, as the "# shellcheck source="
# lines name them): run.sh, vm-images/*.sh and lib/*.sh (sourced: each
# says "# shellcheck shell=bash"), the guest init, CI's script, the tests'
# shell files.  A shell file is one named *.sh, or one whose first line is
# a #! naming sh, bash or dash; the files are git's (tracked, or new and
# not ignored: tests/lib/GuprSourceFiles.pm).  An exclusion is a
# "# shellcheck disable=SCnnnn" line in the file with its reason beside it
# ("# shellcheck disable=SC2046  # split on purpose: ..."), which this
# test checks too; the one exclusion here is for a file that is fstests',
# not ours (%exclude).
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/../lib";
use GuprSourceFiles qw(shell_files);

my $top = "$FindBin::Bin/../..";
my @sc = qw(shellcheck -x -S warning -f gcc);

# file => the checks it is exempt from, and why
my %exclude = (
	# fstests' own test template (fstests' "new" writes the same), which
	# fstests-export.sh fills in and copies into an fstests tree as is:
	# $tmp, $seqres and $here are set by its common/preamble
	'vm-images/fstests/test.in' => 'SC2154',
);

my $tmp = tempdir(CLEANUP => 1);

# shellcheck_all(DIR, FILE...): shellcheck's findings on each FILE, run in
# DIR (source= paths are relative to the top), as many at a time as there
# are CPUs (following lib.sh's sources costs seconds a script); a hash of
# FILE => [exit status, output]
sub shellcheck_all {
	my ($dir, @queue) = @_;
	my $cpus = `nproc 2>/dev/null` || 2;
	my (%run, %res);
	my $n = 0;
	while (@queue || %run) {
		while (@queue && keys(%run) < $cpus) {
			my $file = shift @queue;
			my $log = "$tmp/sc." . $n++;
			my @ex = $exclude{$file} ? ('-e', $exclude{$file}) : ();
			my $pid = fork() // die "fork: $!";
			if (!$pid) {
				open(STDOUT, '>', $log) or die "$log: $!";
				open(STDERR, '>&', \*STDOUT);
				chdir($dir) or die "$dir: $!";
				exec(@sc, @ex, '--', $file) or die "shellcheck: $!";
			}
			$run{$pid} = [$file, $log];
		}
		my $pid = wait();
		last if $pid < 0;
		my ($file, $log) = @{delete $run{$pid}};
		my $rc = $? >> 8;
		open(my $fh, '<', $log) or die "$log: $!";
		$res{$file} = [$rc, do { local $/; <$fh> } // ''];
	}
	return %res;
}

if (system('command -v shellcheck >/dev/null 2>&1') != 0) {
	fail('shellcheck is installed (vm-images/host-deps.sh installs it as root)');
	done_testing();
	exit;
}

my @files = shell_files($top);
my %has = map { $_ => 1 } @files;
# the finder finds the kinds of shell file there are
ok($has{$_}, "$_ is among the shell files") for
	qw(run.sh vm-images/lib.sh vm-images/lib/kernel.sh vm-images/guest/init .ci/run
	   tests/slow/bisect-tree/make-tree.sh);

my %res = shellcheck_all($top, @files);
for my $f (@files) {
	my ($rc, $out) = @{$res{$f}};
	is($rc, 0, "$f: shellcheck -x -S warning clean") or diag($out);
}

# every exclusion in a file says why, beside it
my @bare;
for my $f (@files) {
	open(my $fh, '<', "$top/$f") or next;
	while (my $l = <$fh>) {
		push @bare, "$f:$.: $l" if $l =~ /^\s*#\s*shellcheck\s+disable=/ && $l !~ /disable=\S+\s+#\s*\S/;
	}
}
is(scalar(@bare), 0, 'every "# shellcheck disable=" line gives its reason beside it') or diag(@bare);

# the check sees a warning: a file that gains one fails
mkdir("$tmp/bad") or die "$tmp/bad: $!";
open(my $fh, '>', "$tmp/bad/bad.sh") or die "$tmp/bad/bad.sh: $!";
print $fh "#!/usr/bin/env bash\n# a cd that may fail, and a variable never read\ncd /tmp\nunused=1\n";
close($fh);
my ($rc, $out) = @{{shellcheck_all("$tmp/bad", 'bad.sh')}->{'bad.sh'}};
isnt($rc, 0, 'a file with a warning is not clean');
like($out, qr/\[SC2164\]/, '... and the cd that may fail is named');
like($out, qr/unused appears unused.*\[SC2034\]/, '... and so is the variable never read');

done_testing();
