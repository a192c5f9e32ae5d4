"""A nameko timer whose interval is a setting, so tests can run a service's ticks fast."""
from nameko.timer import Timer


class SettingTimer(Timer):
    setting, default_seconds = None, None

    def __init__(self, **kwargs):
        super().__init__(interval=self.default_seconds, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.setting) or self.default_seconds)


def timer_every(setting, default_seconds):
    """`@timer_every("NOTIFY_TICK_SECONDS", 30)`-style decorator factory: returns the
    entrypoint decorator of a timer reading its interval from `setting` at start."""
    timer = type("{}Timer".format(setting.title().replace("_", "")), (SettingTimer,),
                 {"setting": setting, "default_seconds": default_seconds})
    return timer.decorator
