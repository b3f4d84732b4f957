"""Preflight: before any test, each server named by `--<api>-url` is probed once. It must answer within a
bounded time, at the right base URL, and accept the credentials given. A problem found here is the user's to
fix (a dead URL, a wrong path, a refused token), so it stops the run with exit code 2 and one line per problem
saying what to fix; it is never reported as the provider's contract violation.

Each probe asks the least a client of the API asks first: OGC `GET /conformance`, Cloud Foundry the root's
links and a job read with the token, CenturyLink Cloud a login, Import/Export a `ListJobs` of one job.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

CONNECT_SECONDS, READ_SECONDS = 5.0, 15.0
# a guid no server issued: reading it with a valid token answers 404
UNKNOWN_GUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://jobcontract.invalid/preflight"))

Values = Callable[[str], Any]


def _get(url: str, **kwargs: Any) -> requests.Response:
    return requests.request(kwargs.pop("method", "GET"), url, timeout=(CONNECT_SECONDS, READ_SECONDS), **kwargs)


def _unreachable(where: str, url: str, error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        why = f"no answer within {READ_SECONDS:.0f} s"
    elif isinstance(error, requests.ConnectionError):
        why = "the connection was refused or the host is unknown"
    else:
        why = type(error).__name__
    return f"{where} {url}: cannot reach the server ({why}); check the URL and that the server is running"


def _absent(option: str, name: object, url: str, answer: str) -> str:
    return f"{option} {name!r} does not exist on {url} ({answer}): name one of its jobs"


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def probe_ogc(url: str, value: Values) -> list[str]:
    where = "--ogc-url (JOBCONTRACT_OGC_URL)"
    try:
        response = _get(f"{url.rstrip('/')}/conformance", headers={"Accept": "application/json"})
    except requests.RequestException as error:
        return [_unreachable(where, url, error)]
    body = _json(response)
    if response.status_code in (401, 403):
        return [f"{where} {url}: GET /conformance answered {response.status_code}: the server wants credentials"]
    if response.status_code != 200 or not isinstance(body, dict) or "conformsTo" not in body:
        return [
            f"{where} {url}: GET {url.rstrip('/')}/conformance answered {response.status_code} without conformsTo:"
            " give the API's landing URL, the one /conformance and /jobs are under"
        ]
    problems = []
    for job_id in value("ogc_job") or []:
        path = f"/jobs/{quote(str(job_id), safe='')}"
        if _get(url.rstrip("/") + path, headers={"Accept": "application/json"}).status_code == 404:
            problems.append(_absent("--ogc-job (JOBCONTRACT_OGC_JOB)", job_id, url, f"GET {path} answered 404"))
    return problems


def probe_cf(url: str, value: Values) -> list[str]:
    where = "--cf-url (JOBCONTRACT_CF_URL)"
    try:
        root = _get(f"{url.rstrip('/')}/", headers={"Accept": "application/json"})
    except requests.RequestException as error:
        return [_unreachable(where, url, error)]
    links = (_json(root) or {}).get("links") if isinstance(_json(root), dict) else None
    if root.status_code != 200 or not isinstance(links, dict) or "cloud_controller_v3" not in links:
        return [
            f"{where} {url}: GET / answered {root.status_code} without the cloud_controller_v3 link:"
            " give the Cloud Controller's root URL (without /v3)"
        ]
    token = value("cf_token")
    if not token:
        return ["--cf-url needs a bearer token: give --cf-token (or JOBCONTRACT_CF_TOKEN), e.g. `cf oauth-token`"]
    named = [*(value("cf_job") or []), *([value("cf_failed_job")] if value("cf_failed_job") else [])]
    guid = named[0] if named else UNKNOWN_GUID
    try:
        job = _get(f"{url.rstrip('/')}/v3/jobs/{guid}", headers={"Authorization": f"Bearer {token}"})
    except requests.RequestException as error:
        return [_unreachable(where, url, error)]
    if job.status_code == 401:
        also = "" if named else " (or the server answers 401 for an unknown job: name a job with --cf-job to tell)"
        return [f"--cf-token (JOBCONTRACT_CF_TOKEN) was refused: GET /v3/jobs/{guid} answered 401{also}"]
    if job.status_code == 403:
        return ["--cf-token (JOBCONTRACT_CF_TOKEN) lacks the cloud_controller.read scope: jobs answer 403"]
    problems = []
    for option, guids in (
        ("--cf-job (JOBCONTRACT_CF_JOB)", value("cf_job") or []),
        ("--cf-failed-job (JOBCONTRACT_CF_FAILED_JOB)", [value("cf_failed_job")] if value("cf_failed_job") else []),
    ):
        for named_guid in guids:
            answer = (
                job
                if named_guid == guid
                else _get(f"{url.rstrip('/')}/v3/jobs/{named_guid}", headers={"Authorization": f"Bearer {token}"})
            )
            if answer.status_code == 404:
                problems.append(_absent(option, named_guid, url, f"GET /v3/jobs/{named_guid} answered 404"))
    return problems


def _clc_login(url: str, username: str, password: str, who: str) -> str | dict[str, Any]:
    """The login's body, or the problem with it."""
    response = _get(
        f"{url.rstrip('/')}/v2/authentication/login", method="POST", json={"username": username, "password": password}
    )
    if response.status_code == 404:
        return (
            f"--clc-url (JOBCONTRACT_CLC_URL) {url}: POST /v2/authentication/login answered 404:"
            " give the API base URL, without /v2"
        )
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict) or "bearerToken" not in body:
        return f"the login of {who} was refused ({response.status_code}): check its user name and password"
    return body


