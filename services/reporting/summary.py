"""The semester work summary (工作总结), written in Chinese like the seed summaries:

  一、基本情况 (摸清底数)   二、主要做法   三、取得的成效   四、存在的问题和下一步打算

`compose` turns the figures (and, for a school, the school's own paragraphs of the term) into
a list of blocks — heading, paragraph, table, chart — that render.py writes as .docx and
.pdf. Counts only: no child is ever named (award and activity titles are not people).
"""
from reporting import render
from reporting import vocabulary as v
from reporting.paragraphs import texts
from reporting.tables import breakdown
from reporting.terms import parse_term, term_label

WE = {"school": "我校", "class": "本班", "township": "全镇", "county": "全县"}
SECTIONS = ("一、基本情况", "二、主要做法", "三、取得的成效", "四、存在的问题和下一步打算")
MAX_EXAMPLES = 5


def _pct(value):
    return "—" if value is None else "{:g}%".format(value)


def _list(pairs, unit=""):
    """[("家访", 12), ...], "次" -> '家访12次、谈心8次' (zero counts left out)."""
    return "、".join("{}{}{}".format(name, n, unit) for name, n in pairs if n)


def _quoted(title):
    """A title in Chinese quotes, unless it already opens with one (“我有一双巧巧手”劳动技能大赛)."""
    return title if title[:1] in "“《\"" else "“{}”".format(title)


def _month_day(day):
    return "{}月{}日".format(int(day[5:7]), int(day[8:10]))


def period_words(period):
    if period.get("term") and parse_term(period["term"]):
        return term_label(period["term"]), "本学期"
    return "{}至{}".format(period["from"], period["to"]), "本期"


class Doc:
    def __init__(self, title):
        self.title = title
        self.blocks = []
        self.tables = 0

    def heading(self, text, level=1):
        self.blocks.append({"type": "heading", "text": text, "level": level})

    def para(self, *parts):
        text = "".join(p for p in parts if p)
        if text:
            self.blocks.append({"type": "para", "text": text})

    def table(self, caption, headers, rows):
        self.tables += 1
        self.blocks.append({"type": "table", "caption": "表{}  {}".format(self.tables, caption),
                            "headers": headers,
                            "rows": [[str(c) for c in row] for row in rows]})

    def chart(self, caption, png):
        self.blocks.append({"type": "chart", "caption": caption, "png": png})


def compose(db, scope, period, f):
    when, this = period_words(period)
    own = texts(db, scope.id, period["term"])["sections"] if scope.type == "school" and \
        period.get("term") else {}
    doc = Doc("{}{}关爱留守儿童工作总结".format(scope.name, when))
    doc.meta = {"scope": scope.name, "when": when, "as_of": period["as_of"]}
    we = WE[scope.type]
    doc.para("为了给留守儿童营造一个健康成长的良好环境，{}{}深入开展“关爱留守儿童温暖工程”，"
             "摸清底数、结对帮扶、经常联系、开展活动，现将{}的工作情况总结如下。".format(
                 this, we, when))
    doc.para(own.get("aims"))
    _situation(doc, db, scope, period, f, we, this)
    _practices(doc, f, we, this, own, scope)
    _results(doc, f, we, this, own)
    _problems(doc, db, scope, period, f, we, this, own)
    return doc


