"""Two real backends: Debian 12's C virtiofsd 7.2 and the Rust virtiofsd 1.13 of Bao's demo
(`make backends`). The whole library, fault and confinement files included, runs on the scripted
frontend against each; the seed demo runs on the trapped QEMU guest against each; `--stats`
names the backend and its version; a `--virtiofsd` that is not a virtiofsd is refused before
anything starts."""
import re
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
        pytest.fail(f"{RUST} missing: make backends (make test fetches it)")


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
