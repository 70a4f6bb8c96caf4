"""Real headless Chromium from the Debian packages (``chromium``, ``chromium-driver``), driven
by Selenium through ``/usr/bin/chromedriver``; no browser is ever downloaded."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["SCREENSHOTS", "chromium", "phone_viewport"]

REPO = Path(__file__).resolve().parent.parent.parent
#: kept by CI (git-ignored): the screenshots the browser tests take
SCREENSHOTS = Path(os.environ.get("REGWATCH_SCREENSHOTS", REPO / "build" / "screenshots"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 900) -> Iterator[object]:
    """A headless Chromium with a fresh profile in ``profile``; skips when it is not installed."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium and chromium-driver are not installed (apt-get install them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    if width < 500:
        # a headless window is at least 500 px wide: emulate the phone's viewport instead
        phone_viewport(driver, width, height)
    try:
        yield driver
    finally:
        driver.quit()


def phone_viewport(driver: object, width: int, height: int) -> None:
    """Make the page see a phone's screen: ``width`` CSS pixels, a touch device."""
    driver.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
    )
