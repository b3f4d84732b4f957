"""The contracts of the four job-status APIs, and the one way to read and apply them.

`contracts/<api>/openapi.yaml` and its `schemas/*.json` are the single source of truth (see
CONVENTIONS.md). Suites, mocks and tests all go through `load(api)`, so a change to a contract
reaches all three at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from jobcontract import fixtures

# libyaml's safe loader where PyYAML was built with it (6x faster: a served mock reads its contract at start-up)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:  # imported where they are used: a served mock starts without them (bench/README.md, start-up)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry, Resource

APIS = ("ogc", "importexport", "clc", "cf")
# package data, found where the package is (a checkout, an editable install, a wheel's site-packages); the
# packages' own files rather than importlib.resources, whose import (zipfile, tempfile, ...) cost `serve` 14 ms
CONTRACTS_DIR = Path(__file__).resolve().parent
FIXTURES_DIR = Path(fixtures.__file__).resolve().parent
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# File extension of a fixture for each kind of media type (CONVENTIONS.md).
EXTENSION_OF_KIND = {"json": "json", "xml": "xml", "html": "html"}

#: how deep a JSON document a request may nest (arrays and objects): no request of the four APIs nor of the
#: mocks' control API comes near it, and deeper ones would exhaust Python's recursion when parsed
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')  # a string literal, whatever brackets it holds
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DEPTH_STEP = [{ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}.get(byte, 0) for byte in range(256)]


class ContractError(Exception):
    """A contract, or a lookup in one, is wrong: the message says what and where."""


def media_kind(media_type: str) -> str:
    """`json`, `xml`, `html` or `other`: how a body of this media type is decoded."""
    essence = media_type.split(";", 1)[0].strip().lower()
    if essence == "application/json" or essence.endswith("+json"):
        return "json"
    if essence in ("text/xml", "application/xml") or essence.endswith("+xml"):
        return "xml"
    if essence == "text/html":
        return "html"
    return "other"


def loads_json(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` for what a client sent: a document nested deeper than `max_depth` is refused (ValueError,
    as for a document that is not JSON) before it is parsed, so that it cannot exhaust the recursion of the
    parser, the schema validator or anything else that walks it."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") > max_depth:  # else it cannot be that deep: no need to look closer
        brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
        if max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > max_depth:  # C loops: 1 MiB in ms
            raise ValueError(f"the JSON nests deeper than {max_depth} arrays and objects")
    return json.loads(data)


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 JSON pointer (`""` is the whole document)."""
    value = document
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list):
            if not token.isdigit() or int(token) >= len(value):
                raise KeyError(pointer)
            value = value[int(token)]
        elif isinstance(value, dict) and token in value:
            value = value[token]
        else:
            raise KeyError(pointer)
    return value


def _load_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text, Loader=YAML_LOADER) if path.suffix in (".yaml", ".yml") else json.loads(text)


def _retrieve(uri: str) -> Resource:
    from referencing import Resource
    from referencing.jsonschema import DRAFT202012

    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise ContractError(f"contracts only reference local files, not {uri!r}")
    path = Path(unquote(parts.path))
    if not path.is_file():
        raise ContractError(f"$ref target {uri!r} does not exist")
    return Resource.from_contents(_load_file(path), default_specification=DRAFT202012)


@dataclass(frozen=True)
class _Resolved:
    """A schema with the resolver of the document it stands in (like referencing's Resolved)."""

    contents: Any
    resolver: Any


@dataclass(frozen=True)
class Variants:
    """The documented forms of one response body (`x-jobcontract-variants`)."""

    pointer: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Response:
    contract: Contract
    operation_id: str
    method: str
    path: str
    status: str
    location: str  # JSON pointer of the (resolved) response object inside openapi.yaml
    spec: dict[str, Any]

    @property
    def media_types(self) -> tuple[str, ...]:
        return tuple(self.spec.get("content", {}))

    @property
    def description(self) -> str:
        return str(self.spec.get("description", ""))

    @property
    def requirement(self) -> str:
        """The document and requirement this response answers to, e.g. `OGC 18-062r2 /req/core/job-success`."""
        named = self.spec.get("x-jobcontract-requirement")
        return f"{self.contract.document_name} {named or f'{self.operation_id} {self.status}'}"

    @cached_property
    def variants(self) -> Variants | None:
        declared = self.spec.get("x-jobcontract-variants")
        if declared is None:
            return None
        pointer = declared["pointer"]
        values = declared.get("values")
        if values is None:
            values = self._enum_at(pointer)
        return Variants(pointer, tuple(str(v) for v in values))

    def _enum_at(self, pointer: str) -> list[Any]:
        for media_type in self.media_types:
            if media_kind(media_type) in ("json", "xml"):
                schema = self.contract.subschema(self.schema_location(media_type), pointer)
                if "enum" in schema:
                    return list(schema["enum"])
        raise ContractError(
            f"{self.contract.api} {self.operation_id} {self.status}: x-jobcontract-variants has no"
            f" values and the schema at {pointer} has no enum"
        )

    def schema_location(self, media_type: str) -> str:
        if media_type not in self.spec.get("content", {}):
            raise ContractError(
                f"{self.contract.api} {self.operation_id} {self.status} documents no {media_type}"
                f" (documented: {', '.join(self.media_types) or 'no body'})"
            )
        return f"{self.location}/content/{escape_pointer_token(media_type)}/schema"

    def validate(self, media_type: str, instance: Any) -> list[ValidationError]:
        """Every way `instance` breaks the schema of this response in `media_type`."""
        validator = self.contract.validator_at(self.schema_location(media_type))
        return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))


