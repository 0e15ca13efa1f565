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
#include "pal_ranges.h"

/* in one unit, pal_os.h's static declaration is their definition */
#if !defined(PAL_ONE_UNIT) || defined(PAL_OS_EXPOSED)
struct pal_os_stripe pal_os_stripes[PAL_STRIPES];
#endif

static size_t known_page_size;      /* 0 until initialised */
/* The page size less one once initialised, all ones before: no range
 * passes a check against it until then (bad_range_mask), so that a hot
 * call's check needs no other word to tell that initialisation is done.
 * Published after known_page_size and all the backend learnt at init. */
static size_t known_page_mask = (size_t)-1;
static size_t known_huge_page_size; /* written before known_page_size is published */
static unsigned policy = PAL_POLICY_DEFAULT;

/* The ranges that may have lost read-write access where used cannot see
 * it: released under PAL_POLICY_HARD_DECOMMIT (the policy may have changed
 * since), or protected or acquired to anything but read-write (unused
 * keeps a page's access on Linux, and on the BSDs under a lazy release, so
 * a page protected, released and used again would come back with it).
 * used on a range overlapping one of them restores access (one mprotect
 * more) whatever the policy in force; any other range pays nothing for
 * them (the cost promise).  Full, the record answers for every range: all
 * used restore access from then on (pal_ranges.h). */
static struct pal_ranges narrowed;

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
    __atomic_store_n(&known_page_mask, ps - 1, __ATOMIC_RELEASE);
    return PAL_OK;
}

/* The first call's initialisation, out of every call's way. */
PAL_COLD
static size_t page_size_first(void)
{
    return pal_mem_init() == PAL_OK ? __atomic_load_n(&known_page_size, __ATOMIC_ACQUIRE) : 0;
}

/* The page size, initialising on first use; 0 if the OS would not say.
 * Once known, one load: every call's argument check starts here. */
static inline size_t mem_page_size(void)
{
    size_t ps = __atomic_load_n(&known_page_size, __ATOMIC_ACQUIRE);

    return ps != 0 ? ps : page_size_first();
}

size_t pal_mem_page_size(void)
{
    return mem_page_size();
}

size_t pal_mem_huge_page_size(void)
{
    size_t ps, hps;

    if (mem_page_size() == 0)
        return 0;
    hps = __atomic_load_n(&known_huge_page_size, __ATOMIC_RELAXED);
    /* not learnt at init (pal_os.h): asked again, 0 until known */
    if (hps == PAL_OS_SIZE_UNKNOWN && pal_os_init(&ps, &hps) == PAL_OK &&
        hps != PAL_OS_SIZE_UNKNOWN)
        __atomic_store_n(&known_huge_page_size, hps, __ATOMIC_RELAXED);
    return hps != PAL_OS_SIZE_UNKNOWN ? hps : 0;
}

unsigned pal_mem_features(void)
{
    if (mem_page_size() == 0)
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
    if (mem_page_size() == 0)
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
    size_t ps = mem_page_size();

    return ps == 0 || n == 0 || (n & (ps - 1)) != 0;
}

/* A range's check against the page size less one (all ones where the
 * size is not known: then every range but NULL fails on its bits, and
 * NULL fails anyway).  It holds bad_size's checks in fewer instructions
 * (it is on every call's path): n == 0 fails the wrap check. */
static int bad_range_mask(const void *v, size_t n, size_t mask)
{
    uintptr_t p = (uintptr_t)v;

    return v == NULL || ((p | n) & mask) != 0 || p + n <= p;
}

/* NULL is refused before the page size is asked, so that it starts no
 * initialisation. */
static int bad_range(const void *v, size_t n)
{
    return v == NULL || bad_range_mask(v, n, mem_page_size() - 1);
}

/* For the calls a client makes a million times a run (purge, used,
 * unused): one load for the range's check, and whatever would call out
 * before the call itself (initialisation) goes the way of bad arguments,
 * through the call's checked twin, out of line: their path holds no call
 * but tail calls, and needs no stack frame. */
