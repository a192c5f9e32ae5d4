"""A school admin on the school's computer: imports a roster with a wrong row and sees it
(row, column, reason), all-or-nothing first (nothing imported), then the valid rows only;
then runs the automatic pairing plan, reviews each pair with its reason and applies it."""
import csv
import io
from datetime import date

from carekit.testing.plugin import wait_for
from registry import roster
from registry.identity import compose_national_id
from tests.webui.conftest import DESKTOP

NEW = ["欧阳晓雨", "司马小川"]


def roster_csv(path):
    rows = []
    for index, name in enumerate(NEW + ["错号小明"]):
        national_id = compose_national_id("430124", date(2017, 2, 27), 901 + index,
                                          "female" if index == 0 else "male")
        if name == "错号小明":
            national_id = national_id[:-1] + ("0" if national_id[-1] != "0" else "1")
        rows.append({"姓名": name, "身份证号": national_id, "年级": "3", "班级": "1",
                     "留守类型": "父母均外出", "监护人姓名": "张桂英", "监护人关系": "祖母"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=roster.HEADERS)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def import_file(b, path, mode):
    b.find('input[name="file"]').send_keys(path)
    b.find('input[name="mode"][value="{}"]'.format(mode)).click()
    b.submit()
    return b.find("#import-result")


def test_school_admin_imports_a_roster_and_applies_a_pairing_plan(browser, demo_world, tmp_path):
    b = browser(DESKTOP, "school")
    b.login("school.admin")
    assert b.driver.current_url.endswith("/school")
    assert "花明楼镇中心小学" in b.text()
    b.shot("school-home")

    path = roster_csv(tmp_path / "roster.csv")
    b.get("/school/roster")
    b.shot("roster-form")
    result = import_file(b, path, "all_or_nothing")
    rejected = b.find_all("#rejected tbody tr")
    assert rejected and "身份证号" in rejected[0].text and "4" in rejected[0].text
    assert "一行也没有导入" in result.text
    b.shot("roster-rejected")

    result = import_file(b, path, "valid_rows_only")
    assert "写入 2 行" in result.text, result.text
    assert len(b.find_all("#rejected tbody tr")) >= 1
    b.shot("roster-valid-rows")

    school_id = demo_world.accounts.get("school.admin")["school_id"]

    def unpaired(kind):
        return {u.get("child_name") for u in demo_world.rpc.pairing.unpaired_children(
            {"school_id": school_id, "kind": kind, "limit": 200})["items"]}
    wait_for(lambda: set(NEW) <= unpaired("buddy"), timeout=30,
             message="pairing to know the new children")
    # 典型 children first: this county's mentors are for the children each class recommends
    b.get("/school")
    b.click(b.find_all("table tbody tr")[4].find_element("css selector", 'a[href$="/priority"]'))
    assert NEW[0] in b.text(), b.text()
    for box in b.find_all('input[name="child_ids"]'):
        if not box.is_selected():
            box.click()
    b.shot("priority")
    b.submit()
    assert "典型儿童已推荐" in b.text(), b.text()[:400]
    wait_for(lambda: set(NEW) <= unpaired("mentor"), timeout=30,
             message="the recommended children waiting for a mentor")
    b.get("/school/pairing")
    assert NEW[0] in b.text()
    b.shot("pairing")
    b.click("#propose")
    assert "/school/plans/" in b.driver.current_url
    pairs = b.find("#pairs").text
    assert NEW[0] in b.text() and NEW[1] in b.text()
    assert all(row.find_elements("css selector", "td")[3].text
               for row in b.find_all("#pairs tbody tr") if NEW[0] in row.text), pairs
    b.shot("plan-review")
    b.click("#apply")
    assert "结对方案已执行" in b.text()
    assert "已执行" in b.find("#plan-status").text or "applied" in b.find("#plan-status").text
    b.shot("plan-applied")
