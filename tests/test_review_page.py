"""The review page in real headless Chromium (Debian's chromium and chromium-driver), against a
real server on 127.0.0.1; screenshots go to build/screenshots/ (kept by CI)."""

from __future__ import annotations

import re

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from regwatch import audit
from regwatch.store import Store
from regwatch.timeutil import utcnow
from tests.support.apiserver import running_server
from tests.support.browser import SCREENSHOTS, chromium, phone_viewport
from tests.support.reviewdata import seed_review


@pytest.fixture
def site(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'review.db'}", create=True) as store:
        ids = seed_review(store)
        _, token = audit.create_token(store, "rita", "review", None, "test")
        with running_server(store) as base:
            yield base, ids, token, store


def _sign_in(driver, base: str, token: str) -> None:
    driver.get(f"{base}/review")
    assert driver.current_url.endswith("/login")  # not signed in yet: sent to sign in
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(driver, 20).until(ec.url_to_be(f"{base}/review"))


def _shot(driver, name: str, phone: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # the whole page, not only the first screenful
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return window.innerWidth")
    if phone:
        phone_viewport(driver, width, min(max(height, 600), 4000))
    else:
        driver.set_window_size(width, min(max(height + 120, 600), 4000))
    assert driver.save_screenshot(str(SCREENSHOTS / name))


def test_review_flow_in_chromium(site, tmp_path):
    base, ids, token, _ = site
    with chromium(tmp_path / "profile") as driver:
        _sign_in(driver, base, token)
        companies = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "section.company h2")]
        assert [re.sub(r"\s+\d+$", "", c) for c in companies] == ["Acme Corp", "Globex GmbH"]
        acme_rows = driver.find_elements(By.CSS_SELECTOR, "section.company:first-of-type li")
        # the alert comes before the review-tier match
        assert [r.get_attribute("data-match") for r in acme_rows] == [
            str(ids.acme_alert), str(ids.acme_review),
        ]  # fmt: skip
        _shot(driver, "queue.png")
        driver.set_window_size(1280, 900)

        # the event, with what changed between its revisions, field by field
        driver.find_element(By.CSS_SELECTOR, f"#match-{ids.acme_alert} a.event-link").click()
        WebDriverWait(driver, 20).until(ec.url_contains(f"/review/events/{ids.avionics_v2}"))
        row = driver.find_element(By.CSS_SELECTOR, '.diff .row[data-field="entity.addresses"]')
        assert "changed" in row.get_attribute("class")
        # the changed words are marked, the words both sides share are not
        removed = [d.text for d in row.find_elements(By.CSS_SELECTOR, ".old del")]
        added = [i.text for i in row.find_elements(By.CSS_SELECTOR, ".new ins")]
        assert removed == ["1", "Old"] and added == ["12", "New"]
        assert row.find_element(By.CSS_SELECTOR, ".old").text == "1 Old Example St., Moscow"
        assert row.find_element(By.CSS_SELECTOR, ".new").text == "12 New Example St., Moscow"
        policy = driver.find_element(
            By.CSS_SELECTOR, '.diff .row[data-field="entity.license_review_policy"]'
        )
        assert "Case-by-case" in policy.find_element(By.CSS_SELECTOR, ".old").text
        assert "Policy of denial" in policy.find_element(By.CSS_SELECTOR, ".new").text
        same = driver.find_element(By.CSS_SELECTOR, '.diff .row[data-field="title"]')
        assert "same" in same.get_attribute("class")
        _shot(driver, "event.png")
        driver.set_window_size(1280, 900)

        # dismiss with a note, in one click: it leaves the queue without a reload
        driver.get(f"{base}/review")
        item = driver.find_element(By.ID, f"match-{ids.acme_alert}")
        item.find_element(By.NAME, "note").send_keys("a different company: other address")
        item.find_element(By.CSS_SELECTOR, "button.dismiss").click()
        WebDriverWait(driver, 20).until(ec.staleness_of(item))
        assert driver.find_element(By.ID, "open-count").text == "2"
        driver.refresh()
        assert not driver.find_elements(By.ID, f"match-{ids.acme_alert}")

        # and it is in the audit trail, with who and why
        driver.find_element(By.LINK_TEXT, "Audit trail").click()
        entry = WebDriverWait(driver, 20).until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, f'ul.audit li[data-subject="match:{ids.acme_alert}"]')
            )
        )
        assert "match.dismiss" in entry.text
        assert "rita (token 1)" in entry.text
        assert "why: a different company: other address" in entry.text
        assert "new → dismissed" in entry.text
        _shot(driver, "audit.png")


def test_the_queue_at_phone_width(site, tmp_path):
    base, ids, token, _ = site
    with chromium(tmp_path / "profile", width=390, height=844) as driver:
        _sign_in(driver, base, token)
        assert driver.execute_script("return window.innerWidth") <= 400
        overflow = "return document.documentElement.scrollWidth - window.innerWidth"
        assert driver.execute_script(overflow) <= 0, "the queue scrolls sideways on a phone"
        button = driver.find_element(By.CSS_SELECTOR, f"#match-{ids.acme_alert} button.dismiss")
        assert button.is_displayed() and button.size["height"] >= 36  # big enough for a thumb
        _shot(driver, "queue-phone.png", phone=True)
        phone_viewport(driver, 390, 844)
        driver.get(f"{base}/review/events/{ids.avionics_v2}")
        assert driver.execute_script(overflow) <= 0, "the event page scrolls sideways on a phone"
        _shot(driver, "event-phone.png", phone=True)


