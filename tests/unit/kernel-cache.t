#!/usr/bin/perl
# The kernel cache's md5 checks, with no network: small fake kernel
# packages made here with dpkg-deb --build, one classic (lib/modules, as
# bookworm's) and one merged-/usr (usr/lib/modules, as trixie's and sid's),
# extracted into an empty cache by gupr_debs_extract (the code a Debian
# kernel's fetch runs), then packed into an initramfs by
# gupr_build_initramfs.  Both layouts pass every check; a module with one
# byte changed is "damaged", with the md5sum found and the one expected,
# and the next run fetches the kernel again.  A tree's own modules get
# md5sums when they are installed, and the same check.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh lib_sh);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
$ENV{GUP_REPRO_BUILD} = "$tmp/build";

sub md5 { my ($f) = @_; my ($m) = `md5sum '$f'` =~ /^([0-9a-f]{32})/ or die "md5sum $f"; return $m; }

# fake_module(PATH, NAME): a relocatable ELF with a .modinfo section, which
# depmod and modprobe --show-depends take for a module; xz-compressed as
# Debian ships them.
sub fake_module {
	my ($path, $name) = @_;
	(my $dir = $path) =~ s{/[^/]+$}{};
	system("mkdir -p '$dir'") == 0 or die;
	spew("$tmp/mod.c", "static const char mi[] __attribute__((section(\".modinfo\"), used, aligned(1))) = \"license=GPL\\0name=$name\\0\";\nint ${name}_data[256] = { 1 };\n");
	(my $ko = $path) =~ s/\.xz$//;
	system("gcc -c -o '$ko' $tmp/mod.c && xz --check=crc32 '$ko'") == 0 or die "cannot make $path";
}

# fake_deb(NAME, KREL, MODDIR): linux-image-KREL with boot/vmlinuz-KREL and
# two modules under MODDIR (lib/modules or usr/lib/modules), its md5sums
# as dh_md5sums writes them; returns the .deb's path.
sub fake_deb {
	my ($name, $krel, $moddir) = @_;
	my $d = "$tmp/pkg-$name";
	system("mkdir -p $d/DEBIAN $d/boot") == 0 or die;
	spew("$d/boot/vmlinuz-$krel", "not a kernel: $name\n" x 100);
	fake_module("$d/$moddir/$krel/kernel/drivers/block/virtio_blk.ko.xz", 'virtio_blk');
	fake_module("$d/$moddir/$krel/kernel/fs/ext4/ext4.ko.xz", 'ext4');
	spew("$d/DEBIAN/control", "Package: linux-image-$krel\nVersion: 1.0-1\nArchitecture: amd64\n" .
	     "Maintainer: gup-repro tests <t\@invalid>\nDescription: fake kernel for tests\n");
	system("cd $d && find boot lib usr -type f 2>/dev/null | LC_ALL=C sort | xargs md5sum >DEBIAN/md5sums") == 0 or die;
	my ($rc, $o) = sh("dpkg-deb --root-owner-group --build $d $tmp/$name.deb");
	$rc == 0 or die "dpkg-deb --build: $o";
	return "$tmp/$name.deb";
}

# stand-ins for what gupr_build_initramfs packs beside the modules
system("mkdir -p $tmp/bin && cp /bin/true $tmp/bin/pintrace && gcc -c -o $tmp/bin/gup_repro.ko -x c /dev/null") == 0 or die;
my ($rc, $o) = sh("make -s -C $top host");
is($rc, 0, 'the host tools are built') or diag($o);

# a Debian kernel of KREL in the cache (KCACHE), its packages extracted
# there by the project's code; then its initramfs packed
my $vars = 'KSOURCE=debian KSUITE=test KCONFIG=/dev/null KBTF="" PINTRACE=' . "$tmp/bin/pintrace KO=$tmp/bin/gup_repro.ko BUSYBOX=/bin/busybox";
sub extract {
	my ($krel, $deb) = @_;
	return lib_sh($top, qq{KREL=$krel KID=$krel KCACHE="\$GUPR_CACHE/kernels/$krel"
		mkdir -p "\$KCACHE/root" && gupr_debs_extract "\$KCACHE" $deb && touch "\$KCACHE/.complete"
		echo "KCACHE=\$KCACHE"});
}
sub initramfs {
	my ($krel) = @_;
	return lib_sh($top, qq{KREL=$krel KID=$krel KCACHE="\$GUPR_CACHE/kernels/$krel" $vars
		KMODROOT="\$KCACHE/root" VMLINUZ="\$KCACHE/root/boot/vmlinuz-$krel"
		GUPR_GUEST_MODULES="virtio_blk ext4"
		gupr_kernel_intact && echo "vmlinuz intact"
		gupr_build_initramfs && echo "INITRD=\$INITRD"});
}

