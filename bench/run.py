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

# (workload, contender, command, metric key)
JOBS = [
    ("TCP 64 B one way, datagrams/s", "raw C, 64 KiB writes", [B + "raw", "tcpbatch", "20000000", "64"], "rate"),
    ("TCP 64 B one way, datagrams/s", "raw C, one write per message", [B + "raw", "tcp1", "200000", "64"], "rate"),
    ("TCP 64 B one way, datagrams/s", "ENet reliable", [B + "enet_bench", "reliable", "300000", "64"], "rate"),
    ("TCP 64 B one way, datagrams/s", "Panda3D (Python)", [PY, "bench/panda_bench.py", "tcp", "200000", "64"], "rate"),
    ("TCP 64 B one way, datagrams/s", "gamenet C, one send per datagram", [B + "gamenet_bench", "tcp1", "2000000", "64"], "rate"),
    ("TCP 64 B one way, datagrams/s", "gamenet C, batches", [B + "gamenet_bench", "tcp", "5000000", "64"], "rate"),
    ("TCP 1 KiB one way, datagrams/s", "raw C, 64 KiB writes", [B + "raw", "tcpbatch", "2000000", "1024"], "rate"),
    ("TCP 1 KiB one way, datagrams/s", "gamenet C, batches", [B + "gamenet_bench", "tcp", "2000000", "1024"], "rate"),
    ("ping-pong 32 B, median us", "raw C, blocking", [B + "raw", "pingpong", "20000", "32"], "median_us"),
    ("ping-pong 32 B, median us", "ENet", [B + "enet_bench", "pingpong", "5000", "32"], "median_us"),
    ("ping-pong 32 B, median us", "Panda3D (Python)", [PY, "bench/panda_bench.py", "pingpong", "5000", "32"], "median_us"),
    ("ping-pong 32 B, median us", "gamenet C, polling reader", [B + "gamenet_bench", "pingpong", "20000", "32"], "median_us"),
    ("ping-pong 32 B, median us", "gamenet C, reader threads", [B + "gamenet_bench", "pingpongt", "20000", "32"], "median_us"),
    ("ping-pong 32 B, p99 us", "raw C, blocking", None, "p99_us"),
    ("ping-pong 32 B, p99 us", "gamenet C, polling reader", None, "p99_us"),
    ("ping-pong 32 B, p99 us", "gamenet C, reader threads", None, "p99_us"),
    ("UDP 64 B, datagrams sent/s", "raw C, sendto", [B + "raw", "udp", "300000", "64"], "rate"),
    ("UDP 64 B, datagrams sent/s", "raw C, sendmmsg", [B + "raw", "udpmmsg", "300000", "64"], "rate"),
    ("UDP 64 B, datagrams sent/s", "ENet unreliable", [B + "enet_bench", "unreliable", "300000", "64"], "rate"),
    ("UDP 64 B, datagrams sent/s", "gamenet C, send_to", [B + "gamenet_bench", "udp", "300000", "64"], "rate"),
    ("UDP 64 B, datagrams sent/s", "gamenet C, send_to_batch (64 a call)", [B + "gamenet_bench", "udpbatch", "300000", "64"], "rate"),
    ("bulk 1 MiB, GB/s", "raw C", [B + "raw", "bulk", "3000", "1048576"], "gbps"),
    ("bulk 1 MiB, GB/s", "gamenet C", [B + "gamenet_bench", "bulk", "3000", "1048576"], "gbps"),
    ("100,000 queued before reading, datagrams/s", "gamenet C, short queue", [B + "gamenet_bench", "tcp", "100000", "64"], "rate"),
    ("100,000 queued before reading, datagrams/s", "ENet, short bursts", [B + "enet_bench", "reliable", "100000", "64"], "rate"),
    ("100,000 queued before reading, datagrams/s", "ENet, all queued first", [B + "enet_bench", "deep", "100000", "64"], "rate"),
    ("100,000 queued before reading, datagrams/s", "gamenet C, all queued first", [B + "gamenet_bench", "deep", "100000", "64"], "rate"),
    ("Python echo, 100,000 x 32 B, datagrams/s", "Panda3D", [PY, "python/examples/bench_echo.py", "panda3d"], "rate"),
    ("Python echo, 100,000 x 32 B, datagrams/s", "gamenet.panda, same script", [PY, "python/examples/bench_echo.py", "gamenet"], "rate"),
    ("Python echo, 100,000 x 32 B, datagrams/s", "gamenet batch API", [PY, "python/examples/bench_echo.py", "batch"], "rate"),
    ("Python ping-pong, median us", "Panda3D", None, "rtt_median_us"),
    ("Python ping-pong, median us", "gamenet.panda, same script", None, "rtt_median_us"),
    ("honest echo beside hostile peers, median us", "gamenet C, alone", [B + "fair_bench", "none", "5000"], "rtt_median_us"),
    ("honest echo beside hostile peers, median us", "gamenet C, beside 4 stalled", [B + "fair_bench", "stalled", "5000"], "rtt_median_us"),
    ("honest echo beside hostile peers, median us", "gamenet C, beside 1 flooding", [B + "fair_bench", "flood", "5000"], "rtt_median_us"),
    ("honest echo beside hostile peers, p99 us", "gamenet C, alone", None, "rtt_p99_us"),
    ("honest echo beside hostile peers, p99 us", "gamenet C, beside 4 stalled", None, "rtt_p99_us"),
    ("honest echo beside hostile peers, p99 us", "gamenet C, beside 1 flooding", None, "rtt_p99_us"),
    ("honest echo beside hostile peers, echoes/s (32 in flight)", "gamenet C, alone", None, "rate"),
    ("honest echo beside hostile peers, echoes/s (32 in flight)", "gamenet C, beside 4 stalled", None, "rate"),
    ("honest echo beside hostile peers, echoes/s (32 in flight)", "gamenet C, beside 1 flooding", None, "rate"),
    ("honest echo beside hostile peers, polling server, median us", "gamenet C (polling), alone", [B + "fair_bench", "none", "5000", "0"], "rtt_median_us"),
    ("honest echo beside hostile peers, polling server, median us", "gamenet C (polling), beside 4 stalled", [B + "fair_bench", "stalled", "5000", "0"], "rtt_median_us"),
    ("honest echo beside hostile peers, polling server, median us", "gamenet C (polling), beside 1 flooding", [B + "fair_bench", "flood", "5000", "0"], "rtt_median_us"),
    ("10,000 idle connections", "gamenet C, bytes per connection", [B + "gamenet_bench", "idle", "10000", "0"], "bytes_per_conn"),
    ("10,000 idle connections", "gamenet C, a new connection's first datagram, median us", None, "first_median_us"),
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
    results = {}  # (workload, contender) -> [values]
    extra = {}  # (workload, contender) -> {key: [values]}
    start = time.time()
    for run in range(RUNS):
        for wl, who, cmd, key in JOBS:
            if cmd is None:
                continue
            try:
                env = dict(os.environ, PYTHONPATH="python")
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True,
                                     env=env).stdout
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                print(f"warning: {' '.join(cmd)} failed: {e}", file=sys.stderr)
                continue
            vals = parse(out)
            for k, v in vals.items():
                extra.setdefault((who, tuple(cmd)), {}).setdefault(k, []).append(v)
        print(f"run {run + 1}/{RUNS} done ({time.time() - start:.0f} s)", file=sys.stderr)
    # Resolve every row: rows without a command take a key from the previous row's command.
    last_cmd = {}
    rows = []
    for wl, who, cmd, key in JOBS:
        if cmd is not None:
            last_cmd[who] = tuple(cmd)
        c = tuple(cmd) if cmd is not None else last_cmd.get(who)
        if c is None:
            # the command of the row above for a differently named contender
            c = rows[-1][4] if rows else None
        vals = extra.get((who, c), {}).get(key)
        if vals is None:
            for (w2, c2), d in extra.items():
                if c2 == c and key in d:
                    vals = d[key]
        rows.append((wl, who, key, statistics.median(vals) if vals else None, c, len(vals or [])))
    print(f"\ngamenet side-by-side benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, medians of {RUNS} runs\n")
    print("| workload | contender | median | ratio to the first row |")
    print("|---|---|---|---|")
    for wl in dict.fromkeys(r[0] for r in rows):
        group = [r for r in rows if r[0] == wl]
        base = group[0][3]
        for i, r in enumerate(group):
            val = "n/a" if r[3] is None else (f"{r[3]:,.0f}" if r[3] >= 100 else f"{r[3]:.2f}")
            ratio = f"{r[3] / base:.2f}" if (i > 0 and base and r[3]) else ""
            print(f"| {wl} | {r[1]} | {val} | {ratio} |")
    print(f"\n(rates: higher is better; times: lower is better; {time.time() - start:.0f} s)")
    # The extra UDP and ping-pong counters.
    for (who, cmd), d in sorted(extra.items()):
        if "dropped" in d:
            print(f"{who}: dropped median {statistics.median(d['dropped']):.0f} of {cmd[2]}")


main()