def _situation(doc, db, scope, period, f, we, this):
    c, m = f["children"], f["movement"]
    doc.heading(SECTIONS[0])
    share = ("{}共有在校学生{}人，其中留守儿童{}人，占在校学生的{}。".format(
        we, c["enrolment"], c["total"], _pct(c["share_percent"])) if c["enrolment"]
        else "{}共有留守儿童{}人。".format(we, c["total"]))
    types = _list(((v.LEFT_BEHIND_TYPES[t] + "的", c["by_type"].get(t, 0))
                   for t in v.LEFT_BEHIND_TYPES), "人")
    doc.para(share, "其中" + types + "；" if types else "", "男生{}人，女生{}人。".format(
        c["by_gender"].get("male", 0), c["by_gender"].get("female", 0)))
    grand = c["guardian_relation"].get("grandparent", 0)
    situation = _list(((v.GUARDIAN_SITUATIONS[s], c["guardian_situation"].get(s, 0))
                       for s in v.GUARDIAN_SITUATIONS), "人")
    weak_lit = c["guardian_literacy"].get("illiterate", 0) + \
        c["guardian_literacy"].get("semi_literate", 0)
    doc.para("这些孩子大多跟爷爷奶奶生活，由祖辈照看的有{}人。".format(grand) if grand else "",
             "监护人中{}（可兼有），共{}名儿童的监护人属老、弱、病、残；".format(
                 situation, c["guardian_weak"]) if situation else "",
             "监护人为文盲、半文盲的{}人；".format(weak_lit) if weak_lit else "",
             "家庭困难的{}人，其中登记低保的{}人。".format(c["hardship"], c["low_income"]))
    doc.para("{}新增留守儿童{}人（新登记{}人，转入{}人，重新纳入{}人），减少{}人（父母返乡等{}人，"
             "转出{}人）。".format(this, m["joined"], m["registered"], m["transferred_in"],
                                m["reactivated"], m["left"], m["stopped"], m["transferred_out"]))
    rows = [[v.grade(g), n] for g, n in sorted(c["by_grade"].items(), key=lambda x: int(x[0]))]
    doc.table("留守儿童分年级人数", ["年级", "人数"], rows + [["合计", c["total"]]])
    if scope.type in ("county", "township"):
        table = breakdown(db, scope, period)
        doc.table("留守儿童分{}情况".format("乡镇" if scope.type == "county" else "学校"),
                  ["单位", "留守儿童", "父母均外出", "有帮扶教师", "有手拉手好朋友", "联系次数",
                   "30天未联系"],
                  [[r["name"], r["children"], r["both_parents_away"], r["mentored"],
                    r["with_buddy"], r["contacts"], r["no_contact_30_days"]]
                   for r in table["rows"]] +
                  [["合计", table["total"]["children"], table["total"]["both_parents_away"],
                    table["total"]["mentored"], table["total"]["with_buddy"],
                    table["total"]["contacts"], table["total"]["no_contact_30_days"]]])


