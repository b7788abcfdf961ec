"""A grid worker on a phone, in a real browser (Debian's Chromium, driven by Playwright): logs in, lists the
residents of their grid, searches for someone of another grid, opens a resident and sees only masked numbers.

Runs against pytest-django's live server, on data from the demo loader at a small scale. Skipped only on a
developer machine without /usr/bin/chromium; in CI (CI set) a missing browser fails the test.
"""

import io
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path("test-results")
PHONE = {"width": 390, "height": 844}
MASKED_ID = re.compile(r"\d{6}\*{8}[\dX]{4}")
MASKED_PHONE = re.compile(r"1\d{2}\*{4}\d{4}")
# A clear number anywhere in the page text: 18-character ID or 11-digit mobile, not inside a longer number.
CLEAR_NUMBER = re.compile(r"(?<![\dX*])(\d{17}[\dX]|1\d{10})(?![\dX*])")

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed (apt-get install chromium); required in CI"),
    # The live server answers from another thread: it must see committed data. Not serialized_rollback: after a
    # transactional test without it, Django's flush has re-created the content types it would reload (a duplicate
    # key, depending on the order tests run in); the division tree is loaded again by ensure_divisions instead.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def demo(transactional_db):
    from banyan.core.testing import ensure_divisions
    from banyan.demo.build import demo_load

    ensure_divisions()
    demo_load(scale=0.01, out=io.StringIO())  # its accounts table and counts are for people, not for the log


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM reads between browser steps
    # are ordinary synchronous code, which Django would otherwise refuse to run beside a loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--headless", "--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        yield browser
        browser.close()


def listed_ids(page) -> list[int]:
    hrefs = page.locator("#results table.records tbody th[scope=row] a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return [int(m[1]) for h in hrefs if (m := re.fullmatch(r"/residents/(\d+)/", h))]


def test_grid_worker_sees_their_grid_on_a_phone(demo, browser, live_server):
    from django.contrib.auth import get_user_model

    from banyan.core.pii import pii_reveal
    from banyan.core.views import PAGE_SIZE
    from banyan.people.models import Resident

    worker = get_user_model().objects.get(username="luohu-grid")
    mine = Resident.objects.visible_to(worker).order_by(*Resident._meta.ordering, "pk")
    assert mine.exists(), "the demo gave the grid worker no residents"

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "luohu-grid")
    page.fill("input[name=password]", "banyan-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))

    # The list is exactly the first page of what the access door gives this user, in the same order.
    page.goto(f"{live_server.url}/residents/")
    shown = listed_ids(page)
    assert shown, "the residents list is empty"
    assert shown == list(mine.values_list("pk", flat=True)[: len(shown)])
    assert len(shown) == min(mine.count(), PAGE_SIZE)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "grid-worker-residents-390x844.png"), full_page=False)

    # Someone of another grid (whose name no resident of this grid shares) is not found by name.
    names = set(mine.values_list("name", flat=True))
    stranger = Resident.objects.exclude(pk__in=mine.values("pk")).exclude(name__in=names).order_by("pk").first()
    assert stranger is not None, "the demo has no resident outside the grid worker's grid"
    page.fill("input[name=q]", stranger.name)
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    page.wait_for_load_state("networkidle")
    assert stranger.pk not in listed_ids(page)
    assert stranger.name not in page.locator("#results").inner_text()

    # A resident's page shows the masked ID and phone numbers, and no clear number at all.
    resident = mine.exclude(id_number_enc="").exclude(phone_enc="").first()
    assert resident is not None, "the demo gave the grid worker no resident with both numbers"
    page.goto(f"{live_server.url}/residents/{resident.pk}/")
    text = page.locator("body").inner_text()
    html = page.content()
    assert MASKED_ID.search(text), "no masked ID number on the resident's page"
    assert MASKED_PHONE.search(text), "no masked phone number on the resident's page"
    assert not CLEAR_NUMBER.search(text), f"a clear number on the page: {CLEAR_NUMBER.search(text)[0]}"
    for name in ("id_number", "phone"):
        assert pii_reveal(resident, name) not in html
    page.screenshot(path=str(SCREENSHOTS / "grid-worker-resident-390x844.png"), full_page=False)
    context.close()
