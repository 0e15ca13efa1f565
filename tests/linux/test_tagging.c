/*
 * test_tagging.c - PAL_PROT_MTE and PAL_PROT_BTI for real (arm64):
 *
 *  - memory tagging: a page protected READ|WRITE|MTE, synchronous tag
 *    checks turned on for the thread (PR_SET_TAGGED_ADDR_CTRL), a granule
 *    given tag 3: access through a pointer tagged 3 works, through one
 *    tagged 0 faults with SIGSEGV and si_code SEGV_MTESERR;
 *  - branch protection: code on a page protected READ|EXEC|BTI: an
 *    indirect call to a `bti c` landing pad works, to an instruction that
 *    is not one ends with SIGILL.
 *
 * qemu-aarch64 (-cpu max, its default) emulates both in user mode; an arm64
 * VM with `-M virt,mte=on -cpu max` runs them on a real kernel.  Elsewhere
 * the feature bits are clear and the tests say why.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "lx_util.h"

#ifndef PR_SET_TAGGED_ADDR_CTRL
#define PR_SET_TAGGED_ADDR_CTRL 55
#endif
#ifndef PR_TAGGED_ADDR_ENABLE
#define PR_TAGGED_ADDR_ENABLE (1UL << 0)
#endif
#ifndef PR_MTE_TCF_SYNC
#define PR_MTE_TCF_SYNC (1UL << 1)
#endif
#ifndef PR_MTE_TAG_SHIFT
#define PR_MTE_TAG_SHIFT 3
#endif
#define SEGV_MTESERR_CODE 9 /* asm-generic/siginfo.h: synchronous tag check fault */

#if defined(__aarch64__)

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    _exit(si->si_code == SEGV_MTESERR_CODE ? 42 : 43);
}

/* In a child: sync tag checks, a granule tagged 3, then the access through
 * tag wrong_tag.  Exits 0 if the right-tag access worked and the wrong one
 * did not fault (that is a failure), 42 on SEGV_MTESERR. */
static int child_tag_check(void *arg)
{
    unsigned char *p = arg;
    uintptr_t right = (uintptr_t)p | ((uintptr_t)3 << 56);
    uintptr_t wrong = (uintptr_t)p;
    struct sigaction sa;

    if (prctl(PR_SET_TAGGED_ADDR_CTRL,
              PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC | (0xfffeUL << PR_MTE_TAG_SHIFT),
              0, 0, 0) != 0)
        return 3;
    /* stg x0, [x0] (encoded: Debian's assembler will not take MTE
     * instructions for plain armv8-a): the allocation tag of the 16-byte
     * granule at p becomes the pointer's, 3 */
    {
        register uintptr_t x0 __asm__("x0") = right;

        __asm__ volatile(".inst 0xd9200800" : : "r"(x0) : "memory");
    }
    *(volatile unsigned char *)right = 0x5a;
    if (*(volatile unsigned char *)right != 0x5a)
        return 4;
    th_memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    *(volatile unsigned char *)wrong = 0x5b; /* tag 0 against 3: must fault */
    return 0;
}

static void mte_tag_mismatch_faults(void)
{
    size_t ps = pal_mem_page_size();
    void *v;
    int st;

    if (!(pal_mem_features() & PAL_FEAT_MTE))
        SKIP("no memory tagging here (AT_HWCAP2 without HWCAP2_MTE: a CPU "
             "before ARMv8.5-MemTag, or qemu without -cpu max)");
    CHECK_OK(pal_mem_alloc(ps, &v));
    CHECK_OK(pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_MTE));
    st = th_child(child_tag_check, v);
    if (st == TH_CHILD_NONE)
        SKIP("no child processes");
    if (st == TH_CHILD_EXIT(3))
        SKIP("PR_SET_TAGGED_ADDR_CTRL refused (a kernel without CONFIG_ARM64_MTE)");
    CHECK_EQ(st, TH_CHILD_EXIT(42));
    /* back to a plain protection: untagged access works again */
    CHECK_OK(pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_WRITE));
    ((volatile unsigned char *)v)[0] = 1;
    CHECK_OK(pal_mem_free(v, ps));
}

/* a64: bti c; mov w0, #42; ret | mov w0, #43; ret */
static const uint32_t code[] = { 0xd503245f, 0x52800540, 0xd65f03c0,
                                 0x52800560, 0xd65f03c0 };

static int child_call_no_pad(void *arg)
{
    int (*f)(void) = (int (*)(void))((uintptr_t)arg + 3 * sizeof code[0]);

    return f() == 43 ? 0 : 1; /* returning at all is the failure */
}

static void bti_landing_pads(void)
{
    size_t ps = pal_mem_page_size();
    int (*pad)(void);
    void *v;
    int st;

    if (!(pal_mem_features() & PAL_FEAT_BTI))
        SKIP("no branch target identification here (AT_HWCAP2 without HWCAP2_BTI)");
    CHECK_OK(pal_mem_alloc(ps, &v));
    __builtin_memcpy(v, code, sizeof code);
    __builtin___clear_cache((char *)v, (char *)v + sizeof code);
    CHECK_OK(pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_EXEC | PAL_PROT_BTI));
    pad = (int (*)(void))(uintptr_t)v;
    CHECK_EQ(pad(), 42);
    st = th_child(child_call_no_pad, v);
    if (st == TH_CHILD_NONE)
        SKIP("no child processes");
    CHECK_EQ(st, TH_CHILD_SIGNAL(SIGILL));
    /* without BTI the same call works: the guard was what stopped it.  The
     * code is written again first: qemu-system-aarch64 7.2 (TCG) keeps code
     * it translated under one guard state until the code is written, and
     * would raise SIGILL on a page the kernel no longer guards (on real
     * hardware the rewrite changes nothing) */
    CHECK_OK(pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_WRITE));
    __builtin_memcpy(v, code, sizeof code);
    __builtin___clear_cache((char *)v, (char *)v + sizeof code);
    CHECK_OK(pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_EXEC));
    st = th_child(child_call_no_pad, v);
    CHECK_EQ(st, TH_CHILD_EXIT(0));
    CHECK_OK(pal_mem_free(v, ps));
}

#else

static void mte_tag_mismatch_faults(void)
{
    CHECK_EQ(pal_mem_features() & PAL_FEAT_MTE, 0);
    SKIP("memory tagging is arm64's (checked: PAL_FEAT_MTE clear here)");
}

static void bti_landing_pads(void)
{
    CHECK_EQ(pal_mem_features() & PAL_FEAT_BTI, 0);
    SKIP("branch target identification is arm64's (checked: PAL_FEAT_BTI clear here)");
}

#endif

const struct th_test th_tests[] = {
    TH(mte_tag_mismatch_faults),
    TH(bti_landing_pads),
    TH_END,
};
