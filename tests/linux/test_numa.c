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
 *  - pal_mem_current_node agrees with getcpu.
 */
#define _GNU_SOURCE
#include <sched.h>

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
    for (k = 0; k < nodes; k++)
        if (node_free(k) < least) {
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

const struct th_test th_tests[] = {
    TH(current_node_agrees),
    TH(bound_pages_land_on_the_node),
    TH(full_node_falls_back),
    TH_END,
};
