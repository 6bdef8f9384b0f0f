"""Alarm escalation under chaos: 500 alarms while ``linli alarm_dispatcher`` processes are killed and
restarted.

    .venv/bin/python bench/alarm_chaos.py [--database postgres|sqlite] [--alarms 500] [--dispatchers 3]

What it does:

1. A database of its own (PostgreSQL ``alarmbench``, dropped and created; or
   ``var/bench/alarms/chaos.sqlite3``) and keys of its own under ``var/bench/alarms/``; migrations; one
   street with a community and five grids, one resident per alarm (so no triggers merge), a duty roster
   with nobody on duty in two of the grids (their first step is skipped), family contacts for a third of
   the residents, and a policy of three steps (grid on duty, 10 s; community duty and family, 10 s; street
   duty, which repeats every ``--last-timeout`` seconds, 600 by default, so that a run ends).
2. ``--dispatchers`` dispatcher processes; the alarms are raised at ``--rate`` per second from this process
   while, every ``--kill-every`` seconds, a random dispatcher is killed with SIGKILL and a new one started.
   The SMS gateway takes 5 ms a call and logs every raw call to a file, so a kill lands mid-call now and then.
3. After ``--settle`` more seconds of chaos every dispatcher is killed. One clean dispatcher then runs until
   nothing is due or in flight; then every alarm is acknowledged (so the last steps stop repeating) and the
   dispatcher is stopped.
4. Checks, for every alarm: its step runs are numbered 0..n without a gap; every run that was due has run
   (done or skipped) exactly once: one ``step_started`` or ``step_skipped_no_responder`` line each, one
   ``notified`` line and one notice per recipient, and nothing for a run stopped by the acknowledgement;
   each next run was scheduled from the previous one's end; every notice's SMS is ``sent`` and reached the
   gateway once (one outbox message per idempotency key). Raw gateway calls are counted too: a key called
   twice is a call a killed dispatcher made without recording it, retried by the watchdog and absorbed by
   the gateway's idempotency.

Prints the figures and PASS/FAIL; exits 1 on a failure. This is a benchmark, not a test: nothing is timed
against a target here (``bench/alarm_latency.py`` measures latency).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import (  # noqa: E402 - path set above
    percentile,
    postgres_urls,
    recreate_postgres,
    use_bench_var,
)

BENCH_VAR = ROOT / "var" / "bench" / "alarms"
DISTRICT, STREET, COMMUNITY = "110109", "110109001", "110109001001"
GRIDS = [f"{COMMUNITY}{n:03d}" for n in range(1, 6)]
STAFFED_GRIDS = GRIDS[:3]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_database_args(parser, default_name="alarmbench")
    parser.add_argument("--alarms", type=int, default=500)
    parser.add_argument("--rate", type=float, default=10.0, help="alarms raised per second")
    parser.add_argument("--last-timeout", type=int, default=600, help="seconds before the last step repeats")
    parser.add_argument("--dispatchers", type=int, default=3, help="dispatcher processes at a time")
    parser.add_argument("--kill-every", type=float, default=5.0, help="seconds between SIGKILLs")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds of chaos after the last alarm")
    parser.add_argument("--lease", type=int, default=5, help="LINLI_ALARM_LEASE_SECONDS for the dispatchers")
    parser.add_argument("--seed", type=int, default=20261128)
    return parser.parse_args(argv)


def add_database_args(parser: argparse.ArgumentParser, *, default_name: str) -> None:
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--pg-database", default=default_name)


# --- set-up ---------------------------------------------------------------------------------------


def configure_environment(args: argparse.Namespace, *, sqlite_name: str) -> None:
    """The bench's own database, keys and gateway; read by this process and every subprocess."""
    use_bench_var(BENCH_VAR)
    os.environ["LINLI_LOG_LEVEL"] = "WARNING"
    os.environ["LINLI_SMS_GATEWAY"] = "bench.alarm_gateway.RecordingGateway"
    if args.database == "sqlite":
        path = BENCH_VAR / f"{sqlite_name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return
    if "bench" not in args.pg_database:
        sys.exit("--pg-database must contain 'bench': this script drops and recreates it")
    bench_url, maintenance_url = postgres_urls(args)
    recreate_postgres(maintenance_url, args.pg_database, reuse=False)
    os.environ["DATABASE_URL"] = bench_url


