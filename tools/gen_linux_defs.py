#!/usr/bin/env python3
"""Generate pal/linux/defs_<arch>.h from the kernel headers Debian installs.

    python3 tools/gen_linux_defs.py            # rewrite every defs_<arch>.h
    python3 tools/gen_linux_defs.py --check    # exit 1 if any file differs

Each value is taken by running the target's preprocessor (clang-19
--target=<triple>) over <asm/unistd.h>, <linux/mman.h>, <asm/errno.h>,
<linux/prctl.h>, <linux/fcntl.h>, <linux/auxvec.h>, <asm/signal.h>,
<asm/resource.h>, <linux/uio.h>, <linux/mempolicy.h> and (where there is
one) <asm/hwcap.h> from
/usr/<triple>/include (amd64: /usr/include/x86_64-linux-gnu, the host's
linux-libc-dev), so the tables say what the kernel says, per arch.

loong64 has no Debian headers: it takes the asm-generic numbers and
constants (from arm64's header set, which is asm-generic too) as the
loongarch kernel does; tests/linux/defs_check.c holds it against arm64.

A few values are newer than Debian 12's headers (Linux 6.1).  They are
listed in NEWER below with the kernel release that added them, written
into the tables marked as such, and checked wherever headers define them.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "pal", "linux")
CLANG = os.environ.get("PAL_CLANG", "clang-19")

# family -> (clang target, include dirs, o32/n64 syscall base or 0, mmap name)
FAMILIES = {
    "amd64": ("x86_64-linux-gnu", ["/usr/include/x86_64-linux-gnu", "/usr/include"], 0, "mmap"),
    "386": ("i686-linux-gnu", ["/usr/i686-linux-gnu/include"], 0, "mmap2"),
    "arm": ("arm-linux-gnueabihf", ["/usr/arm-linux-gnueabihf/include"], 0, "mmap2"),
    "arm64": ("aarch64-linux-gnu", ["/usr/aarch64-linux-gnu/include"], 0, "mmap"),
    "loong64": ("loongarch64-linux-gnu", ["/usr/aarch64-linux-gnu/include"], 0, "mmap"),
    "mips": ("mips-linux-gnu", ["/usr/mips-linux-gnu/include"], 4000, "mmap2"),
    "mips64": ("mips64-linux-gnuabi64", ["/usr/mips64-linux-gnuabi64/include"], 5000, "mmap"),
    "ppc64": ("powerpc64-linux-gnu", ["/usr/powerpc64-linux-gnu/include"], 0, "mmap"),
    "riscv64": ("riscv64-linux-gnu", ["/usr/riscv64-linux-gnu/include"], 0, "mmap"),
    "s390x": ("s390x-linux-gnu", ["/usr/s390x-linux-gnu/include"], 0, "mmap"),
}

# System calls: the library's, then the ones the freestanding test harness
# needs.  "mmap" stands for the family's mmap entry (mmap or mmap2).
SYSCALLS = ["mmap", "munmap", "mprotect", "madvise", "mincore", "prctl",
            "mseal", "openat", "read", "write", "close",
            "exit_group", "getpid", "kill", "clone", "wait4", "rt_sigaction",
            "rt_sigprocmask", "memfd_create", "lseek", "seccomp", "prlimit64",
            "copy_file_range", "process_madvise", "getcpu", "mbind", "getdents64"]

CONSTANTS = ["PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_EXEC",
             "MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED", "MAP_ANONYMOUS",
             "MAP_NORESERVE", "MAP_FIXED_NOREPLACE",
             "MADV_DONTNEED", "MADV_FREE", "MADV_HUGEPAGE", "MADV_NOHUGEPAGE",
             "MADV_COLLAPSE", "MADV_GUARD_INSTALL", "MADV_GUARD_REMOVE",
             "MADV_POPULATE_WRITE", "MAP_HUGETLB", "MAP_HUGE_SHIFT",
             "UIO_MAXIOV", "PIDFD_SELF_THREAD", "MPOL_PREFERRED",
             "AT_HWCAP2", "PROT_MTE", "PROT_BTI", "HWCAP2_MTE", "HWCAP2_BTI",
             "PR_SET_VMA", "PR_SET_VMA_ANON_NAME",
             "O_RDONLY", "O_CLOEXEC", "O_DIRECTORY", "AT_FDCWD", "AT_PAGESZ", "SIGCHLD",
             "SIGSEGV", "SIGBUS", "SIGKILL", "RLIMIT_CORE"]

ERRNOS = ["EPERM", "ENOENT", "EINTR", "EBADF", "EAGAIN", "ENOMEM", "EACCES",
          "EFAULT", "EBUSY", "EEXIST", "EXDEV", "EINVAL", "ENOSYS", "EOPNOTSUPP"]

# Newer than Debian 12's uapi headers (6.1): value per family, the kernel
# that added it.  mseal is 462 in the unified numbering (o32 4462, n64 5462).
NEWER = {
    "NR_mseal": ("Linux 6.10", lambda base: base + 462),
    "MADV_GUARD_INSTALL": ("Linux 6.13", lambda base: 102),
    "MADV_GUARD_REMOVE": ("Linux 6.13", lambda base: 103),
    "PIDFD_SELF_THREAD": ("Linux 6.14", lambda base: -10000),
}

# Defined by one architecture's headers only (arm64's memory tagging and
# branch protection): 0 in every other table, where the code takes 0 to
# mean "not on this architecture".
ARCH_ONLY = {"PROT_MTE", "PROT_BTI", "HWCAP2_MTE", "HWCAP2_BTI"}

# Enumerators, not macros: the preprocessor cannot see them, so their
# values are read from a compiled constant instead.
ENUMS = {"MPOL_PREFERRED"}

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
#if __has_include(<asm/hwcap.h>)
#include <asm/hwcap.h>
#endif
"""

