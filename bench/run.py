"""Runs the harness's workloads interleaved, RUNS times each, and prints the table.

Each program prints `key=value` pairs; the table shows each contender's median over the
runs and gamenet's ratio to it. Called by bench/run.sh after the build."""
import os
import platform
import statistics
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
B = "target/bench/"
PY = ".venv/bin/python"

# Rows: (workload, contender, command, metric key, baseline, target). A row without a
# command shows another key of the command its contender ran in an earlier row. `baseline`
# names the row of the same workload the ratio divides by: the contender that does the same
# work and waits the same way (a blocking receiver for reader threads, which block in
# epoll; a busy-polling one for polling readers, which spin before they sleep). `target`
# is the ratio the row must reach (">=" for rates, "<=" for times).
G, R, E = B + "gamenet_bench", B + "raw", B + "enet_bench"
T64 = "TCP 64 B one way, batched, datagrams/s"
T1 = "TCP 64 B one way, one send call per datagram, datagrams/s"
TK = "TCP 1 KiB one way, batched, datagrams/s"
BULK = "bulk 1 MiB, GB/s"
PP = "ping-pong 32 B, median us"
PP99 = "ping-pong 32 B, p99 us"
UDP = "UDP 64 B, datagrams sent/s"
DEEP = "100,000 queued before reading, datagrams/s"
PYE = "Python echo, 100,000 x 32 B, datagrams/s"
PYP = "Python ping-pong, median us"
RAWB, RAWS = "raw C, blocking receiver", "raw C, busy-polling receiver"
MSG = "message layer, round trips/s of small maps (256 in flight)"
MSGF = "message layer, client start to first echo, us"
PENG = "peng3dnet (Python, a process per side)"


def modes(wl, mode, n, size, target, label=""):
    """gamenet rows in each reader/writer thread setting, each against its raw baseline."""
    rows = []
    for rt, wt in ((1, 1), (1, 0), (0, 1), (0, 0)):
        who = f"gamenet C{label}, reader {rt} / writer {wt} threads"
        rows.append((wl, who, [G, mode, str(n), str(size), str(rt), str(wt)], "rate" if size < 65536 else "gbps",
                     RAWB if rt else RAWS, target))
    return rows


