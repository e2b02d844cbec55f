"""`baoharness fuzz semantics`: a short campaign with a fixed seed runs programs on the oracle and
the scripted frontend and finds nothing; a deliberately broken executor
(BAOHARNESS_FUZZ_SEM_BREAK=truncate: truncates one byte long) is caught, shrunk to a small .scn
that names who disagrees and passes on the real stack; bad options are usage errors; every file
under scenarios/found/ passes on the scripted frontend (their causes are fixed). (`run --record`,
`trace show`, `replay`, `trace shrink`: test_record_replay.py.)"""
import re

import pytest

from conftest import SCENARIOS, run_harness


def counts(out, name):
    m = re.search(r"^# " + re.escape(name) + r": (\d+) programs, (\d+) steps", out, re.M)
    assert m, f"no figures for {name}:\n{out}"
    return int(m.group(1)), int(m.group(2))


def test_campaign_fixed_seed_clean(tmp_path):
    res = run_harness(["fuzz", "semantics", "--time", "6", "--seed", "42", "--found-dir",
                       tmp_path / "found"], timeout=180)
    assert res.rc == 0, res
    progs, steps = counts(res.out, "oracle (posix_vfs)")
    assert progs > 0 and steps > progs
    progs, steps = counts(res.out, "scripted")
    assert progs > 0 and steps > progs
    assert "# findings: 0" in res.out, res
    assert not (tmp_path / "found").exists() or not list((tmp_path / "found").iterdir())


def test_broken_executor_found_and_shrunk(tmp_path):
    found = tmp_path / "found"
    res = run_harness(["fuzz", "semantics", "--time", "5", "--seed", "42", "--found-dir", found],
                      env={"BAOHARNESS_FUZZ_SEM_BREAK": "truncate"}, timeout=300)
    assert res.rc == 1, res
    assert "# divergence:" in res.out and "# finding:" in res.out, res
    files = sorted(found.glob("*.scn"))
    assert files, res
    text = files[0].read_text()
    assert "posix_vfs (the oracle) passes this file, scripted fails it" in text
    assert "reproduced on a fresh stack: yes" in text
    steps = [l for l in text.splitlines() if l and not l.startswith("#")]
    # Shrunk: a truncate and what shows its effect, little else.
    assert any(" truncate " in f" {l} " or l.startswith("truncate ") for l in steps), text
    assert len(steps) <= 5, text
    # The oracle's file is right: the real (unbroken) stack passes it.
    ok = run_harness(["run", files[0]], timeout=120)
    assert ok.rc == 0, ok


@pytest.mark.parametrize("args,word", [
    (["--time", "0"], "'0'"),
    (["--time", "abc"], "'abc'"),
    (["--time", "-5"], "'-5'"),
    (["--time"], "(missing)"),
    (["--seed", "x1"], "'x1'"),
    (["--seed", "-1"], "'-1'"),
    (["--seed", "99999999999999999999999"], "'99999999999999999999999'"),
    (["--every", "-3"], "'-3'"),
    (["--steps", "0"], "'0'"),
    (["--bogus", "1"], "'--bogus'"),
])
def test_bad_options(args, word):
    res = run_harness(["fuzz", "semantics"] + args, timeout=30)
    assert res.rc == 2, res
    assert word in res.err, res
    assert "usage: baoharness fuzz semantics" in res.err


def test_break_knob_checked():
    res = run_harness(["fuzz", "semantics", "--time", "1"], env={
        "BAOHARNESS_FUZZ_SEM_BREAK": "everything"}, timeout=30)
    assert res.rc == 2, res
    assert "'everything'" in res.err


def test_found_files_pass_on_scripted():
    files = sorted((SCENARIOS / "found").glob("*.scn"))
    assert files, "scenarios/found/ holds the findings"
    for f in files:
        text = f.read_text()
        assert "executors disagree" in text and "# verdict:" in text, f
    res = run_harness(["run"] + files, timeout=300)
    assert res.rc == 0, res
