"""The clc suite's fixtures, defined in `provider.py` (where the suite's tests and the project's tests import
its helpers from: nothing imports a conftest, which pytest loads under a name of its own)."""

from jobcontract.suites.clc.provider import (  # noqa: F401 (fixtures pytest finds here)
    _fresh_mock,
    across_accounts,
    clc,
    credentials,
    histories,
    login,
    other_credentials,
    other_login,
    some_status_path,
    status_ids,
    unknown_status_id,
)
