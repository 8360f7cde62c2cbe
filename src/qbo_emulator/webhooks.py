"""Webhook delivery. PLACEHOLDER: the OAuth/webhooks/UI engineer replaces this module."""


class WebhookDispatcher:
    def __init__(self, emulator):
        self.emulator = emulator

    def notify(self, realm_id, entity_name, entity_id, operation, updated_at):
        pass

    def save(self, data_dir):
        pass

    def load(self, data_dir):
        pass

    def reset(self):
        pass
