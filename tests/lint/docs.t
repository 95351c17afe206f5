#!/usr/bin/perl
# The documentation cannot drift from the code or from itself:
#  - docs/usage.md's copies of the help texts are the commands' output
#    (vm-images/lib/usage-doc.pl; `make docs` updates them), a drifted copy
#    is caught, and every subcommand ./run.sh --help names has a copy;
#  - every relative link of README.md and docs/*.md leads to a file that
#    exists and, with #anchor, to a heading of that file;
#  - every page of docs/ is linked from README.md, which stays <= 250
#    lines;
#  - every docs/NAME.md the code and the tests name exists, and none of
#    them points into a README section that is not there.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp);
use File::Temp qw(tempdir);
use File::Basename qw(dirname);

my $top = "$FindBin::Bin/../..";
chdir $top or die "$top: $!";
my $tool = 'vm-images/lib/usage-doc.pl';

# 1. the help texts
my $out = `perl $tool docs/usage.md 2>&1`;
is($? >> 8, 0, 'docs/usage.md: every help text copy is the command\'s output (make docs updates them)') or diag($out);

my $tmp = tempdir(CLEANUP => 1);
my $usage = slurp('docs/usage.md');
my $at = index($usage, '<!-- help: ./run.sh matrix --help -->');
my $drift = $usage;
$at >= 0 && substr($drift, $at) =~ s/\bdefault\b/DEFAULT/ or BAIL_OUT('no matrix help copy to change');
open(my $fh, '>', "$tmp/usage.md") or die;
print $fh $drift;
close $fh;
$out = `perl $tool $tmp/usage.md 2>&1`;
is($? >> 8, 1, 'a copy changed by one word is caught (exit 1)');
like($out, qr/the copy of '\.\/run\.sh matrix --help' differs/, '... naming the command');
like($out, qr/^-.*DEFAULT/m, '... with the difference');
unlike($out, qr/'\.\/run\.sh --help' differs/, '... and only that command');
system("perl $tool --write $tmp/usage.md >/dev/null 2>&1");
is(slurp("$tmp/usage.md"), $usage, 'make docs (--write) puts the copy back');

my %copied = map { $_ => 1 } $usage =~ /^<!-- help: \.\/run\.sh (\S+) --help -->$/mg;
my @subs = `./run.sh --help` =~ /^\s+\.\/run\.sh ([a-z-]+)\b/mg;
cmp_ok(scalar @subs, '>=', 7, './run.sh --help names its subcommands');
ok($copied{$_}, "docs/usage.md has the help text of ./run.sh $_") for @subs;

# 2. links and anchors.  slug: GitHub's anchor of a heading
sub slug {
	my $h = lc shift;
	$h =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;
	$h =~ s/[^\p{L}\p{N} _-]//g;
	$h =~ s/ /-/g;
	return $h;
}
# anchors FILE: the anchors of FILE's headings (outside code blocks)
my %anchors;
sub anchors {
	my ($f) = @_;
	return $anchors{$f} //= do {
		my (%a, %n, $code);
		for (split /\n/, slurp($f)) {
			$code = !$code, next if /^\s*```/;
			next if $code || !/^#{1,6}\s+(.*?)\s*#*\s*$/;
			my $s = slug($1);
			$a{$n{$s}++ ? "$s-" . ($n{$s} - 1) : $s} = 1;
		}
		\%a;
	};
}
my @pages = ('README.md', sort glob('docs/*.md'));
my ($links, %from_readme) = (0);
for my $page (@pages) {
	my ($code, $n, @bad) = (0, 0);
	for (split /\n/, slurp($page)) {
		$n++;
		$code = !$code, next if /^\s*```/;
		next if $code;
		(my $line = $_) =~ s/`[^`]*`//g;
		while ($line =~ /!?\[[^\]]*\]\(([^)\s]+)\)/g) {
			my $target = $1;
			next if $target =~ m{^[a-z]+:}i;
			$links++;
			my ($path, $anchor) = split /#/, $target, 2;
			my $file = $path eq '' ? $page : dirname($page) . "/$path";
			$file =~ s{^\./}{};
			$from_readme{$file} = 1 if $page eq 'README.md';
			if (!-e $file) {
				push @bad, "$page:$n: $target: no such file";
			} elsif (defined $anchor && $file =~ /\.md$/ && !anchors($file)->{$anchor}) {
				push @bad, "$page:$n: $target: no heading with that anchor in $file";
			}
		}
	}
	is_deeply(\@bad, [], "$page: every relative link resolves");
}
cmp_ok($links, '>', 50, "the pages have relative links ($links)");
ok($from_readme{$_}, "README.md links $_") for grep { $_ ne 'README.md' } @pages;
my $lines = () = slurp('README.md') =~ /\n/g;
cmp_ok($lines, '<=', 250, "README.md has at most 250 lines ($lines)");

# 3. what the code points at
my @code = grep { $_ ne 'tests/lint/docs.t' }
	split /\0/, `git ls-files -z -- run.sh Makefile .ci vm-images repro-user repro-kmod bpf tests`;
my $readme = slurp('README.md');
my @bad;
for my $f (@code) {
	next unless -f $f && -T $f;
	my $s = slurp($f);
	push @bad, "$f: $_ does not exist" for grep { !-e $_ } $s =~ m{\b(docs/[\w.-]+\.md)\b}g;
	# README "Section", README's "Section", also broken over comment lines
	while ($s =~ /\bREADME(?:'s)?[\s,#*\/]+"([^"]+)"/g) {
		(my $sec = $1) =~ s/\s*\n\s*(?:#|\*|\/\/)?\s*/ /g;
		push @bad, "$f: README has no section \"$sec\"" unless $readme =~ /^#+ .*\Q$sec\E/m;
	}
}
is_deeply(\@bad, [], 'every docs page and README section the code and the tests name exists')
	or diag(join "\n", @bad);

done_testing();
