"""A real headless Chromium for the web view's test, driven by Selenium.

The browser and its driver are Debian's packages (``chromium`` and
``chromium-driver``, same version; ``.ci/run`` installs them): Selenium is
pointed at both executables, so nothing is looked up or downloaded at test
time. Without them the browser test is skipped, and with
``MEMOIR_TEST_REQUIRE_SERVERS=1`` (as in CI) it fails instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.servers import servers_required

__all__ = ["chromium", "require_chromium"]

BROWSERS = ("chromium", "chromium-browser")
DRIVER = "chromedriver"


def require_chromium() -> tuple[str, str]:
    """The browser and driver executables, or skip (fail in CI) when either is missing."""
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    driver = shutil.which(DRIVER)
    if browser is None or driver is None:
        message = (
            "The web view's browser test needs Debian's headless Chromium and its driver "
            f"(browser: {browser or 'missing'}, driver: {driver or 'missing'}); install them "
            "with: apt-get install chromium chromium-driver"
        )
        if servers_required():
            pytest.fail(message)
        pytest.skip(message)
    return browser, driver


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A headless Chromium window of ``width`` × ``height`` CSS pixels; closed afterwards."""
    browser, driver = require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",  # nothing but the server under test
        "--disable-component-update",
        "--force-device-scale-factor=1",
        "--lang=en-US",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver, log_output=os.devnull)
    session = webdriver.Chrome(options=options, service=service)
    try:
        session.set_window_size(width, height)
        yield session
    finally:
        session.quit()
