"""The real-programs benchmark (`bash scripts/bench.sh --awfy [PATH]`): the
Are-We-Fast-Yet suite (Smalltalk, Python and JavaScript harnesses of a
clone of github.com/smarr/are-we-fast-yet, never copied here) and the
team's programs in bench/, with Livetalk's release CLI (tier off and on),
CPython and Node, at the same inner sizes. Prints a table, writes
target/bench/awfy.json and target/bench/awfy.md, and leaves drawing the
chart to scripts/awfy_svg.py.

Each benchmark runs in AWFY_ROUNDS (default 2) processes per VM, the VMs
taking turns round by round: 1 + BENCH_RUNS iterations of
`innerBenchmarkLoop: size` a process, each timed inside the process; the
first warms up (and, tier on, optimizes) and is dropped, the figure is
the median of the others from all rounds. Peak memory is the largest of
those processes' max RSS (/usr/bin/time -f %M)."""
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")

AWFY = [
    "Bounce", "CD", "DeltaBlue", "Havlak", "Json", "List", "Mandelbrot",
    "NBody", "Permute", "Queens", "Richards", "Sieve", "Storage", "Towers",
]
# rebench.conf's inner sizes (its `extra_args`), used when the clone has none
REBENCH_DEFAULT = {
    "DeltaBlue": 12000, "Richards": 100, "Json": 100, "CD": 250,
    "Havlak": 1500, "Bounce": 1500, "List": 1500, "Mandelbrot": 500,
    "NBody": 250000, "Permute": 1000, "Queens": 1000, "Sieve": 3000,
    "Storage": 1000, "Towers": 600,
}
# the only sizes these benchmarks can verify (their verifyResult: tables)
VERIFIABLE = {
    "CD": [2, 10, 100, 200, 250, 500, 1000],
    "Havlak": [1, 15, 150, 1500, 15000],
    "Mandelbrot": [1, 500, 750],
    "NBody": [1, 250000],
}
# the team's programs: name, Smalltalk class, size at scale 1 (ten times
# the default run's, as the suite's sizes are)
TEAM = [
    ("Strings", "BenchStrings", 10000),
    ("Dicts", "BenchDicts", 5000),
    ("Streams", "BenchStreams", 3000),
    ("Exceptions", "BenchExceptions", 3000),
    ("Megamorphic", "BenchMegamorphic", 1000),
    ("Vectors", "BenchVectors", 300),
]
VMS = ["off", "on", "cpython", "node"]
TIMEOUT_S = int(os.environ.get("AWFY_TIMEOUT", "600"))
RUNTIME = re.compile(r"^\S+: iterations=1 runtime: (\d+)us$", re.M)


def find_suite(path):
    """The suite's benchmarks/Smalltalk folder and its benchmarks folder,
    from either the clone's root or that folder."""
    path = os.path.abspath(path)
    for st in (os.path.join(path, "benchmarks", "Smalltalk"), path):
        if os.path.isfile(os.path.join(st, "Benchmark.som")):
            return st, os.path.dirname(st)
    sys.exit(f"awfy: no Are-We-Fast-Yet suite at {path} (want a clone of "
             "https://github.com/smarr/are-we-fast-yet or its benchmarks/Smalltalk)")


def rebench_sizes(benchmarks_dir):
    """Inner sizes from the clone's rebench.conf (the first benchmark list),
    falling back to the ones above."""
    sizes = dict(REBENCH_DEFAULT)
    conf = os.path.join(os.path.dirname(benchmarks_dir), "rebench.conf")
    if os.path.isfile(conf):
        text = open(conf, encoding="utf-8").read()
        seen = set()
        for name, n in re.findall(r"-\s*(\w+):\s*\n\s*extra_args:\s*(\d+)", text):
            if name in sizes and name not in seen:  # the first list only
                sizes[name] = int(n)
                seen.add(name)
    return sizes


def scaled(name, full, div):
    n = max(1, round(full / div))
    if name in VERIFIABLE:  # the nearest size it verifies, on a log scale
        n = min(VERIFIABLE[name], key=lambda v: abs(math.log(v / n)))
    return n


