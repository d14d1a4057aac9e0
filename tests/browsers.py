"""Headless Chromium for the browser tests (Debian's ``chromium``, driven by Playwright for Python).

Without Chromium or Playwright a browser test is skipped with a loud message, except under
``CI=true``, where it fails (``.ci/run`` installs Debian's chromium).
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str, tests: str) -> None:
    """Skip loudly (fail in CI): ``what`` is absent, so ``tests`` did not run."""
    if in_ci():
        pytest.fail(f"{what}: CI must run {tests} (.ci/run installs Debian's chromium).")
    pytest.skip(f"SKIPPED LOUDLY: {what}, so {tests} did not run.")


def chromium_path(tests: str) -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        missing("Chromium is not installed (apt-get install chromium)", tests)
    return str(found)


@contextmanager
def chromium(tests: str) -> Iterator[Any]:
    """A launched headless Chromium (a Playwright ``Browser``), closed at the end of the block."""
    executable = chromium_path(tests)
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional: skipped loudly without it
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[dev]')", tests)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