def gateway_log(name: str) -> Path:
    path = BENCH_VAR / f"{name}-gateway.log"
    path.unlink(missing_ok=True)
    os.environ["LINLI_BENCH_GATEWAY_LOG"] = str(path)
    return path


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build_world(
    *,
    residents: int,
    seed: int,
    family_share: float = 1 / 3,
    staffed: Sequence[str] = STAFFED_GRIDS,
    last_timeout: int = 600,
    first_timeout: int = 10,
) -> list[Any]:
    """Areas, residents (one per alarm), the roster, family contacts and the policy; returns the residents."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from linli.alarms import services
    from linli.alarms.escalation import StepSpec
    from linli.alarms.models import DutyKind, ResponderKind, StepKind
    from linli.core.phones import phone_blind_index
    from linli.core.services import upsert_area
    from linli.registry.models import Resident

    rng = random.Random(seed)
    with transaction.atomic():
        district = upsert_area(code=DISTRICT, name="门头沟区", level="district", kind="district", parent=None)
        street = upsert_area(
            code=STREET,
            name="大峪街道",
            level="street",
            kind="street",
            parent=district,
            latitude=39.94,
            longitude=116.10,
        )
        community = upsert_area(
            code=COMMUNITY,
            name="德露苑社区",
            level="community",
            kind="urban_community",
            parent=street,
            latitude=39.94,
            longitude=116.10,
        )
        grids = [
            upsert_area(
                code=code,
                name=f"第{n}网格",
                level="grid",
                kind="grid",
                parent=community,
                latitude=39.94 + n * 0.001,
                longitude=116.10,
            )
            for n, code in enumerate(GRIDS, start=1)
        ]
        people = []
        for i in range(residents):
            phone = f"138{i:08d}"
            people.append(
                Resident(
                    area=grids[i % len(grids)],
                    name=f"居民{i}",
                    phone=phone,
                    phone_index=phone_blind_index(phone),
                )
            )
        people = Resident.objects.bulk_create(people)
        now = timezone.now()
        span = {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(days=1)}
        phones = iter(range(1, 100_000))
        for grid in grids:
            if grid.code in staffed:
                services.add_duty_shift(
                    actor=None,
                    area=grid,
                    kind=DutyKind.GRID,
                    name=f"{grid.name}网格员",
                    phone=f"1390000{next(phones):04d}",
                    **span,
                )
        services.add_duty_shift(
            actor=None,
            area=community,
            kind=DutyKind.COMMUNITY,
            name="社区值班",
            phone=f"1390000{next(phones):04d}",
            **span,
        )
        services.add_duty_shift(
            actor=None,
            area=street,
            kind=DutyKind.STREET,
            name="街道值班",
            phone=f"1390000{next(phones):04d}",
            **span,
        )
        for person in people:
            if rng.random() < family_share:
                services.save_responder(
                    actor=None,
                    area=person.area,
                    kind=ResponderKind.FAMILY,
                    name=f"{person.name}家属",
                    phone=f"1391{next(phones):07d}",
                    resident=person,
                )
        services.save_policy(
            actor=None,
            area=district,
            name="bench",
            steps=[
                StepSpec(StepKind.GRID_ON_DUTY, first_timeout),
                StepSpec(StepKind.COMMUNITY_DUTY_AND_FAMILY, first_timeout),
                StepSpec(StepKind.STREET_DUTY, last_timeout),
            ],
        )
    return people


class Dispatchers:
    """``linli alarm_dispatcher`` subprocesses that can be killed and replaced."""

    def __init__(self, *, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log.open("a")
        self.processes: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.killed = 0

    def start(self) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "linli.cli", "alarm_dispatcher"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        self.started += 1

    def kill_one(self, rng: random.Random) -> None:
        alive = [p for p in self.processes if p.poll() is None]
        if not alive:
            return
        victim = rng.choice(alive)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.processes.remove(victim)
        self.killed += 1

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                self.killed += 1
        self.processes.clear()

    def stop_all(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def wait_quiet(*, timeout: float, lag: float = 2.0) -> float:
    """Wait until the clean dispatcher has caught up: no step run overdue by more than ``lag`` seconds (the
    last step keeps repeating, so something is always about to be due) and no alarm SMS older than a few
    seconds unsent. Returns the moment before which every due step has run."""
    import datetime as dt

    from django.utils import timezone

    from linli.alarms.models import AlarmNotice, AlarmStepRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = timezone.now()
        behind = now - dt.timedelta(seconds=lag)
        busy = (
            AlarmStepRun.objects.filter(state__in=["scheduled", "claimed"], due_at__lte=behind).exists()
            or AlarmNotice.objects.filter(created_at__lte=now - dt.timedelta(seconds=5))
            .exclude(notification__status="sent")
            .exists()
        )
        if not busy:
            return behind.timestamp()
        time.sleep(0.5)
    sys.exit("the clean dispatcher did not catch up in time")


# --- checks ---------------------------------------------------------------------------------------


def read_gateway_log(path: Path) -> tuple[Counter[str], dict[str, float]]:
    calls: Counter[str] = Counter()
    first: dict[str, float] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            stamp, key = line.split(" ", 1)
            calls[key] += 1
            first.setdefault(key, float(stamp))
    return calls, first


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{percentile(ordered, 0.5):.2f} / {percentile(ordered, 0.99):.2f} / {ordered[-1]:.2f}"


def check(*, alarms: list[Any], quiet_at: float, calls: Counter[str]) -> tuple[list[str], dict[str, Any]]:
    from linli.alarms.models import AlarmEvent, AlarmNotice, AlarmStepRun
    from linli.core.models import LocalSmsMessage, Notification

    problems: list[str] = []
    alarm_ids = [a.pk for a in alarms]
    runs: dict[int, list[Any]] = defaultdict(list)
    for run in AlarmStepRun.objects.filter(alarm_id__in=alarm_ids).order_by("alarm_id", "step_index"):
        runs[run.alarm_id].append(run)
    events: Counter[tuple[int, int | None, str]] = Counter(
        (e[0], e[1], e[2])
        for e in AlarmEvent.objects.filter(alarm_id__in=alarm_ids).values_list("alarm_id", "step", "kind")
    )
    notices: Counter[tuple[int, int]] = Counter(
        AlarmNotice.objects.filter(alarm_id__in=alarm_ids).values_list("alarm_id", "step_index")
    )
    lateness: list[float] = []
    ran = skipped = stopped = 0
    for alarm_id in alarm_ids:
        chain = runs[alarm_id]
        if [r.step_index for r in chain] != list(range(len(chain))):
            problems.append(f"alarm {alarm_id}: step runs not numbered 0..n: {[r.step_index for r in chain]}")
        for run, following in zip(chain, [*chain[1:], None], strict=True):
            started = events[(alarm_id, run.step_index, "step_started")]
            skips = events[(alarm_id, run.step_index, "step_skipped_no_responder")]
            told = events[(alarm_id, run.step_index, "notified")]
            sent = notices[(alarm_id, run.step_index)]
            if run.state == "done":
                ran += 1
                if (started, skips) != (1, 0) or told != sent or sent != run.recipients or sent == 0:
                    problems.append(
                        f"alarm {alarm_id} step {run.step_index}: {started=} {skips=} {told=} {sent=}"
                    )
            elif run.state == "skipped":
                skipped += 1
                if (started, skips, told, sent) != (0, 1, 0, 0):
                    problems.append(
                        f"alarm {alarm_id} step {run.step_index} skipped: {started=} {skips=} {told=}"
                    )
            elif run.state == "stopped":
                stopped += 1
                if started or skips or told or sent:
                    problems.append(
                        f"alarm {alarm_id} step {run.step_index} stopped but has lines or notices"
                    )
                if run.due_at.timestamp() < quiet_at:
                    problems.append(f"alarm {alarm_id} step {run.step_index} was due but never ran")
            else:
                problems.append(f"alarm {alarm_id} step {run.step_index} left {run.state}")
            if run.state in ("done", "skipped"):
                assert run.finished_at is not None
                lateness.append((run.finished_at - run.due_at).total_seconds())
                if following is not None:
                    last = run.step_index >= 2
                    wait = 0 if run.state == "skipped" and not last else run.timeout_seconds
                    expected = run.finished_at.timestamp() + wait
                    if abs(following.due_at.timestamp() - expected) > 0.001:
                        problems.append(
                            f"alarm {alarm_id} step {following.step_index} scheduled at the wrong time"
                        )
    keys = set(
        Notification.objects.filter(idempotency_key__startswith="alarm:").values_list(
            "idempotency_key", flat=True
        )
    )
    unsent = Notification.objects.filter(idempotency_key__startswith="alarm:").exclude(status="sent").count()
    outbox = LocalSmsMessage.objects.count()
    if unsent:
        problems.append(f"{unsent} alarm SMS not sent")
    if outbox != len(keys) or sum(notices.values()) != len(keys):
        problems.append(f"outbox {outbox}, notifications {len(keys)}, notices {sum(notices.values())}")
    if set(calls) != keys:
        problems.append(f"gateway saw {len(set(calls))} keys, the outbox has {len(keys)}")
    figures = {
        "alarms": len(alarm_ids),
        "step runs done": ran,
        "step runs skipped (nobody on duty)": skipped,
        "step runs stopped by the acknowledgement": stopped,
        "notices = SMS at the gateway (by key)": len(keys),
        "outbox messages": outbox,
        "raw gateway calls": sum(calls.values()),
        "keys called more than once (retried after a kill)": sum(1 for c in calls.values() if c > 1),
        "step runs claimed again after a kill": AlarmStepRun.objects.filter(
            alarm_id__in=alarm_ids, attempts__gt=1
        ).count(),
        "SMS sent on a second attempt (watchdog)": Notification.objects.filter(
            idempotency_key__startswith="alarm:", attempts__gt=1
        ).count(),
        "step lateness p50 / p99 / max (s)": spread(lateness),
    }
    return problems, figures


# --- main -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    configure_environment(args, sqlite_name="chaos")
    log = gateway_log("chaos")
    os.environ["LINLI_BENCH_GATEWAY_DELAY"] = "0.005"
    setup_django()
    from django.db import connection

    from linli.alarms import services
    from linli.alarms.models import TriggerSource

    rng = random.Random(args.seed)
    print(
        f"alarm chaos on {connection.vendor}: {args.alarms} alarms at {args.rate}/s, "
        f"{args.dispatchers} dispatchers, a SIGKILL every {args.kill_every} s",
        flush=True,
    )
    people = build_world(residents=args.alarms, seed=args.seed, last_timeout=args.last_timeout)
    env = dict(os.environ, LINLI_ALARM_LEASE_SECONDS=str(args.lease), LINLI_ALARM_STALE_SENDING_SECONDS="5")
    dispatchers = Dispatchers(env=env, log=BENCH_VAR / "chaos-dispatchers.log")
    try:
        for _n in range(args.dispatchers):
            dispatchers.start()
        alarms: list[Any] = []
        failures: list[str] = []

        def raise_all() -> None:
            started = time.monotonic()
            try:
                for i, person in enumerate(people):
                    delay = started + i / args.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    alarms.append(services.trigger_alarm(source=TriggerSource.BUTTON, resident=person))
            except Exception as exc:  # surfaced below
                failures.append(repr(exc))
            finally:
                connection.close()

        raiser = threading.Thread(target=raise_all)
        began = time.monotonic()
        raiser.start()
        while raiser.is_alive() or time.monotonic() < began + len(people) / args.rate + args.settle:
            time.sleep(args.kill_every)
            dispatchers.kill_one(rng)
            dispatchers.start()
        raiser.join()
        if failures:
            sys.exit(f"raising alarms failed: {failures[:3]}")
        dispatchers.kill_all()
        chaos_seconds = time.monotonic() - began
        print(
            f"chaos: {chaos_seconds:.0f} s, {dispatchers.killed} dispatchers killed, "
            f"{dispatchers.started} started",
            flush=True,
        )
        dispatchers.start()  # one clean dispatcher catches up: expired leases, unsent SMS
        quiet_at = wait_quiet(timeout=args.lease + 120)
        for alarm in alarms:
            services.acknowledge_alarm(alarm=alarm, via="console")
        time.sleep(2)
        dispatchers.stop_all()
    finally:
        dispatchers.kill_all()  # also when a step above failed: leave no dispatcher behind
    calls, _first = read_gateway_log(log)
    problems, figures = check(alarms=alarms, quiet_at=quiet_at, calls=calls)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    if problems:
        print(f"FAIL: {len(problems)} problems")
        for problem in problems[:20]:
            print("  " + problem)
        sys.exit(1)
    print("PASS: every alarm reached every due step exactly once; every SMS reached the gateway once by key")


if __name__ == "__main__":
    main()
