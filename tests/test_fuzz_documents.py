"""Fuzzing the documents a user hands to grounded generation (txt, md, docx, pdf).

``ground.documents.read_document`` reads one file and raises
``DocumentError`` (its per-file "why this file was skipped" error) for
anything unusable; ``import_folder`` collects those as issues and never
raises for a bad file. Every case must end that way or in a correct result
(passages whose offsets point at their text) — never another exception,
never a hang. Damaged files are valid documents mutated by hypothesis
(truncated, bytes overwritten or flipped).
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faultlib import fuzz_settings, report_cases, user_facing

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module", autouse=True)
def _figures():
    yield
    report_cases("fuzz-documents", __file__)


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Field notes", level=1)
    for i in range(3):
        d.add_paragraph(
            f"Paragraph {i}: the river was high that spring, and we walked the long way round "
            "to the mill, counting herons."
        )
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf_bytes() -> bytes:
    """A one-page PDF with a text layer, written out by hand (objects, xref table, trailer)."""
    text = b"BT /F1 12 Tf 72 720 Td (The river was high that spring, and we walked the long way round.) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


SEEDS = {}


def seed(kind: str) -> bytes:
    if kind not in SEEDS:
        SEEDS[kind] = _docx_bytes() if kind == "docx" else _pdf_bytes()
    return SEEDS[kind]


def mutate(data: bytes, how: str, pos: int, value: int, n: int) -> bytes:
    if how == "truncate":
        return data[: pos % (len(data) + 1)]
    p = pos % len(data)
    if how == "overwrite":
        return data[:p] + bytes([value]) * n + data[p + n :]
    return data[:p] + bytes([data[p] ^ (value or 1)]) + data[p + 1 :]


mutations = st.tuples(
    st.sampled_from(["truncate", "overwrite", "flip"]), st.integers(0, 2**31), st.integers(0, 255), st.integers(1, 16)
)


def check_document(tmp_path_factory, name: str, data: bytes) -> None:
    from draftwheel.ground.documents import DocumentError, import_folder, read_document, split_passages

    folder = tmp_path_factory.mktemp("docs")
    f = folder / name
    f.write_bytes(data)
    doc, err = user_facing(read_document, f, allowed=(DocumentError,))
    if err is None:
        assert doc.text.strip()
        for p in split_passages(doc):
            assert doc.text[p.start : p.end] == p.text
    result, err = user_facing(import_folder, folder)
    assert err is None, f"import_folder raised for one bad file: {err}"
    assert len(result.documents) + len(result.issues) == 1


def test_seed_documents_are_read(tmp_path_factory):
    """The unmutated seeds are real documents the importer reads (else the fuzzing below proves nothing)."""
    from draftwheel.ground.documents import read_document

    for kind in ("docx", "pdf"):
        f = tmp_path_factory.mktemp("seed") / f"notes.{kind}"
        f.write_bytes(seed(kind))
        assert "river was high" in read_document(f).text


@fuzz_settings(150, 15000)
@given(st.binary(max_size=400) | st.text().map(lambda t: t.encode("utf-8")), st.sampled_from(["txt", "md"]))
def test_text_documents(tmp_path_factory, data, ext):
    check_document(tmp_path_factory, f"note.{ext}", data)


@fuzz_settings(80, 8000)
@given(mutations)
def test_damaged_docx(tmp_path_factory, m):
    check_document(tmp_path_factory, "notes.docx", mutate(seed("docx"), *m))


@fuzz_settings(80, 8000)
@given(mutations)
def test_damaged_pdf(tmp_path_factory, m):
    check_document(tmp_path_factory, "notes.pdf", mutate(seed("pdf"), *m))


@fuzz_settings(40, 4000)
@given(st.binary(max_size=300), st.sampled_from(["docx", "pdf"]))
def test_foreign_bytes_named_as_documents(tmp_path_factory, data, ext):
    check_document(tmp_path_factory, f"x.{ext}", data)
