"""A scratch PostgreSQL database per bench script, on the server at ``BENCH_POSTGRES_URL``."""

from __future__ import annotations

import os

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
