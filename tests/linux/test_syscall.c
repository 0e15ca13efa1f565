/*
 * test_syscall.c - the raw system call layer on this architecture: every
 * argument of a six-argument call arrives, and each error convention (a
 * negative result, mips's a3 flag, ppc's cr0.SO bit) comes back as -errno
 * with the value of this arch's defs, then as the right PAL code.
 *
 * pal-test: libc-free (built by the freestanding harness too).
 */
#include "pal_test.h"
#include "linux/sys_linux.h"

#define RW (LX_PROT_READ | LX_PROT_WRITE)
#define ANON (LX_MAP_PRIVATE | LX_MAP_ANONYMOUS)
#define SEEK_SET 0

/* page k of the test file holds pattern(k, i) at byte i: every page
 * differs from every other at every byte */
static unsigned char pattern(size_t k, size_t i)
{
    return (unsigned char)(k * 31 + i * 7 + 1);
}

static long anon(size_t n, long prot)
{
    return pal_arch_mmap(0, n, prot, ANON, -1, 0);
}

/* A file of three pages of pattern: a memfd, or where there is none (before
 * Linux 3.17, sandboxes) -1. */
static long pattern_file(size_t ps)
{
    long fd = pal_syscall6(LX_NR_memfd_create, (long)"pal-test", 0, 0, 0, 0, 0);
    long buf, w;
    size_t k, i, done;

    if (pal_sys_failed(fd))
        return -1;
    buf = anon(ps, RW);
    if (pal_sys_failed(buf))
        return -1;
    for (k = 0; k < 3; k++) {
        for (i = 0; i < ps; i++)
            ((unsigned char *)buf)[i] = pattern(k, i);
        for (done = 0; done < ps; done += (size_t)w) {
            w = pal_syscall6(LX_NR_write, fd, buf + (long)done, (long)(ps - done), 0, 0, 0);
            if (pal_sys_failed(w) || w == 0) {
                pal_syscall6(LX_NR_munmap, buf, (long)ps, 0, 0, 0, 0);
                return -1;
            }
        }
    }
    pal_syscall6(LX_NR_munmap, buf, (long)ps, 0, 0, 0, 0);
    return fd;
}

/* mmap(hint, one page, PROT_READ, MAP_PRIVATE, fd, 2 pages): the address,
 * the length, the protection, the flags, the descriptor and the offset must
 * all arrive, through this arch's mmap (six registers; mmap2's page offset
 * on 386, arm and mips; s390x's argument block). */
static void six_args_reach_mmap(void)
{
    size_t ps = pal_mem_page_size();
    long fd = pattern_file(ps), base, m, buf;
    unsigned char *hint, *p;
    size_t i;

    if (fd < 0)
        SKIP("memfd_create unavailable");
    /* a hint the kernel can honour: a range just given back */
    base = anon(4 * ps, LX_PROT_NONE);
    CHECK(!pal_sys_failed(base));
    CHECK_EQ(pal_syscall6(LX_NR_munmap, base, (long)(4 * ps), 0, 0, 0, 0), 0);
    hint = (unsigned char *)base + ps;

    m = pal_arch_mmap(hint, ps, LX_PROT_READ, LX_MAP_PRIVATE, fd, (long)(2 * ps));
    CHECK(!pal_sys_failed(m));
    p = (unsigned char *)m;
    if (p != hint)
        th_note("hint %p not honoured (mapped at %p): address not checked", hint, p);

    /* offset and descriptor: the bytes are those read() finds 2 pages in */
    buf = anon(ps, RW);
    CHECK(!pal_sys_failed(buf));
    CHECK_EQ(pal_syscall6(LX_NR_lseek, fd, (long)(2 * ps), SEEK_SET, 0, 0, 0), 2 * ps);
    CHECK_EQ(pal_syscall6(LX_NR_read, fd, buf, (long)ps, 0, 0, 0), ps);
    for (i = 0; i < ps; i++)
        if (p[i] != ((unsigned char *)buf)[i] || p[i] != pattern(2, i))
            break;
    CHECK_EQ(i, ps);

    /* protection: read-only; length: one page, the next one is free */
    CHECK_EQ(th_faults(p, 0), 0);
    CHECK_EQ(th_faults(p + ps - 1, 0), 0);
    CHECK_EQ(th_faults(p, 1), 1);
    if (p == hint)
        CHECK_EQ(th_faults(p + ps, 0), 1);

    CHECK_EQ(pal_syscall6(LX_NR_munmap, m, (long)ps, 0, 0, 0, 0), 0);
    CHECK_EQ(pal_syscall6(LX_NR_munmap, buf, (long)ps, 0, 0, 0, 0), 0);
    CHECK_EQ(pal_syscall6(LX_NR_close, fd, 0, 0, 0, 0, 0), 0);
}

/* copy_file_range(src, &off_in, dst, &off_out, len, flags): six registers
 * on every family, s390x included (whose mmap passes one pointer).  Each
 * argument leaves a trace: the bytes come from src at off_in, land in dst
 * at off_out, both offsets advance by len, and flags != 0 is refused. */
