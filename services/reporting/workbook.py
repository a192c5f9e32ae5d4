"""The 统计表 (.xlsx, openpyxl): a fixed layout, Chinese headers, rows that add up.

School workbook                          County workbook
  汇总       key figures (项目 | 数量)        汇总        key figures
  分班统计   one row per class + 合计         分乡镇统计  one row per township + 合计
  活动明细   one row per activity + 合计      分学校统计  one row per school (乡镇 column) + 合计
                                            活动明细    one row per activity + 合计
Every 合计 row equals the column's sum, and the 汇总 figures of the same name equal it.
"""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reporting import vocabulary as v
from reporting.tables import COLUMNS

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DDEBF7")
TOTAL_LABEL = "合计"


def summary_items(f):
    """(项目, 数量) of the 汇总 sheet, in order; names match the breakdown's headers where
    both have the figure."""
    c, p, k = f["children"], f["pairing"], f["contacts"]
    items = [("留守儿童数", c["total"])]
    items += [(v.LEFT_BEHIND_TYPES[t], c["by_type"].get(t, 0)) for t in v.LEFT_BEHIND_TYPES]
    items += [("男", c["by_gender"].get("male", 0)), ("女", c["by_gender"].get("female", 0))]
    items += [("在校学生数", c["enrolment"] if c["enrolment"] is not None else "未登记"),
              ("留守儿童占在校生比例（%）", c["share_percent"] if c["share_percent"] is not None
               else "—"),
              ("监护人老弱病残", c["guardian_weak"]), ("家庭困难", c["hardship"]),
              ("本期新增", f["movement"]["joined"]), ("本期减少", f["movement"]["left"]),
              ("已建档案", f["files"]["files"]), ("已建联系卡", f["files"]["with_contact_card"]),
              ("应结对帮扶教师（范围内）", p["mentor_eligible"]),
              ("范围内已有帮扶教师", p["mentored_eligible"]),
              ("有帮扶教师", p["mentored"]), ("有手拉手好朋友", p["with_buddy"]),
              ("有代理家长", p["with_proxy_parent"]), ("结对帮扶教师人数", p["teachers_mentoring"]),
              ("联系次数", k["total"])]
    items += [("其中" + v.CARE_KINDS[kind], k["by_kind"].get(kind, 0)) for kind in v.CARE_KINDS
              if k["by_kind"].get(kind)]
    items += [("联系到的儿童", k["children_reached"]),
              ("14天未联系", k["no_contact_14_days"]), ("30天未联系", k["no_contact_30_days"]),
              ("成长日记篇数", f["diary"]["entries"]), ("开展活动次数", f["activities"]["held"]),
              ("留守儿童参加人次", f["activities"]["left_behind_attendance"]),
              ("值日次数", f["duty"]["sessions"]),
              ("受资助儿童", f["aid"]["children"]), ("资助金额（元）", f["aid"]["money_yuan"]),
              ("物资折合（元）", f["aid"]["goods_value_yuan"]),
              ("儿童获奖", sum(f["awards"]["child_by_level"].values())),
              ("教师获奖", sum(f["awards"]["staff_by_level"].values())),
              ("发送提醒", f["reminders"]["sent"]), ("其中逾期未联系提醒", f["reminders"]["overdue"])]
    return items


def _title(ws, title, f, width):
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    period = f["period"]
    ws.append(["统计范围：{}　统计期间：{} 至 {}　截至：{}".format(
        f["scope"]["name"], period["from"], period["to"], period["as_of"])])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def _table(ws, headers, rows, total=None):
    ws.append(headers)
    header_row = ws.max_row
    for row in rows:
        ws.append(row)
    if total is not None:
        ws.append(total)
    for line in ws.iter_rows(min_row=header_row, max_row=ws.max_row):
        for cell in line:
            cell.border = BOX
    for cell in ws[header_row]:
        cell.font, cell.fill = Font(bold=True), HEAD
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    if total is not None:
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for index in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 14 if index > 1 else 22
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)


def _breakdown_sheet(wb, title, f, table, first_headers, first_values):
    ws = wb.create_sheet(title)
    headers = first_headers + [label for _, label in COLUMNS]
    _title(ws, "{}{}".format(f["scope"]["name"], title), f, len(headers))
    rows = [first_values(r) + [r[key] for key, _ in COLUMNS] for r in table["rows"]]
    total = [TOTAL_LABEL] + [""] * (len(first_headers) - 1) + [table["total"][k] for k, _ in
                                                              COLUMNS]
    _table(ws, headers, rows, total)


def _activity_sheet(wb, f):
    ws = wb.create_sheet("活动明细")
    _title(ws, "{}活动明细".format(f["scope"]["name"]), f, 5)
    examples = f["activities"]["examples"]
    rows = [[a["held_on"], v.label(v.ACTIVITY_KINDS, a["kind"]), a["title"],
             a.get("sub_theme") or "", a["left_behind_present"]] for a in examples]
    _table(ws, ["日期", "类别", "活动名称", "子主题", "留守儿童参加人次"], rows,
           [TOTAL_LABEL, "", "{} 次".format(len(rows)), "",
            sum(a["left_behind_present"] for a in examples)])
    ws.column_dimensions["C"].width = 30


def build(f, tables_by_level):
    """The workbook's bytes. `tables_by_level`: {"class"|"township"|"school": breakdown}."""
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _title(ws, "{}关爱留守儿童工作统计表".format(f["scope"]["name"]), f, 2)
    _table(ws, ["项目", "数量"], [list(item) for item in summary_items(f)])
    ws.column_dimensions["A"].width = 30
    if f["scope"]["type"] == "county":
        _breakdown_sheet(wb, "分乡镇统计", f, tables_by_level["township"], ["乡镇"],
                         lambda r: [r["name"]])
        _breakdown_sheet(wb, "分学校统计", f, tables_by_level["school"], ["学校", "乡镇"],
                         lambda r: [r["name"], r.get("township_name", "")])
    else:
        _breakdown_sheet(wb, "分班统计", f, tables_by_level["class"], ["班级"],
                         lambda r: [r["name"]])
    _activity_sheet(wb, f)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
