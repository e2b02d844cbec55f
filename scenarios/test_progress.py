"""Long jobs show progress: a live line on a terminal (redrawn in place), a plain line every few
seconds in a log (CI), nothing with BAOHARNESS_PROGRESS=off - for soak, the whole-stack fuzzer and
a libFuzzer campaign (`make fuzz TARGET=x JOBS=N`: -fork=N, corpus merged)."""
import json
import os
import pty
import re
import select
import subprocess
import time

import pytest

from conftest import BAOHARNESS, ROOT, library_files, run_harness

SEED = [p for p in library_files() if p.name in ("seed-demo.scn", "basic-files.scn")]
SOAK_LINE = re.compile(r"^soak: \d+\.\d/0\.1 min  \d+ runs  0 failed  0 stack restarts$", re.M)


def soak_ran(res):
    """The soak's own verdict (fd counts flat at the end, ...) is test_faults.py's business; here
    it must have run its files without a failure and left nothing behind."""
    assert res.rc in (0, 1), repr(res)
    assert re.search(r"\d+ runs of 2 files, 0 failed", res.out), repr(res)
    assert "# soak: stray processes: 0" in res.out, repr(res)


def test_soak_plain_lines_in_a_log(tmp_path):
    res = run_harness(["soak", "--minutes", "0.1", "--seed", "7"] + SEED, timeout=120,
                      env={"BAOHARNESS_PROGRESS_SECS": "1", "TMPDIR": str(tmp_path)})
    soak_ran(res)
    shown = SOAK_LINE.findall(res.err)
    assert len(shown) >= 4, repr(res)  # 6 s at one line a second, plus the final one
    assert "\r" not in res.err and "\033" not in res.err


def test_soak_off(tmp_path):
    res = run_harness(["soak", "--minutes", "0.02", "--seed", "7"] + SEED, timeout=120,
                      env={"BAOHARNESS_PROGRESS": "off", "TMPDIR": str(tmp_path)})
    soak_ran(res)
    assert not SOAK_LINE.search(res.err), repr(res)


def test_soak_live_line_on_a_terminal(tmp_path):
    """On a pty (CI unset) the line is redrawn in place: carriage return, erase, no newline."""
    env = dict(os.environ, TMPDIR=str(tmp_path))
    env.pop("CI", None)
    env.pop("BAOHARNESS_PROGRESS", None)
    main, sub = pty.openpty()
    proc = subprocess.Popen([str(BAOHARNESS), "soak", "--minutes", "0.03", "--seed", "7"] + SEED,
                            stdin=subprocess.DEVNULL, stdout=sub, stderr=sub, env=env)
    os.close(sub)
    data, end = b"", time.time() + 60
    while time.time() < end:
        r, _, _ = select.select([main], [], [], 1)
        if r:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(main)
    text = data.decode(errors="replace")
    assert proc.returncode in (0, 1) and "0 failed" in text, text
    assert text.count("\r\033[Ksoak: ") >= 2, text  # redrawn, not one line per update


def test_whole_stack_fuzzer_plain_lines(tmp_path):
    res = run_harness(["fuzz", "fuse-requests", "--time", "4", "--seed", "1", "--out",
                       tmp_path / "out", "--regress-dir", tmp_path / "regress"], timeout=120,
                      env={"BAOHARNESS_PROGRESS_SECS": "1", "TMPDIR": str(tmp_path)})
    assert res.rc == 0, repr(res)
    shown = re.findall(r"^fuzz: +\d+\.\d/4 s  \d+ req", res.err, re.M)
    assert len(shown) >= 2, repr(res)


def test_campaign_jobs_fork_and_merge(tmp_path):
    """make fuzz TARGET=x JOBS=2 runs campaign.sh with JOBS 2: libFuzzer -fork=2, a progress line
    every second (BAOHARNESS_PROGRESS_SECS=1), the working corpus merged, JSON written."""
    res = subprocess.run(["make", "-s", "fuzz-build"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    fdir = tmp_path / "fuzz"
    fdir.mkdir()
    os.symlink(ROOT / "build" / "fuzz" / "fuzz_vq_chain", fdir / "fuzz_vq_chain")
    env = dict(os.environ, BAOHARNESS_PROGRESS_SECS="1", BAOHARNESS_PROGRESS="plain")
    res = subprocess.run([str(ROOT / "fuzz" / "scripts" / "campaign.sh"), str(fdir), "vq_chain",
                          "4", str(tmp_path / "out"), "2"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "-fork=2" in (fdir / "campaign-vq_chain.log").read_text() or \
        re.search(r"job: \d+", (fdir / "campaign-vq_chain.log").read_text())
    lines = re.findall(r"^fuzz vq_chain: \d+/4 s  execs \d+", res.stderr, re.M)
    assert len(lines) >= 3, res.stderr
    assert re.search(r"corpus merged: \d+ -> \d+ inputs", res.stderr), res.stderr
    js = json.loads((tmp_path / "out" / "vq_chain.json").read_text())
    assert js["jobs"] == 2 and js["execs"] > 0 and js["crashes"] == 0, js


def test_campaign_rejects_bad_jobs(tmp_path):
    res = subprocess.run([str(ROOT / "fuzz" / "scripts" / "campaign.sh"), str(tmp_path),
                          "vq_chain", "1", str(tmp_path), "0"], cwd=ROOT, capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 2 and "JOBS '0'" in res.stderr
