"""Prompt presets are data files (resources/prompts/*.json), and every one renders for both kinds of model."""

import json

import pytest

from draftwheel import prompts
from draftwheel.engine.base import GenerationRequest
from draftwheel.engine.revise import build_prompt
from draftwheel.prompts.presets import read_preset

# A Gemma-style chat template, as instruction-tuned GGUFs carry in tokenizer.chat_template.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
    "<start_of_turn>{{ role }}\n{{ m['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
PRESET_FILES = sorted(prompts.presets_dir().glob("*.json"))
TEXT = "me and him goes to the shop tomorow"
EXAMPLE = prompts.Example("she dont like it", "She doesn't like it.")


def test_the_presets_are_the_files_of_the_resources_folder():
    assert prompts.presets_dir().is_dir() and PRESET_FILES, "the bundled presets are missing"
    loaded = prompts.tasks()
    from_files = [read_preset(f)[1] for f in PRESET_FILES]
    assert sorted(loaded) == sorted(t.name for t in from_files)
    assert {"grammar", "clearer", "shorter", "formal", "friendly"} <= set(loaded)
    assert list(loaded)[:5] == ["grammar", "clearer", "shorter", "formal", "friendly"]  # menu order
    shortcuts = [t.shortcut for t in loaded.values() if t.shortcut]
    assert len(shortcuts) == len(set(shortcuts))
    for task in from_files:
        assert loaded[task.name] == task


@pytest.mark.parametrize("file", PRESET_FILES, ids=lambda f: f.stem)
def test_every_preset_renders_for_a_base_model(file, fresh_engine):
    _order, task = read_preset(file)
    # A personal preset ships none: the user's own pairs are its examples (any other would be a stranger's voice).
    assert len(task.demos) >= 2 or task.personal, f"{file.name}: a base model needs several demonstrations"
    prompt, stops = build_prompt(fresh_engine, "completion", task, TEXT, [EXAMPLE])
    assert prompt.startswith(f"Instruction: {task.instruction}\n")
    at = [prompt.index(f"Text: {d_in}\nRevision: {d_out}\n###\n") for d_in, d_out in task.demos]
    assert at == sorted(at) and max(at, default=-1) < prompt.index(EXAMPLE.output) < prompt.index(TEXT)
    assert prompt.endswith(f"Text: {TEXT}\nRevision:") and prompts.END_MARKER in "".join(stops)
    gen = fresh_engine.generate(GenerationRequest(prompt, max_tokens=4, stop=stops))
    assert gen.n_prompt_tokens == len(fresh_engine.tokenize(prompt, add_bos=True)) and gen.n_generated >= 1


@pytest.mark.parametrize("file", PRESET_FILES, ids=lambda f: f.stem)
def test_every_preset_renders_for_an_instruction_model(file, fresh_engine):
    _order, task = read_preset(file)
    messages = prompts.chat_messages(task, TEXT, [EXAMPLE])
    out = prompts.render_chat(CHAT_TEMPLATE, messages, **fresh_engine.special_tokens())
    bos = fresh_engine.special_tokens()["bos"]
    assert bos and out.startswith(f"{bos}<start_of_turn>user\n{task.instruction}")
    for _d_in, d_out in task.demos:
        assert f"<start_of_turn>model\n{d_out}<end_of_turn>" in out
    assert f"<start_of_turn>model\n{EXAMPLE.output}<end_of_turn>" in out
    assert out.endswith(f"{TEXT}<end_of_turn>\n<start_of_turn>model\n") and "{{" not in out


def test_a_preset_file_without_an_instruction_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "label": "X", "instruction": " "}), encoding="utf-8")
    with pytest.raises(ValueError, match="instruction"):
        read_preset(bad)
