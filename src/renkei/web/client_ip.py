"""The client's address, the same for every limit that counts per address (django-axes' log-in
throttle through ``AXES_CLIENT_IP_CALLABLE``, the password reset limit).

Without a proxy it is the connection's address (``REMOTE_ADDR``), and ``X-Forwarded-For`` is
ignored: a client could write anything there. Behind ``RENKEI_PROXY_COUNT`` trusted proxies,
each of which appends the address it received the request from (nginx:
``proxy_set_header X-Forwarded-For $remote_addr`` for the one in front of the application,
``$proxy_add_x_forwarded_for`` for one behind another proxy), the client is the
``RENKEI_PROXY_COUNT``-th address from the right: what a client put on the left itself is never
read. With fewer addresses than proxies (a request that did not come through them all), the
connection's address is used.

Before this, axes looked for django-ipware, which Renkei does not install, and counted
``REMOTE_ADDR`` whatever ``RENKEI_PROXY_COUNT`` said: behind nginx every client had nginx's
address, and ten wrong passwords from anyone refused log-ins from everyone (issue 14's drill).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "RENKEI_PROXY_COUNT", 0)
    if not proxies:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    if len(chain) < proxies:
        return remote
    candidate = chain[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address (a misconfigured proxy): count the connection's
        return remote
