"""clc-sdk pointed at a CenturyLink mock, logged out: the SDK keeps its endpoint and login in module globals."""

from __future__ import annotations

import clc
import pytest
import requests

from jobcontract.mocks.clc import DEFAULT_USER


def logged_out_sdk(url: str, monkeypatch: pytest.MonkeyPatch) -> requests.Session:
    """Point clc-sdk at `url` with the example user's credentials and no login yet; the globals are put back
    after the test (monkeypatch). Returns the SDK's session, for the caller to close."""
    monkeypatch.setattr(clc.defaults, "ENDPOINT_URL_V2", url)
    session = requests.Session()
    logged_out = {"_LOGIN_TOKEN_V2": False, "ALIAS": False, "LOCATION": False, "_REQUESTS_SESSION": session}
    for name, value in logged_out.items():
        monkeypatch.setattr(clc, name, value)
    for name in ("V2_API_USERNAME", "V2_API_PASSWD", "_V2_ENABLED"):
        monkeypatch.setattr(clc.v2, name, False)
    clc.v2.SetCredentials(DEFAULT_USER.username, DEFAULT_USER.password)
    return session
