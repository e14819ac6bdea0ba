"""Opening the store: one SQLite file, WAL, migrations at start-up, clear errors.

``open_store(paths)`` makes sure the database file exists with mode 0600,
brings its schema to the newest Alembic revision (batch mode, for SQLite),
refuses a schema made by a newer Draftwheel, and turns "not a database" and
"locked" into a :class:`DraftwheelError` instead of a traceback or, worse, a
silently recreated empty file.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.errors import DraftwheelError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# How long a writer waits for another process's write to finish (ms). Writes
# are single small INSERTs, so waiting beats failing; 30 s is far beyond any
# real contention and still ends a truly stuck lock with a clear message.
BUSY_TIMEOUT_MS = 30_000


class StoreError(DraftwheelError):
    """The database file cannot be used (corrupt, locked, newer schema, unreadable)."""


def bound_engine(session: Session) -> Engine:
    """The Engine a session reads from (``get_bind()`` may hand back a Connection bound to it)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA foreign_keys = ON")
        # WAL: readers never block the writer and vice versa; it persists in the file.
        cur.execute("PRAGMA journal_mode = WAL")
        # NORMAL is the recommended pairing with WAL: consistent after a crash, one
        # fsync per checkpoint instead of per commit (keeps logging an edit ~1 ms).
        cur.execute("PRAGMA synchronous = NORMAL")
        # Deleted rows are overwritten with zeros, not just unlinked (privacy).
        cur.execute("PRAGMA secure_delete = ON")
    finally:
        cur.close()


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest schema revision this version of Draftwheel knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() or ""


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(r.revision for r in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())


def alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _ensure_file(path: Path) -> None:
    """Create the database file readable by the user only, if it does not exist yet.

    An existing file is never opened here (see :func:`_tighten` for why).
    """
    private_dir(path.parent)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # another process created it a moment ago
            pass
    _tighten(path)


def _tighten(path: Path) -> None:
    """chmod 0600 the database and its -wal/-shm files, WITHOUT opening them.

    Never open and close the database file in a process that has a connection
    to it: POSIX drops all of a process's fcntl locks on a file when any of its
    descriptors for that file is closed, so another process closing its last
    connection would think it was alone and checkpoint and delete the WAL under
    us (lost writes). chmod does not touch locks.
    """
    if os.name != "posix":
        return
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if stat.S_IMODE(p.stat().st_mode) != 0o600:
                p.chmod(0o600)
        except FileNotFoundError:
            pass


def _explain(exc: BaseException, path: Path) -> StoreError:
    msg = str(getattr(exc, "orig", exc)).lower()
    if "locked" in msg or "busy" in msg:
        return StoreError(
            f"{path}: the database is locked by another program.",
            "Close other Draftwheel windows or commands using this data folder and try again.",
        )
    if "not a database" in msg or "malformed" in msg or "corrupt" in msg or "disk image" in msg:
        return StoreError(
            f"{path}: the database file is corrupt or not a Draftwheel database ({msg}).",
            "Move it aside (your data is not deleted) and Draftwheel will start a new one, "
            "or restore it from a backup.",
        )
    if "readonly" in msg or "read-only" in msg or "unable to open" in msg or "permission" in msg:
        return StoreError(
            f"{path}: the database cannot be opened for writing ({msg}).",
            "Check the file and folder permissions of the data folder.",
        )
    return StoreError(f"{path}: the database cannot be used ({msg}).")


class Store:
    """An open store: a SQLAlchemy engine on the database file plus a session factory."""

    def __init__(self, path: Path, engine: Engine):
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        """A new session; the caller owns it: ``with store.session() as s, s.begin(): ...``."""
        return self._sessions()

    def vacuum(self) -> None:
        """Give freed pages back to the file system (after deleting rows)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _current_revision(conn) -> str | None:
    has_table = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if not has_table:
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


def _check(conn, path: Path) -> str | None:
    """The database's revision; refuses a newer schema and foreign SQLite files."""
    current = _current_revision(conn)
    if current is not None and current not in known_revisions():
        raise StoreError(
            f"{path}: this database was made by a newer version of Draftwheel "
            f"(schema {current!r}; this version knows up to {head_revision()!r}).",
            "Update Draftwheel, or point --home at another data folder.",
        )
    if current is None:
        tables = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'table'").scalar_one()
        if tables:
            raise StoreError(
                f"{path}: this SQLite file has tables but is not a Draftwheel database.",
                "Move it aside or point --home at another data folder.",
            )
    return current


def migrate(engine: Engine, path: Path) -> None:
    """Bring the schema to :func:`head_revision`; refuse a newer one."""
    with engine.connect() as conn:
        if _current_revision(conn) == head_revision():
            return  # the usual case: no lock taken, Alembic's command machinery not loaded
    from alembic import command

    # pysqlite opens transactions only before INSERT/UPDATE/DELETE, so DDL would
    # autocommit statement by statement; an explicit BEGIN IMMEDIATE makes the
    # whole upgrade one transaction (all or nothing) and takes the write lock
    # before looking, so two processes starting at once migrate once: the
    # second waits, then sees the new head and does nothing.
    with engine.begin() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        current = _check(conn, path)
        if current != head_revision():
            log.info("migrating %s from %s to %s", path, current, head_revision())
            command.upgrade(alembic_config(conn), "head")


def make_engine(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": busy_timeout_ms / 1000})

    def on_connect(dbapi_conn: sqlite3.Connection, record) -> None:
        _on_connect(dbapi_conn, record)
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")

    def on_error(ctx) -> StoreError | None:
        # Later failures of the file itself (still locked after the busy timeout,
        # corruption found mid-way) reach the user as one clear StoreError;
        # programming errors (bad SQL, constraint violations) stay as they are.
        orig = ctx.original_exception
        if isinstance(orig, sqlite3.OperationalError) or (
            isinstance(orig, sqlite3.DatabaseError) and "malformed" in str(orig)
        ):
            msg = str(orig).lower()
            if any(k in msg for k in ("locked", "busy", "malformed", "not a database", "disk i/o", "readonly")):
                return _explain(orig, path)
        return None

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "handle_error", on_error)
    return engine


def open_store(paths: AppPaths, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
    """Open (creating and migrating as needed) the store at ``paths.database``.

    ``busy_timeout_ms``: how long a write waits for another process's write.
    """
    path = Path(paths.database)
    try:
        _ensure_file(path)
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot open or create the database file ({exc.strerror}).",
            "Check that it is a file and the permissions of the data folder.",
        ) from None
    engine = make_engine(path, busy_timeout_ms)
    try:
        with engine.connect() as conn:
            # Reading the schema is the first thing that touches the file's header:
            # a corrupt or foreign file fails here, before anything is written.
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
        migrate(engine, path)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM edits LIMIT 1")).first()
    except StoreError:
        engine.dispose()
        raise
    except (sa_exc.DBAPIError, sqlite3.Error, OSError) as exc:
        engine.dispose()
        raise _explain(exc, path) from None
    _tighten(path)  # the -wal / -shm files now exist: make sure they are private too
    return Store(path, engine)