for my $layout (['classic', 'lib/modules'], ['merged-usr', 'usr/lib/modules']) {
	my ($name, $moddir) = @$layout;
	my $krel = "9.9.9-$name-amd64";
	my $deb = fake_deb($name, $krel, $moddir);
	($rc, $o) = extract($krel, $deb);
	is($rc, 0, "$name: the package is extracted into an empty cache and checked") or diag($o);
	my ($kcache) = $o =~ /^KCACHE=(.*)$/m;
	like(`head -c 2000 $kcache/md5sums`, qr{^[0-9a-f]{32}  \Q$moddir\E/\Q$krel\E/kernel/drivers/block/virtio_blk\.ko\.xz$}m,
	     "$name: the package's md5sums list $moddir/");
	ok(-e "$kcache/root/lib/modules/$krel/modules.dep", "$name: depmod found the modules through ROOT/lib/modules");

	($rc, $o) = initramfs($krel);
	is($rc, 0, "$name: the initramfs is packed: every module passes the md5 check") or diag($o);
	unlike($o, qr/damaged/, "$name: nothing is called damaged");
	like($o, qr/^vmlinuz intact$/m, "$name: the vmlinuz passes its md5 check");
	my ($initrd) = $o =~ /^INITRD=(.*)$/m;
	# KCONFIG without CONFIG_RD_LZ4: gzip
	my $list = $initrd ? `gzip -dc $initrd 2>/dev/null | cpio -t 2>/dev/null` : "";
	like($list, qr{^lib/modules/\Q$krel\E/kernel/drivers/block/virtio_blk\.ko$}m, "$name: the module is in the initramfs, decompressed");

	# one byte of a module changed: damaged, with both checksums
	my $ko = "$kcache/root/$moddir/$krel/kernel/drivers/block/virtio_blk.ko.xz";
	my $want = md5($ko);
	open(my $fh, '+<', $ko) or die; seek($fh, 200, 0); read($fh, my $c, 1); seek($fh, 200, 0); print $fh chr(ord($c) ^ 1); close $fh;
	my $have = md5($ko);
	system("touch $kcache/root/lib/modules/$krel/modules.dep");	# the initramfs is stale
	($rc, $o) = initramfs($krel);
	is($rc, 125, "$name: a module with one byte changed: packing fails (could not test)");
	like($o, qr{gup-repro: error: \S+/lib/modules/\Q$krel\E/kernel/drivers/block/virtio_blk\.ko\.xz is damaged: md5sum $have, expected $want \(\S+/md5sums\): the cached modules of \Q$krel\E will be fetched again on the next run$}m,
	     "$name: the message names the file, the md5sum found and the one expected") or diag($o);
	ok(!-e "$kcache/.complete", "$name: the next run fetches the kernel again");

	# the vmlinuz, one byte changed
	system("printf X | dd of=$kcache/root/boot/vmlinuz-$krel bs=1 seek=10 conv=notrunc 2>/dev/null");
	($rc, $o) = lib_sh($top, qq{KREL=$krel KCACHE="\$GUPR_CACHE/kernels/$krel" KMODROOT="\$KCACHE/root" VMLINUZ="\$KCACHE/root/boot/vmlinuz-$krel"
		gupr_kernel_intact 2>&1 || echo "not intact"});
	like($o, qr{the cached|is damaged: md5sum [0-9a-f]{32}, expected [0-9a-f]{32}}, "$name: a changed vmlinuz is damaged, with both checksums");
	like($o, qr/^not intact$/m, "$name: and not intact");
}

