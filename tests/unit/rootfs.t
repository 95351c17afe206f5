#!/usr/bin/perl
# --rootfs debian without a guest and without the network:
#  - run.sh and run.sh matrix refuse bad --rootfs/--exec-pkgs input with one
#    line and exit 128 before anything is built or booted; --exec takes a
#    dynamically linked program or a bash script only with --rootfs debian;
#  - the image's package list and cache key: the same packages in another
#    order (or with the base packages named again) are the same image,
#    another list or suite is another;
#  - the image cache (gupr_rootfs_image) with a stand-in mmdebstrap and
#    apt-get on PATH and a real mkfs.ext4: built once per key, reused,
#    rebuilt for another list, one build for two runs at once (the lock);
#    a package apt does not know is one line naming it, exit status 2 (run.sh
#    turns it into 128) and nothing in the cache; a failed mmdebstrap
#    leaves nothing in the cache either;
#  - what an --exec program needs that the image lacks (its #! interpreter,
#    the command /usr/bin/env looks for, an ELF program's interpreter and
#    libraries) is named before the guest boots;
#  - the extra disks of a boot (gupr_boot_disk) on QEMU's command line.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh shq lib_sh);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
# lib(SCRIPT): SCRIPT after sourcing lib.sh, in a cache of this test's own
sub lib { return lib_sh($top, $_[0], "GUP_REPRO_CACHE=$tmp/cache GUP_REPRO_BUILD=$tmp/build PATH=$tmp/bin:\$PATH"); }

