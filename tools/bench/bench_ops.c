/*
 * bench_ops - the cost of one operation: libpal's call next to glibc's
 * wrappers of the same system calls and a bare inline system call (the
 * floor: libpal's own syscall instruction, with nothing around it), on one
 * page and on 2 MiB, at 1 and 2 threads (each thread on regions of its own,
 * started together).  And the library's own cost around a system call that
 * does next to nothing in the kernel and takes no lock: pal_mem_current_node
 * (one getcpu) against glibc's syscall(), the bare instruction, and the bare
 * instruction in a function of this program's own (the floor of any
 * library: see syscall_in_a_function).
 *
 *   bench_ops [label [costfile]]
 *                         prints markdown table rows; label names the build;
 *                         with costfile, the current_node rows go there, in
 *                         the columns of the library's own cost
 *
 * Each batch runs K operations of one kind back to back and is timed as a
 * whole; what the operation needs first (a reservation, touched pages) is
 * set up untimed.  Rounds interleave the three contenders, rotating their
 * order; figures are medians over rounds (ns per operation, per thread),
 * each row with its rounds' spread: the lowest and highest libpal/glibc of
 * one round, and each contender's slowest round over its fastest.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "linux/sys_linux.h"

/* FUNC runs only in the current_node rows */
enum impl { PAL, LIBC, RAW, FUNC, IMPLS };

/* PROTECT_SAME and UNUSED_AGAIN ask the kernel for what is so already
 * (read-write of read-write memory, release of released memory): it
 * returns at once, without splitting a mapping or flushing a TLB, so what
 * is left is the cost of the call itself, and the library's around it. */
enum op { RESERVE, MAP, UNUSED_DONTNEED, UNUSED_AGAIN, UNUSED_FREE, FAULT, PROTECT,
          PROTECT_SAME, HUGEPAGE, FREE, CURRENT_NODE, OPS };
static const char *const op_name[OPS] = {
    "reserve", "map", "unused (DONTNEED)", "unused (already released)", "unused (FREE)",
    "fault", "protect", "protect (no change)", "hugepage", "free", "current_node (getcpu)",
};

#define K_SMALL 512
#define K_BIG 32
/* getcpu is a few tens of nanoseconds: more of them per batch, so that a
 * batch is long beside the clock's resolution */
#define GETCPU_REPEAT 16

struct job {
    enum op op;
    enum impl impl;
    size_t size, k;
    void *r[K_SMALL];
    double ns;
    pthread_barrier_t *together;
    int *arrived, threads;
};

static size_t ps, hps;

__attribute__((noreturn)) static void die_errno(const char *what)
{
    perror(what);
    exit(1);
}

/* ---- the three ways to each system call ---------------------------------- */

