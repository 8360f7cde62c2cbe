"""Realms and their entities. PLACEHOLDER: the emulator-core engineer replaces this module."""


class Store:
    def __init__(self, emulator):
        self.emulator = emulator
        self._companies: list[dict] = []

    def companies(self) -> list[dict]:
        return list(self._companies)

    def create_company(self, **spec) -> str:
        raise NotImplementedError

    def save(self, data_dir):
        pass

    def load(self, data_dir):
        pass

    def reset(self):
        self._companies.clear()
