"""GGUF adapter export and the adapter registry: format, atomicity, import/export, bad input."""

from __future__ import annotations

import errno
import json
import math
import shutil
import tarfile
import zipfile

import numpy as np
import pytest

from adapter_helpers import bundled_entry, write_adapter_gguf, write_peft
from draftwheel.errors import DraftwheelError, ModelFileError, NotFoundError


@pytest.fixture(scope="module")
def peft_dir(tmp_path_factory):
    return write_peft(tmp_path_factory.mktemp("peft") / "peft", rank=4, alpha=8.0)


def _reader(path):
    from gguf import GGUFReader

    return GGUFReader(path, "r")


def _field(reader, key):
    return reader.get_field(key).contents()


def _new_adapter(paths, peft_dir, bundled_gguf, name="work", task="grammar", **kw):
    from draftwheel.flywheel.adapters import create_adapter
    from draftwheel.models.adapters import AdapterInfo
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    base = bundled_entry(paths)
    info = AdapterInfo(
        name=name,
        task=task,
        base_model=base.name,
        base_sha256=base.sha256,
        architecture=base.architecture,
        rank=4,
        alpha=8.0,
        **kw,
    )
    return create_adapter(paths, info, lambda p: export_gguf_adapter(peft_dir, bundled_gguf, p), peft_dir=peft_dir)


# -- the GGUF format ----------------------------------------------------------


def test_export_writes_llama_cpp_lora_format(peft_dir, bundled_gguf, tmp_path):
    from safetensors.numpy import load_file

    from draftwheel.train.gguf_adapter import export_gguf_adapter

    out = export_gguf_adapter(peft_dir, bundled_gguf, tmp_path / "a.gguf")
    r = _reader(out.path)
    assert _field(r, "general.type") == "adapter"
    assert _field(r, "adapter.type") == "lora"
    assert _field(r, "general.architecture") == "gemma3"
    assert _field(r, "adapter.lora.alpha") == pytest.approx(8.0)
    from draftwheel.models.adapters import gguf_header

    base_names = set(gguf_header(bundled_gguf)[1])  # GGUFReader takes ~10-40 s on the 262k vocabulary
    names = {t.name: t for t in r.tensors}
    assert len(names) == 2 * 7 * 18 == out.n_tensors
    for name in names:
        assert name.endswith((".lora_a", ".lora_b"))
        assert name.rsplit(".", 1)[0] in base_names
    # PEFT's (r, in) / (out, r) arrays are written as they are (ggml ne reversed: [in, r], [r, out]).
    peft = load_file(str(peft_dir / "adapter_model.safetensors"))
    a = peft["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"]
    b = peft["base_model.model.model.layers.3.mlp.down_proj.lora_B.weight"]
    assert [int(d) for d in names["blk.0.attn_q.weight.lora_a"].shape] == [640, 4]
    np.testing.assert_array_equal(np.asarray(names["blk.0.attn_q.weight.lora_a"].data).reshape(a.shape), a)
    np.testing.assert_array_equal(np.asarray(names["blk.3.ffn_down.weight.lora_b"].data).reshape(b.shape), b)
    assert not list(tmp_path.glob(".*.tmp"))


def test_rslora_and_alpha_pattern_are_folded(bundled_gguf, tmp_path):
    from safetensors.numpy import load_file

    from draftwheel.train.gguf_adapter import export_gguf_adapter

    peft = write_peft(
        tmp_path / "rs",
        rank=16,
        alpha=8.0,
        modules=("self_attn.q_proj", "self_attn.v_proj"),
        blocks=range(2),
        extra_config={"use_rslora": True, "alpha_pattern": {"v_proj": 32}},
    )
    out = export_gguf_adapter(peft, bundled_gguf, tmp_path / "rs.gguf")
    r = _reader(out.path)
    # llama.cpp scales by alpha / r; rsLoRA's alpha / sqrt(r) needs alpha * sqrt(r) written.
    assert _field(r, "adapter.lora.alpha") == pytest.approx(8.0 * math.sqrt(16))
    src = load_file(str(peft / "adapter_model.safetensors"))
    tensors = {t.name: np.asarray(t.data) for t in r.tensors}
    q_b = src["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"]
    v_b = src["base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"]
    np.testing.assert_allclose(tensors["blk.0.attn_q.weight.lora_b"].reshape(q_b.shape), q_b)
    # v_proj: PEFT scale 32 / sqrt(16) = 8; file scale 32 / 16 = 2 -> B carries a factor 4.
    np.testing.assert_allclose(tensors["blk.0.attn_v.weight.lora_b"].reshape(v_b.shape), 4 * v_b, rtol=1e-6)


