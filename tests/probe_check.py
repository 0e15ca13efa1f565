#!/usr/bin/env python3
"""probe_check.py - palprobe's output holds every field, with sane values.

  probe_check.py -- [EMULATOR...] PALPROBE
      runs the probe three times (--json with PAL_POLICY unset;
      PALPROBE_FORMAT=json with an invalid PAL_POLICY; for people with a
      valid one) and checks each output
  probe_check.py --file FILE
      checks one JSON object (a probe run elsewhere: tools/demo.sh --target)

Prints a line per check ("ok", "FAIL" with the reason) and "N passed,
N failed, N skipped", as the test programs do; exits non-zero on a failure.
"""
import json
import os
import subprocess
import sys

FEATURES = ["madv_free", "madv_dontneed", "thp", "thp_collapse", "vma_name",
            "fixed_noreplace", "guard", "seal", "resident", "protect", "batch",
            "populate", "hugetlb", "numa", "mte", "bti", "track"]
POLICY_KEYS = {"madvdontneed": 1, "harddecommit": 2, "disablethp": 4, "thpgranular": 8}
POLICY_DEFAULT = 1 | 8
RESULTS = {"PAL_OK", "PAL_EINVAL", "PAL_ENOMEM", "PAL_EACCES", "PAL_EAGAIN",
           "PAL_ENOSYS", "PAL_EEXIST", "PAL_EPERM", "PAL_EOS"}
# the states a region must pass through in the walk
STATES = ["Reserved", "Prepared", "Ready", "None"]

passed = failed = 0


def report(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what)


