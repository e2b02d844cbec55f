"""The harness is safe to point at a hostile guest (issue: host steps confined, every step
bounded, nothing left behind). One test per case: the guest plants links and then a host step
uses them; a FIFO in a user's share; a stopped virtiofsd or device model; SIGINT/SIGTERM/SIGHUP
to the runner; a tree deeper than PATH_MAX. Each checks the canaries outside the share, that no
process of the stack is left (every stack process inherits a per-test environment tag, found
in /proc/*/environ), that the run's TMPDIR is empty afterwards, and the time bounds."""
import os
import pathlib
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from conftest import BAOHARNESS, BAD_LOG_MARKERS, SCENARIOS

CANARY = pathlib.Path("/tmp/baoharness-canary")
# Names a broken confinement would create in the host's /tmp (confinement.scn and the cases).
HOST_TMP_NAMES = ["baoharness-up", "baoharness-D", "baoharness-F", "baoharness-A",
                  "baoharness-X"]


def tagged_processes(tag):
    """Live processes whose environment carries tag: the stack's, wherever they were reparented."""
    found = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes()
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if f"BAOHARNESS_TEST_TAG={tag}".encode() in env.split(b"\0"):
            state = stat[stat.rindex(")") + 2]
            if state not in "ZX":
                found.append((int(d.name), stat[stat.index("(") + 1:stat.rindex(")")], state))
    return found


