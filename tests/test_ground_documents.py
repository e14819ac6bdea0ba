"""Importing a folder of documents: every supported type, every bad file, passages with offsets.

Also holds the sample-document makers the other ground tests import.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from draftwheel.errors import InputError
from draftwheel.ground.documents import import_folder, read_document, split_passages
from draftwheel.ground.profile import compute_profile, load_profile
from draftwheel.ground.themes import group_themes, round_robin

# Three topics, so themes have something to find.
REMOTE = [
    "Remote work only works when decisions are written down. A team that talks everything through on calls "
    "loses the reasoning the moment the call ends, and the person who missed the call has nothing to read.",
    "I ask every team I advise to keep a short decision log: what we chose, what we rejected, and why. "
    "The log costs ten minutes every Friday and saves hours of repeated arguments about settled questions.",
]
BREAD = [
    "Good bread needs time more than skill. A slow overnight rise in the fridge gives the dough a flavour "
    "that no recipe trick can match, so I plan my baking a day ahead and never rush the proof.",
    "Flour matters less than people think. I have baked excellent loaves with cheap supermarket flour; "
    "what ruined my bread was always impatience, an oven that was not hot enough, or a dough that was too dry.",
]
GARDEN = [
    "Tomatoes in a small garden want sun above everything else. Eight hours of direct light beats any "
    "fertiliser, and a crowded bed of tomato plants gives fewer fruits than three plants with room to breathe.",
    "Water the soil around the tomato plants deeply twice a week instead of sprinkling every evening. Deep watering pushes the roots "
    "down, where the soil stays cool, and the plants survive a hot week without wilting.",
]


def make_pdf(path: Path, paragraphs: list[str]) -> Path:
    """A minimal valid PDF, one page per paragraph, with Helvetica text streams.

    Written by hand (pypdf cannot author text). One page per paragraph because
    text extraction does not keep blank lines between paragraphs on a page.
    """

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    def wrap(para: str) -> list[str]:  # ~80 characters a line, so the text stays on the page
        lines, line = [], ""
        for w in para.split():
            if line and len(line) + len(w) + 1 > 80:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}".strip()
        return [*lines, line]

    n = len(paragraphs)
    font_id = 3 + 2 * n
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(f"{3 + 2 * i} 0 R" for i in range(n)).encode(), n),
    ]
    for i, para in enumerate(paragraphs):
        ops = ["BT", "/F1 10 Tf", "14 TL", "50 760 Td"] + [f"({esc(line)}) Tj T*" for line in wrap(para)] + ["ET"]
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + 2 * i, font_id)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def make_encrypted_pdf(source: Path, path: Path, password: str = "secret", algorithm: str | None = None) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(source)))
    writer.encrypt(user_password=password, owner_password=password or "owner", algorithm=algorithm)
    with open(path, "wb") as f:
        writer.write(f)
    return path


def make_docx(path: Path, title: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for para in paragraphs:
        document.add_paragraph(para)
    document.save(str(path))
    return path


def make_sample_folder(root: Path, bad_files: bool = True) -> Path:
    """One document of every supported type (plus, optionally, one of every kind of bad file)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "remote.md").write_text("# Remote work\n\n" + "\n\n".join(REMOTE) + "\n", encoding="utf-8")
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "garden.txt").write_text("\n\n".join(GARDEN) + "\n", encoding="utf-8")
    make_docx(root / "bread.docx", "Baking", BREAD)
    make_pdf(root / "more-bread.pdf", [BREAD[1], GARDEN[0]])
    if bad_files:
        make_encrypted_pdf(root / "more-bread.pdf", root / "locked.pdf")
        (root / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me, na\xefve r\xe9sum\xe9 and more text.".encode("latin-1"))
        (root / "empty.md").write_bytes(b"")
        (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
        (root / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
        (root / ".hidden.txt").write_text("hidden files are ignored", encoding="utf-8")
    return root


def test_every_type_is_imported_and_every_bad_file_reported(tmp_path):
    folder = make_sample_folder(tmp_path / "docs")
    result = import_folder(folder)
    assert sorted(d.rel for d in result.documents) == ["bread.docx", "more-bread.pdf", "notes/garden.txt", "remote.md"]
    issues = {i.path: i for i in result.issues}
    assert set(issues) == {"locked.pdf", "latin1.txt", "empty.md", "photo.png", "broken.pdf"}
    assert "encrypted" in issues["locked.pdf"].reason and issues["locked.pdf"].status == "unreadable"
    assert "not UTF-8" in issues["latin1.txt"].reason and "0xe9" in issues["latin1.txt"].reason
    assert issues["empty.md"].reason == "empty file" and issues["empty.md"].status == "skipped"
    assert "unsupported type .png" in issues["photo.png"].reason and issues["photo.png"].status == "skipped"
    assert "unreadable PDF" in issues["broken.pdf"].reason
    # Offsets point into the extracted text, for every passage of every document type.
    for p in result.passages:
        doc = result.document(p.doc)
        assert doc.text[p.start : p.end] == p.text
        assert p.source == str(doc.path)
    texts = " ".join(p.text for p in result.passages)
    for sentence in ("decision log", "slow overnight rise", "Deep watering", "Flour matters less"):
        assert sentence in texts
    # The docx heading became a section, not a passage.
    bread = [p for p in result.passages if p.doc == "bread.docx"]
    assert bread and all(p.heading == "Baking" for p in bread) and not any(p.text == "Baking" for p in bread)
    assert "locked.pdf: unreadable: encrypted" in result.summary()


def test_pdf_protected_only_against_editing_opens(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", [REMOTE[0]])
    folder = tmp_path / "docs"
    folder.mkdir()
    make_encrypted_pdf(plain, folder / "aes.pdf", password="", algorithm="AES-256")
    make_encrypted_pdf(plain, folder / "rc4.pdf", password="")
    make_encrypted_pdf(plain, folder / "locked.pdf", password="secret", algorithm="AES-256")
    result = import_folder(folder)
    assert sorted(d.rel for d in result.documents) == ["aes.pdf", "rc4.pdf"]
    assert all("decision" in p.text for p in result.passages)
    assert [(i.path, i.status) for i in result.issues] == [("locked.pdf", "unreadable")]


def test_huge_files_are_skipped_with_a_message(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "big.txt").write_text(("A sentence of some length about nothing in particular. " * 400), encoding="utf-8")
    (folder / "small.txt").write_text(REMOTE[0], encoding="utf-8")
    result = import_folder(folder, max_bytes=10_000)
    assert [d.rel for d in result.documents] == ["small.txt"]
    (issue,) = result.issues
    assert issue.path == "big.txt" and issue.status == "skipped" and "too big" in issue.reason


def test_missing_or_file_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        import_folder(tmp_path / "nope")
    f = tmp_path / "f.txt"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is a file"):
        import_folder(f)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = import_folder(empty)
    assert result.documents == [] and result.passages == [] and result.issues == []


def test_passages_split_by_heading_and_merge_paragraphs(tmp_path):
    text = (
        "Intro paragraph that is long enough to be kept as a passage of its own, on its own.\n\n"
        "# First\n\n"
        + "\n\n".join(["Short para one is here, with a few words."] * 3)
        + "\n\n## Second\n\n"
        + "Another section body that should never merge with the first section text.\n"
    )
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    doc = read_document(path, "a.md")
    passages = split_passages(doc, target_chars=200, min_chars=20)
    assert [p.heading for p in passages] == ["", "First", "Second"]
    assert passages[1].text.count("Short para one") == 3  # merged up to the target length
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert "#" not in p.text
    # A long block without blank lines (as PDFs give) is cut at sentence ends.
    long = " ".join(f"Sentence number {i} says something short." for i in range(60))
    path.write_text(long, encoding="utf-8")
    doc = read_document(path, "a.md")
    parts = split_passages(doc, target_chars=300, min_chars=20)
    assert len(parts) > 3 and all(len(p.text) <= 450 for p in parts)
    assert all(p.text.endswith(".") for p in parts)
    assert all(doc.text[p.start : p.end] == p.text for p in parts)


def test_themes_group_by_topic_and_round_robin_alternates(tmp_path):
    result = import_folder(make_sample_folder(tmp_path / "docs", bad_files=False), target_chars=300)
    themes = group_themes(result.passages, n_themes=3)
    assert len(themes) == 3
    assert sum(len(t.passages) for t in themes) == len(result.passages)

    # Passages of one topic end up together.
    def topic(p):
        return (
            "bread"
            if ("bread" in p.text.lower() or "dough" in p.text.lower())
            else "garden"
            if ("soil" in p.text or "omato" in p.text)
            else "remote"
        )

    for t in themes:
        assert len({topic(p) for p in t.passages}) == 1, t.label
    order = round_robin(themes)
    assert len(order) == len(result.passages)
    first = [t.index for t, _ in order[:3]]
    assert sorted(first) == [0, 1, 2]  # the first three items cover three different themes


def test_profile_is_computed_and_editable(tmp_path):
    result = import_folder(make_sample_folder(tmp_path / "docs", bad_files=False))
    profile = compute_profile(result.passages)
    assert profile.stats["documents"] == 4 and profile.stats["mean_sentence_words"] > 5
    assert profile.vocabulary and all(w == w.lower() for w in profile.vocabulary)
    assert any("should" in s or "never" in s for s in profile.positions) or profile.positions == []
    assert "first person" in profile.voice
    path = tmp_path / "profile.json"
    profile.save(path)
    edited = path.read_text(encoding="utf-8").replace(profile.voice, "Dry, wry and brief.")
    path.write_text(edited, encoding="utf-8")
    again = load_profile(path)
    assert again.voice == "Dry, wry and brief." and again.vocabulary == profile.vocabulary
    assert "Dry, wry and brief." in again.prompt_header()
    # Plain text works too; broken JSON is a clear error.
    txt = tmp_path / "voice.txt"
    txt.write_text("Warm and plain.\n", encoding="utf-8")
    assert load_profile(txt).voice == "Warm and plain."
    bad = tmp_path / "bad.json"
    bad.write_text('{"voice": "x",', encoding="utf-8")
    from draftwheel.errors import DraftwheelError

    with pytest.raises(DraftwheelError, match="not valid JSON"):
        load_profile(bad)
    bad.write_text('{"vocabulary": "not a list"}', encoding="utf-8")
    with pytest.raises(DraftwheelError, match="vocabulary"):
        load_profile(bad)
