"""Two real backends: Debian 12's C virtiofsd 7.2 and the Rust virtiofsd 1.13 of Bao's demo
(`make backends`). The whole library, fault and confinement files included, runs on the scripted
frontend against each - chosen with `--virtiofsd` and, for the Rust one, with the
BAOHARNESS_VIRTIOFSD environment variable pointing at the fetched wrapper; the seed demo runs on
the trapped QEMU guest against each; `--stats` and the virtiofsd log show the backend really is
1.13; a `--virtiofsd` that is not a virtiofsd is refused before anything starts. Tests of the
Rust backend are skipped, saying why, when it is not fetched (`make test` fetches it first)."""
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, library_files, run_harness

FILES = library_files()
# build/backends next to build/ (the plain build) or one level up (build/asan, build/clang).
RUST = next((d / "backends" / "rust" / "virtiofsd" for d in (BUILD, BUILD.parent)
             if (d / "backends").is_dir()), BUILD / "backends" / "rust" / "virtiofsd")
KINDS = ["c", "rust"]


def need(kind):
    if kind == "rust" and not RUST.exists():
        pytest.skip(f"the Rust virtiofsd is not fetched ({RUST} missing): run make backends "
                    "(make test does)")


def summary(res):
    return res.out.rstrip().splitlines()[-1]


@pytest.mark.parametrize("kind", KINDS)
def test_library_on_scripted(kind):
    need(kind)
    res = run_harness(["run", "--virtiofsd", kind] + FILES, timeout=600)
    assert res.rc == 0, repr(res)
    m = re.fullmatch(r"(\d+) passed, 0 failed, (\d+) skipped", summary(res))
    assert m and int(m.group(1)) + int(m.group(2)) == len(FILES), repr(res)


@pytest.mark.parametrize("kind", KINDS)
def test_stats_name_the_backend(kind):
    need(kind)
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_harness(["run", "--stats", "--virtiofsd", kind, scn], timeout=120)
    assert res.rc == 0, repr(res)
    want = r'backend=c virtiofsd="virtiofsd version 7\.' if kind == "c" else \
        r'backend=rust virtiofsd="virtiofsd 1\.13\.'
    assert re.search(want, res.out), repr(res)


def test_library_on_scripted_via_env_variable(tmp_path):
    """What a user of another tool does: BAOHARNESS_VIRTIOFSD=/path/to/virtiofsd, no flag. Every
    file passes (or is skipped by its `require`), the run names the Rust backend 1.13, and the
    daemon that served it logged its own version."""
    need("rust")
    try:
        res = run_harness(["run", "--stats", "--keep"] + FILES, timeout=600,
                          env={"BAOHARNESS_VIRTIOFSD": str(RUST), "TMPDIR": str(tmp_path)})
        check_env_run(res, tmp_path)
    finally:
        for d in tmp_path.glob("baoharness-*"):
            shutil.rmtree(d, ignore_errors=True)


def check_env_run(res, tmp_path):
    assert res.rc == 0, repr(res)
    m = re.fullmatch(r"(\d+) passed, 0 failed, (\d+) skipped", summary(res))
    assert m and int(m.group(1)) + int(m.group(2)) == len(FILES), repr(res)
    assert int(m.group(1)) >= len(FILES) - 1, repr(res)
    # Every stack of the run used it: each --stats line names rust 1.13 and the wrapper's path.
    stats = re.findall(r'backend=(\w+) virtiofsd="([^"]*)" \((\S+)\)', res.out)
    assert stats and all(k == "rust" and re.match(r"virtiofsd 1\.13\.\d+$", v) and p == str(RUST)
                         for k, v, p in stats), stats
    assert len(stats) == len(FILES) - 1, res.out  # the skipped file starts no stack
    # The daemon itself: each kept run's virtiofsd.log has the Rust virtiofsd's own lines.
    logs = list(tmp_path.glob("baoharness-*/virtiofsd.log"))
    assert len(logs) == len(stats), f"{len(logs)} virtiofsd.log kept under {tmp_path}"
    for log in logs:
        text = log.read_text(errors="replace")
        assert "INFO  virtiofsd] Waiting for vhost-user socket connection" in text, text[-2000:]


def test_rust_fetched_is_1_13():
    need("rust")
    out = subprocess.run([str(RUST), "--version"], capture_output=True, text=True,
                         timeout=10).stdout
    assert re.match(r"virtiofsd 1\.13\.\d+", out), out


@pytest.mark.parametrize("kind", KINDS)
def test_seed_demo_on_trapped_guest(kind):
    need(kind)
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_harness(["run", "--frontend", "qemu", "--virtiofsd", kind, scn], timeout=240)
    assert res.rc == 0, repr(res)
    assert summary(res) == "1 passed, 0 failed, 0 skipped", repr(res)


@pytest.mark.parametrize("bad", ["/bin/true", "/nonexistent/virtiofsd", "/etc/passwd"])
def test_not_a_virtiofsd_is_refused(bad):
    scn = [p for p in FILES if p.name == "seed-demo.scn"][0]
    res = run_harness(["run", "--virtiofsd", bad, scn], timeout=60)
    assert res.rc == 3, repr(res)
    assert bad in res.err, repr(res)
    assert "the stack did not start" in res.out, repr(res)
