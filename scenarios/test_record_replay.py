"""Issue 17 items 1-3: `run --record` writes what the hypervisor sees (every trapped access, each
kick's chains with their readable bytes, each used element with the bytes written, each interrupt)
and the FUSE pairs, for the scripted frontend and the trapped Linux guest (`--frontend qemu`);
`trace show` prints it readably; `replay` drives a fresh device model and virtiofsd from it with
no frontend and reports `identical` or the first divergence with its request; version-1 traces
still replay (FUSE level), unknown versions are refused; `trace shrink` makes a diverging trace
minimal with the same oracle message and saves it with its replay command."""
import re
import struct

from conftest import SCENARIOS, run_harness

SEED = SCENARIOS / "seed-demo.scn"
BASIC = SCENARIOS / "basic-files.scn"


def records(data):
    """(kind, request, data, reply, reply capacity) of each record of a trace's bytes."""
    off, out = 16, []
    while off < len(data):
        kind, rl, dl, pl, cap = struct.unpack_from("<5I", data, off)
        off += 20
        out.append((kind, data[off:off + rl], data[off + rl:off + rl + dl],
                    data[off + rl + dl:off + rl + dl + pl], cap))
        off += rl + dl + pl
    return out


def write_trace(path, version, recs):
    body = b"".join(struct.pack("<5I", k, len(r), len(d), len(p), cap) + r + d + p
                    for k, r, d, p, cap in recs)
    path.write_bytes(b"BAOFTRC1" + struct.pack("<II", version, 16) + body)


def record(tmp_path, scn, *extra):
    trace = tmp_path / (scn.stem + ".trace")
    res = run_harness(["run", *extra, "--record", trace, scn], timeout=300)
    assert res.rc == 0, res
    return trace


def test_record_and_show(tmp_path):
    trace = record(tmp_path, SEED)
    data = trace.read_bytes()
    assert data[:8] == b"BAOFTRC1" and int.from_bytes(data[8:12], "little") == 2
    kinds = [r[0] for r in records(data)]
    # one stack, every kind of the hypervisor's view, the FUSE pairs and host steps
    assert kinds[0] == 3 and kinds.count(3) == 1, kinds[:5]
    for k in (1, 2, 4, 5, 6):
        assert k in kinds, (k, sorted(set(kinds)))
    # each kick's chain comes back as exactly one used element
    assert kinds.count(5) == kinds.count(6) > 50, (kinds.count(5), kinds.count(6))
    show = run_harness(["trace", "show", trace], timeout=30)
    assert show.rc == 0, show
    m = re.search(r"^# (\d+) records \(trace version 2\)", show.out, re.M)
    assert m and int(m.group(1)) == len(kinds), show.out[-300:]
    out = show.out
    assert re.search(r"^0 stack: frontend scripted, window \[0x10000000, \+0x1000000\), "
                     r"registers 0xa003e00\+0x200, 1 vCPU$", out, re.M), out[:300]
    assert re.search(r"^\d+ mmio vCPU 0 READ MagicValue \(0xa003e00\) width 4 => 0x74726976$",
                     out, re.M), out[:600]
    assert re.search(r"^\d+ mmio vCPU 0 WRITE Status \(0xa003e70\) width 4 0x0$", out, re.M)
    assert re.search(r"^\d+ kick queue 1 \(QueueNotify\): 1 chain\n    head \d+: INIT unique",
                     out, re.M), out[:3000]
    assert re.search(r'^    head \d+: LOOKUP unique \d+ nodeid 1 "hello.txt" \(readable \d+ '
                     r"bytes in 1 buffer, writable \d+ in 1\)$", out, re.M), out
    assert re.search(r"^\d+ used queue 1 #\d+ head \d+ len 16: ENOENT \(-2\), unique \d+, 16 "
                     r"bytes$", out, re.M), out
    assert re.search(r"^\d+ mmio vCPU 0 WRITE QueueNotify \(0xa003e50\) width 4 0x1$", out, re.M)
    # the FUSE client's own view of the same requests, and the host steps
    assert re.search(r'^\d+ LOOKUP unique \d+ nodeid 1 "hello.txt" => ENOENT', out, re.M)
    assert re.search(r"^\d+ WRITE .* data \d+ bytes => ok", out, re.M), out
    assert re.search(r"^\d+ host step: host-write ", out, re.M), out
    # A cut-off trace is an error naming the offset, not a crash.
    cut = tmp_path / "cut.trace"
    cut.write_bytes(data[:len(data) - 3])
    bad = run_harness(["trace", "show", cut], timeout=30)
    assert bad.rc == 1 and "offset " in bad.err, bad
    cut.write_bytes(b"NOTATRACE" * 4)
    bad = run_harness(["trace", "show", cut], timeout=30)
    assert bad.rc == 1 and "not a trace file" in bad.err, bad


