#!/usr/bin/perl
# --kernel TREE without building a kernel: fake trees (a Makefile, Kconfig,
# arch/x86, a .config, a bzImage file) that get as far as the kernel record
# and the check of the tree's .config against vm-images/guest.config.
# Checks each bad input (exit 128 with one line naming what is wrong), the
# COULD NOT TEST naming missing CONFIG_ options, the record a tree gives
# (release, describe, commit, subject, dirty/clean, config hash, BTF), that
# a run writes nothing into the tree, and that the commit a build is
# labelled with is the one built (gup-repro's record of the build, the
# release's -gSHA), or else HEAD, saying so.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $G = 'git -c user.name=t -c user.email=t@invalid';
my ($cc) = `gcc --version` =~ /^(.*)$/m;

sub run { return sh("cd $top && ./run.sh --out $tmp/run-" . int(rand(1e9)) . " @_"); }

# The guest options of vm-images/guest.config as a .config, less @drop.
sub config {
	my (%drop) = map { $_ => 1 } @_;
	my $c = "CONFIG_CC_VERSION_TEXT=\"$cc\"\n";
	for (split /\n/, slurp("$top/vm-images/guest.config")) {
		next unless /^(CONFIG_\w+)=(.*)$/;
		$c .= "$1=$2\n" unless $drop{$1};
	}
	return $c;
}

# fake_tree(NAME, CONFIG or undef, BZIMAGE?): a directory kbuild-shaped
# enough for gupr_tree_locate, configured and "built" as asked, in git.
sub fake_tree {
	my ($name, $config, $bz) = @_;
	my $d = "$tmp/$name";
	system("mkdir -p $d/arch/x86/boot $d/include/config && printf 'VERSION = 6\\nPATCHLEVEL = 1\\n' >$d/Makefile && touch $d/Kconfig") == 0 or die;
	spew("$d/.gitignore", ".config\narch/x86/boot/bzImage\ninclude/config/\n");
	spew("$d/.config", $config) if defined $config;
	spew("$d/include/config/kernel.release", "6.1.0-fake\n");
	spew("$d/arch/x86/boot/bzImage", "not really a kernel\n") if $bz;
	system("cd $d && git init -q -b main && git add -A && $G commit -qm 'fake: the tree of $name'") == 0 or die;
	return $d;
}

# 1. bad trees: exit 128, one line naming what is wrong
my @bad = (
	[ "$tmp/nope", qr/--kernel \S+nope: '\S+nope' is not a directory/, 'a path that does not exist' ],
	[ do { mkdir "$tmp/empty"; "$tmp/empty" }, qr/is not a kernel source tree or O= build directory/, 'a directory that is not a kernel tree' ],
	[ fake_tree('unconfigured', undef, 0), qr/the tree is not configured \(no \S+\/\.config\): run \.\/run\.sh kernel-config/, 'a tree not configured' ],
	[ fake_tree('unbuilt', config(), 0), qr/the tree is not built \(no \S+\/arch\/x86\/boot\/bzImage\)/, 'a tree not built (no bzImage)' ],
	[ fake_tree('nocc', config() =~ s/^CONFIG_CC_VERSION_TEXT=.*$/CONFIG_CC_VERSION_TEXT="gcc-99 (Debian 99.1.0-1) 99.1.0"/mr, 1),
	  qr/the tree was configured with 'gcc-99 \(Debian 99\.1\.0-1\) 99\.1\.0' and gcc-99 is not installed/, 'a tree whose compiler is missing' ],
);
for my $b (@bad) {
	my ($rc, $o) = run('--kernel', $b->[0]);
	is($rc, 128, "refused: $b->[2] (exit 128)") or diag($o);
	like($o, $b->[1], "refused: $b->[2]: says what is wrong") or diag($o);
	ok(!grep(/^==> boot/, split /\n/, $o), "refused: $b->[2]: nothing booted");
}
my ($rc, $o) = run('--build');
is($rc, 128, '--build without --kernel TREE is refused');
($rc, $o) = sh("cd $top && ./run.sh kernel-config $tmp/empty");
is($rc, 128, 'kernel-config of a directory that is not a kernel tree: exit 128');
like($o, qr/^run\.sh kernel-config: '\S+empty' is not a kernel source tree/m, 'kernel-config: says so');
($rc, $o) = sh("cd $top && ./run.sh kernel-config");
is($rc, 128, 'kernel-config without a tree: exit 128');

