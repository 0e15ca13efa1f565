/*
 * freebsd.h - forced (-include) into a build of the bsd backend on this
 * Linux host that only compiles: FreeBSD's declarations the backend's
 * FreeBSD branches use, with FreeBSD's values (sys/mman.h, sys/sysctl.h),
 * so that those branches are at least compiled here.  Nothing built with
 * it runs: Linux would take these flags for others.
 */
#ifndef PAL_STANDIN_FREEBSD_H
#define PAL_STANDIN_FREEBSD_H

/* the system headers first, before __FreeBSD__ (gcc's own stddef.h
 * would look for FreeBSD's headers); their guards keep them from being
 * read again */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#define __FreeBSD__ 14

#define MAP_GUARD 0x00002000
#define MAP_EXCL 0x00004000
#define MAP_ALIGNMENT_SHIFT 24
#define MAP_ALIGNED(n) ((n) << MAP_ALIGNMENT_SHIFT)
#define MAP_ALIGNED_SUPER MAP_ALIGNED(1)

#define SHM_ANON ((char *)1)
#define SHM_LARGEPAGE_ALLOC_DEFAULT 0
#define SHM_LARGEPAGE_ALLOC_NOWAIT 1
#define SHM_LARGEPAGE_ALLOC_HARD 2

int getpagesizes(size_t pagesize[], int nelem);
int shm_create_largepage(const char *path, int flags, int psind, int alloc_policy,
                         mode_t mode);
int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, const void *newp,
                 size_t newlen);

#endif