static inline size_t hot_page_mask(void)
{
    return __atomic_load_n(&known_page_mask, __ATOMIC_ACQUIRE);
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
    if (out == NULL || bad_size(n) || align < mem_page_size() || (align & (align - 1)) != 0)
        return PAL_EINVAL;
    return pal_os_reserve_aligned(n, align, out);
}

int pal_mem_map(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_map(v, n, pal_mem_policy());
}

/* The policy used passes on for [v, v+n): with PAL_POLICY_HARD_DECOMMIT
 * where the range overlaps one whose access may have been removed
 * (narrowed), so that the backend restores it. */
static inline unsigned used_policy(const void *v, size_t n)
{
    unsigned p = pal_mem_policy();

    if (pal_ranges_overlap(&narrowed, (uintptr_t)v, (uintptr_t)v + n - 1))
        p |= PAL_POLICY_HARD_DECOMMIT;
    return p;
}

/* Noted before the backend removes any access, so that a used racing
 * with the change already restores it. */
static void note_access_removed(uintptr_t first, uintptr_t last)
{
    pal_ranges_note(&narrowed, first, last);
}

/* Whether prot takes read or write access away.  Execute, tag checking
 * and branch protection beside read-write take nothing: used has nothing
 * to restore there (an executable heap or a JIT's pays nothing). */
static int prot_narrows(unsigned prot)
{
    return (prot & (PAL_PROT_READ | PAL_PROT_WRITE)) != (PAL_PROT_READ | PAL_PROT_WRITE);
}

/* Set once an unused may have released lazily, never cleared: from then
 * on pal_mem_used_zero cannot promise zeroes, for it does not know which
 * ranges went through that release.  Decided by the policy alone, which
 * costs no call on the unused path: every backend releases at once under
 * PAL_POLICY_DONTNEED (a fresh mapping where its advice would keep the
 * contents), and may release lazily without it. */
static unsigned lazy_released;

static void note_lazy_release(unsigned p);

/* The policy unused passes on for [first, last], noting a hard decommit
 * there and a first lazy release. */
static unsigned unused_policy(uintptr_t first, uintptr_t last)
{
    unsigned p = pal_mem_policy();

    if (p & PAL_POLICY_HARD_DECOMMIT)
        note_access_removed(first, last);
    note_lazy_release(p);
    return p;
}

PAL_COLD
static int used_checked(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_used(v, n, used_policy(v, n));
}

int pal_mem_used(void *v, size_t n)
{
    if (bad_range_mask(v, n, hot_page_mask()))
        return used_checked(v, n);
    return pal_os_used(v, n, used_policy(v, n));
}

PAL_COLD
static int unused_checked(void *v, size_t n)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_unused(v, n, unused_policy((uintptr_t)v, (uintptr_t)v + n - 1));
}

int pal_mem_unused(void *v, size_t n)
{
    if (bad_range_mask(v, n, hot_page_mask()))
        return unused_checked(v, n);
    return pal_os_unused(v, n, unused_policy((uintptr_t)v, (uintptr_t)v + n - 1));
}

int pal_mem_unused_ranges(const struct pal_mem_range *r, size_t count, size_t *done)
{
    size_t i, ignored;
    uintptr_t first, last;

    if (done == NULL)
        done = &ignored;
    /* first: a refusal released no range, and says so */
    *done = 0;
    if (count > 0 && r == NULL)
        return PAL_EINVAL;
    for (i = 0; i < count; i++)
        if (bad_range(r[i].v, r[i].n))
            return PAL_EINVAL;
    if (count == 0)
        return PAL_OK;
    /* one range: the single release (see pal_mem_purge_ranges) */
    if (count == 1)
        return pal_os_unused_each(r, 1, unused_policy((uintptr_t)r[0].v,
                                                      (uintptr_t)r[0].v + r[0].n - 1), done);
    /* under harddecommit the ranges' hull is noted, one slot for the
     * batch: the gaps between them pay an mprotect on used, never a miss */
    first = (uintptr_t)r[0].v;
    last = first + r[0].n - 1;
    for (i = 1; i < count; i++) {
        if ((uintptr_t)r[i].v < first)
            first = (uintptr_t)r[i].v;
        if ((uintptr_t)r[i].v + r[i].n - 1 > last)
            last = (uintptr_t)r[i].v + r[i].n - 1;
    }
    return pal_os_unused_ranges(r, count, unused_policy(first, last), done);
}