# loong64 uses the asm-generic tables directly, as arch/loongarch does.
INCLUDES_GENERIC = """
#define __BITS_PER_LONG 64
#include <asm-generic/unistd.h>
#include <linux/mman.h>
#include <asm-generic/errno.h>
#include <asm-generic/signal.h>
#include <linux/prctl.h>
#include <linux/fcntl.h>
#include <linux/auxvec.h>
#include <asm/resource.h>
#include <linux/uio.h>
#include <linux/mempolicy.h>
"""


def entries(mmap_name):
    for s in SYSCALLS:
        yield "NR_" + s, "__NR_" + (mmap_name if s == "mmap" else s)
    for c in CONSTANTS + ERRNOS:
        yield c, c


def run_clang(family, src, args):
    target, incs, _, _ = FAMILIES[family]
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write(src)
        path = f.name
    try:
        cmd = [CLANG, "--target=" + target, "-nostdinc"] + args
        for inc in incs:
            cmd += ["-isystem", inc]
        cmd.append(path)
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)


def enum_value(family, name):
    """The value of an enumerator, from the LLVM IR of a constant that holds it."""
    src = INCLUDES_GENERIC if family == "loong64" else INCLUDES
    src += "long pal_enum = %s;\n" % name
    ir = run_clang(family, src, ["-S", "-emit-llvm", "-o", "-"])
    m = re.search(r"@pal_enum = (?:dso_local )?global i(?:32|64) (-?[0-9]+)", ir)
    if not m:
        raise SystemExit("%s: cannot read the value of %s" % (family, name))
    return int(m.group(1))


def preprocess(family):
    _, _, _, mmap_name = FAMILIES[family]
    src = INCLUDES_GENERIC if family == "loong64" else INCLUDES
    for name, macro in entries(mmap_name):
        src += "@@ pal_%s %s\n" % (name, macro)  # the label must not be a macro
    out = run_clang(family, src, ["-E", "-P"])
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


def generate(family):
    target, incs, base, mmap_name = FAMILIES[family]
    raw = preprocess(family)
    lines = []
    for name, macro in entries(mmap_name):
        note = ""
        if name in ENUMS:
            value = enum_value(family, macro)
        elif name in ARCH_ONLY and (raw[name] == macro or family == "loong64"):
            # (loong64 borrows arm64's header set, arm64's own values too)
            value = 0
            note = "  /* not on this architecture */"
        elif raw[name] == macro:  # left unexpanded: the headers do not define it
            if name not in NEWER:
                raise SystemExit("%s: %s not defined by the headers" % (family, macro))
            release, fn = NEWER[name]
            value = fn(base)
            note = "  /* %s: newer than these headers */" % release
        else:
            value = evaluate(raw[name])
        lines.append("#define LX_%-24s %s%s" % (name, value, note))
    src = "/usr/aarch64-linux-gnu/include (asm-generic)" if family == "loong64" else incs[0]
    head = ("/* Generated by tools/gen_linux_defs.py from the kernel headers in\n"
            " * %s (clang-19 --target=%s).\n"
            " * Do not edit: run `python3 tools/gen_linux_defs.py`.\n"
            " * LX_NR_mmap is __NR_%s. */\n" % (src, target, mmap_name))
    guard = "PAL_DEFS_%s_H" % family.upper()
    return "%s#ifndef %s\n#define %s\n\n%s\n\n#endif\n" % (head, guard, guard, "\n".join(lines))


def main():
    check = "--check" in sys.argv[1:]
    differ = []
    for family in FAMILIES:
        text = generate(family)
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
