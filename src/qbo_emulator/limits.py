"""Rate limits. PLACEHOLDER: the emulator-core engineer replaces this module."""


class RateLimiter:
    def __init__(self, emulator):
        self.emulator = emulator

    def reset(self):
        pass
