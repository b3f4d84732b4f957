"""What counts as a secret, and its redaction: one list for the mocks (journal, access log, error bodies) and
the suites' outputs (report, JUnit, logs).

A secret is a credential header (`Authorization`, `Proxy-Authorization`, `X-Auth-Token`, `Cookie`,
`X-Api-Key`, `X-Amz-Security-Token`, ...), a credential field in JSON, a form or a query string (`password`,
`access_token`, `client_secret`, AWS signatures and keys, ...), the password of a URL, an AWS access key id,
or any value the caller names (a `kind="secret"` option's value). Each is replaced by `[redacted]`, keeping
its name, so a reader sees that something was there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-auth-token",
        "cookie",
        "set-cookie",
        "x-amz-security-token",
        "x-api-key",
    }
)
#: field names (JSON members, form and query fields) whose value is a credential, compared case-insensitively
SECRET_FIELDS = frozenset(
    name.lower()
    for name in (
        "password",
        "passwd",
        "bearerToken",
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "token",
        "api_key",
        "apikey",
        "aws_secret_access_key",
        "secret_key",
        "session_token",
        "secretAccessKey",
        "sessionToken",
        "Signature",
        "X-Amz-Signature",
        "X-Amz-Credential",
        "X-Amz-Security-Token",
        "AWSAccessKeyId",
        "SecurityToken",
    )
)

_HEADER = "|".join(re.escape(name) for name in sorted(SECRET_HEADERS))
_FIELD = "|".join(re.escape(name) for name in sorted(SECRET_FIELDS, key=len, reverse=True))
# (pattern, replacement): each keeps the name and redacts the value after it.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # headers in any notation: `Authorization: Bearer x`, `'Authorization': 'Bearer x'`, curl's -H
    (re.compile(rf"""(["']?\b(?:{_HEADER})["']?\s*[:=]\s*["']?)[^"'\r\n]+""", re.I), rf"\g<1>{REDACTED}"),
    # JSON members, Python dict items and keyword arguments: `"password": "x"`, `password='x'`
    (
        re.compile(rf"""(["']?\b(?:{_FIELD})["']?\s*[:=]\s*)(["'])(?:\\.|(?!\2).)*\2""", re.I),
        rf"\1\2{REDACTED}\2",
    ),
    # form and query fields
    (re.compile(rf"((?:^|[?&\s;])(?:{_FIELD})=)[^&\s'\";]+", re.I), rf"\1{REDACTED}"),
    # a password in a URL: https://user:secret@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@", re.I), rf"\1{REDACTED}@"),
    # AWS access key ids, wherever they stand (SigV4 Credential=AKIA.../...)
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b"), REDACTED),
)


def redact_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """The headers, each credential header's value redacted."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: REDACTED if name.lower() in SECRET_HEADERS else value for name, value in items}


def redact_query(query: str) -> str:
    """A query string (or form body), each credential field's value redacted; the rest as sent."""
    if not query or "=" not in query:
        return query
    if not any(name.lower() in SECRET_FIELDS for name, _ in parse_qsl(query, keep_blank_values=True)):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(name, REDACTED if name.lower() in SECRET_FIELDS else value) for name, value in pairs])


class Redactor:
    """Replaces known secret values and anything shaped like a credential with `[redacted]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # a value too short to be a credential (an "x" in a test's environment) would shred every text it is
        # in; such a value is still redacted where the patterns find it (a password field, a header)
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def scrub(self, value: Any) -> Any:
        """`value` with every string in it redacted: strings, lists, tuples, dicts and dataclasses (pytest's
        representations of a failure, changed in place, so that they keep their shape)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.scrub(item) for item in value)
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for member in dataclasses.fields(value):
                object.__setattr__(value, member.name, self.scrub(getattr(value, member.name)))
        return value


redact = Redactor()  # the patterns alone: for what the mocks write
