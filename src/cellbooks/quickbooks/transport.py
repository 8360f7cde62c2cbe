"""What every HTTP call to Intuit shares: one TLS context per process.

Building a TLS context reads the whole CA bundle (about 40 ms); the adapter makes a client per
sync and the OAuth code one per token call, so they share this one instead.
"""

import ssl
from functools import cache

import certifi


@cache
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())