def probe_clc(url: str, value: Values) -> list[str]:
    accounts = [("clc_username", "clc_password", "--clc-username/--clc-password")]
    if value("clc_other_username") or value("clc_other_password"):
        accounts.append(("clc_other_username", "clc_other_password", "--clc-other-username/--clc-other-password"))
    problems = []
    for user_option, password_option, who in accounts:
        username, password = value(user_option), value(password_option)
        if not username or not password:
            problems.append(f"--clc-url needs a login: give both of {who} (or their JOBCONTRACT_ variables)")
            continue
        try:
            login = _clc_login(url, str(username), str(password), who)
        except requests.RequestException as error:
            return [_unreachable("--clc-url (JOBCONTRACT_CLC_URL)", url, error)]
        if isinstance(login, str):
            problems.append(login)
            if "404" in login:
                break
        elif user_option == "clc_username":
            headers = {"Authorization": f"Bearer {login['bearerToken']}", "Accept": "application/json"}
            for status_id in value("clc_status_id") or []:
                path = f"/v2/operations/{login.get('accountAlias')}/status/{quote(str(status_id), safe='')}"
                if _get(url.rstrip("/") + path, headers=headers).status_code == 404:
                    where = "--clc-status-id (JOBCONTRACT_CLC_STATUS_ID)"
                    problems.append(_absent(where, status_id, url, f"GET {path} answered 404"))
    return problems


def probe_importexport(url: str, value: Values) -> list[str]:
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    where = "--importexport-url (JOBCONTRACT_IMPORTEXPORT_URL)"
    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        return [
            "--importexport-url needs AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            " (or AWS_PROFILE), as for boto3"
        ]
    frozen = credentials.get_frozen_credentials()
    client = boto3.client(
        "importexport",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key,
        aws_session_token=frozen.token,
        config=Config(connect_timeout=CONNECT_SECONDS, read_timeout=READ_SECONDS, retries={"max_attempts": 1}),
    )
    try:
        client.list_jobs(MaxJobs=1)
    except EndpointConnectionError as error:
        return [_unreachable(where, url, requests.ConnectionError(str(error)))]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("InvalidClientTokenId", "InvalidAccessKeyIdException", "SignatureDoesNotMatch", "AuthFailure"):
            return [f"the AWS credentials were refused ({code}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"]
        return [f"{where} {url}: ListJobs answered {status} {code}: give the Import/Export endpoint URL"]
    except (BotoCoreError, ValueError) as error:
        return [f"{where} {url}: ListJobs got no Import/Export answer ({type(error).__name__}): give its endpoint URL"]
    problems = []
    named = [("importexport_job", job) for job in value("importexport_job") or []]
    named += [(dest, value(dest)) for dest in ("importexport_canceled_job", "importexport_expired_job") if value(dest)]
    for dest, job_id in named:
        try:
            client.get_status(JobId=str(job_id))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "InvalidJobIdException":
                option = f"--{dest.replace('_', '-')} (JOBCONTRACT_{dest.upper()})"
                problems.append(_absent(option, job_id, url, "GetStatus answered InvalidJobIdException"))
    return problems


PROBES: dict[str, Callable[[str, Values], list[str]]] = {
    "ogc": probe_ogc,
    "cf": probe_cf,
    "clc": probe_clc,
    "importexport": probe_importexport,
}


def preflight(value: Values) -> list[str]:
    """Every problem with the named servers, one line each; empty when all of them answer as expected."""
    problems = []
    for api, probe in PROBES.items():
        url = value(f"{api}_url")
        if url:
            problems += probe(str(url), value)
    return problems
