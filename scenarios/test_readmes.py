"""Every folder README names exactly the files of its folder (ci/check-readmes.py), so the tree
keeps telling a newcomer what is what; and the check itself notices a missing and a stale name."""
import pathlib
import shutil
import subprocess
import sys

from conftest import ROOT


def run_check(root):
    return subprocess.run([sys.executable, str(root / "ci" / "check-readmes.py")], cwd=root,
                          capture_output=True, text=True)


def test_readmes_list_their_files():
    res = run_check(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "folder READMEs list exactly their files" in res.stdout


def test_check_notices_missing_and_stale(tmp_path):
    repo = tmp_path / "repo"
    (repo / "ci").mkdir(parents=True)
    (repo / "lib").mkdir()
    shutil.copy(ROOT / "ci" / "check-readmes.py", repo / "ci")
    (repo / "lib" / "README.md").write_text("| file | job |\n|---|---|\n| `a.c` | a |\n"
                                            "| `gone.c` | removed long ago |\n")
    (repo / "lib" / "a.c").write_text("")
    (repo / "lib" / "b.c").write_text("")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    res = run_check(repo)
    assert res.returncode == 1
    assert "lib/README.md does not list b.c" in res.stdout
    assert "lib/README.md names gone.c" in res.stdout
