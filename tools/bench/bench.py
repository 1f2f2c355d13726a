#!/usr/bin/python3
"""memtrace benchmark driver: runs every (workload, contender) cell in
alternating rounds and saves every run, raw, as JSON (analyze.py turns that
into tools/bench/results.json and the table in tools/bench/RESULTS.md).

Usage: bench.py [--rounds N] [--quick] [--only W1,W2] [--no-stats] [--out DIR]
  --rounds N   rounds for the fast contenders (default 5; slow contenders
               keep their own smaller count, never more than N)
  --quick      1 round each, smaller workloads where the issue allows it
  --only       run these workloads only (seed, callheavy, mallocs, faults,
               natcalls-push, natcalls-cetpush, natcalls-step)
  --no-stats   skip the pass with kernel.bpf_stats_enabled (BPF run time)

Every workload follows the protocol of workloads/bench.h: it times its own
measured section (start-up, imports and attach excluded) and reports to
BENCH_REPORT; with BENCH_WAIT=1 it waits on stdin before and after it, which
lets attach-mode contenders attach first and lets the driver look at the
tracer while the target is still alive.
"""
import argparse
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUTPUT = os.environ.get("OUTPUT", ".output")
OUT = os.path.join(OUTPUT if os.path.isabs(OUTPUT) else os.path.join(ROOT, OUTPUT), "bench")
MEMTRACE = os.environ.get("MEMTRACE", os.path.join(ROOT, "memtrace"))
WL = os.path.join(HERE, "workloads")
LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
PY311 = "/usr/bin/python3.11"
PY312 = "/root/.pyenv/versions/3.12.1/bin/python3.12"
GNU_TIME = "/usr/bin/time"
RUN_TIMEOUT = 900

# The stand-in for bcc's memleak: its approach (uprobes on libc's allocator,
# a map of live blocks, bytes per allocating user stack) in bpftrace.
BPFTRACE_SCRIPT = r"""
uprobe:LIBC:malloc /pid == $1/ { @req[tid] = arg0; }
uprobe:LIBC:calloc /pid == $1/ { @req[tid] = arg0 * arg1; }
uprobe:LIBC:realloc /pid == $1/ {
	$old = @live[arg0];
	if ($old) { @cur = @cur - $old; delete(@live[arg0]); }
	@req[tid] = arg1;
}
uretprobe:LIBC:malloc, uretprobe:LIBC:calloc, uretprobe:LIBC:realloc /pid == $1 && @req[tid]/ {
	$s = @req[tid];
	delete(@req[tid]);
	if (retval) {
		@live[retval] = $s;
		@stacks[ustack(perf, 8)] = sum($s);
		@cur = @cur + $s;
		@allocs = count();
		if (@cur > @peak) { @peak = @cur; }
	}
}
uprobe:LIBC:free /pid == $1 && arg0/ {
	$s = @live[arg0];
	if ($s) { @cur = @cur - $s; delete(@live[arg0]); }
}
END { clear(@live); clear(@req); clear(@stacks); clear(@cur); }
""".replace("LIBC", LIBC)


# --- workloads ------------------------------------------------------------

class Workload:
    def __init__(self, name, title, lang, prog, func, sizes, truth_growth=None, calls=None):
        self.name, self.title, self.lang, self.prog = name, title, lang, prog
        self.func, self.sizes = func, sizes  # size tag -> argument list
        self.truth_growth, self.calls = truth_growth, calls

    def argv(self, interp, size):
        args = [str(a) for a in self.sizes[size]]
        if self.lang == "py":
            return [interp, os.path.join(WL, self.prog)] + args
        return [os.path.join(OUT, self.prog)] + args


