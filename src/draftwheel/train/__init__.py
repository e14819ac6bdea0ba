"""Dataset building, LoRA trainers (torch + PEFT; mlx-lm), GGUF adapter export, evaluation.

Kept import-free on purpose: torch and transformers load only when training
actually starts. The torch path: :mod:`.weights` (trainable copy of a GGUF),
:mod:`.dataset`, :mod:`.loss`, :mod:`.args`, :mod:`.trainer`, :mod:`.progress`,
:mod:`.background` (one low-priority training process at a time).
"""