static int bad_purge(unsigned how)
{
    return how != PAL_PURGE_ZERO && how != PAL_PURGE_LAZY;
}

/* Purge keeps access whatever the policy: harddecommit never applies. */
static unsigned purge_policy(void)
{
    return pal_mem_policy() & ~PAL_POLICY_HARD_DECOMMIT;
}

PAL_COLD
static int purge_checked(void *v, size_t n, unsigned how)
{
    if (bad_range(v, n) || bad_purge(how))
        return PAL_EINVAL;
    return pal_os_purge(v, n, how, purge_policy());
}

int pal_mem_purge(void *v, size_t n, unsigned how)
{
    if (bad_purge(how) || bad_range_mask(v, n, hot_page_mask()))
        return purge_checked(v, n, how);
    return pal_os_purge(v, n, how, purge_policy());
}

int pal_mem_purge_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned how, size_t *done)
{
    size_t i, ignored;

    if (done == NULL)
        done = &ignored;
    *done = 0;
    if (bad_purge(how) || (count > 0 && r == NULL))
        return PAL_EINVAL;
    for (i = 0; i < count; i++)
        if (bad_range(r[i].v, r[i].n))
            return PAL_EINVAL;
    if (count == 0)
        return PAL_OK;
    /* one range has nothing to batch: the single purge, without the
     * batch's set-up (a client whose list holds one range each time, as a
     * purge-at-once setting makes, calls this a million times a run) */
    if (count == 1)
        return pal_os_purge_each(r, 1, how, purge_policy(), done);
    return pal_os_purge_ranges(r, count, how, purge_policy(), done);
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
    int err;

    if (bad_range(v, n))
        return PAL_EINVAL;
    err = pal_os_free(v, n);
    /* after the unmapping: a used racing with it still restores access */
    if (err == PAL_OK)
        pal_ranges_drop(&narrowed, (uintptr_t)v, (uintptr_t)v + n - 1);
    return err;
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
    if (prot_narrows(prot))
        note_access_removed((uintptr_t)v, (uintptr_t)v + n - 1);
    return pal_os_protect(v, n, prot);
}

int pal_mem_hugepage(void *v, size_t n)
{
    return bad_range(v, n) ? PAL_EINVAL : pal_os_hugepage(v, n);
}

int pal_mem_nohugepage(void *v, size_t n)
{
    return bad_range(v, n) ? PAL_EINVAL : pal_os_nohugepage(v, n);
}

int pal_mem_collapse(void *v, size_t n)
{
    return bad_range(v, n) ? PAL_EINVAL : pal_os_collapse(v, n);
}

int pal_mem_guard(void *v, size_t n)
{
    return bad_range(v, n) ? PAL_EINVAL : pal_os_guard(v, n);
}

int pal_mem_seal(void *v, size_t n)
{
    return bad_range(v, n) ? PAL_EINVAL : pal_os_seal(v, n);
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
    if (mem_page_size() == 0)
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
    if (page_bytes != 0 && (page_bytes < mem_page_size() || (page_bytes & (page_bytes - 1)) != 0))
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

    if (mem_page_size() == 0)
        return 1;
    nodes = pal_os_numa_nodes();
    return nodes == 0 ? 1 : nodes;
}

