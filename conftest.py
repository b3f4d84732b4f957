"""The repository's root conftest: nothing of its own.

The suites' options, fixtures and report are the `jobcontract` pytest plugin (`suites/options.py`,
`suites/report.py`, `suites/gate.py`, `mocks/pytest_plugin.py`), registered once by the installed
distribution's entry points (`pyproject.toml`, `[project.entry-points.pytest11]`), so that `pytest suites/`
here and `pytest --pyargs suites` from any folder read the same options.
"""
