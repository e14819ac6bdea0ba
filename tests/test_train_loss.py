"""The chunked completion-only loss equals plain full-logits cross-entropy, values and gradients."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from draftwheel.train.loss import (  # noqa: E402
    IGNORE_INDEX,
    chunked_cross_entropy,
    completion_loss,
    full_logits_loss,
)


@pytest.mark.parametrize("chunk", [1, 7, 16, 1000])
@pytest.mark.parametrize("softcap", [None, 30.0])
def test_chunked_ce_matches_full_ce(chunk, softcap):
    g = torch.Generator().manual_seed(chunk)
    hidden = torch.randn(37, 16, dtype=torch.float64, generator=g, requires_grad=True)
    weight = torch.randn(101, 16, dtype=torch.float64, generator=g, requires_grad=True)
    targets = torch.randint(0, 101, (37,), generator=g)

    ours = chunked_cross_entropy(hidden, weight, targets, chunk, softcap)
    (3.0 * ours).backward()  # a non-unit upstream gradient
    gh, gw = hidden.grad.clone(), weight.grad.clone()
    hidden.grad = weight.grad = None

    logits = hidden @ weight.t()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    ref = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
    (3.0 * ref).backward()

    assert torch.allclose(ours, ref)
    assert torch.allclose(gh, hidden.grad)
    assert torch.allclose(gw, weight.grad)


def test_chunked_ce_without_grad_and_empty():
    hidden = torch.randn(5, 8)
    weight = torch.randn(20, 8)
    t = torch.randint(0, 20, (5,))
    with torch.no_grad():
        a = chunked_cross_entropy(hidden, weight, t, 2)
    b = torch.nn.functional.cross_entropy(hidden @ weight.t(), t, reduction="sum")
    assert torch.allclose(a, b, rtol=1e-5)
    empty = chunked_cross_entropy(torch.zeros(0, 8, requires_grad=True), weight, t[:0])
    assert float(empty.detach()) == 0.0


def _tiny_lora_gemma():
    """A real Gemma 3 model class and PEFT LoRA, shrunk to a few thousand weights, in float64."""
    from peft import LoraConfig, get_peft_model
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(0)
    cfg = Gemma3TextConfig(
        vocab_size=300,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=64,
        sliding_window=8,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=1,
    )
    model = Gemma3ForCausalLM(cfg).to(torch.float64)
    lora = LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    )
    model = get_peft_model(model, lora)
    for name, p in model.named_parameters():  # LoRA B starts at zero; give it values so every grad is non-trivial
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.1)
    return model


def _batch():
    ids = torch.randint(3, 300, (3, 12), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0  # right padding
    mask[2, 6:] = 0
    labels = torch.full_like(ids, IGNORE_INDEX)
    labels[0, 5:] = ids[0, 5:]  # completion of each row
    labels[1, 4:9] = ids[1, 4:9]
    labels[2, 3:6] = ids[2, 3:6]
    return ids, mask, labels


def _grads(model):
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def test_completion_loss_equals_full_logits_on_a_model():
    model = _tiny_lora_gemma()
    ids, mask, labels = _batch()
    ours = completion_loss(model, ids, mask, labels, chunk_size=4)
    ours.loss_sum.backward()
    g_ours = _grads(model)
    model.zero_grad(set_to_none=True)
    ref = full_logits_loss(model, ids, mask, labels)
    ref.loss_sum.backward()
    g_ref = _grads(model)

    assert ours.n_tokens == ref.n_tokens == 7 + 5 + 3  # every label sits at a position >= 1
    assert torch.allclose(ours.loss_sum, ref.loss_sum)
    assert set(g_ours) == set(g_ref) and len(g_ours) == 2 * 7 * 2  # A and B, 7 modules, 2 layers
    for name in g_ref:
        assert torch.allclose(g_ours[name], g_ref[name]), name
    # The HF loss the plain PEFT baseline uses is the mean of the same sum.
    hf = model(input_ids=ids, attention_mask=mask, labels=labels).loss
    assert torch.allclose(hf.double(), ours.mean, rtol=1e-6)


@pytest.mark.slow
def test_completion_loss_matches_on_the_bundled_model(trainable_dir):
    from conftest import JFLEG
    from draftwheel.train.args import TrainingArgs
    from draftwheel.train.dataset import build_dataset, collate, jfleg_pairs
    from draftwheel.train.trainer import build_lora_model

    model, tok = build_lora_model(trainable_dir, TrainingArgs(rank=4, dtype="float32"), "cpu")
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.01)
    ds = build_dataset(jfleg_pairs(JFLEG, limit=12), tok, 64)
    b = collate(ds.train[:2], ds.pad_id)
    ours = completion_loss(model, b["input_ids"], b["attention_mask"], b["labels"], chunk_size=8)
    ours.loss_sum.backward()
    g_ours = _grads(model)
    model.zero_grad(set_to_none=True)
    ref = full_logits_loss(model, b["input_ids"], b["attention_mask"], b["labels"])
    ref.loss_sum.backward()
    g_ref = _grads(model)
    assert torch.allclose(ours.loss_sum, ref.loss_sum, rtol=1e-4)  # float32 sums in another order
    for name in g_ref:  # float32 through 18 layers (exact in float64: see the tiny-model test above)
        rel = float((g_ours[name] - g_ref[name]).norm() / g_ref[name].norm())
        assert rel < 1e-2, (name, rel)


def test_shared_prefix_gives_the_same_loss_and_gradients():
    from draftwheel.train.loss import shared_prefix_len

    model = _tiny_lora_gemma()
    ids, mask, labels = _batch()
    prefix = torch.randint(3, 300, (20,), generator=torch.Generator().manual_seed(2))
    ids = torch.cat([prefix.expand(3, -1), ids], dim=1)  # every row starts with the same 20 tokens
    mask = torch.cat([torch.ones(3, 20, dtype=mask.dtype), mask], dim=1)
    labels = torch.cat([torch.full((3, 20), IGNORE_INDEX), labels], dim=1)
    assert shared_prefix_len(ids, mask, labels) == 20  # where the rows start to differ
    shared = completion_loss(model, ids, mask, labels, chunk_size=5, share_prefix=True)
    shared.loss_sum.backward()
    g_shared = _grads(model)
    model.zero_grad(set_to_none=True)
    ref = full_logits_loss(model, ids, mask, labels)
    ref.loss_sum.backward()
    g_ref = _grads(model)
    assert shared.n_tokens == ref.n_tokens == 15
    assert torch.allclose(shared.loss_sum, ref.loss_sum)
    for name in g_ref:
        assert torch.allclose(g_shared[name], g_ref[name]), name


def test_shared_prefix_with_gradient_checkpointing_gives_the_same_loss_and_gradients():
    """The suffix pass is checkpointed block by block and replayed in backward:
    the prefix cache must be read, not appended to, on both passes."""
    model = _tiny_lora_gemma()
    ids, mask, labels = _batch()
    prefix = torch.randint(3, 300, (20,), generator=torch.Generator().manual_seed(2))
    ids = torch.cat([prefix.expand(3, -1), ids], dim=1)
    mask = torch.cat([torch.ones(3, 20, dtype=mask.dtype), mask], dim=1)
    labels = torch.cat([torch.full((3, 20), IGNORE_INDEX), labels], dim=1)
    ref = full_logits_loss(model, ids, mask, labels)
    ref.loss_sum.backward()
    g_ref = _grads(model)
    model.zero_grad(set_to_none=True)
    from draftwheel.train.trainer import enable_checkpointing

    enable_checkpointing(model)
    layers = model.get_base_model().get_decoder().layers
    assert all(layer.gradient_checkpointing for layer in layers)
    ours = completion_loss(model, ids, mask, labels, chunk_size=5, share_prefix=True)
    ours.loss_sum.backward()
    g_ours = _grads(model)
    assert torch.allclose(ours.loss_sum, ref.loss_sum)
    for name in g_ref:
        assert torch.allclose(g_ours[name], g_ref[name]), name
    # The blocks' flags are back as they were after the call.
    assert all(layer.gradient_checkpointing and not layer._can_checkpoint_with_cache for layer in layers)
