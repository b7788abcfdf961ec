"""A resident's concern travels the whole chain in a real browser (Debian's Chromium, driven by Playwright): the QR
form on a phone → the tracking code → the secretary dispatches → the grid worker signs and replies → the resident
rates the reply. And a case whose deadline passes is escalated by the worker's sweep on its own, seen on its page.

Runs against pytest-django's live server. Skipped only on a developer machine without /usr/bin/chromium; in CI
(CI set) a missing browser fails the test.
"""

import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone

from banyan.accounts.roles import Role
from banyan.core.testing import PASSWORD, GridFactory, UnitFactory, community, ensure_divisions, make_user, town

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path("test-results")
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed (apt-get install chromium); required in CI"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def place(transactional_db):
    ensure_divisions()
    donglian = community("东联")
    grid = GridFactory(community=donglian, name="拾陈网格")
    secretary = make_user(Role.COMMUNITY_SECRETARY, donglian, username="chain-secretary")
    worker = make_user(Role.GRID_WORKER, grid, username="chain-grid")
    unit = UnitFactory(community=donglian, grid=grid, kind="grid", name="拾陈网格工作站")
    unit.members.add(worker)
    return {"community": donglian, "grid": grid, "unit": unit, "secretary": secretary, "worker": worker,
            "office": UnitFactory(community=donglian, name="东联社区办公室"),
            "town": UnitFactory(community=None, town=town("丹灶镇"), kind="town_department", name="丹灶镇综治中心")}


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--headless", "--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        yield browser
        browser.close()


def phone(browser):
    return browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                               locale="zh-CN").new_page()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def take_step(page, step: str, fields: dict | None = None) -> None:
    """Open a step's fold-out on the case page, fill its fields (named `<step>-<field>`), send it."""
    block = page.locator(f"#step-{step}")
    block.locator("summary").click()
    for name, value in (fields or {}).items():
        field = block.locator(f"[name='{step}-{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    block.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_concern_travels_the_whole_chain_in_a_browser(place, browser, live_server):
    from banyan.cases.models import Case, CaseState

    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url
    resident = phone(browser)
    resident.goto(f"{base}/r/{place['community'].code}/")
    resident.fill("#id_description", "村前路一直没有路灯，晚上很黑，有没有办法解决？")
    resident.fill("#id_address", "村前路口")
    resident.click("button.public-submit")
    resident.wait_for_url(re.compile(r"/t/[A-Z0-9]+/"))
    code = resident.locator(".code-big").inner_text().strip()
    resident.screenshot(path=str(SCREENSHOTS / "case-tracking-code.png"), full_page=True)
    case = Case.objects.get(tracking_code=code)
    assert case.community == place["community"] and case.state == CaseState.RECEIVED

    secretary = phone(browser)
    log_in(secretary, base, "chain-secretary")
    assert code in secretary.locator("main").inner_text()  # the to-do list on the home page
    secretary.goto(f"{base}/cases/{case.pk}/")
    take_step(secretary, "dispatch", {"unit": str(place["unit"].pk)})
    assert Case.objects.get(pk=case.pk).state == CaseState.DISPATCHED

    worker = phone(browser)
    log_in(worker, base, "chain-grid")
    worker.goto(f"{base}/cases/{case.pk}/")
    take_step(worker, "accept")
    take_step(worker, "reply", {"reply": "已报镇街，路灯下月安装。"})
    worker.screenshot(path=str(SCREENSHOTS / "case-timeline.png"), full_page=True)
    timeline = worker.locator("main").inner_text()
    for step in ("受理", "派单", "签收办理", "答复"):
        assert step in timeline, step
    assert Case.objects.get(pk=case.pk).state == CaseState.REPLIED

    resident.goto(f"{base}/t/{code}/")
    assert "已报镇街，路灯下月安装。" in resident.locator("main").inner_text()
    resident.locator("label.rate-choice", has_text="满意").first.click()
    resident.locator(".public-rate button[type=submit]").click()
    resident.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWED_UP and case.satisfaction == Case.Satisfaction.SATISFIED
    page_text = resident.locator("body").inner_text()
    assert "chain-secretary" not in page_text and "chain-grid" not in page_text  # no staff names either


def test_a_passed_deadline_is_escalated_by_the_worker_on_its_own(place, browser, live_server):
    from banyan.cases import services
    from banyan.cases.models import Case
    from banyan.cases.tasks import deadlines_every

    case = services.case_dispatch(
        case=services.case_receive(by=place["secretary"], community=place["community"], grid=place["grid"],
                                   channel="phone", description="垃圾清运不及时，气味很大"),
        unit=place["unit"], by=place["secretary"])
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    stop = deadlines_every(0.3)  # the worker's own loop, as `banyan worker` runs it
    try:
        deadline = time.monotonic() + 20
        while Case.objects.get(pk=case.pk).escalations == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop()
    case.refresh_from_db()
    assert case.escalations == 1 and case.unit == place["office"]
    page = phone(browser)
    log_in(page, live_server.url, "chain-secretary")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    text = page.locator("main").inner_text()
    assert "超过办理期限，自动上报。" in text and "东联社区办公室" in text
