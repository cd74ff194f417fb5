"""A headless Chromium driven by selenium, for the tests that open the report in a browser.

Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them) provide the
browser and ``chromedriver``; without them, or without ``selenium``, the tests are skipped and
say why, except under CI (``CI`` set), where a missing browser fails them: CI must run them.
The flags keep the browser off the network entirely: the report must not need it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1300,1000",
)


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}")
                                       else None)
        if found:
            return found
    return None


class Browser:
    """A selenium Chrome driver with two helpers: the console log and waiting for a condition."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def console(self) -> list[dict[str, Any]]:
        """Console messages since the last call (each a dict with ``level`` and ``message``)."""
        entries: list[dict[str, Any]] = self.driver.get_log("browser")
        return entries

    def errors(self) -> list[str]:
        """The console messages at level SEVERE since the last call: errors of the page."""
        return [e["message"] for e in self.console() if e["level"] == "SEVERE"]

    def wait(self, condition: Any, timeout: float = 10) -> Any:
        """Wait until ``condition(driver)`` is truthy and return its value (or time out)."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        # The page re-renders its lists as the reader types: an element found a moment ago
        # may be gone; try again rather than fail.
        return WebDriverWait(self.driver, timeout,
                             ignored_exceptions=[StaleElementReferenceException]).until(condition)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests")
    pytest.skip(reason)


@contextlib.contextmanager
def open_browser() -> Iterator[Browser]:
    """Start a headless Chromium with a fresh profile; skip the test if there is none."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install '.[dev]')")
    binary = _find("chromium", "chromium-browser")
    driver_path = _find("chromedriver")
    if binary is None or driver_path is None:
        _unavailable("no chromium/chromedriver: apt-get install chromium chromium-driver "
                     "(.ci/run does)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(driver_path))
        try:
            yield Browser(driver)
        finally:
            driver.quit()
