"""Fuzzing model and adapter files: truncated, corrupted, foreign, wrong architecture.

A user adds GGUF models (``Catalogue.add`` -> ``read_gguf``) and imports
adapters (``flywheel.adapters.import_adapter``: a bare LoRA GGUF or a .zip/.tar
export). Every damaged or foreign file must be refused with a clear
``DraftwheelError`` (``ModelFileError``) before llama.cpp sees it — never
another exception, never a hang — and anything accepted must be a complete
file that reads back.

Bulk cases use small, valid GGUFs written with the ``gguf`` package (see
``faultlib.make_tiny_model_gguf``), mutated by hypothesis; a few cases
truncate the real bundled model. CI: a few hundred cases; soak: thousands.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faultlib import fuzz_settings, make_tiny_model_gguf, make_tiny_peft, report_cases, user_facing

_names = itertools.count()


@pytest.fixture(scope="module", autouse=True)
def _figures():
    yield
    report_cases("fuzz-models", __file__)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A data folder with a tiny gemma3-shaped base model in its catalogue, its GGUF bytes and a matching
    adapter (GGUF bytes and a .zip export made by the real export code)."""
    from draftwheel.config import app_paths
    from draftwheel.flywheel.adapters import create_adapter
    from draftwheel.models import Catalogue
    from draftwheel.models.adapters import AdapterInfo, export_adapter
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    root = tmp_path_factory.mktemp("tiny")
    paths = app_paths(root / "home")
    base_file = make_tiny_model_gguf(root / "tiny-base.gguf", n_blocks=2, dim=32)
    base = Catalogue(paths).add(base_file, name="tiny")
    peft = make_tiny_peft(root / "peft", base_file, layers=range(2))
    info = AdapterInfo(
        name="seed",
        task="grammar",
        base_model="tiny",
        base_sha256=base.sha256,
        architecture=base.architecture,
        rank=2,
        alpha=4.0,
    )
    info = create_adapter(paths, info, lambda p: export_gguf_adapter(peft, base_file, p))
    archive = export_adapter(paths, "seed", root / "seed.zip")
    return Tiny(
        paths=paths,
        root=root,
        model=base_file.read_bytes(),
        adapter=info.gguf.read_bytes(),
        archive=archive.read_bytes(),
    )


class Tiny(dict):
    def __repr__(self) -> str:  # keep hypothesis' failure reports readable (the bytes are ~10 kB)
        return "<tiny model/adapter fixture>"


def mutate(data: bytes, kind: str, pos: int, value: int, n: int) -> bytes:
    """truncate at pos | overwrite n header bytes from pos | flip one byte anywhere."""
    if kind == "truncate":
        return data[: pos % (len(data) + 1)]
    if kind == "header":
        p = pos % min(len(data), 512)  # magic, version, counts, the first keys and lengths
        return data[:p] + bytes([value]) * n + data[p + n :]
    p = pos % len(data)
    return data[:p] + bytes([data[p] ^ (value or 1)]) + data[p + 1 :]


mutations = st.tuples(
    st.sampled_from(["truncate", "header", "flip"]), st.integers(0, 2**31), st.integers(0, 255), st.integers(1, 8)
)


def _write(tmp_path_factory, data: bytes, name: str) -> Path:
    f = tmp_path_factory.mktemp("case") / name
    f.write_bytes(data)
    return f


@fuzz_settings(200, 20000)
@given(mutations)
def test_damaged_model_gguf_is_refused_clearly(tiny, tmp_path_factory, m):
    from draftwheel.models import Catalogue, read_gguf

    f = _write(tmp_path_factory, mutate(tiny["model"], *m), "model.gguf")
    info, err = user_facing(read_gguf, f)
    if err is None:
        assert info.architecture and info.n_tensors > 0 and info.size_bytes == f.stat().st_size
        entry, err = user_facing(Catalogue(tiny["paths"]).add, f, name=f"m{next(_names)}")
        if err is None:
            assert Catalogue(tiny["paths"]).get(entry.name).sha256 == entry.sha256


@fuzz_settings(100, 10000)
@given(st.binary(max_size=64), st.booleans())
def test_foreign_bytes_as_model(tiny, tmp_path_factory, data, with_magic):
    from draftwheel.models import Catalogue

    f = _write(tmp_path_factory, (b"GGUF" if with_magic else b"") + data, "x.gguf")
    _, err = user_facing(Catalogue(tiny["paths"]).add, f, name=f"f{next(_names)}")
    assert err is not None