JOBS = [
    (T64, RAWB, [R, "tcpbatch", "5000000", "64", "block"], "rate", None, None),
    (T64, RAWS, [R, "tcpbatch", "5000000", "64", "spin"], "rate", None, None),
    (T64, "ENet reliable (a process per side)", [E, "reliable", "300000", "64"], "rate", None, None),
    *modes(T64, "tcp", 5000000, 64, ">=0.5"),
    *modes(T64, "tcprefs", 5000000, 64, ">=0.5", ", zero-copy batches"),
    (T1, "raw C, one send() per datagram, blocking receiver", [R, "tcp1", "200000", "64", "block"], "rate", None, None),
    (T1, "raw C, one send() per datagram, busy-polling receiver", [R, "tcp1", "200000", "64", "spin"], "rate", None, None),
    (T1, "Panda3D (Python), reader / writer 1 thread", [PY, "bench/panda_bench.py", "tcp", "200000", "64"], "rate", None, None),
    (T1, "gamenet C, reader 0 / writer 0 threads (a write per call)", [G, "tcp1", "200000", "64", "0", "0"], "rate",
     "raw C, one send() per datagram, busy-polling receiver", None),
    (T1, "gamenet C, reader 1 / writer 1 threads (the writer coalesces)", [G, "tcp1", "2000000", "64", "1", "1"], "rate",
     "raw C, one send() per datagram, blocking receiver", None),
    (TK, RAWB, [R, "tcpbatch", "2000000", "1024", "block"], "rate", None, None),
    (TK, RAWS, [R, "tcpbatch", "2000000", "1024", "spin"], "rate", None, None),
    *modes(TK, "tcp", 2000000, 1024, ">=0.7"),
    (BULK, RAWB, [R, "bulk", "3000", "1048576", "block"], "gbps", None, None),
    (BULK, RAWS, [R, "bulk", "3000", "1048576", "spin"], "gbps", None, None),
    *modes(BULK, "bulk", 3000, 1048576, ">=0.8"),
    (PP, "raw C, blocking", [R, "pingpong", "20000", "32", "block"], "median_us", None, None),
    (PP, "raw C, busy-polling", [R, "pingpong", "20000", "32", "spin"], "median_us", None, None),
    (PP, "ENet (a process per side)", [E, "pingpong", "5000", "32"], "median_us", None, None),
    (PP, "Panda3D (Python), polling", [PY, "bench/panda_bench.py", "pingpong", "5000", "32"], "median_us", None, None),
    (PP, "gamenet C, polling readers", [G, "pingpong", "20000", "32", "0"], "median_us", "raw C, busy-polling", "<=1.1"),
    (PP, "gamenet C, reader threads", [G, "pingpong", "20000", "32", "1"], "median_us", "raw C, busy-polling", "<=1.5"),
    (PP99, "raw C, blocking", None, "p99_us", None, None),
    (PP99, "raw C, busy-polling", None, "p99_us", None, None),
    (PP99, "gamenet C, polling readers", None, "p99_us", "raw C, busy-polling", None),
    (PP99, "gamenet C, reader threads", None, "p99_us", "raw C, busy-polling", "<=2.0"),
    (UDP, "raw C, sendto", [R, "udp", "300000", "64"], "rate", None, None),
    (UDP, "raw C, sendmmsg (64 a call)", [R, "udpmmsg", "300000", "64"], "rate", None, None),
    (UDP, "ENet unreliable (a process per side)", [E, "unreliable", "300000", "64"], "rate", None, None),
    (UDP, "raw C, sendto, receiver waits in epoll", [R, "udp", "300000", "64", "epoll"], "rate", None, None),
    (UDP, "raw C, sendmmsg, receiver waits in epoll", [R, "udpmmsg", "300000", "64", "epoll"], "rate", None, None),
    (UDP, "gamenet C, send_to", [G, "udp", "300000", "64"], "rate", "raw C, sendto", ">=0.95"),
    (UDP, "gamenet C, send_to (against the epoll receiver)", None, "rate",
     "raw C, sendto, receiver waits in epoll", None),
    (UDP, "gamenet C, send_to_batch (64 a call)", [G, "udpbatch", "300000", "64"], "rate",
     "raw C, sendmmsg (64 a call)", ">=0.95"),
    (UDP, "gamenet C, send_to_batch (against the epoll receiver)", None, "rate",
     "raw C, sendmmsg, receiver waits in epoll", None),
    (DEEP, "gamenet C, short queue (10,000 queued, then read, in turn)", [G, "deep", "100000", "64", "1", "1", "10000"], "rate", None, None),
    (DEEP, "ENet, short bursts", [E, "reliable", "100000", "64"], "rate", None, None),
    (DEEP, "ENet, all queued first", [E, "deep", "100000", "64"], "rate", "ENet, short bursts", None),
    (DEEP, "gamenet C, all queued first", [G, "deep", "100000", "64", "1", "1"], "rate",
     "gamenet C, short queue (10,000 queued, then read, in turn)", ">=0.91"),
    (PYE, "Panda3D", [PY, "python/examples/bench_echo.py", "panda3d"], "rate", None, None),
    (PYE, "gamenet.panda, same script", [PY, "python/examples/bench_echo.py", "gamenet"], "rate", "Panda3D", ">=10"),
    (PYE, "gamenet batch API", [PY, "python/examples/bench_echo.py", "batch"], "rate", "Panda3D", ">=25"),
    (PYP, "Panda3D", None, "rtt_median_us", None, None),
    (PYP, "gamenet.panda, same script", None, "rtt_median_us", "Panda3D", "<=1.0"),
    ("honest echo beside hostile peers, median us", "gamenet C, alone", [B + "fair_bench", "none", "5000"], "rtt_median_us", None, None),
    ("honest echo beside hostile peers, median us", "gamenet C, beside 4 stalled", [B + "fair_bench", "stalled", "5000"], "rtt_median_us", "gamenet C, alone", None),
    ("honest echo beside hostile peers, median us", "gamenet C, beside 1 flooding", [B + "fair_bench", "flood", "5000"], "rtt_median_us", "gamenet C, alone", None),
    ("honest echo beside hostile peers, p99 us", "gamenet C, alone", None, "rtt_p99_us", None, None),
    ("honest echo beside hostile peers, p99 us", "gamenet C, beside 4 stalled", None, "rtt_p99_us", "gamenet C, alone", None),
    ("honest echo beside hostile peers, p99 us", "gamenet C, beside 1 flooding", None, "rtt_p99_us", "gamenet C, alone", None),
    ("honest echo beside hostile peers, echoes/s (32 in flight)", "gamenet C, alone", None, "rate", None, None),
    ("honest echo beside hostile peers, echoes/s (32 in flight)", "gamenet C, beside 4 stalled", None, "rate", "gamenet C, alone", None),
    ("honest echo beside hostile peers, echoes/s (32 in flight)", "gamenet C, beside 1 flooding", None, "rate", "gamenet C, alone", None),
    ("honest echo beside hostile peers, polling server, median us", "gamenet C (polling), alone", [B + "fair_bench", "none", "5000", "0"], "rtt_median_us", None, None),
    ("honest echo beside hostile peers, polling server, median us", "gamenet C (polling), beside 4 stalled", [B + "fair_bench", "stalled", "5000", "0"], "rtt_median_us", "gamenet C (polling), alone", None),
    ("honest echo beside hostile peers, polling server, median us", "gamenet C (polling), beside 1 flooding", [B + "fair_bench", "flood", "5000", "0"], "rtt_median_us", "gamenet C (polling), alone", None),
    (MSG, PENG, [PY, "bench/msg_bench.py", "peng", "20000", "256"], "rate", None, None),
    (MSG, "gamenet Python (a process per side)", [PY, "bench/msg_bench.py", "gamenet", "50000", "256"],
     "rate", PENG, ">=5"),
    (MSG, "the same peng3dnet code on gamenet.peng", [PY, "bench/msg_bench.py", "gamenet.peng", "20000", "256"],
     "rate", PENG, None),
    (MSG, "gamenet C, 1 thread each", [B + "msg_bench", "200000", "256", "1"], "rate", PENG, ">=50"),
    (MSG, "gamenet C, 0 threads (all inside process)", [B + "msg_bench", "200000", "256", "0"], "rate",
     PENG, None),
    (MSG, "gamenet C, 1 thread each, batch calls", [B + "msg_bench", "200000", "256", "1", "batch"],
     "rate", PENG, None),
    (MSG, "gamenet C, 0 threads, batch calls", [B + "msg_bench", "200000", "256", "0", "batch"],
     "rate", PENG, None),
    (MSGF, PENG, None, "first_us", None, None),
    (MSGF, "gamenet Python (a process per side)", None, "first_us", PENG, None),
    (MSGF, "the same peng3dnet code on gamenet.peng", None, "first_us", PENG, None),
    (MSGF, "gamenet C, 1 thread each", None, "first_us", PENG, None),
    ("10,000 idle connections", "gamenet C, bytes per connection", [G, "idle", "10000", "0"], "bytes_per_conn", None, None),
    ("10,000 idle connections", "gamenet C, a new connection's first datagram, median us", None, "first_median_us", None, None),
]


