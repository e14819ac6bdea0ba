import shutil

import pytest

from draftwheel.errors import DraftwheelError, ModelFileError, NotFoundError
from draftwheel.models import BUNDLED_NAME, Catalogue, read_gguf


def test_bundled_model_is_catalogued(paths):
    entry = Catalogue(paths).get(BUNDLED_NAME)
    assert entry.bundled and entry.architecture == "gemma3"
    assert entry.quantization == "Q4_K_M" and entry.context_length > 0
    assert entry.size_bytes > 200_000_000
    assert entry.sha256 == "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"


def test_add_list_remove(paths, bundled_gguf, tmp_path):
    cat = Catalogue(paths)
    copy = tmp_path / "My-Model.gguf"
    shutil.copyfile(bundled_gguf, copy)
    e = cat.add(copy)
    assert e.name == "my-model" and e.architecture == "gemma3" and len(e.sha256) == 64
    assert "my-model" in [m.name for m in cat.list()]
    with pytest.raises(DraftwheelError, match="already exists"):
        cat.add(copy)
    cat.remove("my-model")
    assert "my-model" not in [m.name for m in cat.list()]
    with pytest.raises(NotFoundError, match="Unknown model"):
        cat.get("my-model")
    with pytest.raises(DraftwheelError, match="cannot be removed"):
        cat.remove(BUNDLED_NAME)


def test_not_a_gguf_is_refused_with_the_file_name(paths, tmp_path):
    bad = tmp_path / "notes.gguf"
    bad.write_text("hello, I am not a model")
    with pytest.raises(ModelFileError, match=r"notes\.gguf: not a GGUF file"):
        Catalogue(paths).add(bad)


def test_truncated_gguf_is_refused(paths, bundled_gguf, tmp_path):
    cut = tmp_path / "cut.gguf"
    with open(bundled_gguf, "rb") as src, open(cut, "wb") as dst:
        dst.write(src.read(50_000_000))
    with pytest.raises(ModelFileError, match=r"truncated|damaged"):
        read_gguf(cut)
    with pytest.raises(ModelFileError, match=r"cut\.gguf"):
        Catalogue(paths).add(cut)


def test_missing_file(paths, tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        Catalogue(paths).add(tmp_path / "nope.gguf")
