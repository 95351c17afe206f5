#!/usr/bin/perl
# Module-free reproducers in real guests (Debian 6.1 and 6.12, ext4), and
# --exec / --repeat end to end:
#  - pvw-uffd, odirect-delayed, iouring-read-delayed give the verdict that
#    --repeat 20 established (docs/benchmarks.md, "Module-free triggers":
#    VIOLATION in 20 of 20 runs of each on 6.1 and 6.12 ext4, so one run
#    is expected to give it), as the table of expected outcomes predicts
#    (gup-repro --expect): VIOLATION, no ext4 warning (the kernel dirties
#    the folio under its lock), with
#    gup_repro.ko not loaded (guest.log, run.txt), and the report names the
#    path that dirtied the folio: unpin_user_pages_dirty_lock from
#    process_vm_rw_core; __bio_release_pages from the O_DIRECT reader;
#    bio_dirty_fn in a kworker for io_uring;
#  - --exec of a static program: the environment contract (victim, scratch,
#    page size, pages, fs, steps log, the delayed device with --slow-dev),
#    its arguments, stdout/stderr/exit status in the run directory, and
#    the verdict rule for a program that fails (COULD NOT TEST, 125);
#  - --exec of the pvw-uffd binary as a user program reproduces as well;
#  - --repeat 2 of a #!/bin/sh program: the counted verdict and exit 0.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew run_sh);
use GuprMatrix qw(run_matrix check_expected);

my $top = "$FindBin::Bin/../..";

# The three triggers on the 6.1 and 6.12 ext4 cells, one VM each.
my %path = (
	'pvw-uffd' => [qr/unpin_user_pages_dirty_lock\+.*\n\s+process_vm_rw_core/s, 'unpin_user_pages_dirty_lock from process_vm_rw_core'],
	'odirect-delayed' => [qr/bio_release_pages[.\w]*\+/, 'bio_release_pages on the O_DIRECT read'],
	'iouring-read-delayed' => [qr/bio_dirty_fn\+/, 'bio_dirty_fn (deferred dirtying)'],
);
my ($rc, $out, $c, $mdir) = run_matrix($top, '--kernels', 'debian:bookworm,debian:trixie', '--fs', 'ext4',
	'--scenarios', 'pvw-uffd,odirect-delayed,iouring-read-delayed');
is($rc, 0, 'trigger matrix finished') or diag($out);
is(join(',', sort keys %$c), join(',', sort map { my $k = $_; map { "debian:$k ext4 $_" } keys %path } qw(bookworm trixie)),
   'a cell for each kernel and trigger');
