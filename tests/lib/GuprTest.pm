# The helpers every Perl test shares: read and write files, run a command,
# a lib.sh snippet or ./run.sh.  A file a test reads must be there:
# slurp() fails the test when it is not, so that a negative check
# (unlike(slurp(F), ...)) is never passed by a file that was not written;
# where absence is what a test asserts, it says so with slurp_maybe() or -e.
package GuprTest;
use strict;
use warnings;
use File::Temp qw(tempfile tempdir);
use Test::More ();
use Exporter 'import';
our @EXPORT_OK = qw(slurp slurp_maybe spew sh run shq lib_sh run_sh fstests_bundle fstests_clone);

# slurp_maybe(PATH) -> the bytes of the file PATH, or undef when it cannot
# be read (no such file, a directory)
sub slurp_maybe {
	my ($f) = @_;
	open(my $fh, '<:raw', $f) or return undef;
	local $/;
	return scalar <$fh>;
}

# slurp(PATH) -> the bytes of the file PATH; when it cannot be read, a
# failed test naming PATH and why, and ''
sub slurp {
	my ($f) = @_;
	my $s = slurp_maybe($f);
	return $s if defined $s;
	my $why = "$!";
	$why = 'a directory' if -d $f;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	Test::More::fail("read $f");
	Test::More::diag("$f: $why");
	return '';
}

# spew(PATH, BYTES): PATH holds BYTES (made anew); dies when it cannot
sub spew {
	my ($f, $s) = @_;
	open(my $fh, '>:raw', $f) or die "$f: $!";
	print $fh $s;
	close $fh or die "$f: $!";
}

# sh(COMMAND) -> (exit status, stdout and stderr): COMMAND run by /bin/sh
sub sh {
	my ($cmd) = @_;
	my $o = `$cmd 2>&1`;
	return ($? >> 8, $o);
}

# shq(WORD) -> WORD quoted for the shell ('...', a ' inside as '\'')
sub shq { return "'" . ($_[0] =~ s/'/'\\''/gr) . "'"; }

# run(ARGV...) -> (stdout and stderr, exit status): the command ARGV, each
# argument shell-quoted, so that " 8" stays " 8"
sub run {
	my $cmd = join(' ', map { shq($_) } @_);
	my $o = `$cmd 2>&1`;
	return ($o, $? >> 8);
}

# lib_sh(TOP, SCRIPT [, ENV]) -> (exit status, stdout and stderr): the bash
# SCRIPT after sourcing TOP's vm-images/lib.sh, in TOP; ENV (shell words
# like "NAME=value", expanded by /bin/sh) set for it
sub lib_sh {
	my ($top, $script, $env) = @_;
	my ($fh, $f) = tempfile('gupr-lib-XXXXXX', TMPDIR => 1, SUFFIX => '.sh', UNLINK => 1);
	print $fh ". vm-images/lib.sh\n$script\n";
	close $fh or die "$f: $!";
	return sh("cd $top && " . ($env ? "$env " : '') . "bash $f");
}

# run_sh(TOP, ARGS...) -> (output, exit status, run directory or undef):
# TOP/run.sh ARGS, its run directory from its "==> artifacts:" line
sub run_sh {
	my ($top, @args) = @_;
	my $out = `cd $top && ./run.sh @args 2>&1`;
	my $rc = $? >> 8;
	my ($dir) = $out =~ /^==> artifacts: (\S+)/m;
	Test::More::diag("run.sh @args: no artifacts line:\n$out") unless $dir;
	return ($out, $rc, $dir ? ($dir =~ m{^/} ? $dir : "$top/$dir") : undef);
}

# fstests_bundle(TOP) -> the fstests snapshot ($GUPR_FSTESTS_BUNDLE, else
# ../shared/fstests/fstests.bundle beside the repository TOP or beside its
# main worktree), or undef
sub fstests_bundle {
	my ($top) = @_;
	my $common = `git -C $top rev-parse --path-format=absolute --git-common-dir 2>/dev/null`;
	chomp $common;
	my ($b) = grep { -s $_ } ($ENV{GUPR_FSTESTS_BUNDLE} // (), "$top/../shared/fstests/fstests.bundle",
				  $common ? "$common/../../shared/fstests/fstests.bundle" : ());
	return $b;
}

# fstests_clone(TOP) -> a clone of the fstests snapshot (fstests_bundle) in
# a temporary directory removed at exit; skips the whole test when there is
# no snapshot, bails out when it cannot be cloned.  Commits into it (the
# exports) get a fixed date: the same code exported makes the same commit,
# which ./run.sh fstests builds once (its build is keyed by HEAD).
sub fstests_clone {
	my ($top) = @_;
	my $b = fstests_bundle($top);
	Test::More::plan(skip_all => 'no fstests bundle (../shared/fstests/fstests.bundle)') unless $b;
	$ENV{GIT_AUTHOR_DATE} = $ENV{GIT_COMMITTER_DATE} = '2026-01-02T00:00:00Z';
	my $d = tempdir(CLEANUP => 1);
	system("git clone -q $b $d/fstests") == 0 or Test::More::BAIL_OUT('cannot clone the fstests bundle');
	return "$d/fstests";
}

1;