def workloads(quick):
    mib = 1 << 20
    w = [
        Workload("seed", "seed program: numpy, 12 inversions up to 2048x2048", "py", "seed.py",
                 "Inversa", {"full": []}, calls=12),
        Workload("callheavy", "call-heavy Python: 10M small calls, Grow() called 20 times (1 MiB kept each)",
                 "py", "callheavy.py", "Grow",
                 {"full": [10_000_000], "small": [1_000_000]}, truth_growth=mib, calls=20),
        Workload("mallocs", "native malloc-heavy, outside the traced function: 20M malloc/free pairs of 16-1024 B",
                 "c", "mallocs", "checkpoint",
                 {"full": [20_000_000], "small": [1_000_000]}, truth_growth=0, calls=10),
        Workload("faults", "native fault-heavy: 2 x 1 GiB touched in 1 MiB steps inside touch_mib()",
                 "c", "faults", "touch_mib", {"full": [2], "small": [1]}, truth_growth=mib, calls=2048),
    ]
    # The single-stepped case costs ~10x per call: 200k calls give the same
    # per-call figure in a fifth of the time.
    for v, n, what in (("push", 1_000_000, "first instruction push (emulated)"),
                       ("cetpush", 1_000_000, "endbr64 then push (memtrace probes the push)"),
                       ("step", 200_000, "endbr64 then lea, no push (single-stepped)")):
        w.append(Workload("natcalls-" + v, "traced native function called %dk times: %s" % (n // 1000, what),
                          "c", "natcalls", "nc_" + v, {"full": [v, n]}, truth_growth=0, calls=n))
    if quick:
        w[1].sizes["full"] = [3_000_000]
        w[2].sizes["full"] = [5_000_000]
        w[3].sizes["full"] = [1]
    return {x.name: x for x in w}


# --- contenders -------------------------------------------------------------
#
# A cell is one (workload, contender, interpreter, size) combination; its
# baseline is the untraced cell with the same interpreter and size.

class Cell:
    def __init__(self, wl, contender, label, interp=PY311, size="full", rounds=5, **opts):
        self.wl, self.contender, self.label = wl, contender, label
        self.interp, self.size, self.rounds, self.opts = interp, size, rounds, opts
        self.key = "%s/%s" % (wl.name, label)
        self.base_key = "%s/untraced%s%s" % (wl.name, self._itag(), "" if size == "full" else " (small)")

    def _itag(self):
        return " py3.12" if self.wl.lang == "py" and self.interp == PY312 else ""


def cells(wls, rounds):
    out = []

    def add(wl, contender, label, **kw):
        kw["rounds"] = min(kw.get("rounds", rounds), rounds)
        out.append(Cell(wl, contender, label, **kw))

    for wl in wls.values():
        n = wl.name
        if n.startswith("natcalls"):
            add(wl, "untraced", "untraced")
            add(wl, "memtrace", "memtrace")
            add(wl, "memtrace", "memtrace -o", stream=True, rounds=3)
            # The floor: the kernel's own cost of an empty uprobe+uretprobe.
            add(wl, "uprobe-floor", "empty uprobe+uretprobe (bpftrace)", rounds=3)
            continue
        add(wl, "untraced", "untraced")
        if n == "callheavy":
            add(wl, "untraced", "untraced py3.12", interp=PY312)
        if wl.lang == "py":
            add(wl, "memtrace", "memtrace default", stream=True)
            if n == "callheavy":
                add(wl, "memtrace", "memtrace default py3.12", interp=PY312, stream=True)
            add(wl, "memtrace", "memtrace --exact", stream=True, exact=True)
            add(wl, "mprofiler", "memory_profiler", rounds=2 if n == "seed" else 5)
        else:
            add(wl, "memtrace", "memtrace", stream=True)
        seed = n == "seed"  # 10 s a run: the other tools get fewer rounds there
        add(wl, "mprof", "mprof run", rounds=3 if seed else 5)
        add(wl, "heaptrack", "heaptrack", rounds=2 if seed else 3)
        add(wl, "heaptrack-p", "heaptrack -p", rounds=2)
        # Slow under valgrind or per-malloc uprobes: fewer rounds, or the
        # small size with its own untraced baseline.
        slow_small = n in ("callheavy", "mallocs")
        if slow_small:
            add(wl, "untraced", "untraced (small)", size="small")
        add(wl, "massif", "massif" + (" (small)" if slow_small else ""),
            size="small" if slow_small else "full", rounds=1 if n == "seed" else 2)
        if n == "faults":
            # The floor: the kernel's own cost of a BPF program on kmem:rss_stat.
            add(wl, "tp-floor", "empty rss_stat tracepoint (bpftrace)", rounds=3)
        add(wl, "bpftrace", "bpftrace malloc/free" + (" (small)" if n == "mallocs" else ""),
            size="small" if n == "mallocs" else "full", rounds=2 if seed else 3)
    return out


# --- running one cell -------------------------------------------------------

class Proc:
    """A child in its own session, with its stdout lines collected by a thread."""

    def __init__(self, argv, env=None, stdout_file=None, stderr_file=None, stdin=True):
        self.lines = []
        self.q = queue.Queue()
        self.err_path = stderr_file
        err = open(stderr_file, "wb") if stderr_file else subprocess.DEVNULL
        out = open(stdout_file, "wb") if stdout_file else subprocess.PIPE
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=out, stderr=err, env=env, start_new_session=True)
        if out is subprocess.PIPE:
            threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for raw in self.p.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            self.q.put(line)
        self.q.put(None)

    def expect(self, pattern, timeout):
        """Waits for a stdout line matching pattern; None on EOF or timeout."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.q.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                return None
            m = re.match(pattern, line)
            if m:
                return m

    def send(self, text):
        try:
            self.p.stdin.write(text.encode())
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def stop(self, sig=signal.SIGKILL):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def last_err(self):
        """The most telling line of stderr: the last one naming an error, else the last one."""
        if not self.err_path or not os.path.exists(self.err_path):
            return ""
        with open(self.err_path, errors="replace") as f:
            lines = [x.strip() for x in f if x.strip()]
        bad = [x for x in lines if re.search(r"error|fail|cannot|denied|fatal|abort|killed|segment", x, re.I)]
        return (bad or lines or [""])[-1][:300]


def read_kv(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    try:
                        out[parts[0]] = float(parts[1])
                    except ValueError:
                        out[parts[0]] = parts[1]
    return out


def read_ndjson(path):
    recs = []
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
    return recs


def wait_file_match(path, pattern, timeout, alive):
    end = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < end:
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                for line in f:
                    if rx.search(line):
                        return line
        if not alive():
            return None
        time.sleep(0.005)
    return None


def proc_status(pid):
    """VmHWM (kB) and utime+stime (s) of a live process, or {}."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    out[line.split(":")[0]] = int(line.split()[1])
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        out["cpu_s"] = (int(fields[11]) + int(fields[12])) / tck
    except (OSError, IndexError, ValueError):
        pass
    return out


