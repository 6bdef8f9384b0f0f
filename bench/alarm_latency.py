"""Trigger-to-gateway latency of the one-key alarm: device webhooks at 20 alarms/s for 60 s, live server.

    .venv/bin/python bench/alarm_latency.py [--database postgres|sqlite] [--rate 20] [--seconds 60]

Set-up as in ``bench/alarm_chaos.py`` (own database ``alarmbench`` or ``var/bench/alarms/latency.sqlite3``,
own keys; one community, five grids, each with a grid worker on duty, whose step waits 120 s, so the run
measures first steps rather than escalations), plus one registered alarm device per resident. Then
``linli serve`` (Granian, two workers) and one ``linli alarm_dispatcher`` run as subprocesses, and this
process sends signed device webhooks, each from another device (so none merge), paced at ``--rate`` per second
for ``--seconds``. The gateway logs the time of every call.

Latency of an alarm = the gateway's first call for it (the first step's SMS to the grid worker on duty)
minus the moment its webhook was due to be sent (a request delayed by a slow server counts from when it was
due: no coordinated omission). Also printed: the webhook's own answer time (202 after the alarm is stored).
Percentiles are nearest-rank. The target is p99 < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.alarm_chaos import (  # noqa: E402 - the path is set just above
    BENCH_VAR,
    GRIDS,
    add_database_args,
    build_world,
    configure_environment,
    gateway_log,
    read_gateway_log,
    setup_django,
)
from bench.search_bench import free_port, percentile  # noqa: E402

TARGET_P99 = 1.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_database_args(parser, default_name="alarmbench")
    parser.add_argument("--rate", type=float, default=20.0, help="alarms per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured alarms first")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261128)
    return parser.parse_args(argv)


@contextmanager
def processes(web_workers: int) -> Iterator[str]:
    """``linli serve`` and ``linli alarm_dispatcher`` in subprocesses; yields the server's base URL."""
    import httpx

    port = free_port()
    log = (BENCH_VAR / "latency-processes.log").open("w")
    env = dict(os.environ, LINLI_HOST="127.0.0.1", LINLI_PORT=str(port), LINLI_WEB_WORKERS=str(web_workers))
    serve = subprocess.Popen(
        [sys.executable, "-m", "linli.cli", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    dispatch = subprocess.Popen(
        [sys.executable, "-m", "linli.cli", "alarm_dispatcher"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if serve.poll() is not None or dispatch.poll() is not None:
                sys.exit(f"a process exited; see {log.name}")
            try:
                httpx.get(f"{base}/alarms/hooks/device/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    sys.exit(f"linli serve did not start within 60 s; see {log.name}")
                time.sleep(0.3)
        yield base
    finally:
        for process in (serve, dispatch):
            process.terminate()
        for process in (serve, dispatch):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


async def send_all(
    base: str, devices: list[tuple[str, str]], rate: float
) -> list[tuple[float, float, int, int | None]]:
    """One webhook per device, paced; returns (due wall time, answer seconds, status, alarm id) each."""
    import httpx

    from linli.alarms.hooks import sign

    results: list[tuple[float, float, int, int | None]] = []
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        start_wall, start = time.time() + 0.5, time.perf_counter() + 0.5

        async def one(i: int, device_id: str, secret: str) -> None:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            due_wall, due = start_wall + i / rate, start + i / rate
            body = json.dumps({"device_id": device_id, "nonce": f"n{i}"}).encode()
            stamp = str(int(time.time()))
            answer = await client.post(
                "/alarms/hooks/device/",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Linli-Timestamp": stamp,
                    "X-Linli-Signature": sign(secret, stamp, body),
                },
            )
            alarm_id = int(answer.json()["alarm"].rsplit("-", 1)[1]) if answer.status_code == 202 else None
            results.append((due_wall, time.perf_counter() - due, answer.status_code, alarm_id))

        await asyncio.gather(*(one(i, d, s) for i, (d, s) in enumerate(devices)))
    return results


def first_call_per_alarm(path: Path) -> dict[int, float]:
    _calls, first = read_gateway_log(path)
    per_alarm: dict[int, float] = {}
    for key, stamp in first.items():
        alarm_id = int(key.split(":")[1])
        per_alarm[alarm_id] = min(stamp, per_alarm.get(alarm_id, stamp))
    return per_alarm


def line(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    return (
        f"  {name:<22} n={len(ordered):<5} p50={percentile(ordered, 0.5) * 1000:7.1f} ms  "
        f"p95={percentile(ordered, 0.95) * 1000:7.1f} ms  p99={percentile(ordered, 0.99) * 1000:7.1f} ms  "
        f"max={ordered[-1] * 1000:7.1f} ms"
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    configure_environment(args, sqlite_name="latency")
    log = gateway_log("latency")
    setup_django()
    from django.db import connection

    from linli.alarms import services

    total = args.warmup + int(args.rate * args.seconds)
    # The grid worker has two minutes to answer: the run measures the first step, not escalations.
    people = build_world(residents=total, seed=args.seed, family_share=0.0, staffed=GRIDS, first_timeout=120)
    devices = [
        (f"BENCH-{i:05d}", services.register_device(actor=None, resident=p, device_id=f"BENCH-{i:05d}")[1])
        for i, p in enumerate(people)
    ]
    vendor = connection.vendor
    connection.close()
    print(
        f"alarm latency on {vendor}: {total - args.warmup} device alarms at {args.rate}/s "
        f"(+{args.warmup} warm-up), one dispatcher",
        flush=True,
    )
    with processes(args.web_workers) as base:
        asyncio.run(send_all(base, devices[: args.warmup], args.rate))
        results = asyncio.run(send_all(base, devices[args.warmup :], args.rate))
        wanted = {alarm_id for _due, _answer, _status, alarm_id in results if alarm_id is not None}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not wanted <= set(first_call_per_alarm(log)):
            time.sleep(0.5)
    first = first_call_per_alarm(log)
    statuses: dict[int, int] = {}
    answers: list[float] = []
    latencies: list[float] = []
    missing = 0
    for due_wall, answer, status, alarm_id in results:
        statuses[status] = statuses.get(status, 0) + 1
        answers.append(answer)
        if alarm_id is None or alarm_id not in first:
            missing += 1
            continue
        latencies.append(first[alarm_id] - due_wall)
    print(f"  statuses {statuses}; alarms without an SMS at the gateway after 30 s: {missing}")
    print(line("webhook answer (202)", answers))
    if latencies:
        print(line("trigger to gateway", latencies))
        p99 = percentile(sorted(latencies), 0.99)
        verdict = "PASS" if p99 < TARGET_P99 and not missing else "FAIL"
        print(f"{verdict}: trigger-to-gateway p99 {p99 * 1000:.0f} ms (target < {TARGET_P99 * 1000:.0f} ms)")
        if verdict == "FAIL":
            sys.exit(1)


if __name__ == "__main__":
    main()
