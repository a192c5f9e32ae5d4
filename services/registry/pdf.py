"""Printed forms: jinja2 templates (templates/) rendered to PDF by weasyprint, in Chinese."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
# imported once at start: imported lazily, two first prints at the same moment met a
# half-imported module (NameError 'Document')
from weasyprint import HTML

_HERE = Path(__file__).parent
_TEMPLATES = Environment(loader=FileSystemLoader(str(_HERE / "templates")),
                         autoescape=select_autoescape(["html"]))


def render(template, **context):
    """The PDF (bytes) of `template` filled with `context`."""
    html = _TEMPLATES.get_template(template).render(**context)
    return HTML(string=html, base_url=str(_HERE)).write_pdf()
