"""Live-risk benchmark: 10,000 accounts of one bridge ticking every second through the real API,
evaluated by the monitor processes, with planted breaches timed from tick to command and email.

    DATABASE_URL=postgres://root@127.0.0.1:5432/propdesk .venv/bin/python bench/live.py

Everything runs on 127.0.0.1 and is started and stopped here: a scratch database
(`propdesk_bench_live_<pid>`, bench/scratch_db.py), a private redis-server on a free port,
gunicorn (`config.wsgi`, gthread), a Celery worker whose email backend records when each message
is handed over (bench/mail_clock.py via bench/live_settings.py) and the monitors
(`manage.py live_monitor`). It seeds `--accounts` accounts of one bridge (COPY; a phase with
max_daily_loss 5 % and max_total_loss 10 %, reset at 00:00 UTC), publishes their limits
(`live_limits`), then measures:

(a) baseline: the simulator's tick payloads XADDed raw to one Redis stream, from this process;
(b) capacity: `--prefill` seconds of ticks pushed through the API with the monitors stopped,
    then the time 1 and then 2 monitor processes take to evaluate that backlog;
(c) live: `--seconds` seconds at one tick per account per second through the simulator
    (bench/bridge_sim.py) with 2 monitors, `--breaches` planted breaches at known seconds and a
    few ticks at and near the floor that must not breach: ticks/s, tick → violation, tick →
    command at the bridge, tick → email (p50/p99), missed and duplicated breaches, CPU seconds
    per 1,000 ticks of the web and monitor processes.

Prints a table and the figures as JSON (`--json FILE` writes them too). Exit status 1 when a
planted breach was missed or duplicated or an unplanted account got a violation or a command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bridge_sim  # noqa: E402
from live_stack import Stack, backlog, cpu_seconds, machine_busy  # noqa: E402
from scratch_db import ScratchDatabase  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST_LOGIN = 7_000_000
TRADERS = 200
DAILY_BREACH = (9_350_000, 9_499_999)  # planted equity, cents: below the 95,000.00 floor
AT_FLOOR = 9_500_000  # exactly at the daily floor: strict <, no breach
NEAR = (9_500_001, 9_600_000)  # inside the last fifth of the room: an alert, no breach


# --- seeding ------------------------------------------------------------------------------------


def seed(accounts: int) -> tuple[str, list[str]]:
    """One bridge, `accounts` accounts on it; (the bridge's token, the logins)."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from evaluations.models import Bridge, Phase, Program, Rule, RuleSet

    out = io.StringIO()
    call_command("create_bridge", "bench-live", stdout=out, stderr=io.StringIO())
    token = out.getvalue().strip().splitlines()[-1]
    user = User.objects.get(email="bridge-bench-live@bridges.propdesk.invalid")
    bridge, _ = Bridge.objects.get_or_create(user=user, defaults={"name": "bench-live"})
    program = Program.objects.create(
        name="Live bench 100k", slug="live-bench-100k", account_size="100000.00", price="500"
    )
    phase = Phase.objects.create(
        program=program, order=1, name="Phase 1", kind="evaluation", reset_tz="UTC", reset_hour=0
    )
    rule_set = RuleSet.objects.create(phase=phase, version=1)
    Rule.objects.create(
        rule_set=rule_set, code="max_daily_loss", severity="hard", params={"percent": "5"}
    )
    Rule.objects.create(
        rule_set=rule_set, code="max_total_loss", severity="hard", params={"percent": "10"}
    )
    traders = User.objects.bulk_create(
        User(email=f"live.trader{n}@bench.invalid", password="!", first_name="Trader")
        for n in range(TRADERS)
    )
    started = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    logins = [str(FIRST_LOGIN + n) for n in range(accounts)]
    columns = (
        "login, trader_id, program_id, phase_id, rule_set_id, initial_balance, currency, status, "
        "status_reason, started_at, needs_review, broker_server, server_tz, created_at, bridge_id"
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY evaluations_tradingaccount ({columns}) FROM STDIN") as copy,
    ):
        for n, login in enumerate(logins):
            copy.write_row(
                (
                    *(login, traders[n % TRADERS].pk, program.pk, phase.pk, rule_set.pk),
                    *("100000.00", "USD", "active", "", started, False, "", "UTC", started),
                    bridge.pk,
                )
            )
    return token, logins


# --- figures ------------------------------------------------------------------------------------


def pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def ms_summary(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 1) if ms else None,
        "p99_ms": round(pct(ms, 99), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
    }


def simulator(logins: list[str], *, seed_no: int, trading: bool, run_id: str, start_ts: int):
    sim = bridge_sim.Simulator(
        logins,
        seed=seed_no,
        ticket_prefix=f"b{run_id}-{seed_no}-",
        platform_prefix=f"SIM{run_id}-",
        initial_positions=0.1 if trading else 0.0,
        start_ts=start_ts,
    )
    sim.trading = trading
    return sim


# --- (a) baseline -------------------------------------------------------------------------------


def baseline(client, logins: list[str], seconds: int, start_ts: int) -> dict:
    """The simulator's tick payloads, XADDed raw to one stream from this process."""
    sim = simulator(logins, seed_no=11, trading=False, run_id="base", start_ts=start_ts)
    stream = "bench:baseline"
    begin = time.perf_counter()
    ticks = 0
    for n in range(seconds):
        second = sim.second(start_ts + n)
        for part in bridge_sim.chunks(second.ticks, bridge_sim.TICKS_PER_REQUEST):
            body = json.dumps({"ticks": part}, separators=(",", ":"))
            client.xadd(stream, {"k": "ticks", "d": body})
            ticks += len(part)
    elapsed = time.perf_counter() - begin
    client.delete(stream)
    return {"ticks": ticks, "seconds": round(elapsed, 2), "ticks_per_s": round(ticks / elapsed)}


# --- (b) capacity -------------------------------------------------------------------------------


def wait_drained(client, streams, group, timeout: float, started: float) -> dict:
    """Poll the backlog until it is empty; when it first moved and when it was empty."""
    first = start_backlog = None
    while True:
        unread, pending = backlog(client, streams, group)
        now = time.monotonic()
        if start_backlog is None:
            start_backlog = unread + pending
        if first is None and unread + pending < start_backlog:
            first = now
        if unread + pending == 0:
            return {"drained_at": now, "first_progress": first or now, "left": 0}
        if now - started > timeout:
            return {"drained_at": None, "first_progress": first, "left": unread + pending}
        time.sleep(0.1)


def capacity(stack, client, token, logins, k, start_ts, prefill, streams, group, run_id) -> dict:
    sim = simulator(logins, seed_no=20 + k, trading=False, run_id=run_id, start_ts=start_ts)
    runner = bridge_sim.BridgeRunner(
        sim, bridge_sim.Sender(bridge_sim.HttpTransport(stack.base_url, token))
    )
    runner.start(commands=False)
    web_cpu0 = cpu_seconds(stack.web.pid)
    begin = time.monotonic()
    runner.run(prefill, realtime=False, start_ts=start_ts)
    runner.drain(timeout=600)
    push = time.monotonic() - begin
    web_cpu = cpu_seconds(stack.web.pid) - web_cpu0
    report = runner.report()
    accepted = report["ticks"]["accepted"]
    monitors = stack.start_monitors(k, f"cap{k}")
    started = time.monotonic()
    cpu0 = {p.pid: cpu_seconds(p.pid) for p, _ in monitors}
    drained = wait_drained(client, streams, group, timeout=240, started=started)
    mon_cpu = sum(cpu_seconds(p.pid) - cpu0[p.pid] for p, _ in monitors)
    processed = stack.stop_monitors(monitors)
    end = drained["drained_at"] or time.monotonic()
    return {
        "monitors": k,
        "ticks_pushed": accepted,
        "refused": report["ticks"]["refused"],
        "push_seconds": round(push, 2),
        "api_ticks_per_s": round(accepted / push),
        "web_cpu_s_per_1000": round(web_cpu / accepted * 1000, 4) if accepted else None,
        "drain_seconds_from_start": round(end - started, 2),
        "drain_seconds_from_first_progress": round(end - drained["first_progress"], 2),
        "ticks_per_s": round(accepted / (end - drained["first_progress"])),
        "left": drained["left"],
        "evaluated": processed,
        "monitor_cpu_s_per_1000": round(mon_cpu / accepted * 1000, 4) if accepted else None,
        "retries": report["retries"],
    }


# --- (c) live run ------------------------------------------------------------------------------


def plan(logins: list[str], breaches: int, seconds: int, rng: random.Random) -> dict:
    chosen = rng.sample(logins, breaches + 6)
    span = max(1, seconds - 15)  # from second 5 to 10 s before the end
    spread = [5 + round(n * span / max(1, breaches - 1)) for n in range(breaches)]
    plan = {"breach": {}, "no_breach": {}}
    for n, login in enumerate(chosen[:breaches]):
        equity = DAILY_BREACH[1] if n % 10 == 0 else rng.randint(*DAILY_BREACH)
        plan["breach"][login] = (spread[n], equity)
    for n, login in enumerate(chosen[breaches:]):
        equity = AT_FLOOR if n < 3 else rng.randint(*NEAR)
        plan["no_breach"][login] = (5 + rng.randrange(span), equity)
    return plan


def live_run(stack, client, token, logins, args, streams, group, run_id) -> dict:
    from evaluations.models import PlatformCommand, TradingAccount
    from live.models import LimitAlert, LiveTick
    from risk.models import Violation

    rng = random.Random(args.seed)
    planted = plan(logins, args.breaches, args.seconds, rng)
    sim = simulator(
        logins, seed_no=args.seed, trading=True, run_id=run_id, start_ts=int(time.time())
    )
    for login, (second, equity) in {**planted["breach"], **planted["no_breach"]}.items():
        sim.plant(login, second, equity)
    runner = bridge_sim.BridgeRunner(
        sim,
        bridge_sim.Sender(bridge_sim.HttpTransport(stack.base_url, token)),
        tick_batch=args.tick_batch,
    )
    monitors = stack.start_monitors(2, "live")
    time.sleep(3)  # the monitors start and share the shards out
    runner.start()
    if args.profile:
        for n, (proc, _) in enumerate([*monitors, (stack.web, None)]):
            name = f"monitor{n}" if n < len(monitors) else "web"
            stack.profile(proc.pid, args.seconds, Path(args.profile) / f"{name}.txt")
    web0, mon0 = cpu_seconds(stack.web.pid), sum(cpu_seconds(p.pid) for p, _ in monitors)
    worker0, own0, machine0 = cpu_seconds(stack.worker.pid), sum(os.times()[:2]), machine_busy()
    begin = time.monotonic()
    runner.run(args.seconds)
    window = time.monotonic() - begin
    web1, mon1 = cpu_seconds(stack.web.pid), sum(cpu_seconds(p.pid) for p, _ in monitors)
    worker1, own1, machine1 = cpu_seconds(stack.worker.pid), sum(os.times()[:2]), machine_busy()
    load = os.getloadavg()[0]
    unread, pending = backlog(client, streams, group)
    # the last commands and emails: wait until every planted breach has its command
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = {c["login"] for c in runner.commands}
        if set(planted["breach"]) <= got:
            break
        time.sleep(0.2)
    drained = wait_drained(client, streams, group, timeout=60, started=time.monotonic())
    mon_drained = sum(cpu_seconds(p.pid) for p, _ in monitors)
    time.sleep(3)  # emails queued after the last commands
    runner.drain(timeout=60)
    report = runner.report()
    processed = stack.stop_monitors(monitors)

    accounts = dict(TradingAccount.objects.filter(login__in=logins).values_list("pk", "login"))
    violations: dict[str, list] = {}
    published: dict[str, float] = {}  # when the API put the breaching tick on the stream
    for account_id, created, evidence in Violation.objects.values_list(
        "account_id", "created_at", "evidence"
    ):
        login = accounts.get(account_id, str(account_id))
        violations.setdefault(login, []).append(created)
        details = (evidence or {}).get("details") or {}
        received_at = details.get("live", {}).get("received_at")
        if received_at:
            published[login] = dt.datetime.fromisoformat(received_at).timestamp()
    commands: dict[str, list] = {}
    issued: dict[str, float] = {}  # when the command was written to the outbox (committed with
    # the violation): from then on the bridge's long poll hands it out
    for account_id, kind, issued_at in PlatformCommand.objects.exclude(
        kind="create_account"
    ).values_list("account_id", "kind", "issued_at"):
        login = accounts.get(account_id, str(account_id))
        commands.setdefault(login, []).append(kind)
        issued[login] = min(issued.get(login, issued_at.timestamp()), issued_at.timestamp())
    mails: dict[str, float] = {}
    if stack.mail_clock.exists():
        for line in stack.mail_clock.read_text().splitlines():
            mail = json.loads(line)
            for word in mail["subject"].split():
                if word in planted["breach"] or word in planted["no_breach"]:
                    mails[word] = min(mails.get(word, mail["t"]), mail["t"])
    received = {}
    for c in runner.commands:
        received.setdefault(c["login"], c["received_at"])

    to_violation, to_command, to_email, to_stream, stream_to_violation = [], [], [], [], []
    to_issued = []
    missed, duplicated = [], []
    for login in planted["breach"]:
        sent = report["planted"].get(login)
        found = violations.get(login, [])
        if len(found) != 1 or len(commands.get(login, [])) != 1:
            (missed if not found else duplicated).append(login)
        if sent is None:
            continue
        if found:
            to_violation.append(min(found).timestamp() - sent)
            if login in published:
                to_stream.append(published[login] - sent)
                stream_to_violation.append(min(found).timestamp() - published[login])
        if login in issued:
            to_issued.append(issued[login] - sent)
        if login in received:
            to_command.append(received[login] - sent)
        if login in mails:
            to_email.append(mails[login] - sent)
    false = sorted((set(violations) | set(commands)) - set(planted["breach"]))
    accepted = report["ticks"]["accepted"]
    return {
        "seconds": args.seconds,
        "window_seconds": round(window, 2),
        "accounts": len(logins),
        "ticks_sent": report["ticks"]["sent"],
        "ticks_accepted": accepted,
        "ticks_refused": report["ticks"]["refused"],
        "accepted_per_s": round(accepted / window),
        "backlog_at_end": {"unread_entries": unread, "pending_entries": pending},
        "drained_after_end_s": (
            round(drained["drained_at"] - begin - window, 2) if drained["drained_at"] else None
        ),
        "evaluated": processed,
        "tick_to_api_publish": ms_summary(to_stream),
        "api_publish_to_violation": ms_summary(stream_to_violation),
        "tick_to_violation": ms_summary(to_violation),
        "tick_to_command_in_outbox": ms_summary(to_issued),
        "tick_to_command": ms_summary(to_command),
        "tick_to_email": ms_summary(to_email),
        "planted_breaches": len(planted["breach"]),
        "planted_no_breach": len(planted["no_breach"]),
        "missed": sorted(missed),
        "duplicated": sorted(duplicated),
        "unplanted_with_violation_or_command": false,
        "web_cpu_s_per_1000": round((web1 - web0) / accepted * 1000, 4) if accepted else None,
        "monitor_cpu_s_per_1000": (
            round((mon_drained - mon0) / accepted * 1000, 4) if accepted else None
        ),
        "monitor_cpu_s_in_window": round(mon1 - mon0, 2),
        "web_cpu_s_in_window": round(web1 - web0, 2),
        "worker_cpu_s_in_window": round(worker1 - worker0, 2),
        "simulator_cpu_s_in_window": round(own1 - own0, 2),
        "machine_busy_cores": round((machine1[0] - machine0[0]) / window, 2),
        "machine_cores": os.cpu_count(),
        "load_average_1min_at_end": round(load, 2),
        "late_ticks_stored": LiveTick.objects.filter(reason="late").count(),
        "alerts": LimitAlert.objects.count(),
        "simulator": {k: v for k, v in report.items() if k not in ("planted", "commands")}
        | {"commands": {k: len(v) for k, v in report["commands"].items()}},
    }


# --- the table --------------------------------------------------------------------------------


def table(figures: dict) -> str:
    rows = [("measure", "value", "target")]
    base = figures["baseline"]
    rows.append(("(a) raw XADD of the same payloads, ticks/s", f"{base['ticks_per_s']:,}", ""))
    for cap in figures["capacity"]:
        k = cap["monitors"]
        rows.append(
            (f"(b) API alone (no monitors), ticks/s [{k}]", f"{cap['api_ticks_per_s']:,}", "")
        )
        rows.append((f"(b) {k} monitor(s) drain, ticks/s", f"{cap['ticks_per_s']:,}", ""))
        rows.append(
            (f"(b) {k} monitor(s) CPU s / 1,000 ticks", f"{cap['monitor_cpu_s_per_1000']}", "")
        )
    live = figures["live"]
    rows += [
        ("(c) ticks accepted by the API, per s", f"{live['accepted_per_s']:,}", "10,000"),
        (
            "(c) backlog at the end (entries unread/pending)",
            f"{live['backlog_at_end']['unread_entries']}/{live['backlog_at_end']['pending_entries']}",
            "",
        ),
        ("(c) drained after the end, s", f"{live['drained_after_end_s']}", ""),
    ]
    for key, target in (
        ("tick_to_api_publish", ""),
        ("api_publish_to_violation", ""),
        ("tick_to_violation", ""),
        ("tick_to_command_in_outbox", "p99 ≤ 250"),
        ("tick_to_command", ""),
        ("tick_to_email", "p99 ≤ 1000"),
    ):
        s = live[key]
        label = LABELS.get(key, key.replace("_", " "))
        rows.append(
            (
                f"(c) {label} p50 / p99 ms (n={s['n']})",
                f"{s['p50_ms']} / {s['p99_ms']}",
                target,
            )
        )
    rows += [
        (
            "(c) missed / duplicated breaches",
            f"{len(live['missed'])} / {len(live['duplicated'])}",
            "0 / 0",
        ),
        (
            "(c) unplanted accounts with a violation or command",
            str(len(live["unplanted_with_violation_or_command"])),
            "0",
        ),
        ("(c) web CPU s / 1,000 ticks", str(live["web_cpu_s_per_1000"]), ""),
        ("(c) monitor CPU s / 1,000 ticks", str(live["monitor_cpu_s_per_1000"]), ""),
    ]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:>16}  {c}" for a, b, c in rows)