def perf_events(owner_pid):
    """How many perf events (uprobes here) a process has BPF programs attached to."""
    try:
        data = json.loads(subprocess.run(["bpftool", "-j", "perf", "list"], capture_output=True,
                                         text=True, timeout=30).stdout or "[]")
    except (subprocess.TimeoutExpired, ValueError, OSError):
        return 0
    return sum(1 for x in data if x.get("pid") == owner_pid)


def bpf_prog_stats(owner_pid):
    """run_cnt and run_time_ns of the BPF programs a process holds, from its
    fds' fdinfo (this bpftool cannot show owner pids), named by bpftool."""
    ids = {}
    fd_dir = "/proc/%d/fd" % owner_pid
    try:
        for fd in os.listdir(fd_dir):
            try:
                if "bpf-prog" not in os.readlink(os.path.join(fd_dir, fd)):
                    continue
                info = dict(line.split(":", 1) for line in open("/proc/%d/fdinfo/%s" % (owner_pid, fd))
                            if ":" in line)
                pid_ = int(info["prog_id"])
                ids[pid_] = {"id": pid_, "run_cnt": int(info.get("run_cnt", 0)),
                             "run_time_ns": int(info.get("run_time_ns", 0)),
                             "recursion_misses": int(info.get("recursion_misses", 0))}
            except (OSError, KeyError, ValueError):
                continue
    except OSError:
        return []
    for pid_, rec in ids.items():
        try:
            rec["name"] = json.loads(subprocess.run(["bpftool", "-j", "prog", "show", "id", str(pid_)],
                                                    capture_output=True, text=True, timeout=30).stdout).get("name")
        except (subprocess.TimeoutExpired, ValueError, OSError):
            rec["name"] = "id %d" % pid_
    return sorted(ids.values(), key=lambda r: r["id"])


