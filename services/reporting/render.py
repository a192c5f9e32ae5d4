"""Writing a composed summary (summary.Doc) as .docx (python-docx) and PDF (jinja2 template
rendered by weasyprint), with charts drawn by matplotlib in a CJK font."""
import base64
from io import BytesIO
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
from docx import Document  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm, Pt  # noqa: E402
from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: E402
from matplotlib import font_manager, pyplot  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
# imported once at start: a lazy import met half-imported modules under concurrent use
from weasyprint import HTML  # noqa: E402

_HERE = Path(__file__).parent
_TEMPLATES = Environment(loader=FileSystemLoader(str(_HERE / "templates")),
                         autoescape=select_autoescape(["html"]))
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei")
BODY_FONT = "宋体"        # Word substitutes a CJK font it has when this one is missing


def _cjk_font():
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    return None


def bar_chart(pairs):
    """A horizontal bar chart (PNG bytes) of [(label, count)]."""
    font = _cjk_font()
    if font:
        pyplot.rcParams["font.family"] = [font]
    figure, axes = pyplot.subplots(figsize=(6.4, 0.42 * len(pairs) + 1.0), dpi=150)
    labels = [label for label, _ in pairs][::-1]
    values = [count for _, count in pairs][::-1]
    bars = axes.barh(labels, values, color="#4472C4")
    axes.bar_label(bars, padding=3, fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlim(0, max(values + [1]) * 1.15)
    axes.tick_params(labelsize=10)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    out = BytesIO()
    figure.savefig(out, format="png")
    pyplot.close(figure)
    return out.getvalue()


# -- Word ---------------------------------------------------------------------------------------
def _east_asian(run_or_style, name):
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def docx(doc):
    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    _east_asian(normal, BODY_FONT)
    for style in ("Title", "Heading 1", "Caption"):
        _east_asian(document.styles[style], "黑体")
    title = document.add_heading(doc.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in doc.blocks:
        kind = block["type"]
        if kind == "heading":
            document.add_heading(block["text"], level=block["level"])
        elif kind == "para":
            paragraph = document.add_paragraph(block["text"])
            paragraph.paragraph_format.first_line_indent = Pt(24)
            paragraph.paragraph_format.line_spacing = 1.5
        elif kind == "table":
            document.add_paragraph(block["caption"], style="Caption").alignment = \
                WD_ALIGN_PARAGRAPH.CENTER
            table = document.add_table(rows=1, cols=len(block["headers"]))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block["headers"]):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for row in block["rows"]:
                for cell, text in zip(table.add_row().cells, row):
                    cell.text = text
            document.add_paragraph()
        elif kind == "chart":
            document.add_picture(BytesIO(block["png"]), width=Cm(14))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            document.add_paragraph(block["caption"], style="Caption").alignment = \
                WD_ALIGN_PARAGRAPH.CENTER
    signature = document.add_paragraph("{}\n{}".format(doc.meta["scope"], doc.meta["as_of"]))
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = BytesIO()
    document.save(out)
    return out.getvalue()


# -- PDF ------------------------------------------------------------------------------------------
def pdf(doc):
    blocks = []
    for block in doc.blocks:
        if block["type"] == "chart":
            block = dict(block, src="data:image/png;base64," +
                         base64.b64encode(block["png"]).decode("ascii"))
        blocks.append(block)
    html = _TEMPLATES.get_template("summary.html").render(doc=doc, blocks=blocks)
    return HTML(string=html, base_url=str(_HERE)).write_pdf()