# --- run.sh: bad input ----------------------------------------------------------
my $d = tempdir(CLEANUP => 1);
spew("$d/bash.sh", "#!/bin/bash\necho hi\n");
chmod 0755, "$d/bash.sh";
my @bad = (
	[['--rootfs', 'alpine'], qr/^run\.sh: --rootfs takes busybox or debian, not 'alpine'$/m],
	[['--rootfs'], qr/^run\.sh: --rootfs needs busybox or debian$/m],
	[['--rootfs='], qr/^run\.sh: --rootfs takes busybox or debian, not ''$/m],
	[['--exec-pkgs', 'xfsprogs'], qr/^run\.sh: --exec-pkgs goes with --rootfs debian/m],
	[['--rootfs', 'busybox', '--exec-pkgs', 'xfsprogs'], qr/^run\.sh: --exec-pkgs goes with --rootfs debian/m],
	[['--exec', "$d/bash.sh", '--exec-pkgs', 'bash'], qr/^run\.sh: --exec-pkgs goes with --rootfs debian/m],
	[['--rootfs', 'debian', '--exec-pkgs'], qr/^run\.sh: --exec-pkgs needs a package list$/m],
	[['--rootfs', 'debian', '--exec-pkgs', ''], qr/^run\.sh: --exec-pkgs needs a package list$/m],
	[['--rootfs', 'debian', '--exec-pkgs', 'xfsprogs,Fio'], qr/^run\.sh: --exec-pkgs: 'Fio' is not a Debian package name$/m],
	[['--rootfs', 'debian', '--exec-pkgs', 'x;reboot'], qr/^run\.sh: --exec-pkgs: 'x;reboot' is not a Debian package name$/m],
	[['--rootfs', 'debian', '--exec-pkgs', 'a'], qr/^run\.sh: --exec-pkgs: 'a' is not a Debian package name$/m],
	[['--rootfs', 'debian', '--exec-pkgs', '-f'], qr/^run\.sh: --exec-pkgs: '-f' is not a Debian package name$/m],
	[['--rootfs', 'debian', '--kernel', "prepared:$d"],
	 qr/^run\.sh: --rootfs debian needs the kernel's modules: not with a prepared kernel/m],
	[['--exec', '/bin/true'], qr/^run\.sh: --exec: '\/bin\/true' is dynamically linked; .*or run it with --rootfs debian$/m],
	[['--exec', "$d/bash.sh"], qr/^run\.sh: --exec: .* starts with '#!\/bin\/bash'; .*--rootfs debian any$/m],
	[['--rootfs', 'debian', '--exec', '/etc/passwd'], qr/is not executable/],
);
for my $b (@bad) {
	my ($args, $msg) = @$b;
	my ($rc, $out) = sh("cd $top && GUP_REPRO_CACHE=$tmp/cli-cache timeout 60 ./run.sh " . join(' ', map { shq($_) } @$args));
	is($rc, 128, "run.sh @$args: exit 128");
	like($out, $msg, "run.sh @$args: says what was wrong");
	is(scalar(grep { /^run\.sh: / } split /\n/, $out), 1, "run.sh @$args: one line");
	unlike($out, qr/==> (boot|kernel|rootfs|scratch)/, "run.sh @$args: nothing built or booted");
}
ok(!-e "$tmp/cli-cache/rootfs", 'no refused command line made an image');
my ($rc, $out) = sh("cd $top && timeout 60 ./run.sh matrix --rootfs alpine");
is($rc, 128, 'run.sh matrix --rootfs alpine: exit 128');
like($out, qr/^run\.sh matrix: --rootfs takes busybox or debian, not 'alpine'$/m, '... says so');
($rc, $out) = sh("cd $top && ./run.sh --help");
like($out, qr/^\s+--rootfs KIND\s/m, '--help documents --rootfs');
like($out, qr/^\s+--exec-pkgs LIST\s/m, '--help documents --exec-pkgs');
($rc, $out) = sh("cd $top && ./run.sh matrix --help");
like($out, qr/^\s+--rootfs KIND\s/m, 'matrix --help documents --rootfs');

# --exec with --rootfs debian: a dynamically linked program, a bash script
($rc, $out) = lib('gupr_exec_check /bin/true debian');
is($rc, 0, 'a dynamically linked program runs with --rootfs debian') or diag($out);
($rc, $out) = lib("gupr_exec_check $d/bash.sh debian");
is($rc, 0, 'a #!/bin/bash script runs with --rootfs debian') or diag($out);
($rc, $out) = lib('gupr_exec_check /bin/true');
is($rc, 1, '... not in the busybox initramfs');
spew("$d/text", "just words\n");
chmod 0755, "$d/text";
($rc, $out) = lib("gupr_exec_check $d/text debian");
like($out, qr/is neither an ELF program nor a #! script/, 'text that is no script is refused with --rootfs debian too');

# --- the package list and the cache key -----------------------------------------
($rc, $out) = lib('gupr_rootfs_pkgs "xfsprogs,fio"; gupr_rootfs_pkgs "fio  xfsprogs"; gupr_rootfs_pkgs "procps,xfsprogs,fio,kmod,fio"; gupr_rootfs_pkgs ""');
is($out, "fio,kmod,procps,xfsprogs\n" x 3 . "kmod,procps\n",
   'package list: sorted, deduplicated, with the base packages, commas or spaces');
my %key;
for my $c (['a', 'bookworm', 'xfsprogs,fio'], ['b', 'bookworm', 'fio xfsprogs'], ['c', 'bookworm', 'xfsprogs'],
	   ['d', 'trixie', 'xfsprogs,fio'], ['e', 'bookworm', '']) {
	($rc, $out) = lib("gupr_rootfs_key $c->[1] \"\$(gupr_rootfs_pkgs " . shq($c->[2]) . ')"');
	chomp($key{$c->[0]} = $out);
	like($key{$c->[0]}, qr/^[0-9a-f]{16}$/, "key of $c->[1] '$c->[2]': 16 hex digits");
}
is($key{a}, $key{b}, 'the same packages in another order: the same key');
isnt($key{a}, $key{c}, 'another package list: another key');
isnt($key{a}, $key{d}, 'another suite: another key');
isnt($key{c}, $key{e}, 'no extra packages: a key of its own');

# --- the image cache, with stand-ins for mmdebstrap and apt-get -------------------
mkdir "$tmp/bin";
# mmdebstrap [OPTIONS] SUITE TARGET SOURCES...: a tiny tree with a dpkg
# status; logs each call; fails when FAKE_MMDEBSTRAP_FAIL is set; sleeps
# FAKE_MMDEBSTRAP_SLEEP seconds (two builds at once)
spew("$tmp/bin/mmdebstrap", <<"EOF");
#!/bin/bash
args=()
for a in "\$@"; do case "\$a" in --*) ;; *) args+=("\$a") ;; esac; done
inc=\$(printf '%s\\n' "\$@" | sed -n 's/^--include=//p')
echo "\${args[0]} \$inc" >>$tmp/mmdebstrap.calls
sleep "\${FAKE_MMDEBSTRAP_SLEEP:-0}"
[ -z "\${FAKE_MMDEBSTRAP_FAIL:-}" ] || { echo "E: fake failure" >&2; exit 1; }
t=\${args[1]}
mkdir -p "\$t/usr/bin" "\$t/etc" "\$t/var/lib/dpkg" "\$t/tmp"
echo 'PRETTY_NAME="fake"' >"\$t/etc/os-release"
for p in \${inc//,/ }; do printf 'Package: %s\\nStatus: install ok installed\\nMaintainer: m\\nVersion: 1.0\\nArchitecture: amd64\\nDescription: d\\n\\n' "\$p"; done >"\$t/var/lib/dpkg/status"
EOF
# apt-get: "update" passes; "-s install" knows every package but "nosuch"
spew("$tmp/bin/apt-get", <<'EOF');
#!/bin/bash
case " $* " in
*" update "*) exit 0 ;;
*" nosuch "*) echo "E: Unable to locate package nosuch" >&2; exit 100 ;;
esac
echo "Inst fake"
EOF
chmod 0755, "$tmp/bin/mmdebstrap", "$tmp/bin/apt-get";
$ENV{GUP_REPRO_MIRROR} = 'http://archive.invalid/debian';
$ENV{GUP_REPRO_SECURITY_MIRROR} = 'http://archive.invalid/debian-security';
sub calls { my @c = split /\n/, slurp("$tmp/mmdebstrap.calls"); return scalar @c; }
sub image {
	my ($pkgs) = @_;
	return lib("gupr_rootfs_image bookworm \"\$(gupr_rootfs_pkgs " . shq($pkgs) . ')"; echo "img=$ROOTFS_IMG"');
}
($rc, $out) = image('xfsprogs,fio');
is($rc, 0, 'an image is built') or diag($out);
like($out, qr/^==> rootfs: building the Debian bookworm image with fio,kmod,procps,xfsprogs \(mmdebstrap; once per suite and package list\)$/m,
     'the first build has a progress line');
