"""nameko parts of the reporting service: who is calling (the gateway's context), and the
timer that runs report jobs."""
from nameko.extensions import DependencyProvider

from carekit.timers import timer_every


class Caller(DependencyProvider):
    """The RPC context the gateway sends: `user_id` and the caller's reach
    (`scope_county_id`, `scope_township_id`, `scope_school_id`); empty for internal calls."""

    def get_dependency(self, worker_ctx):
        return dict(worker_ctx.context_data or {})


# looks for queued report jobs every REPORT_TICK_SECONDS (default 1)
job_tick = timer_every("REPORT_TICK_SECONDS", 1)
