"""The contracts are valid OpenAPI 3.1, their schemas valid JSON Schema 2020-12, and every
documented response has a fixture that validates (contracts/CONVENTIONS.md)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from jobcontract import contracts
from jobcontract.contracts import APIS, EXTENSION_OF_KIND, Contract, Fixture, media_kind

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
ALL_FIXTURES = [fixture for api in APIS for fixture in contracts.fixtures(api)]


def _fixture_id(fixture: Fixture) -> str:
    return f"{fixture.api}/{fixture.operation_id}/{fixture.path.name}"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.fixture(params=APIS)
def contract(request: pytest.FixtureRequest) -> Contract:
    return contracts.load(request.param)


def test_openapi_document_is_valid_openapi_3_1(contract: Contract) -> None:
    assert str(contract.document.get("openapi", "")).startswith("3.1."), "contracts are OpenAPI 3.1"
    validate_openapi(contract.document, base_uri=contract.uri)


def test_every_ref_resolves(contract: Contract) -> None:
    documents = [(contract.openapi_path, contract.document)]
    documents += [(path, json.loads(path.read_text())) for path in sorted(contract.directory.glob("schemas/*.json"))]
    for path, document in documents:
        resolver = contract.registry.resolver(path.as_uri())
        for ref in _refs(document):
            resolved = resolver.lookup(ref)
            assert resolved.contents is not None, f"{path.name}: {ref} resolves to nothing"


def test_schema_files_are_json_schema_2020_12(contract: Contract) -> None:
    files = sorted(contract.directory.glob("schemas/*.json"))
    assert files, f"contracts/{contract.api}/schemas holds no schema"
    for path in files:
        schema = json.loads(path.read_text())
        assert schema.get("$schema") == DRAFT_2020_12, f"{path.name} does not declare 2020-12"
        assert "$id" not in schema, f"{path.name} has an $id; relative $refs must resolve by file"
        Draft202012Validator.check_schema(schema)


def test_schemathesis_reads_every_operation(contract: Contract) -> None:
    schema = schemathesis.openapi.from_path(contract.openapi_path)
    operations = [result.ok() for result in schema.get_all_operations()]
    found = sorted(op.definition.raw["operationId"] for op in operations)
    assert found == sorted(contract.operation_ids)


def test_operations_are_identified_and_responses_described(contract: Contract) -> None:
    ids = contract.operation_ids
    assert all(ids), f"{contract.api}: an operation has no operationId"
    assert len(set(ids)) == len(ids), f"{contract.api}: operationIds repeat: {ids}"
    for operation_id in ids:
        responses = contract.responses(operation_id)
        assert responses, f"{operation_id} documents no response"
        for response in responses:
            assert response.status.isdigit(), f"{operation_id}: '{response.status}' is not a status code"
            assert response.description, f"{operation_id} {response.status} has no description"
            assert response.media_types, f"{operation_id} {response.status} documents no body"


def test_notes_explain_the_differences(contract: Contract) -> None:
    notes = contract.directory / "NOTES.md"
    assert notes.is_file() and len(notes.read_text().strip()) > 200, f"{notes} is missing or empty"


def test_every_documented_response_has_a_fixture(contract: Contract) -> None:
    have = {(f.operation_id, f.status, f.label, f.extension) for f in contract.fixtures()}
    missing = []
    for operation_id in contract.operation_ids:
        for response in contract.responses(operation_id):
            for media_type in response.media_types:
                extension = EXTENSION_OF_KIND.get(media_kind(media_type))
                assert extension, f"{operation_id} {response.status}: no fixture kind for {media_type}"
                wanted = {None}
                if response.variants and media_kind(media_type) in ("json", "xml"):
                    wanted = set(response.variants.values)
                for label in wanted:
                    labels = {f[2] for f in have if f[:2] == (operation_id, response.status) and f[3] == extension}
                    if (label is None and labels) or label in labels:
                        continue
                    name = f"{response.status}{'-' + label if label else ''}.{extension}"
                    missing.append(f"fixtures/{contract.api}/{operation_id}/{name} ({media_type})")
    assert not missing, "documented responses without a fixture:\n" + "\n".join(missing)


def _decode(fixture: Fixture) -> Any:
    contract = contracts.load(fixture.api)
    response = contract.response(fixture.operation_id, fixture.status)
    media_types = [m for m in response.media_types if EXTENSION_OF_KIND.get(media_kind(m)) == fixture.extension]
    assert media_types, (
        f"{fixture.path}: {fixture.operation_id} {fixture.status} documents no media type for"
        f" .{fixture.extension} (documented: {', '.join(response.media_types)})"
    )
    return (
        response,
        media_types,
        contract.decode(fixture.operation_id, fixture.status, media_types[0], fixture.body()),
    )


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=_fixture_id)
def test_fixture_validates_against_its_response(fixture: Fixture) -> None:
    response, media_types, instance = _decode(fixture)
    for media_type in media_types:
        errors = response.validate(media_type, instance)
        assert not errors, f"{fixture.path} ({media_type}):\n" + "\n".join(
            f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors
        )
    if fixture.label is not None:
        variants = response.variants
        assert variants, f"{fixture.path} has a label but the response declares no variants"
        assert fixture.label in variants.values, f"{fixture.label!r} is not one of {variants.values}"
        value = contracts.resolve_pointer(instance, variants.pointer)
        assert str(value) == fixture.label, f"{fixture.path}: {variants.pointer} is {value!r}"


STRUCTURED_FIXTURES = [f for f in ALL_FIXTURES if f.extension in ("json", "xml")]


@pytest.mark.parametrize("fixture", STRUCTURED_FIXTURES, ids=_fixture_id)
def test_validation_rejects_a_broken_copy_of_the_fixture(fixture: Fixture) -> None:
    """The validator can fail: null is never a documented body, nor is one missing a required member."""
    response, media_types, instance = _decode(fixture)
    contract = contracts.load(fixture.api)
    media_type = media_types[0]
    assert response.validate(media_type, None), f"{fixture.path}: null passes as a body"
    required = set(contract.subschema(response.schema_location(media_type), "").get("required", []))
    if isinstance(instance, dict):
        for key in sorted(required & instance.keys()):
            broken = copy.deepcopy(instance)
            del broken[key]
            assert response.validate(media_type, broken), f"{fixture.path}: passes without {key!r}"


def test_lookup_errors_say_what_is_wrong() -> None:
    with pytest.raises(contracts.ContractError, match="unknown API 'nope'"):
        contracts.Contract("nope")
    with pytest.raises(contracts.ContractError, match="has no operation 'nothing'"):
        contracts.load("ogc").response("nothing", 200)
    with pytest.raises(contracts.ContractError, match="does not document status 418"):
        contracts.load("ogc").response("getStatus", 418)
