/* test_contract.c - the API contract, on every backend. */
#include "pal_test.h"

static void state_cycle(void)
{
    size_t ps = pal_mem_page_size();
    size_t n = 16 * ps, res = 0;
    char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_EQ(th_faults(p, 0), 1);
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0xab, n);
    CHECK_OK(pal_mem_unused(p, n));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(th_all_bytes(p, n, 0));
    CHECK_OK(pal_mem_resident(p, n, &res));
    CHECK_OK(pal_mem_free(p, n));
}

const struct th_test th_tests[] = {
    TH(state_cycle),
    TH_END,
};
