"""The same scenario files on a real arm64 Linux guest under QEMU: `qemu` (the guest at EL1 under
our EL2 stub: every virtio-mmio access trapped and served by fakebao, our device model and
virtiofsd) and `qemu-native` (QEMU's own vhost-user-fs-device to virtiofsd, the baseline).
The guest is the harness's own kernel with the Bao demo's device tree (RAM at 0x30000000, the
16 MiB window as a restricted DMA pool); `--guest debian` is Debian's packaged kernel with the
whole RAM as the window. Each file boots a guest, so these are slower."""
import os
import re
import tempfile
import time

import pytest

from conftest import SCENARIOS, library_files, run_harness, stray_processes

FILES = library_files()
DEMO_DTS = SCENARIOS / "seed-files" / "frontend.dts"
# The fault files run on `qemu` too, but Linux's virtio-fs driver cannot recover from most
# faults: they have their own tests below.
FAULT_FILES = [p for p in FILES if p.name.startswith("faults-")]
PLAIN_FILES = [p for p in FILES if p not in FAULT_FILES]


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
    # The demo's memory: the backend sees the 16 MiB window only, and every buffer the guest
    # gave the device was in it (the restricted DMA pool at work).
    assert "# stats: guest: the harness's kernel, demo device tree" in res.out, res.out
    m = re.search(r"window_bytes=(\d+) desc_checked=(\d+) desc_outside_window=(\d+) "
                  r"rings_outside_window=(\d+)", res.out)
    assert m, res.out
    window, checked, outside, rings = map(int, m.groups())
    assert window == 16 * 1024 * 1024 and checked > 20 and outside == 0 and rings == 0, res.out
    # Where a trap's time goes (harness/bench/limits.md): every trap timed on both clocks; the
    # hops of the median trap are each positive and the whole trap takes at least the host's
    # serve (the stub waits for it).
    hops = re.findall(r"# stats: el2_trap_hops_(isolated|bursts) n=(\d+) p50_us: "
                      r"handler_to_posted=([\d.]+) posted_to_host=([\d.]+) host_serve=([\d.]+) "
                      r"served_to_resumed=([\d.]+) whole=([\d.]+) whole_p90=([\d.]+)", res.out)
    assert len(hops) == 2, res.out
    assert sum(int(h[1]) for h in hops) >= traps * 0.9, (hops, traps)
    for kind, n, *us in hops:
        post, notice, serve, resume, whole, p90 = map(float, us)
        if int(n):
            assert serve > 0 and whole >= serve and p90 >= whole, (kind, us)
    assert re.search(r"# stats: el2_irq n=[1-9]\d* raised_to_handler_us: p50=\d+", res.out)


def run_in_tmp(args, timeout):
    """A run with its run directory under a fresh TMPDIR, checked for leftovers afterwards."""
    with tempfile.TemporaryDirectory(prefix="bh-qemu-", dir="/tmp") as tmp:
        res = run_harness(args, timeout=timeout, env={"TMPDIR": tmp})
        time.sleep(0.3)
        assert not stray_processes(tmp), f"left running: {stray_processes(tmp)}\n{res!r}"
        assert not os.listdir(tmp), f"left behind: {os.listdir(tmp)}\n{res!r}"
    return res


def test_demo_frontend_dts_boots():
    # The demo's own frontend.dts, byte for byte: only /chosen is changed, and said so.
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_in_tmp(["run", "--frontend", "qemu", "--dts", DEMO_DTS, "--stats", scn], 300)
    assert res.rc == 0, repr(res)
    assert "changed only /chosen: bootargs \"earlycon console=ttyAMA0" in res.err, repr(res)
    assert "window_bytes=16777216" in res.out and "desc_outside_window=0" in res.out, res.out


