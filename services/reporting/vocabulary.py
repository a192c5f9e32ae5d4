"""Chinese labels of the codes the events carry (what people read in tables and summaries)."""
from carekit.contracts.activities import ACTIVITY_KIND_LABELS, CARE_KIND_LABELS

LEFT_BEHIND_TYPES = {"both_parents_away": "父母均外出", "father_away": "父亲外出",
                     "mother_away": "母亲外出"}
GENDERS = {"male": "男", "female": "女"}
GUARDIAN_SITUATIONS = {"elderly": "年老", "weak": "体弱", "sick": "患病", "disabled": "残疾"}
GUARDIAN_RELATIONS = {"grandparent": "祖父母", "relative": "其他亲属", "unknown": "未登记"}
LITERACY = {"literate": "识字", "semi_literate": "半文盲", "illiterate": "文盲",
            "unknown": "未登记"}
CARE_KINDS = CARE_KIND_LABELS
# a summary names the retired mixed kind without the "(旧)" the pages show
ACTIVITY_KINDS = dict(ACTIVITY_KIND_LABELS, seminar="研讨会/座谈会")
AWARD_LEVELS = {"class": "班级", "school": "校级", "township": "乡镇级", "county": "县级",
                "city": "市级", "province": "省级", "national": "国家级"}
DONOR_TYPES = {"school": "学校", "government": "政府", "enterprise": "企业", "society": "社会",
               "individual": "个人", "other": "其他"}
RULES = {"contact_overdue": "逾期未联系提醒", "birthday": "生日提醒", "unpaired": "未结对提醒",
         "pairing_ended": "结对结束提醒", "follow_up_due": "跟进事项到期",
         "attendance_missing": "未登记考勤", "duty_today": "值日提醒",
         "flagged_record": "待核查记录", "parent_summary": "家长月报"}
DIMENSIONS = {"manners": "待人接物礼貌", "self_care": "生活自理", "independence": "自立自强"}
GRADES = "一二三四五六七八九"


def grade(n):
    n = int(n)
    return "{}年级".format(GRADES[n - 1]) if 1 <= n <= 9 else "{}年级".format(n)


def label(table, code):
    return table.get(code, code)
