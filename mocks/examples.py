"""The contract's documented answers: what `Prefer: code=NNN[, example=LABEL]` selects, and what a
scripted fault's status is answered with (the API's own error body for 4xx/5xx, else a fixture)."""

from __future__ import annotations

import re
from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from jobcontract import contracts

PREFER_PATTERN = re.compile(r"\s*(code|example|dynamic)\s*=\s*\"?([^\",;]+)\"?\s*")

#: the dialect's error answer: (request, status, detail, chosen=...) -> the API's own error body
ErrorAnswer = Callable[..., Response]


def selected(prefer: str) -> tuple[str, str | None] | None:
    """The `code=` and `example=` of a Prefer header (None: no code selected)."""
    found = dict(m.groups() for part in prefer.split(",") if (m := PREFER_PATTERN.fullmatch(part)))
    if "code" not in found:
        return None
    return found["code"], found.get("example")


class Examples:
    """One API's documented answers, from its contract's responses and fixtures."""

    def __init__(self, contract: contracts.Contract, error: ErrorAnswer) -> None:
        self.contract = contract
        self.error = error

    def select(self, request: Request, operation_id: str, code: str, example: str | None) -> Response:
        """The answer `Prefer: code=` asks for, or a 400 saying what can be asked for."""
        if operation_id not in self.contract.operation_ids:  # a mock-only route (e.g. CLC's power operations)
            return self.error(
                request, 400, f"Prefer: code= selects documented answers; {operation_id} is not in the contract"
            )
        try:
            self.contract.response(operation_id, code)
        except contracts.ContractError:
            documented = ", ".join(r.status for r in self.contract.responses(operation_id))
            return self.error(
                request, 400, f"Prefer: code={code} is not documented for {operation_id} (documented: {documented})"
            )
        return self.documented(request, operation_id, int(code), "selected by Prefer", example)

    def documented(
        self, request: Request, operation_id: str, status: int, reason: str, example: str | None = None
    ) -> Response:
        """The documented answer for `status`: the API's own error for 4xx/5xx, else a fixture (the one of
        the media type the request accepts, its required headers the contract's example values)."""
        if status >= 400 and example is None:
            return self.error(request, status, reason, chosen=True)
        fixtures = [f for f in self.contract.fixtures() if f.operation_id == operation_id and f.status == str(status)]
        candidates = [f for f in fixtures if example is None or f.label == example]
        if not candidates:
            examples = ", ".join(sorted({f.label for f in fixtures if f.label})) or "none"
            return self.error(
                request, 400, f"no example {example!r} for {operation_id} {status} (examples: {examples})"
            )
        wanted = request.accept_mimetypes.best_match(["application/json", "text/html", "text/xml"]) or ""
        fixture = next((f for f in candidates if contracts.media_kind(wanted) == f.kind), candidates[0])
        documented = self.contract.response(operation_id, status)
        media = next(m for m in documented.media_types if contracts.media_kind(m) == fixture.kind)
        response = Response(fixture.body(), status=status, content_type=media)
        for name, header in documented.spec.get("headers", {}).items():
            if header.get("required"):  # the contract's own example value of a required header
                response.headers[name] = str(header.get("example", header.get("schema", {}).get("example", "")))
        return response
