/*
 * test_facts_raw.c - the facts of test_facts.c that need no libc, so that
 * they hold on every Linux target, the libc-free ones (loong64) included:
 * the page size against AT_PAGESZ in /proc/self/auxv, THP's size and
 * PAL_FEAT_THP against /sys/kernel/mm/transparent_hugepage, and
 * PAL_PROT_EXEC by running code (a function returning 42, per
 * architecture) and reading the mapping's permissions back from
 * /proc/self/maps.  Files are read with raw openat(O_RDONLY: 0 on every
 * architecture, so no constant is shared with the library) and read.
 *
 * pal-test: libc-free (built by the freestanding harness too).
 */
#include "pal_test.h"
#include "linux/sys_linux.h"

static char text[1 << 16];

/* A whole file (up to sizeof text) into text, NUL-terminated; its length,
 * or -errno of the open. */
static long read_text(const char *path)
{
    long fd = pal_sys_openat(LX_AT_FDCWD, path, 0), got = 0, r;

    text[0] = '\0';
    if (pal_sys_failed(fd))
        return fd;
    while ((size_t)got < sizeof text - 1 &&
           (r = pal_sys_read(fd, text + got, sizeof text - 1 - (size_t)got)) > 0)
        got += r;
    pal_sys_close(fd);
    text[got] = '\0';
    return got;
}

static unsigned long long decimal(const char *s)
{
    unsigned long long v = 0;

    while (*s >= '0' && *s <= '9')
        v = v * 10 + (unsigned long long)(*s++ - '0');
    return v;
}

static void page_size_matches_auxv(void)
{
    const unsigned long *a = (const unsigned long *)(void *)text;
    long n = read_text("/proc/self/auxv");
    unsigned long pagesz = 0;
    const char *want = th_getenv("PAL_TEST_PAGE_SIZE");
    long i;

    if (n <= 0)
        SKIP("no /proc/self/auxv (procfs not mounted): nothing to compare with");
    for (i = 0; (i + 2) * (long)sizeof *a <= n && a[i] != 0; i += 2)
        if (a[i] == 6 /* AT_PAGESZ */)
            pagesz = a[i + 1];
    CHECK(pagesz != 0);
    CHECK_EQ(pal_mem_page_size(), pagesz);
    if (want != NULL)
        CHECK_EQ(pal_mem_page_size(), decimal(want));
}

/* Absent, or mode "never" (the bracketed word of enabled is the mode in
 * force): no huge page size and no PAL_FEAT_THP; else hpage_pmd_size's. */
static void thp_matches_sys(void)
{
    unsigned feats = pal_mem_features();
    const char *m;

    if (read_text("/sys/kernel/mm/transparent_hugepage/enabled") <= 0) {
        th_note("no /sys/kernel/mm/transparent_hugepage/enabled: no THP, none may be reported");
        CHECK_EQ(pal_mem_huge_page_size(), 0);
        CHECK_EQ(feats & PAL_FEAT_THP, 0);
        return;
    }
    m = th_strstr(text, "[");
    CHECK(m != NULL);
    if (th_strncmp(m, "[never]", 7) == 0) {
        th_note("THP mode never");
        CHECK_EQ(pal_mem_huge_page_size(), 0);
        CHECK_EQ(feats & PAL_FEAT_THP, 0);
        return;
    }
    th_note("THP mode %c%c%c...", m[1], m[2], m[3]);
    CHECK(read_text("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") > 0);
    CHECK_EQ(pal_mem_huge_page_size(), decimal(text));
    CHECK(feats & PAL_FEAT_THP);
}

/* The machine code of a function returning 42 into code; its length in
 * bytes, 0 where this file has none.  32-bit words in the CPU's order. */
