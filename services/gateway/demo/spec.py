"""The demo county: what it holds (data only; `steps` loads it through the services).

Names of people and children come from faker zh_CN with fixed seeds, so every run asks for
the same things and a second run finds them already there.
"""
from dataclasses import dataclass, field

COUNTY = ("430124", "宁乡县")
TOWNSHIPS = [("01", "花明楼镇"), ("02", "道林镇"), ("03", "夏铎铺镇")]
PASSWORD = "Demo-care-2026"   # demo accounts only; the loader refuses to run in production


@dataclass
class SchoolSpec:
    code: str
    name: str
    township: str                       # township code
    classes: list                       # (grade, number)
    children: int                       # left-behind children on the roster
    teachers: int                       # besides the head teachers of each class
    volunteers: list = field(default_factory=list)   # (kind, village)
    seed: int = 1


SCHOOLS = [
    SchoolSpec("HML-01", "花明楼镇中心小学", "01", [(g, n) for g in range(1, 7) for n in (1, 2)],
               children=70, teachers=4, seed=11,
               volunteers=[("retired_teacher", "炭子冲村"), ("village_committee_member", "花明楼村")]),
    SchoolSpec("HML-02", "花明楼镇炭子冲小学", "01", [(g, 1) for g in range(1, 7)],
               children=40, teachers=2, seed=12,
               volunteers=[("village_committee_member", "炭子冲村")]),
    SchoolSpec("DL-01", "道林镇中心小学", "02", [(g, 1) for g in range(1, 7)],
               children=50, teachers=3, seed=13,
               volunteers=[("retired_teacher", "道林村"), ("village_committee_member", "沙河村")]),
    SchoolSpec("XDP-01", "夏铎铺镇中心小学", "03", [(g, 1) for g in range(1, 7)],
               children=40, teachers=2, seed=14,
               volunteers=[("retired_teacher", "夏铎铺村")]),
]

# One login per role (the school, township and people are the demo's first school).
LOGINS = [
    ("county.admin", "county_admin", "县教育局 留守儿童工作管理员"),
    ("analyst", "analyst", "县教育局 统计分析员（只读）"),
    ("township.admin", "township_admin", "花明楼镇 中心校管理员"),
    ("school.admin", "school_admin", "花明楼镇中心小学 校长"),
    ("head.teacher", "head_teacher", "花明楼镇中心小学 班主任"),
    ("teacher", "teacher", "花明楼镇中心小学 帮扶教师"),
    ("volunteer", "volunteer", "花明楼镇中心小学 代理家长"),
]

SUBJECTS = ["语文", "数学", "英语", "科学", "音乐", "体育", "美术"]
CARE_KINDS = ["home_visit", "talk", "parent_call", "family_video_call", "study_guidance",
              "talk", "counselling"]
CARE_NOTES = {
    "home_visit": "到家中看望，和奶奶聊了孩子近况，家里收拾得干净。",
    "talk": "课间谈心，孩子说想妈妈了，鼓励他多和同学一起玩。",
    "parent_call": "给在外务工的父亲打电话，反映孩子最近作业完成得好。",
    "family_video_call": "在学校安排亲情视频通话，孩子和妈妈聊了十分钟，很开心。",
    "study_guidance": "午间辅导数学应用题，讲了三道错题。",
    "counselling": "孩子这几天情绪低落，做了心理疏导，约定下周再聊。",
}
DIARY = [
    {"study": "语文听写全对，上课举手发言多了。", "mood": "开朗了一些，愿意主动和老师打招呼。"},
    {"behaviour": "能按时交作业，和同桌相处融洽。", "health": "感冒已好，精神不错。"},
    {"study": "数学计算还要加强。", "mood": "提到爸爸过年回家，很期待。"},
]
ACTIVITIES = [  # (kind, occasion, title, sub_theme, days ago)
    ("theme_meeting", None, "关爱留守孩子主题队会", "学会自理，自己的事情自己做", 40),
    ("festival", "childrens_day", "庆六一 关爱留守孩子游园活动", None, None),
    ("competition", "labour_skills", "“我有一双巧巧手”劳动技能大赛", None, 25),
    ("competition", "reading_speech", "读书演讲比赛", None, 12),
    ("parent_meeting", None, "留守儿童家长（监护人）会", None, 30),
    ("staff_seminar", "experience_exchange", "关爱留守儿童经验交流会", None, 8),
    ("children_forum", "new_year", "“同在蓝天下茁壮成长”关爱留守孩子座谈会", None, 20),
    ("class_birthday", None, "本月集体生日会", None, 15),
    ("practice", "send_smiles", "“送微笑”实践活动", None, 5),
    ("theme_meeting", None, "送微笑 主题班会", "帮助别人是快乐的", -7),
]
SUPPLIES = [{"item": "书包", "quantity_per_child": 1}, {"item": "文具盒", "quantity_per_child": 1},
            {"item": "作业本", "quantity_per_child": 5}]
RADIO = {"title": "午间书场", "station": "红领巾广播台", "work": "《西游记》",
         "weekdays": [1, 2, 3, 4, 5], "starts_at_time": "11:40", "ends_at_time": "12:00"}
RADIO_EPISODES = 30      # the last school days of the term so far, one chapter each
DIMENSION_RATINGS = ["poor", "fair", "good", "excellent"]
AWARDS = [("自强少年", "city", "长沙市教育局"), ("读书之星", "school", None),
          ("劳动小能手", "school", None)]
TERMS = ["2024-2025-2", "2025-2026-1"]