static void six_registers_reach_copy_file_range(void)
{
    size_t ps = pal_mem_page_size(), half = ps / 2, i;
    long src = pattern_file(ps), dst, buf, r;
    long long off_in = (long long)(2 * ps), off_out = (long long)ps;

    if (src < 0)
        SKIP("memfd_create unavailable");
    dst = pal_syscall6(LX_NR_memfd_create, (long)"pal-dst", 0, 0, 0, 0, 0);
    CHECK(!pal_sys_failed(dst));
    r = pal_syscall6(LX_NR_copy_file_range, src, (long)&off_in, dst, (long)&off_out,
                     (long)half, 0);
    if (r == -LX_ENOSYS || r == -LX_EXDEV)
        SKIP("copy_file_range unavailable between memfds here (Linux < 5.3)");
    CHECK_EQ(r, half);
    CHECK_EQ(off_in, 2 * ps + half);
    CHECK_EQ(off_out, ps + half);
    buf = anon(ps, RW);
    CHECK(!pal_sys_failed(buf));
    CHECK_EQ(pal_syscall6(LX_NR_lseek, dst, (long)ps, SEEK_SET, 0, 0, 0), ps);
    CHECK_EQ(pal_syscall6(LX_NR_read, dst, buf, (long)ps, 0, 0, 0), half);
    for (i = 0; i < half; i++)
        if (((unsigned char *)buf)[i] != pattern(2, i))
            break;
    CHECK_EQ(i, half);
    CHECK_EQ(pal_syscall6(LX_NR_copy_file_range, src, (long)&off_in, dst,
                          (long)&off_out, (long)half, 1), -LX_EINVAL);
    CHECK_EQ(pal_syscall6(LX_NR_munmap, buf, (long)ps, 0, 0, 0, 0), 0);
    CHECK_EQ(pal_syscall6(LX_NR_close, dst, 0, 0, 0, 0, 0), 0);
    CHECK_EQ(pal_syscall6(LX_NR_close, src, 0, 0, 0, 0, 0), 0);
}

/* mmap2 counts the offset in 4096-byte units: one that is not a multiple
 * cannot be passed, and must fail rather than be rounded.  (Everywhere else
 * the kernel refuses it too.) */
static void unaligned_offset_refused(void)
{
    size_t ps = pal_mem_page_size();
    long fd = pattern_file(ps);
    long r;

    if (fd < 0)
        SKIP("memfd_create unavailable");
    r = pal_arch_mmap(0, ps, LX_PROT_READ, LX_MAP_PRIVATE, fd, 2048);
    CHECK_EQ(r, -LX_EINVAL);
    CHECK_EQ(pal_syscall6(LX_NR_close, fd, 0, 0, 0, 0, 0), 0);
}

static void einval_from_unaligned_madvise(void)
{
    size_t ps = pal_mem_page_size();
    long m = anon(2 * ps, RW), r;

    CHECK(!pal_sys_failed(m));
    r = pal_syscall6(LX_NR_madvise, m + 1, (long)ps, LX_MADV_DONTNEED, 0, 0, 0);
    CHECK_EQ(r, -LX_EINVAL);
    CHECK(pal_sys_failed(r));
    CHECK_EQ(pal_sys_error(r), PAL_EINVAL);
    CHECK_EQ(pal_syscall6(LX_NR_munmap, m, (long)(2 * ps), 0, 0, 0, 0), 0);
}

static void enomem_from_mprotect_unmapped(void)
{
    size_t ps = pal_mem_page_size();
    long m = anon(2 * ps, LX_PROT_NONE), r;

    CHECK(!pal_sys_failed(m));
    CHECK_EQ(pal_syscall6(LX_NR_munmap, m, (long)(2 * ps), 0, 0, 0, 0), 0);
    r = pal_syscall6(LX_NR_mprotect, m, (long)ps, LX_PROT_READ, 0, 0, 0);
    if (r == 0 && sizeof(long) == 4)
        SKIP("mprotect of an unmapped range succeeded: qemu-user (7.2) does "
             "that on 32-bit guests, whose whole address space it reserves");
    CHECK_EQ(r, -LX_ENOMEM);
    CHECK_EQ(pal_sys_error(r), PAL_ENOMEM);
}

static void eexist_from_fixed_noreplace(void)
{
    size_t ps = pal_mem_page_size();
    long m = anon(ps, RW), r;

    CHECK(!pal_sys_failed(m));
    r = pal_arch_mmap((void *)m, ps, RW, ANON | LX_MAP_FIXED_NOREPLACE, -1, 0);
    /* Taken as a hint: placed elsewhere, or, under qemu-user 7.2 for
     * loong64 about once in 40 runs, refused with ENOMEM (a kernel that
     * knows the flag answers EEXIST before it looks for room). */
    if ((!pal_sys_failed(r) && r != m) || r == -LX_ENOMEM) {
        if (!pal_sys_failed(r))
            pal_syscall6(LX_NR_munmap, r, (long)ps, 0, 0, 0, 0);
        pal_syscall6(LX_NR_munmap, m, (long)ps, 0, 0, 0, 0);
        SKIP("MAP_FIXED_NOREPLACE taken as a hint (a kernel before 4.17, "
             "or an emulator without it: qemu-user 7.2)");
    }
    CHECK_EQ(r, -LX_EEXIST);
    CHECK_EQ(pal_sys_error(r), PAL_EEXIST);
    CHECK_EQ(pal_syscall6(LX_NR_munmap, m, (long)ps, 0, 0, 0, 0), 0);
}

