"""A teacher on her phone (390×844): logs in, sees her children, logs a home visit in one
form (a wrong field is answered in Chinese beside it and nothing typed is lost) and finds it
in the child's timeline."""
from tests.webui.conftest import PHONE

NOTES = "家访：奶奶说孩子最近按时睡觉，作业认真。"


def test_teacher_logs_a_home_visit_and_finds_it_in_the_timeline(browser):
    b = browser(PHONE, "teacher")
    b.login("teacher")
    assert b.driver.current_url.endswith("/")
    cards = b.find_all("article.child")
    assert cards, b.text()
    assert "我的孩子" in b.text() and "最近联系" in b.text()
    assert b.no_horizontal_scroll()
    b.shot("home")

    name = cards[0].find_element("css selector", "h3 a").text
    b.click(cards[0].find_element("css selector", 'a[href$="kind=home_visit"]'))
    assert "记录关爱" in b.text() and name in b.text()
    assert b.find('input[name="kind"][value="home_visit"]').is_selected()
    b.shot("contact-form")

    b.fill("duration_minutes", "5000")      # over a day: refused beside the field
    b.fill("notes", NOTES)
    b.fill("follow_ups.0.action", "下周电话问问父亲")
    b.submit()
    error = b.find("#duration_minutes-error")
    assert "1440" in error.text
    assert b.find('textarea[name="notes"]').get_attribute("value") == NOTES
    assert b.find('input[name="follow_ups.0.action"]').get_attribute("value") == "下周电话问问父亲"
    assert b.no_horizontal_scroll()
    b.shot("contact-rejected")

    b.fill("duration_minutes", "45")
    b.find('input[name="wellbeing"][value="4"]').click()  # same page: no wait
    b.fill("follow_ups.0.action", "")
    b.submit()
    assert "/children/" in b.driver.current_url and "done=contact" in b.driver.current_url
    assert "关爱记录已保存" in b.text()
    # other tests share the demo child: find this visit among the entries, once
    items = [li.text for li in b.find_all("ol.timeline li")]
    mine = [text for text in items if NOTES in text]
    assert len(mine) == 1 and "家访" in mine[0] and "45 分钟" in mine[0], items
    assert b.no_horizontal_scroll()
    b.shot("child-timeline")