def test_forms_need_the_csrf_token_and_a_session(site):
    base, ids, token, store = site
    with httpx.Client(base_url=base) as c:
        page = c.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        assert c.post("/login", data={"token": token}).status_code == 403  # no CSRF token
        wrong = c.post("/login", data={"token": "rw_guess", "csrf": csrf})
        assert wrong.status_code == 401 and "That token is not valid." in wrong.text
        signed = c.post("/login", data={"token": token, "csrf": csrf})
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        queue = c.get("/review")
        assert "frame-ancestors 'none'" in queue.headers["content-security-policy"]
        fresh = re.search(r'name="csrf" value="([^"]+)"', queue.text).group(1)
        assert fresh != csrf  # signing in starts a new session
        stale = c.post(
            f"/review/matches/{ids.acme_alert}",
            data={"decision": "dismiss", "csrf": csrf},
        )
        assert stale.status_code == 403
        csrf = fresh
        forged = c.post(f"/review/matches/{ids.acme_alert}", data={"decision": "dismiss"})
        assert forged.status_code == 403
        with Store.open(store.url) as check:
            assert audit.trail(check, f"match:{ids.acme_alert}") == []
        done = c.post(
            f"/review/matches/{ids.acme_alert}",
            data={"decision": "dismiss", "note": "fp", "csrf": csrf},
        )
        assert done.status_code == 303 and done.headers["location"] == "/review"
        # a revoked token signs the page out at once
        audit.revoke_token(store, 1, "test")
        assert c.get("/review").headers["location"] == "/login"
    with httpx.Client(base_url=base) as stranger:  # no session at all
        answer = stranger.post(f"/review/matches/{ids.acme_review}", data={"decision": "dismiss"})
        assert answer.status_code in (303, 403)
        assert audit.trail(store, f"match:{ids.acme_review}") == []


def test_a_read_token_sees_the_queue_but_cannot_decide(site, tmp_path):
    base, ids, _, store = site
    _, reader = audit.create_token(store, "reed", "read", "Globex GmbH", "test")
    with httpx.Client(base_url=base) as c:
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"token": reader, "csrf": csrf})
        queue = c.get("/review").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', queue).group(1)
        assert "Globex Trading Co" in queue
        assert "Example Avionics" not in queue  # scoped to Globex
        assert 'class="decide"' not in queue  # no decision buttons for a read token
        refused = c.post(
            f"/review/matches/{ids.globex_alert}", data={"decision": "dismiss", "csrf": csrf}
        )
        assert refused.status_code == 403
        other = c.get(f"/review/events/{ids.avionics_v2}").text
        assert "No match you can see." in other


def test_entity_history_and_source_health_pages(site):
    base, ids, token, store = site
    with httpx.Client(base_url=base) as c:
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"token": token, "csrf": csrf})
        history = c.get("/review/entities", params={"name": "avionics plant"}).text
        assert "el:ru:example avionics plant jsc" in history
        assert f'href="/review/events/{ids.avionics_v1}"' in history
        assert f'href="/review/events/{ids.avionics_v2}"' in history
        nothing = c.get("/review/entities", params={"name": "zzzz"}).text
        assert "No listed or formerly listed party matches." in nothing
        store.record_failure("federal_register", utcnow(), RuntimeError("HTTP 503 from FR"))
        health = c.get("/review/sources").text
        assert "federal_register" in health
        assert "status-failing" in health and "RuntimeError: HTTP 503 from FR" in health


def _session(base: str, token: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base)
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    c.post("/login", data={"token": token, "csrf": csrf})
    return c, re.search(r'name="csrf" value="([^"]+)"', c.get("/review").text).group(1)


def test_four_eyes_on_the_page(site):
    base, ids, token, store = site
    audit.set_four_eyes(store, "Acme Corp", True, "admin")
    _, second = audit.create_token(store, "sam", "review", None, "test")
    first, csrf = _session(base, token)
    try:
        form = {"decision": "dismiss", "note": "other firm", "csrf": csrf}
        assert first.post(f"/review/matches/{ids.acme_alert}", data=form).status_code == 303
        queue = first.get("/review").text
        assert f'id="match-{ids.acme_alert}"' in queue  # still in the queue
        assert "Dismissal asked by rita (token 1): waiting for a second reviewer." in queue
        again = first.post(f"/review/matches/{ids.acme_alert}", data=form)
        assert again.status_code == 409
    finally:
        first.close()
    other, csrf = _session(base, second)
    try:
        form = {"decision": "dismiss", "csrf": csrf}
        assert other.post(f"/review/matches/{ids.acme_alert}", data=form).status_code == 303
        assert f'id="match-{ids.acme_alert}"' not in other.get("/review").text
    finally:
        other.close()
    actions = [e.action for e in audit.trail(store, f"match:{ids.acme_alert}")]
    assert actions == ["match.dismiss_requested", "match.dismiss"]
