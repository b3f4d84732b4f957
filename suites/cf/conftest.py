"""The cf suite's fixtures, defined in `provider.py` (where the suite's tests and the project's tests import
its helpers from: nothing imports a conftest, which pytest loads under a name of its own)."""

from jobcontract.suites.cf.provider import (  # noqa: F401 (fixtures pytest finds here)
    _fresh_mock,
    any_job,
    auth,
    cf,
    cf_token,
    given_jobs,
    lives,
    token_without_read_scope,
)
