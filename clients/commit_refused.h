/* commit_refused.h - the clients' test of giving memory back while the
 * kernel refuses any new commit charge (refused_test), which
 * jemalloc/purge_refused.c and mimalloc/reset_refused.c run with their
 * allocator: one test, so that both check the same.  Each is built as one
 * file by its run.sh, so the functions here are static.
 *
 * The process lowers its RLIMIT_DATA below what it uses: from then on the
 * kernel refuses every private writable mapping and every mprotect that
 * makes memory writable with ENOMEM, as it does at the commit limit under
 * vm.overcommit_memory=2, while the memory the process has stays usable. */
#ifndef CLIENTS_COMMIT_REFUSED_H
#define CLIENTS_COMMIT_REFUSED_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Resident memory not lazily freed, in KiB, from /proc/self/smaps_rollup:
 * what the allocator gives back shows there whether the pages went at once
 * (Rss falls) or lazily (LazyFree grows).  No stdio: its buffers would be
 * allocated under the limit. */
static long held_kib(void)
{
    static char buf[4096];
    long rss = -1, lazy = -1;
    ssize_t n = 0, r;
    char *p;
    int fd = open("/proc/self/smaps_rollup", O_RDONLY);

    if (fd < 0)
        return -1;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    for (p = buf; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (strncmp(p, "Rss:", 4) == 0)
            rss = strtol(p + 4, NULL, 10);
        else if (strncmp(p, "LazyFree:", 9) == 0)
            lazy = strtol(p + 9, NULL, 10);
    }
    return rss < 0 || lazy < 0 ? -1 : rss - lazy;
}

/* Lowers RLIMIT_DATA to one page and checks that the kernel now refuses a
 * writable private page.  0 when it does; else the test's exit status,
 * its line printed where there is one: 77 (skipped) where the kernel
 * ignores RLIMIT_DATA (boot option ignore_rlimit_data), 1 where the limit
 * could not be read or set.  stdout's buffer must exist before (a printf
 * allocates it). */
static int refuse_commit_charge(void)
{
    struct rlimit rl;
    void *probe;

    if (getrlimit(RLIMIT_DATA, &rl) != 0)
        return 1;
    /* one page, not 0: a soft limit of 0 under a higher hard limit is
     * let through (the kernel's exception for Valgrind) */
    rl.rlim_cur = 4096;
    if (setrlimit(RLIMIT_DATA, &rl) != 0) {
        printf("FAIL: setrlimit(RLIMIT_DATA, 4096): %s\n", strerror(errno));
        return 1;
    }
    /* the kernel's answer, not the allocator's: a writable private page
     * must now be refused */
    probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe != MAP_FAILED) {
        printf("skipped: the kernel ignores RLIMIT_DATA (ignore_rlimit_data)\n");
        return 77;
    }
    return 0;
}

/* What a test of one allocator names and calls. */
struct refused_test {
    const char *name;
    unsigned char **block; /* count of them, outside the allocator's heap */
    size_t count, size;
    void *(*alloc)(size_t);
    const char *alloc_name;
    void (*free)(void *);
    void (*after_frees)(void); /* where the allocator wants a nudge, or NULL */
    int (*mark)(size_t i);     /* the byte block i is written with */
    const char *after_giving_back, *given_back; /* "after the purges", "purged" */
    const char *setting;       /* what makes every free give pages back */
};

/* Allocates every block and writes it all over with mark(i + round): each
 * round of writes differs from the one before.  0, or 1 with its FAIL line
 * printed where the allocator had no memory (when: "before the limit",
 * "after the purges"). */
static int write_blocks(const struct refused_test *t, size_t round, const char *when)
{
    size_t i;

    for (i = 0; i < t->count; i++) {
        t->block[i] = t->alloc(t->size);
        if (t->block[i] == NULL) {
            printf("FAIL: %s of block %zu %s: out of memory\n", t->alloc_name, i, when);
            return 1;
        }
        memset(t->block[i], t->mark(i + round), t->size);
    }
    return 0;
}

/* 0 when every byte of every block holds what write_blocks(t, round)
 * wrote; else 1 with the first byte that does not printed. */
static int check_blocks(const struct refused_test *t, size_t round)
{
    size_t i, k;

    for (i = 0; i < t->count; i++)
        for (k = 0; k < t->size; k++)
            if (t->block[i][k] != (unsigned char)t->mark(i + round)) {
                printf("FAIL: block %zu byte %zu reads %u\n", i, k, t->block[i][k]);
                return 1;
            }
    return 0;
}

/* The test: the blocks written, new commit charge refused, every block
 * freed, at least half of their pages seen given back, and the blocks
 * allocated, written and read back again: memory the allocator counts as
 * committed after giving its pages back must be usable without a commit.
 * The program's exit status: 0 passed, 77 skipped, 1 failed (or a
 * signal, where the allocator aborts or writes to memory it left
 * inaccessible). */
static int refused_test(const struct refused_test *t)
{
    size_t i;
    long before, after;
    int rc;

    /* stdout's buffer before the limit: printf allocates it */
    printf("%s: %zu blocks of %zu bytes\n", t->name, t->count, t->size);
    fflush(stdout);
    if (write_blocks(t, 0, "before the limit") != 0)
        return 1;
    rc = refuse_commit_charge();
    if (rc != 0)
        return rc;
    before = held_kib();
    for (i = 0; i < t->count; i++)
        t->free(t->block[i]);
    if (t->after_frees != NULL)
        t->after_frees();
    after = held_kib();
    if (before < 0 || after < 0) {
        printf("FAIL: cannot read Rss and LazyFree in /proc/self/smaps_rollup\n");
        return 1;
    }
    /* at least half (a page or two may stay cached in the heap) */
    if (before - after < (long)(t->count * t->size / 1024 / 2)) {
        printf("FAIL: the frees gave back %ld KiB, not the pages of %zu KiB of blocks (is %s set?)\n",
               before - after, t->count * t->size / 1024, t->setting);
        return 1;
    }
    /* the same memory again, given back and (to the allocator) committed */
    if (write_blocks(t, 1, t->after_giving_back) != 0 || check_blocks(t, 1) != 0)
        return 1;
    printf("ok: %ld KiB %s, then %zu blocks written and read back there\n", before - after,
           t->given_back, t->count);
    return 0;
}

#endif