class Bad(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Bad(why)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def int_or_null(obj, key):
    need(key in obj, "no field %s" % key)
    need(obj[key] is None or is_int(obj[key]), "%s is not an integer or null: %r" % (key, obj[key]))
    return obj[key]


def str_or_null(obj, key):
    need(key in obj, "no field %s" % key)
    need(obj[key] is None or isinstance(obj[key], str), "%s is not a string or null" % key)
    return obj[key]


def check_platform(p, backend):
    for key in ("os", "arch"):
        need(isinstance(p.get(key), str) and p[key], "platform.%s missing" % key)
    str_or_null(p, "kernel")
    ps = p.get("page_size")
    need(is_int(ps) and ps >= 4096 and ps & (ps - 1) == 0, "page_size %r" % ps)
    want_ps = os.environ.get("PAL_TEST_PAGE_SIZE")
    need(want_ps is None or ps == int(want_ps), "page_size %r, the run asked for %s" % (ps, want_ps))
    hps = p.get("huge_page_size")
    need(is_int(hps) and (hps == 0 or (hps > ps and hps & (hps - 1) == 0)), "huge_page_size %r" % hps)
    sizes = p.get("huge_page_sizes")
    need(isinstance(sizes, list) and all(is_int(s) and s > ps for s in sizes) and sizes == sorted(sizes),
         "huge_page_sizes %r" % sizes)
    pools = p.get("huge_page_pools")
    need(isinstance(pools, list) and [q.get("size") for q in pools] == sizes, "huge_page_pools %r" % pools)
    for q in pools:
        int_or_null(q, "pages")
        int_or_null(q, "free")
    for key in ("thp_enabled", "thp_defrag"):
        v = str_or_null(p, key)
        need(v is None or v in ("always", "madvise", "never", "defer", "defer+madvise", "within_size"),
             "%s %r" % (key, v))
    for key in ("khugepaged_max_ptes_none", "max_map_count", "mappings", "current_node"):
        int_or_null(p, key)
    mode = int_or_null(p, "overcommit_memory")
    need(mode in (None, 0, 1, 2), "overcommit_memory %r" % mode)
    meaning = str_or_null(p, "overcommit_meaning")
    need((mode is None) == (meaning is None), "overcommit_meaning without a mode, or the reverse")
    need(is_int(p.get("numa_nodes")) and p["numa_nodes"] >= 1, "numa_nodes %r" % p.get("numa_nodes"))
    if p["os"] == "Linux" and p["mappings"] is not None:
        need(p["mappings"] > 0, "a process with no mappings")
        need(p["max_map_count"] is None or p["mappings"] <= p["max_map_count"], "mappings above the limit")
    if backend == "linux" and p["thp_enabled"] == "never":
        need(hps == 0, "THP never, yet a huge page size")


def check_features(f, p, backend):
    need(isinstance(f, dict) and sorted(f) == sorted(FEATURES), "feature names %r" % sorted(f))
    for bit, name in enumerate(FEATURES):
        e = f[name]
        need(e.get("bit") == bit, "%s: bit %r, not %d" % (name, e.get("bit"), bit))
        need(isinstance(e.get("value"), bool), "%s: value not a boolean" % name)
        need(isinstance(e.get("meaning"), str) and e["meaning"], "%s: no meaning" % name)
        need(isinstance(e.get("reason"), str) and e["reason"], "%s: no reason" % name)
        since = str_or_null(e, "linux_since")
        need(since is None or since.replace(".", "").isdigit(), "%s: linux_since %r" % (name, since))
    # bits that are facts the platform section shows too
    need(f["thp"]["value"] == (p["huge_page_size"] != 0), "thp bit disagrees with huge_page_size")
    if backend == "linux":
        need(f["hugetlb"]["value"] == bool(p["huge_page_sizes"]), "hugetlb bit disagrees with the pools")
        need(f["numa"]["value"] <= (p["numa_nodes"] > 1), "numa bit with one node")
    need(f["protect"]["value"] == (backend != "plan9"), "protect bit %r on %s" % (f["protect"]["value"], backend))


def check_policy(pol, env):
    value = pol.get("value")
    need(is_int(value), "policy value %r" % value)
    for key, bit in POLICY_KEYS.items():
        need(pol.get(key) == (1 if value & bit else 0), "policy %s disagrees with value %r" % (key, value))
    need(isinstance(pol.get("unused_zeroes"), bool), "unused_zeroes not a boolean")
    str_or_null(pol, "env")
    str_or_null(pol, "error")
    str_or_null(pol, "error_code")
    need(pol.get("env") == env, "env %r, the run set %r" % (pol.get("env"), env))
    if env is None:
        need(pol.get("source") == "default" and pol["error"] is None and value == POLICY_DEFAULT,
             "no PAL_POLICY: source %r, value %r" % (pol.get("source"), value))
    else:
        # applied when it parses, else the default with the error
        need((pol.get("source"), pol["error"] is None) in (("PAL_POLICY", True), ("default", False)),
             "PAL_POLICY set: source %r with error %r" % (pol.get("source"), pol["error"]))
        need(pol["error"] is None or value == POLICY_DEFAULT, "a refused PAL_POLICY changed the policy")


def check_walk(w, policy, backend):
    size = w.get("region_bytes")
    need(is_int(size) and size > 0, "region_bytes %r" % size)
    steps = w.get("steps")
    need(isinstance(steps, list) and steps, "no steps")
    for s in steps:
        need(isinstance(s.get("step"), str) and isinstance(s.get("state"), str), "step without a name or state")
        need(s.get("result") in RESULTS, "%s: result %r" % (s["step"], s.get("result")))
        need((s.get("error") is None) == (s["result"] == "PAL_OK"), "%s: error and result disagree" % s["step"])
        int_or_null(s, "resident_bytes")
        int_or_null(s, "mappings")
        need(is_int(s.get("os_calls")), "%s: os_calls %r" % (s["step"], s.get("os_calls")))
    ok_states = {s["state"] for s in steps if s["result"] == "PAL_OK"}
    for state in STATES:
        need(state in ok_states, "the walk never reached %s" % state)
    first = steps[0]
    need(first["step"] == "reserve_aligned" and first["result"] == "PAL_OK", "the walk starts with %r" % first)
    need(first["resident_bytes"] in (None, 0), "Reserved memory resident: %r" % first["resident_bytes"])
    for s in steps:
        if s["step"] == "populate" and s["result"] == "PAL_OK" and s["resident_bytes"] is not None:
            need(s["resident_bytes"] == size, "populate left %r of %d bytes resident" % (s["resident_bytes"], size))
        # Plan 9's free puts the range back on its free list: the break's
        # memory stays mapped
        if (s["step"] == "free" and s["result"] == "PAL_OK" and s["mappings"] is not None
                and backend != "plan9"):
            need(s["mappings"] == 0, "a freed region still mapped: %r" % s["mappings"])
        # MADV_FREE (madvdontneed=0) leaves pages resident until the kernel wants them
        if (s["step"] == "unused (whole)" and s["result"] == "PAL_OK" and s["resident_bytes"] is not None
                and policy["madvdontneed"] == 1):
            need(s["resident_bytes"] == 0, "unused left %r bytes resident" % s["resident_bytes"])


def check_doc(doc, env=None, what="palprobe --json"):
    """Every field of one probe run; env is the PAL_POLICY it ran with."""
    try:
        need(isinstance(doc, dict), "not one JSON object")
        for key in ("libpal", "platform", "features", "policy", "walk", "stats"):
            need(key in doc, "no %s section" % key)
        lib = doc["libpal"]
        need(lib.get("version") == 1 and isinstance(lib.get("backend"), str), "libpal %r" % lib)
        backend = lib["backend"]
        check_platform(doc["platform"], backend)
        check_features(doc["features"], doc["platform"], backend)
        check_policy(doc["policy"], env)
        check_walk(doc["walk"], doc["policy"], backend)
        st = doc["stats"]
        need(is_int(st.get("os_calls")) and st["os_calls"] > 0 and is_int(st.get("fallbacks")), "stats %r" % st)
    except Bad as e:
        report(False, "%s: %s" % (what, e))
        return None
    report(True, "%s: every field (%s backend, %s %s, page %d)" % (
        what, doc["libpal"]["backend"], doc["platform"]["os"], doc["platform"]["arch"],
        doc["platform"]["page_size"]))
    return doc


def run(cmd, env_policy, fmt_env=False):
    env = dict(os.environ)
    env.pop("PAL_POLICY", None)
    env.pop("PALPROBE_FORMAT", None)
    if env_policy is not None:
        env["PAL_POLICY"] = env_policy
    if fmt_env:
        env["PALPROBE_FORMAT"] = "json"
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def parse(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        report(False, "%s: not JSON: %s" % (what, e))
        return None


def main(argv):
    if len(argv) == 3 and argv[1] == "--file":
        with open(argv[2], encoding="utf-8") as f:
            doc = parse(f.read(), argv[2])
        if doc is not None:
            check_doc(doc, doc.get("policy", {}).get("env"), "palprobe --json (%s)" % argv[2])
    elif len(argv) > 2 and argv[1] == "--":
        probe = argv[2:]
        # the default policy, asked for with --json
        rc, out, err = run(probe + ["--json"], None)
        doc = parse(out, "palprobe --json") if rc == 0 else None
        if rc != 0:
            report(False, "palprobe --json exited %d: %s" % (rc, err.strip()))
        elif doc is not None:
            check_doc(doc)
        # an invalid PAL_POLICY, JSON asked for by the environment: the
        # error shown, the default kept
        bad = "madvdontneed=2"
        rc, out, err = run(probe, bad, fmt_env=True)
        doc = parse(out, "PALPROBE_FORMAT=json") if rc == 0 else None
        if doc is not None and check_doc(doc, bad, "PAL_POLICY=%s" % bad):
            pol = doc["policy"]
            report(pol["source"] == "default" and pol["error_code"] == "PAL_EINVAL" and pol["error"]
                   and pol["value"] == POLICY_DEFAULT,
                   "PAL_POLICY=%s refused with its error, the default kept: %r" % (bad, pol))
        elif rc != 0:
            report(False, "PALPROBE_FORMAT=json exited %d: %s" % (rc, err.strip()))
        # a valid one, for people: applied on top of the default, said
        # where it came from, every section and every bit shown
        good = "madvdontneed=0,disablethp=1"
        rc, out, err = run(probe, good)
        missing = [w for w in ["platform", "features", "policy", "region of",
                               'PAL_POLICY="%s"' % good,
                               "madvdontneed=0,harddecommit=0,disablethp=1,thpgranular=1"] + FEATURES
                   if w not in out]
        report(rc == 0 and not missing, "palprobe for people, PAL_POLICY=%s: exit %d, missing %r"
               % (good, rc, missing))
    else:
        sys.stderr.write(__doc__)
        return 2
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
