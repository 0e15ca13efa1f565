/*
 * pax_standin.h - forced into the bsd backend (-include) for the PaX
 * variant of the suite: NetBSD's PROT_MPROTECT, as <sys/mman.h> defines it
 * there, on a Linux host whose headers lack it.  pax_mprotect.c strips the
 * bits again before Linux sees them and enforces what they mean.
 */
#ifndef PAL_PAX_STANDIN_H
#define PAL_PAX_STANDIN_H

#define PROT_MPROTECT(x) ((x) << 3)
#define PROT_MPROTECT_EXTRACT(x) (((x) >> 3) & 0x7)

#endif