class Run:
    """One baoharness run in its own TMPDIR with an environment tag; starts it, lets a test act on
    it while it runs, and checks afterwards that nothing is left."""

    def __init__(self, tmp_path, args, stdin=subprocess.DEVNULL, env=None):
        self.tag = uuid.uuid4().hex
        # Short: the run directory holds unix sockets (108-byte paths).
        self.tmpdir = pathlib.Path(tempfile.mkdtemp(prefix="bh-", dir="/tmp"))
        env = dict(os.environ, TMPDIR=str(self.tmpdir), BAOHARNESS_TEST_TAG=self.tag,
                   **(env or {}))
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([str(BAOHARNESS)] + [str(a) for a in args], env=env,
                                     stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.out = self.err = ""
        self.lines = []  # (monotonic time, stdout line) as they arrive
        self.reader = threading.Thread(target=self._read_stdout, daemon=True)
        self.reader.start()

    def _read_stdout(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))

    def first_failure_time(self):
        return next((t for t, l in self.lines if l.startswith("not ok")), None)

    def processes(self):
        return tagged_processes(self.tag)

    def wait_for_process(self, comm, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            procs = [p for p in self.processes() if p[1] == comm]
            if procs:
                return procs
            time.sleep(0.02)
        pytest.fail(f"no {comm} process appeared within {timeout} s")

    def finish(self, timeout=60):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.reader.join()
            pytest.fail(f"baoharness did not end within {timeout} s")
        self.ended = time.monotonic()
        self.elapsed = self.ended - self.t0
        self.reader.join()
        self.err = self.proc.stderr.read()
        self.out = "".join(l for _, l in self.lines)
        for marker in BAD_LOG_MARKERS:
            assert marker not in self.err, self.err
        return self.proc.returncode

    def assert_nothing_left(self):
        # Reaping of the killed group is part of the run: nothing may survive its exit.
        left = self.processes()
        assert left == [], f"processes of the stack left behind: {left}\n{self.err}"
        leftover = list(self.tmpdir.iterdir())
        assert leftover == [], f"left in TMPDIR: {leftover}\n{self.err}"
        self.tmpdir.rmdir()

    def __repr__(self):
        return f"rc={self.proc.returncode}\n--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"


@pytest.fixture
def canaries():
    """The host's own /tmp files a broken confinement would touch: the canary with known
    content, the other names absent. Restored afterwards."""
    for n in HOST_TMP_NAMES:
        p = pathlib.Path("/tmp") / n
        assert not p.exists(), f"{p} exists before the test: remove it"
    CANARY.write_text("canary\n")
    CANARY.chmod(0o644)
    before = CANARY.stat()
    yield
    try:
        after = CANARY.stat()
        assert CANARY.read_text() == "canary\n"
        assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
        for n in HOST_TMP_NAMES:
            assert not (pathlib.Path("/tmp") / n).exists(), f"/tmp/{n} was created outside the share"
    finally:
        CANARY.unlink(missing_ok=True)


def scn(tmp_path, text, name="case.scn"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("resolver", ["openat2", "walk"])
def test_library_confinement_file(tmp_path, canaries, resolver):
    """The library file, through openat2 and through the walk older kernels get."""
    env = {"BAOHARNESS_CONFINE_WALK": "1"} if resolver == "walk" else {}
    r = Run(tmp_path, ["run", SCENARIOS / "confinement.scn"], env=env)
    assert r.finish() == 0, repr(r)
    assert "1 passed, 0 failed" in r.out
    r.assert_nothing_left()


# Each row of the table: the frontend plants a link, then a host step uses it. With
# confinement the step resolves inside the share, where the target does not exist: it fails
# with ENOENT and nothing outside changes.
HOSTILE_ROWS = {
    "absolute-write": ("symlink /tmp/baoharness-X /new\nhost-write /new \"pwned\"\n", "ENOENT"),
    "dotdot-write": ("symlink ../../../../../../../../tmp/baoharness-X /up\n"
                     "host-write /up \"pwned\"\n", "ENOENT"),
    "dir-mkdir": ("symlink /tmp /t\nhost-mkdir /t/baoharness-D\n", "ENOENT"),
    "dir-write": ("symlink /tmp /t\nhost-write /t/baoharness-F \"pwned\"\n", "ENOENT"),
    "dir-append": ("symlink /tmp /t\nhost-append /t/baoharness-A \"pwned\"\n", "ENOENT"),
    "dir-unlink": ("symlink /tmp /t\nhost-unlink /t/baoharness-canary\n", "ENOENT"),
    "etc-stat": ("symlink /etc /e\nhost-stat /e/passwd type file\n", "ENOENT"),
    "dev-stdin": ("symlink /dev/stdin /s\nhost-read /s \"SECRET\"\n", "ENOENT"),
}


@pytest.mark.parametrize("resolver", ["openat2", "walk"])
@pytest.mark.parametrize("row", sorted(HOSTILE_ROWS))
def test_host_step_through_planted_link(tmp_path, canaries, row, resolver):
    text, errname = HOSTILE_ROWS[row]
    secret = tmp_path / "stdin"
    secret.write_text("SECRET")
    env = {"BAOHARNESS_CONFINE_WALK": "1"} if resolver == "walk" else {}
    with open(secret) as stdin:
        r = Run(tmp_path, ["run", "--step-timeout", "10", scn(tmp_path, text)], stdin=stdin,
                env=env)
        rc = r.finish()
    assert rc == 1, repr(r)
    failed = [l for l in r.out.splitlines() if l.startswith("not ok")]
    assert len(failed) == 1 and errname in failed[0], repr(r)
    assert failed[0].startswith("not ok 2 - host-"), repr(r)
    r.assert_nothing_left()


def test_fifo_in_share_refused_within_timeout(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    os.mkfifo(share / "fifo")
    for step in ("host-read /fifo \"x\"", "host-write /fifo \"x\"", "host-append /fifo \"x\""):
        base = tmp_path / step.split()[0]
        base.mkdir()
        r = Run(base, ["run", "--step-timeout", "3", "--share", share, scn(base, step + "\n")])
        rc = r.finish(timeout=30)
        assert rc == 1, repr(r)
        assert "refused" in r.out and "FIFO" in r.out, repr(r)
        # Refused at once (the bound would be the step timeout), the run over soon after.
        assert r.ended - r.first_failure_time() < 2, repr(r)
        r.assert_nothing_left()
    assert (share / "fifo").exists(), "the user's share must be kept"


def test_host_step_timeout_is_bounded(tmp_path):
    """A host step that takes longer than --step-timeout (1 GiB of @rand data) is killed at the
    timeout, named with the time, and the run ends shortly after."""
    r = Run(tmp_path, ["run", "--step-timeout", "1", scn(tmp_path, "host-write /big @rand:1024m\n")])
    rc = r.finish(timeout=30)
    assert rc == 1, repr(r)
    assert "host step timed out after 1." in r.out, repr(r)
    assert r.ended - r.first_failure_time() < 2, repr(r)
    r.assert_nothing_left()


LONG_SCENARIO = "".join(f"write /f{i} \"data {i}\"\nread /f{i} \"data {i}\"\nsleep 20\n"
                        for i in range(400))


@pytest.mark.parametrize("victim", ["virtiofsd", "bao-virtio-dm"])
def test_stopped_process_reported_and_run_ends(tmp_path, victim):
    r = Run(tmp_path, ["run", "--step-timeout", "3", scn(tmp_path, LONG_SCENARIO)])
    procs = r.wait_for_process(victim)
    time.sleep(0.5)
    # virtiofsd serves from its sandbox child when it has one: stop every process of that name.
    stopped = [p[0] for p in r.wait_for_process(victim)]
    t_stop = time.monotonic()
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    rc = r.finish(timeout=60)
    assert rc == 1, repr(r)
    failed = [l for l in r.out.splitlines() if l.startswith("not ok")]
    assert failed and f"{victim} (pid " in failed[0] and "is stopped" in failed[0], repr(r)
    # Reported within the step timeout (the step in flight may have begun just before the
    # stop, plus the heartbeat's slack), and the run ended within 2 s after that.
    assert r.first_failure_time() - t_stop < 3 + 1.5, repr(r)
    assert r.ended - r.first_failure_time() < 2, repr(r)
    r.assert_nothing_left()
    del procs


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_stops_stack_and_cleans_up(tmp_path, sig):
    r = Run(tmp_path, ["run", scn(tmp_path, LONG_SCENARIO)])
    r.wait_for_process("virtiofsd")
    time.sleep(0.5)
    t_sig = time.monotonic()
    r.proc.send_signal(sig)
    rc = r.finish(timeout=30)
    assert rc == 128 + sig, repr(r)
    assert f"interrupted by {signal.Signals(sig).name}" in r.err, repr(r)
    assert "at line" in r.err, repr(r)
    assert r.ended - t_sig < 3, repr(r)
    r.assert_nothing_left()


def test_tree_deeper_than_path_max_is_removed(tmp_path):
    """Frontend mkdirs and renames build a tree deeper than PATH_MAX in the share; the run
    passes and its run directory is gone."""
    name = "n" * 250
    lines, deepest = [], {}
    for top in ("a", "b", "c"):
        path = f"/{top}"
        lines.append(f"mkdir {path}")
        for _ in range(14):
            path += "/" + name
            lines.append(f"mkdir {path}")
        lines.append(f"write {path}/leaf \"x\"")
        deepest[top] = path
    # c into b's deepest, then b into a's deepest: ~45 levels of 251 bytes, over 11 KB deep.
    lines.append(f"rename /c {deepest['b']}/c")
    lines.append(f"rename /b {deepest['a']}/b")
    lines.append("list / a")
    r = Run(tmp_path, ["run", scn(tmp_path, "\n".join(lines) + "\n")])
    rc = r.finish(timeout=120)
    assert rc == 0, repr(r)
    r.assert_nothing_left()


def test_no_step_left_unbounded_sleep(tmp_path):
    """A `sleep` longer than --step-timeout fails at the timeout instead of holding the run."""
    r = Run(tmp_path, ["run", "--step-timeout", "1", scn(tmp_path, "sleep 30000\n")])
    rc = r.finish(timeout=30)
    assert rc == 1, repr(r)
    assert "longer than --step-timeout" in r.out, repr(r)
    assert r.ended - r.first_failure_time() < 2, repr(r)
    r.assert_nothing_left()