static size_t return_42(unsigned char *code)
{
#if defined(__x86_64__) || defined(__i386__)
    static const unsigned char c[] = { 0xb8, 0x2a, 0, 0, 0, 0xc3 }; /* mov $42,%eax; ret */
#elif defined(__aarch64__)
    static const uint32_t c[] = { 0x52800540, 0xd65f03c0 }; /* mov w0,#42; ret */
#elif defined(__arm__)
    /* A32: a call to an even address runs in ARM state, bx returns to a
     * Thumb caller */
    static const uint32_t c[] = { 0xe3a0002a, 0xe12fff1e }; /* mov r0,#42; bx lr */
#elif defined(__riscv)
    static const uint32_t c[] = { 0x02a00513, 0x00008067 }; /* li a0,42; ret */
#elif defined(__mips__)
    static const uint32_t c[] = { 0x03e00008, 0x2402002a }; /* jr $ra; li $v0,42 (delay slot) */
#elif defined(__powerpc64__)
    static const uint32_t c[] = { 0x3860002a, 0x4e800020 }; /* li r3,42; blr */
#elif defined(__s390x__)
    static const unsigned char c[] = { 0xa7, 0x29, 0x00, 0x2a, 0x07, 0xfe }; /* lghi %r2,42; br %r14 */
#elif defined(__loongarch__)
    static const uint32_t c[] = { 0x0280a804, 0x4c000020 }; /* addi.w $a0,$zero,42; jirl $zero,$ra,0 */
#else
    static const unsigned char c[1] = { 0 };
    (void)code;
    return 0;
#endif
    size_t i;

    for (i = 0; i < sizeof c; i++)
        code[i] = ((const unsigned char *)c)[i];
    return sizeof c;
}

/* The permissions ("rwxp") of the /proc/self/maps line holding p, into
 * perms; 0 if no line holds it. */
static int maps_perms(const void *p, char perms[5])
{
    const char *s = text;
    int i;

    if (read_text("/proc/self/maps") <= 0)
        return 0;
    while (*s != '\0') {
        uintptr_t lo = 0, hi = 0;

        for (; *s != '-' && *s != '\0'; s++)
            lo = lo * 16 + (uintptr_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
        for (s += *s == '-'; *s != ' ' && *s != '\0'; s++)
            hi = hi * 16 + (uintptr_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
        if (lo <= (uintptr_t)p && (uintptr_t)p < hi && *s == ' ') {
            for (i = 0; i < 4 && s[i + 1] != '\0'; i++)
                perms[i] = s[i + 1];
            perms[i] = '\0';
            return 1;
        }
        while (*s != '\n' && *s != '\0')
            s++;
        s += *s == '\n';
    }
    return 0;
}

/* PAL_PROT_EXEC: the code runs and maps shows x; taken away, maps shows
 * none. */
static void exec_runs_and_maps_shows_it(void)
{
    size_t ps = pal_mem_page_size(), len;
    unsigned char *code = NULL;
    char perms[5];
    int (*fn)(void);
#if defined(__powerpc64__) && (!defined(_CALL_ELF) || _CALL_ELF == 1)
    /* ELFv1: a function pointer is a descriptor (entry, TOC, environment) */
    void *descriptor[3];
#endif

    CHECK_OK(pal_mem_alloc(ps, (void **)&code));
    len = return_42(code);
    if (len == 0) {
        (void)pal_mem_free(code, ps);
        SKIP("no machine code for this architecture in the test");
    }
    CHECK_OK(pal_mem_protect(code, ps, PAL_PROT_READ | PAL_PROT_EXEC));
#if defined(__loongarch__)
    __asm__ volatile("ibar 0" ::: "memory");
#else
    __builtin___clear_cache((char *)code, (char *)code + len);
#endif
    if (!maps_perms(code, perms)) {
        (void)pal_mem_free(code, ps);
        SKIP("no /proc/self/maps line for the code (procfs not mounted)");
    }
    th_note("after protect(READ|EXEC): %s", perms);
    CHECK(th_strncmp(perms, "r-x", 3) == 0);
#if defined(__powerpc64__) && (!defined(_CALL_ELF) || _CALL_ELF == 1)
    descriptor[0] = code;
    descriptor[1] = descriptor[2] = NULL;
    fn = (int (*)(void))(void *)descriptor;
#else
    fn = (int (*)(void))(void *)code;
#endif
    CHECK_EQ(fn(), 42);
    CHECK_OK(pal_mem_protect(code, ps, PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK(maps_perms(code, perms));
    CHECK(th_strncmp(perms, "rw-", 3) == 0);
    CHECK_OK(pal_mem_protect(code, ps, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_EXEC));
    CHECK(maps_perms(code, perms));
    CHECK(th_strncmp(perms, "rwx", 3) == 0);
    CHECK_OK(pal_mem_free(code, ps));
}

const struct th_test th_tests[] = {
    TH(page_size_matches_auxv),
    TH(thp_matches_sys),
    TH(exec_runs_and_maps_shows_it),
    TH_END
};
