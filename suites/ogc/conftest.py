"""The ogc suite's fixtures, defined in `provider.py` (where the suite's tests and the project's tests import
its helpers from: nothing imports a conftest, which pytest loads under a name of its own)."""

from jobcontract.suites.ogc.provider import (  # noqa: F401 (fixtures pytest finds here)
    conformance,
    executed_job,
    execution,
    failing_job,
    histories,
    job_lives,
    named_jobs,
    new_job,
    ogc,
    requires_dismiss,
    requires_job_list,
    unknown_job_id,
)
