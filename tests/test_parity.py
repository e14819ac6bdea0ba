"""Parity: a PEFT LoRA exported to GGUF gives llama.cpp the PyTorch model's greedy next tokens.

The LoRA is built on the bundled model's trainable (dequantized) weights with
non-zero random A and B at a moderate scale, so it clearly changes the
model's predictions. Prompts are JFLEG test sentences formatted exactly as
training formats them (``training_pair``). Teacher forcing: at each position
of the completion, the argmax next token of llama.cpp (Q4_K_M base + the
adapter GGUF, applied through ``LlamaEngine.use_adapter``) is compared with the
PyTorch model with the PEFT adapter.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import JFLEG

N_POSITIONS = 200
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def peft_model(trainable_dir, tmp_path_factory):
    """(PEFT model in eval mode, its saved adapter folder): random non-zero LoRA, r=8, alpha=16."""
    import torch
    from peft import LoraConfig, get_peft_model

    from draftwheel.models.weights import load_trainable

    model, _tok = load_trainable(trainable_dir)
    torch.manual_seed(1234)
    cfg = LoraConfig(r=8, lora_alpha=16, target_modules=TARGETS, lora_dropout=0.0, init_lora_weights=False)
    pm = get_peft_model(model, cfg)
    with torch.no_grad():
        for name, p in pm.named_parameters():
            if "lora_" in name:
                # std 0.02 changed ~8% of greedy next tokens, 0.03 ~64% (so flat that near-ties flip
                # between Q4 llama.cpp and float32 torch): 0.024 changes a clear share, keeps predictions sharp.
                p.normal_(0.0, 0.024)
    pm.eval()
    out = tmp_path_factory.mktemp("parity") / "peft"
    pm.save_pretrained(str(out))
    return pm, out


def _last_logits(llm) -> np.ndarray:
    """Logits of the last evaluated token (Llama.eval keeps only the last token's when logits_all is off)."""
    import llama_cpp

    ptr = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
    return np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),))


def _teacher_forced_llama(llm, tokens: list[int], start: int) -> list[int]:
    """argmax next token at positions start-1 .. len-2 (predicting tokens[start:]), one token at a time."""
    llm.reset()
    llm.eval(tokens[:start])
    preds = [int(np.argmax(_last_logits(llm)))]
    for tok in tokens[start:-1]:
        llm.eval([tok])
        preds.append(int(np.argmax(_last_logits(llm))))
    return preds


def _teacher_forced_torch(pm, tokens: list[int], start: int, adapter: bool) -> list[int]:
    import contextlib

    import torch

    ctx = contextlib.nullcontext() if adapter else pm.disable_adapter()
    with torch.no_grad(), ctx:
        inner = pm.get_base_model()
        hidden = inner.model(input_ids=torch.tensor([tokens])).last_hidden_state[0]
        # logits only where the completion is predicted (the 262k vocabulary makes the rest costly)
        logits = inner.lm_head(hidden[start - 1 : len(tokens) - 1])
    return logits.argmax(-1).tolist()


def test_llama_cpp_adapter_matches_peft(peft_model, bundled_gguf, engine, tmp_path):
    from draftwheel.engine.base import AdapterRef
    from draftwheel.engine.prompts import resolve_task, training_pair
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    pm, peft_dir = peft_model
    out = export_gguf_adapter(peft_dir, bundled_gguf, tmp_path / "adapter.gguf")
    assert out.n_tensors == 2 * 7 * 18
    task = resolve_task("grammar")
    sources = (JFLEG / "test.src").read_text(encoding="utf-8").splitlines()
    refs = (JFLEG / "test.ref0").read_text(encoding="utf-8").splitlines()
    llm = engine.llama
    agree = changed_llama = changed_torch = total = 0
    try:
        for src, ref in zip(sources, refs, strict=True):
            prompt, completion = training_pair(task, src.strip(), ref.strip())
            tokens = engine.tokenize(prompt + completion, add_bos=True)
            start = len(engine.tokenize(prompt, add_bos=True))
            tokens = tokens[: start + (N_POSITIONS - total)]
            engine.use_adapter(AdapterRef("parity", out.path))
            ours = _teacher_forced_llama(llm, tokens, start)
            engine.use_adapter(None)
            base = _teacher_forced_llama(llm, tokens, start)
            ref_adapted = _teacher_forced_torch(pm, tokens, start, adapter=True)
            ref_base = _teacher_forced_torch(pm, tokens, start, adapter=False)
            assert len(ours) == len(ref_adapted) == len(base)
            agree += sum(a == b for a, b in zip(ours, ref_adapted, strict=True))
            changed_llama += sum(a != b for a, b in zip(ours, base, strict=True))
            changed_torch += sum(a != b for a, b in zip(ref_adapted, ref_base, strict=True))
            total += len(ours)
            if total >= N_POSITIONS:
                break
    finally:
        engine.use_adapter(None)
    assert total == N_POSITIONS
    print(f"parity: {agree}/{total} agree; adapter changes {changed_llama} (llama.cpp) / {changed_torch} (torch)")
    assert agree / total >= 0.95, f"only {agree}/{total} greedy next tokens agree"
    # The adapter must really change predictions, or agreement would prove nothing.
    assert changed_torch / total >= 0.08, f"the adapter changed only {changed_torch}/{total} predictions"
    assert changed_llama / total >= 0.08
