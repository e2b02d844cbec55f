"""`baoharness fuzz semantics`: a short campaign with a fixed seed runs programs on the oracle and
the scripted frontend and finds nothing; a deliberately broken executor
(BAOHARNESS_FUZZ_SEM_BREAK=truncate: truncates one byte long) is caught, shrunk to a small .scn
that names who disagrees and passes on the real stack; bad options are usage errors; every file
under scenarios/found/ passes on the scripted frontend (their causes are fixed). Also
`run --record`, `trace show` and `replay` (issue 17 items 1-2, FUSE level)."""
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


def test_record_and_show(tmp_path):
    trace = tmp_path / "seed-demo.trace"
    res = run_harness(["run", "--record", trace, SCENARIOS / "seed-demo.scn"], timeout=120)
    assert res.rc == 0, res
    data = trace.read_bytes()
    assert data[:8] == b"BAOFTRC1" and int.from_bytes(data[8:12], "little") == 1
    show = run_harness(["trace", "show", trace], timeout=30)
    assert show.rc == 0, show
    lines = show.out.splitlines()
    m = re.search(r"^# (\d+) records", show.out, re.M)
    assert m and int(m.group(1)) == len(lines) - 1 > 10, show
    assert re.search(r"^\d+ host step: host-write ", show.out, re.M), show
    # The demo's first step creates hello.txt: LOOKUP (ENOENT), CREATE, WRITE of its bytes.
    assert re.search(r'^0 LOOKUP unique \d+ nodeid 1 "hello.txt" => ENOENT', show.out, re.M)
    assert re.search(r'^1 CREATE .*"hello.txt" => ok', show.out, re.M), show
    assert re.search(r"^2 WRITE .* data \d+ bytes => ok", show.out, re.M), show
    assert re.search(r" FORGET .* => no reply", show.out), show
    # A cut-off trace is an error naming the offset, not a crash.
    cut = tmp_path / "cut.trace"
    cut.write_bytes(data[:len(data) - 3])
    bad = run_harness(["trace", "show", cut], timeout=30)
    assert bad.rc == 1 and "offset " in bad.err, bad
    cut.write_bytes(b"NOTATRACE" * 4)
    bad = run_harness(["trace", "show", cut], timeout=30)
    assert bad.rc == 1 and "not a trace file" in bad.err, bad


def test_record_refused_where_it_cannot_record(tmp_path):
    res = run_harness(["run", "--record", tmp_path / "t", "--frontend", "qemu-native",
                       SCENARIOS / "seed-demo.scn"], timeout=30)
    assert res.rc == 2 and "only the scripted frontend records" in res.err, res
    res = run_harness(["run", "--record", tmp_path / "t", "--jobs", "2",
                       SCENARIOS / "seed-demo.scn"], timeout=30)
    assert res.rc == 2 and "--jobs 2" in res.err, res
    res = run_harness(["run", "--record", tmp_path / "no" / "such" / "dir",
                       SCENARIOS / "seed-demo.scn"], timeout=30)
    assert res.rc == 2 and "No such file" in res.err, res
    res = run_harness(["trace", "show"], timeout=30)
    assert res.rc == 2 and "usage: baoharness trace show" in res.err, res


def library_without_require():
    return [p for p in sorted(SCENARIOS.glob("*.scn"))
            if not any(l.startswith("require") for l in p.read_text().splitlines())]


def test_replay_library_identical(tmp_path):
    files = library_without_require()
    assert len(files) > 10
    for f in files:
        trace = tmp_path / (f.stem + ".trace")
        res = run_harness(["run", "--record", trace, f], timeout=180)
        assert res.rc == 0, res
        rep = run_harness(["replay", trace], timeout=180)
        assert rep.rc == 0, (f, rep)
        m = re.search(r"^replayed (\d+) requests, identical", rep.out, re.M)
        assert m and int(m.group(1)) > 10, (f, rep)


def test_replay_broken_device_model_diverges(tmp_path):
    trace = tmp_path / "demo.trace"
    assert run_harness(["run", "--record", trace, SCENARIOS / "seed-demo.scn"]).rc == 0
    # The test's broken device model: the 7th reply has its last byte flipped.
    rep = run_harness(["replay", trace], env={"BAOHARNESS_REPLAY_FLIP": "7"}, timeout=120)
    assert rep.rc == 1, rep
    assert re.search(r"first divergence at record \d+ \(request 7: [A-Z]+ unique \d+ "
                     r"nodeid \d+\): reply byte \d+ of \d+: recorded 0x[0-9a-f]{2}, got",
                     rep.out), rep


def test_replay_bad_input(tmp_path):
    bad = tmp_path / "bad.trace"
    bad.write_bytes(b"BAOFTRC1" + (2).to_bytes(4, "little") + (16).to_bytes(4, "little"))
    res = run_harness(["replay", bad], timeout=30)
    assert res.rc == 1 and "version 2" in res.err, res
    res = run_harness(["replay", tmp_path / "missing"], timeout=30)
    assert res.rc == 1 and "No such file" in res.err, res
    res = run_harness(["replay"], timeout=30)
    assert res.rc == 2 and "usage: baoharness replay" in res.err, res
