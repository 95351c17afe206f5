// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_verdict.c - libFuzzer harness for the console-log verdict parser
 * (repro-user/verdict.c): the input is a console log, parsed and judged
 * under every boot status, and read as an ordering.txt.  Every verdict
 * must be printable, valid UTF-8 with lines under OUT_LINE_MAX.
 */
#define FUZZING 1
#include "../../repro-user/verdict.c"

#include <stdint.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const status[] = { "ok", "timeout", "qemu-error" };
	struct ordering ord = { "", "", "" };
	struct fuzz_out out;
	struct log *lg;
	FILE *f;
	int rc;

	if (!size)
		return 0;
	lg = calloc(1, sizeof(*lg));
	f = fmemopen((void *)data, size, "r");
	if (!lg || !f)
		abort();
	parse(f, lg);
	rewind(f);
	rc = read_ordering(f, &ord);
	fclose(f);
	for (size_t i = 0; i < sizeof(status) / sizeof(status[0]); i++) {
		fuzz_out_open(&out);
		verdict(out.f, lg, status[i], rc ? NULL : &ord);
		fuzz_out_done(&out, "verdict", OUT_LINE_MAX - 1);
	}
	free(lg);
	return 0;
}