def _practices(doc, f, we, this, own, scope):
    p, k, files, a = f["pairing"], f["contacts"], f["files"], f["activities"]
    doc.heading(SECTIONS[1])
    n = iter(range(1, 20))
    doc.para("{}、建立健全领导负责制度。".format(next(n)), own.get("organisation") or
             "{}成立了关爱工程领导小组，制订具体计划，落实“关爱留守儿童”教育工作方案。".format(
                 "学校" if scope.type in ("school", "class") else "各校"))
    printed = files["printed_in_period"].get("contact_card", 0)
    doc.para("{}、建立留守儿童档案和联系卡制度。".format(next(n)),
             "为全部{}名留守儿童建立了档案".format(files["files"]),
             "，{}名建立了联系卡（{}）".format(files["with_contact_card"],
                                          _pct(files["contact_card_percent"]))
             if files["with_contact_card"] else "，联系卡正在印发中",
             "，{}印制联系卡{}张".format(this, printed) if printed else "",
             "，加强了学校与家长及其他监护人的联系。")
    if p["mentor_scope"] == "all":
        who = "每一位教师都与留守儿童结对子，应结对留守儿童{}名".format(p["mentor_eligible"])
    else:
        who = "每班推荐典型留守儿童与在职教师结对，共推荐{}名".format(p["recommended"])
    loads = _list((("结对{}名的".format(b), p["mentees_per_teacher"][b]) for b in ("1", "2", "3")),
                  "人")
    doc.para("{}、实施教职工结对帮扶留守儿童制度。".format(next(n)), who,
             "，已有{}名与帮扶教师结对（{}）；共有{}名教职工参与结对帮扶".format(
                 p["mentored_eligible"], _pct(p["mentor_coverage_percent"]),
                 p["teachers_mentoring"]),
             "，其中" + loads if loads else "", "。",
             "{}名留守儿童有了手拉手好朋友（{}）。".format(
                 p["with_buddy"], _pct(p["buddy_coverage_percent"])))
    if p["with_proxy_parent"]:
        doc.para("{}、发动社会力量。".format(next(n)),
                 "发动村委会成员、退休教师等{}名志愿者担任“代理家长”，为{}名留守儿童做代理家长。".format(
                     p["volunteers"], p["with_proxy_parent"]))
    kinds = _list(((v.CARE_KINDS[kind], k["by_kind"].get(kind, 0)) for kind in v.CARE_KINDS),
                  "次")
    doc.para("{}、经常联系，关心生活，指导学习。".format(next(n)),
             "{}帮扶教师和代理家长共联系留守儿童{}次，其中{}；联系到留守儿童{}人（{}）。".format(
                 this, k["total"], kinds, k["children_reached"], _pct(k["reached_percent"])),
             "撰写成长日记{}篇，记录了{}名儿童的学习、心情和生活。".format(
                 f["diary"]["entries"], f["diary"]["children"]) if f["diary"]["entries"] else "")
    if k["total"]:
        doc.chart("图1  {}联系留守儿童的方式（次）".format(this), render.bar_chart(
            [(v.CARE_KINDS.get(kind, kind), count) for kind, count in
             sorted(k["by_kind"].items(), key=lambda x: -x[1])]))
    if a["held"]:
        by_kind = _list(((v.ACTIVITY_KINDS.get(kind, kind), e["held"]) for kind, e in
                         sorted(a["by_kind"].items(), key=lambda x: -x[1]["held"])), "次")
        examples = "、".join("{}（{}，{}名留守儿童参加）".format(
            _quoted(e["title"]), _month_day(e["held_on"]), e["left_behind_present"])
            for e in sorted(a["examples"], key=lambda e: -e["left_behind_present"])[:MAX_EXAMPLES])
        doc.para("{}、积极开展文体活动，丰富课余生活。".format(next(n)),
                 "{}共开展各类活动{}次（{}），留守儿童参加{}人次。".format(
                     this, a["held"], by_kind, a["left_behind_attendance"]),
                 "如" + examples + "。" if examples else "",
                 "红领巾广播台{}播出{}期。".format(this, a["radio_episodes"])
                 if a["radio_episodes"] else "")
        doc.table("活动开展情况",
                  ["活动类别", "次数", "留守儿童参加人次"],
                  [[v.ACTIVITY_KINDS.get(kind, kind), e["held"], e["left_behind_present"]]
                   for kind, e in sorted(a["by_kind"].items())] +
                  [["合计", a["held"], a["left_behind_attendance"]]])
    duty = f["duty"]
    if duty["sessions"] or duty["staff_on_rota"]:
        doc.para("{}、结对老师轮流值日。".format(next(n)),
                 "周一至周五午间和下午课后由结对老师轮流值日，在学生活动室和操场组织课外阅读、"
                 "学习指导、体育活动等，{}名教师排入值日表".format(duty["staff_on_rota"])
                 if duty["staff_on_rota"] else "周一至周五由结对老师轮流值日",
                 "；{}共值日{}次，{}名教师参与，留守儿童参加{}人次".format(
                     this, duty["sessions"], duty["staff_on_duty"],
                     duty["left_behind_attendance"]) if duty["sessions"] else "", "。")
    aid = f["aid"]
    if aid["records"] or aid["supplies_distributions"]:
        donors = _list(((v.DONOR_TYPES.get(d, d) + "资助", n)
                        for d, n in aid["by_donor"].items()), "次")
        doc.para("{}、加强对贫困留守儿童的资助。".format(next(n)),
                 "{}共资助留守儿童{}人，发放资助金{:g}元".format(this, aid["children"],
                                                        aid["money_yuan"]),
                 "、物资{}份（折合{:g}元）".format(aid["goods_records"], aid["goods_value_yuan"])
                 if aid["goods_records"] else "",
                 "（{}）".format(donors) if donors else "", "。",
                 "在活动中发放学习用品{}次，共{}件，惠及{}人次（其中留守儿童{}人次）。".format(
                     aid["supplies_distributions"], aid["supplies_items"],
                     aid["supplies_children"], aid["supplies_left_behind"])
                 if aid["supplies_distributions"] else "")
    if own.get("practices"):
        doc.para("{}、".format(next(n)), own["practices"])
    if own.get("examples"):
        doc.para("{}、典型事例。".format(next(n)), own["examples"])


