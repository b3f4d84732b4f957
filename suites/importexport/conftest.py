"""The importexport suite's fixtures, defined in `provider.py` (where the suite's tests and the project's tests import
its helpers from: nothing imports a conftest, which pytest loads under a name of its own)."""

from jobcontract.suites.importexport.provider import (  # noqa: F401 (fixtures pytest finds here)
    _fresh_mock,
    canceled_job,
    existing_jobs,
    expired_job,
    importexport,
    importexport_server,
    named_jobs,
)
