"""Realistic generated rosters (faker zh_CN) for the demo, the tests and the benchmark.

Every generated row is valid: national IDs follow GB 11643 (check digit, birth date matching
the grade, gender digit), phones are mainland mobiles, the family fits the left-behind type.
"""
import csv
import io
import random
from datetime import date, timedelta

from faker import Faker
from openpyxl import Workbook

from carekit.clock import china_today
from registry import roster, vocabulary as words
from registry.identity import compose_national_id

REGION = "430124"  # 宁乡县 (demo county)
# (relation, youngest, oldest); grandfathers get men's names, grandmothers women's
GUARDIANS = [("祖父", 58, 78), ("祖母", 55, 80), ("外祖父", 58, 78), ("外祖母", 55, 80),
             ("叔伯姑姨舅", 30, 50), ("委托人", 35, 60)]
HOME = ["每年春节", "半年一次", "每季度一次", "两三年一次", "农忙时回家"]
# where parents from a Hunan county go to work (faker pairs provinces and cities at random)
WORKPLACES = [("广东省", "东莞市"), ("广东省", "深圳市"), ("广东省", "广州市"), ("浙江省", "义乌市"),
              ("浙江省", "宁波市"), ("江苏省", "苏州市"), ("上海市", "上海市"), ("福建省", "厦门市"),
              ("北京市", "北京市"), ("湖南省", "长沙市")]
JOBS = ["建筑工人", "电子厂工人", "服装厂工人", "快递员", "餐饮服务员", "个体经营", "司机", "保洁"]


class RosterMaker:
    def __init__(self, seed=7, today=None):
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.random = random.Random(seed)
        self.today = today or china_today()
        self.used_ids = set()

    def national_id(self, born, gender):
        while True:
            value = compose_national_id(REGION, born, self.random.randrange(100), gender)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def birth_date(self, grade):
        # a pupil in grade g is about 6 + g years old
        start = date(self.today.year - 6 - grade, 1, 1)
        return start + timedelta(days=self.random.randrange(365))

    def parent(self, relation):
        label = words.PARENT_RELATION[relation]
        name = self.fake.name_male() if relation == "father" else self.fake.name_female()
        province, city = self.random.choice(WORKPLACES)
        return {label + "姓名": name, label + "务工省份": province, label + "务工城市": city,
                label + "职业": self.random.choice(JOBS), label + "电话": self.fake.phone_number(),
                label + "回家频率": self.random.choice(HOME)}

    def situation(self, age):
        """Several of 年老、体弱、患病、残疾 at once, likelier with age; else 健康."""
        chances = (("年老", 0.85 if age >= 65 else 0.1 if age >= 55 else 0.0), ("体弱", 0.2),
                   ("患病", 0.12), ("残疾", 0.04))
        facts = [label for label, chance in chances if self.random.random() < chance]
        return "、".join(facts) or words.HEALTHY_LABEL

    def literacy(self, age):
        weights = [2, 3, 2] if age >= 60 else [6, 2, 1]
        return self.random.choices(list(words.GUARDIAN_LITERACY.values()), weights=weights)[0]

    def row(self, grade, class_number):
        gender = self.random.choice(["male", "female"])
        born = self.birth_date(grade)
        kind = self.random.choices(list(words.LEFT_BEHIND_TYPE), weights=[5, 3, 1])[0]
        relation, low, high = self.random.choice(GUARDIANS)
        age = self.random.randint(low, high)
        surname = self.fake.last_name()
        row = {
            "姓名": surname + (self.fake.first_name_male() if gender == "male"
                             else self.fake.first_name_female()),
            "身份证号": self.national_id(born, gender), "性别": words.GENDER[gender],
            "出生日期": born.isoformat(), "年级": str(grade), "班级": str(class_number),
            "留守类型": words.LEFT_BEHIND_TYPE[kind],
            "流动留守": "是" if self.random.random() < 0.08 else "否",
            "住校": "是" if grade >= 4 and self.random.random() < 0.2 else "否",
            "在校就餐": self.random.choice(["是", "是", "是", "否", ""]),
            "监护人姓名": self.fake.name_male() if relation.endswith("父") else
            self.fake.name_female() if relation.endswith("母") else self.fake.name(),
            "监护人关系": relation, "监护人年龄": str(age),
            "监护人身体状况": self.situation(age),
            "监护人文化程度": self.literacy(age),
            "监护人电话": self.fake.phone_number(),
            "家庭住址": "{}{}{}号".format(self.fake.district(), self.fake.street_name(),
                                          self.random.randint(1, 200)),
            "家庭困难": self.random.choice(["是", "否", "否"]),
            "低保户": self.random.choice(["是", "否", "否", "否"]),
            "特殊需要": self.random.choice(["", "", "", "心理", "健康", "健康、心理"]),
            "备注": "",
        }
        if kind in ("both_parents_away", "father_away"):
            row.update(self.parent("father"))
        if kind in ("both_parents_away", "mother_away"):
            row.update(self.parent("mother"))
        return row

    def rows(self, count, classes):
        """`count` rows spread over `classes`, a list of (grade, class_number)."""
        return [self.row(*classes[i % len(classes)]) for i in range(count)]


def to_xlsx(rows):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("留守儿童花名册")
    sheet.append(roster.HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in roster.HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(rows, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(roster.HEADERS)
    for row in rows:
        writer.writerow([row.get(h, "") for h in roster.HEADERS])
    return out.getvalue().encode(encoding)
