/*
 * test_pax.c - in the PaX variant of the bsd suite only: the emulation
 * bites (so the rest of the suite run beside it means something), and the
 * reproducer of a hard decommit under PaX MPROTECT.
 */
#include <sys/mman.h>

#include "pal_test.h"
#include "pax_standin.h"

/* A mapping made PROT_NONE cannot be made writable; one made with
 * PROT_MPROTECT(PROT_READ | PROT_WRITE) can. */
static void emulation_refuses_what_pax_refuses(void)
{
    size_t ps = pal_mem_page_size();
    void *a = mmap(NULL, ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *b = mmap(NULL, ps, PROT_NONE | PROT_MPROTECT(PROT_READ | PROT_WRITE),
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    CHECK(a != MAP_FAILED && b != MAP_FAILED);
    CHECK_EQ(mprotect(a, ps, PROT_READ | PROT_WRITE), -1);
    CHECK_EQ(mprotect(b, ps, PROT_READ | PROT_WRITE), 0);
    *(volatile char *)b = 1;
    CHECK_EQ(munmap(a, ps), 0);
    CHECK_EQ(munmap(b, ps), 0);
}

/* unused under harddecommit replaces the range with a fresh PROT_NONE
 * mapping; used must be able to make it writable again, under any policy
 * (issue: NetBSD with PaX MPROTECT answered used with PAL_EACCES). */
static void used_after_hard_decommit(void)
{
    unsigned old = pal_mem_policy();
    size_t n = 4 * pal_mem_page_size();
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    CHECK_OK(pal_mem_map(v, n));
    CHECK_OK(pal_mem_used(v, n));
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT));
    CHECK_OK(pal_mem_unused(v, n));
    CHECK_OK(pal_mem_used(v, n));
    th_memset(v, 3, n);
    CHECK_OK(pal_mem_unused(v, n));
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    CHECK_OK(pal_mem_used(v, n));
    th_memset(v, 4, n);
    CHECK(th_all_bytes(v, n, 4));
    CHECK_OK(pal_mem_free(v, n));
    CHECK_OK(pal_mem_set_policy(old));
}

const struct th_test th_tests[] = {
    TH(emulation_refuses_what_pax_refuses),
    TH(used_after_hard_decommit),
    TH_END,
};
