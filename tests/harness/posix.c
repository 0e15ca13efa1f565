/* posix.c - the hosted platform file: libc's main, write, fork and wait. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pal_test.h"

extern char **environ;
extern char **th_environ;
int th_main(int argc, char **argv);

void th_write(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, s, n);

        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

int th_child(int (*fn)(void *), void *arg)
{
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return TH_CHILD_NONE;
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };

        setrlimit(RLIMIT_CORE, &no_core); /* expected crashes: no dumps */
        _exit(fn(arg));
    }
    if (waitpid(pid, &status, 0) != pid)
        return TH_CHILD_NONE;
    if (WIFSIGNALED(status))
        return TH_CHILD_SIGNAL(WTERMSIG(status));
    return TH_CHILD_EXIT(WEXITSTATUS(status));
}

int th_faults(volatile void *addr, int write)
{
    return th_faults_in_child(addr, write, SIGSEGV, SIGBUS);
}

int main(int argc, char **argv)
{
    th_environ = environ;
    return th_main(argc, argv);
}
