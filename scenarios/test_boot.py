"""`baoharness boot`: the Debian arm64 guest boots to a shell on the console instead of the agent
and the seed's `mount -t virtiofs myfs /mnt` is typed by hand (here through a pipe). For frontend
`qemu` the guest's virtio-mmio accesses are trapped by the EL2 stub and served by fakebao, our
device model and virtiofsd. Each test boots a guest once."""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import BAD_LOG_MARKERS, BAOHARNESS, stray_processes

TIMEOUT = 180
PROMPT = b"guest:/# "
HOST_TEXT = "written-by-the-host-4711\n"  # never typed: it can only reach stdout through cat


@pytest.fixture(scope="module", autouse=True)
def boot_available():
    res = subprocess.run([str(BAOHARNESS), "boot", "--help"], capture_output=True, text=True,
                         timeout=30)
    if "unknown command" in res.stderr:
        pytest.skip("`baoharness boot` is not wired into main.c yet (unknown command)")


@pytest.fixture
def workdir():
    # Short path under /tmp: the run directory (TMPDIR) holds unix sockets (108-byte limit).
    d = tempfile.mkdtemp(prefix="bh-boot-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


class Session:
    """baoharness boot with stdin a pipe; stdout and stderr collected by threads."""

    def __init__(self, args, workdir, stdin=subprocess.PIPE):
        env = dict(os.environ, TMPDIR=workdir)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([str(BAOHARNESS), "boot"] + args, stdin=stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.out, self.err = bytearray(), bytearray()
        self.threads = [threading.Thread(target=self._pump, args=(f, b), daemon=True)
                        for f, b in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _pump(f, buf):
        for chunk in iter(lambda: f.read1(4096), b""):
            buf.extend(chunk)

    def left(self):
        return max(1.0, TIMEOUT - (time.monotonic() - self.t0))

    def wait_output(self, what):
        end = time.monotonic() + self.left()
        while what not in self.out and self.proc.poll() is None and time.monotonic() < end:
            time.sleep(0.1)
        return what in self.out

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def finish(self):
        try:
            rc = self.proc.wait(timeout=self.left())
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"baoharness boot still running after {TIMEOUT} s:\n{self!r}")
        for t in self.threads:
            t.join(timeout=10)
        if self.proc.stdin:
            self.proc.stdin.close()
        text = self.err.decode(errors="replace")
        for marker in BAD_LOG_MARKERS:
            assert marker not in text, f"sanitizer/crash report:\n{self!r}"
        return rc

    def __repr__(self):
        return (f"--- stdout ---\n{self.out.decode(errors='replace')}\n"
                f"--- stderr ---\n{self.err.decode(errors='replace')}")


def assert_nothing_left(workdir, s):
    # QEMU, virtiofsd and the device model all name the run directory (under workdir).
    time.sleep(0.5)
    stray = stray_processes(workdir)
    assert not stray, f"left running: {stray}\n{s!r}"
    assert not [n for n in os.listdir(workdir) if n.startswith("baoharness-")], s


@pytest.mark.parametrize("frontend", ["qemu", "qemu-native"])
def test_boot_mount_by_hand(frontend, workdir):
    share = os.path.join(workdir, "share")
    os.mkdir(share)
    with open(os.path.join(share, "h.txt"), "w") as f:
        f.write(HOST_TEXT)
    s = Session(["--frontend", frontend, "--share", share], workdir)
    assert s.wait_output(PROMPT), f"no shell prompt:\n{s!r}"
    for line in ("mount -t virtiofs myfs /mnt", "echo hello-from-guest > /mnt/g.txt",
                 "cat /mnt/h.txt", "poweroff -f"):
        s.send(line)
    rc = s.finish()
    assert rc == 0, f"rc={rc}\n{s!r}"
    out = s.out.decode(errors="replace")
    assert "virtio-fs device ready: mount -t virtiofs myfs /mnt" in out, s
    assert f"share on the host: {os.path.realpath(share)}" in out, s
    with open(os.path.join(share, "g.txt")) as f:
        assert f.read() == "hello-from-guest\n", s
    assert HOST_TEXT.strip() in out.replace("\r", ""), s
    err = s.err.decode(errors="replace")
    assert "the guest powered off" in err, s
    if frontend == "qemu":
        # Linux's own virtio_mmio driver reached the share through EL2 traps only.
        m = re.search(r"(\d+) virtio-mmio accesses trapped, (\d+) interrupts injected;", err)
        assert m and int(m.group(1)) > 50 and int(m.group(2)) > 5, s
    assert_nothing_left(workdir, s)


def test_smp_both_vcpus_do_file_io_at_once(workdir):
    # Two writers at once, pinned to vCPU 0 and vCPU 1: each vCPU's trapped accesses are its
    # own Bao requests; both counts grow, and the files are whole on the host.
    share = os.path.join(workdir, "share")
    os.mkdir(share)
    s = Session(["--frontend", "qemu", "--vcpus", "2", "--share", share], workdir)
    assert s.wait_output(PROMPT), f"no shell prompt:\n{s!r}"
    s.send("mount -t virtiofs myfs /mnt")
    s.send("grep -c ^processor /proc/cpuinfo")
    s.send("for c in 1 2; do (taskset $c dd if=/dev/zero of=/mnt/w$c bs=4k count=300 "
           "conv=fsync 2>/dev/null; echo writer-$c-done) & done; wait")
    assert s.wait_output(b"writer-1-done") and s.wait_output(b"writer-2-done"), s
    s.send("poweroff -f")
    rc = s.finish()
    assert rc == 0, f"rc={rc}\n{s!r}"
    for c in (1, 2):
        assert os.path.getsize(os.path.join(share, f"w{c}")) == 300 * 4096, s
    m = re.search(r"traps per vCPU: 0=(\d+) 1=(\d+)$", s.err.decode(errors="replace"), re.M)
    assert m and int(m.group(1)) > 100 and int(m.group(2)) > 100, s
    assert_nothing_left(workdir, s)


def test_boot_ctrl_bracket_stops_the_guest(workdir):
    s = Session([], workdir)
    assert s.wait_output(PROMPT), f"no shell prompt:\n{s!r}"
    s.proc.stdin.write(b"\x1d")
    s.proc.stdin.flush()
    rc = s.finish()
    assert rc == 0, f"rc={rc}\n{s!r}"
    assert "left with Ctrl-]" in s.err.decode(errors="replace"), s
    assert_nothing_left(workdir, s)


def test_boot_input_eof_powers_off(workdir):
    # stdin at EOF from the start: the harness keeps sending ^D until the shell sees it at
    # its prompt; /init then powers off.
    with open(os.devnull, "rb") as devnull:
        s = Session([], workdir, stdin=devnull)
        rc = s.finish()
    assert rc == 0, f"rc={rc}\n{s!r}"
    assert "init: shell exited; powering off" in s.out.decode(errors="replace"), s
    assert_nothing_left(workdir, s)
