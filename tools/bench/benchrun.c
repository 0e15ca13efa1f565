/*
 * benchrun.c - runs the clients' benchmark programs side by side and
 * measures each run the same way wherever it runs: natively, and as the
 * one program of the test VM (tools/vm), where there is no /usr/bin/time
 * and no strace.  Static, hosted (libc): it is the test bed, not the
 * library.
 *
 *   benchrun [SPEC]        SPEC default /data/bench.spec (the VM's copy)
 *
 * SPEC, one item a line ('#' starts a comment line; words are separated
 * by blanks, without quoting):
 *   rounds N
 *   count_rounds N      count in the first N rounds only (default: all)
 *   timeout N           a run still going after N seconds is killed
 *                       (SIGALRM: "FAIL ... signal 14"; default 600)
 *   run VARIANT SETTING WORKLOAD [cd=DIR] [cpu=N] [NAME=VALUE]... -- PROGRAM [ARG]...
 *
 * cpu=N: the program and every thread it starts run on CPU N alone, under
 * SCHED_FIFO (priority 1; needs root): a thread runs until it blocks or
 * ends, so the threads take turns in the same order every run, and what
 * the run leaves resident does not depend on how the scheduler happened
 * to overlap them (on 2 CPUs, the peak RSS of 8 threads varies by +-10%
 * from run to run).  A run whose CPU or policy is refused fails (exit 126).
 *
 * The runs of one SETTING and WORKLOAD are contenders: each round runs
 * every one of them once timed, then every one once counted, in an order
 * that rotates by one each round (no contender always first after the
 * others warmed the caches or left the machine's memory fragmented).
 * Timed: wall time from CLOCK_MONOTONIC around fork to wait4, and peak
 * RSS from wait4's rusage (the child's threads included).  Counted: the
 * memory system calls by kind, the program and every thread and process
 * it starts traced with ptrace (what strace -f -c counts); a separate run,
 * so that tracing slows no timed run.  A seccomp filter stops the traced
 * program at the counted calls only, once each (not at entry and exit of
 * every call): a purge-heavy workload makes a million of them.  Each
 * round prints one line a run,
 *   benchrow VARIANT SETTING WORKLOAD ROUND WALL_S RSS_KIB [KIND=N...]
 * (no counts in the rounds after count_rounds)
 * which tools/bench/clients.py tabulates.  A failed run prints
 * "benchrun: FAIL ..." and makes the exit status 1.
 *
 * BENCHRUN_LOGDIR=DIR: each run's output goes to
 * DIR/VARIANT.SETTING.WORKLOAD.log (the last round's), else /dev/null.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 128
#define MAX_ARGS 48

/* the memory system calls counted, by kind */
static const struct {
    const char *name;
    long nr;
} kinds[] = {
    {"mmap", SYS_mmap},
    {"munmap", SYS_munmap},
    {"mremap", SYS_mremap},
    {"mprotect", SYS_mprotect},
    {"madvise", SYS_madvise},
#ifdef SYS_process_madvise
    {"process_madvise", SYS_process_madvise},
#else
    /* headers older than the call (Linux 5.10): its number on every
     * architecture with the generic table and on x86 */
    {"process_madvise", 440},
#endif
    {"mincore", SYS_mincore},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

struct run {
    char *variant, *setting, *workload, *dir;
    int cpu; /* -1, or the one CPU it runs on (cpu=N) */
    char *env[MAX_ARGS], *argv[MAX_ARGS];
    int group; /* index of its SETTING and WORKLOAD among the groups */
};

static struct run runs[MAX_RUNS];
static int nruns, ngroups, failures;
static unsigned run_timeout = 600;

static void fail(const struct run *r, int round, const char *what, int status)
{
    printf("benchrun: FAIL %s %s %s round %d (%s): %s %d\n", r->variant, r->setting,
           r->workload, round, what, WIFSIGNALED(status) ? "signal" : "exit",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    failures++;
}

/* In the counted child: a seccomp filter that hands each counted call to
 * the tracer with its kind as the data (SECCOMP_RET_TRACE | kind) and lets
 * every other call through untraced.  Inherited by every thread and
 * process the program starts. */
static void count_filter(void)
{
    struct sock_filter f[2 + 2 * NKINDS];
    struct sock_fprog prog;
    unsigned k, n = 0;

    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (k = 0; k < NKINDS; k++) {
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)kinds[k].nr, 0, 1);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | k);
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    prog.len = (unsigned short)n;
    prog.filter = f;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("benchrun: seccomp filter");
        _exit(125);
    }
}

