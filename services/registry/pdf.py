"""Printed forms: jinja2 templates (templates/) rendered to PDF by weasyprint, in Chinese."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

_HERE = Path(__file__).parent
_TEMPLATES = Environment(loader=FileSystemLoader(str(_HERE / "templates")),
                         autoescape=select_autoescape(["html"]))


def render(template, **context):
    """The PDF (bytes) of `template` filled with `context`."""
    from weasyprint import HTML  # heavy import: only when something is printed
    html = _TEMPLATES.get_template(template).render(**context)
    return HTML(string=html, base_url=str(_HERE)).write_pdf()
