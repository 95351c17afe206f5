# The project's shell and C files, as the lint tests see them (shared by
# tests/lint/shell.t and tests/lint/long-functions.pl): git's files
# (tracked, or new and not ignored), a shell file being one named *.sh or
# one whose first line is a #! naming sh, bash or dash (busybox sh too).
package GuprSourceFiles;
use strict;
use warnings;
use Exporter 'import';
our @EXPORT_OK = qw(project_files shell_files c_files);

# project_files(TOP): the regular files of the project under TOP, relative
sub project_files {
	my ($top) = @_;
	return grep { -f "$top/$_" && !-l "$top/$_" }
		split /\n/, `git -C '$top' ls-files --cached --others --exclude-standard`;
}

# is_shell(TOP, FILE): named *.sh, or a #! line naming sh, bash or dash
sub is_shell {
	my ($top, $f) = @_;
	return 1 if $f =~ /\.sh$/;
	open(my $fh, '<', "$top/$f") or return 0;
	my $first = <$fh> // '';
	return $first =~ m{^#!\s*\S*/(?:env\s+|busybox\s+)?(?:ba|da)?sh(?:\s|$)};
}

# shell_files(TOP): the project's shell files
sub shell_files {
	my ($top) = @_;
	return grep { is_shell($top, $_) } project_files($top);
}

# c_files(TOP): the project's C sources (*.c)
sub c_files {
	my ($top) = @_;
	return grep { /\.c$/ } project_files($top);
}

1;
