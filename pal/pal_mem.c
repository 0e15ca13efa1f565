/*
 * pal_mem.c - the OS-neutral layer: argument checks, policy, statistics and
 * lazy initialisation.  Every public call checks all of its arguments here,
 * before the backend sees them, so a bad argument is PAL_EINVAL on every OS
 * (even one that would answer PAL_ENOSYS) and nothing has been touched.
 *
 * No locks and no libc: state is a few words read and written with atomics,
 * and racing initialisers compute the same values.
 */
#include "pal_mem.h"
#include "pal_os.h"

struct pal_os_stripe pal_os_stripes[PAL_STRIPES];

static size_t known_page_size;      /* 0 until initialised */
static size_t known_huge_page_size; /* written before known_page_size is published */
static unsigned policy = PAL_POLICY_DEFAULT;

/* Set once some memory may have lost read-write access where used cannot
 * see it, never cleared: the first unused under PAL_POLICY_HARD_DECOMMIT
 * (the policy may have changed since that memory was released), or the
 * first protect to anything but read-write (unused keeps a page's access
 * on Linux, and on the BSDs under a lazy release, so a page protected,
 * released and used again would come back with it).  From then on used
 * restores access (one mprotect more) whatever the policy in force.  A
 * process that never asks for hard decommit and never narrows an access
 * pays nothing for this. */
static unsigned access_removed;

#define POLICY_ALL (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT | \
                    PAL_POLICY_NO_THP | PAL_POLICY_THP_GRANULAR)
#define PROT_ALL (PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_EXEC | \
                  PAL_PROT_MTE | PAL_PROT_BTI)

const char *pal_strerror(int err)
{
    switch (err) {
    case PAL_OK: return "success";
    case PAL_EINVAL: return "invalid argument";
    case PAL_ENOMEM: return "out of address space, commit charge or mappings";
    case PAL_EACCES: return "access mode denied";
    case PAL_EAGAIN: return "temporarily not possible";
    case PAL_ENOSYS: return "not supported";
    case PAL_EEXIST: return "range already mapped";
    case PAL_EPERM: return "operation not permitted";
    case PAL_EOS: return "operating system error";
    default: return "unknown error";
    }
}

int pal_mem_init(void)
{
    size_t ps, hps;
    int err;

    if (__atomic_load_n(&known_page_size, __ATOMIC_ACQUIRE) != 0)
        return PAL_OK;
    err = pal_os_init(&ps, &hps);
    if (err != PAL_OK)
        return err;
    __atomic_store_n(&known_huge_page_size, hps, __ATOMIC_RELAXED);
    __atomic_store_n(&known_page_size, ps, __ATOMIC_RELEASE);
    return PAL_OK;
}

/* The page size, initialising on first use; 0 if the OS would not say. */
static size_t page(void)
{
    size_t ps = __atomic_load_n(&known_page_size, __ATOMIC_ACQUIRE);

    if (ps == 0 && pal_mem_init() == PAL_OK)
        ps = __atomic_load_n(&known_page_size, __ATOMIC_ACQUIRE);
    return ps;
}

size_t pal_mem_page_size(void)
{
    return page();
}

size_t pal_mem_huge_page_size(void)
{
    if (page() == 0)
        return 0;
    return __atomic_load_n(&known_huge_page_size, __ATOMIC_RELAXED);
}

unsigned pal_mem_features(void)
{
    if (page() == 0)
        return 0;
    return pal_os_features();
}

unsigned pal_mem_policy(void)
{
    return __atomic_load_n(&policy, __ATOMIC_RELAXED);
}

int pal_mem_set_policy(unsigned flags)
{
    if (flags & ~POLICY_ALL)
        return PAL_EINVAL;
    __atomic_store_n(&policy, flags, __ATOMIC_RELAXED);
    return PAL_OK;
}

static int key_is(const char *s, size_t len, const char *key)
{
    size_t i;

    for (i = 0; i < len && key[i] != '\0'; i++)
        if (s[i] != key[i])
            return 0;
    return i == len && key[i] == '\0';
}

