"""OAuth 2.0 server. PLACEHOLDER: the OAuth/webhooks/UI engineer replaces this module."""


class AuthError(Exception):
    pass


class AuthServer:
    def __init__(self, emulator):
        self.emulator = emulator
        self.apps: dict[str, dict] = {}

    def get_app(self, client_id):
        return self.apps.get(client_id)

    def register_app(self, **spec):
        self.apps[spec["client_id"]] = spec

    def authenticate(self, bearer_token, realm_id):
        raise AuthError("not implemented")

    def save(self, data_dir):
        pass

    def load(self, data_dir):
        pass

    def reset(self):
        self.apps.clear()
