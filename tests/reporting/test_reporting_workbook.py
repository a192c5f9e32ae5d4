"""The 统计表 read back with openpyxl: fixed sheets and headers, every 合计 row equals the sum
of its column, the sheets agree with each other and with the known answers."""
from io import BytesIO

from openpyxl import load_workbook

from reporting import figures, tables, workbook
from reporting.scopes import resolve
from tests.reporting.test_reporting_figures import PERIOD
from tests.reporting.test_reporting_summary import county  # noqa: F401  (fixture)

HEADERS = [label for _, label in tables.COLUMNS]
SAME = {"留守儿童数": "children.total", "已建联系卡": "files.with_contact_card",
        "联系次数": "contacts.total", "30天未联系": "contacts.no_contact_30_days",
        "成长日记篇数": "diary.entries", "开展活动次数": "activities.held",
        "留守儿童参加人次": "activities.left_behind_attendance",
        "受资助儿童": "aid.children", "资助金额（元）": "aid.money_yuan"}


def build(db, kind, ident):
    scope = resolve(db, kind, ident)
    f = figures.compute(db, scope, PERIOD)
    levels = ({"township": tables.breakdown(db, scope, PERIOD),
               "school": tables.breakdown(db, scope, PERIOD, level="school")}
              if kind == "county" else {"class": tables.breakdown(db, scope, PERIOD)})
    return load_workbook(BytesIO(workbook.build(f, levels)))


def summary_of(book):
    return {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=4, values_only=True)}


def table_of(sheet, first_columns):
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert list(header[first_columns:]) == HEADERS
    assert total[0] == "合计"
    columns = {}
    for index, name in enumerate(header[first_columns:], start=first_columns):
        column_sum = sum(r[index] for r in body)
        assert round(column_sum, 2) == total[index], (sheet.title, name)
        columns[name] = total[index]
    return columns, body


def agree(summary, totals, expected):
    for name, path in SAME.items():
        assert summary[name] == totals[name], name
        assert summary[name] == expected[path], name


def test_school_workbook(county):  # noqa: F811
    world, db = county
    book = build(db, "school", "s3")
    assert book.sheetnames == ["汇总", "分班统计", "活动明细"]
    assert book["汇总"]["A1"].value == "道林镇中心小学关爱留守儿童工作统计表"
    summary = summary_of(book)
    totals, rows = table_of(book["分班统计"], 1)
    agree(summary, totals, world.expected("school", "s3"))
    assert [r[0] for r in rows][:3] == ["三年级1班", "五年级1班", "五年级2班"]
    activities = list(book["活动明细"].iter_rows(min_row=4, values_only=True))
    assert activities[-1][4] == summary["留守儿童参加人次"]
    assert len(activities) - 1 == summary["开展活动次数"]


def test_county_workbook_sheets_add_up(county):  # noqa: F811
    world, db = county
    book = build(db, "county", "c1")
    assert book.sheetnames == ["汇总", "分乡镇统计", "分学校统计", "活动明细"]
    summary = summary_of(book)
    by_township, towns = table_of(book["分乡镇统计"], 1)
    by_school, schools = table_of(book["分学校统计"], 2)
    assert by_township == by_school
    agree(summary, by_township, world.expected("county", "c1"))
    assert [r[0] for r in towns] == ["花明楼镇", "道林镇"]
    assert [(r[0], r[1]) for r in schools] == [("花明楼镇中心小学", "花明楼镇"),
                                               ("花明楼镇第二小学", "花明楼镇"),
                                               ("道林镇中心小学", "道林镇")]
    t1 = world.expected("township", "t1")
    assert towns[0][1] == t1["children.total"] and towns[0][13] == t1["contacts.total"]
