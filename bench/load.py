"""Benchmark: throughput at the production shape (PostgreSQL, gunicorn, a worker, 20 users).

    cd /work/main && .venv/bin/python bench/load.py --workers 2
    .venv/bin/python bench/load.py --workers 4 --users 20 --mix-requests 10000

Creates a fresh PostgreSQL database (`invoiceflow_load_<random>`, dropped at the end), seeds
roles, the process, one initiator and --users approvers, and invoices each submitted to two of
them in turn (so a decision hands the next approver a task). Starts `gunicorn run:app` with
--workers (production settings) on a free port, one `flask worker` beside it and a local SMTP
server (aiosmtpd) for the mail the decisions queue. Users sign in as a browser does: the login
form with its CSRF token, a session cookie, forms posted with the token.

Phases, each printed with completed requests per second, p50/p95/p99, errors by status and the
CPU time spent per request by the gunicorn workers and by PostgreSQL's backends of this
database (the primary figure on a shared machine; wall times are noisy):
0. one user, decisions one after another (the request against the bare engine step);
1. --users users deciding only (approve), as fast as answers come;
2. the mix: 70% reads (My tasks, the invoice list, an invoice card), 30% decisions on tasks
   found on My tasks, until --mix-requests requests were answered;
3. with --rates: decisions arriving at a fixed rate (open loop, Poisson), each taken by a free
   user, timed from its arrival. Phases 0-2 are closed loops: N users each waiting for their
   answer, so the mean time per request is N / rate whatever the server does (Little's law;
   20 users at 100/s means 200 ms on average). An open loop says what latency a given traffic
   gets, as many people each deciding now and then produce it.
Then the web workers' RSS (before, after each phase) and the bare engine step (restore +
complete + save, in this process, between phases) with the ratio.

`--rss N` measures memory instead: one gunicorn worker (no --max-requests, so nothing
recycles it) serves N requests of the mix; its RSS is printed before and every N/5 requests.
`--gunicorn-config python:app.gunicorn_conf` runs the documented production configuration
(preload + gc.freeze) for either mode.

Load generator: a bounded thread pool (one thread per user, each with one kept-alive urllib3
connection and its cookies) in this process, on the same cores: its CPU is printed too.
Not a test (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests
import urllib3
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import roles  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.common import PASSWORD, ROOT, bench_app, load_average, p50, quiet, shown_url  # noqa: E402
from bench.decision import EngineTimer, insert_drafts, open_tasks, setup_database, submit_all  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TICK = os.sysconf("SC_CLK_TCK")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
COMMENT = "Checked against the contract."


# --------------------------------------------------------------------------- measuring


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return sorted(found)


@dataclass
class Answer:
    kind: str
    status: int
    ms: float
    user: str = ""


@dataclass
class Phase:
    name: str
    users: int = 0  # closed loop: this many users, each waiting for its answer
    skipped: int = 0  # open loop: arrivals that found no task left to decide
    answers: list[Answer] = field(default_factory=list)
    seconds: float = 0.0
    web_cpu: float = 0.0
    worker_cpu: float = 0.0
    db_cpu: float = 0.0
    client_cpu: float = 0.0

    def ok(self, kind: str | None = None) -> list[Answer]:
        return [a for a in self.answers if a.status < 400 and kind in (None, a.kind)]


class Meter:
    """CPU of the web workers, of the `flask worker` (each with the expression sandbox processes
    it started) and of this database's PostgreSQL backends, around a phase."""

    def __init__(self, master_pid: int, worker_pid: int, database: str, admin_url: str):
        self.master, self.worker, self.database = master_pid, worker_pid, database
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def backends(self) -> list[int]:
        with self.admin.connect() as conn:
            return list(
                conn.scalars(
                    text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                    {"d": self.database},
                )
            )

    def snapshot(self) -> tuple[dict, dict, dict, float]:
        workers = children(self.master)
        sandboxes = [pid for worker in workers for pid in children(worker)]
        web = {pid: cpu_seconds(pid) for pid in workers + sandboxes}
        worker = {pid: cpu_seconds(pid) for pid in [self.worker, *children(self.worker)]}
        backends = {pid: cpu_seconds(pid) for pid in self.backends()}
        return web, worker, backends, time.process_time()

    @staticmethod
    def spent(before: dict, after: dict) -> float:
        return sum(after.get(pid, 0.0) - before.get(pid, 0.0) for pid in after)

    def measure(self, phase: Phase, run) -> Phase:
        web0, worker0, db0, me0 = self.snapshot()
        started = time.perf_counter()
        run(phase)
        phase.seconds = time.perf_counter() - started
        web1, worker1, db1, me1 = self.snapshot()
        phase.web_cpu = self.spent(web0, web1)
        phase.worker_cpu = self.spent(worker0, worker1)
        # backends opened during the phase count from 0
        phase.db_cpu = self.spent(db0, db1)
        phase.client_cpu = me1 - me0
        return phase


