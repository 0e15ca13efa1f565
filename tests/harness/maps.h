/*
 * maps.h - for the tests of the backends that run on a POSIX libc: how
 * many bytes the process has mapped, from /proc/self/maps where there is
 * one (Linux; a BSD or AIX without it makes the caller skip).
 */
#ifndef PAL_TEST_MAPS_H
#define PAL_TEST_MAPS_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

/* The sum of the sizes of every mapping, or 0 if /proc/self/maps cannot be
 * read.  Each line starts "lo-hi " in hex. */
static size_t th_mapped_bytes(void)
{
    static char buf[1 << 16];
    size_t total = 0, got = 0;
    ssize_t r;
    char *s;
    int fd = open("/proc/self/maps", O_RDONLY);

    if (fd < 0)
        return 0;
    while (got < sizeof buf - 1 && (r = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    for (s = buf; *s != '\0';) {
        uintptr_t lo = 0, hi = 0;

        for (; *s != '-' && *s != '\0'; s++)
            lo = lo * 16 + (uintptr_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
        if (*s == '-')
            s++;
        for (; *s != ' ' && *s != '\0'; s++)
            hi = hi * 16 + (uintptr_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
        total += hi - lo;
        while (*s != '\n' && *s != '\0')
            s++;
        if (*s == '\n')
            s++;
    }
    return total;
}

#endif