static void *do_reserve(enum impl im, size_t n)
{
    void *v;
    long r;

    switch (im) {
    case PAL:
        BENCH_OK(pal_mem_reserve(NULL, n, &v));
        return v;
    case LIBC:
        v = mmap(NULL, n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (v == MAP_FAILED)
            die_errno("mmap");
        return v;
    default:
        r = pal_arch_mmap(0, n, LX_PROT_NONE, LX_MAP_PRIVATE | LX_MAP_ANONYMOUS, -1, 0);
        if (pal_sys_failed(r))
            die_errno("raw mmap");
        return (void *)r;
    }
}

static void do_map(enum impl im, void *v, size_t n)
{
    switch (im) {
    case PAL: BENCH_OK(pal_mem_map(v, n)); break;
    case LIBC:
        if (mmap(v, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != v)
            die_errno("mmap fixed");
        break;
    default:
        if (pal_arch_mmap(v, n, LX_PROT_READ | LX_PROT_WRITE,
                          LX_MAP_PRIVATE | LX_MAP_ANONYMOUS | LX_MAP_FIXED, -1, 0) != (long)v)
            die_errno("raw mmap fixed");
    }
}

static void do_madvise(enum impl im, void *v, size_t n, int advice)
{
    if (im == LIBC ? madvise(v, n, advice) != 0
                   : pal_syscall6(LX_NR_madvise, (long)v, (long)n, advice, 0, 0, 0) != 0)
        die_errno("madvise");
}

static void do_mprotect(enum impl im, void *v, size_t n, int prot)
{
    if (im == LIBC ? mprotect(v, n, prot) != 0
                   : pal_syscall6(LX_NR_mprotect, (long)v, (long)n, prot, 0, 0, 0) != 0)
        die_errno("mprotect");
}

static void do_free(enum impl im, void *v, size_t n)
{
    if (im == PAL)
        BENCH_OK(pal_mem_free(v, n));
    else if (im == LIBC ? munmap(v, n) != 0
                        : pal_syscall6(LX_NR_munmap, (long)v, (long)n, 0, 0, 0, 0) != 0)
        die_errno("munmap");
}

/* The bare getcpu in a function of its own, as every library (glibc's
 * syscall(), libpal, an allocator's own wrapper) issues it.  Beside the
 * inline instruction it pays what no call interface avoids: the return
 * right after a kernel entry, predicted from a return stack the kernel's
 * own calls and returns have overwritten: where that mispredicts, a
 * function returning by pop and indirect jump instead costs what the
 * inline instruction costs, but no library can return that way (a CPU's
 * shadow stack would fault on it).  noinline and the empty asm keep the
 * compiler from folding it into the loop. */
__attribute__((noinline)) static long syscall_in_a_function(unsigned *cpu, unsigned *node)
{
    __asm__ volatile("");
    return pal_syscall6(LX_NR_getcpu, (long)cpu, (long)node, 0, 0, 0, 0);
}

static void do_getcpu(enum impl im)
{
    unsigned cpu, node;

    switch (im) {
    case PAL: BENCH_OK(pal_mem_current_node(&node)); break;
    case LIBC:
        if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0)
            die_errno("getcpu");
        break;
    case FUNC:
        if (syscall_in_a_function(&cpu, &node) != 0)
            die_errno("getcpu in a function");
        break;
    default:
        if (pal_syscall6(LX_NR_getcpu, (long)&cpu, (long)&node, 0, 0, 0, 0) != 0)
            die_errno("raw getcpu");
    }
}

static void touch(void *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i += ps)
        ((volatile char *)v)[i] = 1;
}

/* ---- one batch ----------------------------------------------------------- */

static void *run_job(void *arg)
{
    struct job *j = arg;
    size_t i, n = j->size;
    double t0;

    /* untimed set-up: what the operation starts from */
    for (i = 0; i < j->k; i++) {
        if (j->op == RESERVE || j->op == CURRENT_NODE)
            break;
        if (j->op == HUGEPAGE || n >= hps) {
            BENCH_OK(pal_mem_reserve_aligned(n, hps ? hps : ps, &j->r[i]));
        } else {
            BENCH_OK(pal_mem_reserve(NULL, n, &j->r[i]));
        }
        if (j->op == MAP || j->op == FREE)
            continue;
        BENCH_OK(pal_mem_map(j->r[i], n));
        BENCH_OK(pal_mem_used(j->r[i], n));
        if (j->op == UNUSED_AGAIN)
            BENCH_OK(pal_mem_unused(j->r[i], n));
        else
            touch(j->r[i], n);
    }
    /* Started together.  The barrier alone is not enough: the thread it
     * wakes runs a scheduler's wake-up later, on this machine from tens of
     * microseconds to milliseconds, longer than a whole batch of cheap
     * operations, and a round then measures one thread after the other.
     * So each counts itself in and spins until all are in. */
    pthread_barrier_wait(j->together);
    __atomic_add_fetch(j->arrived, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(j->arrived, __ATOMIC_SEQ_CST) < j->threads)
        ;
    t0 = bench_now();
    for (i = 0; i < j->k; i++) {
        void *v = j->r[i];

        switch (j->op) {
        case RESERVE: j->r[i] = do_reserve(j->impl, n); break;
        case MAP: do_map(j->impl, v, n); break;
        case UNUSED_DONTNEED:
        case UNUSED_AGAIN:
        case UNUSED_FREE:
            if (j->impl == PAL)
                BENCH_OK(pal_mem_unused(v, n));
            else
                do_madvise(j->impl, v, n, j->op == UNUSED_FREE ? MADV_FREE : MADV_DONTNEED);
            break;
        case FAULT:
            if (j->impl == PAL) {
                BENCH_OK(pal_mem_fault(v, n));
            } else {
                do_mprotect(j->impl, v, n, PROT_NONE);
                do_madvise(j->impl, v, n, MADV_DONTNEED);
            }
            break;
        case PROTECT:
            /* read-only then read-write: two operations */
            if (j->impl == PAL) {
                BENCH_OK(pal_mem_protect(v, n, PAL_PROT_READ));
                BENCH_OK(pal_mem_protect(v, n, PAL_PROT_READ | PAL_PROT_WRITE));
            } else {
                do_mprotect(j->impl, v, n, PROT_READ);
                do_mprotect(j->impl, v, n, PROT_READ | PROT_WRITE);
            }
            break;
        case PROTECT_SAME:
            if (j->impl == PAL)
                BENCH_OK(pal_mem_protect(v, n, PAL_PROT_READ | PAL_PROT_WRITE));
            else
                do_mprotect(j->impl, v, n, PROT_READ | PROT_WRITE);
            break;
        case HUGEPAGE:
            if (j->impl == PAL)
                BENCH_OK(pal_mem_hugepage(v, n));
            else
                do_madvise(j->impl, v, n, MADV_HUGEPAGE);
            break;
        case FREE: do_free(j->impl, v, n); break;
        case CURRENT_NODE: {
            int g;

            for (g = 0; g < GETCPU_REPEAT; g++)
                do_getcpu(j->impl);
            break;
        }
        case OPS: break;
        }
    }
    j->ns = (bench_now() - t0) /
            (double)(j->k * (j->op == PROTECT        ? 2
                             : j->op == CURRENT_NODE ? GETCPU_REPEAT
                                                     : 1));
    /* And none frees its regions until all are timed: munmap takes the
     * mmap_lock for writing and flushes the TLB on the other thread's CPU,
     * which would make the other's cheap operations wait behind it. */
    pthread_barrier_wait(j->together);
    if (j->op != FREE && j->op != CURRENT_NODE)
        for (i = 0; i < j->k; i++)
            BENCH_OK(pal_mem_free(j->r[i], n));
    return NULL;
}

