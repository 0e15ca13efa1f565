/*
 * test_numa.c - pal_mem_bind_node for real, where there are nodes to bind
 * to (the test VM with two NUMA nodes; this machine shows one):
 *
 *  - every page of a range bound to node k, faulted in after, is on node k
 *    (get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR) asked page by page), for
 *    each node;
 *  - a range bound to a node larger than that node's free memory is still
 *    faulted in whole: the binding is a preference, the rest comes from
 *    another node, nothing fails;
 *  - pal_mem_current_node agrees with getcpu;
 *  - every node below the count binds (PAL_OK), also one without memory
 *    (the memoryless-node VM, tools/vm/machines/amd64-memless) or outside
 *    the cpuset (a cgroup v2 cpuset of the last node with memory, where
 *    the library's NUMA probe runs first), its pages then coming from an
 *    allowed node with memory; the node count is the possible nodes'.
 * Which nodes have memory, and which the cpuset allows, is read from
 * /sys/devices/system/node/has_memory and /proc/self/status.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lx_util.h"

#ifndef MPOL_F_NODE
#define MPOL_F_NODE (1 << 0)
#define MPOL_F_ADDR (1 << 1)
#endif

/* The node page p is on, or -1. */
static int node_of(const void *p)
{
    int node = -1;

    if (syscall(SYS_get_mempolicy, &node, NULL, 0UL, p, (unsigned long)(MPOL_F_NODE | MPOL_F_ADDR)) != 0)
        return -1;
    return node;
}

/* MemFree of a node, in bytes, from /sys/devices/system/node/nodeN/meminfo. */
static size_t node_free(unsigned node)
{
    char path[96];
    const char *s;

    th_format(path, sizeof path, "/sys/devices/system/node/node%u/meminfo", node);
    if (lx_read_proc(path) <= 0 || (s = th_strstr(lx_buf, "MemFree:")) == NULL)
        return 0;
    s += 8;
    while (*s == ' ')
        s++;
    {
        size_t kb = 0;

        while (*s >= '0' && *s <= '9')
            kb = kb * 10 + (size_t)(*s++ - '0');
        return kb * 1024;
    }
}

static void bound_pages_land_on_the_node(void)
{
    unsigned nodes = pal_mem_numa_nodes(), k;
    size_t ps = pal_mem_page_size(), n = 256 * ps, i;

    if (nodes < 2)
        SKIP("one NUMA node here (the two-node test VM runs this)");
    CHECK(pal_mem_features() & PAL_FEAT_NUMA);
    for (k = 0; k < nodes; k++) {
        unsigned char *p;
        size_t on = 0;
        void *v;

        if (node_free(k) < 4 * n)
            continue; /* a node without memory to speak of: the next test's case */
        CHECK_OK(pal_mem_reserve(NULL, n, &v));
        p = v;
        CHECK_OK(pal_mem_map(p, n));
        CHECK_OK(pal_mem_bind_node(p, n, k));
        CHECK_OK(pal_mem_used(p, n));
        for (i = 0; i < n; i += ps)
            p[i] = 1;
        for (i = 0; i < n; i += ps)
            on += node_of(p + i) == (int)k;
        th_note("node %u: %zu of %zu pages there", k, on, n / ps);
        CHECK_EQ(on, n / ps);
        CHECK_OK(pal_mem_free(p, n));
    }
}

static void full_node_falls_back(void)
{
    unsigned nodes = pal_mem_numa_nodes(), k, small = 0;
    size_t ps = pal_mem_page_size(), least = (size_t)-1, n, i, on = 0, elsewhere = 0;
    unsigned char *p;
    void *v;

    if (nodes < 2)
        SKIP("one NUMA node here (the two-node test VM runs this)");
    /* a node without memory (MemFree 0) keeps no pages to count: the
     * smallest of those that have some */
    for (k = 0; k < nodes; k++)
        if (node_free(k) > 0 && node_free(k) < least) {
            least = node_free(k);
            small = k;
        }
    n = (least + least / 2 + 64 * ps + ps - 1) & ~(ps - 1);
    if (n > 1024 * 1024 * 1024)
        SKIP("the smallest node has %zu MiB free: too much to overfill in a test",
             least >> 20);
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_bind_node(p, n, small));
    CHECK_OK(pal_mem_used(p, n));
    for (i = 0; i < n; i += ps)
        p[i] = 1; /* would die of SIGBUS or OOM under a strict binding */
    for (i = 0; i < n; i += ps) {
        int nd = node_of(p + i);

        on += nd == (int)small;
        elsewhere += nd >= 0 && nd != (int)small;
    }
    th_note("node %u had %zu MiB free; %zu MiB bound to it: %zu pages there, "
            "%zu elsewhere", small, least >> 20, n >> 20, on, elsewhere);
    CHECK_EQ(on + elsewhere, n / ps);
    CHECK(elsewhere > 0);
    CHECK(on > 0);
    CHECK_OK(pal_mem_free(p, n));
}

