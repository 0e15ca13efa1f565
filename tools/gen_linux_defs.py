#!/usr/bin/env python3
"""Generate pal/linux/defs_<arch>.h from each architecture's own kernel headers.

    python3 tools/gen_linux_defs.py            # rewrite every defs_<arch>.h
    python3 tools/gen_linux_defs.py --check    # exit 1 if any file differs
    ... [--deb linux-libc-dev_<version>_all.deb]   that package, not a download

The headers are Debian unstable's linux-libc-dev, fetched with
`tools/fetch.sh deb linux-libc-dev amd64 sid`: there it is one
Architecture: all package holding every architecture's uapi headers
(/usr/include/<multiarch>/asm, next to the shared /usr/include/linux and
asm-generic), and unstable's are new enough for every value the library
uses (mseal, MADV_GUARD_*, PIDFD_SELF_THREAD are newer than Debian 12's).
Each value is taken by running the target's preprocessor (clang-19
--target=<triple> -nostdinc) over <asm/unistd.h>, <linux/mman.h>,
<asm/errno.h>, <asm/signal.h>, <linux/prctl.h>, <linux/fcntl.h>,
<linux/auxvec.h>, <asm/resource.h>, <linux/uio.h>, <linux/mempolicy.h>,
<linux/pidfd.h>, <linux/userfaultfd.h>, <linux/fs.h> and (where there is one) <asm/hwcap.h>, with nothing on the
include path but that architecture's asm directory and the shared headers:
no architecture borrows another's.  That matters beyond the system call
numbers: fcntl, mman, errno and signal values differ between architectures
that share the asm-generic numbering (arm64's O_DIRECTORY is
asm-generic's O_DIRECT; loongarch takes asm-generic's own).

A value the headers do not define stops the generator, except the few that
belong to one architecture (ARCH_ONLY), which are 0 elsewhere.
tools/check_generated.sh runs --check, and tests/linux/defs_check.c, which
compares the tables with the same headers (and with Debian 12's, where
installed) through the compiler.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "pal", "linux")
CLANG = os.environ.get("PAL_CLANG", "clang-19")

# family -> (clang target, its directory in /usr/include (the Debian
# multiarch name), o32/n64 syscall base or 0, mmap name)
FAMILIES = {
    "amd64": ("x86_64-linux-gnu", "x86_64-linux-gnu", 0, "mmap"),
    "386": ("i686-linux-gnu", "i386-linux-gnu", 0, "mmap2"),
    "arm": ("arm-linux-gnueabihf", "arm-linux-gnueabihf", 0, "mmap2"),
    "arm64": ("aarch64-linux-gnu", "aarch64-linux-gnu", 0, "mmap"),
    "loong64": ("loongarch64-linux-gnu", "loongarch64-linux-gnu", 0, "mmap"),
    "mips": ("mips-linux-gnu", "mips-linux-gnu", 4000, "mmap2"),
    "mips64": ("mips64-linux-gnuabi64", "mips64-linux-gnuabi64", 5000, "mmap"),
    "ppc64": ("powerpc64-linux-gnu", "powerpc64-linux-gnu", 0, "mmap"),
    "riscv64": ("riscv64-linux-gnu", "riscv64-linux-gnu", 0, "mmap"),
    "s390x": ("s390x-linux-gnu", "s390x-linux-gnu", 0, "mmap"),
}

# System calls: the library's, then the ones the freestanding test harness
# needs.  "mmap" stands for the family's mmap entry (mmap or mmap2).
SYSCALLS = ["mmap", "munmap", "mprotect", "madvise", "mincore", "prctl",
            "mseal", "openat", "read", "write", "close",
            "exit_group", "getpid", "kill", "clone", "wait4", "rt_sigaction",
            "rt_sigprocmask", "memfd_create", "lseek", "seccomp", "prlimit64",
            "copy_file_range", "process_madvise", "getcpu", "mbind", "getdents64",
            "ioctl", "userfaultfd", "msync"]

CONSTANTS = ["PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_EXEC",
             "MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED", "MAP_ANONYMOUS",
             "MAP_NORESERVE", "MAP_FIXED_NOREPLACE",
             "MADV_DONTNEED", "MADV_FREE", "MADV_HUGEPAGE", "MADV_NOHUGEPAGE",
             "MADV_COLLAPSE", "MADV_GUARD_INSTALL", "MADV_GUARD_REMOVE",
             "MADV_POPULATE_WRITE", "MADV_DONTDUMP", "MADV_DODUMP", "MAP_HUGETLB", "MAP_HUGE_SHIFT",
             "UIO_MAXIOV", "PIDFD_SELF_THREAD", "MPOL_DEFAULT", "MPOL_PREFERRED",
             "AT_HWCAP2", "PROT_MTE", "PROT_BTI", "HWCAP2_MTE", "HWCAP2_BTI",
             "PR_SET_VMA", "PR_SET_VMA_ANON_NAME",
             "O_RDONLY", "O_CLOEXEC", "O_DIRECTORY", "AT_FDCWD", "AT_PAGESZ", "SIGCHLD",
             "SIGSEGV", "SIGBUS", "SIGKILL", "RLIMIT_CORE",
             # write tracking: asynchronous userfaultfd write-protection and
             # PAGEMAP_SCAN (Linux 6.7)
             "UFFD_API", "UFFD_USER_MODE_ONLY", "UFFD_FEATURE_WP_ASYNC",
             "UFFDIO_REGISTER_MODE_WP", "UFFDIO_WRITEPROTECT_MODE_WP",
             "UFFDIO_API", "UFFDIO_REGISTER", "UFFDIO_UNREGISTER", "UFFDIO_WRITEPROTECT",
             "PAGEMAP_SCAN", "PM_SCAN_WP_MATCHING", "PM_SCAN_CHECK_WPASYNC",
             "PAGE_IS_WRITTEN", "O_NONBLOCK", "MS_ASYNC",
             "SIZEOF_uffdio_api", "SIZEOF_uffdio_register", "SIZEOF_uffdio_writeprotect",
             "SIZEOF_pm_scan_arg", "SIZEOF_page_region"]

ERRNOS = ["EPERM", "ENOENT", "EINTR", "EBADF", "EAGAIN", "ENOMEM", "EACCES",
          "EFAULT", "EBUSY", "EEXIST", "EXDEV", "EINVAL", "ENOSYS", "EOPNOTSUPP"]

# Defined by one architecture's headers only (arm64's memory tagging and
# branch protection): 0 in every other table, where the code takes 0 to
# mean "not on this architecture".
ARCH_ONLY = {"PROT_MTE", "PROT_BTI", "HWCAP2_MTE", "HWCAP2_BTI"}

# Enumerators, not macros: the preprocessor cannot see them, so their
# values are read from a compiled constant instead.
ENUMS = {"MPOL_DEFAULT", "MPOL_PREFERRED"}

# Read the same way: casts ((__u64)0xAA: the evaluator does no casts), ioctl numbers (_IOWR and friends take a sizeof, which
# the evaluator below does not do, and the direction bits differ between
# architectures), and the sizes of the structures the ioctls take, which the
# backend declares itself and defs_check.c holds against the headers.
COMPILED = {"UFFD_API", "UFFD_FEATURE_WP_ASYNC", "PAGE_IS_WRITTEN", "PM_SCAN_WP_MATCHING",
            "PM_SCAN_CHECK_WPASYNC", "UFFDIO_REGISTER_MODE_WP", "UFFDIO_WRITEPROTECT_MODE_WP",
            "UFFDIO_API", "UFFDIO_REGISTER", "UFFDIO_UNREGISTER", "UFFDIO_WRITEPROTECT",
            "PAGEMAP_SCAN"}
SIZEOF = {"SIZEOF_uffdio_api": "sizeof(struct uffdio_api)",
          "SIZEOF_uffdio_register": "sizeof(struct uffdio_register)",
          "SIZEOF_uffdio_writeprotect": "sizeof(struct uffdio_writeprotect)",
          "SIZEOF_pm_scan_arg": "sizeof(struct pm_scan_arg)",
          "SIZEOF_page_region": "sizeof(struct page_region)"}

INCLUDES = """
#include <asm/unistd.h>
#include <linux/mman.h>
#include <asm/errno.h>
#include <asm/signal.h>
#include <linux/prctl.h>
#include <linux/fcntl.h>
#include <linux/auxvec.h>
#include <asm/resource.h>
#include <linux/uio.h>
#include <linux/mempolicy.h>
#include <linux/pidfd.h>
#include <linux/userfaultfd.h>
#include <linux/fs.h>
#if __has_include(<asm/hwcap.h>)
#include <asm/hwcap.h>
#endif
"""


def entries(mmap_name):
    for s in SYSCALLS:
        yield "NR_" + s, "__NR_" + (mmap_name if s == "mmap" else s)
    for c in CONSTANTS + ERRNOS:
        yield c, SIZEOF.get(c, c)


def run_clang(family, headers, src, args):
    target, multiarch, _, _ = FAMILIES[family]
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write(src)
        path = f.name
    try:
        cmd = [CLANG, "--target=" + target, "-nostdinc",
               "-isystem", os.path.join(headers, multiarch),
               "-isystem", headers] + args + [path]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)


def enum_value(family, headers, name, ctype="long"):
    """The value of an enumerator, from the LLVM IR of a constant that holds it."""
    src = INCLUDES + "%s pal_enum = %s;\n" % (ctype, name)
    ir = run_clang(family, headers, src, ["-S", "-emit-llvm", "-o", "-"])
    m = re.search(r"@pal_enum = (?:dso_local )?global i(?:32|64) (-?[0-9]+)", ir)
    if not m:
        raise SystemExit("%s: cannot read the value of %s" % (family, name))
    return int(m.group(1))


def preprocess(family, headers):
    _, _, _, mmap_name = FAMILIES[family]
    src = INCLUDES
    for name, macro in entries(mmap_name):
        src += "@@ pal_%s %s\n" % (name, macro)  # the label must not be a macro
    out = run_clang(family, headers, src, ["-E", "-P"])
    values = {}
    for line in out.splitlines():
        if line.startswith("@@ "):
            _, name, expr = line.split(" ", 2)
            values[name[len("pal_"):]] = expr.strip()
    return values


def evaluate(expr):
    """Integer value of a preprocessed expression made of what uapi numbers
    are made of: integer literals (decimal, hex, octal, with U/L suffixes),
    unary minus, + - | << >> and parentheses.  Anything else (a cast, a
    division, ?:) raises rather than being approximated, and a value must
    fit in a signed long: what the tables hold."""
    tokens = re.findall(r"0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+[uUlL]*|<<|>>|[-+|()]|\S", expr)
    out = []
    for t in tokens:
        m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*", t)
        if m:
            lit = m.group(1)
            out.append(str(int(lit, 16) if lit[:2] in ("0x", "0X")
                           else int(lit, 8) if len(lit) > 1 and lit[0] == "0"
                           else int(lit)))
        elif t in ("<<", ">>", "-", "+", "|", "(", ")"):
            out.append(t)
        else:
            raise SystemExit("cannot evaluate %r (at %r)" % (expr, t))
    value = eval(" ".join(out), {"__builtins__": {}})  # integers and the operators above only
    if not -(1 << 63) <= value < (1 << 63):
        raise SystemExit("%r does not fit in a long" % expr)
    return value


def generate(family, headers):
    target, multiarch, _, mmap_name = FAMILIES[family]
    if not os.path.exists(os.path.join(headers, multiarch, "asm", "unistd.h")):
        raise SystemExit("%s: no %s/asm/unistd.h in the headers" % (family, multiarch))
    raw = preprocess(family, headers)
    lines = []
    for name, macro in entries(mmap_name):
        note = ""
        if name in ENUMS or name in COMPILED or name in SIZEOF:
            # long long: an ioctl number above 2^31 keeps its sign on 32-bit
            value = enum_value(family, headers, macro,
                               "long" if name in ENUMS else "long long")
        elif raw[name] == macro:  # left unexpanded: the headers do not define it
            if name not in ARCH_ONLY:
                raise SystemExit("%s: %s not defined by the headers" % (family, macro))
            value = 0
            note = "  /* not on this architecture */"
        else:
            value = evaluate(raw[name])
        lines.append("#define LX_%-24s %s%s" % (name, value, note))
    head = ("/* Generated by tools/gen_linux_defs.py from this architecture's kernel\n"
            " * headers: Debian unstable's linux-libc-dev, /usr/include/%s\n"
            " * and /usr/include (clang-19 --target=%s).\n"
            " * Do not edit: run `python3 tools/gen_linux_defs.py`.\n"
            " * LX_NR_mmap is __NR_%s. */\n" % (multiarch, target, mmap_name))
    guard = "PAL_DEFS_%s_H" % family.upper()
    return "%s#ifndef %s\n#define %s\n\n%s\n\n#endif\n" % (head, guard, guard, "\n".join(lines))


def fetch_deb():
    """The path of unstable's linux-libc-dev, through tools/fetch.sh (cached,
    checksum verified)."""
    cmd = [os.path.join(ROOT, "tools", "fetch.sh"), "deb", "linux-libc-dev", "amd64", "sid"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        raise SystemExit("cannot fetch Debian unstable's linux-libc-dev (%s): %s"
                         % (" ".join(cmd[1:]), (r.stderr or r.stdout).strip()))
    return r.stdout.strip().splitlines()[-1]


def extract(deb, into):
    """The package's /usr/include, unpacked under into.  It must be the
    Architecture: all package: an amd64-only one would hold amd64's asm
    directory alone, and the other families would find none."""
    arch = subprocess.run(["dpkg-deb", "-f", deb, "Architecture"], check=True,
                          capture_output=True, text=True).stdout.strip()
    if arch != "all":
        raise SystemExit("%s: Architecture %s, not all: it lacks the other "
                         "architectures' headers" % (deb, arch))
    subprocess.run(["dpkg-deb", "-x", deb, into], check=True)
    return os.path.join(into, "usr", "include")


def main():
    args = sys.argv[1:]
    check = "--check" in args
    if "--deb" in args and args.index("--deb") + 1 == len(args):
        raise SystemExit("--deb: which .deb?")
    deb = args[args.index("--deb") + 1] if "--deb" in args else fetch_deb()
    differ = []
    with tempfile.TemporaryDirectory(prefix="pal-linux-headers.") as tmp:
        headers = extract(deb, tmp)
        for family in FAMILIES:
            text = generate(family, headers)
            path = os.path.join(OUT, "defs_%s.h" % family)
            old = open(path).read() if os.path.exists(path) else None
            if check:
                if old != text:
                    differ.append(path)
            elif old != text:
                with open(path, "w") as f:
                    f.write(text)
                print("wrote", os.path.relpath(path, ROOT))
    if differ:
        print("differ from the headers:", *differ)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
