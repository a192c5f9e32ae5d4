"""Events published by the reporting service (v1).

ReportGenerated: a statistics table (统计表, .xlsx) or a semester work summary (工作总结,
.docx and .pdf) was generated and stored; download it with the `download_report` RPC by
`report_id`. Counts only: no child, no name, no text of the report.

Vocabulary: kind statistics | summary; scope county | township | school | class;
formats xlsx | docx | pdf.
"""
from marshmallow import EXCLUDE, Schema, fields, validate

from carekit.events import event_schema

_id = dict(required=True, validate=validate.Length(min=1, max=64))


@event_schema("reporting", "ReportGenerated", version=1)
class ReportGeneratedV1(Schema):
    """A report was generated and stored (downloadable by report_id)."""

    class Meta:
        unknown = EXCLUDE

    report_id = fields.String(**_id)
    kind = fields.String(required=True, validate=validate.OneOf(("statistics", "summary")))
    scope = fields.String(required=True,
                          validate=validate.OneOf(("county", "township", "school", "class")))
    scope_id = fields.String(**_id)
    county_id = fields.String(**_id)
    term = fields.String(allow_none=True, load_default=None,
                         validate=validate.Regexp(r"^\d{4}-\d{4}-[12]$"))
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    formats = fields.List(fields.String(validate=validate.OneOf(("xlsx", "docx", "pdf"))),
                          required=True)
    sizes = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)
    requested_by = fields.String(allow_none=True, load_default=None)
    generated_at = fields.AwareDateTime(required=True)
