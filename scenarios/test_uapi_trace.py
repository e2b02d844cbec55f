"""The device model is an unmodified Bao backend program: traced, it opens /dev/bao-io-dispatcher
and calls Bao's five ioctl numbers; its binary holds no emulation code (fakebao lives in the
preload library and the frontend's process)."""
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, SCENARIOS, run_harness

BAO_IOCTLS = {
    "BAO_IOCTL_DM_GET_INFO": 0xC020A601,
    "BAO_IOCTL_IO_CLIENT_ATTACH": 0xC030A602,
    "BAO_IOCTL_IO_REQUEST_COMPLETE": 0x4030A603,
    "BAO_IOCTL_IOEVENTFD": 0x4020A604,
    "BAO_IOCTL_IRQFD": 0x4008A605,
}


def test_devmodel_binary_has_no_emulation_code():
    syms = subprocess.run(["nm", "-C", str(BUILD / "bao-virtio-dm")], capture_output=True,
                          text=True, check=True).stdout
    assert not re.search(r"fakebao|remio_|bao_preload", syms), "device model links emulation code"
    assert (BUILD / "libfakebao-preload.so").exists()


@pytest.mark.skipif(not shutil.which("ltrace"), reason="ltrace not installed (make deps)")
def test_devmodel_calls_bao_ioctls(tmp_path):
    trace = tmp_path / "ltrace.txt"
    res = run_harness(["run", SCENARIOS / "seed-demo.scn"], timeout=300,
                      env={"BAOHARNESS_DM_WRAPPER":
                           f"{shutil.which('ltrace')} -o {trace} -e ioctl+open+open64+openat"})
    assert res.rc == 0, repr(res)
    text = trace.read_text()
    assert 'open("/dev/bao-io-dispatcher"' in text or 'open64("/dev/bao-io-dispatcher"' in text \
        or '"/dev/bao-io-dispatcher"' in text, text[:2000]
    used = set()
    for m in re.finditer(r"ioctl\(\d+, (-?\d+)", text):
        used.add(int(m.group(1)) & 0xFFFFFFFF)
    for name, num in BAO_IOCTLS.items():
        assert num in used, f"{name} ({num:#x}) never called; saw {sorted(hex(u) for u in used)}"


@pytest.mark.skipif(not shutil.which("strace"), reason="strace not installed (make deps)")
def test_strace_shows_dispatcher_open(tmp_path):
    trace = tmp_path / "strace.txt"
    res = run_harness(["run", SCENARIOS / "seed-demo.scn"], timeout=300,
                      env={"BAOHARNESS_DM_WRAPPER":
                           f"{shutil.which('strace')} -f -o {trace} -e trace=openat,open"})
    assert res.rc == 0, repr(res)
    # The preload library first tries the real device (a real Bao backend has it), so the
    # system-call trace shows the device model opening Bao's dispatcher.
    assert '"/dev/bao-io-dispatcher"' in trace.read_text()
