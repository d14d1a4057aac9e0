"""A scratch PostgreSQL database per bench script, on the server at ``BENCH_POSTGRES_URL``."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://root@127.0.0.1:5432").rstrip("/")


def postgres_available(name: str) -> bool:
    """Create an empty database ``name`` (dropping an old one); False when no server answers."""
    try:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=2) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception:
        return False


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def in_process_django(name: str, *, quiet: bool = False) -> Iterator[str]:
    """Django set up in this process on a scratch database: ``name`` on the PostgreSQL server when
    one answers, else a temporary SQLite file (photos in a temporary ``MEDIA_ROOT``). Yields the
    database's label; closes the connections and drops the PostgreSQL database at the end."""
    on_postgres = postgres_available(name)
    tmp = tempfile.mkdtemp(prefix=f"{name.replace('_', '-')}-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",  # fast hashing, no throttling in the way
        DATABASE_URL=f"{SERVER}/{name}" if on_postgres else f"sqlite:///{tmp}/bench.sqlite3",
        MEDIA_ROOT=tmp,
    )
    import django

    django.setup()
    if quiet:
        logging.disable(logging.INFO)  # no request log lines in the figures
    try:
        yield "PostgreSQL" if on_postgres else "SQLite"
    finally:
        from django.db import connections

        connections.close_all()
        if on_postgres:
            drop_postgres(name)