def _results(doc, f, we, this, own):
    w, s, p = f["awards"], f["assessment"], f["pairing"]
    doc.heading(SECTIONS[2])
    doc.para("经过各方共同努力，{}的留守儿童工作取得了一定的成绩。".format(we),
             "所有留守儿童都建立了档案，{}有帮扶教师，{}有手拉手好朋友。".format(
                 _pct(p["mentor_coverage_percent"]) + "的应结对儿童",
                 _pct(p["buddy_coverage_percent"]) + "的留守儿童"))
    child_levels = _list(((v.AWARD_LEVELS[lv], w["child_by_level"].get(lv, 0))
                          for lv in reversed(list(v.AWARD_LEVELS))), "项")
    staff_levels = _list(((v.AWARD_LEVELS[lv], w["staff_by_level"].get(lv, 0))
                          for lv in reversed(list(v.AWARD_LEVELS))), "项")
    titles = "、".join(sorted({_quoted(t["title"]) for t in w["titles"]}))
    if w["total"]:
        doc.para("{}留守儿童获得表彰{}项（{}）".format(
                     this, sum(w["child_by_level"].values()), child_levels or "无"),
                 "，结对教师获得表彰{}项（{}）".format(sum(w["staff_by_level"].values()),
                                             staff_levels) if staff_levels else "",
                 "，荣誉有{}。".format(titles) if titles else "。")
    if s and s["compared"]:
        dims = _list(((v.DIMENSIONS.get(d, d) + "方面进步的", e["improved"])
                      for d, e in sorted(s["dimensions"].items())), "名")
        doc.para("与上学期相比，两学期都参加评价的{}名留守儿童中，{}名成绩提高了".format(
                     s["compared"], s["grades_improved"]),
                 "（平均{}{:g}个百分点）".format("提高" if s["average_change"] >= 0 else "下降",
                                          abs(s["average_change"]))
                 if s["average_change"] is not None else "",
                 "，{}名行为习惯评价提高了".format(s["behaviour_improved"])
                 if s["behaviour_compared"] else "",
                 "；" + dims if dims else "", "。")
    doc.para(own.get("results"))


def _problems(doc, db, scope, period, f, we, this, own):
    k, p, r = f["contacts"], f["pairing"], f["reminders"]
    doc.heading(SECTIONS[3])
    problems = []
    if k["no_contact_30_days"]:
        problems.append("有{}名留守儿童30天内没有被联系（14天内没有被联系的{}名）".format(
            k["no_contact_30_days"], k["no_contact_14_days"]))
    if p["eligible_without_mentor"]:
        problems.append("{}名应结对的留守儿童还没有帮扶教师".format(p["eligible_without_mentor"]))
    if p["without_buddy"]:
        problems.append("{}名留守儿童还没有手拉手好朋友".format(p["without_buddy"]))
    if p["teachers_over_limit"]:
        problems.append("{}名教师结对超过{}名，负担较重".format(p["teachers_over_limit"],
                                                         p["max_mentees"]))
    doc.para("工作中还存在一些问题：" + "；".join(problems) + "。" if problems else
             "目前所有留守儿童都已结对、近期都有联系，但工作仍需持续深入。")
    if r["sent"]:
        doc.para("{}系统共发出提醒{}条，其中逾期未联系提醒{}条，督促帮扶教师及时联系。".format(
            this, r["sent"], r["overdue"]))
    if scope.type in ("county", "township") and problems:
        table = breakdown(db, scope, period, level="school" if scope.type == "county" else None)
        rows = [[r_["name"], r_["children"], r_["no_contact_30_days"],
                 r_["children"] - r_["with_buddy"]] for r_ in table["rows"]
                if r_["no_contact_30_days"] or r_["children"] - r_["with_buddy"]]
        doc.table("各校待改进情况（人数）", ["学校", "留守儿童", "30天未联系", "无手拉手好朋友"],
                  rows)
    doc.para(own.get("problems"))
    doc.para(own.get("plans") or
             "下一步，{}将对尚未联系和尚未结对的留守儿童逐一落实帮扶责任人，不断完善关爱留守儿童"
             "工作机制，狠抓工作落实，让留守儿童和其他孩子一样健康、快乐地成长。".format(we))


def render_all(db, scope, period, figures, progress):
    doc = compose(db, scope, period, figures)
    progress(60, "生成 Word 文档")
    docx = render.docx(doc)
    progress(80, "生成 PDF")
    pdf = render.pdf(doc)
    return {"docx": docx, "pdf": pdf}
