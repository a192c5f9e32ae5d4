from tests.webui.conftest import PHONE


def test_smoke(browser):
    b = browser(PHONE, "smoke")
    b.login("teacher")
    b.shot("home")
    print(b.driver.current_url, b.text()[:500])