def test_record_refused_where_it_cannot_record(tmp_path):
    res = run_harness(["run", "--record", tmp_path / "t", "--frontend", "qemu-native", SEED],
                      timeout=30)
    assert res.rc == 2 and "only a trapped frontend records" in res.err, res
    res = run_harness(["run", "--record", tmp_path / "t", "--jobs", "2", SEED], timeout=30)
    assert res.rc == 2 and "--jobs 2" in res.err, res
    res = run_harness(["run", "--record", tmp_path / "no" / "such" / "dir", SEED], timeout=30)
    assert res.rc == 2 and "No such file" in res.err, res
    res = run_harness(["trace", "show"], timeout=30)
    assert res.rc == 2 and "usage: baoharness trace show" in res.err, res


def library_without_require():
    return [p for p in sorted(SCENARIOS.glob("*.scn"))
            if not any(l.startswith("require") for l in p.read_text().splitlines())]


def test_replay_library_identical(tmp_path):
    files = library_without_require()
    assert len(files) > 10
    for f in files:
        trace = record(tmp_path, f)
        rep = run_harness(["replay", trace], timeout=180)
        assert rep.rc == 0, (f, rep)
        m = re.search(r"^replayed (\d+) requests, identical \(no frontend: 1 stack, (\d+) "
                      r"trapped accesses, (\d+) used elements compared", rep.out, re.M)
        assert m and int(m.group(1)) > 10 and int(m.group(2)) > 50, (f, rep)
        assert int(m.group(3)) == int(m.group(1)), (f, rep)
    # The FUSE pairs of the same trace, through the scripted frontend as before.
    rep = run_harness(["replay", "--fuse", trace], timeout=180)
    assert rep.rc == 0 and re.search(r"^replayed \d+ requests, identical \(\d+ host steps",
                                     rep.out, re.M), rep


def test_replay_broken_device_model_diverges(tmp_path):
    trace = record(tmp_path, SEED)
    # The test's broken device model: the reply to request 3 (the demo's CREATE of hello.txt;
    # request 1 is FUSE_INIT) has its last byte flipped.
    rep = run_harness(["replay", trace], env={"BAOHARNESS_REPLAY_FLIP": "3"}, timeout=120)
    assert rep.rc == 1, rep
    assert re.search(r"^replay: first divergence at record \d+ \(request 3: CREATE unique \d+ "
                     r"nodeid 1\): reply byte (\d+) of (\d+): recorded 0x[0-9a-f]{2}, got "
                     r"0x[0-9a-f]{2}$", rep.out, re.M), rep
    # Every READ broken: the first READ is named, whatever its number.
    rep = run_harness(["replay", trace], env={"BAOHARNESS_REPLAY_BREAK": "READ"}, timeout=120)
    assert rep.rc == 1 and re.search(r"first divergence at record \d+ \(request \d+: READ ",
                                     rep.out), rep
    rep = run_harness(["replay", "--fuse", trace], env={"BAOHARNESS_REPLAY_FLIP": "2"},
                      timeout=120)
    assert rep.rc == 1 and re.search(r"\(request 2: CREATE unique \d+ nodeid 1\): reply byte",
                                     rep.out), rep


