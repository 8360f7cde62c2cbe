"""The OAuth 2.0 / OpenID Connect server's state: ``state.py`` (apps, codes, grants, tokens) and
``signer.py`` (the id_token key). Its HTTP endpoints are in ``routes/oauth.py``."""
