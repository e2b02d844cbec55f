"""The same scenario files on a real arm64 Linux guest under QEMU: `qemu-native` (QEMU's own
vhost-user-fs-device to virtiofsd, the baseline). Each file boots a guest, so these are slower."""
import re

import pytest

from conftest import library_files, run_harness

FILES = library_files()


def test_seed_demo_on_qemu_native():
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_harness(["run", "--frontend", "qemu-native", "--stats", scn], timeout=180)
    assert res.rc == 0, repr(res)
    assert re.search(r"^ok \d+ - ", res.out, re.M), repr(res)
    assert res.out.rstrip().splitlines()[-1] == "1 passed, 0 failed, 0 skipped", repr(res)
    # The baseline really bypasses the emulated hypervisor.
    assert "mmio_traps=0" in res.out


def test_library_on_qemu_native():
    res = run_harness(["run", "--frontend", "qemu-native"] + FILES, timeout=900)
    assert res.rc == 0, repr(res)
    m = re.fullmatch(r"(\d+) passed, 0 failed, (\d+) skipped", res.out.rstrip().splitlines()[-1])
    assert m and int(m.group(1)) + int(m.group(2)) == len(FILES), repr(res)


def test_qemu_native_failing_step_reported(tmp_path):
    f = tmp_path / "f.scn"
    f.write_text("write /a \"x\"\nread /a \"y\"\nmkdir /z\n")
    res = run_harness(["run", "--frontend", "qemu-native", f], timeout=180)
    assert res.rc == 1, repr(res)
    assert re.search(r"^not ok 2 - read /a \"y\": ", res.out, re.M), repr(res)
    assert "# not run 3 - mkdir /z" in res.out
