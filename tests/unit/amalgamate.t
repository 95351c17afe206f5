#!/usr/bin/perl
# vm-images/lib/amalgamate.pl, on small C trees and on the triggers:
#  - each local #include "..." is inlined once (nested, relative to the
#    including file), its include guard and a repeated SPDX line dropped;
#  - a system include repeated outside #if blocks is dropped, one inside
#    an #if block is kept; conditional blocks are left as they are;
#  - a missing include: one line, exit 2;
#  - every trigger amalgamated, then unifdef -DTRIGGER_EXPORT: one file
#    that builds alone with -Wall -Werror and names no gup-repro path.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(spew sh);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $amal = "$top/vm-images/lib/amalgamate.pl";

my $d = tempdir(CLEANUP => 1);
mkdir "$d/sub";
spew("$d/main.c", <<'EOF');
// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "a.h"
#include "sub/b.h"
#include "a.h"
int main(void) { return A + B; }
EOF
spew("$d/a.h", <<'EOF');
/* SPDX-License-Identifier: GPL-2.0 */
#ifndef A_H
#define A_H
#include <stdio.h>
#include <string.h>
#define A 1
#endif /* A_H */
EOF
spew("$d/sub/b.h", <<'EOF');
/* SPDX-License-Identifier: MIT */
#ifndef B_H
#define B_H
#include "c.h"
#include "../a.h"
#ifdef WANT_STRING
#include <string.h>
#endif
#define B C
#endif
EOF
spew("$d/sub/c.h", "#define C 2\n");

my ($rc, $out) = sh("$amal $d/main.c");
is($rc, 0, 'amalgamates');
is($out, <<'EOF', 'includes inlined once each, guards and the repeated SPDX line dropped');
// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#define A 1
/* SPDX-License-Identifier: MIT */
#define C 2
#ifdef WANT_STRING
#include <string.h>
#endif
#define B C
int main(void) { return A + B; }
EOF
spew("$d/out.c", $out);
is((sh("cc -Wall -Werror -o $d/out $d/out.c"))[0], 0, 'the result builds alone');

spew("$d/bad.c", "#include \"nothere.h\"\n");
($rc, $out) = sh("$amal $d/bad.c");
is($rc, 2, 'a missing include: exit 2');
like($out, qr/^amalgamate: .*bad\.c: #include "nothere\.h": no .*nothere\.h\n\z/, 'a missing include: one line');
($rc, $out) = sh("$amal");
is($rc, 2, 'no file: exit 2');
($rc, $out) = sh("$amal $d/none.c");
is($rc, 2, 'a missing file: exit 2');

SKIP: {
	skip 'no unifdef (vm-images/host-deps.sh --fstests)', 12
		unless system('sh', '-c', 'command -v unifdef >/dev/null') == 0;
	for my $t ('pvw-uffd', 'odirect-delayed', 'iouring-read-delayed') {
		($rc, $out) = sh("$amal $top/repro-user/guest/triggers/$t.c | unifdef -x2 -DTRIGGER_EXPORT");
		is($rc, 0, "$t: amalgamated and unifdef'd");
		unlike($out, qr/^\s*#\s*include\s+"/m, "$t: no local include left");
		# the trigger's own header comment (its harness notes) is the
		# export's to replace: look past it
		my ($body) = $out =~ m{\*/\n(.*)\z}s;
		unlike($body, qr/gup-?repro|gupr|README|run\.sh|vm-images|repro-user|\/mnt\/scratch|nullb|null_blk|guest/i,
		       "$t: the code outside its header comment names no gup-repro path or tool");
		spew("$d/$t.c", $out);
		($rc, $out) = sh("cc -Wall -Wextra -Werror -D_GNU_SOURCE -std=gnu11 -o $d/$t $d/$t.c -lpthread -luring");
		is($rc, 0, "$t: builds alone (fstests' -D_GNU_SOURCE, -Werror)") or diag($out);
	}
}

done_testing();
