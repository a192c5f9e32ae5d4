"""The work summary of a generated county: the .docx opens with python-docx and holds the
four sections with the right numbers, the PDF's text (pdftotext) holds them too, the
school's own paragraphs are woven in, and the county version names no child.

REPORTING_KEEP=/some/dir keeps the files (to look at them: pdftoppm -png)."""
import os
import re
import subprocess
import uuid
from io import BytesIO

import pytest
from docx import Document

from reporting import figures, paragraphs, summary
from reporting.scopes import resolve
from tests.reporting.conftest import apply
from tests.reporting.dataset import TERM, World
from tests.reporting.test_reporting_figures import PERIOD

SECTIONS = ("一、基本情况", "二、主要做法", "三、取得的成效", "四、存在的问题和下一步打算")


@pytest.fixture(scope="module")
def county(mongo_uri):
    import pymongo
    client = pymongo.MongoClient(mongo_uri)
    db = client["t{}_reporting_summary".format(uuid.uuid4().hex[:8])]
    world = World(seed=7, children=60, records=400)
    for n, (source, name, version, data) in enumerate(world.events):
        apply(db, "e{}".format(n), source, name, version, data)
    yield world, db
    client.drop_database(db.name)
    client.close()


def make(db, kind, ident):
    scope = resolve(db, kind, ident)
    f = figures.compute(db, scope, PERIOD)
    files = summary.render_all(db, scope, PERIOD, f, lambda *_: None)
    keep = os.environ.get("REPORTING_KEEP")
    if keep:
        for fmt, content in files.items():
            with open(os.path.join(keep, "{}-{}.{}".format(kind, ident, fmt)), "wb") as out:
                out.write(content)
    text = "\n".join(p.text for p in Document(BytesIO(files["docx"])).paragraphs)
    tables = [[c.text for c in row.cells] for t in Document(BytesIO(files["docx"])).tables
              for row in t.rows]
    pdf_text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=files["pdf"],
                              capture_output=True, check=True).stdout.decode("utf-8")
    return f, text, tables, re.sub(r"\s+", "", pdf_text)


def numbers_in(f):
    """Sentences the summary must hold, built from the known figures."""
    c, k, p = f["children"], f["contacts"], f["pairing"]
    return ["留守儿童{}人".format(c["total"]),
            "占在校学生的{:g}%".format(c["share_percent"]),
            "父母均外出的{}人".format(c["by_type"]["both_parents_away"]),
            "共联系留守儿童{}次".format(k["total"]),
            "家访{}次".format(k["by_kind"]["home_visit"]),
            "联系到留守儿童{}人".format(k["children_reached"]),
            "{}名留守儿童有了手拉手好朋友".format(p["with_buddy"]),
            "共开展各类活动{}次".format(f["activities"]["held"]),
            "留守儿童参加{}人次".format(f["activities"]["left_behind_attendance"]),
            "有{}名留守儿童30天内没有被联系".format(k["no_contact_30_days"]),
            "新增留守儿童{}人".format(f["movement"]["joined"])]


def test_school_summary_holds_the_sections_numbers_and_own_paragraphs(county):
    world, db = county
    paragraphs.set_paragraph(db, {"school_id": "s1", "term": TERM, "section": "examples",
                                  "text": "蔡同学被评为市级“自强少年”，在全校引起很大反响。"},
                             {}, None)
    paragraphs.set_paragraph(db, {"school_id": "s1", "term": "2024-2025-2",
                                  "section": "plans", "text": "上学期的打算，不应出现。"},
                             {}, None)
    f, text, tables, pdf = make(db, "school", "s1")
    expected = world.expected("school", "s1")
    assert f["children"]["total"] == expected["children.total"]
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    for sentence in numbers_in(f):
        assert sentence in text, sentence
        assert sentence in pdf, sentence
    for s in SECTIONS:
        assert s in pdf
    assert "蔡同学被评为市级“自强少年”" in text and "上学期的打算" not in text
    assert ["合计", str(expected["children.total"])] in tables


def test_county_summary_counts_without_names(county):
    world, db = county
    f, text, tables, pdf = make(db, "county", "c1")
    assert f["children"]["total"] == world.expected("county", "c1")["children.total"]
    for sentence in numbers_in(f):
        assert sentence in text and sentence in pdf, sentence
    assert "儿童k0" not in text and "儿童k0" not in pdf   # the dataset's child names
    total_row = [row for row in tables if row[0] == "合计" and len(row) == 7][0]
    assert total_row[1] == str(f["children"]["total"])
