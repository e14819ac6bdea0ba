"""Causal-LM loss taken only where it counts, with the logits made in chunks.

The bundled model has a 262,144-entry vocabulary: the full logits tensor of a
batch of 8 x 100 tokens is 8 * 100 * 262144 * 4 bytes = 840 MB in float32, and
``model(input_ids, labels=labels)`` builds it for every position, then a
log-softmax copy, then gradients of both. Most positions are prompt tokens
whose labels are masked anyway.

Here the model body runs as usual, but the output layer only sees the hidden
states at labelled (completion) positions, ``chunk_size`` positions at a time.
:class:`ChunkedLinearCrossEntropy` computes each chunk's loss *and* its
gradient in the forward pass (softmax minus one-hot, times the output weight)
and keeps only that gradient, shape (N, hidden), for backward; no chunk's
logits outlive its loop iteration. Peak extra memory is about two chunks of
logits (chunk_size * vocab * 4 bytes each) instead of several full tensors.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

IGNORE_INDEX = -100
DEFAULT_CHUNK = 128  # positions per logits chunk: 128 * 262144 * 4 B = 134 MB (two such live at once)


class ChunkedLinearCrossEntropy(torch.autograd.Function):
    """Summed cross-entropy of ``hidden @ weight.T`` against ``targets``, chunk by chunk.

    hidden: (N, H), weight: (V, H), targets: (N,) int64 (no ignore index here:
    pass only the positions that count). ``softcap``: Gemma-style final logit
    soft-capping ``cap * tanh(logits / cap)`` or None. Returns a 0-d sum in float32 (float64 for float64 inputs).
    """

    @staticmethod
    def forward(ctx, hidden, weight, targets, chunk_size: int, softcap: float | None):
        n = hidden.shape[0]
        need_h = hidden.requires_grad
        # Softmax in at least float32, even for bfloat16 hidden states.
        acc = torch.promote_types(hidden.dtype, torch.float32)
        need_w = weight.requires_grad
        grad_h = torch.empty_like(hidden) if need_h else None
        grad_w = torch.zeros(weight.shape, dtype=acc, device=weight.device) if need_w else None
        total = torch.zeros((), dtype=acc, device=hidden.device)
        for start in range(0, n, chunk_size):
            h = hidden[start : start + chunk_size]
            t = targets[start : start + chunk_size]
            logits = (h @ weight.t()).to(acc)  # (n_c, V)
            tanh = None
            if softcap:
                tanh = torch.tanh(logits / softcap)
                logits = tanh * softcap
            lse = torch.logsumexp(logits, dim=-1)  # (n_c,)
            picked = logits.gather(1, t[:, None]).squeeze(1)
            total += (lse - picked).sum()
            if need_h or need_w:
                # d(sum CE)/d logits = softmax - one_hot, made in place over the logits.
                g = logits.sub_(lse[:, None]).exp_()
                g[torch.arange(t.shape[0], device=g.device), t] -= 1.0
                if tanh is not None:
                    g.mul_(1.0 - tanh * tanh)  # d(cap*tanh(x/cap))/dx
                g = g.to(h.dtype)
                if grad_h is not None:  # need_h
                    grad_h[start : start + chunk_size] = g @ weight
                if need_w:
                    grad_w += (g.t() @ h).to(acc)
            del logits, lse, picked, tanh
        ctx.save_for_backward(*(x for x in (grad_h, grad_w) if x is not None))
        ctx.need = (need_h, need_w)
        ctx.weight_dtype = weight.dtype
        return total

    @staticmethod
    def backward(ctx, grad_out):
        saved = list(ctx.saved_tensors)
        need_h, need_w = ctx.need
        grad_h = grad_w = None
        if need_h:
            g = saved.pop(0)
            grad_h = g * grad_out.to(g.dtype)
        if need_w:
            grad_w = (saved.pop(0) * grad_out).to(ctx.weight_dtype)
        return grad_h, grad_w, None, None, None


def chunked_cross_entropy(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    targets: torch.Tensor,
    chunk_size: int = DEFAULT_CHUNK,
    softcap: float | None = None,
) -> torch.Tensor:
    """Summed CE over rows of ``hidden`` (N, H) against ``targets`` (N,); see the class."""
    if hidden.shape[0] == 0:
        return hidden.sum() * 0.0
    return ChunkedLinearCrossEntropy.apply(hidden, weight, targets, int(chunk_size), softcap)


@dataclass
class LossOut:
    loss_sum: torch.Tensor  # 0-d float32, summed over completion tokens
    n_tokens: int  # completion tokens that carried a label

    @property
    def mean(self) -> torch.Tensor:
        return self.loss_sum / max(self.n_tokens, 1)


def _parts(model):
    """(decoder body, output layer, softcap) of a causal LM, PEFT-wrapped or not."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder = base.get_decoder()
    head = base.get_output_embeddings()
    if head is None or getattr(head, "bias", None) is not None:
        raise TypeError("the model's output layer must be a bias-free linear layer")
    softcap = getattr(base.config, "final_logit_softcapping", None)
    return decoder, head, softcap


