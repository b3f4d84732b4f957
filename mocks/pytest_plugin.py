"""pytest fixtures for the mocks (registered as the `jobcontract` pytest plugin).

For every mocked API there is `<api>_mock`: a running mock on 127.0.0.1 (one server per session;
its jobs, clock and journal are reset after every test). Use `ogc_mock.url` as the base URL and
`ogc_mock.app` for the control API. `--<api>-mock-variant NAME` (or
`JOBCONTRACT_<API>_MOCK_VARIANT`) serves a deliberately faulty variant instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from . import DIALECTS, MockServer, make_app


def mock_variant(config: pytest.Config, api: str) -> str | None:
    """The faulty variant `--<api>-mock-variant` (or its variable) names, if any (the option is the suites'
    plugin's, jobcontract/suites/options.py, like every other option)."""
    from jobcontract.suites.options import option_value

    value = option_value(config, f"{api}_mock_variant")
    return str(value) if value else None


def _server_fixture(api: str) -> Callable[[pytest.Config], Iterator[MockServer]]:
    def server(pytestconfig: pytest.Config) -> Iterator[MockServer]:
        try:
            app = make_app(api, mock_variant(pytestconfig, api))
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
        with MockServer(app) as running:
            yield running

    server.__doc__ = f"The {api} mock, served on 127.0.0.1 for the whole session."
    return server


def _mock_fixture(api: str) -> Callable[[pytest.FixtureRequest], Iterator[MockServer]]:
    def mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
        server: MockServer = request.getfixturevalue(f"{api}_mock_server")
        yield server
        server.app.reset()

    mock.__doc__ = f"The running {api} mock, reset (jobs, faults, journal) after the test."
    return mock


for _api in DIALECTS:
    globals()[f"{_api}_mock_server"] = pytest.fixture(scope="session", name=f"{_api}_mock_server")(
        _server_fixture(_api)
    )
    globals()[f"{_api}_mock"] = pytest.fixture(name=f"{_api}_mock")(_mock_fixture(_api))
