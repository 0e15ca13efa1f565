/*
 * netbsd.h - forced (-include) into a compile-only build of the bsd
 * backend: NetBSD's flags with NetBSD's values (sys/mman.h), so that its
 * branches are compiled here.  (PROT_MPROTECT also runs, emulated, in the
 * PaX variant: pax/.)
 */
#ifndef PAL_STANDIN_NETBSD_H
#define PAL_STANDIN_NETBSD_H

#define MAP_TRYFIXED 0x0400
#define MAP_ALIGNMENT_SHIFT 24
#define MAP_ALIGNED(n) ((n) << MAP_ALIGNMENT_SHIFT)
#define PROT_MPROTECT(x) ((x) << 3)

#endif