class Runner:
    def __init__(self, tmp, stats=False):
        self.tmp, self.stats = tmp, stats
        self.seq = 0

    def files(self):
        self.seq += 1
        d = os.path.join(self.tmp, "run%04d" % self.seq)
        os.makedirs(d, exist_ok=True)
        return d

    def run(self, cell, first_of_cell=False):
        d = self.files()
        wl, c = cell.wl, cell.contender
        report = os.path.join(d, "report.txt")
        env = dict(os.environ, BENCH_REPORT=report, BENCH_WAIT="1", PYTHONDONTWRITEBYTECODE="1")
        target = wl.argv(cell.interp, cell.size)
        res = {"cell": cell.key, "contender": c, "t_unix": time.time()}
        tracer = None
        t_spawn = None
        attach = c in ("memtrace", "heaptrack-p", "bpftrace", "uprobe-floor", "tp-floor")

        if c == "untraced" or attach:
            argv = target
        elif c == "mprof":
            argv = ["python3-mprof", "run", "--output", os.path.join(d, "mprof.dat")] + target
        elif c == "mprofiler":
            if wl.lang != "py":
                return dict(res, error="n/a: memory_profiler profiles Python functions only")
            argv = [cell.interp, "-m", "memory_profiler"] + target[1:]
        elif c == "heaptrack":
            argv = ["heaptrack", "-o", os.path.join(d, "heaptrack")] + target
        elif c == "massif":
            argv = ["valgrind", "--tool=massif", "--massif-out-file=" + os.path.join(d, "massif.out")] + target
        else:
            raise ValueError(c)

        tgt = Proc(argv, env=env, stderr_file=os.path.join(d, "target.err"))
        try:
            m = tgt.expect(r"^ready (\d+)$", 300)
            if not m:
                tgt.wait(5)
                return dict(res, error="target never became ready (exit %s): %s" % (tgt.p.poll(), tgt.last_err()))
            pid = int(m.group(1))
            if attach:
                tracer, t_spawn, err = self.attach(cell, pid, d)
                if err:
                    return dict(res, error=err)
            tgt.send("go\n")
            m = tgt.expect(r"^done (\d+)$", RUN_TIMEOUT)
            if not m:
                rc = tgt.wait(10)
                sig = {-11: " (SIGSEGV)", -6: " (SIGABRT)", -9: " (SIGKILL)", -7: " (SIGBUS)"}.get(rc, "")
                why = "timeout after %d s" % RUN_TIMEOUT if rc is None else \
                    "%s crashed the target: exit %s%s %s" % (cell.label, rc, sig, tgt.last_err())
                return dict(res, error=why)
            if c == "memtrace" and tracer:
                res["mt_live"] = proc_status(tracer.mt_pid)
                if self.stats:
                    res["bpf_stats"] = bpf_prog_stats(tracer.mt_pid)
            tgt.send("\n")
            rc = tgt.wait(600)
            if rc is None:
                return dict(res, error="target did not exit")
            if rc != 0:
                res["exit"] = rc
            if tracer:
                res.update(self.detach(cell, tracer, d))
            kv = read_kv(report)
            res["elapsed_s"] = kv.get("elapsed_s")
            res["vmhwm_kb"] = kv.get("vmhwm_kb")
            res["cpu_s"] = kv.get("cpu_s")
            res["report"] = kv
            res.update(self.collect(cell, d, tgt, first_of_cell, t_spawn))
            if res["elapsed_s"] is None:
                res["error"] = "no elapsed_s reported: " + tgt.last_err()
            return res
        finally:
            tgt.stop()
            if tracer:
                tracer.stop()
            if not os.environ.get("BENCH_KEEP"):
                shutil.rmtree(d, ignore_errors=True)

    def attach(self, cell, pid, d):
        """Starts an attaching tracer; returns (proc, spawn time, error)."""
        c = cell.contender
        t0 = time.monotonic()
        if c == "memtrace":
            argv = [GNU_TIME, "-f", "%e %U %S %M", "-o", os.path.join(d, "mt.time"),
                    MEMTRACE, "-v", "-p", str(pid), "-f", cell.wl.func]
            if cell.opts.get("exact"):
                argv.append("--exact")
            if cell.opts.get("stream"):
                argv += ["-o", os.path.join(d, "mt.ndjson")]
            p = Proc(argv, stdout_file=os.path.join(d, "mt.out"), stderr_file=os.path.join(d, "mt.err"),
                     stdin=False)
            if cell.opts.get("stream"):
                ok = wait_file_match(os.path.join(d, "mt.ndjson"), r'"type":"start"', 60,
                                     lambda: p.p.poll() is None)
            else:
                ok = wait_file_match(os.path.join(d, "mt.err"), r"memtrace: tracing", 60,
                                     lambda: p.p.poll() is None)
            p.t_ready = time.monotonic() - t0
            # /usr/bin/time's child: memtrace itself.
            try:
                p.mt_pid = int(subprocess.run(["pgrep", "-P", str(p.p.pid)], capture_output=True,
                                              text=True).stdout.split()[0])
            except (IndexError, ValueError):
                p.mt_pid = -1
            if not ok:
                p.wait(5)
                return p, t0, "memtrace failed to attach: " + p.last_err()
            return p, t0, None
        if c == "heaptrack-p":
            p = Proc(["heaptrack", "-o", os.path.join(d, "heaptrack"), "-p", str(pid)],
                     stderr_file=os.path.join(d, "ht.err"), stdin=False)
            if not p.expect(r"^injection finished", 120):
                return p, t0, "heaptrack -p failed to inject: " + p.last_err()
            p.t_ready = time.monotonic() - t0
            return p, t0, None
        if c in ("bpftrace", "uprobe-floor", "tp-floor"):
            script = os.path.join(d, "memleak.bt")
            with open(script, "w") as f:
                if c == "bpftrace":
                    f.write(BPFTRACE_SCRIPT)
                elif c == "tp-floor":
                    f.write("tracepoint:kmem:rss_stat /pid == $1/ {}\n")
                else:
                    f.write("uprobe:%s:%s /pid == $1/ {} uretprobe:%s:%s /pid == $1/ {}\n" % (
                        (cell.wl.argv(None, "full")[0], cell.wl.func) * 2))
            env = dict(os.environ, BPFTRACE_MAP_KEYS_MAX="1048576")
            p = Proc(["bpftrace", script, str(pid)], env=env, stderr_file=os.path.join(d, "bt.err"),
                     stdin=False)
            if not p.expect(r"^Attaching \d+ probes?", 120):
                return p, t0, "bpftrace failed to attach: " + p.last_err()
            # "Attaching" is printed before the attach itself: wait until every
            # uprobe is live, i.e. listed by bpftool as a perf event it owns.
            want = {"bpftrace": 7, "uprobe-floor": 2, "tp-floor": 1}[c]
            end = time.monotonic() + 120
            while time.monotonic() < end and p.p.poll() is None:
                if perf_events(p.p.pid) >= want:
                    break
                time.sleep(0.05)
            else:
                return p, t0, "bpftrace: probes never all live: " + p.last_err()
            p.t_ready = time.monotonic() - t0
            return p, t0, None
        raise ValueError(c)

    def detach(self, cell, p, d):
        c = cell.contender
        res = {"tracer_ready_s": getattr(p, "t_ready", None)}
        if c in ("bpftrace", "uprobe-floor", "tp-floor"):
            p.stop(signal.SIGINT)
        rc = p.wait(120)
        if rc is None:
            p.stop(signal.SIGINT)
            rc = p.wait(30)
            res["tracer_note"] = "did not exit with the target; stopped with SIGINT"
        if c == "memtrace":
            t = open(os.path.join(d, "mt.time")).read().split() if os.path.exists(os.path.join(d, "mt.time")) else []
            nums = [x for x in t if re.match(r"^[\d.]+$", x)]
            if len(nums) >= 4:
                e, u, s, m = (float(x) for x in nums[-4:])
                res.update(mt_wall_s=e, mt_cpu_s=u + s, mt_maxrss_kb=m)
            if rc not in (0, None):
                res["tracer_error"] = "memtrace exit %s: %s" % (rc, p.last_err())
            recs = read_ndjson(os.path.join(d, "mt.ndjson"))
            start = [r for r in recs if r.get("type") == "start"]
            summ = [r for r in recs if r.get("type") == "summary"]
            if start:
                res["attach_t"] = start[0].get("t")
            if summ:
                s = summ[-1]
                res["mt_peak_rss"] = s.get("peak_rss")
                res["mt_lost"] = s.get("lost")
                fn = [f for f in s.get("functions", []) if f.get("func", "").endswith(cell.wl.func)]
                if fn:
                    res["mt_func"] = fn[0]
                res["mt_lines"] = s.get("lines", [])
            if not cell.opts.get("stream"):
                out = open(os.path.join(d, "mt.out"), errors="replace").read()
                m = re.search(r"Peak RSS: ([\d.]+) MiB", out)
                if m:
                    res["mt_peak_rss"] = float(m.group(1)) * (1 << 20)
                m = re.search(r"^%s\s+(\d+)\s+(-?[\d.]+)" % re.escape(cell.wl.func), out, re.M)
                if m:
                    res["mt_func"] = {"calls": int(m.group(1)), "growth": float(m.group(2)) * (1 << 20)}
            err = open(os.path.join(d, "mt.err"), errors="replace").read()
            res["mt_attach_point"] = "; ".join(re.findall(r"attached \S+ in \S+ at (\S+ \([^)]*\))", err))
        if c == "bpftrace":
            out = "\n".join(p.lines)
            m = re.search(r"^@peak: (\d+)", out, re.M)
            if m:
                res["peak_reported"] = int(m.group(1))
            m = re.search(r"^@allocs: (\d+)", out, re.M)
            if m:
                res["bt_allocs"] = int(m.group(1))
            if "Lost" in out or "lost" in out:
                res["tracer_note"] = (res.get("tracer_note", "") + " " +
                                      " ".join(x for x in p.lines if "ost" in x)).strip()[:200]
        return res

    def collect(self, cell, d, tgt, first, t_spawn):
        c = cell.contender
        res = {}
        if c == "mprof":
            peak = 0.0
            path = os.path.join(d, "mprof.dat")
            if os.path.exists(path):
                for line in open(path):
                    if line.startswith("MEM "):
                        peak = max(peak, float(line.split()[1]))
                res["peak_reported"] = peak * (1 << 20)
        elif c == "massif":
            path = os.path.join(d, "massif.out")
            peak = 0
            if os.path.exists(path):
                cur = {}
                for line in open(path):
                    k, _, v = line.strip().partition("=")
                    if k in ("mem_heap_B", "mem_heap_extra_B", "mem_stacks_B"):
                        cur[k] = int(v)
                        if k == "mem_stacks_B":
                            peak = max(peak, cur.get("mem_heap_B", 0) + cur.get("mem_heap_extra_B", 0))
                res["peak_reported"] = peak
        elif c in ("heaptrack", "heaptrack-p") and first:
            files = [f for f in os.listdir(d) if f.startswith("heaptrack.")]
            if files:
                try:
                    out = subprocess.run(["heaptrack_print", "-f", os.path.join(d, files[0]),
                                          "--print-peaks=0", "--print-allocators=0",
                                          "--print-temporary=0", "--print-leaks=0"],
                                         capture_output=True, text=True, timeout=600).stdout
                except subprocess.TimeoutExpired:
                    out = ""
                m = re.search(r"peak heap memory consumption: ([\d.]+)([KMGT]?)", out)
                if m:
                    mult = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[m.group(2)]
                    res["peak_reported"] = float(m.group(1)) * mult
        elif c == "mprofiler":
            res.update(parse_mprofiler(tgt.lines, cell.wl.func))
        return res


