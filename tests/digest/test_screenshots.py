"""The HTML digest in real headless Chromium at phone and desktop width.

Screenshots go to ``build/screenshots/`` (kept by CI as artifacts; git-ignored) for a person to
look at; the assertions measure the layout in the same browser: no sideways scrolling on a phone,
the summary above the items, every summary line's link landing on its item.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from regwatch.digest import send_due
from tests.digest.conftest import NOW
from tests.support.digestdata import add_recipient, seed_sample

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = os.environ.get("REGWATCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

#: a page that lays the digest out in a frame of the given width and measures it, into a <pre>
#: that --dump-dom prints (a frame, because --dump-dom keeps a window at least 500 px wide)
HARNESS = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="d" src="%(src)s" style="border:0;width:%(width)dpx;height:%(height)dpx"></iframe>
<script>
document.getElementById("d").addEventListener("load", (event) => {
  const doc = event.target.contentDocument;
  const win = event.target.contentWindow;
  const box = (el) => el.getBoundingClientRect();
  const summary = doc.querySelector("ol.summary");
  const items = [...doc.querySelectorAll("[id^=item-]")];
  const cards = [...doc.querySelectorAll(".item")];
  const out = {
    viewport: win.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth,
    summaryBottom: box(summary).bottom,
    firstItemTop: items.length ? box(items[0]).top : null,
    links: [...summary.querySelectorAll("a")].map((a) => a.getAttribute("href")),
    anchors: items.map((el) => "#" + el.id),
    rightmost: Math.max(...cards.map((el) => box(el).right)),
    widest: Math.max(...cards.map((el) => box(el).width)),
  };
  const pre = document.createElement("pre");
  pre.id = "metrics";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script></body></html>"""

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


@pytest.fixture
def digest_html(store, config, tmp_path, monkeypatch) -> Path:
    """The golden data's digest as delivered (the HTML part), written to a file."""
    import email
    import email.policy

    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    seeded = seed_sample(store)
    add_recipient(store, seeded["company_id"], "compliance@acme.example", info="full")
    (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    message = email.message_from_bytes(
        Path(outcome.detail).read_bytes(), policy=email.policy.default
    )
    page = tmp_path / "digest.html"
    page.write_text(message.get_body(("html",)).get_content(), encoding="utf-8")
    return page


def _chromium(tmp_path: Path, width: int, height: int, *args: str) -> str:
    profile = tmp_path / f"profile-{width}-{len(args)}"
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    ("name", "width", "height"), [("phone", 390, 2400), ("desktop", 1280, 1600)]
)
def test_the_html_digest_in_chromium(digest_html, tmp_path, name, width, height):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"digest-{name}.png"
    shot.unlink(missing_ok=True)
    _chromium(tmp_path, width, height, f"--screenshot={shot}", digest_html.as_uri())
    assert _png_size(shot) == (width, height)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one

    harness = tmp_path / f"measure-{name}.html"
    harness.write_text(
        HARNESS % {"src": digest_html.name, "width": width, "height": height}, encoding="utf-8"
    )
    dom = _chromium(
        tmp_path,
        width,
        height,
        "--allow-file-access-from-files",
        "--virtual-time-budget=5000",
        "--dump-dom",
        harness.as_uri(),
    )
    metrics = json.loads(dom.split('<pre id="metrics">', 1)[1].split("</pre>", 1)[0])
    assert metrics["viewport"] == width
    assert metrics["scrollWidth"] <= width, metrics  # nothing forces sideways scrolling
    assert metrics["rightmost"] <= width
    assert metrics["summaryBottom"] < metrics["firstItemTop"]  # the summary comes first
    assert len(metrics["links"]) == 7 and metrics["links"] == metrics["anchors"]
    if name == "desktop":
        assert metrics["widest"] <= 800  # a readable column, not the whole screen
