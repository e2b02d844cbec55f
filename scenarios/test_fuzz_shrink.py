"""Whole-stack findings made minimal and kept: `baoharness fuzz fuse-requests --shrink FILE`
shrinks a saved request sequence (delta debugging over requests, then bytes) to the smallest one
that still ends virtiofsd the same way, and every shrunk finding under fuzz/regress/whole-stack/
(the C daemon's, and rust/ for the Rust one) replays to a dead or hung backend on a fresh stack -
so a fixed virtiofsd, or a harness that stopped reaching the bug, shows here."""
import re
import shutil
import struct

import pytest

from conftest import BUILD, ROOT, run_harness

REGRESS = ROOT / "fuzz" / "regress" / "whole-stack"
RUST = next((d / "backends" / "rust" / "virtiofsd" for d in (BUILD, BUILD.parent)
             if (d / "backends").is_dir()), BUILD / "backends" / "rust" / "virtiofsd")
# WRITE-huge-abort is one request whose size is the bug (1 MiB): it is its own minimum.
MINIMAL = sorted(REGRESS.glob("*.min.bin")) + sorted((REGRESS / "rust").glob("*.min.bin")) + \
    [REGRESS / "WRITE-huge-abort.bin"]


def test_there_are_shrunk_findings():
    assert len(MINIMAL) >= 5, MINIMAL


@pytest.mark.parametrize("path", MINIMAL, ids=lambda p: p.parent.name + "/" + p.name)
def test_shrunk_finding_replays(path):
    args = ["fuzz", "fuse-requests", "--replay", path]
    if path.parent.name == "rust":
        if not RUST.exists():
            pytest.skip(f"the Rust virtiofsd is not fetched ({RUST}): run make backends")
        args[2:2] = ["--virtiofsd", "rust"]
    for _ in range(3):  # a backend's death can race the harness's teardown: a few tries
        res = run_harness(args, timeout=120)
        if res.rc == 1 and res.out.rstrip().endswith("reproduced: the backend died or hung"):
            return
    pytest.fail(f"{path.name} no longer ends the backend: {res!r}")


def test_shrink_makes_it_smaller(tmp_path):
    src = REGRESS / "GETLK-mutated-abort.bin"
    copy = tmp_path / "finding.bin"
    shutil.copy(src, copy)
    res = run_harness(["fuzz", "fuse-requests", "--shrink", copy], timeout=300)
    assert res.rc == 0, repr(res)
    m = re.search(r"shrunk \S+: (\d+) -> (\d+) requests, (\d+) -> (\d+) bytes, \d+ tests; "
                  r"oracle \"abort: virtiofsd: .*Assertion", res.out)
    assert m, repr(res)
    n0, n1, b0, b1 = map(int, m.groups())
    assert n1 <= n0 and b1 < b0, m.groups()
    out = tmp_path / "finding.min.bin"
    assert out.exists() and out.stat().st_size < copy.stat().st_size
    res = run_harness(["fuzz", "fuse-requests", "--replay", out], timeout=120)
    assert res.rc == 1 and "reproduced" in res.out, repr(res)


def test_shrink_bad_input(tmp_path):
    res = run_harness(["fuzz", "fuse-requests", "--shrink", tmp_path / "none.bin"], timeout=60)
    assert res.rc == 2 and "cannot read" in res.err, repr(res)
    # One harmless GETATTR of the root: nothing dies, so nothing to shrink.
    hdr = struct.pack("<IIQQIIIHH", 56, 3, 2, 1, 0, 0, 1, 0, 0) + bytes(16)
    harmless = tmp_path / "harmless.bin"
    harmless.write_bytes(struct.pack("<IHH", len(hdr), 1, 0) + hdr)
    res = run_harness(["fuzz", "fuse-requests", "--shrink", harmless], timeout=120)
    assert res.rc == 1 and "does not end the backend" in res.err, repr(res)


def test_campaign_without_a_stack_keeps_old_results(tmp_path):
    """A campaign that could not start its backend measured nothing: exit 3 with the reason,
    and the results directory (which may hold the last campaign's figures) is left as it was."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "fuse-requests.json").write_text("{\"previous\": true}\n")
    res = run_harness(["fuzz", "fuse-requests", "--time", "2", "--virtiofsd",
                       str(tmp_path / "no-such-virtiofsd"), "--out", out], timeout=60)
    assert res.rc == 3, res
    assert "no-such-virtiofsd" in res.err, res
    assert sorted(p.name for p in out.iterdir()) == ["fuse-requests.json"], res
    assert (out / "fuse-requests.json").read_text() == "{\"previous\": true}\n"