def test_export_refuses_modules_missing_from_base(bundled_gguf, tmp_path):
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    peft = write_peft(tmp_path / "deep", modules=("self_attn.q_proj",), blocks=range(17, 20))
    with pytest.raises(
        DraftwheelError, match=r"2 adapted module\(s\) have no matching tensor.*model\.layers\.18\.self_attn\.q_proj"
    ):
        export_gguf_adapter(peft, bundled_gguf, tmp_path / "x.gguf")
    assert not (tmp_path / "x.gguf").exists()


def test_export_refuses_wrong_shapes_and_bad_configs(bundled_gguf, tmp_path):
    from safetensors.numpy import save_file

    from draftwheel.train.gguf_adapter import export_gguf_adapter

    peft = write_peft(tmp_path / "shape", modules=("self_attn.q_proj",), blocks=range(1))
    save_file(
        {
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": np.zeros((4, 512), np.float32),
            "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": np.zeros((1024, 4), np.float32),
        },
        str(peft / "adapter_model.safetensors"),
    )
    with pytest.raises(DraftwheelError, match="trained for another base model"):
        export_gguf_adapter(peft, bundled_gguf, tmp_path / "x.gguf")
    dora = write_peft(tmp_path / "dora", blocks=range(1), extra_config={"use_dora": True})
    with pytest.raises(DraftwheelError, match="DoRA"):
        export_gguf_adapter(dora, bundled_gguf, tmp_path / "x.gguf")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DraftwheelError, match=r"no adapter_config\.json"):
        export_gguf_adapter(tmp_path / "empty", bundled_gguf, tmp_path / "x.gguf")
    broken = write_peft(tmp_path / "broken", blocks=range(1))
    (broken / "adapter_model.safetensors").write_bytes(b"\x10\x00\x00\x00garbage")
    with pytest.raises(DraftwheelError, match="damaged"):
        export_gguf_adapter(broken, bundled_gguf, tmp_path / "x.gguf")


# -- the registry -------------------------------------------------------------


def test_registry_create_list_rename_delete_mirrors_store(paths, peft_dir, bundled_gguf):
    from draftwheel.flywheel import adapters as fly
    from draftwheel.models import adapters as reg
    from draftwheel.store import get_adapter as row_of
    from draftwheel.store import open_store

    info = _new_adapter(paths, peft_dir, bundled_gguf, "work email")
    assert (info.folder / "adapter.gguf").is_file() and (info.folder / "peft" / "adapter_config.json").is_file()
    meta = json.loads((info.folder / "adapter.json").read_text())
    assert meta["base_sha256"] == info.base_sha256 and meta["rank"] == 4 and meta["created_at"]
    assert [a.name for a in reg.list_adapters(paths)] == ["work email"]
    with pytest.raises(DraftwheelError, match="already exists"):
        _new_adapter(paths, peft_dir, bundled_gguf, "work email")

    fly.rename(paths, "work email", "fiction")
    assert [a.name for a in reg.list_adapters(paths)] == ["fiction"]
    with pytest.raises(NotFoundError):
        reg.get_adapter(paths, "work email")
    store = open_store(paths)
    try:
        with store.session() as s:
            row = row_of(s, "fiction")
            assert row.path == str(paths.adapters_dir / "fiction") and row.base_model_sha256 == info.base_sha256
        fly.promote(paths, "fiction")
        assert reg.get_adapter(paths, "fiction").promoted
        with store.session() as s:
            assert row_of(s, "fiction").promoted
        fly.delete(paths, "fiction")
        assert reg.list_adapters(paths) == []
        with store.session() as s, pytest.raises(NotFoundError):
            row_of(s, "fiction")
    finally:
        store.close()
    assert [p.name for p in paths.adapters_dir.iterdir()] == []