def test_replay_a_register_read_that_differs(tmp_path):
    """A recorded register value the device model does not give back is a divergence naming
    the access and the register."""
    trace = record(tmp_path, BASIC)
    recs = records(trace.read_bytes())
    for i, (kind, req, data, reply, cap) in enumerate(recs):
        addr, value, vcpu, op = struct.unpack_from("<QQIB", req) if kind == 4 else (0,) * 4
        if kind == 4 and op == 1 and addr == 0xa003e08:  # DeviceID: 26, virtio-fs
            recs[i] = (kind, req[:8] + struct.pack("<Q", 27) + req[16:], data, reply, cap)
            break
    else:
        raise AssertionError("no DeviceID read recorded")
    forged = tmp_path / "forged.trace"
    write_trace(forged, 2, recs)
    rep = run_harness(["replay", forged], timeout=120)
    assert rep.rc == 1 and re.search(
        r"first divergence at record \d+ \(access \d+: vCPU 0 READ DeviceID at 0xa003e08, "
        r"width 4\): read value: recorded 0x1b, got 0x1a", rep.out), rep


def test_version_1_still_replays_and_unknown_versions_refused(tmp_path):
    trace = record(tmp_path, BASIC)
    recs = [r for r in records(trace.read_bytes()) if r[0] in (1, 2)]
    old = tmp_path / "v1.trace"
    write_trace(old, 1, recs)
    rep = run_harness(["replay", old], timeout=120)
    assert rep.rc == 0 and re.search(r"^replayed \d+ requests, identical \(\d+ host steps",
                                     rep.out, re.M), rep
    show = run_harness(["trace", "show", old], timeout=30)
    assert show.rc == 0 and "(trace version 1)" in show.out, show
    # A version-2 kind in a version-1 file, and a version from the future: refused, saying why.
    write_trace(old, 1, recs[:2] + [(4, bytes(32), b"", b"", 0)])
    bad = run_harness(["replay", old], timeout=30)
    assert bad.rc == 1 and "kind 4" in bad.err and "version 1" in bad.err, bad
    write_trace(old, 3, recs[:2])
    bad = run_harness(["trace", "show", old], timeout=30)
    assert bad.rc == 1 and "this harness reads versions 1 to 2" in bad.err, bad
    res = run_harness(["replay", tmp_path / "missing"], timeout=30)
    assert res.rc == 1 and "No such file" in res.err, res
    res = run_harness(["replay"], timeout=30)
    assert res.rc == 2 and "usage: baoharness replay" in res.err, res


def test_qemu_guest_recorded_and_replayed_without_frontend(tmp_path):
    trace = record(tmp_path, SEED, "--frontend", "qemu")
    show = run_harness(["trace", "show", trace], timeout=30)
    assert show.rc == 0, show
    assert re.search(r"^0 stack: frontend qemu, window \[0x10000000, \+0x1000000\)", show.out,
                     re.M), show.out[:300]
    # Linux's driver: interrupts, InterruptStatus/ACK, its own FUSE_INIT and requests.
    assert re.search(r"^\d+ interrupt \d+$", show.out, re.M), show.out[:3000]
    assert re.search(r"^\d+ mmio vCPU \d READ InterruptStatus \(0xa003e60\) width 4 => 0x1$",
                     show.out, re.M)
    assert re.search(r'^    head \d+: LOOKUP unique \d+ nodeid 1 "hello.txt"', show.out, re.M)
    rep = run_harness(["replay", trace], timeout=180)
    assert rep.rc == 0 and re.search(r"^replayed (\d+) requests, identical \(no frontend",
                                     rep.out, re.M), rep
    rep = run_harness(["replay", trace], env={"BAOHARNESS_REPLAY_BREAK": "READ"}, timeout=180)
    assert rep.rc == 1 and re.search(r"first divergence at record \d+ \(request \d+: READ ",
                                     rep.out), rep
    # Much I/O: Linux takes used elements and reuses their buffers between traps.
    trace = record(tmp_path, SCENARIOS / "large-file.scn", "--frontend", "qemu")
    rep = run_harness(["replay", trace], timeout=180)
    assert rep.rc == 0 and "identical" in rep.out, rep


