#!/usr/bin/perl
# tests/lint/long-functions.pl [TOP]: the functions of gup-repro longer
# than 60 lines, one "LINES<TAB>FILE<TAB>FUNCTION" line each, longest
# first.  C: every *.c, a function's lines from its first line to its
# closing brace as universal-ctags reports them (--fields=+ne).  Shell:
# every shell file (tests/lib/GuprSourceFiles.pm), a function "NAME() {"
# to the first "}" at the start of a line of the same indentation.
# tests/lint/long-functions.t holds them against docs/code.md.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprSourceFiles qw(shell_files c_files);

my $top = $ARGV[0] // "$FindBin::Bin/../..";
my $max = 60;
my @long;

# the C functions, from ctags
my @c = c_files($top);
if (@c) {
	open(my $fh, '-|', 'ctags-universal', '--fields=+ne', '--kinds-C=f', '--language-force=C', '-o', '-',
	     map { "$top/$_" } @c) or die "ctags: $!";
	while (<$fh>) {
		next unless /^(\S+)\t(\S+)\t.*\tline:(\d+)\b.*\tend:(\d+)/;
		my ($name, $file, $n) = ($1, $2, $4 - $3 + 1);
		$file =~ s{^\Q$top\E/}{};
		push @long, [$n, $file, $name] if $n > $max;
	}
	close($fh) or die "ctags failed (ctags-universal, package universal-ctags, is needed)\n";
}

# the shell functions
for my $f (shell_files($top)) {
	open(my $fh, '<', "$top/$f") or next;
	my @l = <$fh>;
	for my $i (0 .. $#l) {
		next unless $l[$i] =~ /^(\s*)([A-Za-z_][\w-]*)\s*\(\)\s*\{\s*$/;
		my ($ind, $name) = ($1, $2);
		for my $j ($i + 1 .. $#l) {
			next unless $l[$j] =~ /^\Q$ind\E\}/;
			push @long, [$j - $i + 1, $f, $name] if $j - $i + 1 > $max;
			last;
		}
	}
}

print join("\t", @$_), "\n" for sort { $b->[0] <=> $a->[0] || $a->[1] cmp $b->[1] } @long;
