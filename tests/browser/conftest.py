"""Browser tests: Debian's Chromium driven by Playwright for Python.

Never downloads a browser. Skipped, with instructions, where /usr/bin/chromium
is missing. Each page visited can be checked with axe-core (from node_modules).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(
        reason=f"Browser tests need Chromium at {CHROMIUM}: install it with `sudo apt-get install chromium` "
        "(or set CHROMIUM_PATH)."
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread while it is open; Django's
    # ORM calls from the test body are still synchronous and safe here. The browser is
    # closed after each module so that loop never reaches the next (non-browser) module
    # in this process: the test client cannot run an async view (the readiness probe)
    # while a loop is running in its thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    # The portal's content security policy forbids inline scripts; axe is injected as one.
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# 'region' is on: GOV.UK places the back link before <main>; here it sits in its own navigation
# landmark, so all content is inside one. Only the violations are read: axe gathers every node of
# them and, with resultTypes, one of each passing or inapplicable rule instead of all (a fifth of
# the time on these pages, the same violations), and only they are sent back from the browser.
# The first run leaves out the CSS selector of each node (a tenth of a run's time, and a clean
# page has no node to name); only a page with violations is checked again with them, so that a
# failure names the elements.
_AXE_RUN = """async () => {
  const options = {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
    resultTypes: ['violations'],
  };
  const quick = await axe.run(document, {...options, selectors: false});
  return quick.violations.length ? (await axe.run(document, options)).violations : [];
}"""


def axe_violations(page) -> list[dict]:
    """Run axe-core on the current page and return its violations (WCAG 2.2 A/AA and best practice).

    A test should first wait for the page it means to check (its heading, its URL): a click
    returns once the navigation has started, not when the next page is there. Should a
    navigation still be under way, its blank document refuses the script; the check then
    waits for the page to load and runs once more on it.
    """
    for attempt in (1, 2):
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("() => typeof axe !== 'undefined'"):
                page.add_script_tag(path=str(AXE))
            violations = page.evaluate(_AXE_RUN)
            break
        except PlaywrightError as error:
            navigating = "Execution context was destroyed" in error.message or "appendChild" in error.message
            if attempt == 2 or not navigating:
                raise
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in violations
    ]


def sign_in(page, live_server, username: str, password: str, device) -> None:
    """Sign in through the real login pages: password, then the app's current code."""
    from tests.conftest import fresh_code

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(fresh_code(device))
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    """Sign out and wait for the sign-in page, so the next navigation cannot cancel the sign-out."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/account/login/**")


def open_section(page, name: str) -> None:
    """Open a long page's section by its tab (with JavaScript off, the tab is a link to the section)."""
    page.locator(".govuk-tabs__tab", has_text=name).click()