/* In the child: the run's directory, environment and output, then exec. */
static void start(const struct run *r)
{
    const char *logdir = getenv("BENCHRUN_LOGDIR");
    char path[512];
    int i, fd;

    for (i = 0; r->env[i] != NULL; i++)
        putenv(r->env[i]);
    if (logdir != NULL)
        snprintf(path, sizeof path, "%s/%s.%s.%s.log", logdir, r->variant, r->setting,
                 r->workload);
    else
        snprintf(path, sizeof path, "/dev/null");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    if (r->dir != NULL && chdir(r->dir) != 0)
        _exit(126);
    if (r->cpu >= 0) {
        struct sched_param sp = {.sched_priority = 1};
        cpu_set_t one;

        CPU_ZERO(&one);
        CPU_SET(r->cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0 || sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
            _exit(126);
    }
    /* kept across exec: a program that hangs (out of memory under strict
     * overcommit, say) fails its run instead of the whole benchmark */
    alarm(run_timeout);
    execv(r->argv[0], r->argv);
    _exit(127);
}

/* One timed run: 0 and its wall time and peak RSS, or -1. */
static int timed(const struct run *r, int round, double *wall, long *rss_kib)
{
    struct timespec t0, t1;
    struct rusage ru;
    int status;
    pid_t pid;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid == 0)
        start(r);
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) {
        perror("benchrun: fork/wait4");
        exit(2);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail(r, round, "timed", status);
        return -1;
    }
    *wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *rss_kib = ru.ru_maxrss;
    return 0;
}

/* One counted run: 0 and the calls of each kind, or -1. */
static int counted(const struct run *r, int round, long calls[NKINDS])
{
    unsigned long msg;
    int status, top_status = 0;
    pid_t pid, t;

    memset(calls, 0, NKINDS * sizeof calls[0]);
    pid = fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        /* stopped until the tracer has set its options, so that the
         * exec and every thread after it are seen */
        raise(SIGSTOP);
        count_filter();
        start(r);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
        perror("benchrun: fork/ptrace");
        exit(2);
    }
    /* EXITKILL: a runner that dies takes the traced program with it.
     * TRACESECCOMP: without it the filter's RET_TRACE would fail the call
     * with ENOSYS. */
    ptrace(PTRACE_SETOPTIONS, pid, NULL,
           (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                          PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP |
                          PTRACE_O_EXITKILL));
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    for (;;) {
        int inject = 0, sig;

        t = waitpid(-1, &status, __WALL);
        if (t < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: every traced thread and process is gone */
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (t == pid)
                top_status = status;
            continue;
        }
        sig = WSTOPSIG(status);
        if (sig == SIGTRAP && (status >> 16) == PTRACE_EVENT_SECCOMP) {
            /* a counted call: its kind is the filter's data */
            if (ptrace(PTRACE_GETEVENTMSG, t, NULL, &msg) == 0 && msg < NKINDS)
                calls[msg]++;
        } else if (sig == SIGTRAP && (status >> 16) != 0) {
            /* clone, fork, exec events: nothing to deliver */
        } else if (sig == SIGSTOP) {
            /* the stop a newly traced thread or process starts with */
        } else {
            inject = sig; /* the program's own signal */
        }
        ptrace(PTRACE_CONT, t, NULL, (void *)(long)inject);
    }
    if (!WIFEXITED(top_status) || WEXITSTATUS(top_status) != 0) {
        fail(r, round, "counted", top_status);
        return -1;
    }
    return 0;
}