static void current_node_agrees(void)
{
    unsigned node = 99, cpu = 0, cnode = 0;
    int rc = pal_mem_current_node(&node);

    if (rc == PAL_ENOSYS)
        SKIP("getcpu not available here");
    CHECK_OK(rc);
    CHECK(node < pal_mem_numa_nodes());
    /* the thread may move between the two calls: retry a few times */
    {
        int tries;

        for (tries = 0; tries < 10; tries++) {
            if (syscall(SYS_getcpu, &cpu, &cnode, NULL) != 0)
                SKIP("libc's getcpu failed");
            if (cnode == node)
                break;
            CHECK_OK(pal_mem_current_node(&node));
        }
    }
    CHECK_EQ(cnode, node);
}

/* A node list of /sys or /proc ("0", "0-3", "0,2-3") as a bit mask of
 * nodes below 64; *highest gets the highest node listed (-1 for none). */
static unsigned long long node_list(const char *s, int *highest)
{
    unsigned long long mask = 0;
    unsigned a, b;

    *highest = -1;
    while (*s >= '0' && *s <= '9') {
        a = 0;
        while (*s >= '0' && *s <= '9')
            a = a * 10 + (unsigned)(*s++ - '0');
        b = a;
        if (*s == '-') {
            s++;
            b = 0;
            while (*s >= '0' && *s <= '9')
                b = b * 10 + (unsigned)(*s++ - '0');
        }
        for (; a <= b; a++) {
            if (a < 64)
                mask |= 1ull << a;
            if ((int)a > *highest)
                *highest = (int)a;
        }
        if (*s == ',')
            s++;
    }
    return mask;
}

/* The nodes of a /sys file, as node_list; 0 with *highest -1 if unread. */
static unsigned long long sys_nodes(const char *path, int *highest)
{
    *highest = -1;
    return lx_read_proc(path) > 0 ? node_list(lx_buf, highest) : 0;
}

/* Mems_allowed_list of /proc/self/status: the cpuset's nodes. */
static unsigned long long allowed_nodes(void)
{
    const char *s;
    int highest;

    if (lx_read_proc("/proc/self/status") <= 0 ||
        (s = th_strstr(lx_buf, "Mems_allowed_list:")) == NULL)
        return ~0ull;
    s += 18;
    while (*s == ' ' || *s == '\t')
        s++;
    return node_list(s, &highest);
}

/* Every node below the count binds (PAL_OK, as the contract says for every
 * node < pal_mem_numa_nodes()), also one without memory or outside the
 * cpuset: its pages then come from a node that has memory and is
 * allowed.  Pages bound to a node with memory, allowed, land there. */
static void every_counted_node_binds(void)
{
    int possible, highest;
    unsigned long long memory = sys_nodes("/sys/devices/system/node/has_memory", &highest);
    unsigned long long allowed = allowed_nodes();
    size_t ps = pal_mem_page_size(), n = 64 * ps, i;
    unsigned k, checked = 0;

    (void)sys_nodes("/sys/devices/system/node/possible", &possible);
    if (possible < 1)
        SKIP("one NUMA node here (/sys/devices/system/node/possible: %d)", possible);
    if (possible >= 64)
        SKIP("more nodes (%d) than this test keeps track of", possible + 1);
    CHECK_EQ(pal_mem_numa_nodes(), (unsigned)possible + 1);
    CHECK(pal_mem_features() & PAL_FEAT_NUMA);
    for (k = 0; k <= (unsigned)possible; k++) {
        int there = (memory & allowed & (1ull << k)) != 0;
        unsigned char *p;
        size_t on = 0, ok = 0;
        void *v;

        CHECK_OK(pal_mem_reserve(NULL, n, &v));
        p = v;
        CHECK_OK(pal_mem_map(p, n));
        CHECK_OK(pal_mem_bind_node(p, n, k));
        CHECK_OK(pal_mem_used(p, n));
        for (i = 0; i < n; i += ps)
            p[i] = 1;
        for (i = 0; i < n; i += ps) {
            int nd = node_of(p + i);

            on += nd == (int)k;
            ok += nd >= 0 && nd < 64 && (memory & allowed & (1ull << nd)) != 0;
        }
        th_note("node %u (%s): %zu of %zu pages there", k,
                there ? "has memory, allowed" : "no memory or not allowed", on, n / ps);
        CHECK_EQ(ok, n / ps);
        if (there && node_free(k) >= 4 * n)
            CHECK_EQ(on, n / ps);
        checked++;
        CHECK_OK(pal_mem_free(p, n));
    }
    th_note("%u nodes bound", checked);
}

