"""A statically linked device model - which LD_PRELOAD cannot reach - gets Bao's UAPI from
bao-dm-supervise (seccomp user notification): the scenario library passes through our device
model built with -static (no PT_INTERP), seen running with no LD_PRELOAD under the supervisor;
Bao ioctls the driver does not define get ENOTTY and are logged; the supervisor exits with the
program's status, forwards SIGTERM, and takes the program with it when it is killed.
Needs `make static-dm bao-dm-supervise` (make test builds them)."""
import os
import pathlib
import re
import signal
import struct
import subprocess
import threading
import time

import pytest

from conftest import BAD_LOG_MARKERS, BAOHARNESS, BUILD, ROOT, SCENARIOS, library_files, \
    stray_processes

STATIC_DIR = ROOT / "build" / "static"
STATIC_DM = STATIC_DIR / "bao-virtio-dm"
PROBE = STATIC_DIR / "bao-dm-probe"
# The supervisor need not be a sanitizer build: the plain one from make test's line.
SUPERVISE = next((p for p in (BUILD / "bao-dm-supervise", ROOT / "build" / "bao-dm-supervise")
                  if p.exists()), ROOT / "build" / "bao-dm-supervise")

pytestmark = pytest.mark.skipif(
    not (STATIC_DM.exists() and PROBE.exists() and SUPERVISE.exists()),
    reason="run make static-dm bao-dm-supervise (make test does)")

SUMMARY = re.compile(r"bao-dm-supervise: info: served (\d+) open\(s\) of /dev/bao-io-dispatcher, "
                     r"(\d+) BAO_IOCTL_DM_GET_INFO, (\d+) BAO_IOCTL_IO_CLIENT_ATTACH, "
                     r"(\d+) BAO_IOCTL_IO_REQUEST_COMPLETE, (\d+) BAO_IOCTL_IOEVENTFD, "
                     r"(\d+) BAO_IOCTL_IRQFD; (\d+) answered ENOTTY")


