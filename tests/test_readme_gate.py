"""The README's gate example ("An example you can run") runs as written: each `$ ` command of its block is run
in turn from the checkout, a command ending in `&` in the background, and every line the README shows it
printing is found in what it printed (times and dates aside); `echo $?` shows the exit code it gives."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

import pytest
from serving import ROOT

pytestmark = pytest.mark.slow
README = ROOT / "README.md"
VARYING = re.compile(r" in [\d.]+s(?: \(\d+:\d+:\d+\))?|\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)")


def example() -> list[tuple[str, list[str]]]:
    """(command, lines shown after it) of the README's runnable gate example."""
    text = README.read_text(encoding="utf-8").split("### An example you can run", 1)[1]
    block = text.split("```", 2)[1].split("\n", 1)[1]
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps and line.strip() and line.strip() != "...":
            steps[-1][1].append(line)
    return steps


def report_excerpt() -> list[str]:
    """The lines of the README's excerpt of gate/conformance.md."""
    text = README.read_text(encoding="utf-8").split("### An example you can run", 1)[1]
    block = text.split("````markdown", 1)[1].split("````", 1)[0]
    return [line for line in block.splitlines() if line.strip() and line.strip() != "..."]


def shown_in(expected: str, output: str) -> bool:
    pattern = re.escape(VARYING.sub("\0", expected)).replace("\\\0", "\0").replace("\0", ".*")
    return re.search(pattern, output) is not None


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's example calls curl, which is not installed")
def test_the_readme_gate_example_runs_as_written() -> None:
    steps = example()
    assert [command.split()[0] for command, _ in steps] == ["jobcontract", "curl", "curl", "python", "echo"], steps
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBCONTRACT_")}
    made = not (ROOT / "gate").exists()
    background: list[subprocess.Popen[str]] = []
    last_exit: int | None = None
    try:
        for command, shown in steps:
            if command == "echo $?":
                assert shown == [str(last_exit)], f"the README says exit {shown}, the run gave {last_exit}"
                continue
            if command.endswith("&"):
                process = subprocess.Popen(
                    shlex.split(command.rstrip("& ")), cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
                )
                background.append(process)
                assert process.stdout is not None
                printed = process.stdout.readline()
            else:
                run = subprocess.run(
                    shlex.split(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
                )
                printed, last_exit = run.stdout + run.stderr, run.returncode
            for line in shown:
                assert shown_in(line, printed), f"{command!r} did not print {line!r}:\n{printed[-3000:]}"
        written = (ROOT / "gate" / "conformance.md").read_text(encoding="utf-8")
        for line in report_excerpt():
            assert shown_in(line, written), f"gate/conformance.md has no line {line!r}:\n{written[:3000]}"
    finally:
        for process in background:
            process.terminate()
            process.wait(timeout=10)
        if made:
            shutil.rmtree(ROOT / "gate", ignore_errors=True)


def test_the_example_is_found() -> None:
    commands = [command for command, _ in example()]
    assert any("--gate" in command for command in commands), commands
    assert README.read_text(encoding="utf-8").count("### An example you can run") == 1
    assert any(line.startswith("| FAILS |") for line in report_excerpt())
