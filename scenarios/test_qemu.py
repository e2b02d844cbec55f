"""The same scenario files on a real arm64 Linux guest under QEMU: `qemu` (the guest at EL1 under
our EL2 stub: every virtio-mmio access trapped and served by fakebao, our device model and
virtiofsd) and `qemu-native` (QEMU's own vhost-user-fs-device to virtiofsd, the baseline).
Each file boots a guest, so these are slower."""
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


def trap_counts(out):
    m = re.search(r"mmio_traps=(\d+) mmio_to_devmodel=(\d+) ioeventfd_kicks=(\d+) irqs_injected=(\d+)",
                  out)
    assert m, out
    return tuple(map(int, m.groups()))


def test_seed_demo_on_qemu_trapped():
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_harness(["run", "--frontend", "qemu", "--stats", scn], timeout=300)
    assert res.rc == 0, repr(res)
    assert res.out.rstrip().splitlines()[-1] == "1 passed, 0 failed, 0 skipped", repr(res)
    traps, to_dm, kicks, irqs = trap_counts(res.out)
    # Linux's own virtio_mmio driver probed and drove our device model through EL2 traps.
    assert traps > 50 and to_dm > 30 and kicks > 5 and irqs > 5, res.out
    for reg in ("MagicValue@0x000", "Status@0x070", "QueueNotify@0x050", "InterruptACK@0x064"):
        assert reg in res.out, res.out


def test_library_on_qemu_trapped():
    res = run_harness(["run", "--frontend", "qemu"] + FILES, timeout=1200)
    assert res.rc == 0, repr(res)
    m = re.fullmatch(r"(\d+) passed, 0 failed, (\d+) skipped", res.out.rstrip().splitlines()[-1])
    assert m and int(m.group(1)) + int(m.group(2)) == len(FILES), repr(res)
