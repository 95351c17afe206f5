// SPDX-License-Identifier: GPL-2.0
/*
 * abi-layout - the gup_repro ioctl ABI is fixed-size and padding-free:
 * every struct starts with a __u32 size, is a multiple of 8 bytes, has its
 * fields at the documented offsets, and each ioctl number encodes its
 * struct's size and the 'G' magic.  TAP output.
 */
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "gup_repro.h"
#include "../lib/tap.h"

static void ok(int cond, const char *what)
{
	tap_ok(cond, "%s", what);
}

#define STRUCT(type, cmd, want_size, nr)					\
	do {								\
		ok(sizeof(struct type) == (want_size),			\
		   #type " is " #want_size " bytes");			\
		ok(sizeof(struct type) % 8 == 0, #type " is a multiple of 8 bytes"); \
		ok(offsetof(struct type, size) == 0,			\
		   #type " starts with its size field");		\
		ok(_IOC_SIZE(cmd) == sizeof(struct type),		\
		   #cmd " encodes sizeof(struct " #type ")");		\
		ok(_IOC_TYPE(cmd) == 'G' && _IOC_NR(cmd) == (nr) &&	\
		   _IOC_DIR(cmd) == (_IOC_READ | _IOC_WRITE),		\
		   #cmd " is _IOWR('G', " #nr ")");			\
	} while (0)

int main(void)
{
	tap_start(0);
	STRUCT(gup_repro_info, GUP_REPRO_IOC_INFO, 24, 0);
	STRUCT(gup_repro_pin, GUP_REPRO_IOC_PIN, 32, 1);
	STRUCT(gup_repro_write, GUP_REPRO_IOC_WRITE, 24, 2);
	STRUCT(gup_repro_dirty, GUP_REPRO_IOC_DIRTY, 16, 3);
	STRUCT(gup_repro_page_state, GUP_REPRO_IOC_STATE, 56, 4);
	STRUCT(gup_repro_unpin, GUP_REPRO_IOC_UNPIN, 16, 5);
	ok(offsetof(struct gup_repro_pin, addr) == 16, "gup_repro_pin.addr at 16");
	ok(offsetof(struct gup_repro_pin, nr_pinned) == 24, "gup_repro_pin.nr_pinned at 24");
	ok(offsetof(struct gup_repro_page_state, pfn) == 8, "gup_repro_page_state.pfn at 8");
	ok(offsetof(struct gup_repro_page_state, flags) == 40, "gup_repro_page_state.flags at 40");
	ok(offsetof(struct gup_repro_write, pattern) == 16, "gup_repro_write.pattern at 16");
	ok((GUP_REPRO_PIN_FLAGS_MASK & (GUP_REPRO_PIN_WRITE | GUP_REPRO_PIN_LONGTERM |
	    GUP_REPRO_PIN_FAST)) == GUP_REPRO_PIN_FLAGS_MASK &&
	   GUP_REPRO_PIN_FLAGS_MASK == 7, "PIN flags mask covers exactly WRITE|LONGTERM|FAST");
	ok(GUP_REPRO_MAX_PAGES == 512, "GUP_REPRO_MAX_PAGES is 512");
	tap_plan_done();
	return tap_exit();
}