int pal_mem_parse_policy(const char *s, unsigned *flags)
{
    static const struct { const char *key; unsigned bit; } keys[] = {
        { "madvdontneed", PAL_POLICY_DONTNEED },
        { "harddecommit", PAL_POLICY_HARD_DECOMMIT },
        { "disablethp", PAL_POLICY_NO_THP },
        { "thpgranular", PAL_POLICY_THP_GRANULAR },
    };
    unsigned f;

    if (s == NULL || flags == NULL)
        return PAL_EINVAL;
    f = pal_mem_policy();
    while (*s != '\0') {
        size_t len = 0, k;
        unsigned bit = 0;

        while (s[len] != '\0' && s[len] != '=' && s[len] != ',')
            len++;
        for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (key_is(s, len, keys[k].key))
                bit = keys[k].bit;
        /* exactly "key=0" or "key=1", then a comma before more, or the end */
        if (bit == 0 || s[len] != '=' || (s[len + 1] != '0' && s[len + 1] != '1'))
            return PAL_EINVAL;
        if (s[len + 1] == '1')
            f |= bit;
        else
            f &= ~bit;
        s += len + 2;
        if (*s == ',') {
            s++;
            if (*s == '\0')
                return PAL_EINVAL;
        } else if (*s != '\0') {
            return PAL_EINVAL;
        }
    }
    *flags = f;
    return PAL_OK;
}

int pal_mem_unused_zeroes(void)
{
    if (page() == 0)
        return 0;
    return pal_os_unused_zeroes(pal_mem_policy());
}

void pal_mem_get_stats(struct pal_mem_stats *out)
{
    size_t calls = 0, fallbacks = 0;
    int i;

    if (out == NULL)
        return;
    for (i = 0; i < PAL_STRIPES; i++) {
        calls += __atomic_load_n(&pal_os_stripes[i].calls, __ATOMIC_RELAXED);
        fallbacks += __atomic_load_n(&pal_os_stripes[i].fallbacks, __ATOMIC_RELAXED);
    }
    out->os_calls = calls;
    out->fallbacks = fallbacks;
}

/* Argument checks.  A zero page size means the OS would not tell it: every
 * range is then refused rather than guessed at. */
static int bad_size(size_t n)
{
    size_t ps = page();

    return ps == 0 || n == 0 || (n & (ps - 1)) != 0;
}

static int bad_range(const void *v, size_t n)
{
    uintptr_t p = (uintptr_t)v;

    return v == NULL || bad_size(n) || (p & (page() - 1)) != 0 || p + n <= p;
}

int pal_mem_reserve(void *hint, size_t n, void **out)
{
    if (out == NULL || bad_size(n))
        return PAL_EINVAL;
    if (hint != NULL && bad_range(hint, n))
        return PAL_EINVAL;
    return pal_os_reserve(hint, n, out);
}

int pal_mem_reserve_at(void *addr, size_t n)
{
    if (bad_range(addr, n))
        return PAL_EINVAL;
    return pal_os_reserve_at(addr, n);
}

int pal_mem_reserve_aligned(size_t n, size_t align, void **out)
{
    if (out == NULL || bad_size(n) || align < page() || (align & (align - 1)) != 0)
        return PAL_EINVAL;
    return pal_os_reserve_aligned(n, align, out);
}

int pal_mem_map(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_map(v, n, pal_mem_policy());
}

/* The policy used passes on: with PAL_POLICY_HARD_DECOMMIT once any
 * access may have been removed (access_removed), so that the backend
 * restores it. */
static unsigned used_policy(void)
{
    unsigned p = pal_mem_policy();

    if (__atomic_load_n(&access_removed, __ATOMIC_RELAXED))
        p |= PAL_POLICY_HARD_DECOMMIT;
    return p;
}

/* Noted before the backend removes any access, so that a used racing
 * with the change already restores it. */
static void note_access_removed(void)
{
    if (!__atomic_load_n(&access_removed, __ATOMIC_RELAXED))
        __atomic_store_n(&access_removed, 1, __ATOMIC_RELAXED);
}

/* The policy unused passes on, noting a first hard decommit. */
static unsigned unused_policy(void)
{
    unsigned p = pal_mem_policy();

    if (p & PAL_POLICY_HARD_DECOMMIT)
        note_access_removed();
    return p;
}

int pal_mem_used(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_used(v, n, used_policy());
}

int pal_mem_unused(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_unused(v, n, unused_policy());
}

int pal_mem_unused_ranges(const struct pal_mem_range *r, size_t count, size_t *done)
{
    size_t i, ignored;

    if (done == NULL)
        done = &ignored;
    if (count > 0 && r == NULL)
        return PAL_EINVAL;
    for (i = 0; i < count; i++)
        if (bad_range(r[i].v, r[i].n))
            return PAL_EINVAL;
    *done = 0;
    if (count == 0)
        return PAL_OK;
    return pal_os_unused_ranges(r, count, unused_policy(), done);
}

