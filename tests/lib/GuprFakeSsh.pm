# Stand-in ssh commands for the --hosts tests that need no ssh (shared by
# tests/unit/hosts.t and tests/unit/bisect.t); the real ssh round trip is
# tests/lib/GuprSshd.pm's.
package GuprFakeSsh;
use strict;
use warnings;
use GuprTest qw(spew);
use Exporter 'import';
our @EXPORT_OK = qw(fake_ssh down_ssh);

# fake_ssh(DIR, NAME, UID, ARCH [, home => HOME] [, make_fails => 1]) ->
# an "ssh" command (DIR/NAME/fakessh) that runs the remote command here,
# with id -u and uname -m answering UID and ARCH; home: the login's $HOME;
# make_fails: the host's make fails at once (a job stops when it prepares
# the project, before any VM: the host's side of a run without a guest);
# make_noop: the host's make does nothing (for jobs whose runs a test hook
# stands in for: GUP_REPRO_TEST_CELL_RUN).
# It is not called ssh: gup-repro adds no ssh options to it.
sub fake_ssh {
	my ($dir, $name, $uid, $arch, %opt) = @_;
	my $d = "$dir/$name";
	mkdir $d;
	spew("$d/id", "#!/bin/sh\necho $uid\n");
	spew("$d/uname", "#!/bin/sh\necho $arch\n");
	my @stubs = ("$d/id", "$d/uname");
	if ($opt{make_fails}) {
		spew("$d/make", "#!/bin/sh\necho 'make: the stand-in host has no make' >&2\nexit 2\n");
		push @stubs, "$d/make";
	} elsif ($opt{make_noop}) {
		spew("$d/make", "#!/bin/sh\nexit 0\n");
		push @stubs, "$d/make";
	}
	my $home = defined $opt{home} ? "HOME='$opt{home}' " : '';
	spew("$d/fakessh", <<"EOF");
#!/bin/bash
# [options] HOST [--] COMMAND...
while [ \$# -gt 0 ] && [ "\$1" != "\${1#-}" ]; do shift; done
shift; [ "\${1:-}" = -- ] && shift
${home}PATH=$d:\$PATH exec sh -c "\$*"
EOF
	chmod 0755, @stubs, "$d/fakessh";
	return "$d/fakessh";
}

# down_ssh(DIR) -> an "ssh" command (DIR/down-ssh) of a host that cannot
# be reached: ssh's own message, exit 255.
sub down_ssh {
	my ($dir) = @_;
	spew("$dir/down-ssh", "#!/bin/sh\necho 'ssh: connect to host 192.0.2.1 port 22: Connection refused' >&2\nexit 255\n");
	chmod 0755, "$dir/down-ssh";
	return "$dir/down-ssh";
}

1;