def test_list_ignores_temp_and_damaged_folders(paths, peft_dir, bundled_gguf):
    from draftwheel.models import adapters as reg

    _new_adapter(paths, peft_dir, bundled_gguf, "good")
    shutil.copytree(paths.adapters_dir / "good", paths.adapters_dir / ".half.99999999.tmp")
    shutil.copytree(paths.adapters_dir / "good", paths.adapters_dir / "nojson")
    (paths.adapters_dir / "nojson" / "adapter.json").unlink()
    shutil.copytree(paths.adapters_dir / "good", paths.adapters_dir / "badjson")
    (paths.adapters_dir / "badjson" / "adapter.json").write_text("{not json")
    shutil.copytree(paths.adapters_dir / "good", paths.adapters_dir / "nogguf")
    (paths.adapters_dir / "nogguf" / "adapter.gguf").unlink()
    assert [a.name for a in reg.list_adapters(paths)] == ["good"]
    reg.remove_stale_temps(paths)  # pid 99999999 does not run: its temp folder goes
    assert not (paths.adapters_dir / ".half.99999999.tmp").exists()


def test_full_disk_during_export_leaves_nothing(paths, peft_dir, bundled_gguf, monkeypatch):
    """ENOSPC while the GGUF's tensors are written (the largest write) is injected at the file write."""
    import gguf

    from draftwheel.models import adapters as reg

    real = gguf.GGUFWriter.write_tensors_to_file

    def full_disk(self, *args, **kwargs):
        self.fout[0].write(b"\0" * 1000)  # a partial write lands first, as on a real full disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gguf.GGUFWriter, "write_tensors_to_file", full_disk)
    with pytest.raises(DraftwheelError, match="disk is full"):
        _new_adapter(paths, peft_dir, bundled_gguf, "big")
    monkeypatch.setattr(gguf.GGUFWriter, "write_tensors_to_file", real)
    assert reg.list_adapters(paths) == []
    assert list(paths.adapters_dir.iterdir()) == []  # no temp folder, no half-written file


def test_gguf_header_reader_agrees_with_gguf_reader(peft_dir, bundled_gguf, tmp_path):
    from draftwheel.models.adapters import gguf_header
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    out = export_gguf_adapter(peft_dir, bundled_gguf, tmp_path / "a.gguf").path
    meta, shapes = gguf_header(out)
    r = _reader(out)
    assert shapes == {t.name: tuple(int(d) for d in t.shape) for t in r.tensors}
    assert meta["general.type"] == "adapter" and meta["adapter.lora.alpha"] == pytest.approx(8.0)
    meta, shapes = gguf_header(bundled_gguf)
    assert meta["general.architecture"] == "gemma3" and meta["gemma3.block_count"] == 18
    assert meta["tokenizer.ggml.tokens"] == 262144 and len(shapes) == 236  # arrays: element count
    assert shapes["blk.0.attn_q.weight"] == (640, 1024)
    with pytest.raises(ModelFileError, match="damaged or truncated"):
        gguf_header(tmp_path / "missing.gguf")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(out.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="damaged or truncated"):
        gguf_header(cut)


def test_names_are_checked(paths, peft_dir, bundled_gguf):
    for bad in ("base", "", "../x", ".hidden", "a/b"):
        with pytest.raises(DraftwheelError):
            _new_adapter(paths, peft_dir, bundled_gguf, bad)


# -- export / import ----------------------------------------------------------


