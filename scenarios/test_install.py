"""`make install PREFIX=/usr/local DESTDIR=...`: the programs, the preload library, the scenario
library and the image tools land where ci/install.sh says, and the installed baoharness finds its
parts relative to itself: the seed demo and the library run from any folder."""
import os
import re
import subprocess

import pytest

from conftest import BUILD, ROOT, run_harness

PREFIX = "/usr/local"


def make_args():
    # The build under test: build/asan is `make SAN=1` of its parent folder.
    if BUILD.name == "asan":
        return ["SAN=1", f"BUILD={BUILD.parent}"]
    return [f"BUILD={BUILD}"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    dest = tmp_path_factory.mktemp("destdir")
    res = subprocess.run(["make", "-s", "install", f"DESTDIR={dest}", f"PREFIX={PREFIX}"] +
                         make_args(), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    return dest / PREFIX.lstrip("/")


def run_installed(root, args, cwd="/", timeout=120, env=None):
    full = dict(os.environ, **(env or {}))
    full.pop("BAOHARNESS_SCENARIOS", None)
    return subprocess.run([str(root / "bin" / "baoharness")] + [str(a) for a in args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=full)


def test_layout(installed):
    lib = installed / "lib" / "baoharness"
    assert os.readlink(installed / "bin" / "baoharness") == "../lib/baoharness/baoharness"
    for name in ("baoharness", "bao-virtio-dm", "bao-vu-shim", "libfakebao-preload.so"):
        assert (lib / name).is_file(), name
    assert os.access(lib / "baoharness", os.X_OK) and os.access(lib / "bao-virtio-dm", os.X_OK)
    assert os.access(lib / "bao-vu-shim", os.X_OK)
    scn = installed / "share" / "baoharness" / "scenarios"
    assert sorted(p.name for p in scn.glob("*.scn")) == \
        sorted(p.name for p in (ROOT / "scenarios").glob("*.scn"))
    for tool in ("build-image.sh", "deps.sh", "guest/init"):
        assert os.access(lib / "image-tools" / tool, os.X_OK), tool
    if (ROOT / "build" / "qemu" / "Image").exists():
        assert (lib / "qemu" / "Image").is_file() and (lib / "qemu" / "initramfs.cpio.gz").is_file()
    if (ROOT / "build" / "backends" / "rust" / "virtiofsd").exists():
        ver = subprocess.run([str(lib / "backends" / "rust" / "virtiofsd"), "--version"],
                             capture_output=True, text=True, timeout=30).stdout
        assert ver.startswith("virtiofsd 1."), ver  # the wrapper works from where it is


def test_seed_demo_from_anywhere(installed, tmp_path):
    res = run_installed(installed, ["demo"], env={"TMPDIR": str(tmp_path)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "demo passed" in res.stdout
    assert not list(tmp_path.iterdir())  # its run directory removed


def test_library_from_anywhere(installed, tmp_path):
    scn = installed / "share" / "baoharness" / "scenarios"
    res = run_installed(installed, ["run", "--junit", tmp_path / "j.xml"] +
                        sorted(scn.glob("*.scn")), timeout=600,
                        env={"TMPDIR": str(tmp_path)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 failed" in res.stdout
    rc = run_installed(installed, ["doctor"], cwd=tmp_path)
    assert rc.returncode == 0, rc.stdout
    assert f"{scn}: " in rc.stdout  # the installed library, found from its own folder


def test_soak_defaults_to_the_installed_library(installed, tmp_path):
    res = run_installed(installed, ["soak", "--minutes", "0.05", "--seed", "5"], cwd=tmp_path,
                        env={"TMPDIR": str(tmp_path)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert re.search(r"# soak: \d+ files", res.stdout), res.stdout


def test_uninstall(installed):
    dest = str(installed)[:-len(PREFIX)]
    res = subprocess.run(["make", "-s", "uninstall", f"DESTDIR={dest}", f"PREFIX={PREFIX}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert not (installed / "bin" / "baoharness").exists()
    assert not (installed / "lib" / "baoharness").exists()
