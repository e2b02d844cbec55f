"""The user's own parts, as a Bao developer brings them: the seed's config-fs.yaml and virtiofsd
line run unchanged (`--config`, `--virtiofsd-args`: socket and share relocated into the run,
each change said in one notice) on the scripted frontend and on the trapped Linux guest booted
with the seed's frontend.dts, the Rust virtiofsd's own config space served by GET_CONFIG
(`--tag`); a dynamically linked device model of their own (`--devmodel`, preload library); and
bad parts - a device model that exits, never attaches, is missing or is not a program, a config
for another address or without a socket, a virtiofsd line with an unknown placeholder - each a
message naming the part, exit 1, 2 or 3, no hang and no stray process. The static device model
through `--devmodel` is scenarios/test_seccomp_dm.py."""
import re
import time

import pytest

from conftest import BUILD, ROOT, SCENARIOS, library_files, run_harness, stray_processes

SEED = SCENARIOS / "seed-files"
SEED_LINE = (SEED / "virtiofsd.cmdline").read_text().strip()
RUST = next((d / "backends" / "rust" / "virtiofsd" for d in (BUILD, BUILD.parent)
             if (d / "backends").is_dir()), BUILD / "backends" / "rust" / "virtiofsd")
IMAGE = next((d / "qemu" / "Image" for d in (BUILD, BUILD.parent)
              if (d / "qemu" / "Image").exists()), None)
DEMO = SCENARIOS / "seed-demo.scn"


def need_rust():
    if not RUST.exists():
        pytest.skip(f"the Rust virtiofsd is not fetched ({RUST} missing): run make backends")


def seed_args():
    return ["--virtiofsd", "rust", "--config", SEED / "config-fs.yaml",
            "--virtiofsd-args", SEED_LINE]


def check_seed_notices(res):
    # What the harness changed in the seed's parts, said once each, and nothing else.
    assert re.search(r"note: --virtiofsd-args: 'nohup virtiofsd' dropped .*"
                     r"'> /etc/vhost-device-virtiofsd\.log 2>&1 &' dropped .*"
                     r"--socket-path=/root/Fs0\.sock relocated to /\S+/Fs0\.sock; "
                     r"--shared-dir /mnt relocated to /\S+/share", res.err), repr(res)
    assert re.search(r'note: --config \S+config-fs\.yaml: socket_path "/root/" relocated',
                     res.err), repr(res)


def test_seed_files_unchanged_on_scripted():
    need_rust()
    res = run_harness(["run", "-v"] + seed_args() + [DEMO], timeout=120)
    assert res.rc == 0, repr(res)
    assert res.out.rstrip().splitlines()[-1] == "1 passed, 0 failed, 0 skipped", repr(res)
    check_seed_notices(res)
    # --tag=myfs made the Rust virtiofsd offer its config space; the device model served it.
    assert "virtio-fs: tag 'myfs', 1 request queue(s) from virtiofsd's config space" in res.err, \
        repr(res)


# The seed's virtiofsd line has no --cache flag: the Rust virtiofsd's default (auto) lets Linux
# keep a looked-up entry for 1 s, so a file the host deletes stays readable in the guest until
# then (virtiofsd still holds the inode). seed-demo.scn is written for cache=none; on the seed's
# own line the guest is given the entry timeout before it must see the host's unlink, and the
# cached read itself is checked.
CACHE_AUTO = """host-write /f.txt "x"
read /f.txt "x"
host-unlink /f.txt
read /f.txt "x"
sleep 1100
fail ENOENT read /f.txt
"""


def test_seed_files_unchanged_on_trapped_guest(tmp_path):
    need_rust()
    if not IMAGE:
        pytest.skip("the guest image is not built: run make qemu-image (make test does)")
    demo = DEMO.read_text()
    last = 'fail ENOENT read /from-host.txt'
    assert demo.count(last) == 1
    (tmp_path / "seed-demo-cache-auto.scn").write_text(
        demo.replace(last, "sleep 1100\n" + last))
    (tmp_path / "cache-auto.scn").write_text(CACHE_AUTO)
    res = run_harness(["run", "-v", "--frontend", "qemu", "--dts", SEED / "frontend.dts"] +
                      seed_args() + [tmp_path / "seed-demo-cache-auto.scn",
                                     tmp_path / "cache-auto.scn"], timeout=300)
    assert res.rc == 0, repr(res)
    assert res.out.rstrip().splitlines()[-1] == "2 passed, 0 failed, 0 skipped", repr(res)
    check_seed_notices(res)
    assert "from virtiofsd's config space" in res.err, repr(res)


