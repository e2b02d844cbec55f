"""The CI templates a Bao project copies (ci/templates/): valid YAML that yamllint passes, and every
command they run exists - make targets and variables in the Makefile, baoharness subcommands and
options in the CLI's own usage, fuzz targets in fuzz/targets, scripts in the repository."""
import os
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from conftest import BAOHARNESS, ROOT, run_harness

TEMPLATES = sorted((ROOT / "ci" / "templates").glob("*.yml"))
YAMLLINT = "{extends: default, rules: {line-length: {max: 100}, truthy: {check-keys: false}}}"
# Tools a job may call besides make, baoharness and the repository's own scripts.
TOOLS = {"apt-get", "mkdir", "if", "then", "fi", "[", "test", "echo"}


def make_database():
    """Targets make knows (the Makefile and its fragments), and the variables they define or
    read (a command line may set either)."""
    out = subprocess.run(["make", "-pRrq", "-f", "Makefile", ":"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60).stdout
    targets = set(re.findall(r"^([A-Za-z0-9_.%-]+):(?!=)", out, re.M))
    top = (ROOT / "Makefile").read_text()
    texts = [top] + [(ROOT / f).read_text() for f in re.findall(r"^-?include (\S+\.mk)$", top, re.M)]
    variables = set()
    for t in texts:
        variables |= set(re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", t))
        variables |= set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*) *[:?+]?=", t, re.M))
    return targets, variables


def commands(doc):
    """Every shell command line of a workflow (GitHub: steps' run; GitLab: script lists)."""
    found = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("run", "script", "before_script"):
            found.append(node)
    walk(doc)
    return found


def simple_commands(text):
    """Split a shell snippet into simple commands, CI expressions replaced by a word."""
    text = re.sub(r"\$\{\{[^}]*\}\}", "X", text)
    text = re.sub(r"\$\{?[A-Z_]+\}?", "X", text)
    for part in re.split(r"&&|\|\||;|\||\n", text):
        words = shlex.split(part)
        while words and words[0] in ("then", "else", "do"):
            words = words[1:]
        if words:
            yield words


def usage(sub):
    res = run_harness([sub, "--help"], timeout=30)
    return res.out + res.err


def matrix_values(doc, name):
    vals = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == name and isinstance(v, list):
                    vals.extend(str(x) for x in v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(doc)
    return vals


def test_templates_exist():
    assert {p.name for p in TEMPLATES} == {"github-actions.yml", "gitlab-ci.yml"}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_yamllint_clean(path):
    if not shutil.which("yamllint"):
        pytest.fail("yamllint missing: make deps installs it (Debian package yamllint)")
    res = subprocess.run(["yamllint", "-f", "parsable", "-d", YAMLLINT, str(path)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_command_exists(path):
    doc = yaml.safe_load(path.read_text())
    targets, variables = make_database()
    help_all = run_harness(["help"], timeout=30).out
    subs = set(re.findall(r"^  ([a-z]+) ", help_all, re.M))
    seen = {"make": 0, "baoharness": 0}
    for snippet in commands(doc):
        for words in simple_commands(snippet):
            cmd = words[0]
            if cmd == "make":
                seen["make"] += 1
                for w in words[1:]:
                    if "=" in w:
                        assert w.split("=")[0] in variables, f"{path.name}: make variable {w}"
                    else:
                        assert w in targets, f"{path.name}: `make {w}`: no such target"
            elif cmd.endswith("baoharness"):
                seen["baoharness"] += 1
                assert cmd == "build/baoharness", f"{path.name}: {cmd}: run it as build/baoharness"
                sub = words[1]
                assert sub in subs, f"{path.name}: baoharness {sub}: no such command"
                text = usage(sub)
                for w in words[2:]:
                    if w.startswith("--"):
                        assert w.split("=")[0] in text, f"{path.name}: baoharness {sub} {w}"
            elif "/" in cmd:
                assert (ROOT / cmd).exists(), f"{path.name}: {cmd} is not in the repository"
            else:
                assert cmd in TOOLS, f"{path.name}: {cmd}: not make, baoharness or a known tool"
    assert seen["make"] and seen["baoharness"], seen


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_matrices_name_real_things(path):
    doc = yaml.safe_load(path.read_text())
    fronts = matrix_values(doc, "frontend") + matrix_values(doc, "FRONTEND")
    assert set(fronts) == {"scripted", "qemu", "qemu-native"}
    shards = matrix_values(doc, "shard") + matrix_values(doc, "SHARD")
    assert sorted(shards) == ["1", "2", "3"]
    fuzz = set(matrix_values(doc, "target") + matrix_values(doc, "TARGET"))
    have = {p.stem[len("fuzz_"):] for p in (ROOT / "fuzz" / "targets").glob("fuzz_*.c")}
    assert fuzz == have | {"fuse-requests"}, fuzz ^ (have | {"fuse-requests"})


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_reports_caches_artifacts_nightly(path):
    text = path.read_text()
    assert "--junit results/junit/" in text or '--junit "results/junit/' in text
    assert "JUNIT_DIR=results/junit" in text  # the pytest drivers' JUnit
    assert "build/qemu" in text and "build/backends" in text  # cached
    assert "results/" in text and "schedule" in text  # artifacts, nightly fuzz
    assert "make fuzz-oss-check" in text
    if path.name == "gitlab-ci.yml":
        doc = yaml.safe_load(text)
        for job in ("test", "scenarios"):
            assert doc[job]["artifacts"]["reports"]["junit"] == "results/junit/*.xml"
            assert "build/qemu/" in doc[job]["cache"]["paths"]


def test_the_readme_shows_how_to_use_them():
    text = (ROOT / "ci" / "README.md").read_text()
    for name in ("github-actions.yml", "gitlab-ci.yml", ".github/workflows/", ".gitlab-ci.yml"):
        assert name in text, name


def test_the_check_catches_what_does_not_exist():
    """The checker itself: a misspelt target, an unknown option and a missing script fail."""
    targets, variables = make_database()
    bad = {"jobs": {"x": {"steps": [{"run": "make deps && make tset"}]}}}
    words = [w for s in commands(bad) for w in simple_commands(s)]
    assert ["make", "tset"] in words and "tset" not in targets
    assert "--no-such-option" not in usage("run")
    assert not (ROOT / "ci/no-such-script.sh").exists()
    assert "JUNIT_DIR" in variables and "TARGET" in variables and "NO_SUCH_VAR" not in variables