# 2. a tree that lacks what the run needs: COULD NOT TEST naming the options
my $lean = fake_tree('lean', config(qw(CONFIG_EXT4_FS CONFIG_XFS_FS CONFIG_MODULES CONFIG_DEBUG_INFO_BTF)), 1);
system("touch $tmp/stamp; sleep 1.1");
my @before = sort split /\n/, `cd $lean && find . -path ./.git -prune -o -print`;
my $status = `git -C $lean status --porcelain --ignored`;
($rc, $o) = run('--kernel', $lean);
is($rc, 125, 'a tree lacking CONFIG_EXT4_FS and CONFIG_MODULES: exit 125') or diag($o);
like($o, qr/^verdict: COULD NOT TEST\nreason: the kernel lacks CONFIG_MODULES CONFIG_EXT4_FS \(see vm-images\/guest\.config/m,
     'COULD NOT TEST names the missing CONFIG_ options') or diag($o);
like($o, qr/^gup-repro: the kernel lacks CONFIG_EXT4_FS: --fs ext4$/m, 'and what each one is for');
unlike($o, qr/CONFIG_XFS_FS/, 'an ext4 run does not ask for CONFIG_XFS_FS');
($rc, $o) = run('--kernel', $lean, '--fs', 'xfs');
like($o, qr/^reason: the kernel lacks CONFIG_MODULES CONFIG_XFS_FS /m, '--fs xfs asks for CONFIG_XFS_FS');
($rc, $o) = run('--kernel', $lean, '--fs', 'tmpfs');
like($o, qr/^reason: the kernel lacks CONFIG_MODULES \(/m, '--fs tmpfs needs no disk or filesystem option');
my @after = sort split /\n/, `cd $lean && find . -path ./.git -prune -o -print`;
is_deeply(\@after, \@before, 'the runs added or removed no file in the tree');
is(`find $lean -newer $tmp/stamp -not -path '*/.git*'`, '', 'the runs wrote no file in the tree');
is(`git -C $lean status --porcelain --ignored`, $status, 'git status of the tree unchanged');

# 3. the record of a tree
my $rec = `cd $top && bash -c '. vm-images/lib.sh; gupr_kernel $lean >/dev/null 2>&1 && for v in \$GUPR_RECORD_VARS; do echo "\$v=\${!v}"; done' 2>&1`;
my %r = $rec =~ /^(\w+)=(.*)$/mg;
is($r{KSOURCE}, 'tree', 'record: KSOURCE=tree');
is($r{KREL}, '6.1.0-fake', 'record: KREL from include/config/kernel.release');
like($r{KCOMMIT} // '', qr/^[0-9a-f]{40}$/, 'record: the commit id');
is($r{KSTATE}, 'clean', 'record: clean');
is($r{KSUBJECT}, 'fake: the tree of lean', 'record: the subject');
like($r{KCONFIG_HASH} // '', qr/^[0-9a-f]{12}$/, 'record: the config hash');
is($r{KBTF_WHY}, 'CONFIG_DEBUG_INFO_BTF is not set', 'record: no BTF, and why');
like($r{KLABEL} // '', qr/^tree \Q$lean\E: [0-9a-f]+ [0-9a-f]{12} "fake: the tree of lean" clean \(the tree's HEAD now, not known to be what was built\), config [0-9a-f]{12}$/,
     'record: the label names the tree, commit, subject, state and config, and that the commit is only the tree\'s HEAD now');
system("echo x >>$lean/Makefile");
$rec = `cd $top && bash -c '. vm-images/lib.sh; gupr_kernel $lean >/dev/null 2>&1 && echo \$KSTATE'`;
is($rec, "dirty\n", 'record: a tree with uncommitted changes is dirty');
system("git -C $lean checkout -q Makefile");

# 4. gupr_config_missing: =m is satisfied by y or m, =y only by y
my $cfg = "$tmp/missing.config";
spew($cfg, "CONFIG_VIRTIO_PCI=y\nCONFIG_VIRTIO_BLK=m\nCONFIG_BPF_SYSCALL=m\nCONFIG_SERIAL_8250_RUNTIME_UARTS=2\n");
my $m = `cd $top && bash -c '. vm-images/lib.sh; gupr_config_missing $cfg disk trace boot' | cut -f1 | tr '\\n' ' '`;
unlike($m, qr/CONFIG_VIRTIO_(PCI|BLK) /, 'missing: =m options satisfied by y and by m');
like($m, qr/CONFIG_BPF_SYSCALL /, 'missing: a =y option set to m is missing');
like($m, qr/CONFIG_SERIAL_8250_RUNTIME_UARTS /, 'missing: a number must match');
unlike($m, qr/CONFIG_DRM /, 'missing: "fast" options are never missing');
$m = `cd $top && bash -c '. vm-images/lib.sh; gupr_config_missing $cfg scenario=iouring-read-delayed' | cut -f1 | tr '\\n' ' '`;
is($m, 'CONFIG_BLK_DEV_NULL_BLK CONFIG_MD CONFIG_BLK_DEV_DM CONFIG_DM_DELAY ', 'missing: a scenario matches its scenario=A|B needs');

# 5. the commit a tree's kernel is labelled with is the one that was built:
#    gupr_tree_build records it (.gup-repro-built, for that very bzImage),
#    else the kernel release's -gSHA names it, else it is the tree's HEAD
#    now and the label says so
sub ident {	# ident(TREE) -> the record's KCOMMIT, KSTATE, KSUBJECT, KLABEL
	my $rec = `cd $top && bash -c '. vm-images/lib.sh; gupr_kernel $_[0] >/dev/null 2>&1 && for v in KCOMMIT KSTATE KSUBJECT KLABEL; do echo "\$v=\${!v}"; done' 2>&1`;
	return { $rec =~ /^(\w+)=(.*)$/mg };
}
my $built = fake_tree('built', config(qw(CONFIG_MODULES)), 0);
spew("$built/Makefile", "VERSION = 6\nPATCHLEVEL = 1\n" .
     "bzImage:\n\tcp Makefile arch/x86/boot/bzImage\nmodules:\n\t\@true\n");
system("cd $built && $G commit -qam 'built: the commit that is built'") == 0 or die;
my $bcommit = `git -C $built rev-parse HEAD`; chomp $bcommit;
($rc, $o) = sh("cd $top && bash -c '. vm-images/lib.sh; gupr_tree_locate $built && gupr_tree_build'");
is($rc, 0, 'gupr_tree_build of a fake tree: exit 0') or diag($o);
system("cd $built && echo moved >moved && git add moved && $G commit -qm 'built: HEAD moved on after the build'") == 0 or die;
my $id = ident($built);
is($id->{KCOMMIT}, $bcommit, 'a tree gup-repro built: the commit is the one built, not the HEAD it moved to');
is($id->{KSUBJECT}, 'built: the commit that is built', 'a tree gup-repro built: the subject is the built commit\'s');
unlike($id->{KLABEL} // '', qr/HEAD now/, 'a tree gup-repro built: the label does not say "HEAD now"');
like($id->{KLABEL} // '', qr/ \Q${\ substr($bcommit, 0, 12)}\E "built: the commit that is built" clean, config /, 'a tree gup-repro built: the label names the built commit');
# another build, not by gup-repro, makes another bzImage: the record does not name it
spew("$built/arch/x86/boot/bzImage", "another build of it\n");
$id = ident($built);
isnt($id->{KCOMMIT}, $bcommit, 'a bzImage the record does not name: the record is not used');
like($id->{KLABEL} // '', qr/"built: HEAD moved on after the build" clean \(the tree's HEAD now, not known to be what was built\)/,
     'a bzImage the record does not name: labelled with HEAD, saying so');
# the release string's -gSHA (CONFIG_LOCALVERSION_AUTO), -dirty after it
my $rel = fake_tree('release', config(qw(CONFIG_MODULES)), 1);
my $rcommit = `git -C $rel rev-parse HEAD`; chomp $rcommit;
system("cd $rel && echo later >later && git add later && $G commit -qm 'release: a later commit'") == 0 or die;
spew("$rel/include/config/kernel.release", '6.1.0-00001-g' . substr($rcommit, 0, 12) . "-dirty\n");
$id = ident($rel);
is($id->{KCOMMIT}, $rcommit, 'a kernel release with -gSHA: the commit it names, not HEAD');
is($id->{KSTATE}, 'dirty', 'a kernel release with -gSHA-dirty: dirty');
like($id->{KLABEL} // '', qr/ \Q${\ substr($rcommit, 0, 12)}\E "fake: the tree of release" dirty, config /, 'a kernel release with -gSHA: the label names that commit');

done_testing();
