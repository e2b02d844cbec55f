"""Shared helpers for the scenario drivers: where the harness binary is, how to run it with a
hard timeout, and the check that no sanitizer report or stray process was left behind."""
import os
import subprocess
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BUILD = pathlib.Path(os.environ.get("BAOHARNESS_BUILD", ROOT / "build"))
BAOHARNESS = BUILD / "baoharness"

# Output that means a run is broken even when its exit status says otherwise.
BAD_LOG_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "Segmentation fault",
)


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"


def run_harness(args, timeout=120, env=None):
    """Run baoharness with args; fail the test on a hang or a sanitizer report."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run([str(BAOHARNESS)] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=timeout, env=full_env)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"baoharness {' '.join(map(str, args))} hung for {timeout} s: {e.stdout}")
    res = Result(proc)
    for marker in BAD_LOG_MARKERS:
        assert marker not in res.err, f"sanitizer/crash report in the run's log:\n{res!r}"
    return res


def stray_processes(tag):
    """Processes whose command line mentions tag (e.g. a run directory)."""
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if tag in l and "ps -eo" not in l]


@pytest.fixture(scope="session", autouse=True)
def harness_built():
    if not BAOHARNESS.exists():
        pytest.fail(f"{BAOHARNESS} is missing: run make (or make test)")


def library_files():
    return sorted(p for p in SCENARIOS.glob("*.scn"))


def bad_files():
    return sorted(p for p in (SCENARIOS / "bad").glob("*.scn"))
