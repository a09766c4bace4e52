#!/usr/bin/env python3
"""The dashboard in Chromium, driven by Selenium; run by Scripts/dashboard_browser.sh.

Each check compares what the browser shows with what the CLI says about the same store, and
every page is loaded with the browser's console and network watched. Exits 1 on the first
failed check, naming it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PAGES = [
    ("overview", "/app"), ("rfm", "/app/rfm"), ("rfm-cell", "/app/rfm/cell?r=5&f=5"), ("cohorts", "/app/cohorts"),
    ("segments", "/app/segments?expression=orders.count%20%3E%3D%202"), ("flows", "/app/flows"),
    ("flow", "/app/flows/welcome"), ("customer", "/app/customers/1"), ("customers", "/app/customers"),
]


class Check:
    def __init__(self):
        self.passed = 0

    def __call__(self, condition, what):
        if not condition:
            print(f"dashboard: FAILED: {what}", file=sys.stderr)
            sys.exit(1)
        self.passed += 1


def main():
    parser = argparse.ArgumentParser()
    for name in ("url", "patron", "db", "read-key", "admin-key", "secret", "screenshots"):
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()
    check = Check()

    def cli(*arguments):
        return subprocess.run([args.patron, *arguments, "--db", args.db], check=True, capture_output=True,
                              text=True).stdout

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 10)
    try:
        def problems():
            """Console errors and failed requests since the last call."""
            found = [f"console: {e['message']}" for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            for entry in driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                if message["method"] == "Network.loadingFailed" and not message["params"].get("canceled"):
                    found.append(f"request failed: {message['params'].get('errorText')}")
                if message["method"] == "Network.responseReceived":
                    response = message["params"]["response"]
                    if response["status"] >= 400 and "/segments/count" not in response["url"]:
                        found.append(f"request {response['url']}: {response['status']}")
            return found

        def sign_in(key):
            driver.get(args.url + "/app")
            wait.until(EC.url_contains("/app/login"))
            field = driver.find_element(By.ID, "key")
            field.send_keys(key)
            field.submit()
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "header nav")))

        def sign_out():
            driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
            wait.until(EC.url_contains("/app/login"))

        def fetch(path, method="GET", body=None):
            """A request from the page (its cookie): the status and text."""
            return driver.execute_async_script(
                """const [path, method, body, done] = arguments;
                fetch(path, {method, body, credentials: "same-origin",
                  headers: body ? {"Content-Type": "application/x-www-form-urlencoded"} : {}})
                  .then(async r => done([r.status, await r.text()])).catch(e => done([0, String(e)]));""",
                path, method, body)

        # Sign in through the form; every page loads with no console error and no failed request.
        sign_in(args.read_key)
        check(driver.current_url.endswith("/app"), f"signed in lands on the overview ({driver.current_url})")
        cookie = driver.get_cookie("patron_session")
        check(cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict", f"session cookie {cookie}")
        problems()
        for name, path in PAGES:
            driver.get(args.url + path)
            wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
            found = problems()
            check(not found, f"{path}: {found}")
            check("Internal Server Error" not in driver.title, f"{path}: {driver.title}")
            driver.save_screenshot(os.path.join(args.screenshots, f"{name}.png"))
        # The overview shows the predicted CLV that `patron predict fit --save` stored.
        driver.get(args.url + "/app")
        kpis = driver.find_element(By.CSS_SELECTOR, "dl.kpis").text
        check("Predicted CLV (12 months)" in kpis and "mean of 0 customers" not in kpis,
              f"the overview shows the predicted CLV: {kpis[-200:]!r}")

        # The customer page shows the scores of the snapshot `patron rfm --save` wrote.
        driver.get(args.url + "/app/customers/1")
        facts = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=scores]").text
        check("rfm.segment" in facts and "rfm.r" in facts, f"the customer's RFM scores are shown: {facts[:200]!r}")
        driver.set_window_size(390, 844)  # a phone
        driver.get(args.url + "/app/rfm")
        wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 400, f"the RFM page fits a phone's width (scroll width {width})")
        driver.save_screenshot(os.path.join(args.screenshots, "rfm-phone.png"))
        driver.set_window_size(1280, 1000)

        # The RFM grid's cells equal `patron rfm`'s.
        summary = json.loads(cli("rfm", "--format", "json"))
        driver.get(args.url + "/app/rfm")
        shown = {}
        for row in driver.find_elements(By.CSS_SELECTOR, "#rfm-grid tbody tr"):
            shown[(int(row.get_attribute("data-r")), int(row.get_attribute("data-f")))] = int(
                row.find_elements(By.TAG_NAME, "td")[2].text)
        expected = {(cell["r"], cell["f"]): cell["customers"] for cell in summary["grid"]}
        check(shown == expected, f"RFM grid: the page shows {shown}, patron rfm says {expected}")

        # A cell's export equals `patron segment export` of that cell (the snapshot saved today).
        r, f = max(expected, key=lambda cell: expected[cell])
        status, csv = fetch(f"/app/rfm/cell.csv?r={r}&f={f}")
        reference = cli("segment", "export", f"rfm.r = {r} and rfm.f = {f}", "--format", "csv")
        check(status == 200, f"cell export status {status}")
        check(csv.strip() == reference.strip(),
              f"cell R{r} F{f}: the export ({len(csv.splitlines())} lines) differs from patron segment export "
              f"({len(reference.splitlines())} lines)")

        # The live count equals `patron segment count`, and an error shows in place.
        driver.get(args.url + "/app/segments")
        area = driver.find_element(By.ID, "expression")
        expression = "orders.count >= 3 and rfm.recency_days < 400"
        area.send_keys(expression)
        count = WebDriverWait(driver, 10).until(
            lambda d: d.find_elements(By.ID, "segment-count") and d.find_element(By.ID, "segment-count").text)
        reference = cli("segment", "count", expression).strip().split()[0]
        check(count == reference, f"live count {count}, patron segment count {reference}")
        area.clear()
        area.send_keys("orders.cout > 1")
        error = WebDriverWait(driver, 10).until(
            lambda d: d.find_elements(By.ID, "segment-error") and d.find_element(By.ID, "segment-error").text)
        check("1:1" in error and "orders.count" in error, f"the error is positioned, with a suggestion: {error}")

        # A read key cannot pause: no button, and a forged post is refused; without a token too.
        driver.get(args.url + "/app/flows")
        check(not driver.find_elements(By.CSS_SELECTOR, "form[action$='/pause']"), "a reader sees no pause button")
        token = driver.find_element(By.CSS_SELECTOR, "form.signout input[name=csrf]").get_attribute("value")
        status, _ = fetch("/app/flows/welcome/pause", "POST", "csrf=" + token)
        check(status == 403, f"a reader's pause is refused ({status})")
        sign_out()

        # An admin pauses a flow; `patron campaigns list` shows it; a post without a token is refused.
        sign_in(args.admin_key)
        status, _ = fetch("/app/flows/welcome/pause", "POST", "")
        check(status == 403, f"a pause without a CSRF token is refused ({status})")
        driver.get(args.url + "/app/flows")
        driver.find_element(By.CSS_SELECTOR, "form[action='/app/flows/welcome/pause'] button").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
        listing = cli("campaigns", "list")
        line = next((l for l in listing.splitlines() if "welcome" in l), "")
        check("paused" in line, f"patron campaigns list shows the pause: {line!r}")
        driver.save_screenshot(os.path.join(args.screenshots, "flows-paused.png"))

        # HTML in a customer's name and tags runs nowhere (stored through the API).
        script = '<script>alert("x")</script>'
        status, _ = fetch_api(args.url, args.admin_key, {
            "source": "browser", "id": "evil", "first_name": script, "last_name": "<img src=x onerror=alert(1)>",
            "tags": [script]})
        check(status == 201, f"the customer with HTML was stored ({status})")
        driver.get(args.url + "/app/customers?q=browser:evil")
        wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
        try:
            driver.switch_to.alert
            check(False, "a script stored in a customer's name ran")
        except NoAlertPresentException:
            pass
        driver.save_screenshot(os.path.join(args.screenshots, "customer-escaped.png"))
        heading = driver.find_element(By.TAG_NAME, "h1").text
        check(script in heading, f"the name is shown as text: {heading!r}")

        # An expired session goes back to sign-in (a cookie signed with the server's secret, past its expiry).
        nonce = os.urandom(16).hex()
        key_hash = hashlib.sha256(args.read_key.encode()).hexdigest()
        body = f"{int(time.time()) - 60}.{nonce}.{key_hash}"
        mac = base64.urlsafe_b64encode(hmac.new(args.secret.encode(), ("session|" + body).encode(),
                                                hashlib.sha256).digest()).decode().rstrip("=")
        driver.delete_cookie("patron_session")
        driver.add_cookie({"name": "patron_session", "value": body + "." + mac, "path": "/app"})
        driver.get(args.url + "/app/rfm")
        wait.until(EC.url_contains("/app/login"))
        check("expired" in driver.find_element(By.CSS_SELECTOR, "p.notice").text, "the sign-in page says why")
        driver.save_screenshot(os.path.join(args.screenshots, "login.png"))
        print(f"dashboard: {check.passed} checks passed in Chromium; screenshots in {args.screenshots}")
    finally:
        driver.quit()


def fetch_api(url, key, body):
    import urllib.request
    request = urllib.request.Request(url + "/v1/customers", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


if __name__ == "__main__":
    main()