int pal_mem_current_node(unsigned *node)
{
    if (node == NULL)
        return PAL_EINVAL;
    if (mem_page_size() == 0)
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

/* ---- acquire, zero knowledge, core dumps, facts ------------------------ */

/* Noted before the release, so that a used_zero racing with it already
 * answers 0; one relaxed load once noted. */
static void note_lazy_release(unsigned p)
{
    if (!(p & PAL_POLICY_DONTNEED) && !__atomic_load_n(&lazy_released, __ATOMIC_RELAXED))
        __atomic_store_n(&lazy_released, 1, __ATOMIC_RELAXED);
}

#define SPEC_ALL (PAL_SPEC_EXACT | PAL_SPEC_NORESERVE | PAL_SPEC_NODUMP | PAL_SPEC_TRACK)

int pal_mem_acquire(const struct pal_mem_spec *spec, void **out)
{
    struct pal_mem_spec s;
    size_t ps;
    int err;

    if (spec == NULL || out == NULL)
        return PAL_EINVAL;
    s = *spec;
    if (bad_size(s.n))
        return PAL_EINVAL;
    ps = mem_page_size();
    if (s.align != 0 && (s.align < ps || (s.align & (s.align - 1)) != 0))
        return PAL_EINVAL;
    if (s.align == 0)
        s.align = ps;
    if (s.hint != NULL && bad_range(s.hint, s.n))
        return PAL_EINVAL;
    if ((s.flags & ~SPEC_ALL) != 0)
        return PAL_EINVAL;
    if ((s.flags & PAL_SPEC_EXACT) &&
        (s.hint == NULL || ((uintptr_t)s.hint & (s.align - 1)) != 0))
        return PAL_EINVAL;
    if (s.state != PAL_STATE_RESERVED && s.state != PAL_STATE_PREPARED &&
        s.state != PAL_STATE_READY)
        return PAL_EINVAL;
    if (s.state != PAL_STATE_READY && s.prot != 0)
        return PAL_EINVAL;
    if (s.state == PAL_STATE_READY) {
        if (s.prot == 0)
            s.prot = PAL_PROT_READ | PAL_PROT_WRITE;
        if (bad_prot(s.prot))
            return PAL_EINVAL;
    }
    /* tracking asked where no backend call can give it: refused before
     * anything is mapped */
    if ((s.flags & PAL_SPEC_TRACK) && !(pal_mem_features() & PAL_FEAT_TRACK))
        return PAL_ENOSYS;
    err = pal_os_acquire(&s, pal_mem_policy(), out);
    /* the range is known only now; no used can race with its acquire */
    if (err == PAL_OK && s.state == PAL_STATE_READY && prot_narrows(s.prot))
        note_access_removed((uintptr_t)*out, (uintptr_t)*out + s.n - 1);
    return err;
}

int pal_mem_used_zero(void *v, size_t n, int *zeroed)
{
    int z, err;

    if (zeroed == NULL || bad_range(v, n))
        return PAL_EINVAL;
    /* read before: a lazy release noted during the call may concern
     * this range only if the caller raced itself */
    z = !__atomic_load_n(&lazy_released, __ATOMIC_RELAXED);
    err = pal_os_used(v, n, used_policy(v, n));
    if (err == PAL_OK)
        *zeroed = z;
    return err;
}

int pal_mem_dump(void *v, size_t n, int include)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_dump(v, n, include != 0);
}

int pal_mem_track_writes(void *v, size_t n, int on)
{
    if (bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_track_writes(v, n, on != 0);
}

int pal_mem_written(void *v, size_t n, unsigned char *pages, int reset)
{
    if (pages == NULL || bad_range(v, n))
        return PAL_EINVAL;
    return pal_os_written(v, n, pages, reset != 0);
}

int pal_mem_info(struct pal_mem_info *out)
{
    if (out == NULL)
        return PAL_EINVAL;
    if (mem_page_size() == 0)
        return PAL_EOS;
    out->page_size = mem_page_size();
    out->huge_page_size = pal_mem_huge_page_size();
    out->features = pal_mem_features();
    out->policy = pal_mem_policy();
    out->numa_nodes = pal_mem_numa_nodes();
    /* what a backend has no way to learn: the page size, no THP, an
     * overcommit mode not known, no-reserve without effect */
    out->granularity = out->page_size;
    out->thp = PAL_THP_NONE;
    out->overcommit = PAL_OVERCOMMIT_UNKNOWN;
    out->noreserve = 0;
    pal_os_info(out);
    return PAL_OK;
}
