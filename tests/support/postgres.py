"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql``, in a temporary directory.

    server = PostgresServer.start()            # initdb + postgres on 127.0.0.1:<free port>
    url = server.create_database("t1", template="arservice_template")
    server.drop_database("t1")
    server.stop()                              # and the directory is gone

Why it looks like this:

- initdb and postgres refuse to run as root. When the tests run as root (CI containers, this
  machine) both run as the ``postgres`` system user that Debian's package creates, and the
  directory is made in ``/tmp`` (not under pytest's ``tmp_path``, whose parents are private to
  root) and handed to that user; otherwise they run as whoever runs the tests.
- The server listens on loopback only, on a free port, and on a unix socket inside its own
  directory, so it never meets the machine's own cluster (Debian's ``main`` on 5432).
- Durability is off (``fsync``, ``full_page_writes``, ``synchronous_commit``): a test database
  is thrown away, and without it ``CREATE DATABASE`` and every commit wait for the disk.
- The server is our child: started without ``pg_ctl`` (which would detach it) in a session of
  its own (a Ctrl-C in the terminal reaches pytest, which stops it in order), and with the
  kernel's parent-death signal set, so even a pytest killed outright leaves no server behind.
- Each test gets ``CREATE DATABASE ... TEMPLATE`` of a migrated template: a copy of a few
  megabytes, much faster than running the migrations again.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import pwd
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SERVICE_USER = "postgres"
"""The system user the server runs as when the tests run as root; also the superuser's name."""
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
}
_PR_SET_PDEATHSIG = 1
PREFIX = "arservice-pg-"
LEFTOVER_AGE_SECONDS = 3600
"""A directory of ours this old with no server running in it was left by a killed session."""


class PostgresUnavailableError(RuntimeError):
    """Debian's postgresql is not installed (``make test`` installs it)."""


