"""nameko parts of the reporting service: who is calling (the gateway's context), and the
timer that runs report jobs."""
from nameko.extensions import DependencyProvider
from nameko.timer import Timer


class Caller(DependencyProvider):
    """The RPC context the gateway sends: `user_id` and the caller's reach
    (`scope_county_id`, `scope_township_id`, `scope_school_id`); empty for internal calls."""

    def get_dependency(self, worker_ctx):
        return dict(worker_ctx.context_data or {})


class JobTick(Timer):
    """Looks for queued report jobs every REPORT_TICK_SECONDS (default 1)."""

    def __init__(self, **kwargs):
        super().__init__(interval=1, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get("REPORT_TICK_SECONDS") or 1)


job_tick = JobTick.decorator