def parse(out):
    vals = {}
    for tok in out.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                vals[k] = float(v)
            except ValueError:
                pass
    return vals


def main():
    extra = {}  # command -> {key: [values]}
    start = time.time()
    for run in range(RUNS):
        for wl, who, cmd, key, base, target in JOBS:
            if cmd is None or os.environ.get("ONLY", "") not in wl:
                continue
            try:
                env = dict(os.environ, PYTHONPATH="python")
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True,
                                     env=env).stdout
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                err = getattr(e, "stderr", "") or ""
                print(f"warning: {' '.join(cmd)} failed: {e} {err.strip()}", file=sys.stderr)
                continue
            for k, v in parse(out).items():
                extra.setdefault(tuple(cmd), {}).setdefault(k, []).append(v)
        print(f"run {run + 1}/{RUNS} done ({time.time() - start:.0f} s)", file=sys.stderr)
    # Resolve every row: a row without a command shows a key of its contender's command.
    last_cmd = {}
    rows = {}
    prev = None
    for wl, who, cmd, key, base, target in JOBS:
        c = tuple(cmd) if cmd is not None else last_cmd.get(who, prev)
        last_cmd[who] = prev = c
        vals = extra.get(c, {}).get(key)
        rows[(wl, who)] = (statistics.median(vals) if vals else None, len(vals or []))
    print(f"\ngamenet side-by-side benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, medians of {RUNS} runs\n")
    print("| workload | contender | median | baseline (the row divided by) | ratio | target |")
    print("|---|---|---|---|---|---|")
    for wl, who, cmd, key, base, target in JOBS:
        if os.environ.get("ONLY", "") not in wl:
            continue
        val = rows[(wl, who)][0]
        shown = "n/a" if val is None else (f"{val:,.0f}" if val >= 100 else f"{val:.2f}")
        ratio, goal = "", ""
        if base is not None:
            bval = rows[(wl, base)][0]
            if val and bval:
                r = val / bval
                ratio = f"{r:.2f}"
                if target:
                    want = float(target[2:])
                    met = r >= want if target.startswith(">=") else r <= want
                    goal = f"{target} {'met' if met else 'NOT met'}"
        print(f"| {wl} | {who} | {shown} | {base or ''} | {ratio} | {goal} |")
    print(f"\n(rates: higher is better; times: lower is better; {time.time() - start:.0f} s)")
    for c, d in sorted(extra.items()):
        if "dropped" in d:
            print(f"{' '.join(c[:2])}: dropped median {statistics.median(d['dropped']):.0f} of {c[2]}")


main()