/* The cgroup v2 hierarchy with the cpuset controller, from /proc/mounts. */
static int cpuset_root(char *dir, size_t size)
{
    const char *s, *t;
    char path[300];
    size_t k;

    if (lx_read_proc("/proc/mounts") <= 0)
        return 0;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s)) {
        const char *mnt = s;

        while (*mnt != ' ' && *mnt != '\0')
            mnt++;
        if (*mnt == '\0')
            break;
        for (t = ++mnt; *t != ' ' && *t != '\0'; t++)
            ;
        k = (size_t)(t - mnt);
        if (th_strncmp(t, " cgroup2 ", 9) == 0 && k + 1 <= size) {
            th_memset(dir, 0, size);
            for (t = mnt; k-- > 0; t++)
                dir[t - mnt] = *t;
            break;
        }
    }
    if (*s == '\0')
        return 0;
    th_format(path, sizeof path, "%s/cgroup.controllers", dir);
    return lx_read_proc(path) > 0 && th_strstr(lx_buf, "cpuset") != NULL;
}

static int put(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY), ok;
    size_t k = 0;

    while (value[k] != '\0')
        k++;
    if (fd < 0)
        return 0;
    ok = write(fd, value, k) == (ssize_t)k;
    close(fd);
    return ok;
}

/* In a cpuset of one node: every node still binds, pages stay inside. */
static int child_in_cpuset(void *arg)
{
    char path[340];

    th_format(path, sizeof path, "%s/cgroup.procs", (const char *)arg);
    C_CHECK(put(path, "0"));
    return 0;
}

static void bind_outside_cpuset(void)
{
    static char group[300];
    char root[200], path[340], val[16], home[200];
    int possible, highest, enabled, st;
    const char *s;
    size_t i;
    unsigned long long memory = sys_nodes("/sys/devices/system/node/has_memory", &highest);
    unsigned last;

    (void)sys_nodes("/sys/devices/system/node/possible", &possible);
    if (possible < 1)
        SKIP("one NUMA node here (/sys/devices/system/node/possible)");
    if (geteuid() != 0)
        SKIP("a cpuset cgroup needs root");
    if (!cpuset_root(root, sizeof root))
        SKIP("no cgroup v2 hierarchy with the cpuset controller in /proc/mounts");
    /* the last node with memory: node 0, where another has memory too,
     * is then outside the cpuset */
    for (last = 64; last > 0 && !(memory & (1ull << (last - 1))); last--)
        ;
    if (last-- == 0)
        SKIP("no node with memory in /sys/devices/system/node/has_memory");
    th_format(path, sizeof path, "%s/cgroup.subtree_control", root);
    enabled = lx_read_proc(path) > 0 && th_strstr(lx_buf, "cpuset") != NULL;
    /* turning the controller on for the whole hierarchy is a machine-wide
     * change: only where the tests own the machine (the test VM) */
    if (!enabled && getenv("PAL_TEST_SYSCTL") == NULL)
        SKIP("the cpuset controller is off in %s/cgroup.subtree_control, and turning it on "
             "is machine-wide (the test VM may: PAL_TEST_SYSCTL=1)", root);
    /* the cgroup this process is in ("0::/path"), to go back to */
    if (lx_read_proc("/proc/self/cgroup") <= 0 || (s = th_strstr(lx_buf, "0::")) == NULL)
        SKIP("no cgroup v2 line in /proc/self/cgroup");
    for (s += 3, i = 0; s[i] != '\n' && s[i] != '\0' && i + 1 < sizeof home; i++)
        home[i] = s[i];
    home[i] = '\0';
    th_format(group, sizeof group, "%s/pal-numa-%d", root, (int)getpid());
    if ((!enabled && !put(path, "+cpuset")) || mkdir(group, 0755) != 0) {
        if (!enabled)
            (void)put(path, "-cpuset");
        SKIP("cannot make a cpuset cgroup under %s", root);
    }
    th_format(path, sizeof path, "%s/cpuset.mems", group);
    th_format(val, sizeof val, "%u", last);
    st = put(path, val) ? lx_run(child_in_cpuset, group) : -1;
    if (st == TH_CHILD_EXIT(0)) {
        /* the child could join: now the test itself joins, runs, and
         * goes back to its own cgroup */
        th_format(path, sizeof path, "%s/cgroup.procs", group);
        if (put(path, "0")) {
            /* run first in the file, the library probes NUMA in here */
            th_note("in a cpuset of node %u%s", last,
                    lx_library_fresh() ? ", the library's first use" : "");
            every_counted_node_binds();
            th_format(path, sizeof path, "%s%s/cgroup.procs", root, home);
            (void)put(path, "0");
        }
    }
    (void)rmdir(group);
    if (!enabled) {
        th_format(path, sizeof path, "%s/cgroup.subtree_control", root);
        (void)put(path, "-cpuset");
    }
    if (st == -1)
        SKIP("cannot write %s", path);
    (void)lx_outcome(st, __FILE__, __LINE__);
}

const struct th_test th_tests[] = {
    TH(bind_outside_cpuset), /* first: the NUMA probe runs inside the cpuset */
    TH(current_node_agrees),
    TH(bound_pages_land_on_the_node),
    TH(full_node_falls_back),
    TH(every_counted_node_binds),
    TH_END,
};
