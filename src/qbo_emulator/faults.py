"""Fault injection. PLACEHOLDER: the emulator-core engineer replaces this module."""


class FaultInjector:
    def __init__(self, emulator):
        self.emulator = emulator

    def reset(self):
        pass