def parse_mprofiler(lines, func):
    """memory_profiler's table: total increment of the function's body lines
    (below the def line; the decorator line's figure is its entry artefact)
    and the calls (occurrences of the decorator line)."""
    rows, def_line = [], None
    for line in lines:
        m = re.match(r"^\s*(\d+)\s+([\d.]+) MiB\s+(-?[\d.]+) MiB\s+(\d+)\s+(.*)$", line)
        if m:
            rows.append((int(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4))))
        m = re.match(r"^\s*(\d+)\s+def %s\b" % re.escape(func), line)
        if m and def_line is None:
            def_line = int(m.group(1))
    res = {}
    if def_line is not None and rows:
        body = [r for r in rows if r[0] > def_line]
        head = [r for r in rows if r[0] <= def_line]
        res["mp_growth"] = sum(r[2] for r in body) * (1 << 20)
        res["mp_calls"] = head[-1][3] if head else max(r[3] for r in rows)
        res["peak_reported"] = max(r[1] for r in rows) * (1 << 20)
    return res


# --- probes and the machine ------------------------------------------------

def probe_python_default(interp):
    """Whether memtrace's default (frame-walking) Python mode attributes growth on interp."""
    if not os.path.exists(interp):
        return {"ok": False, "why": "%s not installed" % interp}
    d = os.path.join(OUT, "probe")
    os.makedirs(d, exist_ok=True)
    nd = os.path.join(d, "probe.ndjson")
    if os.path.exists(nd):
        os.unlink(nd)
    env = dict(os.environ, BENCH_REPORT=os.path.join(d, "report.txt"))
    env.pop("BENCH_WAIT", None)
    cmd = [MEMTRACE, "-f", "Grow", "-o", nd, "--", interp, os.path.join(WL, "callheavy.py"), "3000000"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    except subprocess.TimeoutExpired:
        return {"ok": False, "why": "timeout", "cmd": " ".join(cmd)}
    summ = [r for r in read_ndjson(nd) if r.get("type") == "summary"]
    growth = 0
    if summ:
        growth = sum(f.get("growth", 0) or 0 for f in summ[-1].get("functions", []))
    # Working means: runs, and attributes growth to Grow. How much of the
    # designed 20 MiB it finds is the accuracy figure, measured in the rounds.
    ok = p.returncode == 0 and growth > 0
    errline = [x for x in p.stderr.splitlines() + p.stdout.splitlines()
               if re.search(r"memtrace:|never called|error", x)]
    why = "" if ok else "exit %d, Grow attributed %.2f of the designed 20.00 MiB%s" % (
        p.returncode, growth / (1 << 20), (": " + errline[0].strip()) if errline else "")
    return {"ok": ok, "why": why, "cmd": " ".join(cmd), "growth": growth}


def write_section(path, md, begin, end):
    """md (starting with begin, ending with end) in place of that section of path, or appended."""
    text = open(path).read()
    if begin in text and end in text:
        text = text[:text.index(begin)] + md + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + md + "\n"
    with open(path, "w") as f:
        f.write(text)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except subprocess.TimeoutExpired:
        return ""


def machine():
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p' | head -1"),
        "cpus": os.cpu_count(),
        "mem_mib": int(sh("awk '/MemTotal/{print int($2/1024)}' /proc/meminfo") or 0),
        "kernel": sh("uname -r"),
        "os": sh(". /etc/os-release; echo $PRETTY_NAME"),
        "virt": ("Firecracker microVM" if "-fc-" in os.uname().release else sh("systemd-detect-virt 2>/dev/null || true")),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
        "memtrace": sh("%s -V" % MEMTRACE),
        "commit": sh("git -C %s rev-parse --short HEAD" % ROOT),
        "tools": {
            "python3.11": sh("%s -V" % PY311),
            "python3.12": sh("%s -V" % PY312),
            "numpy": sh("%s -c 'import numpy; print(numpy.__version__)'" % PY311),
            "memory_profiler": sh("%s -c 'import memory_profiler; print(memory_profiler.__version__)'" % PY311),
            "heaptrack": sh("dpkg-query -W -f '${Version}' heaptrack"),
            "valgrind": sh("valgrind --version"),
            "bpftrace": sh("bpftrace --version"),
            "bpftool": sh("bpftool version | head -1"),
            "libc": sh("dpkg-query -W -f '${Version}' libc6"),
        },
    }


