"""The runner's contract (scenario-format.md): output lines, exit statuses 0/1/2/3, parse errors
run nothing, skips, per-step failures, --share/--keep/--stats, and clean-up on every path."""
import os
import pathlib
import re
import signal
import subprocess
import time

from conftest import BAOHARNESS, bad_files, run_harness, stray_processes


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_no_arguments_is_usage_error():
    res = run_harness(["run"])
    assert res.rc == 2, repr(res)


def test_unknown_frontend_is_usage_error(tmp_path):
    f = write(tmp_path, "a.scn", "mkdir /d\n")
    res = run_harness(["run", "--frontend", "nonesuch", f])
    assert res.rc == 2, repr(res)
    assert "nonesuch" in res.err


def test_parse_error_runs_nothing(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    good = write(tmp_path, "good.scn", "write /a \"x\"\n")
    bad = write(tmp_path, "bad.scn", "write /b \"y\"\nfrobnicate /c\n")
    res = run_harness(["run", "--share", share, good, bad])
    assert res.rc == 2, repr(res)
    assert f"{bad}:2:" in res.err, repr(res)
    assert list(share.iterdir()) == [], "a parse error must run no step of any file"
    assert "ok 1" not in res.out


def test_bad_library_files_exit_2(tmp_path):
    files = bad_files()
    assert files, "scenarios/bad/ has no malformed examples"
    for f in files:
        res = run_harness(["run", f])
        assert res.rc == 2, f"{f}: {res!r}"
        assert re.search(re.escape(str(f)) + r":\d+: ", res.err), f"{f}: {res!r}"


def test_failing_step_reports_and_skips_rest(tmp_path):
    f = write(tmp_path, "fail.scn",
              "write /a \"hello\"\n"
              "# a comment line\n"
              "read /a \"goodbye\"\n"
              "mkdir /never\n")
    res = run_harness(["run", f])
    assert res.rc == 1, repr(res)
    lines = res.out.splitlines()
    assert f"# {f}" in lines
    assert "ok 1 - write /a \"hello\"" in lines
    assert any(l.startswith("not ok 3 - read /a \"goodbye\": ") for l in lines), repr(res)
    assert "# not run 4 - mkdir /never" in lines
    assert lines[-1] == "0 passed, 1 failed, 0 skipped"


def test_require_unknown_capability_skips(tmp_path):
    f = write(tmp_path, "req.scn", "require warp-drive\nmkdir /d\n")
    res = run_harness(["run", f])
    assert res.rc == 0, repr(res)
    assert f"ok - {f} # SKIP missing warp-drive" in res.out
    assert res.out.splitlines()[-1] == "0 passed, 0 failed, 1 skipped"


def test_share_is_used_and_kept(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "pre.txt").write_text("from before\n")
    f = write(tmp_path, "s.scn",
              "read /pre.txt \"from before\\n\"\n"
              "write /made.txt \"made by the frontend\"\n")
    res = run_harness(["run", "--share", share, f])
    assert res.rc == 0, repr(res)
    assert (share / "made.txt").read_text() == "made by the frontend"
    assert (share / "pre.txt").exists()


def test_stats_show_traps_kicks_and_interrupts(tmp_path):
    f = write(tmp_path, "st.scn", "write /a \"x\"\nread /a \"x\"\n")
    # --wait block: every completion is waited for as an interrupt (adaptive may catch it polling).
    res = run_harness(["run", "--stats", "--wait", "block", f])
    assert res.rc == 0, repr(res)
    m = re.search(r"mmio_traps=(\d+) mmio_to_devmodel=(\d+) ioeventfd_kicks=(\d+) irqs_injected=(\d+)",
                  res.out)
    assert m, repr(res)
    traps, to_dm, kicks, irqs = map(int, m.groups())
    assert traps > 20 and to_dm > 20, "the device was probed through trapped accesses"
    assert kicks >= 3, "QueueNotify went through the ioeventfd fast path"
    assert irqs >= 3, "completions came back as interrupts"
    assert "WRITE=" in res.out and "INIT=" in res.out


def test_missing_virtiofsd_is_environment_error(tmp_path):
    f = write(tmp_path, "e.scn", "mkdir /d\n")
    res = run_harness(["run", f], env={"BAOHARNESS_VIRTIOFSD": "/nonexistent/virtiofsd"})
    assert res.rc == 3, repr(res)
    assert "/nonexistent/virtiofsd" in res.err


def test_no_stray_processes_or_temp_dirs(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    f = write(tmp_path, "c.scn", "write /a \"x\"\nread /a \"y\"\n")
    res = run_harness(["run", f], env={"TMPDIR": str(tmp)})
    assert res.rc == 1
    time.sleep(0.3)
    assert list(tmp.iterdir()) == [], "run directory left behind"
    assert stray_processes(str(tmp)) == []


def test_frontend_steps_really_reach_virtiofsd(tmp_path):
    """With virtiofsd killed mid-run, frontend steps fail: they travel through the virtqueues."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    f = write(tmp_path, "k.scn", "write /a \"x\"\nsleep 1500\nread /a \"x\"\n")
    proc = subprocess.Popen([str(BAOHARNESS), "run", "--step-timeout", "5", str(f)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, TMPDIR=str(tmp)))
    deadline = time.time() + 10
    victims = []
    while time.time() < deadline and not victims:
        time.sleep(0.1)
        victims = [l.split()[0] for l in stray_processes(str(tmp)) if "virtiofsd" in l]
    assert victims, "virtiofsd never started"
    for pid in victims:
        os.kill(int(pid), signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    assert re.search(r"^not ok 3 - read /a", out, re.M), out + err
    assert stray_processes(str(tmp)) == []
