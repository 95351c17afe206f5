#!/usr/bin/perl
# gupr_boot_image: which image QEMU boots (KBOOT), from fake kernel records:
#  - a Debian kernel with CONFIG_PVH=y and its extracted vmlinux: the
#    vmlinux (PVH entry);
#  - GUP_REPRO_BOOT_IMAGE=bzimage, no CONFIG_PVH, a kernel tree, a vmlinux
#    that is not a whole ELF and cannot be extracted: the vmlinuz;
#  - the extraction itself: a vmlinuz whose payload is an lz4-compressed
#    ELF gives that ELF, cached as KBTF.
# And that gupr_qemu_start's command line boots KBOOT (else VMLINUZ).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use File::Temp qw(tempdir);
use File::Copy qw(copy);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);

# boot_image(ENV, RECORD...): KBOOT after gupr_boot_image with the record's
# variables set.
sub boot_image {
	my ($env, %r) = @_;
	my $vars = join(' ', map { "$_='$r{$_}'" } sort keys %r);
	my $out = `cd $top && env $env bash -c '. vm-images/lib.sh >/dev/null 2>&1; $vars; gupr_boot_image; echo "KBOOT=\$KBOOT"' 2>&1`;
	my ($k) = $out =~ /^KBOOT=(.*)$/m;
	return $k // "(no KBOOT: $out)";
}

my $elf = "$tmp/vmlinux";
copy('/bin/true', $elf) or die "copy: $!";	# a whole ELF
my $vmlinuz = "$tmp/vmlinuz";
spew($vmlinuz, "not a kernel");
spew("$tmp/config-pvh", "CONFIG_PVH=y\nCONFIG_KERNEL_LZ4=y\n");
spew("$tmp/config-nopvh", "# CONFIG_PVH is not set\n");
my %deb = (KSOURCE => 'debian', VMLINUZ => $vmlinuz, KBTF => $elf, KCONFIG => "$tmp/config-pvh");

is(boot_image('', %deb), $elf, 'Debian kernel with CONFIG_PVH: boots the vmlinux (PVH)');
is(boot_image('GUP_REPRO_BOOT_IMAGE=bzimage', %deb), $vmlinuz, 'GUP_REPRO_BOOT_IMAGE=bzimage: the vmlinuz');
is(boot_image('', %deb, KCONFIG => "$tmp/config-nopvh"), $vmlinuz, 'no CONFIG_PVH: the vmlinuz');
is(boot_image('', %deb, KSOURCE => 'tree'), $vmlinuz, 'a kernel tree: its bzImage');
is(boot_image('', %deb, KBTF => ''), $vmlinuz, 'no KBTF: the vmlinuz');

# a truncated vmlinux and a vmlinuz without a payload: extraction fails
# quietly, the vmlinuz boots
my $trunc = "$tmp/vmlinux-trunc";
spew($trunc, substr(slurp('/bin/true'), 0, 200));
is(boot_image('', %deb, KBTF => $trunc), $vmlinuz, 'a truncated vmlinux that cannot be extracted again: the vmlinuz');

# the extraction: an lz4 payload after some header bytes
SKIP: {
	skip 'no lz4', 2 unless system('command -v lz4 >/dev/null') == 0;
	my $payload = `lz4 -l -c -q /bin/true`;	# legacy format, as the kernel's
	spew("$tmp/vmlinuz-lz4", ("\0" x 512) . $payload);
	my $out = "$tmp/vmlinux-extracted";
	is(boot_image('', %deb, VMLINUZ => "$tmp/vmlinuz-lz4", KBTF => $out), $out,
	   'an lz4 vmlinuz: its ELF extracted and booted');
	is(`cmp $out /bin/true && echo same`, "same\n", 'the extracted vmlinux is the payload');
}

# gupr_qemu_start boots KBOOT: a stand-in qemu-system-x86_64 prints its -kernel
mkdir "$tmp/bin";
spew("$tmp/bin/qemu-system-x86_64", "#!/bin/sh\nwhile [ \$# -gt 0 ]; do [ \"\$1\" = -kernel ] && echo \"kernel=\$2\" >$tmp/qemu-args; shift; done\n");
chmod 0755, "$tmp/bin/qemu-system-x86_64";
mkdir "$tmp/out";
for my $case ([$elf, $elf, 'KBOOT set: -kernel KBOOT'], ['', $vmlinuz, 'KBOOT unset: -kernel VMLINUZ']) {
	my ($kboot, $want, $name) = @$case;
	unlink "$tmp/qemu-args";
	system("cd $top && PATH=$tmp/bin:\$PATH bash -c '. vm-images/lib.sh >/dev/null 2>&1; KBOOT=\"$kboot\" VMLINUZ=$vmlinuz INITRD=/dev/null; gupr_qemu_start $tmp/out 10 \"\" \"\" tcg; wait \$GUPR_BOOT_PID' >/dev/null 2>&1");
	is(slurp("$tmp/qemu-args"), "kernel=$want\n", $name);
}

done_testing();
