"""`baoharness fuzz fuse-requests --differential`: the same well-formed requests through two
whole stacks (C virtiofsd 7.2 and Rust 1.13), every pair of answers compared. A short campaign
compares requests and writes its results; a saved difference (the C daemon answers EIO where
the Rust one and POSIX say ENOENT: unlink of a name that is not there) replays as the same
difference on fresh stacks; bad options are refused. Skipped, saying why, without the Rust
virtiofsd (make test fetches it)."""
import json
import re

import pytest

from conftest import BUILD, ROOT, run_harness, stray_processes

RUST = next((d / "backends" / "rust" / "virtiofsd" for d in (BUILD, BUILD.parent)
             if (d / "backends").is_dir()), BUILD / "backends" / "rust" / "virtiofsd")
UNLINK_EIO = ROOT / "fuzz" / "regress" / "whole-stack" / "differential" / \
    "diff-UNLINK-EIO_vs_ENOENT.bin"


def need_rust():
    if not RUST.exists():
        pytest.skip(f"the Rust virtiofsd is not fetched ({RUST} missing): run make backends")


def test_short_campaign(tmp_path):
    need_rust()
    res = run_harness(["fuzz", "fuse-requests", "--differential", "--time", "8", "--seed", "7",
                       "--out", tmp_path, "--regress-dir", tmp_path / "found"], timeout=120)
    assert res.rc == 0, repr(res)
    data = json.loads((tmp_path / "differential.json").read_text())
    assert data["backends"] == ["c", "rust"], data
    assert data["compared"] > 50 and data["same"] > data["compared"] // 3, data
    assert data["compared"] == data["same"] + data["documented"] + data["differences"], data
    md = (tmp_path / "differential.md").read_text()
    assert "| errno-class |" in md and "| not-implemented |" in md, md
    # Every kind of difference was saved with the requests that led to it.
    saved = list((tmp_path / "found").glob("diff-*.bin"))
    assert len(saved) == data["kinds"], (saved, data)
    assert not stray_processes(str(tmp_path)), stray_processes(str(tmp_path))


def test_replay_of_a_saved_difference():
    need_rust()
    res = run_harness(["fuzz", "fuse-requests", "--differential", "--replay", UNLINK_EIO],
                      timeout=120)
    assert res.rc == 1, repr(res)
    assert re.search(r"UNLINK: DIFFERENT: EIO vs ENOENT", res.out), repr(res)
    assert res.out.rstrip().endswith("reproduced: the backends answered differently"), repr(res)


@pytest.mark.parametrize("args,rc,message", [
    (["--against", "rust"], 2, "--against is for --differential"),
    (["--differential", "--time", "abc"], 2, "--time 'abc': want seconds"),
    (["--differential", "--seed", "-4"], 2, "--seed '-4': want an unsigned number"),
    (["--differential", "--against", "/bin/true", "--time", "5"], 3,
     "/bin/true is not a virtiofsd this harness knows"),
])
def test_bad_options(tmp_path, args, rc, message):
    res = run_harness(["fuzz", "fuse-requests", "--out", tmp_path] + args, timeout=60)
    assert res.rc == rc, repr(res)
    assert message in res.err, repr(res)
