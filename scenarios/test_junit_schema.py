"""`baoharness run --junit` over the whole library gives a file that the JUnit schema GitLab and
Jenkins read accepts (junit-10.xsd of Jenkins' xunit plugin: elements, their order, required and
allowed attributes, SUREFIRE_TIME numbers), and whose counts match the run's summary line."""
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import library_files, run_harness

TIME = re.compile(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?$")  # SUREFIRE_TIME
INT = re.compile(r"^[0-9]+$")
# element: (required attributes, allowed attributes, allowed children in order)
SCHEMA = {
    "testsuites": (set(), {"name", "time", "tests", "failures", "disabled", "errors", "skipped"},
                   ["testsuite"]),
    "testsuite": ({"name", "tests"}, {"failures", "errors", "disabled", "skipped", "time",
                                      "timestamp", "hostname", "id", "package", "file", "log",
                                      "url", "version", "group"},
                  ["properties", "testcase", "system-out", "system-err"]),
    "properties": (set(), set(), ["property"]),
    "property": ({"name", "value"}, set(), []),
    "testcase": ({"name"}, {"assertions", "time", "classname", "status", "class", "file", "line",
                            "log", "group", "url"},
                 ["skipped", "error", "failure", "system-out", "system-err"]),
    "skipped": (set(), {"message"}, []),
    "failure": (set(), {"message", "type"}, []),
    "error": (set(), {"message", "type"}, []),
    "system-out": (set(), set(), []),
    "system-err": (set(), set(), []),
}
NUMERIC = {"tests": INT, "failures": INT, "errors": INT, "skipped": INT, "disabled": INT,
           "line": INT, "time": TIME}


def check(el, path="/"):
    assert el.tag in SCHEMA, f"{path}{el.tag}: not a JUnit element"
    required, allowed, children = SCHEMA[el.tag]
    here = f"{path}{el.tag}"
    missing = required - set(el.attrib)
    assert not missing, f"{here}: lacks {missing}"
    extra = set(el.attrib) - required - allowed
    assert not extra, f"{here}: attributes {extra} are not in the schema"
    for k, v in el.attrib.items():
        if k in NUMERIC:
            assert NUMERIC[k].match(v), f"{here} {k}={v!r} is not a schema number"
    order = [children.index(c.tag) if c.tag in children else -1 for c in el]
    assert -1 not in order, f"{here}: children {[c.tag for c in el]} not allowed"
    assert order == sorted(order), f"{here}: children out of order {[c.tag for c in el]}"
    for c in el:
        check(c, here + "/")


@pytest.fixture(scope="module")
def library_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("junit") / "out.xml"
    res = run_harness(["run", "--junit", out] + library_files(), timeout=900)
    return res, ET.parse(out).getroot()


def test_schema(library_run):
    res, root = library_run
    assert res.rc == 0, repr(res)
    assert root.tag == "testsuites"
    check(root)


def test_counts_match_the_summary_line(library_run):
    res, root = library_run
    m = re.search(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", res.out, re.M)
    assert m, res.out
    passed, failed, skipped = map(int, m.groups())
    suites = root.findall("testsuite")
    assert len(suites) == passed + failed + skipped == len(library_files())
    # A file skipped by `require` is a suite whose every case is skipped; a failed file has one.
    all_skipped = [s for s in suites if int(s.get("skipped")) == int(s.get("tests"))]
    with_failure = [s for s in suites if int(s.get("failures")) > 0]
    assert len(all_skipped) == skipped and len(with_failure) == failed
    cases = root.findall("testsuite/testcase")
    assert int(root.get("tests")) == len(cases) == sum(int(s.get("tests")) for s in suites)
    assert int(root.get("failures")) == len(root.findall("testsuite/testcase/failure"))
    assert int(root.get("skipped")) == len(root.findall("testsuite/testcase/skipped"))
    steps = len(re.findall(r"^(?:not )?ok \d+ - ", res.out, re.M))
    ran = [c for c in cases if c.find("skipped") is None]
    assert len(ran) == steps  # one testcase per step that ran
    for s in suites:
        for c in s.findall("testcase"):
            assert re.match(r"^\d+: ", c.get("name")) and c.get("line") in c.get("name")
