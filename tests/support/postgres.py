"""A throwaway PostgreSQL 15 server for tests, started from the machine's binaries.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user.
Set AIDESS_TEST_POSTGRES_URL to use an existing server instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql") / v / "bin" for v in ("15", "16", "17", "14")]


def find_binaries() -> Path | None:
    return next((d for d in BIN_DIRS if (d / "initdb").exists()), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def throwaway_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh server's ``postgres`` database; stop it after."""
    existing = os.environ.get("AIDESS_TEST_POSTGRES_URL")
    if existing:
        yield existing
        return
    binaries = find_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL n'est pas installé sur cette machine")
    directory = Path(tempfile.mkdtemp(prefix="aidess-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data = directory / "data"
    port = _free_port()
    subprocess.run(
        _as_owner(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                # UTF-8 whatever the environment's locale: with SQL_ASCII (no LANG set),
                # psycopg returns bytes and SQLAlchemy cannot read the server version.
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=60,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_owner(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-o",
                options,
                "-l",
                str(directory / "log"),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(directory, ignore_errors=True)
