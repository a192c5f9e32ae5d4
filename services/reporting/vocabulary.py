"""Chinese labels of the codes the events carry (what people read in tables and summaries)."""

LEFT_BEHIND_TYPES = {"both_parents_away": "父母均外出", "father_away": "父亲外出",
                     "mother_away": "母亲外出"}
GENDERS = {"male": "男", "female": "女"}
GUARDIAN_SITUATIONS = {"elderly": "年老", "weak": "体弱", "sick": "患病", "disabled": "残疾"}
GUARDIAN_RELATIONS = {"grandparent": "祖父母", "relative": "其他亲属", "unknown": "未登记"}
LITERACY = {"literate": "识字", "semi_literate": "半文盲", "illiterate": "文盲",
            "unknown": "未登记"}
CARE_KINDS = {"home_visit": "家访", "talk": "谈心", "parent_call": "电话联系",
              "family_video_call": "亲情电话", "study_guidance": "学习指导",
              "counselling": "心理辅导", "aid": "资助", "gift": "赠送礼物",
              "birthday": "过生日", "behaviour_followup": "行为矫正跟进"}
ACTIVITY_KINDS = {"theme_meeting": "主题班队会", "festival": "节日活动", "competition": "比赛",
                  "reading": "读书活动", "book_donation": "图书角捐赠", "radio": "校园广播",
                  "after_school": "课后活动", "parent_meeting": "家长会",
                  "seminar": "研讨会/座谈会", "class_birthday": "集体生日会",
                  "children_forum": "座谈会", "staff_seminar": "研讨会/经验交流",
                  "practice": "实践活动"}
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
