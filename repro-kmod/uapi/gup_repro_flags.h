/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * gup_repro_flags.h - the folio-state vocabulary of gup-repro: one bit
 * order for the module's GUP_REPRO_IOC_STATE (struct
 * gup_repro_page_state.flags), the BPF probes' events (bpf/pintrace.h) and
 * the driver's /proc/kpageflags translation.  The names and letters are in
 * one table too, repro-user/include/folio_flags.h.
 *
 * No includes: the BPF object includes it beside vmlinux.h.
 */
#ifndef _UAPI_GUP_REPRO_FLAGS_H
#define _UAPI_GUP_REPRO_FLAGS_H

#define GUP_REPRO_F_DIRTY		0x0001U	/* folio_test_dirty() */
#define GUP_REPRO_F_WRITEBACK		0x0002U	/* folio_test_writeback() */
#define GUP_REPRO_F_UPTODATE		0x0004U	/* folio_test_uptodate() */
#define GUP_REPRO_F_LOCKED		0x0008U	/* folio_test_locked() */
#define GUP_REPRO_F_PRIVATE		0x0010U	/* folio_test_private() */
#define GUP_REPRO_F_BUFFERS		0x0020U	/* folio_buffers() != NULL */
#define GUP_REPRO_F_MAPPED		0x0040U	/* folio_mapped() */
#define GUP_REPRO_F_DMA_PINNED		0x0080U	/* folio_maybe_dma_pinned() */
#define GUP_REPRO_F_ANON		0x0100U	/* folio_test_anon() */
#define GUP_REPRO_F_FILE		0x0200U	/* has a file ->mapping */
#define GUP_REPRO_F_LARGE		0x0400U	/* folio_test_large() */

#endif /* _UAPI_GUP_REPRO_FLAGS_H */