def awfy_files(st, name):
    """The files benchmark `name` needs, each class after its superclass (as
    crate/tests/som_compat.rs loads them)."""
    files = [os.path.join(st, "Benchmark.som"), os.path.join(st, "SomRandom.som")]

    def add_dir(d):
        files.extend(sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".som")))

    add_dir(os.path.join(st, "Core"))
    if os.path.isdir(os.path.join(st, name)):
        add_dir(os.path.join(st, name))
    else:
        files.append(os.path.join(st, name + ".som"))
        for extra in ["Ball", "ListElement", "TowersDisk"]:
            files.append(os.path.join(st, extra + ".som"))

    def header(p):
        body = "".join(open(p, encoding="utf-8").read().split('"')[::2])
        words = [w for w in re.split(r"[\s=]+", body.split("(")[0]) if w]
        return words[0], (words[1] if len(words) > 1 else None)

    heads = [header(f) for f in files]
    names = {h[0] for h in heads}
    order, done = [], set()
    while len(order) < len(files):
        for f, (n, sup) in zip(files, heads):
            if n not in done and (sup is None or sup in done or sup not in names):
                done.add(n)
                order.append(f)
    return order


def st_expr(cls, label, iterations, size):
    """A do-it printing the harnesses' lines, and failing on a wrong result."""
    return (
        f"| b t | b := {cls} new. 1 to: {iterations} do: [:i | "
        f"t := Time microsecondClockValue. "
        f"(b innerBenchmarkLoop: {size}) ifFalse: "
        f"[self error: '{label} failed verification at size {size}']. "
        f"Transcript show: '{label}: iterations=1 runtime: ', "
        f"(Time microsecondClockValue - t) printString, 'us'; cr]. true"
    )


def command(vm, name, size, iterations, suite, livetalk):
    """The command line running `name` on `vm`, and its working directory;
    None when that language's harness lacks it."""
    st, benchmarks = suite
    team = dict((t[0], t[1]) for t in TEAM)
    if vm in ("off", "on"):
        if name in team:
            loads = [os.path.join(BENCH, name.lower() + ".st")]
            cls = team[name]
        else:
            if not os.path.isfile(os.path.join(st, name + ".som")) and not os.path.isdir(
                os.path.join(st, name)
            ):
                return None
            loads, cls = awfy_files(st, name), name
        args = [livetalk, "eval", "--tier", vm]
        for f in loads:
            args += ["--load", f]
        return args + [st_expr(cls, name, iterations, size)], ROOT
    if name in team:
        harness_dir = BENCH
        harness = "harness.py" if vm == "cpython" else "harness.js"
        source = os.path.join(BENCH, name.lower() + (".py" if vm == "cpython" else ".js"))
    else:
        harness_dir = os.path.join(benchmarks, "Python" if vm == "cpython" else "JavaScript")
        harness = "harness.py" if vm == "cpython" else "harness.js"
        source = os.path.join(harness_dir, name.lower() + (".py" if vm == "cpython" else ".js"))
    if not os.path.isfile(os.path.join(harness_dir, harness)) or not os.path.isfile(source):
        return None
    exe = "python3" if vm == "cpython" else "node"
    return [exe, harness, name, str(iterations), str(size)], harness_dir


def error_text(out, err):
    lines = [l for l in (err + "\n" + out).splitlines()
             if l.strip() and "warning: undeclared variable" not in l
             and not RUNTIME.match(l) and not l.startswith("Starting ")]
    return " | ".join(lines[:6])[:400] or "no timings printed"