# --------------------------------------------------------------------------- a user


class Browser:
    """The little of a browser the users need: one kept-alive connection (urllib3, about a
    third of the CPU per request of `requests` on this machine), cookies kept by name, no
    redirects followed."""

    def __init__(self, base: str):
        self.pool = urllib3.HTTPConnectionPool(
            "127.0.0.1", int(base.rsplit(":", 1)[1]), maxsize=1, retries=False, timeout=60
        )
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = self.pool.request(
            method,
            path,
            body=urlencode(form) if form is not None else None,
            headers=headers,
            redirect=False,
        )
        for cookie in answer.headers.getlist("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "01 jan 1970" in cookie.lower() or not value:  # the server dropped it
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return answer.status, answer.data.decode("utf-8", "replace")


class User:
    """One person in a browser: signs in with the login form, posts forms with the CSRF token."""

    def __init__(self, base: str, username: str, tasks: list[str], invoices: list[int]):
        self.base, self.username = base, username
        self.tasks, self.invoices = list(tasks), invoices
        self.http = Browser(base)
        self.csrf = ""

    def sign_in(self) -> None:
        _status, page = self.http.request("GET", "/login/")
        token = _CSRF.search(page).group(1)
        form = {"username": self.username, "password": PASSWORD, "csrf_token": token}
        status, _page = self.http.request("POST", "/login/", form)
        if status != 302:
            raise RuntimeError(f"{self.username} could not sign in: {status}")
        self.my_tasks(Phase("sign-in"))
        if not self.csrf:
            raise RuntimeError(f"{self.username}: no CSRF token on My tasks")

    def _timed(self, phase: Phase, kind: str, method: str, path: str, form=None):
        started = time.perf_counter()
        try:
            status, text = self.http.request(method, path, form)
        except urllib3.exceptions.HTTPError:
            status, text = 599, ""
        took = (time.perf_counter() - started) * 1000
        phase.answers.append(Answer(kind, status, took, self.username))
        return status, text

    def decide(self, phase: Phase) -> bool:
        if not self.tasks:
            return False
        guid = self.tasks.pop()
        form = {"decision": "approve", "comment": COMMENT, "csrf_token": self.csrf}
        before = self.http.cookies.get("session")
        self._timed(phase, "decision", "POST", f"/tasks/{guid}/decision", form)
        # A browser follows the redirect and the next page shows (and drops) the flashed
        # "decision recorded": without this, the session cookie grows by one message per
        # decision and every later request pays for parsing and signing it.
        if before is not None:
            self.http.cookies["session"] = before
        return True

    def my_tasks(self, phase: Phase) -> None:
        status, text = self._timed(phase, "my tasks", "GET", "/tasks/")
        if status == 200:
            found = _CSRF.search(text)
            self.csrf = found.group(1) if found else self.csrf
            known = set(self.tasks)
            self.tasks += [g for g in dict.fromkeys(_TASK_LINK.findall(text)) if g not in known]

    def invoice_list(self, phase: Phase) -> None:
        self._timed(phase, "list", "GET", "/invoices/list/")

    def card(self, phase: Phase, rng: random.Random) -> None:
        self._timed(phase, "card", "GET", f"/invoices/show/{rng.choice(self.invoices)}")


# --------------------------------------------------------------------------- phases


def decisions_only(users: list[User], per_user: int):
    def run(phase: Phase) -> None:
        def one(user: User) -> None:
            for _ in range(per_user):
                if not user.decide(phase):
                    break

        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            list(pool.map(one, users))

    return run


def mix(users: list[User], total: int, seed: int = 11):
    counter = iter(range(total))
    lock = threading.Lock()

    def run(phase: Phase) -> None:
        def one(user: User, rng: random.Random) -> None:
            while True:
                with lock:
                    if next(counter, None) is None:
                        return
                pick = rng.random()
                if pick < 0.30 and user.decide(phase):
                    continue
                if pick < 0.30 or pick < 0.55:
                    user.my_tasks(phase)
                elif pick < 0.78:
                    user.invoice_list(phase)
                else:
                    user.card(phase, rng)

        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            seeds = [random.Random(seed + i) for i in range(len(users))]
            list(pool.map(one, users, seeds))

    return run


def open_arrivals(users: list[User], rate: float, seconds: float, seed: int = 7):
    """Decisions arriving at `rate` a second (Poisson, seeded) for `seconds`, whoever is free
    takes the next: the traffic of many people who each decide now and then, as the server
    sees it. A decision's time counts from when it arrived, so time spent waiting for a free
    user (the server being behind) counts too."""
    rng = random.Random(seed)
    arrivals, at = [], 0.0
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            break
        arrivals.append(at)

    def run(phase: Phase) -> None:
        pending = iter(arrivals)
        lock = threading.Lock()
        start = time.perf_counter() + 0.05

        def one(user: User) -> None:
            while True:
                with lock:
                    due = next(pending, None)
                if due is None:
                    return
                wait = start + due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                if not user.tasks:
                    user.my_tasks(Phase("refill"))  # not counted: finding work, not deciding
                if not user.decide(phase):
                    with lock:
                        phase.skipped += 1
                    continue
                late = (time.perf_counter() - (start + due)) * 1000
                mine = next(a for a in reversed(phase.answers) if a.user == user.username)
                mine.ms = late

        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            list(pool.map(one, users))

    return run, len(arrivals)


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str, tmp: Path, smtp_port: int) -> dict:
    return os.environ | {
        "INVOICEFLOW_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "INSTANCE_DIR": str(tmp / "instance"),
        "FILE_STORAGE_DIR": str(tmp / "files"),
        "SESSION_COOKIE_SECURE": "0",
        "RUN_WORKER_IN_PROCESS": "0",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "WORKER_INTERVAL_SECONDS": "1",
    }