def shared_prefix_len(
    input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor, min_len: int = 16
) -> int:
    """Length P of the token prefix every row shares and that carries no label (0 if under ``min_len``).

    All examples of a task start with the same instruction and demonstration
    (about half of each JFLEG example), so the body can run on it once per
    batch. The hidden state at position P - 1 predicts labels[:, P], so those
    must be ignored too.
    """
    b, t = input_ids.shape
    if b < 2 or t < 2:
        return 0
    same = ((input_ids == input_ids[:1]) & (attention_mask == 1)).all(dim=0)  # (T,)
    lcp = int(same.long().cumprod(0).sum())
    labelled = (labels != IGNORE_INDEX).any(dim=0).nonzero()
    first_label = int(labelled[0]) if labelled.numel() else t
    p = min(lcp, first_label - 1, t - 1)
    return p if p >= min_len else 0


def _can_share_under_checkpointing(decoder) -> bool:
    """False only where checkpointing is on and the blocks cannot keep a cache under it.

    ``_can_checkpoint_with_cache`` (transformers 5) lets a checkpointed block
    keep the cache it is given; older releases drop the cache, and the
    prefix must then be run with every row.
    """
    layers = list(getattr(decoder, "layers", []))
    if not any(getattr(layer, "gradient_checkpointing", False) for layer in layers):
        return True
    return all(hasattr(layer, "_can_checkpoint_with_cache") for layer in layers)


@contextlib.contextmanager
def _layer_flags(layers, **flags):
    """Set attributes on every decoder block for the duration of one forward call."""
    # Instance attributes only: the class values (e.g. _can_checkpoint_with_cache = False) show again after.
    saved = [{k: layer.__dict__[k] for k in flags if k in layer.__dict__} for layer in layers]
    for layer in layers:
        for k, v in flags.items():
            setattr(layer, k, v)
    try:
        yield
    finally:
        for layer, old in zip(layers, saved, strict=True):
            for k in flags:
                if k in old:
                    setattr(layer, k, old[k])
                else:
                    delattr(layer, k)


def _read_only(cache) -> None:
    """Make ``cache.update`` return prefix + new keys/values without storing the new ones.

    Under gradient checkpointing each block's suffix pass runs twice (forward,
    then the recompute in backward); a cache that appended would see the
    suffix twice on the replay. Keys/values: (B, kv_heads, P, head_dim); the
    new ones are concatenated along the sequence axis exactly as
    ``DynamicLayer.update`` does, so the attention masks (sized from the
    prefix length) stay right.
    """

    def update(key_states, value_states, layer_idx, *args, **kwargs):
        layer = cache.layers[layer_idx]
        return (torch.cat([layer.keys, key_states], dim=-2), torch.cat([layer.values, value_states], dim=-2))

    cache.update = update


def _hidden_with_shared_prefix(decoder, config, input_ids, attention_mask, p: int) -> torch.Tensor:
    """Hidden states (B, T - P, H) of positions P.. with the shared prefix run once (batch 1).

    The prefix's keys and values go into a cache that is repeated for each
    row; gradients flow back through the repeat into the single prefix pass,
    so the result and its gradients equal a plain batched forward. With
    gradient checkpointing on, the (batch-1, short) prefix pass keeps its
    activations and the batched suffix pass is checkpointed block by block,
    reading the prefix cache without changing it.
    """
    from transformers import DynamicCache

    b = input_ids.shape[0]
    layers = list(decoder.layers)
    cache = DynamicCache(config=config)
    with _layer_flags(layers, gradient_checkpointing=False):
        decoder(
            input_ids=input_ids[:1, :p], attention_mask=attention_mask[:1, :p], past_key_values=cache, use_cache=False
        )  # the cache is passed in: use_cache only asks for a new one (and warns)
    cache.batch_repeat_interleave(b)
    _read_only(cache)
    with _layer_flags(layers, _can_checkpoint_with_cache=True):
        out = decoder(input_ids=input_ids[:, p:], attention_mask=attention_mask, past_key_values=cache, use_cache=False)
    return out.last_hidden_state


def completion_loss(
    model,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    labels: torch.Tensor,
    chunk_size: int = DEFAULT_CHUNK,
    share_prefix: bool = False,
) -> LossOut:
    """Next-token loss at the labelled positions only.

    input_ids, attention_mask, labels: (B, T); labels are IGNORE_INDEX on the
    prompt and padding. Position t's hidden state predicts labels[:, t + 1].
    ``share_prefix``: run the prefix all rows share once (see
    :func:`shared_prefix_len`); combines with gradient checkpointing.
    """
    decoder, head, softcap = _parts(model)
    p = 0
    if share_prefix and _can_share_under_checkpointing(decoder):
        p = shared_prefix_len(input_ids, attention_mask, labels)
    if p:
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        hidden = _hidden_with_shared_prefix(decoder, base.config, input_ids, attention_mask, p)
    else:
        hidden = decoder(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
    shifted = labels[:, p + 1 :]  # (B, T-P-1)
    keep = shifted != IGNORE_INDEX
    h = hidden[:, :-1][keep]  # (N, H): only the states whose next token is a completion token
    t = shifted[keep]
    return LossOut(chunked_cross_entropy(h, head.weight, t, chunk_size, softcap), int(t.shape[0]))


def full_logits_loss(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor) -> LossOut:
    """The plain reference: full logits for every position, then masked cross-entropy."""
    logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
    shifted = labels[:, 1:]
    loss = torch.nn.functional.cross_entropy(
        logits[:, :-1].to(torch.promote_types(logits.dtype, torch.float32)).reshape(-1, logits.shape[-1]),
        shifted.reshape(-1),
        ignore_index=IGNORE_INDEX,
        reduction="sum",
    )
    return LossOut(loss, int((shifted != IGNORE_INDEX).sum()))