def test_no_memory_region_fails_as_on_bao(tmp_path):
    # Without memory-region the guest's DMA is not confined to the window: Linux puts the
    # virtqueues in its private RAM, which the backend cannot reach. The device model names
    # the first address outside the window and goes broken; the run fails with its words,
    # well before the boot timeout, and nothing is left running.
    dts = tmp_path / "no-memory-region.dts"
    dts.write_text("".join(l for l in DEMO_DTS.read_text().splitlines(True)
                           if "memory-region" not in l))
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    t0 = time.monotonic()
    res = run_in_tmp(["run", "--frontend", "qemu", "--dts", dts, scn], 120)
    assert res.rc == 1, repr(res)
    assert time.monotonic() - t0 < 30, repr(res)
    assert re.search(r"^not ok - .*seed-demo.scn: the stack did not start \(device model: device "
                     r"broken, needs reset: DRIVER_OK: queue 0: descriptor ring \[0x[3-6][0-9a-f]+, "
                     r"\+0x[0-9a-f]+\) outside shared window \[0x10000000, 0x11000000\)\)$",
                     res.out, re.M), repr(res)
    assert "has no memory-region" in res.err, repr(res)


@pytest.mark.parametrize("flaw,message", [
    ("no-virtio", "no virtio,mmio node"),
    ("elsewhere", "/virtio@a003e00 is not the trap region: want reg = <0xa003e00 0x200>"),
    ("garbage", "dtc could not read"),
])
def test_bad_device_tree_named(tmp_path, flaw, message):
    text = DEMO_DTS.read_text()
    if flaw == "no-virtio":
        text = re.sub(r"\tvirtio@a003e00 \{.*?\n\t\};\n", "", text, flags=re.S)
    elif flaw == "elsewhere":
        text = text.replace("0xa003e00 0x0 0x200", "0xa003c00 0x0 0x200")
    else:
        text = "/dts-v1/;\n/ { virtio@a003e00 {\n"
    dts = tmp_path / f"{flaw}.dts"
    dts.write_text(text)
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_in_tmp(["run", "--frontend", "qemu", "--dts", dts, scn], 60)
    assert res.rc == 1, repr(res)
    assert message in res.out, repr(res)


def test_guest_options_refused_where_meaningless():
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_harness(["run", "--frontend", "qemu-native", "--dts", DEMO_DTS, scn])
    assert res.rc == 2 and "--dtb and --dts are for --frontend qemu" in res.err, repr(res)
    res = run_harness(["run", "--guest", "debian", scn])
    assert res.rc == 2 and "are for --frontend qemu or qemu-native" in res.err, repr(res)
    res = run_harness(["run", "--frontend", "qemu", "--guest", "fedora", scn])
    assert res.rc == 2 and "--guest 'fedora': want own or debian" in res.err, repr(res)


@pytest.mark.parametrize("frontend", ["qemu", "qemu-native"])
def test_seed_demo_on_debian_guest(frontend):
    # The second configuration: Debian's packaged kernel and modules. Its kernel has no
    # restricted DMA pool, so on `qemu` the window is its whole RAM (256 MiB).
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_harness(["run", "--frontend", frontend, "--guest", "debian", "--stats", scn],
                      timeout=300)
    assert res.rc == 0, repr(res)
    assert "# stats: guest: Debian's kernel" in res.out, res.out
    if frontend == "qemu":
        assert "window_bytes=268435456" in res.out and "desc_outside_window=0" in res.out


def test_library_on_qemu_trapped():
    res = run_harness(["run", "--frontend", "qemu"] + PLAIN_FILES, timeout=1200)
    assert res.rc == 0, repr(res)
    m = re.fullmatch(r"(\d+) passed, 0 failed, (\d+) skipped", res.out.rstrip().splitlines()[-1])
    assert m and int(m.group(1)) + int(m.group(2)) == len(PLAIN_FILES), repr(res)


