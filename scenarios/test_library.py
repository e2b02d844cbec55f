"""Every scenario in the library passes on the scripted frontend, through fakebao, the device
model and the real virtiofsd; each file's steps are reported one line each."""
import re

import pytest

from conftest import library_files, run_harness

FILES = library_files()


@pytest.mark.parametrize("scn", FILES, ids=[p.name for p in FILES])
def test_scenario_passes_on_scripted(scn):
    res = run_harness(["run", "--frontend", "scripted", scn])
    assert res.rc == 0, repr(res)
    assert "not ok" not in res.out, repr(res)
    last = res.out.rstrip().splitlines()[-1]
    if "# SKIP missing" in res.out:
        assert last == "0 passed, 0 failed, 1 skipped", repr(res)
        return
    steps = [l for l in res.out.splitlines() if re.match(r"ok \d+ - ", l)]
    assert steps, f"no step ran:\n{res!r}"
    assert last == "1 passed, 0 failed, 0 skipped", repr(res)


def test_whole_library_in_one_run():
    res = run_harness(["run"] + FILES, timeout=600)
    assert res.rc == 0, repr(res)
    last = res.out.rstrip().splitlines()[-1]
    m = re.fullmatch(r"(\d+) passed, (\d+) failed, (\d+) skipped", last)
    assert m, repr(res)
    assert int(m.group(1)) + int(m.group(3)) == len(FILES)
    assert int(m.group(2)) == 0
