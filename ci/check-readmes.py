#!/usr/bin/env python3
"""check-readmes.py - every folder README names exactly the files in its folder: each tracked
file under a README's folder (and not under a deeper README) appears in it in backticks, by
path, by name, or through its folder (`corpus/`); each file a README's tables name exists.
Exit 1 with one line per problem."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXT = re.compile(r"^[\w./*+-]+\.(c|h|py|sh|mk|scn|md|yml|yaml|json|png|S|ld|txt|dict|toml)$")


def tracked():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return [pathlib.PurePosixPath(l) for l in out.splitlines() if (ROOT / l).exists()]


def main():
    files = tracked()
    readmes = sorted({f.parent for f in files if f.name == "README.md"} - {pathlib.PurePosixPath(".")},
                     key=lambda p: len(p.parts))
    owner = {}
    for f in files:
        best = None
        for d in readmes:
            if d in f.parents:
                if best is None or len(d.parts) > len(best.parts):
                    best = d
        if best is not None:
            owner.setdefault(best, []).append(f)
    problems = []
    for d in readmes:
        text = (ROOT / d / "README.md").read_text()
        ticks = set()
        for t in re.findall(r"`([^`\n]+)`", text):
            # `name.[ch]` names both name.c and name.h
            ticks |= {t.replace(".[ch]", ".c"), t.replace(".[ch]", ".h")} if t.endswith(".[ch]") else {t}
        for f in owner.get(d, []):
            rel = f.relative_to(d)
            if rel.name == "README.md" and rel.parent == pathlib.PurePosixPath("."):
                continue
            names = {str(rel), rel.name}
            names |= {str(p) + "/" for p in rel.parents if str(p) != "."}
            if not names & ticks:
                problems.append(f"{d}/README.md does not list {rel}")
        # Stale names: first cells of table rows.
        for row in re.findall(r"^\|([^|\n]+)\|", text, re.M):
            for tok in re.findall(r"`([^`]+)`", row):
                tok = tok.replace(".[ch]", ".c")
                if not EXT.match(tok) or "*" in tok:
                    continue
                if (ROOT / d / tok).exists():
                    continue
                if any(f.name == pathlib.PurePosixPath(tok).name for f in owner.get(d, [])):
                    continue
                problems.append(f"{d}/README.md names {tok}, which is not in {d}/")
    for p in problems:
        print("check-readmes:", p)
    if not problems:
        print(f"check-readmes: {len(readmes)} folder READMEs list exactly their files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
