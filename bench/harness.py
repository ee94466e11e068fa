"""What the benchmark scripts share: the environment, a fresh database, the seed, and the
production shape (gunicorn + a Celery worker) started and stopped on loopback.

Import this module BEFORE anything from Django: it fixes the environment (its own
PostgreSQL database, Redis DB and var dir, DEBUG off) and then calls ``django.setup()``.

The benchmark never touches your data: it drops and recreates ``BENCH_DATABASE_URL``
(default ``disc_bench``) and flushes only ``BENCH_REDIS_URL`` (default Redis DB 8).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = Path(sys.executable).parent

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/disc_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
VAR_DIR = Path(os.environ.get("BENCH_VAR_DIR", "/tmp/var_bench"))
PORT = int(os.environ.get("BENCH_PORT", "8201"))

# The production shape: DEBUG off, a real-looking secret key, persistent connections.
APP_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "DISCRETION_VAR_DIR": str(VAR_DIR),
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "CACHE_KEY_PREFIX": "discretion-bench",
    "LOG_LEVEL": "WARNING",
    "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
    "TIME_ZONE": "UTC",
}
os.environ.pop("DEBUG", None)
os.environ.update(APP_ENV)
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _app_root() -> Path:
    """The source tree the app runs from: the working tree, or with ``BENCH_TREE=<rev>``
    an export of that commit (a shared working tree may hold someone's half-done edit)."""
    if os.environ.get("BENCH_TREE_DIR"):  # a prepared tree, e.g. a patched export
        return Path(os.environ["BENCH_TREE_DIR"]).resolve()
    rev = os.environ.get("BENCH_TREE", "")
    if not rev:
        return REPO
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    tree = VAR_DIR / f"tree-{sha}"
    if not tree.exists():
        partial = VAR_DIR / f"tree-{sha}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", sha], cwd=REPO, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive, check=True)
        partial.rename(tree)
    return tree


ROOT = _app_root()
sys.path.insert(0, str(ROOT))
# Celery's loader puts the working directory first on sys.path: make that the tree too.
os.chdir(ROOT)

if not urlparse(DATABASE_URL).scheme.startswith("postgres"):
    sys.exit("The benchmark needs PostgreSQL: set BENCH_DATABASE_URL=postgres://...")


def db_params(database_url: str | None = None) -> dict:
    """psycopg2's connection keywords for ``database_url`` (default: the bench database)."""
    url = urlparse(database_url or DATABASE_URL)
    return {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password or None,
        "dbname": url.path.lstrip("/"),
    }


def recreate_database(database_url: str | None = None) -> None:
    """Drop (ending its sessions) and create the database of ``database_url``, empty."""
    import psycopg2

    params = db_params(database_url)
    name = params.pop("dbname")
    admin = psycopg2.connect(dbname="postgres", connect_timeout=5, **params)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def fresh_database() -> None:
    """Drop and recreate the bench database, then migrate it (a subprocess, like deploys)."""
    recreate_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env=os.environ.copy(),
    )


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()


import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402


@dataclass
class Seeded:
    agent_ids: list[int]
    tokens: list[str]  # tokens[i] belongs to agent_ids[i]; agent 0 is the hot agent
    case_ids: list[int]
    cases_by_agent: dict[int, list[int]]
    supervisor_ids: list[int]
    remedy_type_id: int
    within_amount: str
    over_amount: str

    def pairs(self) -> list[tuple[str, int]]:
        """Every (agent's token, one of that agent's own cases): what the load picks from."""
        return [
            (token, case_id)
            for agent_id, token in zip(self.agent_ids, self.tokens, strict=True)
            for case_id in self.cases_by_agent[agent_id]
        ]


WITHIN = "25.00"
OVER = "250.00"


def decision_body(amount: str) -> dict:
    return {"remedy_type": "refund", "amount": amount, "reason": "Benchmark: parcel damaged"}