def test_library_with_placeholders_and_own_dynamic_devmodel():
    """The library through a device model given by path (ours, dynamically linked: the preload
    library), the C virtiofsd started from the user's own line with placeholders."""
    files = [f for f in library_files() if "faults" not in f.name][:12]
    res = run_harness(["run", "--devmodel", BUILD / "bao-virtio-dm", "--virtiofsd", "c",
                       "--virtiofsd-args",
                       "--socket-path={socket} -o source={share} -o cache=none"] + files,
                      timeout=600)
    assert res.rc == 0, repr(res)
    m = re.fullmatch(r"(\d+) passed, 0 failed, (\d+) skipped", res.out.rstrip().splitlines()[-1])
    assert m and int(m.group(1)) + int(m.group(2)) == len(files), repr(res)
    assert "note:" not in res.err, repr(res)  # nothing to relocate


def test_users_flow_style_config(tmp_path):
    cfg = tmp_path / "my-config.yaml"
    cfg.write_text("# my own\nbase: &vu {data_plane: vhost_user, socket_path: /var/run/x/}\n"
                   "devices: [{id: 0, type: fs, mmio_addr: 0xa003e00, data_plane: vhost_user,"
                   " socket_path: '/var/run/x/', my_key: 7}]\n")
    res = run_harness(["run", "--config", cfg, DEMO], timeout=120)
    assert res.rc == 0, repr(res)
    assert "socket_path /var/run/x/ relocated" in res.err, repr(res)
    # Keys the harness does not use are the device model's to report, and not fatal.
    assert "unknown key 'my_key' ignored" in res.err, repr(res)


@pytest.mark.parametrize("make,args,rc,message", [
    (None, ["--devmodel", "/bin/true"], 1,
     r"device model /bin/true exited with status 0 before attaching"),
    (None, ["--devmodel", "/nonexistent/dm"], 3, r"--devmodel /nonexistent/dm: No such file"),
    ("noexec", ["--devmodel", "{tmp}/dm-noexec"], 3, r"--devmodel \S+/dm-noexec: Permission denied"),
    ("never", ["--devmodel", "{tmp}/dm-never"], 1,
     r"device model \S+/dm-never did not attach to the emulated hypervisor within 10 s"),
    ("text", ["--devmodel", "{tmp}/dm-text"], 3, r"not a 64-bit ELF program or a script"),
    ("cfg-addr", ["--config", "{tmp}/c.yaml"], 2,
     r"--config \S+c\.yaml: mmio_addr 0xa000000, but the harness traps"),
    ("cfg-nosock", ["--config", "{tmp}/c.yaml"], 2, r"no socket_path"),
    # More request queues than the backend serves (neither Debian virtiofsd has MQ).
    ("cfg-mq", ["--config", "{tmp}/c.yaml"], 1,
     r"2 request queue\(s\) need 3 queues \(hiprio \+ 2\) but virtiofsd \(\S+\) serves 2 "
     r"\(GET_QUEUE_NUM\): lower num_request_queues"),
    (None, ["--config", "/nonexistent.yaml"], 2, r"--config /nonexistent\.yaml: No such file"),
    (None, ["--virtiofsd-args", "--socket-path={sock} --shared-dir {share}"], 2,
     r"unknown placeholder \{sock\}"),
    (None, ["--devmodel-args", "-x"], 2, r"--devmodel-args without --devmodel"),
    (None, ["--frontend", "qemu-native", "--config", SEED / "config-fs.yaml"], 2,
     r"qemu-native uses QEMU's own device"),
])
def test_bad_parts(tmp_path, make, args, rc, message):
    if make == "never":
        p = tmp_path / "dm-never"
        p.write_text(f"#!/bin/sh\n# {tmp_path}\nexec sleep 300\n")
        p.chmod(0o755)
    elif make == "noexec":
        (tmp_path / "dm-noexec").write_text("#!/bin/sh\n")
        (tmp_path / "dm-noexec").chmod(0o644)
    elif make == "text":
        p = tmp_path / "dm-text"
        p.write_bytes(b"\x00\x01binary but not ELF" * 8)
        p.chmod(0o755)
    elif make == "cfg-addr":
        (tmp_path / "c.yaml").write_text("devices:\n  - mmio_addr: 0xa000000\n"
                                         "    socket_path: /root/\n")
    elif make == "cfg-mq":
        (tmp_path / "c.yaml").write_text("devices:\n  - id: 0\n    type: fs\n"
                                         "    data_plane: vhost_user\n    mmio_addr: 0xa003e00\n"
                                         "    socket_path: /root/\n    num_request_queues: 2\n")
    elif make == "cfg-nosock":
        (tmp_path / "c.yaml").write_text("devices:\n  - mmio_addr: 0xa003e00\n")
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    t0 = time.monotonic()
    res = run_harness(["run"] + args + [DEMO], timeout=60)
    assert res.rc == rc, repr(res)
    assert re.search(message, res.err), repr(res)
    assert time.monotonic() - t0 < 30
    assert not stray_processes(str(tmp_path)), stray_processes(str(tmp_path))


def test_demo_with_the_seed_files():
    need_rust()
    res = run_harness(["demo"] + seed_args(), timeout=120)
    assert res.rc == 0, repr(res)
    assert "demo passed: both sides agree on every file" in res.out, repr(res)
    check_seed_notices(res)
