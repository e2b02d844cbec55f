"""What CI systems read, and how a library is split across jobs: --junit writes JUnit XML whose
counts match the summary line, --format tap prints TAP 14, --shard K/N together run every file
exactly once, --jobs 2 gives the same results as --jobs 1."""
import os
import re
import stat
import xml.etree.ElementTree as ET

import pytest

from conftest import library_files, run_harness

FILES = library_files()


def summary(out):
    m = re.search(r"^(?:# )?(\d+) passed, (\d+) failed, (\d+) skipped$", out, re.M)
    assert m, out
    return tuple(int(x) for x in m.groups())


def step_lines(out):
    """Per file, its step verdict lines: what must not depend on how files were scheduled."""
    files, cur = {}, None
    for line in out.splitlines():
        if line.startswith("# scenarios/") or line.startswith("# /"):
            cur = line[2:]
            files[cur] = []
        elif cur and re.match(r"^(not )?ok \d+ - |^ok - |^not ok - |^# not run ", line):
            files[cur].append(re.sub(r"\d+ ms", "N ms", line))
    return files


def test_junit_counts_match_summary(tmp_path):
    bad = tmp_path / "bad.scn"
    bad.write_text('write /a "x"\nread /a "y"\nmkdir /never\n')
    junit = tmp_path / "out.xml"
    seed = [p for p in FILES if p.name in ("seed-demo.scn", "skip-demo.scn")]
    res = run_harness(["run", "--junit", junit] + seed + [bad], timeout=300)
    assert res.rc == 1, repr(res)
    passed, failed, skipped = summary(res.out)
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == passed + failed + skipped == 3
    assert sum(1 for s in suites if int(s.get("failures")) > 0) == failed
    for s in suites:
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases)
        assert int(s.get("failures")) == len(s.findall("testcase/failure"))
        assert int(s.get("skipped")) == len(s.findall("testcase/skipped"))
        assert s.get("hostname")
        props = {p.get("name"): p.get("value") for p in s.findall("properties/property")}
        assert props["frontend"] == "scripted" and props["backend"] == "c"
        assert props["backend_version"].startswith("virtiofsd version 7.")
        assert props["backend_path"].endswith("virtiofsd")
        assert props["harness"] == "baoharness" and props["harness_version"]
        assert s.find("system-out") is not None
        for c in cases:
            assert float(c.get("time")) >= 0
    badsuite = [s for s in suites if s.get("name").endswith("bad.scn")][0]
    fail = badsuite.find("testcase/failure")
    assert badsuite.findall("testcase")[1].get("name") == '2: read /a "y"'
    assert "first difference" in fail.get("message") or "y" in fail.get("message")
    assert 'bad.scn:2: read /a "y"' in fail.text
    assert badsuite.findall("testcase")[2].find("skipped").get("message") == "not run"
    skip = [s for s in suites if s.get("name").endswith("skip-demo.scn")][0]
    assert int(skip.get("skipped")) == len(skip.findall("testcase"))
    # `require` names the missing capability on each step it skipped.
    for c in skip.findall("testcase"):
        assert c.find("skipped").get("message") == "not run: missing no-such-capability"


def test_tap14(tmp_path):
    seed = [p for p in FILES if p.name in ("seed-demo.scn", "skip-demo.scn")]
    res = run_harness(["run", "--format", "tap"] + seed, timeout=300)
    assert res.rc == 0, repr(res)
    lines = res.out.splitlines()
    assert lines[0] == "TAP version 14" and lines[1] == "1..2"
    assert "# Subtest: " + str(seed[0]) in lines
    assert re.search(r"^    1\.\.\d+$", res.out, re.M)
    assert re.search(r"^ok 1 - \S+seed-demo\.scn$", res.out, re.M)
    assert re.search(r"^ok 2 - \S+skip-demo\.scn # SKIP missing no-such-capability$", res.out,
                     re.M)
    top = [l for l in lines if re.match(r"^(not )?ok \d+ ", l)]
    assert len(top) == 2


def test_shards_cover_every_file_once():
    seen = []
    for k in (1, 2, 3):
        res = run_harness(["run", "--shard", f"{k}/3"] + FILES, timeout=600)
        assert res.rc == 0, repr(res)
        seen += list(step_lines(res.out))
    assert sorted(seen) == sorted(str(p) for p in FILES)


@pytest.mark.parametrize("bad", ["0/3", "4/3", "x", "1/0"])
def test_bad_shard_is_usage_error(bad):
    res = run_harness(["run", "--shard", bad, FILES[0]], timeout=30)
    assert res.rc == 2 and "--shard" in res.err, repr(res)


def test_junit_to_a_device_is_written_in_place(tmp_path):
    """--junit /dev/stdout (or /dev/null) is written to, never renamed over."""
    res = run_harness(["run", "--junit", "/dev/stdout", FILES[0]], timeout=120)
    assert res.rc == 0, repr(res)
    assert "<testsuites" in res.out
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_jobs_2_same_results_as_jobs_1(tmp_path):
    one = run_harness(["run", "--jobs", "1", "--junit", tmp_path / "j.xml"] + FILES, timeout=900)
    two = run_harness(["run", "--jobs", "2"] + FILES, timeout=900)
    assert one.rc == two.rc == 0, repr(two)
    assert summary(one.out) == summary(two.out)
    a, b = step_lines(one.out), step_lines(two.out)
    assert list(a) == list(b)  # printed in file order
    assert a == b