class InProcess:
    """Decisions through Django's whole stack in this process (the test client:
    middleware, DRF, token auth, the decision, rendering), as a random seeded agent on
    one of its own cases; for the profiles."""

    def __init__(self, seeded: Seeded, *, seed: int = 7) -> None:
        from django.test import Client

        self.client = Client()
        self.pairs = seeded.pairs()
        self.rng = random.Random(seed)

    def decide(self, amount: str, pair: tuple[str, int] | None = None):
        token, case_id = pair or self.rng.choice(self.pairs)
        response = self.client.post(
            f"/api/v1/cases/{case_id}/resolutions/",
            decision_body(amount),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        assert response.status_code == 201, response.content
        return response

    def noop(self):
        return self.client.post(
            "/api/v1/bench/noop/", decision_body("1.00"), content_type="application/json"
        )


def seed(*, agents: int = 200, cases_per_agent: int = 10, customers: int = 500) -> Seeded:
    """Agents with tokens (tier standard: refund up to 100.00 each, generous day/month
    caps so within-limit requests keep applying for the whole run), their cases, three
    supervisors on call at level 1, and today's budget windows (the pgbench floor locks
    them; the app would create them on the first request)."""
    from datetime import timedelta

    from knox.models import AuthToken

    from cases.models import Case, Customer, RemedyType
    from discretion.models import (
        BudgetWindow,
        OnCallShift,
        Role,
        Team,
        TrustLimit,
        TrustTier,
        User,
    )

    password = make_password("bench-password")
    refund = RemedyType.objects.get(code="refund")
    standard = TrustTier.objects.get(code="standard")
    senior = TrustTier.objects.get(code="senior")
    team, _ = Team.objects.get_or_create(name="Bench")
    with transaction.atomic():
        TrustLimit.objects.update_or_create(
            tier=standard,
            remedy_type=refund,
            defaults={
                "per_remedy_max": Decimal("100.00"),
                "per_case_max": None,
                "daily_max": Decimal("100000000.00"),
                "monthly_max": Decimal("1000000000.00"),
                "approval_max": None,
            },
        )
        TrustLimit.objects.update_or_create(
            tier=senior,
            remedy_type=refund,
            defaults={
                "per_remedy_max": Decimal("300.00"),
                "per_case_max": None,
                "daily_max": None,
                "monthly_max": None,
                "approval_max": Decimal("100000.00"),
            },
        )
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench-agent-{i:04d}",
                    display_name=f"Bench Agent {i}",
                    role=Role.AGENT,
                    tier=standard,
                    team=team,
                    password=password,
                )
                for i in range(agents)
            ]
        )
        supervisors = User.objects.bulk_create(
            [
                User(
                    username=f"bench-supervisor-{i}",
                    role=Role.SUPERVISOR,
                    tier=senior,
                    team=team,
                    password=password,
                )
                for i in range(3)
            ]
        )
        now = timezone.now()
        OnCallShift.objects.bulk_create(
            [
                OnCallShift(
                    supervisor=s,
                    level=1,
                    starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(days=2),
                )
                for s in supervisors
            ]
        )
        tokens = [AuthToken.objects.create(user=u, expiry=None)[1] for u in users]
        custs = Customer.objects.bulk_create(
            [Customer(external_id=f"BENCH-{i:05d}", name=f"Customer {i}") for i in range(customers)]
        )
        cases = Case.objects.bulk_create(
            [
                Case(
                    subject=f"Bench case {a}-{c}",
                    category=Case.Category.COMPLAINT,
                    customer=custs[(a * cases_per_agent + c) % customers],
                    assignee=user,
                    created_by=user,
                )
                for a, user in enumerate(users)
                for c in range(cases_per_agent)
            ]
        )
        day = timezone.localdate()
        BudgetWindow.objects.bulk_create(
            [
                BudgetWindow(user=u, remedy_type=refund, period=period, starts_on=start)
                for u in users
                for period, start in (
                    (BudgetWindow.Period.DAY, day),
                    (BudgetWindow.Period.MONTH, day.replace(day=1)),
                )
            ]
        )
    by_agent: dict[int, list[int]] = {}
    for case in cases:
        assert case.assignee_id is not None  # every benchmark case is assigned
        by_agent.setdefault(case.assignee_id, []).append(case.pk)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return Seeded(
        agent_ids=[u.pk for u in users],
        tokens=tokens,
        case_ids=[c.pk for c in cases],
        cases_by_agent=by_agent,
        supervisor_ids=[s.pk for s in supervisors],
        remedy_type_id=refund.pk,
        within_amount=WITHIN,
        over_amount=OVER,
    )


# --- the production shape ---------------------------------------------------------------


def nproc() -> int:
    return os.cpu_count() or 1


class Stack:
    """gunicorn (config.wsgi) and a Celery worker with beat, as in docker-compose.yml."""

    def __init__(
        self,
        *,
        port: int = PORT,
        workers: int | None = None,
        worker_class: str = "sync",
        threads: int = 1,
        celery_concurrency: int = 2,
        with_celery: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.workers = workers or 2 * nproc()
        self.worker_class = worker_class
        self.threads = threads
        self.celery_concurrency = celery_concurrency
        self.with_celery = with_celery
        self.env = {**os.environ, **(extra_env or {})}
        self.procs: list[subprocess.Popen] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> dict:
        return {
            "gunicorn_workers": self.workers,
            "gunicorn_worker_class": self.worker_class,
            "gunicorn_threads": self.threads,
            "celery_concurrency": self.celery_concurrency if self.with_celery else 0,
        }

    def gunicorn_args(self) -> list[str]:
        """gunicorn's options after the app: the same for ours and the peer (bench/peer_run.py)."""
        return [
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--timeout",
            "30",
            "--log-level",
            "warning",
        ]

    def start(self) -> None:
        log = open(VAR_DIR / "gunicorn.log", "ab")  # noqa: SIM115 - kept open for the child
        cmd = [str(VENV_BIN / "gunicorn"), "config.wsgi", *self.gunicorn_args()]
        self.procs.append(
            subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        )
        if self.with_celery:
            wlog = open(VAR_DIR / "worker.log", "ab")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(
                    [
                        str(VENV_BIN / "celery"),
                        "-A",
                        "config",
                        "worker",
                        "-B",
                        "-s",
                        str(VAR_DIR / "celerybeat-schedule"),
                        "-Q",
                        "default,escalations",
                        "--loglevel=WARNING",
                        f"--concurrency={self.celery_concurrency}",
                    ],
                    cwd=ROOT,
                    env=self.env,
                    stdout=wlog,
                    stderr=wlog,
                    start_new_session=True,
                )
            )
        self._wait_up()

    def _wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {VAR_DIR / 'gunicorn.log'}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def need(binary: str, package: str) -> str:
    """The path of ``binary``; installs Debian's ``package`` when missing and we are root."""
    path = shutil.which(binary)
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"==> installing {package} (apt-get install -y {package})", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", package]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        path = shutil.which(binary)
        if path:
            return path
    sys.exit(f"{binary} is needed: apt-get install {package}")


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    try:
        import redis

        redis_version = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    except Exception:  # pragma: no cover - reporting only
        redis_version = "?"
    return {
        "nproc": nproc(),
        "cpu": cpu,
        "memory_gib": mem_gib,
        "postgresql": pg,
        "redis": redis_version,
        "python": sys.version.split()[0],
        "django": django.get_version(),
    }