int pal_mem_populate(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_populate(v, n);
}

int pal_mem_alloc(size_t n, void **out)
{
    if (out == NULL || bad_size(n))
        return PAL_EINVAL;
    return pal_os_alloc(n, pal_mem_policy(), out);
}

int pal_mem_free(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_free(v, n);
}

int pal_mem_fault(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_fault(v, n);
}

/* Tag checking needs data access, branch protection needs code. */
static int bad_prot(unsigned prot)
{
    return (prot & ~PROT_ALL) != 0 ||
           ((prot & PAL_PROT_MTE) && !(prot & (PAL_PROT_READ | PAL_PROT_WRITE))) ||
           ((prot & PAL_PROT_BTI) && !(prot & PAL_PROT_EXEC));
}

int pal_mem_protect(void *v, size_t n, unsigned prot)
{
    if (bad_range(v, n) || bad_prot(prot))
        return PAL_EINVAL;
    if (prot != (PAL_PROT_READ | PAL_PROT_WRITE))
        note_access_removed();
    return pal_os_protect(v, n, prot);
}

int pal_mem_hugepage(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_hugepage(v, n);
}

int pal_mem_nohugepage(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_nohugepage(v, n);
}

int pal_mem_collapse(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_collapse(v, n);
}

int pal_mem_guard(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_guard(v, n);
}

int pal_mem_seal(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_seal(v, n);
}

/* Names as Linux accepts them for anonymous mappings (the strictest of the
 * OSes that have names): 1 to 79 printable characters, none of [ ] \ $ `. */
#define NAME_MAX_LEN 79

static int bad_name(const char *name)
{
    size_t i;

    if (name == NULL || name[0] == '\0')
        return 1;
    for (i = 0; name[i] != '\0'; i++) {
        char c = name[i];

        if (i == NAME_MAX_LEN || c < 0x20 || c > 0x7e || c == '[' || c == ']' ||
            c == '\\' || c == '$' || c == '`')
            return 1;
    }
    return 0;
}

int pal_mem_name(void *v, size_t n, const char *name)
{
    if (bad_range(v, n) || bad_name(name))
        return PAL_EINVAL;
    return pal_os_name(v, n, name);
}

int pal_mem_resident(const void *v, size_t n, size_t *bytes)
{
    if (bytes == NULL || bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_resident(v, n, bytes);
}

/* ---- explicit huge pages ---------------------------------------------- */

size_t pal_mem_huge_page_sizes(size_t *sizes, size_t max)
{
    if (page() == 0)
        return 0;
    if (sizes == NULL)
        max = 0;
    return pal_os_huge_page_sizes(sizes, max);
}

int pal_mem_alloc_huge(size_t n, size_t page_bytes, void **out)
{
    size_t sizes[8], count, i;

    if (out == NULL || bad_size(n))
        return PAL_EINVAL;
    if (page_bytes != 0 && (page_bytes < page() || (page_bytes & (page_bytes - 1)) != 0))
        return PAL_EINVAL;
    count = pal_os_huge_page_sizes(sizes, sizeof sizes / sizeof sizes[0]);
    if (count == 0)
        return PAL_ENOSYS;
    if (count > sizeof sizes / sizeof sizes[0])
        count = sizeof sizes / sizeof sizes[0];
    if (page_bytes == 0)
        page_bytes = sizes[0];
    for (i = 0; i < count && sizes[i] != page_bytes; i++)
        ;
    if (i == count || (n & (page_bytes - 1)) != 0)
        return PAL_EINVAL;
    return pal_os_alloc_huge(n, page_bytes, out);
}

/* ---- NUMA ------------------------------------------------------------- */

unsigned pal_mem_numa_nodes(void)
{
    unsigned nodes;

    if (page() == 0)
        return 1;
    nodes = pal_os_numa_nodes();
    return nodes == 0 ? 1 : nodes;
}

int pal_mem_current_node(unsigned *node)
{
    if (node == NULL)
        return PAL_EINVAL;
    if (page() == 0)
        return PAL_ENOSYS;
    return pal_os_current_node(node);
}

int pal_mem_bind_node(void *v, size_t n, unsigned node)
{
    unsigned nodes;

    if (bad_range(v, n))
        return PAL_EINVAL;
    nodes = pal_mem_numa_nodes();
    if (node >= nodes)
        return PAL_EINVAL;
    if (nodes == 1)
        return PAL_OK;
    return pal_os_bind_node(v, n, node);
}