@pytest.mark.parametrize("suffix", [".zip", ".tar", ".tar.gz"])
def test_export_import_roundtrip(paths, peft_dir, bundled_gguf, tmp_path, suffix):
    from draftwheel.flywheel import adapters as fly
    from draftwheel.models import adapters as reg

    info = _new_adapter(paths, peft_dir, bundled_gguf, "mine", task="formal", scores={"adapter": {"gleu": 50}})
    out = reg.export_adapter(paths, "mine", tmp_path / f"mine{suffix}")
    if suffix == ".zip":
        assert sorted(zipfile.ZipFile(out).namelist()) == ["adapter.gguf", "adapter.json"]
    else:
        with tarfile.open(out) as tar:
            assert sorted(tar.getnames()) == ["adapter.gguf", "adapter.json"]
    with pytest.raises(DraftwheelError, match="already exists"):
        fly.import_adapter(paths, out)
    got = fly.import_adapter(paths, out, name="copy")
    assert got.source == "imported" and got.task == "formal" and got.scores == {"adapter": {"gleu": 50}}
    assert got.gguf.read_bytes() == info.gguf.read_bytes()
    assert {a.name for a in reg.list_adapters(paths)} == {"mine", "copy"}


def test_import_bare_gguf_finds_its_base(paths, peft_dir, bundled_gguf, tmp_path):
    from draftwheel.flywheel import adapters as fly
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    export_gguf_adapter(peft_dir, bundled_gguf, tmp_path / "style.gguf")
    got = fly.import_adapter(paths, tmp_path / "style.gguf", task="clearer")
    assert got.name == "style" and got.base_model == "gemma3-270m" and got.rank == 4 and got.alpha == 8.0
    assert got.task == "clearer"


def test_import_refuses_bad_files(paths, peft_dir, bundled_gguf, tmp_path):
    from draftwheel.flywheel import adapters as fly
    from draftwheel.models import adapters as reg
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    good = export_gguf_adapter(peft_dir, bundled_gguf, tmp_path / "good.gguf").path
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="truncated"):
        fly.import_adapter(paths, truncated)
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + b"\xff" * 64)
    with pytest.raises(ModelFileError, match="damaged or truncated"):
        fly.import_adapter(paths, corrupt)
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    with pytest.raises(DraftwheelError, match="not an adapter"):
        fly.import_adapter(paths, junk)
    with pytest.raises(ModelFileError, match="is a model, not a LoRA adapter"):
        fly.import_adapter(paths, bundled_gguf)
    llama_arch = write_adapter_gguf(tmp_path / "llama.gguf", arch="llama", shapes={"blk.0.attn_q.weight": (4096, 4096)})
    with pytest.raises(DraftwheelError, match="needs a llama base model"):
        fly.import_adapter(paths, llama_arch)
    bigger = write_adapter_gguf(tmp_path / "gemma-1b.gguf", shapes={"blk.0.attn_q.weight": (1024, 1152)})
    with pytest.raises(DraftwheelError, match="tensor shapes belong to another model size"):
        fly.import_adapter(paths, bigger)
    assert reg.list_adapters(paths) == []
    assert list(paths.adapters_dir.iterdir()) == []


def test_import_refuses_adapter_for_another_base(paths, peft_dir, bundled_gguf, tmp_path):
    from draftwheel.flywheel import adapters as fly
    from draftwheel.models import adapters as reg

    _new_adapter(paths, peft_dir, bundled_gguf, "theirs")
    meta = json.loads((paths.adapters_dir / "theirs" / "adapter.json").read_text())
    meta.update(base_sha256="ab" * 32, base_model="gemma3-270m-it")
    archive = tmp_path / "theirs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("adapter.json", json.dumps(meta))
        zf.write(paths.adapters_dir / "theirs" / "adapter.gguf", "adapter.gguf")
    fly.delete(paths, "theirs")
    with pytest.raises(DraftwheelError, match=r"made for another base model \(gemma3, sha256 abababababab\)"):
        fly.import_adapter(paths, archive)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(DraftwheelError):
        fly.import_adapter(paths, damaged)
    assert reg.list_adapters(paths) == []


def test_check_base_names_the_base_it_needs(paths, peft_dir, bundled_gguf):
    import dataclasses

    from draftwheel.models import adapters as reg

    info = _new_adapter(paths, peft_dir, bundled_gguf, "mine")
    entry = bundled_entry(paths)
    reg.check_base(info, entry)  # fits
    other = dataclasses.replace(entry, name="other-model", sha256="cd" * 32)
    with pytest.raises(
        DraftwheelError, match=r"needs the base model gemma3-270m .*but the model in use is other-model"
    ):
        reg.check_base(info, other)