def measure(args, cwd, runs):
    """Runs one benchmark process: per-iteration milliseconds (the warm-up
    dropped), peak RSS in KB, and an error text or None."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        try:
            p = subprocess.run(
                ["/usr/bin/time", "-o", rss.name, "-f", "%M"] + args,
                cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return None, None, f"timed out after {TIMEOUT_S} s"
        peak = None
        for line in open(rss.name).read().splitlines()[::-1]:
            if line.strip().isdigit():
                peak = int(line)
                break
    times = [int(us) / 1000 for us in RUNTIME.findall(p.stdout)]
    if p.returncode != 0 or len(times) < runs + 1:
        return None, peak, f"exit {p.returncode}: {error_text(p.stdout, p.stderr)}"
    return times[1:], peak, None


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def ratios(r):
    ms = {vm: r["vms"][vm]["median_ms"] for vm in VMS}

    def div(a, b):
        return a / b if a and b else None

    return {
        "cpython_over_on": div(ms["cpython"], ms["on"]),
        "cpython_over_off": div(ms["cpython"], ms["off"]),
        "off_over_on": div(ms["off"], ms["on"]),
        "on_over_node": div(ms["on"], ms["node"]),
    }


def fmt_ms(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 1 else f"{v:.2f}"


def fmt_x(v):
    return "-" if v is None else f"{v:.2f}x" if v < 10 else f"{v:.1f}x"


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.0f}"


def table(results, geo):
    head = ("| benchmark | size | Livetalk off ms | on ms | CPython ms | Node ms "
            "| CPython / on | on / off | on / Node | peak MB on | peak MB CPython |")
    rows = [head, "|" + "---|" * 11]
    for group, title in (("awfy", "AWFY"), ("team", "team")):
        if not any(r["group"] == group for r in results):
            continue
        for r in [r for r in results if r["group"] == group]:
            v = r["vms"]
            cells = [r["name"], str(r["size"])]
            for vm in VMS:
                cells.append(fmt_ms(v[vm]["median_ms"]) if not v[vm]["error"] else
                             "FAILED" if v[vm]["error"] != "skipped" else "n/a")
            x = r["ratios"]
            cells += [fmt_x(x["cpython_over_on"]), fmt_x(x["off_over_on"]),
                      fmt_x(x["on_over_node"]), fmt_mb(v["on"]["peak_kb"]),
                      fmt_mb(v["cpython"]["peak_kb"])]
            rows.append("| " + " | ".join(cells) + " |")
        g = geo[group]
        rows.append(f"| **geomean {title}** | | | | | | **{fmt_x(g['cpython_over_on'])}** "
                    f"| **{fmt_x(g['off_over_on'])}** | **{fmt_x(g['on_over_node'])}** | | |")
    failures = [f"- {r['name']} ({vm}): {r['vms'][vm]['error']}"
                for r in results for vm in VMS
                if r["vms"][vm]["error"] not in (None, "skipped")]
    return "\n".join(rows), failures


def page_plan(suite, div, only):
    """The page run's plan (`awfy.py --plan PATH`, read by
    tests/bench-awfy-page.mjs): for each benchmark its size, the files the
    CLI's `--load` would file in, in order, and the do-it, as JSON on
    stdout. The same sizes, files and do-it as the native run."""
    sizes = rebench_sizes(suite[1])
    plan = [("awfy", n, scaled(n, sizes[n], div)) for n in AWFY]
    plan += [("team", n, scaled(n, full, div)) for n, _, full in TEAM]
    if only:
        plan = [p for p in plan if p[1] in only]
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    out = []
    for group, name, size in plan:
        cmd = command("on", name, size, runs + 1, suite, "livetalk")
        if cmd is None:
            continue
        args = cmd[0]
        loads = [args[i + 1] for i, a in enumerate(args) if a == "--load"]
        out.append({"name": name, "group": group, "size": size, "files": loads,
                    "expr": args[-1], "iterations": runs + 1})
    json.dump({"suite": suite[0], "size_divisor": div, "runs": runs, "benchmarks": out},
              sys.stdout, indent=1)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--plan":
        page_plan(find_suite(sys.argv[2]), float(os.environ.get("AWFY_SIZE_DIV", "10")),
                  [s for s in os.environ.get("AWFY_ONLY", "").split(",") if s])
        return
    if len(sys.argv) < 2 or not sys.argv[1]:
        sys.exit("awfy: the suite's path is missing: bash scripts/bench.sh --awfy PATH "
                 "(or AWFY_DIR=PATH), PATH a clone of "
                 "https://github.com/smarr/are-we-fast-yet or its benchmarks/Smalltalk")
    suite = find_suite(sys.argv[1])
    livetalk = os.environ.get("LIVETALK", os.path.join(ROOT, "target", "release", "livetalk"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    rounds = max(1, int(os.environ.get("AWFY_ROUNDS", "2")))
    div = float(os.environ.get("AWFY_SIZE_DIV", "10"))
    only = [s for s in os.environ.get("AWFY_ONLY", "").split(",") if s]
    sizes = rebench_sizes(suite[1])
    plan = [("awfy", n, scaled(n, sizes[n], div)) for n in AWFY]
    plan += [("team", n, scaled(n, full, div)) for n, _, full in TEAM]
    if only:
        plan = [p for p in plan if p[1] in only]
    out_dir = os.path.join(ROOT, "target", "bench")
    os.makedirs(out_dir, exist_ok=True)
    print(f"{len(plan)} benchmarks x {len(VMS)} VMs x {rounds} rounds, {runs + 1} "
          f"iterations a process (the first dropped); sizes: the suite's rebench.conf divided by {div:g}, "
          "Havlak, CD, Mandelbrot and NBody at the nearest size they verify",
          flush=True)
    started = time.time()
    results = []
    for group, name, size in plan:
        r = {"name": name, "group": group, "size": size, "vms": {}}
        # each VM runs in `rounds` processes that take turns with the other
        # VMs' (in a rotated order), so that a change in the machine's load
        # falls on all of them alike
        got = {vm: {"times": [], "peak": None, "error": None} for vm in VMS}
        for k in range(rounds):
            for vm in VMS[k % len(VMS):] + VMS[:k % len(VMS)]:
                g = got[vm]
                if g["error"]:
                    continue
                cmd = command(vm, name, size, runs + 1, suite, livetalk)
                if cmd is None:
                    g["error"] = "skipped"
                    continue
                times, peak, err = measure(cmd[0], cmd[1], runs)
                g["times"] += times or []
                g["peak"] = max(filter(None, [g["peak"], peak]), default=None)
                g["error"] = err
        for vm, g in got.items():
            times = [] if g["error"] else g["times"]
            r["vms"][vm] = {"median_ms": median(times) if times else None,
                            "runs_ms": times, "peak_kb": g["peak"], "error": g["error"]}
        r["ratios"] = ratios(r)
        results.append(r)
        v = r["vms"]
        print(f"  {name:<12} {size:>7}  " + "  ".join(
            f"{vm} {fmt_ms(v[vm]['median_ms']) if not v[vm]['error'] else v[vm]['error'][:5]}"
            for vm in VMS) + f"  ({time.time() - started:.0f} s)", flush=True)
    geo = {g: {k: geomean([r["ratios"][k] for r in results if r["group"] == g])
               for k in ("cpython_over_on", "cpython_over_off", "off_over_on", "on_over_node")}
           for g in ("awfy", "team")}
    md, failures = table(results, geo)
    versions = {}
    for key, args in (("cpython", ["python3", "--version"]), ("node", ["node", "--version"]),
                      ("livetalk", [livetalk, "--version"])):
        try:
            versions[key] = subprocess.run(args, capture_output=True, text=True).stdout.strip()
        except OSError:
            versions[key] = None
    doc = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average "
                   f"{os.getloadavg()[0]:.1f} at the end",
        "runs": runs,
        "rounds": rounds,
        "size_divisor": div,
        "suite": suite[0],
        "versions": versions,
        "seconds": round(time.time() - started),
        "ratios": "cpython_over_on: CPython's time over Livetalk's (above 1 = Livetalk "
                  "faster); off_over_on: the tier's speed-up; on_over_node: Livetalk's "
                  "time in Node's",
        "results": results,
        "geomean": geo,
    }
    with open(os.path.join(out_dir, "awfy.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    with open(os.path.join(out_dir, "awfy.md"), "w", encoding="utf-8") as f:
        f.write(md + "\n")
    print()
    print(md)
    print()
    print(f"{doc['seconds']} s; medians of {runs * rounds} ({rounds} processes of {runs}); "
          "JSON in target/bench/awfy.json")
    if failures:
        print("\nFailed (the table says FAILED):")
        print("\n".join(failures))


if __name__ == "__main__":
    main()
