/*
 * init.c - PID 1 of the test VM (tools/vm/run.sh): mounts /proc, /sys,
 * /dev, /tmp and cgroup v2 on /sys/fs/cgroup, applies the sysctls named on the kernel command line
 * (pal.overcommit=N, pal.thp=MODE), checks the page size is pal.pagesize=N,
 * runs every program in /tests in turn with its output on the console,
 * prints "vmtest <name> exit <code> <time>" for each, and powers the
 * machine off.  Static, hosted (libc): it is only the test bed, not the
 * library.
 *
 * The tests get PAL_TEST_SYSCTL=1 in their environment: nothing else runs
 * on this machine, so they may change machine-wide sysctls (and put them
 * back), which they never do on a shared host.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void put(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY);

    if (fd < 0 || write(fd, value, strlen(value)) < 0)
        printf("vm: cannot write %s to %s\n", value, path);
    if (fd >= 0)
        close(fd);
}

/* The value of key=value on the kernel command line, or NULL. */
static const char *cmdline(const char *key, char *buf, size_t size)
{
    static char line[1024];
    FILE *f = fopen("/proc/cmdline", "r");
    char *p;
    size_t k = strlen(key);

    if (f == NULL || fgets(line, sizeof line, f) == NULL)
        return NULL;
    fclose(f);
    for (p = strtok(line, " \n"); p != NULL; p = strtok(NULL, " \n"))
        if (strncmp(p, key, k) == 0 && p[k] == '=') {
            snprintf(buf, size, "%s", p + k + 1);
            return buf;
        }
    return NULL;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(void)
{
    struct dirent **names;
    char buf[64], path[300], line[256];
    int i, count, failed = 0, run = 0;
    FILE *f;

    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
    /* cgroup v2, where the tests find the hugetlb and cpuset controllers
     * (limits charged at fault time, a cpuset's nodes) */
    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
    /* the initramfs has no /dev/console node, so the kernel started us
     * with no output: take the console from devtmpfs */
    i = open("/dev/console", O_RDWR);
    if (i >= 0) {
        dup2(i, 0);
        dup2(i, 1);
        dup2(i, 2);
        if (i > 2)
            close(i);
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    setenv("PAL_TEST_SYSCTL", "1", 1);
    if (cmdline("pal.overcommit", buf, sizeof buf) != NULL)
        put("/proc/sys/vm/overcommit_memory", buf);
    if (cmdline("pal.thp", buf, sizeof buf) != NULL)
        put("/sys/kernel/mm/transparent_hugepage/enabled", buf);
    /* the page size the machine's description promises (run.sh) */
    if (cmdline("pal.pagesize", buf, sizeof buf) != NULL &&
        strtol(buf, NULL, 10) != sysconf(_SC_PAGESIZE)) {
        printf("vm: FAIL page size %ld, the machine's description says %s\n",
               sysconf(_SC_PAGESIZE), buf);
        failed++;
    }
    f = fopen("/proc/version", "r");
    if (f != NULL && fgets(line, sizeof line, f) != NULL)
        printf("vm: %s", line);
    if (f != NULL)
        fclose(f);
    f = fopen("/proc/sys/vm/overcommit_memory", "r");
    if (f != NULL && fgets(line, sizeof line, f) != NULL)
        printf("vm: vm.overcommit_memory=%s", line);
    if (f != NULL)
        fclose(f);
    count = scandir("/tests", &names, NULL, by_name);
    for (i = 0; i < count; i++) {
        struct timespec t0, t1;
        int status = 0;
        pid_t pid;

        if (names[i]->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/tests/%s", names[i]->d_name);
        printf("vmtest %s start\n", names[i]->d_name);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid = fork();
        if (pid == 0) {
            execl(path, path, (char *)NULL);
            _exit(127);
        }
        waitpid(pid, &status, 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        run++;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
        printf("vmtest %s exit %d %.1fs\n", names[i]->d_name,
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    printf("vm: %d tests failed out of %d\n", failed, run);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
