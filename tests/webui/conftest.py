"""The web pages in a real browser: Debian's headless chromium driven by selenium, against
the gateway and every service running on their own vhost and databases, with the demo county
(scaled down) loaded through the services. Each page visited is saved as a screenshot in
`.run/screenshots/` (look at them: that is what people will see)."""
import os
import re
import shutil
import uuid

import pytest

from gateway.demo import spec
from gateway.demo.steps import Demo, load
from tests.gateway.support import World

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHOTS = os.path.join(ROOT, ".run", "screenshots")
PHONE = (390, 844)
DESKTOP = (1366, 900)
SETTINGS = dict(GATEWAY_LOGIN_IP_MAX_FAILURES=1000)


def _chromium():
    return shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="session")
def demo_world(rabbit_admin, mongo_uri):
    vhost = "care-test-web-{}".format(uuid.uuid4().hex[:10])
    rabbit_admin.create_vhost(vhost)
    world = World(rabbit_admin.uri(vhost), mongo_uri, **SETTINGS)
    try:
        load(Demo(world.rpc, world.accounts, log=lambda line: None, scale=0.2))
        yield world
    finally:
        world.stop()
        rabbit_admin.delete_vhost(vhost)


class Browser:
    """A headless chromium at one window size; `visit`/`shot` save what it shows."""

    def __init__(self, driver, base, prefix):
        self.driver = driver
        self.base = base
        self.prefix = prefix
        self.count = 0

    def get(self, path):
        self.driver.get(self.base + path)
        return self

    def shot(self, name):
        self.count += 1
        os.makedirs(SHOTS, exist_ok=True)
        name = "{}-{:02d}-{}.png".format(self.prefix, self.count, re.sub(r"[^a-z0-9_-]", "_",
                                                                          name))
        # the whole page, not only the window: the screenshot shows everything on it
        width = self.driver.execute_script("return document.documentElement.clientWidth")
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        size = self.driver.get_window_size()
        self.driver.set_window_size(size["width"], max(size["height"], min(height + 140, 6000)))
        self.driver.save_screenshot(os.path.join(SHOTS, name))
        self.driver.set_window_size(size["width"], size["height"])
        return width

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self):
        return self.find("body").text

    def fill(self, name, value):
        field = self.find('[name="{}"]'.format(name))
        field.clear()
        field.send_keys(value)

    def click(self, css_or_element):
        """Click, then wait for the next page (a click returns before it has loaded)."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait
        element = self.find(css_or_element) if isinstance(css_or_element, str) \
            else css_or_element
        old = self.find("html")
        element.click()
        WebDriverWait(self.driver, 60).until(expected_conditions.staleness_of(old))
        WebDriverWait(self.driver, 60).until(lambda d: d.execute_script(
            "return document.readyState") == "complete")

    def submit(self, css="button.primary"):
        self.click(css)

    def no_horizontal_scroll(self):
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")

    def login(self, username, password=spec.PASSWORD):
        self.get("/login")
        self.fill("username", username)
        self.fill("password", password)
        self.submit()


@pytest.fixture
def browser(demo_world, request):
    """browser(width, height, prefix) -> Browser; quit at the end of the test."""
    chromium, chromedriver = _chromium()
    if not (chromium and chromedriver):
        pytest.fail("Debian chromium and chromium-driver are needed (infra/local/bootstrap.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    drivers = []

    def make(size=PHONE, prefix=None, downloads=None):
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--disable-gpu", "--lang=zh-CN", "--hide-scrollbars",
                    "--window-size={},{}".format(*size), "--force-device-scale-factor=1"):
            options.add_argument(arg)
        options.add_experimental_option("prefs", dict(
            {"intl.accept_languages": "zh-CN,zh"}, **({
                "download.default_directory": downloads, "download.prompt_for_download": False}
                if downloads else {})))
        # the browser's own words (date pickers) in Chinese, as on the users' phones
        service = Service(chromedriver, env=dict(os.environ, LANGUAGE="zh_CN", LANG="zh_CN.UTF-8"))
        driver = webdriver.Chrome(service=service, options=options)
        driver.set_window_size(*size)
        driver.set_page_load_timeout(60)
        if downloads:  # headless chromium saves downloads only when told where
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
                "behavior": "allow", "downloadPath": downloads})
        drivers.append(driver)
        return Browser(driver, demo_world.base, prefix or request.node.name)

    yield make
    failed = getattr(request.node, "rep_call", None)
    for index, driver in enumerate(drivers):
        if failed is not None and failed.failed:  # what the browser showed when it failed
            os.makedirs(SHOTS, exist_ok=True)
            driver.save_screenshot(os.path.join(SHOTS, "FAILED-{}-{}.png".format(
                request.node.name, index)))
        driver.quit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report