# --- main -----------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 5)))
    ap.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    ap.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""))
    ap.add_argument("--no-stats", action="store_true")
    ap.add_argument("--out", default=os.path.join(OUT, "runs.json"))
    a = ap.parse_args()
    if a.quick:
        a.rounds = min(a.rounds, 1)

    wls = workloads(a.quick)
    if a.only:
        wanted = a.only.split(",")
        unknown = [x for x in wanted if x not in wls]
        if unknown:
            sys.exit("bench: unknown workload(s): %s (have: %s)" % (", ".join(unknown), ", ".join(wls)))
        wls = {k: v for k, v in wls.items() if k in wanted}
    all_cells = cells(wls, a.rounds)
    if os.environ.get("BENCH_CONTENDERS"):
        # e.g. BENCH_CONTENDERS=untraced,memtrace,tp-floor: a partial re-run.
        keep = os.environ["BENCH_CONTENDERS"].split(",")
        all_cells = [c for c in all_cells if c.contender in keep]
    tmp = os.path.join(OUT, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    doc = {"machine": machine(), "quick": a.quick, "rounds": a.rounds, "workloads": {}, "cells": {},
           "runs": [], "stats_runs": [], "probes": {}}
    for w in wls.values():
        doc["workloads"][w.name] = {"title": w.title, "func": w.func, "truth_growth": w.truth_growth,
                                     "calls": w.calls, "lang": w.lang, "sizes": w.sizes}
    for c in all_cells:
        doc["cells"][c.key] = {"workload": c.wl.name, "contender": c.contender, "label": c.label,
                               "interp": c.interp if c.wl.lang == "py" else None, "size": c.size,
                               "rounds": c.rounds, "baseline": c.base_key, "opts": c.opts}

    # Python's default mode is being integrated: probe it, and leave its cells
    # out (with the reason) until it attributes the designed growth.
    for interp in (PY311, PY312):
        doc["probes"]["python_default " + interp] = pr = probe_python_default(interp)
        print("bench: memtrace default Python mode on %s: %s" % (interp, "ok" if pr["ok"] else pr["why"]), flush=True)
        if not pr["ok"]:
            for c in all_cells:
                if c.contender == "memtrace" and c.wl.lang == "py" and not c.opts.get("exact") and c.interp == interp:
                    c.rounds = 0
                    doc["cells"][c.key]["unavailable"] = "not available yet: " + pr["why"]

    runner = Runner(tmp)
    # Warm-up, not recorded: first touches of guest memory in this VM are
    # several times slower than later ones, and caches fill.
    print("bench: warm-up", flush=True)
    for w in wls.values():
        for c in all_cells:
            if c.wl is w and c.contender == "untraced":
                runner.run(c)

    t_start = time.monotonic()
    failures = {}
    max_rounds = max((c.rounds for c in all_cells), default=0)
    for r in range(max_rounds):
        todo = [c for c in all_cells if c.rounds > r and failures.get(c.key, 0) < 2]
        random.Random(r).shuffle(todo)
        print("bench: round %d/%d, %d runs (%.0f s so far)" % (r + 1, max_rounds, len(todo),
                                                                time.monotonic() - t_start), flush=True)
        for c in todo:
            t0 = time.monotonic()
            res = runner.run(c, first_of_cell=(r == 0))
            res["round"] = r
            res["run_s"] = time.monotonic() - t0
            doc["runs"].append(res)
            if res.get("error"):
                failures[c.key] = failures.get(c.key, 0) + 1
                if res["error"].startswith("n/a"):
                    failures[c.key] = 99
            print("  %-44s %s" % (c.key, ("%.3f s" % res["elapsed_s"]) if res.get("elapsed_s") and not res.get("error")
                                  else res.get("error", "")[:100]), flush=True)
        with open(a.out, "w") as f:
            json.dump(doc, f, indent=1)

    if not a.no_stats:
        # One more memtrace run per workload with BPF run-time statistics on:
        # they cost two clock reads per program run, so never in the timed rounds.
        print("bench: BPF run-time statistics pass", flush=True)
        old = sh("sysctl -n kernel.bpf_stats_enabled") or "0"
        sh("sysctl -q -w kernel.bpf_stats_enabled=1")
        try:
            srunner = Runner(tmp, stats=True)
            for c in all_cells:
                if c.contender == "memtrace" and c.rounds > 0 and c.label in (
                        "memtrace", "memtrace default", "memtrace --exact", "memtrace default py3.12"):
                    res = srunner.run(c)
                    res["cell"] = c.key
                    doc["stats_runs"].append(res)
        finally:
            sh("sysctl -q -w kernel.bpf_stats_enabled=%s" % old)
    doc["total_s"] = time.monotonic() - t_start
    doc["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    print("bench: %d runs in %.0f s, saved to %s" % (len(doc["runs"]), doc["total_s"], a.out), flush=True)


if __name__ == "__main__":
    main()