static void parse(const char *path, int *rounds, int *count_rounds)
{
    static char text[1 << 16];
    char *line, *save, *tok, *tsave;
    char *groups[MAX_RUNS][2];
    size_t len;
    FILE *f = fopen(path, "r");
    int i;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        struct run *r = &runs[nruns];
        int ne = 0, na = 0, cmd = 0, n = 0;

        r->cpu = -1;

        tok = strtok_r(line, " \t", &tsave);
        if (tok == NULL || tok[0] == '#')
            continue;
        if (strcmp(tok, "timeout") == 0) {
            tok = strtok_r(NULL, " \t", &tsave);
            run_timeout = tok != NULL ? (unsigned)atoi(tok) : 0;
            continue;
        }
        if (strcmp(tok, "rounds") == 0 || strcmp(tok, "count_rounds") == 0) {
            int *v = tok[0] == 'r' ? rounds : count_rounds;

            tok = strtok_r(NULL, " \t", &tsave);
            *v = tok != NULL ? atoi(tok) : 0;
            continue;
        }
        if (strcmp(tok, "run") != 0 || nruns == MAX_RUNS) {
            fprintf(stderr, "benchrun: %s: cannot read \"%s\"\n", path, tok);
            exit(2);
        }
        while ((tok = strtok_r(NULL, " \t", &tsave)) != NULL) {
            if (n < 3) {
                *(n == 0 ? &r->variant : n == 1 ? &r->setting : &r->workload) = tok;
                n++;
            } else if (!cmd && strcmp(tok, "--") == 0) {
                cmd = 1;
            } else if (cmd && na < MAX_ARGS - 1) {
                r->argv[na++] = tok;
            } else if (!cmd && strncmp(tok, "cd=", 3) == 0) {
                r->dir = tok + 3;
            } else if (!cmd && strncmp(tok, "cpu=", 4) == 0) {
                r->cpu = atoi(tok + 4);
            } else if (!cmd && strchr(tok, '=') != NULL && ne < MAX_ARGS - 1) {
                r->env[ne++] = tok;
            } else {
                fprintf(stderr, "benchrun: %s: too many words in a run line\n", path);
                exit(2);
            }
        }
        if (n < 3 || na == 0) {
            fprintf(stderr, "benchrun: %s: a run line needs VARIANT SETTING WORKLOAD -- PROGRAM\n", path);
            exit(2);
        }
        for (i = 0; i < ngroups; i++)
            if (strcmp(groups[i][0], r->setting) == 0 && strcmp(groups[i][1], r->workload) == 0)
                break;
        if (i == ngroups) {
            groups[i][0] = r->setting;
            groups[i][1] = r->workload;
            ngroups++;
        }
        r->group = i;
        nruns++;
    }
}

int main(int argc, char **argv)
{
    int rounds = 1, count_rounds = -1, round, g, i, j, n, order[MAX_RUNS];
    const char *env_rounds = getenv("BENCHRUN_ROUNDS");

    setvbuf(stdout, NULL, _IOLBF, 0);
    parse(argc > 1 ? argv[1] : "/data/bench.spec", &rounds, &count_rounds);
    /* the VM's kernel command line may lower the rounds (NAME=VALUE
     * arguments reach init's environment, and so this one's) */
    if (env_rounds != NULL && atoi(env_rounds) > 0)
        rounds = atoi(env_rounds);
    if (count_rounds < 0 || count_rounds > rounds)
        count_rounds = rounds;
    printf("benchrun: %d runs in %d groups, %d rounds, counted in %d\n", nruns, ngroups, rounds,
           count_rounds);
    for (round = 1; round <= rounds; round++) {
        for (g = 0; g < ngroups; g++) {
            double wall[MAX_RUNS];
            long rss[MAX_RUNS], calls[MAX_RUNS][NKINDS];
            int ok[MAX_RUNS];

            for (n = 0, i = 0; i < nruns; i++)
                if (runs[i].group == g)
                    order[n++] = i;
            for (j = 0; j < n; j++) {
                i = order[(j + round - 1) % n];
                ok[i] = timed(&runs[i], round, &wall[i], &rss[i]) == 0;
            }
            for (j = 0; j < n && round <= count_rounds; j++) {
                i = order[(j + round - 1) % n];
                ok[i] = counted(&runs[i], round, calls[i]) == 0 && ok[i];
            }
            for (j = 0; j < n; j++) {
                unsigned k;

                i = order[j];
                if (!ok[i])
                    continue;
                printf("benchrow %s %s %s %d %.3f %ld", runs[i].variant, runs[i].setting,
                       runs[i].workload, round, wall[i], rss[i]);
                for (k = 0; k < NKINDS && round <= count_rounds; k++)
                    printf(" %s=%ld", kinds[k].name, calls[i][k]);
                printf("\n");
            }
        }
    }
    return failures ? 1 : 0;
}