@fuzz_settings(150, 15000)
@given(mutations, st.sampled_from(["gguf", "zip"]))
def test_damaged_adapter_is_refused_clearly(tiny, tmp_path_factory, m, form):
    from draftwheel.models.adapters import _check_adapter_gguf, get_adapter

    data = tiny["adapter"] if form == "gguf" else tiny["archive"]
    f = _write(tmp_path_factory, mutate(data, *m), f"a.{form}")
    name = f"a{next(_names)}"
    from draftwheel.flywheel.adapters import import_adapter

    info, err = user_facing(import_adapter, tiny["paths"], f, name=name)
    if err is None:
        # Accepted: complete, listed, and its GGUF passes the adapter checks again.
        assert get_adapter(tiny["paths"], name).gguf.is_file()
        _check_adapter_gguf(info.gguf)
    assert not list(tiny["paths"].adapters_dir.glob(".*.tmp")), "an import left a temp folder"


@fuzz_settings(40, 2000)
@given(st.sampled_from(["llama", "qwen2", "bogus-arch", "gemma2"]), st.sampled_from(["model", "adapter"]))
def test_wrong_architecture(tiny, tmp_path_factory, arch, general_type):
    """A model or adapter of another architecture: a model is catalogued as what it is; an adapter for a
    base the user does not have is refused naming the architecture it needs."""
    from draftwheel.flywheel.adapters import import_adapter
    from draftwheel.models import Catalogue

    d = tmp_path_factory.mktemp("arch")
    f = make_tiny_model_gguf(d / f"{arch}.gguf", arch=arch, n_blocks=1, dim=16, general_type=general_type)
    if general_type == "model":
        entry, err = user_facing(Catalogue(tiny["paths"]).add, f, name=f"w{next(_names)}")
        assert err is None and entry.architecture == arch
    else:
        _, err = user_facing(import_adapter, tiny["paths"], f, name=f"w{next(_names)}")
        assert err is not None  # tensors are not .lora_a/.lora_b, and no base of that architecture exists


@fuzz_settings(30, 1000)
@given(st.sampled_from([b"PK\x03\x04", b"\x1f\x8b", b"ustar"]), st.binary(max_size=200))
def test_foreign_archives_as_adapter(tiny, tmp_path_factory, prefix, data):
    from draftwheel.flywheel.adapters import import_adapter

    f = _write(tmp_path_factory, prefix + data, "x.zip")
    _, err = user_facing(import_adapter, tiny["paths"], f, name=f"z{next(_names)}")
    assert err is not None


@pytest.mark.parametrize("data", [b"\x1f\x8b", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"])
def test_truncated_gzip_as_adapter_is_a_clear_error(tiny, tmp_path, data):
    """Regression (found by this fuzzing, fixed in c88fd1e): EOFError escaped tarfile.is_tarfile."""
    from draftwheel.flywheel.adapters import import_adapter

    f = tmp_path / "x.tar.gz"
    f.write_bytes(data)
    _, err = user_facing(import_adapter, tiny["paths"], f, name="gz")
    assert err is not None


def test_deflate_damage_in_adapter_export_is_a_clear_error(tiny, tmp_path):
    """Regression (found by this fuzzing, fixed in c88fd1e): zlib.error escaped the archive reader."""
    from draftwheel.flywheel.adapters import import_adapter

    f = tmp_path / "damaged.zip"
    f.write_bytes(mutate(tiny["archive"], "header", 42, 0, 1))  # zeroes a byte inside adapter.json's deflate data
    _, err = user_facing(import_adapter, tiny["paths"], f, name="damaged")
    assert err is not None


def test_archive_with_path_traversal_names_writes_nothing_outside(tiny, tmp_path):
    """A crafted export whose members are named ../../x: only adapter.json/adapter.gguf are taken, by base name."""
    from draftwheel.flywheel.adapters import import_adapter

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../../evil.gguf", tiny["adapter"])
        zf.writestr("../../adapter.json", b'{"name": "x"}')
    f = tmp_path / "evil.zip"
    f.write_bytes(buf.getvalue())
    user_facing(import_adapter, tiny["paths"], f, name="evil")
    assert not (tiny["paths"].adapters_dir.parent.parent / "evil.gguf").exists()
    assert not (tmp_path.parent / "evil.gguf").exists()


@pytest.mark.parametrize("cut", [0, 3, 4, 8, 24, 4096, 1 << 20])
def test_truncated_bundled_model_is_refused(bundled_gguf, tmp_path, cut):
    from draftwheel.models import read_gguf

    f = tmp_path / "cut.gguf"
    with open(bundled_gguf, "rb") as src:
        f.write_bytes(src.read(cut))
    _, err = user_facing(read_gguf, f, seconds=120)
    assert err is not None and str(f) in str(err)