# VIOLATION, as the table of expected outcomes predicts (gup-repro --expect)
is(check_expected($top, $c), 6, 'every cell as the table of expected outcomes predicts');
for my $k (qw(bookworm trixie)) {
	for my $t (sort keys %path) {
		my $d = "$mdir/$k/ext4/$t";
		like(slurp("$d/guest.log"), qr/^gupr-meta: module=not-loaded/m, "$k $t: guest.log says the module was not loaded");
		unlike(slurp("$d/guest.log"), qr/module=loaded/, "$k $t: gup_repro.ko never loaded");
		like(slurp("$d/run.txt"), qr/^module: not loaded/m, "$k $t: run.txt says so");
		like(slurp("$d/exec.stdout"), qr/^\Q$t\E: status=complete/m, "$k $t: the trigger completed its sequence");
		my $rep = slurp("$d/report.txt");
		like($rep, $path{$t}[0], "$k $t: report shows the dirtying stack ($path{$t}[1])");
		if ($t eq 'iouring-read-delayed') {
			like($rep, qr/dirtied: .*comm kworker/, "$k $t: dirtied from a kworker, attributed all the same");
		}
		like(slurp("$d/ordering.txt"), qr/^ordering: VIOLATION/m, "$k $t: the ordering checker caught it");
		# the kernel dirtied the page (out of order) and writeback wrote it:
		# what it wrote through the pin is on disk
		like(slurp("$d/verdict.txt"), qr/^integrity: 1 of 1 pages as expected, 0 lost, 0 not expected on disk \(O_DIRECT/m,
		     "$k $t: the trigger's own integrity check found its page on disk");
	}
}

# A fault inside a trigger's window: reclaim while the O_DIRECT read holds
# the page (FOLL_GET on 6.1) strips its buffer heads; the completion
# dirties it and ext4 warns, then its writeback finds no buffers
# (docs/triggers.md, "Faults in a trigger's window").
{
	my ($o, $r, $dir) = run_sh($top, '--scenario', 'odirect-delayed', '--fault', 'reclaim');
	is($r, 1, 'odirect-delayed --fault reclaim (6.1 ext4): exit 1') or diag($o);
	like(slurp("$dir/verdict.txt"), qr/^cell: REPRODUCED:ext4_dirty_folio$/m,
	     '... REPRODUCED at ext4_dirty_folio without the module');
	like(slurp("$dir/console.log"), qr/page 0 does not have buffers attached/,
	     '... and ext4 writeback finds the page without buffers');
	like(slurp("$dir/steps.jsonl"), qr/"step":"reclaim","result":"ok".*read still in flight/,
	     '... the reclaim step ran inside the window');
	like(slurp("$dir/timeline.txt"), qr/try_to_free_buffers/, '... and the trace shows the buffers freed');
	like(slurp("$dir/run.txt"), qr/^fault: reclaim \(in the trigger's window\)$/m, '... run.txt names the fault');
}

# --exec: a static program of the user's, with arguments
my $d = tempdir(CLEANUP => 1);
spew("$d/envprobe.c", <<'EOF');
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
int main(int argc, char **argv)
{
	const char *k[] = { "GUPR_VICTIM", "GUPR_SCRATCH", "GUPR_PAGE_SIZE", "GUPR_PAGES", "GUPR_FS",
			    "GUPR_STEPS_LOG", "GUPR_SLOW_DEV", "GUPR_SLOW_DEV_MS", "GUPR_KERNEL", "GUPR_FAULT" };
	struct stat st;
	for (unsigned i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		printf("%s=%s\n", k[i], getenv(k[i]) ? getenv(k[i]) : "(unset)");
	for (int i = 1; i < argc; i++)
		printf("arg%d=[%s]\n", i, argv[i]);
	printf("victim-size=%lld\n", stat(getenv("GUPR_VICTIM"), &st) ? -1LL : (long long)st.st_size);
	printf("slowdev-is-block=%d\n", getenv("GUPR_SLOW_DEV") && !stat(getenv("GUPR_SLOW_DEV"), &st) && S_ISBLK(st.st_mode));
	fprintf(stderr, "to stderr\n");
	return 7;
}
EOF
system("cc -static -O2 -o $d/envprobe $d/envprobe.c") == 0 or BAIL_OUT('cannot build the --exec probe');
my ($o, $r, $dir) = run_sh($top, '--exec', "$d/envprobe", '--exec-arg', "'two words'", '--exec-arg', 'x', '--slow-dev', '300',
			   '--fault', 'drop-caches');
is($r, 125, '--exec of a program exiting 7: COULD NOT TEST (exit 125)');
like(slurp("$dir/verdict.txt"), qr/^reason: .*step exec \(exit-7\)/m, 'the verdict names the program\'s exit status');
my $so = slurp("$dir/exec.stdout");
like($so, qr{^GUPR_VICTIM=/mnt/scratch/victim$}m, 'GUPR_VICTIM');
like($so, qr{^GUPR_SCRATCH=/mnt/scratch$}m, 'GUPR_SCRATCH');
like($so, qr{^GUPR_PAGE_SIZE=4096$}m, 'GUPR_PAGE_SIZE');
like($so, qr{^GUPR_PAGES=1$}m, 'GUPR_PAGES');
like($so, qr{^GUPR_FS=ext4$}m, 'GUPR_FS');
like($so, qr{^GUPR_STEPS_LOG=/dev/ttyS1$}m, 'GUPR_STEPS_LOG');
like($so, qr{^GUPR_SLOW_DEV=/dev/nullb0$}m, 'GUPR_SLOW_DEV with --slow-dev');
like($so, qr{^GUPR_SLOW_DEV_MS=300$}m, 'GUPR_SLOW_DEV_MS');
like($so, qr{^slowdev-is-block=1$}m, 'the delayed device is a block device');
like($so, qr{^GUPR_FAULT=drop-caches$}m, 'GUPR_FAULT with --fault');
like($so, qr{^victim-size=4096$}m, 'the victim file is there, one page');
like($so, qr{^arg1=\[two words\]\narg2=\[x\]$}m, 'arguments arrive one by one, spaces kept');
is(slurp("$dir/exec.stderr"), "to stderr\n", 'stderr captured apart');
is(slurp("$dir/exec.rc"), "7\n", 'exit status captured');
like(slurp("$dir/run.txt"), qr/^module: not loaded/m, 'run.txt: module not loaded');
like(slurp("$dir/run.txt"), qr/^exec: \Q$d\E\/envprobe$/m, 'run.txt names the program');
like(slurp("$dir/guest.log"), qr/^gupr-meta: module=not-loaded/m, 'guest.log: module not loaded');
ok(-s "$dir/events.jsonl", 'the victim was traced');

# --exec of a real reproducer: the pvw-uffd binary as the user's program
($o, $r, $dir) = run_sh($top, '--exec', "$top/build/host/triggers/pvw-uffd");
is($r, 1, '--exec pvw-uffd: exit 1') or diag($o);
like(slurp("$dir/verdict.txt"), qr/^verdict: VIOLATION$/m, '--exec pvw-uffd: VIOLATION');
like(slurp("$dir/report.txt"), qr/process_vm_rw_core/, '--exec pvw-uffd: the report shows process_vm_writev\'s path');

# --repeat with a #!/bin/sh program that only reads the victim
spew("$d/reader.sh", "#!/bin/sh\nhead -c 16 \"\$GUPR_VICTIM\"; echo\n");
chmod 0755, "$d/reader.sh";
($o, $r, $dir) = run_sh($top, '--exec', "$d/reader.sh", '--repeat', '2');
is($r, 0, '--repeat 2 of a harmless script: exit 0') or diag($o);
like($o, qr/^verdict: NOT REPRODUCED 2 of 2 runs; reproduced 0\/2 = 0\.0% \(95% Wilson interval 0\.0%-65\.8%\)$/m,
     '--repeat: counts, rate and Wilson interval on the verdict line');
is(slurp("$dir/run-01/exec.stdout"), "................\n", 'each run has its own run directory and output');
ok(-s "$dir/run-02/verdict.txt", 'second run has its verdict');

# pintrace's --attach-after file that never appears: one line naming it and
# exit 2, both ways of resolving the symbols (the kernel's pt_lookup, whose
# thread has made vmlinux's kprobes before the wait, and /proc/kallsyms);
# run in the guest by an --exec script, beside the init's own pintrace
spew("$d/pt-after.sh", <<'EOF');
#!/bin/sh
for o in "" --kallsyms; do
	pintrace --file "$GUPR_VICTIM" --wait 1 --attach-after /tmp/never $o --out /tmp/pt.out 2>/tmp/pt.err
	echo "pintrace$o: exit $?: $(cat /tmp/pt.err)"
done
EOF
chmod 0755, "$d/pt-after.sh";
($o, $r, $dir) = run_sh($top, '--exec', "$d/pt-after.sh");
my $pt = slurp("$dir/exec.stdout");
like($pt, qr{^pintrace: exit 2: pintrace: /tmp/never: No such file or directory$}m,
     'pintrace --attach-after a file that never appears: exit 2, naming it (symbols through the kernel)') or diag($o, $pt);
like($pt, qr{^pintrace--kallsyms: exit 2: pintrace: /tmp/never: No such file or directory$}m,
     'the same with --kallsyms');

done_testing();
