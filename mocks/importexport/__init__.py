"""AWS Import/Export (2010-06-01) as a moto backend, out of moto's tree, in moto's own layout
(models, responses, urls, exceptions): CreateJob, GetStatus, CancelJob, UpdateJob, ListJobs and
GetShippingLabel, with job progress on the shared lifecycle engine (see models.py).

    from jobcontract.mocks import importexport
    importexport.register()              # once, before mock_aws() starts or a moto server answers
    with mock_aws():
        client = boto3.client("importexport", region_name="us-east-1")
        job_id = client.create_job(JobType="Import", Manifest=..., ValidateOnly=False)["JobId"]
        importexport.advance(86400)      # a day passes for the default account's jobs
        client.get_status(JobId=job_id)  # the device is AtAWS now

or point `endpoint_url` at moto's server (`ImportExportServer`, `jobcontract serve --api importexport`,
or moto's stock `ThreadedMotoServer`). The Python control: `backend(account)` gives an account's backend,
whose `create_job(..., script=...)` scripts a job's life (a name in `SCRIPTS` or steps
`"<LocationCode>/<ProgressCode>"`) and `faults=...` its GetStatus faults, `inject_fault` adds one (a delay,
a dropped connection, a dribbled answer; a request asks for its own with `Prefer:`), `advance(seconds)`
moves its clock, `revoke_access_key` provokes the 403, and `retention_seconds` says how long a canceled or
expired job stays visible. The same verbs over HTTP, for the default account, are the control API every
mock serves under `/__jobcontract` (control.py: describe, jobs, faults, clock, reset, journal), on moto's
server and in-process alike; moto's own `POST /moto-api/reset` (or the end of `mock_aws`) forgets
everything too.

The `ArtifactList` URLs and `ShippingLabelURL` an answer hands out are on the host the request reached
and answer small PDFs (documents.py). `ImportExportServer` (what `serve` runs) takes every request that is
not SigV4-signed for another service as Import/Export's, so a form post with another `Version` gets
InvalidVersionException and an unknown `Action` InvalidParameterException, never S3's answer.

moto has no plugin API, so `register()` makes four small registrations in moto's module-level tables
(moto internals, tested on moto 5.2.x only, hence the pin in pyproject.toml):

1. `sys.modules["moto.importexport"]`: moto's `get_backend("importexport")` imports it;
2. a URL pattern for `importexport.amazonaws.com` in `moto.backend_index` (appended in place, so
   running servers see it too);
3. the SigV4 signing name boto3 uses, `IngestionService`, as an alias of importexport (server mode);
4. API version `2010-06-01` -> importexport for SigV2 and unsigned form posts (server mode). Without
   it those posts fall through to moto's default backend, S3, and get `200 ListAllMyBucketsResult`.
"""

from __future__ import annotations

import re
import sys

from moto.core import DEFAULT_ACCOUNT_ID

from .models import SCRIPTS, ImportExportBackend, importexport_backends
from .responses import ImportExportResponse, serve_with

API_VERSION = "2010-06-01"
SIGNING_NAME = "ingestionservice"
URL_PATTERN = ("importexport", re.compile(r"https?://importexport\.(.*\.)?amazonaws\.com"))

__all__ = [
    "API_VERSION",
    "SCRIPTS",
    "ImportExportBackend",
    "ImportExportResponse",
    "ImportExportServer",
    "advance",
    "backend",
    "importexport_backends",
    "register",
    "serve",
    "serve_with",
]


def register() -> None:
    """Make moto serve Import/Export, in-process (`mock_aws`) and in its server. Idempotent."""
    import moto.backend_index as backend_index
    from moto.moto_server import werkzeug_app

    sys.modules.setdefault("moto.importexport", sys.modules[__name__])
    if not any(name == URL_PATTERN[0] for name, _ in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append(URL_PATTERN)
    werkzeug_app.SIGNING_ALIASES.setdefault(SIGNING_NAME, "importexport")
    werkzeug_app.SERVICE_BY_VERSION.setdefault(API_VERSION, "importexport")


def backend(account_id: str = DEFAULT_ACCOUNT_ID, partition: str = "aws") -> ImportExportBackend:
    """The backend of one account (moto's default account unless told) in the `aws` partition.
    Fetch it again after a reset: moto replaces backends when it resets them."""
    return importexport_backends[account_id][partition]


def advance(seconds: float, account_id: str = DEFAULT_ACCOUNT_ID) -> float:
    """Move one account's job clock forward by `seconds`; returns the seconds since it started."""
    return backend(account_id).advance(seconds)


def serve(
    host: str = "127.0.0.1", port: int = 0, variant: str | None = None, *, max_connections: int | None = None
) -> ImportExportServer:
    """The (unstarted) server of `jobcontract serve --api importexport`: moto's server with this
    backend, jobs aging in real time, optionally answering as the faulty `variant`."""
    from .. import variant_class
    from . import models

    if variant:
        serve_with(variant_class("importexport", variant))
    models.REAL_TIME = True
    return ImportExportServer(host, port, access_log=True, max_connections=max_connections)


from .server import ImportExportServer  # noqa: E402 - it registers through this module