def start_servers(args, env: dict, port: int, tmp: Path) -> list[subprocess.Popen]:
    venv = Path(sys.executable).parent
    command = [str(venv / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}"]
    command += ["--threads", str(args.threads)] if args.threads > 1 else []
    command += ["--config", args.gunicorn_config] if args.gunicorn_config else []
    if args.gunicorn_config and args.rss:  # the config recycles workers: not while measuring
        command += ["--max-requests", "0"]
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    web = subprocess.Popen([*command, "run:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    worker_log = open(tmp / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [str(venv / "flask"), "--app", "run:app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=worker_log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer = requests.get(f"http://127.0.0.1:{port}/login/", timeout=2)
            if answer.status_code == 200 and len(children(web.pid)) >= args.workers:
                return [web, worker]
        except requests.RequestException:
            pass
        if web.poll() is not None:
            break
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not start; see {tmp / 'gunicorn.log'}")


def start_smtp():
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            Sink.received += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port, Sink


# --------------------------------------------------------------------------- seeding


def seed(app, n_users: int, per_user: int) -> tuple[dict, dict[str, list[str]], dict]:
    """Approvers approver1..N; each first on per_user invoices, second on as many."""
    names = [f"approver{i}" for i in range(1, n_users + 1)]
    ids = setup_database(app, {"initiator": roles.INITIATOR} | dict.fromkeys(names, roles.APPROVER))
    invoices: dict[str, list[int]] = {name: [] for name in names}
    tasks: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        nxt = names[(i + 1) % len(names)]
        with app.app_context():
            made = insert_drafts(per_user, ids["initiator"], [ids[name], ids[nxt]])
            db.session.remove()
        submit_all(app, made, ids["initiator"])
        invoices[name] += made
        invoices[nxt] += made
        tasks[name] = list(open_tasks(app, made, ids[name]).values())
    return ids, tasks, invoices


# --------------------------------------------------------------------------- reporting


def print_phase(phase: Phase) -> None:
    ok = phase.ok()
    n = len(phase.answers)
    print(f"\n{phase.name}: {n} requests in {phase.seconds:.1f} s")
    errors = Counter(a.status for a in phase.answers if a.status >= 400)
    print(f"  errors by status: {dict(errors) or 'none'}")
    print(f"  {'kind':<10} {'done':>6} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    kinds = sorted({a.kind for a in phase.answers})
    for kind in [*kinds, None] if len(kinds) > 1 else kinds:
        times = [a.ms for a in phase.ok(kind)]
        print(
            f"  {kind or 'all':<10} {len(times):>6} {len(times) / phase.seconds:7.1f} "
            f"{percentile(times, 0.5):7.1f} {percentile(times, 0.95):7.1f} "
            f"{percentile(times, 0.99):7.1f}"
        )
    per = max(1, len(ok))
    if phase.users and phase.seconds:
        rate = len(ok) / phase.seconds
        print(
            f"  closed loop: {phase.users} users, each sends the next request when answered, so "
            f"the mean time in the system is users / rate (Little's law) = "
            f"{phase.users / max(rate, 1e-9) * 1000:.0f} ms at {rate:.1f}/s"
        )
    print(
        f"  CPU per answered request: web workers {phase.web_cpu * 1000 / per:.1f} ms, "
        f"`flask worker` {phase.worker_cpu * 1000 / per:.1f} ms, "
        f"PostgreSQL backends {phase.db_cpu * 1000 / per:.1f} ms, "
        f"load generator {phase.client_cpu * 1000 / per:.1f} ms (primary figure; wall times "
        f"are noisy on a shared machine: load average {load_average()})"
    )


def private_mib(pid: int) -> float:
    """The pages only this process holds (not shared with the gunicorn master or the other
    workers): what each more worker costs."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return float("nan")
    private = [line for line in lines if line.startswith(("Private_Clean:", "Private_Dirty:"))]
    return sum(int(line.split()[1]) for line in private) / 1024


def print_rss(label: str, pids: list[int], served: int) -> None:
    sizes = ", ".join(f"{rss_mib(pid):.0f}" for pid in pids)
    private = ", ".join(f"{private_mib(pid):.0f}" for pid in pids)
    print(
        f"  web worker RSS {label} ({served} requests answered in all): {sizes} MiB "
        f"(of which private: {private} MiB)"
    )


def engine_step(timer: EngineTimer, runs: int) -> tuple[float, float]:
    """(wall p50 ms, CPU ms per step) of the bare engine step."""
    timer.result.total_ms.clear()
    cpu = time.process_time()
    timer.run(runs)
    return p50(timer.result.total_ms), (time.process_time() - cpu) * 1000 / runs


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=PG, help="PostgreSQL base URL (a new database on it)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--invoices-per-user", type=int, default=120)
    parser.add_argument("--single", type=int, default=60, help="phase 0: one user's decisions")
    parser.add_argument("--decisions", type=int, default=80, help="phase 1: decisions per user")
    parser.add_argument("--mix-requests", type=int, default=10_000, help="phase 2: requests")
    parser.add_argument("--engine-runs", type=int, default=200)
    parser.add_argument(
        "--rates",
        type=lambda text: [float(r) for r in text.split(",") if r.strip()],
        default=[],
        metavar="R1,R2",
        help="phase 3: decisions arriving at each rate a second (open loop), e.g. 20,40,60",
    )
    parser.add_argument("--open-seconds", type=float, default=20, help="phase 3: per rate")
    parser.add_argument(
        "--rss",
        type=int,
        default=0,
        metavar="N",
        help="only measure one web worker's RSS over N requests of the mix (sets --workers 1)",
    )
    parser.add_argument(
        "--gunicorn-config", default="", help="gunicorn --config, e.g. python:app.gunicorn_conf"
    )
    args = parser.parse_args(argv)
    # each invoice is two decisions; phase 3 needs its own on top of phases 1 and 2
    args.invoices_per_user += math.ceil(sum(args.rates) * args.open_seconds / args.users / 2)
    if args.rss:
        args.workers = 1
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    with bench_app(args.db, name="load") as (app, url), tempfile.TemporaryDirectory() as tmp_dir:
        return run(app, url, args, Path(tmp_dir))


def run(app, url: str, args, tmp: Path) -> int:
    print(f"Database: {shown_url(url)}   (load average {load_average()})")
    started = time.perf_counter()
    ids, tasks, invoices = seed(app, args.users, args.invoices_per_user)
    spare = tasks["approver1"].pop()  # the bare engine step's task: never decided over HTTP
    engine = EngineTimer(app, spare, ids["approver1"])
    engine.run(20, keep=False)
    print(
        f"Seeded {args.users} approvers x {args.invoices_per_user} invoices (each to 2 approvers) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    smtp, smtp_port, sink = start_smtp()
    port = free_port()
    servers = start_servers(args, server_env(url, tmp, smtp_port), port, tmp)
    try:
        if args.rss:
            return drive_rss(args, servers, port, tasks, invoices)
        return drive(app, url, args, servers, port, tasks, invoices, engine, sink)
    finally:
        for process in reversed(servers):
            process.terminate()
            process.wait(timeout=30)
        smtp.stop()


def drive(app, url, args, servers, port, tasks, invoices, engine, sink) -> int:
    base = f"http://127.0.0.1:{port}"
    web_pids = children(servers[0].pid)
    database = url.rsplit("/", 1)[1]
    meter = Meter(servers[0].pid, servers[1].pid, database, args.db)
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads on {base}; "
        f"one `flask worker`; SMTP on 127.0.0.1"
    )
    served = 0
    print_rss("at start", web_pids, served)
    bare, bare_cpu = engine_step(engine, args.engine_runs)
    users = [User(base, name, tasks[name], invoices[name]) for name in sorted(tasks)]
    for user in users:
        user.sign_in()

    single = meter.measure(
        Phase("0. one user, decisions one after another", users=1),
        decisions_only(users[:1], args.single),
    )
    print_phase(single)
    single_p50 = percentile([a.ms for a in single.ok("decision")], 0.5)
    web_cpu_per = single.web_cpu * 1000 / max(1, len(single.ok()))
    served += len(single.answers)
    print(
        f"  bare engine step (restore + complete + save, in this process): p50 {bare:.2f} ms, "
        f"{bare_cpu:.2f} ms CPU; the request is {single_p50 / bare:.1f}x the step by wall p50, "
        f"{web_cpu_per / bare_cpu:.1f}x by web CPU (target: within 5x)"
    )
    phases = [
        (
            Phase(f"1. {len(users)} users, decisions only", users=len(users)),
            decisions_only(users, args.decisions),
        ),
        (
            Phase(f"2. {len(users)} users, the mix (70% reads, 30% decisions)", users=len(users)),
            mix(users, args.mix_requests),
        ),
    ]
    for phase, work in phases:
        meter.measure(phase, work)
        print_phase(phase)
        served += len(phase.answers)
        print_rss("after", web_pids, served)
    for rate in args.rates:
        work, arriving = open_arrivals(users, rate, args.open_seconds, seed=int(rate))
        phase = Phase(f"3. decisions arriving at {rate:g}/s for {args.open_seconds:g} s")
        meter.measure(phase, work)
        print_phase(phase)
        print(
            f"  arrived: {arriving} ({arriving / args.open_seconds:.1f}/s), {phase.skipped} "
            "found no task left; each time counts from the decision's arrival"
        )
        served += len(phase.answers)
    if args.rates:
        print_rss("after", web_pids, served)
    bare_after, cpu_after = engine_step(engine, args.engine_runs)
    print(
        f"\nBare engine step at the end: p50 {bare_after:.2f} ms, {cpu_after:.2f} ms CPU "
        f"(start: {bare:.2f} ms, {bare_cpu:.2f} ms CPU). Mail accepted by the SMTP server: "
        f"{sink.received}."
    )
    print(
        "Targets (2 cores): decisions only >= 100/s with p95 <= 120 ms; the mix >= 150 "
        "requests/s with p95 < 250 ms; 0 errors but 409; web worker RSS <= 150 MiB after "
        "10,000 requests."
    )
    return 0


def drive_rss(args, servers, port, tasks, invoices) -> int:
    """One worker's RSS before and while it serves --rss requests of the mix."""
    base = f"http://127.0.0.1:{port}"
    (worker,) = children(servers[0].pid)
    print(f"gunicorn: 1 worker (pid {worker}) on {base}, config {args.gunicorn_config or '-'}")
    users = [User(base, name, tasks[name], invoices[name]) for name in sorted(tasks)]
    for user in users:
        user.sign_in()
    print_rss("after sign-in", [worker], len(users) * 3)
    step = max(1, args.rss // 5)
    served, statuses = 0, Counter()
    while served < args.rss:
        phase = Phase("rss")
        mix(users, min(step, args.rss - served), seed=served)(phase)
        served += len(phase.answers)
        statuses.update(a.status for a in phase.answers if a.status >= 400)
        print_rss("after", [worker], served)
    print(f"  errors by status: {dict(statuses) or 'none'}; target: at most 150 MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