/* A number past every table: mips numbers from 4000 (o32) or 5000 (n64),
 * the others from 0. */
static void enosys_from_unknown_number(void)
{
    long base = LX_NR_read - LX_NR_read % 1000;
    long r = pal_syscall6(base + 4095, 0, 0, 0, 0, 0, 0);

    CHECK_EQ(r, -LX_ENOSYS);
    CHECK_EQ(pal_sys_error(r), PAL_ENOSYS);
    /* and the table is this arch's: ENOSYS is 89 on mips, 38 elsewhere */
    CHECK_EQ(LX_ENOSYS, base >= 4000 ? 89 : 38);
}

/* Any errno without a PAL code of its own is PAL_EOS. */
static void ebadf_is_eos(void)
{
    long r = pal_syscall6(LX_NR_close, -1, 0, 0, 0, 0, 0);

    CHECK_EQ(r, -LX_EBADF);
    CHECK_EQ(pal_sys_error(r), PAL_EOS);
}

/* Success values are never taken for errors: 0, a pid, and everything
 * below -4095 (addresses in the top half of a 32-bit space). */
static void results_pass_through(void)
{
    size_t ps = pal_mem_page_size();
    long m = anon(ps, RW);

    CHECK(!pal_sys_failed(m));
    CHECK_EQ(pal_syscall6(LX_NR_write, 1, m, 0, 0, 0, 0), 0);
    CHECK_EQ(pal_syscall6(LX_NR_getpid, 0, 0, 0, 0, 0, 0) > 0, 1);
    CHECK(!pal_sys_failed((long)(-4096L)));
    CHECK(pal_sys_failed(-1L) && pal_sys_failed(-4095L));
    CHECK_EQ(pal_syscall6(LX_NR_munmap, m, (long)ps, 0, 0, 0, 0), 0);
}

/* On 32-bit targets, mappings in the top half of the address space (a
 * 64-bit kernel gives 32-bit processes all 4 GiB; qemu-user honours fixed
 * addresses up to 0xffffe000 on i386 and arm) are negative as longs: they
 * must come back as addresses, up to the last page below the error range,
 * through the raw layer and through the library.  Each candidate is tried
 * where it is free; none free is a skip. */
static void top_half_addresses_come_back(void)
{
    size_t ps = pal_mem_page_size(), i, placed = 0;
    uintptr_t cand[4];
    long r;

    if (sizeof(long) > 4)
        SKIP("64-bit: user addresses are positive as longs");
    cand[0] = (uintptr_t)0xffffe000u & ~(uintptr_t)(ps - 1); /* (long)-8192 */
    cand[1] = (uintptr_t)0xf0000000u;
    cand[2] = (uintptr_t)0xc0000000u;
    cand[3] = (uintptr_t)0x80000000u;
    for (i = 0; i < 4; i++) {
        unsigned char *p = (unsigned char *)cand[i];

        r = pal_arch_mmap(p, ps, RW, ANON | LX_MAP_FIXED_NOREPLACE, -1, 0);
        if (pal_sys_failed(r))
            continue;
        if ((uintptr_t)r != cand[i]) { /* taken as a hint and placed elsewhere */
            pal_syscall6(LX_NR_munmap, r, (long)ps, 0, 0, 0, 0);
            continue;
        }
        p[0] = 0x42;
        p[ps - 1] = 0x43;
        CHECK_EQ(p[0] + p[ps - 1], 0x85);
        CHECK_EQ(pal_syscall6(LX_NR_munmap, r, (long)ps, 0, 0, 0, 0), 0);
        /* and through the library: exact placement answers PAL_OK */
        CHECK_OK(pal_mem_reserve_at(p, ps));
        CHECK_OK(pal_mem_map(p, ps));
        CHECK_OK(pal_mem_used(p, ps));
        p[0] = 0x44;
        CHECK_EQ(p[0], 0x44);
        CHECK_OK(pal_mem_free(p, ps));
        th_note("0x%lx: placed, written, freed", (unsigned long)cand[i]);
        placed++;
    }
    if (placed == 0)
        SKIP("no address above 0x80000000 can be mapped here (a 32-bit "
             "kernel, or qemu-user for this arch, keeps that half)");
}

const struct th_test th_tests[] = {
    TH(six_args_reach_mmap),
    TH(six_registers_reach_copy_file_range),
    TH(unaligned_offset_refused),
    TH(einval_from_unaligned_madvise),
    TH(enomem_from_mprotect_unmapped),
    TH(eexist_from_fixed_noreplace),
    TH(enosys_from_unknown_number),
    TH(ebadf_is_eos),
    TH(results_pass_through),
    TH(top_half_addresses_come_back),
    TH_END,
};
