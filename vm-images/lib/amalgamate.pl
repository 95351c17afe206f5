#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/amalgamate.pl FILE.c: print FILE.c as one self-contained C
# file, for a reproducer mailed or added to another project's tree (the
# fstests export, vm-images/fstests-export.sh; a mailing-list report).
#
# Every local include (#include "NAME", found beside the file that names
# it) is replaced by that file's text, inlined once: a second include of
# the same file is dropped.  System includes (#include <...>) stay; one
# that appears again outside any #if block is dropped.  An inlined file
# loses its include guard (#ifndef X / #define X first, #endif last: it
# is inlined once anyway) and its SPDX line when it names the same
# license as FILE.c's.  Nothing else changes: conditional blocks, e.g.
# a profile's #ifndef TRIGGER_EXPORT, are left to unifdef(1).
#
# Exit: 0, or 2 with one line on stderr (a missing or unreadable file).
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my %inlined;	# absolute path of every file already inlined
my %sys;	# system includes already seen outside #if blocks
my $depth = 0;	# #if nesting of the output so far
my $license;	# the SPDX license of FILE.c

sub die2 { print STDERR "amalgamate: @_\n"; exit 2; }

# read_lines PATH: the file's lines (with their newlines)
sub read_lines {
	my ($path) = @_;
	open(my $fh, '<', $path) or die2("cannot read $path: $!");
	my @l = <$fh>;
	close $fh;
	return @l;
}

# strip_guard LINES: LINES without an include guard (the first two
# directives #ifndef X and #define X, the last one #endif)
sub strip_guard {
	my @l = @_;
	my @d = grep { $l[$_] =~ /^\s*#/ } 0 .. $#l;
	return @l if @d < 3;
	my ($name) = $l[$d[0]] =~ /^\s*#\s*ifndef\s+(\w+)\s*$/ or return @l;
	return @l unless $l[$d[1]] =~ /^\s*#\s*define\s+\Q$name\E\s*$/ &&
			 $l[$d[-1]] =~ /^\s*#\s*endif\b/;
	my %drop = map { $_ => 1 } @d[0, 1, -1];
	return map { $drop{$_} ? () : $l[$_] } 0 .. $#l;
}

# emit PATH TOP: print the file, its local includes inlined (TOP: FILE.c
# itself, whose guard and SPDX line stay)
sub emit {
	my ($path, $top) = @_;
	my $dir = dirname($path);
	my @lines = read_lines($path);
	@lines = strip_guard(@lines) unless $top;
	for my $line (@lines) {
		if ($line =~ /SPDX-License-Identifier:\s*(\S+)/) {
			if ($top) { $license = $1; }
			elsif (defined $license && $1 eq $license) { next; }
		}
		if ($line =~ /^\s*#\s*include\s+"([^"]+)"/) {
			my $inc = "$dir/$1";
			-f $inc or die2("$path: #include \"$1\": no $inc");
			my $abs = abs_path($inc);
			next if $inlined{$abs}++;
			emit($abs, 0);
			next;
		}
		if ($line =~ /^\s*#\s*include\s+(<[^>]+>)/ && $depth == 0) {
			next if $sys{$1}++;
		}
		$depth++ if $line =~ /^\s*#\s*if(n?def)?\b/;
		$depth-- if $line =~ /^\s*#\s*endif\b/ && $depth > 0;
		print $line;
	}
}

@ARGV == 1 && $ARGV[0] !~ /^-/ or die2("usage: amalgamate.pl FILE.c");
-f $ARGV[0] or die2("no file $ARGV[0]");
my $main = abs_path($ARGV[0]);
$inlined{$main} = 1;
emit($main, 1);