# --- main ---------------------------------------------------------------------------------------


LABELS = {
    "tick_to_command_in_outbox": "tick to command available (outbox)",
    "tick_to_command": "tick to command received by the bridge",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60, help="the live run (c)")
    parser.add_argument("--prefill", type=int, default=30, help="seconds of ticks for (b)")
    parser.add_argument("--baseline-seconds", type=int, default=10)
    parser.add_argument("--breaches", type=int, default=50)
    parser.add_argument(
        "--tick-batch", type=int, default=1_000, help="ticks per request in the live run (c)"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--profile", help="directory: py-spy profiles (collapsed stacks) of the live run (c)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the run directory (logs)")
    args = parser.parse_args()

    run_id = f"{os.getpid()}"
    scratch = ScratchDatabase(f"propdesk_bench_live_{run_id}", "bench/live.py")
    run_dir = Path(tempfile.mkdtemp(prefix=f"propdesk-live-{run_id}-"))
    stack = Stack(run_dir, scratch.url, run_id)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures: dict = {"accounts": args.accounts, "tick_batch": args.tick_batch}
    t0 = time.monotonic()
    try:
        client = stack.start_redis()
        os.environ.update(
            REDIS_URL=stack.redis_url,
            LIVE_REDIS_URL=stack.redis_url,
            CELERY_BROKER_URL=stack.redis_url,
            CELERY_TASK_ALWAYS_EAGER="true",
            EMAIL_URL="dummymail://",
            LOG_LEVEL="WARNING",
        )
        scratch.recreate()
        scratch.setup_django()
        from django.conf import settings

        from live import state
        from live.services.limits import warm

        streams = [state.stream_key(n) for n in range(settings.LIVE_SHARDS)]
        began = time.monotonic()
        token, logins = seed(args.accounts)
        figures["seed_seconds"] = round(time.monotonic() - began, 2)
        began = time.monotonic()
        published = warm()
        figures["limits_published"] = published
        figures["limits_seconds"] = round(time.monotonic() - began, 2)
        print(
            f"seeded {len(logins):,} accounts in {figures['seed_seconds']} s, limits of "
            f"{published:,} in {figures['limits_seconds']} s",
            flush=True,
        )
        stack.start_web(args.workers, args.threads)
        stack.start_worker(concurrency=2)
        # the refresh entries of `warm` are read once, so (b) measures ticks only
        warmup = stack.start_monitors(2, "warmup")
        wait_drained(client, streams, state.GROUP, timeout=120, started=time.monotonic())
        stack.stop_monitors(warmup)

        now = int(time.time())
        midnight = now - now % 86_400
        base = now - 2 * args.prefill - 10
        if base < midnight + 1:  # every prefilled tick must be of today (UTC)
            wait = midnight + 1 - base
            print(f"waiting {wait} s so the prefilled ticks fall after 00:00 UTC", flush=True)
            time.sleep(wait)
            base += wait
        figures["baseline"] = baseline(client, logins, args.baseline_seconds, base)
        print(f"(a) baseline {figures['baseline']}", flush=True)
        figures["capacity"] = []
        for k in (1, 2):
            start = base + (k - 1) * args.prefill
            cap = capacity(
                stack, client, token, logins, k, start, args.prefill, streams, state.GROUP, run_id
            )
            figures["capacity"].append(cap)
            print(f"(b) {cap}", flush=True)
        figures["live"] = live_run(stack, client, token, logins, args, streams, state.GROUP, run_id)
        figures["total_seconds"] = round(time.monotonic() - t0, 1)
    finally:
        stack.close()
        scratch.drop()
        if args.keep:
            print(f"logs kept in {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    print()
    print(table(figures))
    print(json.dumps(figures, indent=2, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    live = figures["live"]
    bad = live["missed"] or live["duplicated"] or live["unplanted_with_violation_or_command"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
