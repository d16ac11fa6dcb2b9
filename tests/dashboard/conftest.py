"""A real `chainwatch serve` process on the devnet, and Debian's headless Chromium driving pages.

The browser is /usr/bin/chromium (scripts/test.sh installs it where missing) driven by
Playwright; Playwright's own browser download is never used. Where it cannot start, the tests
skip on a developer's machine and fail in CI (CI=true), so a missing browser is never a green run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.schemas import assert_valid

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Screenshots land here for a person to look at (README's screenshot is one of them).
SCREENSHOTS = Path(os.environ.get("CHAINWATCH_SCREENSHOTS", "/tmp/chainwatch-screenshots"))


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the headless browser cannot start in CI: {reason}")
    pytest.skip(f"no headless browser: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _browser_unavailable(f"playwright is not installed ({exc})")
    if not Path(CHROMIUM).exists():
        _browser_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            _browser_unavailable(str(exc).splitlines()[0])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page that records every URL it requests."""
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.requested = []
    tab.on("request", lambda request: tab.requested.append(request.url))
    yield tab
    context.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running `chainwatch serve`; `url` is its address as printed, `token` when one was."""

    process: subprocess.Popen
    url: str
    token: str | None
    port: int

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def json(self, path: str, headers: dict[str, str] | None = None) -> dict:
        status, body = self.get(path, headers)
        assert status == 200, (status, body)
        return json.loads(body)

    def status(self) -> dict:
        """/api/status, checked against its schema."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        status = self.json("/api/status", headers)
        assert_valid("status", status)
        return status

    def wait_for(self, ready: Callable[[dict], bool], timeout: float = 90) -> dict:
        """/api/status once `ready` says so of it."""
        deadline = time.monotonic() + timeout
        status = self.status()
        while not ready(status):
            assert time.monotonic() < deadline, f"not ready within {timeout} s: {status}"
            assert self.process.poll() is None, self.process.stderr.read()
            time.sleep(0.3)
            status = self.status()
        return status

    def wait_for_reading(self, timeout: float = 90, after_block: int | None = None) -> dict:
        """/api/status once every chain was read (past `after_block`) or failed to be."""

        def read(chain: dict) -> bool:
            return chain["error"] is not None or (
                chain["block"] is not None and (after_block is None or chain["block"] > after_block)
            )

        return self.wait_for(lambda status: all(read(chain) for chain in status["chains"]), timeout)

    def stop(self) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.returncode, self.process.stderr.read()


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start `chainwatch serve ARGS… --port P` as a process; stopped (Ctrl-C) after the test."""
    started: list[Server] = []

    def start(*args: str, wait: bool = True, token: bool = False) -> Server:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "chainwatch", "serve", *args, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        awaited = "?token=" if token else "dashboard at"
        while not any(awaited in line for line in lines):
            line = process.stderr.readline()
            if not line:
                raise AssertionError("serve stopped: " + "".join(lines) + process.stderr.read())
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"dashboard at (\S+)", text).group(1)
        printed = re.search(r"\?token=(\S+)", text)
        server = Server(process, url, printed.group(1) if printed else None, port)
        started.append(server)
        if wait:
            server.wait_for_reading()
        return server

    yield start
    for server in started:
        server.stop()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """The whole page (or only what the viewport shows, as a phone's first screen)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