/* How far one contender's rounds lie apart: the slowest over the fastest.
 * Two threads of one process meet in the kernel: mprotect takes the
 * mmap_lock for writing even when nothing changes, and a release that
 * runs while another is under way in the same process flushes the whole
 * TLB, on both CPUs, even when it released nothing.  A round's figure then
 * depends on how far the two batches overlapped and is off by several
 * times for every contender alike: a median of such rows says little, and
 * this is how a reader tells them apart. */
static double max_over_min(const double *v, int n)
{
    double lo = v[0], hi = v[0];
    int i;

    for (i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    return hi / lo;
}

/* The libpal/glibc ratio of each round (the two ran next to each other),
 * lowest and highest. */
static void ratio_range(const double *pal, const double *libc, int n, double *lo, double *hi)
{
    int i;

    *lo = *hi = pal[0] / libc[0];
    for (i = 1; i < n; i++) {
        double q = pal[i] / libc[i];

        *lo = q < *lo ? q : *lo;
        *hi = q > *hi ? q : *hi;
    }
}

/* libpal minus the function floor in each round (the two ran next to
 * each other), lowest and highest. */
static void difference_range(const double *pal, const double *func, int n, double *lo, double *hi)
{
    int i;

    *lo = *hi = pal[0] - func[0];
    for (i = 1; i < n; i++) {
        double d = pal[i] - func[i];

        *lo = d < *lo ? d : *lo;
        *hi = d > *hi ? d : *hi;
    }
}

static double batch_here(enum op op, enum impl impl, size_t size, int threads);

/* One batch of op by impl in each of threads threads; the mean over the
 * threads of their ns per operation.  pal_mem_hugepage tells the library
 * the caller wants huge pages, which turns on its end marks for good (see
 * mem_linux.c): that batch runs in a child, so the others measure a
 * library that was never asked. */
static double batch(enum op op, enum impl impl, size_t size, int threads)
{
    double ns = 0;
    int fd[2];
    pid_t pid;

    if (op != HUGEPAGE || impl != PAL)
        return batch_here(op, impl, size, threads);
    if (pipe(fd) != 0 || (pid = fork()) < 0)
        die_errno("fork");
    if (pid == 0) {
        ns = batch_here(op, impl, size, threads);
        _exit(write(fd[1], &ns, sizeof ns) == (ssize_t)sizeof ns ? 0 : 1);
    }
    if (read(fd[0], &ns, sizeof ns) != (ssize_t)sizeof ns)
        die_errno("read");
    close(fd[0]);
    close(fd[1]);
    waitpid(pid, NULL, 0);
    return ns;
}

static double batch_here(enum op op, enum impl impl, size_t size, int threads)
{
    static struct job jobs[2];
    pthread_barrier_t together;
    static int arrived;
    pthread_t t[2];
    double sum = 0;
    int i;

    arrived = 0;
    pthread_barrier_init(&together, NULL, (unsigned)threads);
    for (i = 0; i < threads; i++) {
        jobs[i].op = op;
        jobs[i].impl = impl;
        jobs[i].size = size;
        jobs[i].k = size >= hps && hps ? K_BIG : K_SMALL;
        jobs[i].together = &together;
        jobs[i].arrived = &arrived;
        jobs[i].threads = threads;
        if (pthread_create(&t[i], NULL, run_job, &jobs[i]) != 0)
            die_errno("pthread_create");
    }
    for (i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        sum += jobs[i].ns;
    }
    pthread_barrier_destroy(&together);
    return sum / threads;
}

int main(int argc, char **argv)
{
    const char *label = argc > 1 ? argv[1] : "libpal";
    FILE *cost = argc > 2 ? fopen(argv[2], "w") : NULL;
    int rounds = bench_rounds(11), threads, s, o, r, k;
    static double ns[OPS][2][2][IMPLS][BENCH_MAX_ROUNDS];
    size_t sizes[2];

    if (argc > 2 && cost == NULL)
        die_errno(argv[2]);
    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size() ? pal_mem_huge_page_size() : 2 << 20;
    sizes[0] = ps;
    sizes[1] = 2 << 20;
    for (r = 0; r < rounds; r++)
        for (o = 0; o < OPS; o++)
            for (s = 0; s < (o == CURRENT_NODE ? 1 : 2); s++)
                for (threads = 1; threads <= 2; threads++)
                    for (k = 0; k < IMPLS; k++) {
                        enum impl im = (enum impl)((k + r) % IMPLS);

                        if (im == FUNC && o != CURRENT_NODE)
                            continue;
                        if (o == UNUSED_FREE && im == PAL)
                            BENCH_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT & ~PAL_POLICY_DONTNEED));
                        ns[o][s][threads - 1][im][r] =
                            batch((enum op)o, im, sizes[s], threads);
                        BENCH_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
                    }
    for (o = 0; o < OPS; o++)
        for (s = 0; s < (o == CURRENT_NODE ? 1 : 2); s++)
            for (threads = 1; threads <= 2; threads++) {
                double (*v)[BENCH_MAX_ROUNDS] = ns[o][s][threads - 1];
                double m[IMPLS], lo, hi;

                for (k = 0; k < IMPLS; k++)
                    m[k] = bench_median(v[k], rounds);
                if (o == CURRENT_NODE && cost != NULL) {
                    difference_range(v[PAL], v[FUNC], rounds, &lo, &hi);
                    fprintf(cost, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f to %.0f "
                            "| %.0f | %.2f / %.2f / %.2f |\n",
                            label, threads, m[PAL], m[LIBC], m[FUNC], m[RAW], m[PAL] - m[FUNC],
                            lo, hi, m[PAL] - m[RAW], max_over_min(v[PAL], rounds),
                            max_over_min(v[FUNC], rounds), max_over_min(v[RAW], rounds));
                    continue;
                }
                ratio_range(v[PAL], v[LIBC], rounds, &lo, &hi);
                printf("| %s | %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.3f | %.3f "
                       "| %.2f-%.2f | %.2f / %.2f / %.2f |\n",
                       label, op_name[o], o == CURRENT_NODE ? "-" : s ? "2 MiB" : "1 page",
                       threads, m[PAL], m[LIBC], m[RAW], m[PAL] - m[RAW], m[PAL] / m[LIBC],
                       m[PAL] / m[RAW], lo, hi, max_over_min(v[PAL], rounds),
                       max_over_min(v[LIBC], rounds), max_over_min(v[RAW], rounds));
            }
    if (cost != NULL && fclose(cost) != 0)
        die_errno(argv[2]);
    return 0;
}
