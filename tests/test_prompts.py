import pytest

from draftwheel.engine import prompts
from draftwheel.errors import NotFoundError

# A Gemma-style chat template, as instruction-tuned GGUFs carry in tokenizer.chat_template.
TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
    "<start_of_turn>{{ role }}\n{{ m['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def test_presets_and_custom():
    names = set(prompts.tasks())
    assert {"grammar", "clearer", "shorter", "formal", "friendly"} <= names
    assert prompts.resolve_task(instruction="Use British spelling").name == "custom"
    with pytest.raises(NotFoundError, match="Unknown task"):
        prompts.resolve_task("haiku")


def test_completion_prompt_has_end_marker_and_examples_in_order():
    task = prompts.resolve_task("grammar")
    exs = [prompts.Example("a b", "A b."), prompts.Example("c d", "C d.")]
    p = prompts.render_completion(task, "e f", exs)
    assert p.endswith("Text: e f\nRevision:")
    demo_out = task.demo[1]
    assert p.index(demo_out) < p.index("A b.") < p.index("C d.") < p.index("e f")  # the demonstration stays first
    assert p.count("\n###\n") == len(task.demos) + 2
    prompt, completion = prompts.training_pair(task, "e f", "E f.")
    assert completion == " E f.\n###" and prompt == prompts.render_completion(task, "e f", [])


def test_chat_rendering_uses_the_models_template():
    task = prompts.resolve_task("formal")
    msgs = prompts.chat_messages(task, "hey send it", [prompts.Example("yo", "Hello.")])
    out = prompts.render_chat(TEMPLATE, msgs, bos="<bos>", eos="<eos>")
    assert out.startswith("<bos><start_of_turn>user\n")
    assert "<start_of_turn>model\nHello.<end_of_turn>" in out
    assert out.endswith("<start_of_turn>model\n")
    assert "hey send it" in out


def test_clean_output():
    assert prompts.clean_output("  Fixed text.\n###") == "Fixed text."
