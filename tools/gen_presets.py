#!/usr/bin/env python3
"""gen_presets.py - CMakePresets.json from the targets of tools/targets.txt.

  python3 tools/gen_presets.py            write CMakePresets.json
  python3 tools/gen_presets.py --check    the committed file is what it would write
  python3 tools/gen_presets.py --configs  each target's name, kind, line and
                                          CMake settings, tab-separated
                                          (tools/test-all.sh --configs)

One configure, build, test and workflow preset per target of the matrix
(the CMake settings of each kind are made here, in settings()), named as
the target, building in build-matrix/<name>:

  cmake --workflow --preset s390x-gcc     configure, build, test under qemu-user

The test presets run ctest with the suite's own output (every test line),
as tools/test-all.sh reads it.  A target that is not run here has no test
preset, and its workflow configures and builds only: the macOS targets
(nothing here runs Mach-O).  A VM target's test preset runs the one test
that boots the VM.  Targets that are not CMake builds of libpal (the
clients and script targets, which bring their own scripts) have none.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESETS = os.path.join(ROOT, "CMakePresets.json")
TARGETS = os.path.join(ROOT, "tools", "targets.txt")
BUILD_ONLY = {"buildonly"}
NO_PRESET = {"client", "script"}


def targets():
    """name, kind, how (the line after the name) and words of each line of tools/targets.txt."""
    with open(TARGETS, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            yield words[0], words[1], " ".join(words[1:]), words[2:]


def settings(kind, args):
    """A target's CMake settings, -D<var>=<value>: what its configure preset
    holds besides the Ninja generator, RelWithDebInfo and
    build-matrix/<name> of every preset (paths inside this tree start with
    ROOT).  The client and script kinds have none but their -D words."""
    def toolchain(name):
        return "-DCMAKE_TOOLCHAIN_FILE=%s/cmake/toolchains/%s.cmake" % (ROOT, name)
    a = args[0] if args else ""
    b = args[1] if len(args) > 1 else ""
    cfg = []
    if kind == "native":
        cfg.append("-DCMAKE_C_COMPILER=" + a)
    elif kind in ("cross", "buildonly"):
        cfg.append(toolchain(a))
    elif kind == "backend":
        cfg += ["-DPAL_BACKEND=" + a, "-DCMAKE_C_COMPILER=" + b]
    elif kind == "vm":
        # a cross toolchain links the tests statically already
        if os.path.isfile(os.path.join(ROOT, "cmake", "toolchains", b + ".cmake")):
            cfg.append(toolchain(b))
        else:
            cfg += ["-DCMAKE_C_COMPILER=" + b, "-DCMAKE_EXE_LINKER_FLAGS=-static"]
        # tools/vm/run.sh's arguments but the build directory: the kernel's
        # before "--", each QEMU argument after it behind a -q
        vm, qemu = ["-m", a], False
        for x in args[2:]:
            if qemu:
                vm += ["-q", x]
            elif x == "--":
                qemu = True
            elif not x.startswith("-D"):
                vm.append(x)
        cfg.append("-DPAL_TEST_VM=" + ";".join(vm))
    for x in args:
        if x == "--":
            break
        if x.startswith("-D"):
            cfg.append(x)
    return cfg


def source_relative(value):
    if value == ROOT or value.startswith(ROOT + "/"):
        return "${sourceDir}" + value[len(ROOT):]
    return value


def describe(kind, how):
    """The target's line of tools/targets.txt in words, for cmake --list-presets."""
    words = how.split()
    args = [w for w in words[1:] if not w.startswith("-D")]
    extra = " ".join(w[2:] for w in words[1:] if w.startswith("-D"))
    text = {
        "native": lambda: "this machine, %s" % args[0],
        "cross": lambda: "toolchain %s, tests through its emulator (qemu-user, wine)" % args[0],
        "backend": lambda: "PAL_BACKEND=%s on this Linux host, %s" % (args[0], args[1]),
        "buildonly": lambda: "toolchain %s, built and linked, not run" % args[0],
        "vm": lambda: "%s, static, tests in the test VM on Debian's %s kernel%s" % (
            args[1], args[0], ": " + " ".join(args[2:]) if args[2:] else ""),
    }[kind]()
    return text + (", " + extra if extra else "")


def generate():
    configure = [{
        "name": "matrix",
        "hidden": True,
        "generator": "Ninja",
        "binaryDir": "${sourceDir}/build-matrix/${presetName}",
        "cacheVariables": {"CMAKE_BUILD_TYPE": "RelWithDebInfo"},
    }]
    build, test, workflow = [], [{
        "name": "matrix",
        "hidden": True,
        "output": {"verbosity": "verbose"},
        "execution": {"timeout": 300},
    }], []
    for name, kind, how, args in targets():
        if kind in NO_PRESET:
            continue
        preset = {"name": name, "inherits": "matrix", "displayName": describe(kind, how)}
        cache = {}
        for s in settings(kind, args):
            assert s.startswith("-D") and "=" in s, s
            var, value = s[2:].split("=", 1)
            if var == "CMAKE_TOOLCHAIN_FILE":
                preset["toolchainFile"] = source_relative(value)
            else:
                cache[var] = source_relative(value)
        if cache:
            preset["cacheVariables"] = cache
        configure.append(preset)
        build.append({"name": name, "configurePreset": name})
        steps = [{"type": "configure", "name": name}, {"type": "build", "name": name}]
        if kind not in BUILD_ONLY:
            t = {"name": name, "inherits": "matrix", "configurePreset": name}
            if kind == "vm":
                t["filter"] = {"include": {"name": "^vm$"}}
            test.append(t)
            steps.append({"type": "test", "name": name})
        workflow.append({"name": name, "steps": steps})
    doc = {
        "version": 6,
        "cmakeMinimumRequired": {"major": 3, "minor": 25, "patch": 0},
        "configurePresets": configure,
        "buildPresets": build,
        "testPresets": test,
        "workflowPresets": workflow,
    }
    return json.dumps(doc, indent=2) + "\n"


def main(argv):
    if argv[1:] == ["--configs"]:
        # tools/test-all.sh --configs
        for name, kind, how, args in targets():
            print("\t".join([name, kind, how] + settings(kind, args)))
        return 0
    text = generate()
    if argv[1:] == ["--check"]:
        try:
            with open(PRESETS, encoding="utf-8") as f:
                committed = f.read()
        except OSError as e:
            print("CMakePresets.json: %s" % e)
            return 1
        if committed != text:
            print("CMakePresets.json differs from the targets of tools/targets.txt: "
                  "run python3 tools/gen_presets.py")
            return 1
        return 0
    if argv[1:]:
        sys.stderr.write(__doc__)
        return 2
    with open(PRESETS, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
