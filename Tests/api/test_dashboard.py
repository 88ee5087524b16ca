"""The operator dashboard at /ui, in a real browser (headless Debian Chromium through
Selenium) against a real `continuum serve`: live counters and the last-requests table show
requests sent with the openai client, the playground streams an answer and fills in where it
went and how fast, and with keys the page asks for one and tells an inference-only key apart
from an admin key. Screenshots go to .build/test-screenshots/<run>/ (printed)."""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import BINARY, MODEL_NAME, ROOT, Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = ROOT / ".build" / "test-screenshots" / time.strftime("dashboard-%Y%m%d-%H%M%S")

needs_browser = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not os.environ.get("CI"),
    reason="chromium/chromedriver not installed (scripts/install-browser.sh); required when CI is set")


def test_embedded_assets_are_fresh():
    """The binary serves ui/ as embedded by scripts/embed-ui.py: the generated Swift file
    must match the files."""
    out = subprocess.run([sys.executable, str(ROOT / "scripts/embed-ui.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_assets_types_cache_and_policy(server):
    with httpx.Client(base_url=server.url, timeout=30) as h:
        for path, kind in [("/ui", "text/html"), ("/ui/", "text/html"), ("/ui/index.html", "text/html"),
                           ("/ui/app.js", "text/javascript"), ("/ui/style.css", "text/css")]:
            r = h.get(path)
            assert r.status_code == 200, path
            assert r.headers["content-type"].startswith(kind), path
            assert r.headers["cache-control"] == "no-cache"
            csp = r.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert r.headers["x-content-type-options"] == "nosniff"
            again = h.get(path, headers={"if-none-match": r.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        assert h.get("/ui").text == (ROOT / "ui/index.html").read_text()
        missing = h.get("/ui/nope.js")
        assert missing.status_code == 404 and "nope.js" in missing.json()["error"]["message"]
        assert h.post("/ui").status_code == 405
        live = h.get("/ui/api/live")
        assert live.status_code == 200 and live.headers["cache-control"] == "no-store"
        assert {"traffic", "engines", "replicas"} <= live.json().keys()
        bad = h.get("/ui/api/usage", params={"by": "colour"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "by"
        unknown = h.get("/ui/api/requests", params={"limit": "5", "offset": "3"})
        assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "offset"
        assert h.get("/ui/api/requests", params={"limit": "0"}).status_code == 400


# MARK: in the browser

@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,2600"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SHOTS}")
    yield driver
    driver.quit()


def shot(driver, name):
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def text(driver, element_id):
    """The element's rendered text, read in one script: tables are rebuilt on every refresh,
    so an element handle can go stale between finding and reading it."""
    return driver.execute_script("return document.getElementById(arguments[0]).innerText", element_id)


def wait(driver, condition, timeout=30, what="condition"):
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: condition(d))
    except Exception:
        shot(driver, "failed-" + re.sub(r"\W+", "-", what))
        raise


def policy_violations(driver):
    """Console errors the page caused: a CSP violation, an uncaught exception (a refused
    request, 401/403, is logged too and expected in the key tests)."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]


@needs_browser
def test_page_shows_requests_sent_through_the_gateway(server, client, browser):
    ids, routes = [], set()
    for prompt in ["Say hello.", "Name a colour."]:
        raw = client.chat.completions.with_raw_response.create(
            model=MODEL_NAME, messages=[{"role": "user", "content": prompt}], max_tokens=8)
        ids.append(raw.headers["x-request-id"])
        routes.add(raw.headers["x-continuum-route"])
    browser.get(f"{server.url}/ui")
    wait(browser, lambda d: all(i in text(d, "recent-requests") for i in ids), what="request ids listed")
    history = text(browser, "recent-requests")
    for route in routes:
        assert route in history
    # The live counters: a row for the model on the device tier's local backend, at least 2 ok.
    wait(browser, lambda d: re.search(rf"{MODEL_NAME}\s+device\s+local\s+ok\s+(\d+)", text(d, "live-requests")), what="live counter")
    count = int(re.search(rf"{MODEL_NAME}\s+device\s+local\s+ok\s+(\d+)", text(browser, "live-requests")).group(1))
    assert count >= 2
    assert text(browser, "ttft-p50") != "–"
    assert "closed" in text(browser, "replicas") and "local" in text(browser, "engines")
    wait(browser, lambda d: MODEL_NAME in text(d, "usage-table"), what="usage table")
    assert policy_violations(browser) == []
    shot(browser, "live-and-history")


@needs_browser
def test_playground_streams_an_answer_and_shows_its_route(server, browser):
    from selenium.webdriver.support.select import Select

    browser.get(f"{server.url}/ui")
    wait(browser, lambda d: MODEL_NAME in [o.text for o in Select(d.find_element("id", "pg-model")).options], what="models listed")
    Select(browser.find_element("id", "pg-model")).select_by_value(MODEL_NAME)
    browser.find_element("id", "pg-max").clear()
    browser.find_element("id", "pg-max").send_keys("96")
    browser.find_element("id", "pg-prompt").send_keys("Write a short story about a cat who learns to sail.")
    browser.find_element("id", "pg-send").click()
    # The answer grows while it streams: several distinct lengths seen before it ends.
    lengths = []
    deadline = time.time() + 120
    while time.time() < deadline:
        n, streaming = browser.execute_script(
            "return [document.getElementById('pg-output').textContent.length, !document.getElementById('pg-stop').disabled]")
        if n and (not lengths or n != lengths[-1]):
            lengths.append(n)
        if not streaming and n:
            break
        time.sleep(0.05)
    assert len(lengths) >= 3, f"the answer did not grow over time: {lengths}"
    assert lengths == sorted(lengths)
    assert text(browser, "pg-tier") == "device"
    assert text(browser, "pg-backend") == "local"
    assert "only backend" in text(browser, "pg-route")
    assert re.fullmatch(r"\d[\d,]* ms", text(browser, "pg-ttft")), text(browser, "pg-ttft")
    assert re.match(r"\d[\d,.]* \(\d+ tokens\)", text(browser, "pg-tps")), text(browser, "pg-tps")
    assert text(browser, "pg-error") == ""
    request_id = text(browser, "pg-id")
    assert request_id.startswith("chatcmpl-")
    # The playground's own request reaches the ledger and the page's history, finished.
    # (Read in one script: the table is rebuilt every refresh, so element handles go stale.)
    row = "const r = document.querySelector(`#recent-requests tr[data-id='${arguments[0]}']`); return r ? r.textContent : ''"
    wait(browser, lambda d: "only backend" in d.execute_script(row, request_id), what="playground request listed")
    assert policy_violations(browser) == []
    browser.execute_script("window.scrollTo(0, 0)")
    good = shot(browser, "playground")
    if os.environ.get("CONTINUUM_UPDATE_SCREENSHOT"):
        shutil.copy(good, ROOT / "docs/images/dashboard.png")


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dashboard-keys")

    def create(name, *args):
        out = subprocess.run([str(BINARY), "keys", "create", name, *args, "--ledger", str(tmp / "ledger.sqlite")],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    secrets = {"user": create("user"), "admin": create("ops", "--admin")}
    s = Server(tmp)
    yield s, secrets
    s.stop()


def test_api_needs_an_admin_key_once_keys_exist(keyed_server):
    server, secrets = keyed_server
    with httpx.Client(base_url=server.url, timeout=30) as h:
        assert h.get("/ui").status_code == 200  # the page itself is open
        assert h.get("/ui/api/live").status_code == 401
        denied = h.get("/ui/api/requests", headers={"authorization": f"Bearer {secrets['user']}"})
        assert denied.status_code == 403 and "admin" in denied.json()["error"]["message"]
        assert h.get("/ui/api/usage", headers={"x-api-key": secrets["admin"]}).status_code == 200


@needs_browser
def test_page_asks_for_a_key_and_tells_a_non_admin_key(keyed_server, browser):
    server, secrets = keyed_server
    browser.get(f"{server.url}/ui")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{server.url}/ui")
    wait(browser, lambda d: d.find_element("id", "key-panel").is_displayed(), what="key asked")
    assert "API keys" in text(browser, "key-message")
    shot(browser, "key-asked")

    def use(secret):
        field = browser.find_element("id", "key-input")
        field.clear()
        field.send_keys(secret)
        browser.find_element("css selector", "#key-form button[type=submit]").click()

    use(secrets["user"])
    wait(browser, lambda d: "lacks the admin scope" in text(d, "key-message"), what="non-admin told")
    assert browser.find_element("id", "key-panel").is_displayed()
    assert text(browser, "live-requests") .count(MODEL_NAME) == 0
    # Its playground still works with the inference key: the models are listed.
    wait(browser, lambda d: d.find_element("id", "pg-model").get_attribute("value") == MODEL_NAME, what="models with user key")
    wait(browser, lambda d: text(d, "pg-error") == "", what="no stale playground error")
    shot(browser, "key-not-admin")

    use(secrets["admin"])
    wait(browser, lambda d: not d.find_element("id", "key-panel").is_displayed(), what="admin accepted")
    wait(browser, lambda d: MODEL_NAME in text(d, "replicas"), what="admin sees replicas")
    assert browser.execute_script("return sessionStorage.getItem('continuum-key')") == secrets["admin"]
    # Requests made with the admin key show up under it.
    raw = httpx.post(f"{server.url}/v1/chat/completions", headers={"authorization": f"Bearer {secrets['admin']}"},
                     json={"model": MODEL_NAME, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}, timeout=60)
    assert raw.status_code == 200
    wait(browser, lambda d: raw.headers["x-request-id"] in text(d, "recent-requests"), what="admin sees requests")
    row = "const r = document.querySelector(`#recent-requests tr[data-id='${arguments[0]}']`); return r ? r.innerText : ''"
    assert "(ops)" in browser.execute_script(row, raw.headers["x-request-id"])  # the key's label, not its secret
    assert secrets["admin"] not in browser.page_source
    assert policy_violations(browser) == []
    shot(browser, "key-admin")
