"""Fault drills at the production shape; prints one line per invariant with its count.

    cd /work/main && .venv/bin/python bench/drills.py                    # short mode
    .venv/bin/python bench/drills.py --phase-seconds 30 --smtp-outage 180 --web-kills 20
    .venv/bin/python bench/drills.py --pg-restart real   # restarts the shared cluster (say so!)

A fresh PostgreSQL database (`invoiceflow_drills_<random>`, dropped at the end), 20 approvers
with invoices each submitted to two of them; `gunicorn run:app` with 4 workers and one
`flask worker` (production settings), both reaching PostgreSQL through a TCP proxy this script
controls; an SMTP sink (aiosmtpd) counting Message-IDs. 20 client threads decide over the REST
API (real HTTP) while the drills run, one after another: racing identical decisions, kill -9 of
web workers at random moments, kill -9 of the mail worker (restarted), a database restart
(default: the proxy cuts every connection and refuses new ones for --outage-seconds, which
disturbs no other user of the cluster; `--pg-restart real`: `pg_ctlcluster <ver> main restart`),
an SMTP outage of --smtp-outage seconds, begun once the outbox is empty (so what waits at the
return is the outage's own mail), during which the --smtp-decisions tasks held back from the
load are decided. Then the mail drains and the database is reconciled against what each
client was told (bench/drill_reconcile.py).

Figures: counts, not timings, except the time mail took after the SMTP server came back and
the database's downtime; the machine is shared, so CPU seconds of this script are printed too.
Not a test (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from bench.common import PASSWORD, bench_app, load_average, quiet, shown_url  # noqa: E402
from bench.drill_reconcile import reconcile  # noqa: E402
from bench.drill_servers import Servers, SmtpSink  # noqa: E402
from bench.load import free_port, seed, server_env  # noqa: E402
from tests.outage.proxy import TcpProxy  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FAILED = 599  # no answer at all (connection reset by a killed worker)


# --------------------------------------------------------------------------- the clients


class Ledger:
    """Every answer, by drill; every decision's answers, by task."""

    def __init__(self):
        self.lock = threading.Lock()
        self.drill = "warm-up"
        self.answers: dict[str, Counter] = defaultdict(Counter)
        self.told: dict[str, list[int]] = defaultdict(list)

    def record(self, status: int, guid: str | None = None) -> None:
        with self.lock:
            self.answers[self.drill][status] += 1
            if guid is not None:
                self.told[guid].append(status)


class Approver:
    """One person's REST client: a token, the tasks they know of."""

    def __init__(self, base: str, username: str, tasks: list[str], ledger: Ledger):
        self.base, self.username, self.ledger = base, username, ledger
        self.tasks = list(tasks)
        self.kept: set[str] = set()  # reserved for the racing drill and the SMTP outage
        self.held: list[str] = []  # decided only once the SMTP server has gone away
        self.http = requests.Session()
        self.headers: dict = {}

    def sign_in(self) -> None:
        body = {"username": self.username, "password": PASSWORD, "provider": "db"}
        answer = self.http.post(f"{self.base}/api/v1/security/login", json=body, timeout=30)
        answer.raise_for_status()
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def call(self, method: str, path: str, guid: str | None = None, **kw):
        try:
            answer = self.http.request(
                method, self.base + path, headers=self.headers, timeout=30, **kw
            )
        except requests.RequestException:
            self.ledger.record(FAILED, guid)
            return None
        self.ledger.record(answer.status_code, guid)
        return answer

    def decide(self, guid: str):
        body = {"decision": "approve", "comment": "Checked."}
        return self.call("POST", f"/api/v1/tasks/{guid}/decision", guid, json=body)

    def step(self) -> None:
        if self.tasks:
            guid = self.tasks.pop()
            answer = self.decide(guid)
            if answer is None or answer.status_code == 503:
                self.tasks.append(guid)  # no answer, or told to come back: retried later
                self.wait_as_told(answer)
            return
        answer = self.call("GET", "/api/v1/tasks/mine")
        if answer is not None and answer.status_code == 200:
            self.tasks = [r["id"] for r in answer.json()["result"] if r["id"] not in self.kept]
        if not self.tasks:
            time.sleep(0.2)
        self.wait_as_told(answer)

    @staticmethod
    def wait_as_told(answer) -> None:
        """As a well-behaved client: Retry-After on a 503, a short pause on no answer."""
        if answer is None:
            time.sleep(0.5)
        elif answer.status_code == 503:
            time.sleep(min(float(answer.headers.get("Retry-After", 1)), 10))


