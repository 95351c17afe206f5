# An sshd of a test's own on 127.0.0.1 standing for --hosts machines
# (shared by the slow tests of matrix --hosts and bisect --hosts): a free
# high port, its own sshd_config, a throw-away host key and client key in
# the test's temporary directory, its own known_hosts; /root/.ssh and the
# system's sshd are not touched.  The ssh_config names the hosts:
#   gupr-a, gupr-b, ...  the sshd (give each its own working directory)
#   gupr-down            a port nobody listens on (unreachable)
#   gupr-bad             sends CC=/nonexistent/cc: its `make host` fails
# The sshd is stopped at the end, also when a test dies.
package GuprSshd;
use strict;
use warnings;
use IO::Socket::INET;
use Test::More ();
use GuprTest qw(slurp spew);
use Exporter 'import';
our @EXPORT_OK = qw(start_sshd);

my $sshd_pid;
END { if ($sshd_pid) { kill('TERM', $sshd_pid); waitpid($sshd_pid, 0); } }

# start_sshd(DIR [, plain_login => 1]) -> the ssh_config file
# (DIR/ssh_config) once the sshd answers; skips the test when there is no
# sshd and it cannot be installed, bails out when it does not answer.
# plain_login: the sessions' bash does not read root's ~/.bashrc (the sshd
# sets SHLVL=1: bash reads it for a command run by sshd only as a top-level
# shell), as on a host whose root has Debian's default ~/.bashrc, which does
# nothing for a command; this machine's runs `pyenv init` (0.13 s a login).
sub start_sshd {
	my ($d, %opt) = @_;
	my $sshd = '/usr/sbin/sshd';
	if (!-x $sshd) {
		# no init system starts it here; installing it is the test's own step
		$> == 0 or Test::More::plan(skip_all => 'no /usr/sbin/sshd (apt-get install openssh-server)');
		system('apt-get install -y -q --no-install-recommends openssh-server >/dev/null 2>&1 || '
		       . '{ apt-get update -q >/dev/null 2>&1; apt-get install -y -q --no-install-recommends openssh-server >/dev/null 2>&1; }');
		-x $sshd or Test::More::plan(skip_all => 'openssh-server could not be installed');
	}
	mkdir '/run/sshd', 0755 unless -d '/run/sshd';	# sshd's privilege separation directory
	system("ssh-keygen -q -t ed25519 -N '' -f $d/host_key && ssh-keygen -q -t ed25519 -N '' -f $d/client_key") == 0
		or Test::More::BAIL_OUT('ssh-keygen failed');
	my $port = do { my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1) or die; $s->sockport };
	spew("$d/authorized_keys", slurp("$d/client_key.pub"));
	spew("$d/sshd_config", <<"CONF");
ListenAddress 127.0.0.1
Port $port
HostKey $d/host_key
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AcceptEnv CC
MaxStartups 100
MaxSessions 100
PidFile $d/sshd.pid
CONF
	spew("$d/sshd_config", slurp("$d/sshd_config") . "SetEnv SHLVL=1\n") if $opt{plain_login};
	spew("$d/known_hosts", "[127.0.0.1]:$port " . slurp("$d/host_key.pub"));
	spew("$d/ssh_config", <<"CONF");
Host gupr-down
  Port 1
Host gupr-bad
  SetEnv CC=/nonexistent/cc
Host *
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $d/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $d/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
CONF
	$sshd_pid = fork();
	if (!$sshd_pid) {
		open(STDOUT, '>', "$d/sshd.log"); open(STDERR, '>&', \*STDOUT);
		exec($sshd, '-D', '-e', '-f', "$d/sshd_config") or exit 127;
	}
	my $up = 0;
	for (1 .. 50) {
		last if ($up = system("ssh -F $d/ssh_config -o BatchMode=yes gupr-a true 2>/dev/null") == 0);
		select(undef, undef, undef, 0.2);
	}
	Test::More::ok($up, "sshd on 127.0.0.1:$port answers") or Test::More::BAIL_OUT(slurp("$d/sshd.log"));
	return "$d/ssh_config";
}

1;
