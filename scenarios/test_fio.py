"""`baoharness fio`: Debian's fio (cross-built static into the guest image) run by the guest agent
on the virtio-fs mount, through the trapped stack (`qemu`) and QEMU's own device (`qemu-native`).
The figures are fio's own JSON report; the file fio wrote is then read on the host's share, so a
job that only claimed to write fails here. Each test boots one guest."""
import os
import re
import struct
import tempfile
import time

import pytest

from conftest import run_harness, stray_processes

BLOCK = 4096
FIO_HDR_MAGIC = 0xACCA  # fio's verify.h: every verified block starts with this header


def run_fio(args, timeout=240):
    """baoharness fio with its run directory and share under a fresh TMPDIR, checked for
    leftovers; returns (result, {job: figures}, the share's files as {name: bytes})."""
    with tempfile.TemporaryDirectory(prefix="bh-fio-", dir="/tmp") as tmp:
        share = os.path.join(tmp, "share")
        os.mkdir(share)
        res = run_harness(["fio", "--share", share] + args, timeout=timeout, env={"TMPDIR": tmp})
        time.sleep(0.3)
        assert not stray_processes(tmp), f"left running: {stray_processes(tmp)}\n{res!r}"
        files = {}
        for name in os.listdir(share):
            with open(os.path.join(share, name), "rb") as f:
                files[name] = f.read()
        left = [n for n in os.listdir(tmp) if n != "share"]
        assert not left, f"left behind: {left}\n{res!r}"
    jobs = {}
    for m in re.finditer(r"^# fio: job=(\d+) (.*)$", res.out, re.M):
        jobs[int(m.group(1))] = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", m.group(2))}
    return res, jobs, files


@pytest.mark.parametrize("frontend", ["qemu-native", "qemu"])
def test_fio_writes_what_the_host_reads(frontend):
    # Job 1: 1 s of random 4 KiB writes. Job 2: 64 random writes with fio's own verification
    # (each block carries a header and a crc32c, read back and checked by fio in the guest).
    res, jobs, files = run_fio(
        ["--frontend", frontend, "--timeout", "60",
         "rw=randwrite,bs=4k,ioengine=psync,size=1M,runtime=1,time_based=1",
         "rw=randwrite,bs=4k,ioengine=psync,size=256k,verify=crc32c,do_verify=1,"
         "verify_fatal=1,randrepeat=0"])
    assert res.rc == 0, repr(res)
    assert set(jobs) == {1, 2}, repr(res)
    timed, verified = jobs[1], jobs[2]
    assert timed["error"] == 0 and timed["write_ios"] > 0 and timed["write_iops"] > 0, repr(res)
    assert timed["write_bytes"] == timed["write_ios"] * BLOCK, repr(res)
    # Every block written once, then read back by fio's verify phase.
    assert verified["write_ios"] == 256 * 1024 // BLOCK, repr(res)
    assert verified["read_ios"] == 256 * 1024 // BLOCK, repr(res)
    # Only the trapped stack goes through fakebao: a few traps per I/O (kick, interrupt).
    if frontend == "qemu":
        assert timed["traps"] >= timed["write_ios"], repr(res)
        assert verified["traps"] >= verified["write_ios"] + verified["read_ios"], repr(res)
    else:
        assert timed["traps"] == 0 and verified["traps"] == 0, repr(res)
    # On the host: the one file both jobs used (fio's name for job bh, clone 0), 1 MiB, and
    # the second job's 64 blocks each begin with fio's verify header for that very offset.
    assert sorted(files) == ["bh.0.0"], sorted(files)
    data = files["bh.0.0"]
    assert len(data) == 1024 * 1024, len(data)
    for off in range(0, 256 * 1024, BLOCK):
        magic, _vtype, length, _seed, offset = struct.unpack_from("<HHIQQ", data, off)
        assert (magic, length, offset) == (FIO_HDR_MAGIC, BLOCK, off), \
            f"block at {off}: magic {magic:#x} len {length} offset {offset}"


def test_fio_bad_jobs_named():
    # fio's own refusal, an option the agent does not pass on, a job that outlives the bound
    # (killed in the guest), and a good job after them: the guest stays usable, each failure
    # is named, the exit status says a job failed.
    t0 = time.monotonic()
    res, jobs, files = run_fio(
        ["--frontend", "qemu-native", "--timeout", "4", "rw=bogus",
         "rw=read,filename=/etc/passwd", "rw=randwrite,bs=4k,size=64k,runtime=60,time_based=1",
         "rw=write,bs=4k,size=64k"])
    assert time.monotonic() - t0 < 40, repr(res)
    assert res.rc == 1, repr(res)
    assert "fio 1 FAIL rw=bogus: fio exited with status 1: fio: failed parsing rw=bogus" \
        in res.out, repr(res)
    assert "fio 2 FAIL rw=read,filename=/etc/passwd: fio option 'filename=/etc/passwd' not " \
        "allowed" in res.out, repr(res)
    assert "fio 3 FAIL rw=randwrite,bs=4k,size=64k,runtime=60,time_based=1: fio still running " \
        "after 4 s: killed" in res.out, repr(res)
    assert set(jobs) == {4} and jobs[4]["write_ios"] == 16, repr(res)
    assert len(files["bh.0.0"]) == 64 * 1024


def test_fio_usage_refused():
    res = run_harness(["fio", "--frontend", "scripted", "rw=read"], timeout=30)
    assert res.rc == 2 and "runs no guest" in res.err, repr(res)
    res = run_harness(["fio", "--frontend", "qemu-native"], timeout=30)
    assert res.rc == 2 and "no JOB given" in res.err, repr(res)
    res = run_harness(["fio", "--frontend", "qemu-native", "rw=read bs=4k"], timeout=30)
    assert res.rc == 2 and "no blanks" in res.err, repr(res)
