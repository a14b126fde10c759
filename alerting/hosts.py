"""Where the cockpit may send requests: an allowlist of hosts, so a typo in a URL never sends
an alert (or a signed webhook) to somebody else's server. One owner for the rule: the config
checks every URL with it, and the outbox checks again before each send."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_ALLOWED_HOSTS = (
    "hooks.slack.com",
    "slack.com",
    "events.pagerduty.com",
    "api.github.com",
    "gitlab.com",
)


def host_is_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Exact match, or a ``*.example.com`` pattern for its subdomains."""
    host = host.lower()
    for pattern in allowed:
        pattern = pattern.lower()
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def url_is_allowed(url: str, allowed: Iterable[str]) -> bool:
    """The URL's host is allowed (a URL without a host never is)."""
    host = urlsplit(url).hostname or ""
    return bool(host) and host_is_allowed(host, allowed)
