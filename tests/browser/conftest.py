"""Real Chromium (Debian's package) driven by Playwright against a live server on loopback."""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import need

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_server(ctx):
    """The test app served on a free loopback port, with CSRF protection switched on."""
    ctx.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, ctx, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    ctx.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def browser():
    need(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")),
        f"browser tests need Debian's chromium at {CHROMIUM}",
    )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="es-MX", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for the closing notes (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
