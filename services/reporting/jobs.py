"""Report jobs (filled in by the report step)."""


def request(db, data, caller, now):
    raise NotImplementedError


def status(db, report_id, caller):
    raise NotImplementedError


def download(db, report_id, fmt, caller):
    raise NotImplementedError


def run_due(db, outbox):
    return 0
