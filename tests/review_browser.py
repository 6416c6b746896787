"""Helpers for the review page's browser tests: Debian's Chromium driven by Playwright.

Playwright (not Selenium) because it reports every request, console message and page
error as an event and can intercept requests, which is what the offline check needs,
and it drives the system Chromium (``executable_path``) without downloading a browser:
``playwright install`` is never run. Playwright starts each browser with a fresh
temporary profile (the ``--user-data-dir`` it passes itself).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conftest import ROOT

CHROMIUM = os.environ.get("SCODUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("SCODUB_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "review"


@dataclass
class PageLog:
    """Every request the page made, and every console error and page error."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self, own_prefix: str) -> list[str]:
        """Requests to anything but the page's own files (blob: URLs the page made from
        its own data are its own too)."""
        parts = urlsplit(own_prefix)
        blob = f"blob:{parts.scheme}://{parts.netloc}/" if parts.netloc else "blob:null/"
        return [url for url in self.requests if not url.startswith((own_prefix, blob))]


def chromium_session() -> Iterator[Any]:
    """Debian's Chromium under Playwright, for the session fixture ``browser``
    (tests/conftest.py: one for all browser tests, as two sync Playwrights cannot run in
    one process)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def open_page(browser: Any, url: str, own_prefix: str) -> tuple[Any, PageLog]:
    """A fresh context and page at ``url``; anything outside ``own_prefix`` is recorded
    and refused (http) or recorded (file://, which routes cannot see)."""
    log = PageLog()
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, accept_downloads=True, service_workers="block"
    )

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(own_prefix):
            route.continue_()
        else:
            log.blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda request: log.requests.append(request.url))
    page.on("console", lambda msg: log.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: log.errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    return page, log


def wait_until(page: Any, expression: str, timeout_s: float = 20.0) -> None:
    """Poll ``expression`` in the page until it is true. (Playwright's wait_for_function
    evaluates a string, which the served page's Content-Security-Policy forbids.)"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        time.sleep(0.05)


def wait_media_loaded(page: Any) -> None:
    """The film has its metadata and every subtitle track has loaded its cues."""
    wait_until(page, "document.getElementById('video').readyState >= 1")
    wait_until(
        page, "[...document.querySelectorAll('#video track')].every(t => t.readyState === 2)"
    )


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def finished_run(folder: Path, stem: str, tracks: dict[str, Any]) -> Path:
    """A finished English run in ``folder``: the sample film as ``<stem>.mp4``, its report,
    and one SRT per language (``tracks``: code -> cues)."""
    import json
    import shutil

    from conftest import SAMPLE
    from scodub.data import Track
    from scodub.text.srt import write_srt

    folder.mkdir()
    film = folder / f"{stem}.mp4"
    shutil.copy(SAMPLE, film)
    report = {"film": str(film), "stages": {"transcribe": {"language": "en"}}}
    (folder / f"{stem}.report.json").write_text(json.dumps(report), encoding="utf-8")
    for code, cues in tracks.items():
        write_srt(Track(code, tuple(cues)), folder / f"{stem}.{code}.srt")
    return folder