class Load:
    def __init__(self, approvers: list[Approver]):
        self.approvers, self.running = approvers, threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        self.running.set()
        for approver in self.approvers:
            thread = threading.Thread(target=self._loop, args=(approver,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _loop(self, approver: Approver) -> None:
        while self.running.is_set():
            approver.step()
            time.sleep(0.02)

    def stop(self) -> None:
        self.running.clear()
        for thread in self.threads:
            thread.join(60)


# --------------------------------------------------------------------------- the drills


def race(approvers: list[Approver], reserved: list[tuple[Approver, str]]) -> None:
    """Each reserved task decided twice at the same instant by its approver."""
    for approver, guid in reserved:
        barrier = threading.Barrier(2)

        def press(approver=approver, guid=guid, barrier=barrier):
            barrier.wait()
            approver.decide(guid)

        pair = [threading.Thread(target=press) for _ in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join()


def reserve(approvers: list[Approver], n: int) -> list[tuple[Approver, str]]:
    """n tasks kept from the load for the racing drill, taken round the approvers."""
    reserved = []
    for i in range(n):
        approver = approvers[i % len(approvers)]
        if approver.tasks:
            reserved.append((approver, approver.tasks.pop(0)))
            approver.kept.add(reserved[-1][1])
    return reserved


def hold_back(approvers: list[Approver], n: int) -> int:
    """n tasks kept from the load until the SMTP outage, so that mail is queued during it."""
    held = 0
    for i in range(n):
        approver = approvers[i % len(approvers)]
        if approver.tasks:
            approver.held.append(approver.tasks.pop(0))
            approver.kept.add(approver.held[-1])
            held += 1
    return held


def release(approvers: list[Approver]) -> None:
    for approver in approvers:
        approver.kept.difference_update(approver.held)
        approver.tasks.extend(approver.held)
        approver.held = []


def kill_web_workers(servers: Servers, kills: int, seconds: float, rng: random.Random) -> None:
    for _ in range(kills):
        time.sleep(rng.uniform(0.2, 2 * seconds / max(1, kills)))
        os.kill(rng.choice(servers.web_workers()), signal.SIGKILL)
    servers.wait_for_workers()


def kill_mail_worker(servers: Servers, kills: int, seconds: float, rng: random.Random) -> None:
    for _ in range(kills):
        time.sleep(rng.uniform(0.2, 2 * seconds / max(1, kills)))
        servers.worker.send_signal(signal.SIGKILL)
        servers.worker.wait()
        time.sleep(rng.uniform(0.1, 1.0))  # the supervisor's restart delay
        servers.worker = servers.start_worker()
    time.sleep(2 * seconds)  # started under load, it takes a while to be at work again


def wait_until(hh_mm: str) -> None:
    """Until that time of day (UTC): a restart of the shared cluster at the hour agreed on."""
    hour, minute = (int(part) for part in hh_mm.split(":"))
    now = datetime.now(UTC)
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment > now:
        print(f"Waiting until {hh_mm} UTC to restart the cluster", flush=True)
        time.sleep((moment - now).total_seconds())


def restart_database(args, proxy: TcpProxy) -> float:
    """Seconds the database was away."""
    started = time.monotonic()
    if args.pg_restart == "real":
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
        )
    else:
        proxy.cut()
        time.sleep(args.outage_seconds)
        proxy.restore()
    return time.monotonic() - started


def smtp_outage(sink: SmtpSink, seconds: float, approvers: list[Approver]) -> datetime:
    sink.stop()
    release(approvers)
    time.sleep(seconds)
    sink.start()
    sink.back_at = time.monotonic()
    return datetime.now(UTC).replace(tzinfo=None)  # the outbox keeps naive UTC


def backlog_at(app, back: datetime) -> tuple[int, int]:
    """Mail queued before `back` and not sent yet; how much of it waits in backoff for the
    server (the rest is due)."""
    query = text(
        "SELECT count(*), count(waiting_for_server) FROM outbox"
        " WHERE status <> 'sent' AND created_at <= :back"
    )
    with app.app_context():
        unsent, waiting = db.session.execute(query, {"back": back}).one()
        db.session.remove()
    return unsent, waiting


def drain_profile(app, back: datetime) -> list[float]:
    """Seconds after `back` at which the mail queued before it was sent, in order."""
    query = text(
        "SELECT extract(epoch FROM sent_at - :back) FROM outbox"
        " WHERE status = 'sent' AND created_at <= :back AND sent_at >= :back ORDER BY sent_at"
    )
    with app.app_context():
        seconds = [float(s) for s in db.session.execute(query, {"back": back}).scalars()]
        db.session.remove()
    return seconds


def mail_drained_after(app, back: datetime, timeout: float) -> float | None:
    """Seconds after `back` until every mail queued before it was sent (None: not in time)."""
    deadline = time.monotonic() + timeout
    query = text("SELECT count(*) FROM outbox WHERE status <> 'sent' AND created_at <= :back")
    while time.monotonic() < deadline:
        with app.app_context():
            waiting = db.session.execute(query, {"back": back}).scalar()
            db.session.remove()
        if not waiting:
            return (datetime.now(UTC).replace(tzinfo=None) - back).total_seconds()
        time.sleep(0.5)
    return None


def wait_for_all_mail(app, timeout: float) -> float | None:
    """Seconds until the outbox had nothing left to send (None: not within `timeout`)."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            waiting = db.session.execute(
                text("SELECT count(*) FROM outbox WHERE status <> 'sent'")
            ).scalar()
            db.session.remove()
        if not waiting:
            return time.monotonic() - started
        time.sleep(0.5)
    return None


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=PG, help="PostgreSQL base URL (a new database on it)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--users", type=int, default=20, help="client threads (approvers)")
    parser.add_argument("--invoices-per-user", type=int, default=15)
    parser.add_argument("--phase-seconds", type=float, default=6, help="load per drill")
    parser.add_argument("--races", type=int, default=30, help="racing pairs of decisions")
    parser.add_argument("--web-kills", type=int, default=3)
    parser.add_argument("--worker-kills", type=int, default=2)
    parser.add_argument("--restarts", type=int, default=1)
    parser.add_argument("--pg-restart", choices=("proxy", "real"), default="proxy")
    parser.add_argument("--restart-after", default="", help="HH:MM UTC: a real restart waits")
    parser.add_argument("--outage-seconds", type=float, default=3, help="proxy cut length")
    parser.add_argument("--smtp-outage", type=float, default=10, help="seconds (e.g. 180)")
    parser.add_argument(
        "--smtp-decisions", type=int, default=60, help="tasks held back until SMTP goes away"
    )
    parser.add_argument("--drain-seconds", type=float, default=120)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--logs", default="", help="a folder to copy the servers' logs into")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    cpu = time.process_time()
    with bench_app(args.db, name="drills") as (app, url), tempfile.TemporaryDirectory() as tmp:
        print(f"Database: {shown_url(url)}   (load average {load_average()})")
        code = run(app, url, args, Path(tmp))
    print(f"This script's CPU: {time.process_time() - cpu:.1f} s (wall figures are noisy here)")
    return code


def run(app, url: str, args, tmp: Path) -> int:
    _ids, tasks, _invoices = seed(app, args.users, args.invoices_per_user)
    real = make_url(url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432).start()
    sink = SmtpSink()
    sink.start()
    through_proxy = real.set(port=proxy.port).render_as_string(hide_password=False)
    env = server_env(through_proxy, tmp, sink.port) | {"PYTHONUNBUFFERED": "1"}  # logs of kill -9
    port = free_port()
    servers = Servers(env, port, args.workers, tmp)
    try:
        return drive(app, args, servers, proxy, sink, tasks, port)
    finally:
        servers.stop()
        sink.stop()
        proxy.stop()


def drive(app, args, servers: Servers, proxy: TcpProxy, sink: SmtpSink, tasks, port) -> int:
    rng, ledger = random.Random(args.seed), Ledger()
    base = f"http://127.0.0.1:{port}"
    approvers = [Approver(base, name, tasks[name], ledger) for name in sorted(tasks)]
    for approver in approvers:
        approver.sign_in()
    reserved = reserve(approvers, args.races)
    held = hold_back(approvers, args.smtp_decisions)
    print(
        f"gunicorn {args.workers} workers, one `flask worker`, {len(approvers)} clients, "
        f"{sum(len(t) for t in tasks.values())} first-round tasks; database restart by "
        f"{args.pg_restart}"
    )
    load = Load(approvers)
    load.start()
    seconds = args.phase_seconds
    ledger.drill = "baseline"
    time.sleep(seconds)
    ledger.drill = "racing decisions"
    race(approvers, reserved)
    ledger.drill = "kill -9 web workers"
    kill_web_workers(servers, args.web_kills, seconds, rng)
    ledger.drill = "kill -9 mail worker"
    kill_mail_worker(servers, args.worker_kills, seconds, rng)
    downtime = []
    for n in range(args.restarts):
        time.sleep(rng.uniform(0.5, 1.5))
        if args.pg_restart == "real" and args.restart_after:
            wait_until(args.restart_after)
        ledger.drill = f"database away {n + 1}"
        downtime.append(restart_database(args, proxy))
        ledger.drill = f"database back {n + 1}"
        time.sleep(max(seconds, 8))  # longer than the 503s' Retry-After: clients come back
    # The mail the drills so far queued is out first: what waits at the return is the outage's.
    mail = {"held": held, "caught_up": wait_for_all_mail(app, args.drain_seconds)}
    ledger.drill = "SMTP outage"
    tries_before = servers.smtp_tries()
    back = smtp_outage(sink, args.smtp_outage, approvers)
    ledger.drill = "after the SMTP outage"
    mail |= {"tries": servers.smtp_tries() - tries_before, "backlog": backlog_at(app, back)}
    delivered = mail_drained_after(app, back, args.drain_seconds)
    mail["profile"] = drain_profile(app, back)
    load.stop()
    wait_for_all_mail(app, args.drain_seconds)
    report(args, ledger, app, sink, [guid for _a, guid in reserved], downtime, delivered)
    report_mail(args, mail)
    worker_log = (servers.tmp / "worker.log").read_text(errors="replace")
    went, back = worker_log.count("database is unavailable"), worker_log.count("database is back")
    outages = max(1, args.restarts)
    label = "worker WARNING lines: database gone / back, per outage"
    print(f"  {label:<62} {went / outages:.0f} / {back / outages:.0f}   1 / 1")
    print(f"  {'worker tracebacks':<62} {worker_log.count('Traceback'):>6}   0")
    if args.logs:
        for name in ("gunicorn.log", "worker.log"):
            shutil.copy(servers.tmp / name, Path(args.logs) / name)
        print(f"Logs of the servers: {args.logs}")
    return 0


def report(args, ledger: Ledger, app, sink: SmtpSink, races, downtime, delivered) -> None:
    print("\nAnswers by drill (599: no answer, the connection was dropped):")
    for drill, answers in ledger.answers.items():
        print(f"  {drill:<28} {dict(sorted(answers.items()))}")
    print("\nInvariants (count, target):")
    for drill, answers in ledger.answers.items():
        print(f"  {'HTTP 500 in ' + drill:<62} {answers[500]:>6}   0")
    for drill in [d for d in ledger.answers if d.startswith("database ")]:
        failed = sum(n for status, n in ledger.answers[drill].items() if status >= 500)
        print(
            f"  {'failed requests per web worker, ' + drill:<62} {failed / args.workers:>6.1f}"
            f"   {'<= 1' if 'back' in drill else '(all 503 + Retry-After while away)'}"
        )
    both = sum(1 for guid in races if ledger.told[guid].count(200) != 1)
    print(f"  {'racing pairs not ending in exactly one 200':<62} {both:>6}   0 ({len(races)})")
    for line in reconcile(app, ledger.told, sink.received):
        print(f"  {line.name:<62} {line.count:>6}   {line.target}")
    shown = f"{delivered:.1f} s" if delivered is not None else "not within the drain time"
    first = min((t for t in sink.times if t >= sink.back_at), default=None)
    first_shown = f"{first - sink.back_at:.1f} s" if first is not None else "none"
    print(f"  {'first mail received after SMTP came back':<62} {first_shown:>6}")
    print(f"  {'mail queued before SMTP came back, delivered after':<62} {shown:>6}   <= 60 s")
    print(
        f"\nDatabase away: {', '.join(f'{d:.1f} s' for d in downtime)}; "
        f"SMTP away {args.smtp_outage:.0f} s; mail received {len(sink.received)}."
    )


def report_mail(args, mail: dict) -> None:
    unsent, waiting = mail["backlog"]
    seconds = mail["profile"]
    caught_up = mail["caught_up"]
    shown = f"{caught_up:.1f} s" if caught_up is not None else "not within the drain time"
    print(f"\nMail, {mail['held']} decisions held back for the SMTP outage:")
    print(f"  {'outbox empty before the SMTP outage after':<62} {shown:>6}")
    print(
        f"  {'mail tries of the SMTP server while it was away':<62} {mail['tries']:>6}"
        f"   <= {args.smtp_outage / 10 + 2:.0f} (one per 10 s, not one per message)"
    )
    print(f"  {'backlog when SMTP came back: unsent / in backoff for it':<62} {unsent} / {waiting}")
    if seconds:
        half = seconds[len(seconds) // 2]
        print(
            f"  {'backlog sent after the return: first / half / last':<62}"
            f" {seconds[0]:.1f} / {half:.1f} / {seconds[-1]:.1f} s"
        )


if __name__ == "__main__":
    sys.exit(main())