def postgres_bin_dir() -> Path:
    """The newest Debian PostgreSQL's binaries, or ``ARSERVICE_TEST_POSTGRES_BIN``."""
    chosen = os.environ.get("ARSERVICE_TEST_POSTGRES_BIN")
    if chosen:
        candidates = [Path(chosen)]
    else:
        found = Path("/usr/lib/postgresql").glob("*/bin/initdb")
        versions = sorted(found, key=lambda p: int(re.sub(r"\D", "", p.parent.parent.name) or 0))
        candidates = [p.parent for p in reversed(versions)]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "postgres").is_file():
            return directory
    raise PostgresUnavailableError(
        "no PostgreSQL server binaries (initdb, postgres) under /usr/lib/postgresql/*/bin: "
        "install Debian's postgresql (`make test` does) or set ARSERVICE_TEST_POSTGRES_BIN"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _remove_leftovers() -> None:
    """Remove the directories of sessions that were killed outright (SIGKILL runs no cleanup;
    their server stopped with them): old, and no live server in them. Other sessions' running
    clusters, and directories still being made, are left alone."""
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if time.time() - root.stat().st_mtime < LEFTOVER_AGE_SECONDS:
                continue
            pid_file = root / "data" / "postmaster.pid"
            if pid_file.exists():
                pid = int(pid_file.read_text().split()[0])
                if Path(f"/proc/{pid}").exists():
                    continue
        except (OSError, ValueError, IndexError):
            continue
        shutil.rmtree(root, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child, before exec: stop (fast shutdown) when the process that started us dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0)


@dataclass
class _Account:
    """Whom the server runs as: ``None`` for ourselves, else the postgres system user."""

    name: str | None
    uid: int = -1
    gid: int = -1

    @classmethod
    def for_this_process(cls) -> _Account:
        if os.geteuid() != 0:
            return cls(None)
        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError as missing:
            raise PostgresUnavailableError(
                f"running as root and there is no '{SERVICE_USER}' user to run PostgreSQL as: "
                "install Debian's postgresql (it creates the user)"
            ) from missing
        return cls(SERVICE_USER, entry.pw_uid, entry.pw_gid)

    def popen_options(self) -> dict[str, object]:
        if self.name is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def own(self, path: Path) -> None:
        if self.name is not None:
            os.chown(path, self.uid, self.gid)


class PostgresServer:
    """One running cluster; :meth:`start` makes it, :meth:`stop` removes it."""

    def __init__(self, root: Path, port: int, account: _Account, bin_dir: Path) -> None:
        self.root = root
        self.port = port
        self.account = account
        self.bin_dir = bin_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` (over TCP on loopback, as a deployment would)."""
        return f"postgresql+psycopg://{SERVICE_USER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls) -> PostgresServer:
        """initdb a new cluster in a new temporary directory and start it."""
        bin_dir = postgres_bin_dir()
        account = _Account.for_this_process()
        _remove_leftovers()
        root = Path(tempfile.mkdtemp(prefix=PREFIX))
        account.own(root)
        server = cls(root, free_port(), account, bin_dir)
        try:
            server._initdb()
            server.run()
        except BaseException:
            server.stop()
            raise
        return server

    def _initdb(self) -> None:
        command = [
            str(self.bin_dir / "initdb"),
            "--pgdata", str(self.data_dir),
            "--username", SERVICE_USER,
            "--auth", "trust",
            "--encoding", "UTF8",
            "--locale", "C.UTF-8",
            "--no-sync",
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, **self.account.popen_options()
        )  # type: ignore[call-overload]
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")

    def run(self) -> None:
        """Start the server on its directory and port (again, after :meth:`halt`)."""
        command = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir)]
        command += ["-p", str(self.port), "-k", str(self.socket_dir)]
        for name, value in SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                **self.account.popen_options(),
            )  # type: ignore[call-overload]
        finally:
            log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with psycopg.connect(self._dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                pass
            assert self.process is not None
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start:\n{self.log_path.read_text()}")
            time.sleep(0.05)

    def halt(self) -> None:
        """Stop the server (fast shutdown: clients are cut off), keeping its data."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={SERVICE_USER} dbname={database}"

    def execute(self, statement: sql.Composable, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE / DROP DATABASE need that)."""
        with psycopg.connect(self._dsn(database), autocommit=True) as connection:
            connection.execute(statement)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); its SQLAlchemy URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {} STRATEGY FILE_COPY").format(
                statement, sql.Identifier(template)
            )
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, cutting off any connection a test left open."""
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


class TemplateCopies:
    """Fresh copies of a template database, made ahead by a thread of their own.

    ``CREATE DATABASE ... TEMPLATE`` takes about a tenth of a second (a checkpoint, then a file
    copy), most of a short test's time: made while the previous tests run, a copy is ready
    when a test asks. :meth:`take` hands out each copy once; :meth:`give_back` drops it.
    """

    def __init__(self, server: PostgresServer, template: str, *, ahead: int = 2) -> None:
        self.server = server
        self.template = template
        self._ready: queue.Queue[str] = queue.Queue(maxsize=ahead)
        self._numbers = itertools.count(1)
        self._stopping = threading.Event()
        self._failure: BaseException | None = None
        self._worker = threading.Thread(target=self._make_ahead, name="pg-copies", daemon=True)
        self._worker.start()

    def take(self) -> tuple[str, str]:
        """A fresh copy: its name and SQLAlchemy URL."""
        try:
            name = self._ready.get(timeout=START_TIMEOUT_SECONDS)
        except queue.Empty:
            raise RuntimeError(f"no database copy was made: {self._failure!r}") from None
        return name, self.server.url(name)

    def give_back(self, name: str) -> None:
        self.server.drop_database(name)

    def stop(self) -> None:
        """Stop making copies (those made go with the server)."""
        self._stopping.set()
        self._worker.join(timeout=STOP_TIMEOUT_SECONDS)

    def _make_ahead(self) -> None:
        while not self._stopping.is_set():
            name = f"copy_{next(self._numbers)}"
            try:
                self.server.create_database(name, template=self.template)
            except Exception as failure:  # the server is down for a moment, or stopping
                self._failure = failure
                self._stopping.wait(0.2)
                continue
            while not self._stopping.is_set():
                try:
                    self._ready.put(name, timeout=0.2)
                    break
                except queue.Full:
                    continue
