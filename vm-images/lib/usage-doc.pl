#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/usage-doc.pl [--write] FILE: the help texts copied into a
# Markdown page (docs/usage.md), checked or brought up to date.
#
# A copy is a marker line followed by a fenced block:
#
#   <!-- help: ./run.sh matrix --help -->
#   ```text
#   ...the command's standard output...
#   ```
#
# The command (./run.sh [SUBCOMMAND] --help, nothing else) runs from the
# top of the repository with GUP_REPRO_CACHE set to the literal
# "~/.cache/gup-repro", and the repository's own path in its output reads
# /path/to/gup-repro: the copy does not depend on the machine.
#
# Without --write: exit 0 when every copy is the command's output, 1 when
# one differs (diff -u of each, copy first, on stdout).  With --write:
# the copies are replaced by the output (FILE written through FILE.tmp),
# exit 0.  Exit 128 with one line on bad usage, a FILE without a copy, a
# marker without its block, or a command that fails.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);

my $write = @ARGV && $ARGV[0] eq '--write' ? shift : 0;
@ARGV == 1 or bad('usage: usage-doc.pl [--write] FILE');
my $file = $ARGV[0];
my $top = abs_path(dirname(__FILE__) . '/../..');

# bad MSG: one line and exit 128
sub bad { print STDERR "usage-doc.pl: $_[0]\n"; exit 128; }

# help CMD: CMD's standard output, made independent of the machine
sub help {
	my ($cmd) = @_;
	$cmd =~ m{^\./run\.sh( [a-z-]+)? --help$} or bad("$file: '$cmd' is not ./run.sh [SUBCOMMAND] --help");
	local $ENV{GUP_REPRO_CACHE} = '~/.cache/gup-repro';
	local $ENV{XDG_CACHE_HOME};
	delete $ENV{XDG_CACHE_HOME};
	my $pid = open(my $fh, '-|') // bad("cannot fork: $!");
	if (!$pid) {
		chdir $top or die "$top: $!\n";
		exec(split / /, $cmd) or die "$cmd: $!\n";
	}
	local $/;
	my $out = <$fh> // '';
	close $fh or bad("'$cmd' failed (exit " . ($? >> 8) . ')');
	$out =~ /\n\z/ or bad("the output of '$cmd' does not end with a newline");
	$out =~ s/\Q$top\E/\/path\/to\/gup-repro/g;
	return $out;
}

open(my $in, '<', $file) or bad("$file: $!");
my @lines = <$in>;
close $in;

# walk the page: each marker, then its fence, its copy, the closing fence
my (@out, $copies, $differ);
my $tmp = tempdir(CLEANUP => 1);
for (my $i = 0; $i < @lines; $i++) {
	push @out, $lines[$i];
	next unless $lines[$i] =~ /^<!-- help: (.*) -->$/;
	my $cmd = $1;
	$i + 1 < @lines && $lines[$i + 1] =~ /^```/ or bad("$file:" . ($i + 1) . ": no fenced block after the marker of '$cmd'");
	push @out, $lines[++$i];
	my $copy = '';
	$copy .= $lines[$i] while ++$i < @lines && $lines[$i] !~ /^```\s*$/;
	$i < @lines or bad("$file: the block of '$cmd' is not closed");
	my $want = help($cmd);
	$copies++;
	push @out, $want, $lines[$i];
	next if $copy eq $want;
	$differ++;
	next if $write;
	my $n = $copies;
	for (["copy-$n", $copy], ["help-$n", $want]) {
		open(my $fh, '>', "$tmp/$_->[0]") or bad("$tmp: $!");
		print $fh $_->[1];
		close $fh;
	}
	print "$file: the copy of '$cmd' differs from its output:\n";
	system('diff', '-u', '--label', "$file ($cmd)", '--label', $cmd, "$tmp/copy-$n", "$tmp/help-$n");
}
$copies or bad("$file has no help text copy (<!-- help: ./run.sh ... --help -->)");
exit($differ ? 1 : 0) unless $write;
exit 0 unless $differ;
open(my $fh, '>', "$file.tmp") or bad("$file.tmp: $!");
print $fh @out or do { unlink "$file.tmp"; bad("$file.tmp: $!") };
close $fh or do { unlink "$file.tmp"; bad("$file.tmp: $!") };
rename("$file.tmp", $file) or do { unlink "$file.tmp"; bad("$file: $!") };
print "$file: $differ help text(s) brought up to date\n";
exit 0;
