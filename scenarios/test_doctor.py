"""`baoharness doctor`: one line per part a run needs, `ok` or what is missing with the package or
make target that fixes it; exit 0 only when every required part holds, optional parts reported
without failing; every other command's exit 3 points to it."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BAOHARNESS, BUILD, ROOT, library_files, run_harness

NAMES = ("root", "harness programs", "virtiofsd c", "virtiofsd rust", "namespaces", "seccomp",
         "seccomp notify",
         "memfd", "disk (TMPDIR)", "qemu-system-aarch64", "guest image", "EL2 stub",
         "scenario library")
SEED = [p for p in library_files() if p.name == "seed-demo.scn"]


def lines(out):
    """{check name: (status, rest)} from the doctor's output; every line is a check or a comment."""
    found = {}
    for line in out.splitlines():
        if line.startswith("# "):
            continue
        m = re.match(r"^(.{20}) (ok|optional|MISSING) +(.*)$", line)
        assert m, f"not a doctor line: {line!r}"
        found[m.group(1).strip()] = (m.group(2), m.group(3))
    return found


def doctor(args=(), env=None, exe=None, cwd=None):
    full = dict(os.environ, **(env or {}))
    proc = subprocess.run([str(exe or BAOHARNESS), "doctor", *args], capture_output=True,
                          text=True, timeout=60, env=full, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


def test_passes_here():
    """After make (make test builds the rest), every required part of a scripted run holds."""
    rc, out, err = doctor()
    assert rc == 0, out + err
    got = lines(out)
    assert set(NAMES) <= set(got), out
    for name in ("root", "harness programs", "virtiofsd c", "namespaces", "seccomp", "seccomp notify", "memfd",
                 "disk (TMPDIR)"):
        assert got[name][0] == "ok", out
    assert "virtiofsd version 7." in got["virtiofsd c"][1]  # the version, not just a path
    assert "every required part is here" in out
    assert err == ""  # the stack's own messages are the doctor's lines, not extra noise


def test_qemu_parts_when_built():
    """With make qemu-image el2-stub (make test runs them) the QEMU frontends are ready too."""
    if not (BUILD.parent / "qemu" / "Image").exists() and not (BUILD / "qemu" / "Image").exists():
        pytest.skip("guest image not built (make qemu-image)")
    rc, out, err = doctor(["--frontend", "qemu"])
    got = lines(out)
    assert got["qemu-system-aarch64"][0] == "ok" and "QEMU emulator version" in out, out
    assert got["guest image"][0] == "ok" and got["EL2 stub"][0] == "ok", out
    assert rc == 0, out + err


def test_without_virtiofsd_names_the_package():
    rc, out, _ = doctor(env={"BAOHARNESS_VIRTIOFSD": "/nonexistent"})
    assert rc == 3, out
    got = lines(out)
    status, rest = got["virtiofsd (given)"]
    assert status == "MISSING", out
    assert "/nonexistent" in rest and "BAOHARNESS_VIRTIOFSD" in rest
    assert "apt-get install qemu-system-common" in rest, rest
    assert "1 required part missing" in out


def test_optional_parts_do_not_fail(tmp_path):
    """A bare install (the three programs alone, no QEMU on PATH): the QEMU parts and the Rust
    virtiofsd are optional for a scripted run, each naming its fix; asking for them fails."""
    for name in ("baoharness", "bao-virtio-dm", "libfakebao-preload.so"):
        shutil.copy2(BUILD / name, tmp_path / name)
    exe = tmp_path / "baoharness"
    env = {"PATH": "/nonexistent-bin:/usr/sbin:/sbin", "BAOHARNESS_QEMU_IMAGE_DIR": ""}
    rc, out, err = doctor(env=env, exe=exe, cwd=tmp_path)
    got = lines(out)
    assert rc == 0, out + err
    assert got["virtiofsd rust"][0] == "optional" and "make backends" in got["virtiofsd rust"][1]
    assert got["qemu-system-aarch64"][0] == "optional"
    assert "qemu-system-arm" in got["qemu-system-aarch64"][1]
    assert got["guest image"][0] == "optional" and "make qemu-image" in got["guest image"][1]
    assert got["EL2 stub"][0] == "optional" and "make el2-stub" in got["EL2 stub"][1]
    assert "needed only for --frontend qemu" in got["EL2 stub"][1]
    assert got["vhost-user shim"][0] == "optional", out
    assert "fuzz guest --frontend qemu-native" in got["vhost-user shim"][1], out
    rc, out, _ = doctor(["--virtiofsd", "rust"], env=env, exe=exe, cwd=tmp_path)
    assert rc == 3 and lines(out)["virtiofsd rust"][0] == "MISSING", out
    rc, out, _ = doctor(["--frontend", "qemu"], env=env, exe=exe, cwd=tmp_path)
    got = lines(out)
    assert rc == 3, out
    assert all(got[n][0] == "MISSING" for n in ("qemu-system-aarch64", "guest image", "EL2 stub"))


def test_not_root_says_so():
    if not shutil.which("setpriv"):
        pytest.skip("setpriv missing")
    proc = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                           str(BAOHARNESS), "doctor"], capture_output=True, text=True, timeout=60)
    if "harness programs     MISSING" in proc.stdout:
        pytest.skip("the build is not readable by nobody here")
    assert proc.returncode == 3, proc.stdout
    status, rest = lines(proc.stdout)["root"]
    assert status == "MISSING" and "euid 65534" in rest and "sudo" in rest


@pytest.mark.parametrize("args", [["--frontend", "nope"], ["extra"], ["--bogus"]])
def test_usage_errors(args):
    rc, _, err = doctor(args)
    assert rc == 2 and err, err


@pytest.mark.parametrize("cmd", [["run"] + SEED, ["demo"], ["soak", "--minutes", "0.1"] + SEED,
                                 ["fuzz", "fuse-requests", "--time", "1"]], ids=lambda c: c[0])
def test_every_exit_3_points_to_doctor(cmd, tmp_path):
    if cmd[0] == "fuzz":  # its results stay out of the repository's results/
        cmd = cmd + ["--out", tmp_path / "out", "--regress-dir", tmp_path / "regress"]
    res = run_harness(cmd, timeout=60, env={"BAOHARNESS_VIRTIOFSD": "/nonexistent",
                                            "TMPDIR": str(tmp_path)})
    assert res.rc == 3, repr(res)
    assert "run `baoharness doctor`" in res.err, repr(res)
    if cmd[0] == "run":
        assert "environment incomplete: run `baoharness doctor`" in res.out


def test_help_lists_doctor():
    assert "doctor" in run_harness(["help"]).out
