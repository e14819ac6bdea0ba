"""The repository stands alone: the data its tests and benchmarks read lives inside it, and no
source, test or document points outside the checkout (``../shared``, a machine's absolute path)."""

from __future__ import annotations

import hashlib
import re

from conftest import JFLEG, REPO

# Where code and prose live. benchmarks/results/ is left out on purpose: those are logs of past
# runs that record the command lines as they were typed on the machine that ran them.
SCANNED = ["src", "tests", "benchmarks", "docs", "packaging", ".ci", "README.md", "pyproject.toml"]
SKIPPED_PARTS = {"results", "__pycache__", ".pytest_cache", ".hypothesis"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".json", ".cfg", ".ini", ".sh", ".spec", ".xml", ".desktop", ""}
OUTSIDE = re.compile(
    r"\.\./shared|parents\[\d\]\s*/\s*[\"']shared[\"']|[\"'/]work/(main|shared)\b"
    r"|\bREPO\.parent\b|/home/[a-z]"
)


def _text_files():
    for top in SCANNED:
        root = REPO / top
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(REPO)
            if SKIPPED_PARTS & set(rel.parts) or path.suffix not in TEXT_SUFFIXES or rel.match("*.egg-info/*"):
                continue
            if path.parent == JFLEG and path.suffix == "":  # the corpus itself (learners' sentences)
                continue
            yield rel, path.read_text(encoding="utf-8", errors="replace")


def test_no_file_points_outside_the_checkout():
    offenders = [
        f"{rel}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for rel, text in _text_files()
        if rel.name != "test_standalone.py"
        for m in OUTSIDE.finditer(text)
    ]
    assert offenders == []


def test_the_scan_sees_the_patterns_it_looks_for():
    # The scan itself must bite: each of these spellings is caught.
    for line in [
        'JFLEG = REPO.parent / "shared" / "data"',
        "--src ../shared/data/jfleg/dev.src",
        'Path("/work/shared/data/jfleg")',
        "Path(__file__).parents[4] / 'shared'",
    ]:
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search('JFLEG = REPO / "benchmarks" / "data" / "jfleg"')


def test_jfleg_copy_is_complete_unchanged_and_licensed():
    assert JFLEG == REPO / "benchmarks" / "data" / "jfleg"
    sums = dict(reversed(line.split("  ")) for line in (JFLEG / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == sorted(
        f"{split}.{kind}" for split in ("dev", "test") for kind in ("src", "ref0", "ref1", "ref2", "ref3")
    )
    for name, digest in sums.items():
        assert hashlib.sha256((JFLEG / name).read_bytes()).hexdigest() == digest, name
    lines = {name: (JFLEG / name).read_text(encoding="utf-8").splitlines() for name in sums}
    assert {len(v) for k, v in lines.items() if k.startswith("dev.")} == {754}
    assert {len(v) for k, v in lines.items() if k.startswith("test.")} == {747}
    readme, license_text = (JFLEG / "README.md").read_text(), (JFLEG / "LICENSE.md").read_text()
    assert "CC BY-NC-SA 4.0" in readme and "Napoles" in readme and "github.com/keisks/jfleg" in readme
    assert "creativecommons.org/licenses/by-nc-sa/4.0/legalcode" in license_text


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [block.split("```", 1)[0].strip() for block in text.split("```bash\n")[1:3]]


def test_readme_first_command_installs_training_and_opens_the_window():
    first, _ = _readme_commands()
    assert "\n" not in first  # one line
    steps = first.split(" && ")
    assert steps[0] == "python3 -m venv .venv"
    assert steps.index(".venv/bin/pip install torch==2.13.0") < steps.index('.venv/bin/pip install -e ".[train]"')
    assert steps[-1] == ".venv/bin/draftwheel"


def test_ci_runs_the_readme_test_command_word_for_word():
    _, second = _readme_commands()
    assert "\n" not in second and second.endswith(".venv/bin/python -m pytest -q")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == second
    assert "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in "\n".join(ci)