@dataclass(frozen=True)
class Fixture:
    """One example body: `fixtures/<api>/<operationId>/<status>[-<label>].<ext>`."""

    api: str
    path: Path
    operation_id: str
    status: str
    label: str | None
    extension: str

    @property
    def kind(self) -> str:
        return {v: k for k, v in EXTENSION_OF_KIND.items()}.get(self.extension, "other")

    def body(self) -> bytes:
        return self.path.read_bytes()


class Contract:
    """One API's OpenAPI document with its schemas, ready to look up and validate against."""

    def __init__(self, api: str) -> None:
        if api not in APIS:
            raise ContractError(f"unknown API {api!r}; the APIs are {', '.join(APIS)}")
        self.api = api
        self.directory = CONTRACTS_DIR / api
        self.openapi_path = self.directory / "openapi.yaml"
        self.uri = self.openapi_path.as_uri()
        if not self.openapi_path.is_file():
            raise ContractError(f"{self.openapi_path} does not exist")
        self.document: dict[str, Any] = _load_file(self.openapi_path)

    @cached_property
    def registry(self) -> Registry:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        return Registry(retrieve=_retrieve).with_resource(  # type: ignore[call-arg]
            self.uri, Resource.from_contents(self.document, default_specification=DRAFT202012)
        )

    def __repr__(self) -> str:
        return f"Contract({self.api!r})"

    @property
    def document_name(self) -> str:
        """The document the contract follows (`info.x-jobcontract-document`)."""
        return str(self.document.get("info", {}).get("x-jobcontract-document", self.document["info"]["title"]))

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(path, method, operation) for every operation, in document order."""
        for path, item in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    yield path, method, item[method]

    @cached_property
    def operation_ids(self) -> tuple[str, ...]:
        return tuple(op.get("operationId", "") for _, _, op in self.operations())

    def _find(self, operation_id: str) -> tuple[str, str, dict[str, Any]]:
        for path, method, op in self.operations():
            if op.get("operationId") == operation_id:
                return path, method, op
        raise ContractError(f"{self.api} has no operation {operation_id!r} (it has {', '.join(self.operation_ids)})")

    def responses(self, operation_id: str) -> list[Response]:
        path, method, op = self._find(operation_id)
        base = f"/paths/{escape_pointer_token(path)}/{method}/responses"
        found = []
        for status, spec in op.get("responses", {}).items():
            location = f"{base}/{escape_pointer_token(str(status))}"
            while "$ref" in spec:
                ref = spec["$ref"]
                if not ref.startswith("#/"):
                    raise ContractError(f"{self.api}: response $ref {ref!r} must be local")
                location = ref[1:]
                spec = resolve_pointer(self.document, location)
            found.append(Response(self, operation_id, method, path, str(status), location, spec))
        return found

    def request_errors(
        self, operation_id: str, content_type: str | None, body: bytes, *, hidden: Collection[str] = ()
    ) -> list[str]:
        """Every way a request body breaks `operation_id`'s documented requestBody ([] if it conforms).
        A body without a Content-Type is read as the first documented media type. A message about a member
        named in `hidden` (credentials: compared case-insensitively), or about a value holding one, does not
        quote the value."""
        path, method, op = self._find(operation_id)
        spec = op.get("requestBody")
        if spec is None:
            return []
        location = f"/paths/{escape_pointer_token(path)}/{method}/requestBody"
        while "$ref" in spec:
            location = spec["$ref"][1:]
            spec = resolve_pointer(self.document, location)
        if not body:
            return ["a request body is required"] if spec.get("required") else []
        content = spec.get("content", {})
        essence = (content_type or "").split(";", 1)[0].strip().lower() or next(iter(content), "")
        if essence not in content:
            return [f"Content-Type {essence!r} is not documented (documented: {', '.join(content)})"]
        if media_kind(essence) == "json":
            try:
                instance = loads_json(body)
            except ValueError as error:
                return [f"the body is not JSON: {error}"]
        elif essence == "application/x-www-form-urlencoded":
            instance = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            return []
        validator = self.validator_at(f"{location}/content/{escape_pointer_token(essence)}/schema")
        secret = {name.lower() for name in hidden}
        return [
            f"at /{'/'.join(map(str, error.absolute_path))}: "
            + (_unquoted(error) if _holds_secret(error, secret) else error.message)
            for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        ]

    def response(self, operation_id: str, status: int | str) -> Response:
        for response in self.responses(operation_id):
            if response.status == str(status):
                return response
        documented = ", ".join(r.status for r in self.responses(operation_id))
        raise ContractError(f"{self.api} {operation_id} does not document status {status} (documented: {documented})")

    @cache  # noqa: B019 - contracts live for the whole process
    def validator_at(self, location: str) -> Draft202012Validator:
        from jsonschema import Draft202012Validator, FormatChecker

        return Draft202012Validator(
            {"$ref": f"{self.uri}#{location}"},
            registry=self.registry,
            format_checker=FormatChecker(),
        )

    def resolved_schema(self, location: str) -> dict[str, Any]:
        """The schema at `location` with its top-level `$ref` chain followed."""
        return self._follow(self.registry.resolver(self.uri).lookup(f"#{location}")).contents  # type: ignore[no-any-return]

    def subschema(self, location: str, instance_pointer: str) -> dict[str, Any]:
        """The schema that the schema at `location` gives the member at `instance_pointer`,
        through `$ref`, `allOf` and `properties` (an empty schema where it says nothing)."""
        current = [self._follow(self.registry.resolver(self.uri).lookup(f"#{location}"))]
        for raw in instance_pointer.split("/")[1:]:
            token = raw.replace("~1", "/").replace("~0", "~")
            found = []
            for resolved in self._with_all_of(current):
                member = resolved.contents.get("properties", {}).get(token)
                if member is None and token.isdigit():
                    member = resolved.contents.get("items")
                if isinstance(member, dict):
                    found.append(self._follow(_Resolved(member, resolved.resolver)))
            current = found
        merged: dict[str, Any] = {}
        required: set[str] = set()
        for resolved in self._with_all_of(current):
            merged.update(resolved.contents)
            required.update(resolved.contents.get("required", []))
        if required:
            merged["required"] = sorted(required)
        return merged

    @staticmethod
    def _follow(resolved: Any) -> Any:
        while isinstance(resolved.contents, dict) and "$ref" in resolved.contents:
            resolved = resolved.resolver.lookup(resolved.contents["$ref"])
        return resolved

    def _with_all_of(self, schemas: list[Any]) -> list[Any]:
        out = []
        for resolved in schemas:
            out.append(resolved)
            for part in resolved.contents.get("allOf", []):
                out.extend(self._with_all_of([self._follow(_Resolved(part, resolved.resolver))]))
        return out

    def fixtures(self) -> list[Fixture]:
        return fixtures(self.api)

    def decode(self, operation_id: str, status: int | str, media_type: str, body: bytes) -> Any:
        """The body as a schema sees it: JSON parsed, XML parsed by botocore, HTML as text."""
        kind = media_kind(media_type)
        if kind == "json":
            return json.loads(body)
        if kind == "xml":
            return _decode_query_xml(self.api, operation_id, int(status), body)
        return body.decode("utf-8")


def _holds_secret(error: ValidationError, secret: Collection[str]) -> bool:
    """Whether the value a validation error is about is, or holds, a member named in `secret`."""
    if not secret:
        return False
    if any(isinstance(part, str) and part.lower() in secret for part in error.absolute_path):
        return True
    pending = [error.instance]
    while pending:  # no recursion: the instance may nest as deep as a request may
        value = pending.pop()
        if isinstance(value, dict):
            if any(isinstance(key, str) and key.lower() in secret for key in value):
                return True
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _unquoted(error: ValidationError) -> str:
    """What a validation error says, without the value it is about (jsonschema's messages quote it)."""
    expected = error.validator_value
    rule = f"{error.validator}: {json.dumps(expected)}" if isinstance(expected, str | int | list) else error.validator
    return f"the value breaks the schema ({rule}); it is not shown, as it is or holds a credential"


def _decode_query_xml(api: str, operation_id: str, status: int, body: bytes) -> Any:
    """Parse an AWS query-protocol body exactly as boto3 does, JSON-ready (datetimes as ISO 8601).
    A body that is not XML, or lacks the operation's result element, raises ValueError (as a body
    that is not JSON does)."""
    from botocore.parsers import QueryParser, ResponseParserError

    operation = _botocore_service_model(api).operation_model(operation_id)
    try:
        parsed = QueryParser().parse({"body": body, "status_code": status, "headers": {}}, operation.output_shape)
    except ResponseParserError as error:
        raise ValueError(str(error)) from None
    except KeyError as error:  # botocore looks the result wrapper up by name
        raise ValueError(f"the body has no {error.args[0]} element") from None
    return json.loads(json.dumps(parsed, default=lambda value: value.isoformat()))


@cache
def _botocore_service_model(api: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(api)


def fixtures(api: str) -> list[Fixture]:
    """Every fixture file of `api`, named as CONVENTIONS.md says."""
    found = []
    for path in sorted((FIXTURES_DIR / api).glob("*/*")):
        if path.name.startswith(".") or not path.is_file():
            continue
        stem, _, extension = path.name.partition(".")
        status, _, label = stem.partition("-")
        found.append(Fixture(api, path, path.parent.name, status, label or None, extension))
    return found


@cache
def load(api: str) -> Contract:
    """The contract of `api` (one of APIS), loaded once per process."""
    return Contract(api)