# What Linux's own driver does with each fault (results/reliability.md): a reset through the
# driver (unbind, bind) recovers; a dead backend or device model, or a lost interrupt, leaves
# the request waiting for ever - the step fails at its timeout with the guest's report of
# where the kernel holds it, and the harness stops cleanly.
BLOCKED = (r"no result from the guest within \d+ ms; the guest: step \d+ blocked for \d+ ms in "
           r"the kernel at (request_wait_answer|fuse_get_req) \| kernel stack: "
           r"(request_wait_answer|fuse_get_req) < fuse_simple_request < ")


@pytest.mark.parametrize("name,failing", [
    ("faults-reset.scn", None),
    ("faults-backend.scn", r"^not ok 12 - fail EIO read /d/a.txt: " + BLOCKED +
     r".*device model: device broken, needs reset: virtiofsd disconnected$"),
    ("faults-devmodel.scn", r"^not ok 9 - fail EIO read /a: " + BLOCKED),
    ("faults-irq.scn", r"^not ok 6 - write /a \"x\": " + BLOCKED),
])
def test_fault_files_run_on_qemu(name, failing):
    scn = [p for p in FAULT_FILES if p.name == name][0]
    t0 = time.monotonic()
    res = run_in_tmp(["run", "--frontend", "qemu", "--step-timeout", "8", scn], 120)
    assert "# SKIP" not in res.out, repr(res)
    assert time.monotonic() - t0 < 60, repr(res)
    if failing is None:
        assert res.rc == 0, repr(res)
        assert res.out.count("the guest's driver reset the device") == 4, res.out
    else:
        assert res.rc == 1, repr(res)
        assert re.search(failing, res.out, re.M), repr(res)


def test_irq_delay_on_qemu(tmp_path):
    # Late interrupts only cost time: Linux's driver takes them when they come.
    scn = tmp_path / "late.scn"
    scn.write_text("require faults\nirq-delay 40\nwrite /a \"x\"\nappend /a \"y\"\n"
                   "read /a \"xy\"\nlist / a\nirq-delay 0\nhost-read /a \"xy\"\n")
    res = run_in_tmp(["run", "--frontend", "qemu", "--step-timeout", "8", scn], 120)
    assert res.rc == 0, repr(res)
    assert "# fault: irq-delay: interrupts delivered 40 ms late" in res.out, res.out


def _image(*parts):
    from conftest import BUILD
    for d in (BUILD, BUILD.parent):
        p = d.joinpath("qemu", *parts)
        if p.exists():
            return p
    pytest.skip(f"qemu/{'/'.join(parts)} is not built: run make qemu-image (make test does)")


@pytest.mark.parametrize("frontend", ["qemu", "qemu-native"])
@pytest.mark.parametrize("what,message", [
    # Debian's kernel has virtio-mmio and virtiofs as modules; our initramfs (for the harness's
    # kernel) carries none: the agent names what the kernel lacks.
    ("no-virtiofs", r"guest agent: the guest kernel has no virtiofs file system"),
    # An initramfs that is not one: the kernel panics, and its own words are the message.
    ("panic", r"the guest said: Kernel panic - not syncing: No working init found"),
])
def test_bad_guest_named(tmp_path, frontend, what, message):
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    if what == "no-virtiofs":
        args = ["--kernel", _image("debian", "Image"), "--initrd", _image("initramfs.cpio.gz")]
    else:
        junk = tmp_path / "junk.cpio"
        junk.write_bytes(os.urandom(4096))
        args = ["--kernel", _image("Image"), "--initrd", junk]
    t0 = time.monotonic()
    res = run_harness(["run", "--frontend", frontend] + args + [scn], timeout=200,
                      env={"TMPDIR": str(tmp_path)})
    assert res.rc == 1, repr(res)
    assert re.search(message, res.err), repr(res)
    assert time.monotonic() - t0 < 120, "not within the boot timeout"
    assert not stray_processes(str(tmp_path)), stray_processes(str(tmp_path))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("baoharness-")]
