/*
 * side.h - what one runtime built on its own copy of libpal shows of it:
 * side.c, compiled once per copy, fills this table with that copy's
 * functions.  The main program reaches each copy only through its table,
 * so it never names a prefixed function itself.
 */
#ifndef SIDE_H
#define SIDE_H

#include <stddef.h>

struct pal_mem_stats;

struct side {
    int (*set_policy)(unsigned flags);
    unsigned (*policy)(void);
    void (*get_stats)(struct pal_mem_stats *out);
    int (*unused_zeroes)(void);
    /* alloc, write, unused, used, free one page: a few OS calls */
    int (*churn)(void);
};

#endif