like($out, qr/^==> rootfs: bookworm image ready: \d+ MiB, \d+ s \(/m, '... and says when it is ready');
my ($img) = $out =~ /^img=(.*)$/m;
is($img, "$tmp/cache/rootfs/bookworm-$key{a}/rootfs.img", 'cached under GUPR_CACHE/rootfs/SUITE-KEY');
ok(-s $img, 'the image is there');
like(`dumpe2fs -h $img 2>/dev/null`, qr/^Filesystem volume name:\s+gupr-rootfs$/m, 'an ext4 file system, label gupr-rootfs');
like(`debugfs -R 'cat /etc/os-release' $img 2>/dev/null`, qr/fake/, 'holding the mmdebstrap tree');
like(`debugfs -R 'ls -l /mnt' $img 2>/dev/null`, qr/scratch/, 'with /mnt/scratch');
is(slurp("$tmp/cache/rootfs/bookworm-$key{a}/packages.txt"), "fio,kmod,procps,xfsprogs\n", 'packages.txt: the list');
like(slurp("$tmp/cache/rootfs/bookworm-$key{a}/dpkg.txt"), qr/^xfsprogs 1\.0$/m, 'dpkg.txt: what was installed');
ok(!-e "$tmp/cache/rootfs/bookworm-$key{a}/tree", 'the mmdebstrap tree is removed');
is(calls(), 1, 'one mmdebstrap');
($rc, $out) = image('fio xfsprogs');
is($rc, 0, 'the same packages in another order') or diag($out);
is(calls(), 1, '... reuse the image: no mmdebstrap');
unlike($out, qr/==> rootfs/, '... silently');
($rc, $out) = image('xfsprogs');
is(calls(), 2, 'another package list builds another image');
like($out, qr/img=\Q$tmp\E\/cache\/rootfs\/bookworm-$key{c}\/rootfs\.img/, '... in a directory of its own');
ok(-s "$tmp/cache/rootfs/bookworm-$key{a}/rootfs.img", '... beside the first');

# two runs at once want the same new image: one builds, the other waits
unlink "$tmp/mmdebstrap.calls";
spew("$tmp/two.sh", "cd $top && GUP_REPRO_CACHE=$tmp/cache GUP_REPRO_BUILD=$tmp/build PATH=$tmp/bin:\$PATH FAKE_MMDEBSTRAP_SLEEP=2 bash $tmp/script2.sh");
spew("$tmp/script2.sh", ". vm-images/lib.sh\ngupr_rootfs_image bookworm \"\$(gupr_rootfs_pkgs attr)\" && echo ok\n");
($rc, $out) = sh("(bash $tmp/two.sh & bash $tmp/two.sh & wait)");
is(() = $out =~ /^ok$/mg, 2, 'two runs at once both get the image');
is(calls(), 1, '... built once (the other waited on the lock)');
like($out, qr/waiting for another gup-repro run that holds rootfs-bookworm-/, '... saying it waits');

# bad input and failures leave nothing in the cache
my @before = glob("$tmp/cache/rootfs/*");
($rc, $out) = image('xfsprogs,nosuch');
is($rc, 2, 'a package apt does not know: exit status 2 (run.sh: 128)');
like($out, qr/^gup-repro: error: --exec-pkgs: Unable to locate package nosuch \(Debian bookworm\)$/m, '... one line naming it');
is(calls(), 1, '... before any mmdebstrap');
$ENV{FAKE_MMDEBSTRAP_FAIL} = 1;
($rc, $out) = image('acl');
delete $ENV{FAKE_MMDEBSTRAP_FAIL};
is($rc, 125, 'mmdebstrap failing: exit status 125');
like($out, qr/building the Debian bookworm image with acl,kmod,procps failed/, '... says so');
is_deeply([glob("$tmp/cache/rootfs/*")], \@before, 'neither left anything in the cache');
($rc, $out) = image('acl');
is($rc, 0, 'the next run builds it') or diag($out);
is(calls(), 3, '... with mmdebstrap');

like(slurp("$tmp/cache/rootfs/bookworm-$key{a}/files.txt"), qr{^/etc/os-release$}m, 'files.txt: the paths in the image');

# --- what an --exec program needs from the image -----------------------------------
my $fake = "$tmp/fake-image";
mkdir $fake;
spew("$fake/packages.txt", "kmod,procps\n");
spew("$fake/files.txt", join('', map { "$_\n" } qw(/ /bin /lib /lib64 /usr/bin/bash /usr/bin/env /usr/bin/perl
	/usr/lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /usr/lib64/ld-linux-x86-64.so.2)));
sub lacks {
	my ($first) = @_;
	spew("$d/prog", $first);
	chmod 0755, "$d/prog";
	return lib("ROOTFS_DIR=$fake ROOTFS_SUITE=bookworm; gupr_rootfs_lacks $d/prog");
}
is((lacks("#!/bin/bash\necho\n"))[1], '', '#!/bin/bash: in a merged-/usr image as /usr/bin/bash');
is((lacks("#!/usr/bin/python3\n"))[1], "/usr/bin/python3\n", '#!/usr/bin/python3: not in the image');
is((lacks("#!/usr/bin/env perl\n"))[1], '', '#!/usr/bin/env perl: perl is in PATH');
is((lacks("#! /usr/bin/env -S bash -e\r\n"))[1], '', '#! /usr/bin/env -S bash -e: bash is in PATH');
is((lacks("#!/usr/bin/env python3\n"))[1], "python3 (for /usr/bin/env)\n", '#!/usr/bin/env python3: python3 is not');
system("cp /bin/true $d/prog") == 0 or die;
($rc, $out) = lib("ROOTFS_DIR=$fake; gupr_rootfs_lacks $d/prog");
is($out, '', 'a dynamically linked program whose interpreter and libraries are in the image');
system("sed -i '/libc.so.6/d' $fake/files.txt") == 0 or die;
($rc, $out) = lib("ROOTFS_DIR=$fake; gupr_rootfs_lacks $d/prog");
is($out, "libc.so.6\n", '... one whose library is nowhere in the image');
($rc, $out) = lib("ROOTFS_DIR=$fake ROOTFS_SUITE=bookworm; gupr_rootfs_exec_check $d/prog");
is($rc, 2, 'gupr_rootfs_exec_check: exit status 2 (run.sh: 128)');
like($out, qr/^gup-repro: error: --exec: '\Q$d\E\/prog' needs libc\.so\.6, not in the Debian bookworm image \(kmod,procps\): add the package that has it to --exec-pkgs$/m,
     '... one line naming what is missing');
spew("$d/prog", "#!/usr/bin/env python3 -u\n");
($rc, $out) = lib("ROOTFS_DIR=$fake ROOTFS_SUITE=bookworm; gupr_rootfs_exec_check $d/prog");
like($out, qr/ needs python3 \(for \/usr\/bin\/env\), not in the Debian bookworm image/, '... or what /usr/bin/env would look for');
unlink "$fake/files.txt";
($rc, $out) = lib("ROOTFS_DIR=$fake; gupr_rootfs_lacks $d/prog");
is("$rc$out", '0', 'an image without files.txt: no check');

# --- extra disks on QEMU's command line ---------------------------------------------
spew("$tmp/disk.img", "x" x 4096);
($rc, $out) = lib("gupr_boot_disk $tmp/disk.img gupr-rootfs; gupr_boot_disk $tmp/disk.img test-dev ro; printf '%s\\n' \"\${GUPR_BOOT_DISKS[\@]}\"");
is($out, "-drive\nfile=$tmp/disk.img,format=raw,if=none,id=gupr-disk0\n-device\nvirtio-blk-pci,drive=gupr-disk0,serial=gupr-rootfs\n" .
	 "-drive\nfile=$tmp/disk.img,format=raw,if=none,id=gupr-disk1,readonly=on\n-device\nvirtio-blk-pci,drive=gupr-disk1,serial=test-dev\n",
   'gupr_boot_disk: a virtio disk with its serial, read-only when asked');
($rc, $out) = lib("gupr_boot_disk $tmp/disk.img 'a b'");
like($out, qr/disk serial 'a b': 1 to 20 of/, 'a serial with a space is refused');
($rc, $out) = lib("gupr_boot_disk $tmp/disk.img abcdefghijklmnopqrstu");
like($out, qr/disk serial 'abcdefghijklmnopqrstu': 1 to 20 of/, 'a serial of 21 characters is refused');

done_testing();