def has_interp(path):
    """True when the ELF file asks for a dynamic loader (a PT_INTERP program header)."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, f"{path}: not ELF64 LE"
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return any(struct.unpack_from("<I", data, phoff + i * phentsize)[0] == 3
               for i in range(phnum))


class DmWatcher(threading.Thread):
    """Finds every process running the static device model while a run lasts and records its
    environment and its parent's executable."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.seen = {}
        self.want = os.path.realpath(STATIC_DM)

    def look(self, pid):
        try:
            if os.readlink(f"/proc/{pid}/exe") != self.want or pid in self.seen:
                return
            env = pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            ppid = int(pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            parent = os.readlink(f"/proc/{ppid}/exe")
        except OSError:
            return
        self.seen[pid] = {"preload": [e for e in env if e.startswith(b"LD_PRELOAD=")],
                          "parent": parent}

    def run(self):
        while not self.stop.is_set():
            for d in os.listdir("/proc"):
                if d.isdigit():
                    self.look(int(d))
            time.sleep(0.05)


def run_with_wrapper(wrapper, files, timeout):
    return run_with_args([], files, timeout, dict(os.environ, BAOHARNESS_DM_WRAPPER=wrapper))


def run_with_args(args, files, timeout, env=None):
    wrapper = " ".join(str(a) for a in args) or env.get("BAOHARNESS_DM_WRAPPER")
    try:
        proc = subprocess.run([str(BAOHARNESS), "run"] + [str(a) for a in args] +
                              [str(f) for f in files],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"baoharness run under {wrapper} hung for {timeout} s: {e.stderr}")
    for marker in BAD_LOG_MARKERS:
        assert marker not in proc.stderr, f"sanitizer/crash report:\n{proc.stderr[-4000:]}"
    return proc


def test_static_dm_has_no_loader():
    assert not has_interp(STATIC_DM), f"{STATIC_DM} is dynamically linked"
    assert not has_interp(PROBE), f"{PROBE} is dynamically linked"
    assert has_interp(BAOHARNESS)  # the check itself works


def test_library_through_supervised_static_dm():
    files = library_files()
    watcher = DmWatcher()
    watcher.start()
    try:
        # As a user runs their own static build: --devmodel PATH; the harness sees no
        # PT_INTERP and starts it under the supervisor itself.
        proc = run_with_args(["-v", "--devmodel", STATIC_DM], files, 900)
    finally:
        watcher.stop.set()
        watcher.join()
    out = f"rc={proc.returncode}\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
    assert proc.returncode == 0, out
    last = proc.stdout.rstrip().splitlines()[-1]
    m = re.fullmatch(r"(\d+) passed, (\d+) failed, (\d+) skipped", last)
    assert m and int(m.group(2)) == 0, out
    assert int(m.group(1)) + int(m.group(3)) == len(files), out
    # The device model that served the library was the static one, under the supervisor,
    # with no LD_PRELOAD in its environment.
    assert watcher.seen, f"never saw {STATIC_DM} running\n{out}"
    for pid, info in watcher.seen.items():
        assert info["preload"] == [], f"pid {pid} had {info['preload']}"
        assert info["parent"] == os.path.realpath(SUPERVISE), f"pid {pid}: parent {info}"
    assert "without LD_PRELOAD" in proc.stderr, out
    # Every one of Bao's ioctls was served by the supervisor; none answered ENOTTY.
    sums = [tuple(int(g) for g in s.groups()) for s in SUMMARY.finditer(proc.stderr)]
    assert sums, f"no supervisor summary line\n{out}"
    for col, name in enumerate(["open", "DM_GET_INFO", "ATTACH", "COMPLETE", "IOEVENTFD",
                                "IRQFD"]):
        assert any(s[col] > 0 for s in sums), f"{name} never served: {sums}"
    assert all(s[6] == 0 for s in sums), f"unexpected ENOTTY: {sums}\n{out}"
    assert not stray_processes(str(STATIC_DM)), stray_processes(str(STATIC_DM))
    assert not stray_processes(str(SUPERVISE)), stray_processes(str(SUPERVISE))


def test_unknown_bao_ioctl_is_enotty_and_logged():
    # The probe opens the dispatcher, tries numbers Bao's driver does not define on it and on
    # its per-DM fd, then becomes the static device model: the scenario must still pass.
    proc = run_with_wrapper(f"{SUPERVISE} -- {PROBE} enotty --then {STATIC_DM}",
                            [SCENARIOS / "seed-demo.scn"], 300)
    out = f"rc={proc.returncode}\n{proc.stdout[-2000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
    assert proc.returncode == 0, out
    probe = re.findall(r"bao-dm-probe: (.*) 0x([0-9a-f]+) on fd \d+: ENOTTY", proc.stderr)
    assert len(probe) == 5, out
    assert "want ENOTTY" not in proc.stderr, out
    logged = re.findall(r"bao-dm-supervise: warn: thread \d+: (.*) 0x([0-9a-f]{8}) \(nr 0x\w+, "
                        r"size \d+\) on (dispatcher|per-DM) fd \d+: answered ENOTTY",
                        proc.stderr)
    assert {(n, w) for _, n, w in logged} == {("0000a67f", "dispatcher"),
                                              ("4008a605", "dispatcher"),
                                              ("4008a606", "per-DM"),
                                              ("c004a602", "per-DM"),
                                              ("c020a601", "per-DM")}, out


@pytest.mark.parametrize("args,rc", [
    (["--", PROBE, "exit", "3"], 3),
    (["--program", PROBE, "--", "/the/original/dm", "exit", "3"], 3),
    (["--", PROBE, "signal", "9"], 128 + 9),
    (["--", "/nonexistent/dm"], 127),
])
def test_exit_status(args, rc):
    # Programs that never open the dispatcher: nothing to serve, the status passes through.
    proc = subprocess.run([str(SUPERVISE)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == rc, proc.stderr
    if rc == 127:
        assert "bao-dm-supervise: error: exec /nonexistent/dm failed" in proc.stderr


def test_no_preload_reaches_the_program():
    env = dict(os.environ, LD_PRELOAD="libm.so.6")
    proc = subprocess.run([str(SUPERVISE), "--", "/usr/bin/env"], capture_output=True,
                          text=True, timeout=30, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "PATH=" in proc.stdout and "LD_PRELOAD" not in proc.stdout, proc.stdout


def children_of(pid):
    try:
        text = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def wait_for(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def gone(pid):
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_sigterm_forwarded():
    sup = subprocess.Popen([str(SUPERVISE), "--", "/bin/sleep", "30"], stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: children_of(sup.pid), 5)
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        sup.kill()
        sup.wait()


def test_killed_supervisor_takes_the_program_along():
    sup = subprocess.Popen([str(SUPERVISE), "--", "/bin/sleep", "30"], stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: children_of(sup.pid), 5)
        child = children_of(sup.pid)[0]
        sup.kill()
        sup.wait(timeout=10)
        assert wait_for(lambda: gone(child), 5), f"pid {child} outlived its supervisor"
    finally:
        sup.kill()
        sup.wait()
