/*
 * side.c - one runtime's use of its copy of libpal.  Compiled once per
 * copy with that copy's PAL_PREFIX, so that pal_mem.h turns every call
 * below into a call of that copy; SIDE_ENTRY names the one function this
 * side gives (side_a, side_b; side_entry in a shared library).
 */
#include "pal_mem.h"
#include "side.h"

static int churn(void)
{
    size_t n = pal_mem_page_size();
    void *v;
    int err = pal_mem_alloc(n, &v);

    if (err != PAL_OK)
        return err;
    *(volatile char *)v = 1;
    err = pal_mem_unused(v, n);
    if (err == PAL_OK)
        err = pal_mem_used(v, n);
    if (err == PAL_OK)
        err = pal_mem_free(v, n);
    else
        (void)pal_mem_free(v, n);
    return err;
}

const struct side *SIDE_ENTRY(void);
const struct side *SIDE_ENTRY(void)
{
    static const struct side s = {
        pal_mem_set_policy, pal_mem_policy, pal_mem_get_stats,
        pal_mem_unused_zeroes, churn,
    };
    return &s;
}
