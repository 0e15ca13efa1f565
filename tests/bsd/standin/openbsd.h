/*
 * openbsd.h - forced (-include) into a compile-only build of the bsd
 * backend: OpenBSD's __MAP_NOREPLACE and mimmutable (7.3+, OpenBSD >=
 * 202304) with OpenBSD's values, so that its branches are compiled here.
 */
#ifndef PAL_STANDIN_OPENBSD_H
#define PAL_STANDIN_OPENBSD_H

/* the system headers first, before __OpenBSD__ (see freebsd.h) */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <unistd.h>

#define __OpenBSD__ 1
#define OpenBSD 202310
#define __MAP_NOREPLACE 0x0800

int mimmutable(void *addr, size_t len);

#endif