def test_shrink_a_diverging_trace(tmp_path):
    trace = record(tmp_path, BASIC)
    env = {"BAOHARNESS_REPLAY_BREAK": "READ"}
    res = run_harness(["trace", "shrink", trace], env=env, timeout=600)
    assert res.rc == 0, res
    m = re.search(r"^shrunk \S+: (\d+) -> (\d+) units, (\d+) -> (\d+) bytes, \d+ tests; oracle "
                  r'"READ: reply byte N of N: recorded 0xN, got 0xN"$', res.out, re.M)
    assert m, res
    n0, n1, b0, b1 = map(int, m.groups())
    # A READ needs its file created and opened: nothing else is left.
    assert n1 <= 4 < n0 and b1 < b0, m.groups()
    saved = tmp_path / "basic-files.min.trace"
    assert re.search(r"^saved " + re.escape(str(saved)) + r" \(and \S+\.txt\); replay: "
                     r"baoharness replay --fuse " + re.escape(str(saved)) + "$", res.out,
                     re.M), res
    note = (tmp_path / "basic-files.min.trace.txt").read_text()
    assert 'oracle: READ: reply byte N of N' in note and \
        f"BAOHARNESS_REPLAY_BREAK=READ baoharness replay --fuse {saved}" in note, note
    rep = run_harness(["replay", "--fuse", saved], env=env, timeout=120)
    assert rep.rc == 1 and re.search(r"\(request \d+: READ .*: reply byte", rep.out), rep
    rep = run_harness(["replay", "--fuse", saved], timeout=120)
    assert rep.rc == 0 and "identical" in rep.out, rep
    # A trace whose replay does not diverge has nothing to shrink.
    res = run_harness(["trace", "shrink", saved], timeout=120)
    assert res.rc == 1 and "does not diverge" in res.err, res


def test_soak_and_fuzz_record_too(tmp_path):
    """`--record` on the commands with stacks besides `run`: their traces read back (a soak's
    injected faults make it a trace to read, not to replay)."""
    trace = tmp_path / "soak.trace"
    res = run_harness(["soak", "--minutes", "0.05", "--seed", "7", "--record", trace, BASIC],
                      timeout=120)
    assert res.rc == 0, res
    show = run_harness(["trace", "show", trace], timeout=60)
    assert show.rc == 0 and re.search(r"^0 stack: frontend scripted", show.out, re.M), show
    assert re.search(r"^\d+ host step: ", show.out, re.M), show.out[-500:]
    assert re.search(r"^\d+ kick queue 1 \(QueueNotify\)", show.out, re.M)
    trace = tmp_path / "fuzz.trace"
    res = run_harness(["fuzz", "fuse-requests", "--time", "2", "--seed", "3", "--out",
                       tmp_path / "out", "--regress-dir", tmp_path / "regress", "--record",
                       trace], timeout=180)
    assert res.rc in (0, 1) and trace.stat().st_size > 1000, res
    show = run_harness(["trace", "show", trace], timeout=120)
    assert show.rc == 0 and len(re.findall(r"^\d+ used queue ", show.out, re.M)) > 100, \
        show.out[-500:]
    res = run_harness(["soak", "--record", tmp_path / "no" / "dir" / "t", BASIC], timeout=30)
    assert res.rc == 2 and "baoharness soak: --record" in res.err, res