# a package whose content does not match its own md5sums: extraction
# names the file and both checksums
{
	my $d = "$tmp/pkg-classic";
	system("sed -i '1s/^./0/;1s/^0\\(.*\\)/f\\1/' $d/DEBIAN/md5sums");
	my ($first) = `head -n 1 $d/DEBIAN/md5sums` =~ /^([0-9a-f]{32})  (\S+)/;
	($rc, $o) = sh("dpkg-deb --root-owner-group --build $d $tmp/bad.deb");
	($rc, $o) = extract('9.9.9-bad-amd64', "$tmp/bad.deb");
	is($rc, 125, 'a package that does not match its md5sums: refused');
	like($o, qr/the packages of linux-image-9\.9\.9-bad-amd64 do not match their md5sums: \S+ is damaged: md5sum [0-9a-f]{32}, expected \Q$first\E/,
	     'and the message has the file and both checksums') or diag($o);
}

# md5sums with no line for a file: nothing to check against, not damaged
($rc, $o) = lib_sh($top, qq{mkdir -p $tmp/nl/root && echo x >$tmp/nl/root/f && echo "0123456789abcdef0123456789abcdef  other" >$tmp/nl/sums
	gupr_md5_check $tmp/nl/root $tmp/nl/sums $tmp/nl/root/f; echo "rc=\$?"});
like($o, qr/^rc=2$/m, 'a file md5sums do not list: status 2 (nothing to check), not damaged');
unlike($o, qr/damaged/, 'and nothing is said');

# a tree's own modules: md5sums written at modules_install, then checked
{
	my $t = "$tmp/tree";
	system("mkdir -p $t/arch/x86/boot $t/include/config") == 0 or die;
	my ($cc) = `gcc --version` =~ /^(.*)$/m;
	spew("$t/.config", "CONFIG_CC_VERSION_TEXT=\"$cc\"\nCONFIG_MODULES=y\n");
	spew("$t/Kconfig", "");
	spew("$t/include/config/kernel.release", "6.1.0-fake\n");
	spew("$t/arch/x86/boot/bzImage", "not really a kernel\n");
	fake_module("$t/prebuilt/virtio_blk.ko.xz", 'virtio_blk');
	spew("$t/Makefile", "VERSION = 6\nPATCHLEVEL = 1\nmodules_install:\n" .
	     "\tmkdir -p \$(INSTALL_MOD_PATH)/lib/modules/6.1.0-fake/kernel/drivers/block\n" .
	     "\tcp prebuilt/virtio_blk.ko.xz \$(INSTALL_MOD_PATH)/lib/modules/6.1.0-fake/kernel/drivers/block/\n" .
	     "\tdepmod -b \$(INSTALL_MOD_PATH) 6.1.0-fake\n");
	($rc, $o) = lib_sh($top, qq{gupr_kernel $t >/dev/null && echo "S=\$(gupr_kernel_sums)" && echo "M=\$KMODROOT"});
	is($rc, 0, 'a tree: its modules are installed into the cache') or diag($o);
	my ($sums) = $o =~ /^S=(.*)$/m;
	my ($modroot) = $o =~ /^M=(.*)$/m;
	like(slurp($sums), qr{^[0-9a-f]{32}  lib/modules/6\.1\.0-fake/kernel/drivers/block/virtio_blk\.ko\.xz$}m,
	     'a tree: md5sums of its installed modules');
	my $code = qq{gupr_kernel $t >/dev/null && GUPR_GUEST_MODULES=virtio_blk gupr_stage_modules $tmp/tree-stage; echo "rc=\$?"};
	($rc, $o) = lib_sh($top, $code);
	like($o, qr/^rc=0$/m, 'a tree: its modules pass the check') or diag($o);
	system("printf X | dd of=$modroot/lib/modules/6.1.0-fake/kernel/drivers/block/virtio_blk.ko.xz bs=1 seek=100 conv=notrunc 2>/dev/null");
	($rc, $o) = lib_sh($top, $code);
	like($o, qr{virtio_blk\.ko\.xz is damaged: md5sum [0-9a-f]{32}, expected [0-9a-f]{32} }, 'a tree: a changed module is damaged') or diag($o);
	like($o, qr/^rc=1$/m, 'a tree: and refused');
}

done_testing();
