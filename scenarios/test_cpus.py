"""`baoharness run --cpus LIST` (and `fuzz --cpus`): the frontend, the device model and virtiofsd all run on the
listed CPUs (each records its own allowed CPUs through a wrapper); bad lists are usage errors
that start nothing."""
import os
import stat

from conftest import SCENARIOS, run_harness


def recorder(tmp_path, name, target):
    """A wrapper that writes its own Cpus_allowed_list to tmp_path/name.cpus, then execs."""
    out = tmp_path / f"{name}.cpus"
    script = tmp_path / f"{name}.sh"
    exec_line = f'exec {target} "$@"' if target else 'exec "$@"'
    script.write_text("#!/bin/sh\n"
                      f"grep Cpus_allowed_list /proc/self/status > {out}\n"
                      f"{exec_line}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, out


def test_every_process_runs_on_the_listed_cpu(tmp_path):
    vfsd, vfsd_out = recorder(tmp_path, "virtiofsd", os.environ.get(
        "BAOHARNESS_VIRTIOFSD", "/usr/lib/qemu/virtiofsd"))
    dm, dm_out = recorder(tmp_path, "dm", None)
    res = run_harness(["run", "--cpus", "0", SCENARIOS / "seed-demo.scn"],
                      env={"BAOHARNESS_VIRTIOFSD": str(vfsd), "BAOHARNESS_DM_WRAPPER": str(dm)})
    assert res.rc == 0, repr(res)
    assert vfsd_out.read_text().split() == ["Cpus_allowed_list:", "0"]
    assert dm_out.read_text().split() == ["Cpus_allowed_list:", "0"]


def test_without_cpus_nothing_is_pinned(tmp_path):
    dm, dm_out = recorder(tmp_path, "dm", None)
    res = run_harness(["run", SCENARIOS / "seed-demo.scn"], env={"BAOHARNESS_DM_WRAPPER": str(dm)})
    assert res.rc == 0, repr(res)
    allowed = dm_out.read_text().split()[1]
    with open("/proc/self/status") as f:
        mine = [l.split()[1] for l in f if l.startswith("Cpus_allowed_list:")][0]
    assert allowed == mine


def test_bad_cpu_lists_are_usage_errors(tmp_path):
    for bad in ["", "x", "1-0", "0,", "99999", "0;1"]:
        res = run_harness(["run", "--cpus", bad, SCENARIOS / "seed-demo.scn"])
        assert res.rc == 2, (bad, repr(res))
        assert "--cpus" in res.err, (bad, repr(res))
        assert "ok 1" not in res.out


def test_fuzz_takes_the_same_cpu_list(tmp_path):
    res = run_harness(["fuzz", "fuse-requests", "--time", "1", "--cpus", "0-x",
                       "--out", tmp_path / "out"])
    assert res.rc == 2, repr(res)
    assert "--cpus" in res.err and "0-x" in res.err, repr(res)
    assert not (tmp_path / "out").exists(), "a usage error must start nothing"
