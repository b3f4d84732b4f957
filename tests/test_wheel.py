"""The distribution as a new user gets it: the wheel, installed into a fresh virtual environment outside the
checkout, run from a temporary folder. `jobcontract serve --api all` serves the four mocks; `jobcontract gate`
passes against them and fails against a faulty variant, with its report; `jobcontract contracts` writes the
contracts out; and the installed files claim no top-level import name but `jobcontract`.

The fresh environment gets the wheel alone (`pip install --no-deps`); its dependencies are this environment's,
reached through a `.pth` line naming this environment's site-packages (a plain path: the `.pth` files there,
such as an editable install's finder of the checkout, are not run), so the test checks our files, not PyPI."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from serving import SERVING

from jobcontract.mocks.cf import VALID_TOKEN
from jobcontract.mocks.clc import DEFAULT_USER

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCES = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".cache", "reports", "tests", "bench")
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path  # the fresh environment's scripts folder
    site_packages: Path
    folder: Path  # a temporary folder outside the checkout, where the commands run

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={"PATH": str(self.bin), "HOME": str(self.folder), "CI": "true"},
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"  # a copy: building writes build/ and *.egg-info next to the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(folder / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (folder / "dist").glob("jobcontract-*.whl")
    environment = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True, timeout=120)
    python = environment / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)]
    installing = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert installing.returncode == 0, installing.stderr[-3000:]
    paths = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    site_packages = Path(paths.stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    (site_packages / "jobcontract-test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    work = folder / "elsewhere"
    work.mkdir()
    return Installed(wheel, environment / "bin", site_packages, work)


def test_the_wheel_claims_only_the_jobcontract_namespace(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names}
    assert top_level == {"jobcontract", f"{installed.wheel.name.split('-py3')[0]}.dist-info"}
    assert not any(name.startswith("jobcontract/__init__") for name in names), "jobcontract is a namespace"
    shipped = {
        f"jobcontract/{path.relative_to(ROOT).as_posix()}"
        for folder in ("contracts", "fixtures")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert shipped - set(names) == set(), "package data left out of the wheel (pyproject.toml's packages)"
    found = installed.run(
        "python",
        "-c",
        "import importlib.util as u, jobcontract.mocks as m; print(m.__file__);"
        " print([n for n in ('contracts', 'mocks', 'suites', 'fixtures') if u.find_spec(n)])",
    )
    where, claimed = found.stdout.splitlines()
    assert where.startswith(str(installed.site_packages)), where  # the wheel's copy, not the checkout's
    assert claimed == "[]"


@contextmanager
def serving(installed: Installed, *args: str, mocks: int = 1) -> Iterator[dict[str, str]]:
    """`jobcontract serve ARGS` of the installed distribution: {api: base URL} of the mocks it prints."""
    process = subprocess.Popen(
        [str(installed.bin / "jobcontract"), "serve", *args],
        cwd=installed.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the access log: a pipe nobody reads would fill and stall the server
        text=True,
    )
    try:
        assert process.stdout is not None
        urls = {}
        for _ in range(mocks):
            line = process.stdout.readline().rstrip("\n")
            found = SERVING.match(line)
            assert found, f"jobcontract serve {' '.join(args)} printed {line!r}"
            urls[found.group(1)] = found.group(2)
        yield urls
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def serving_all(installed: Installed) -> Iterator[dict[str, str]]:
    with serving(installed, "--api", "all", mocks=4) as urls:
        yield urls


def gate_args(urls: dict[str, str]) -> list[str]:
    return [
        *(f"--cf-url={urls['cf']}", f"--cf-token={VALID_TOKEN}"),
        *(f"--clc-url={urls['clc']}", f"--clc-username={DEFAULT_USER.username}"),
        *(f"--clc-password={DEFAULT_USER.password}", "--rate-limit=0", "--allow-unverified"),
    ]


def test_the_gate_passes_on_the_served_mocks(installed: Installed, serving_all: dict[str, str]) -> None:
    run = installed.run("jobcontract", "gate", *gate_args(serving_all), "--conformance-report=report.md", "-q")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "cf (http://" in run.stdout and "clc (http://" in run.stdout  # the verdict, per named server
    assert "ogc" not in run.stdout.split("jobcontract verdict")[-1], "an API not named was checked"
    assert "FAILS" not in (installed.folder / "report.md").read_text()


def test_the_gate_fails_on_a_faulty_provider_with_its_report(installed: Installed) -> None:
    with serving(installed, "--api", "cf", "--port", "0", "--variant", "unknown-job-is-not-found-10000") as urls:
        run = installed.run(
            "jobcontract",
            "gate",
            f"--cf-url={urls['cf']}",
            f"--cf-token={VALID_TOKEN}",
            "--rate-limit=0",
            "--allow-unverified",
            "--conformance-report=faulty.md",
            "-q",
        )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    report = (installed.folder / "faulty.md").read_text()
    assert "Does not conform: cf" in report and "CF-NotFound" in report  # the failure, with its answer


def test_the_contracts_are_written_out_and_nothing_is_overwritten(installed: Installed) -> None:
    written = installed.run("jobcontract", "contracts", "out")
    assert written.returncode == 0, written.stderr
    assert (installed.folder / "out" / "ogc" / "openapi.yaml").is_file()
    again = installed.run("jobcontract", "contracts", "out")
    assert again.returncode == 2 and "--force" in again.stderr
