"""The SQLite demo under concurrent writes: transactions take the write lock up front, so writers wait
their turn (busy timeout) instead of failing with "database is locked" (503) on a lock upgrade."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 20


def test_twenty_parallel_self_assessments_on_a_sqlite_file_all_succeed(tmp_path):
    # Run in a subprocess of its own: a real file shared by real connections, whatever database
    # this test run uses (pytest's SQLite test database is in memory).
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.hardening.sqlite_writers",
            str(tmp_path / "demo.sqlite3"),
            str(WRITERS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses == {"201": WRITERS}, statuses
