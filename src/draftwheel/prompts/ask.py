"""The prompt of "Ask my writing": retrieved passages, then the question, in the trained pattern.

The instruction and the ``Text:``/``Revision:`` pattern are those of the
``answer`` pairs grounded generation stores (``ground.generate``, kind
``question``) and LoRA training renders (:func:`prompts.render.training_pair`),
so a personal ``answer`` adapter sees the pattern it learned; the passages are
put in front of it as the author's writing. One demonstration (a passage on
an unrelated topic) shows a base model the shape of a short answer drawn from
the passage; a base model copies a pattern far better than it follows an order.
"""

from __future__ import annotations

from collections.abc import Sequence

from draftwheel.prompts.render import COMPLETION_STOPS, END_MARKER

# The instruction stored with grounded `answer` pairs of kind `question` (ground.generate.SPECS).
ANSWER_INSTRUCTION = "Answer the question in the author's voice, using only what the author has written."
ANSWER_TASK = "answer"

_DEMO_PASSAGE = (
    "Cities that want more people on bicycles should stop painting lines and start building kerbs. "
    "A painted lane protects nobody from a turning lorry, so parents keep driving their children to school, "
    "and the empty lanes are then used as proof that nobody cycles."
)
_DEMO_QUESTION = "Why do painted bike lanes not get more people cycling?"
# The demo answers with the passage's own words: the 270M model then answers in the author's wording
# instead of its own (tried on tests/data/ask: a "Passage/Question/Answer" layout gave short generic
# answers, and an answer in the model's words repeated itself).
_DEMO_ANSWER = "A painted lane protects nobody from a turning lorry, so parents keep driving their children to school."

ASK_STOPS = COMPLETION_STOPS
# Greedy decoding of the small model loops on a phrase ("I have a dripping tap. I have ..."); a mild
# repetition penalty stops that without changing what it copies from the passages.
ASK_REPEAT_PENALTY = 1.2


def _writing(passages: Sequence[str]) -> str:
    return "\n\n".join(" ".join(p.split()) for p in passages)


def render_ask_completion(question: str, passages: Sequence[str]) -> str:
    """Completion prompt for a base model (and the answer adapter); the model continues after ``Revision:``."""
    return (
        f"Instruction: {ANSWER_INSTRUCTION}\n\n"
        f"The author wrote:\n{_DEMO_PASSAGE}\n\n"
        f"Text: {_DEMO_QUESTION}\nRevision: {_DEMO_ANSWER}\n{END_MARKER}\n\n"
        f"The author wrote:\n{_writing(passages)}\n\n"
        f"Text: {' '.join(question.split())}\nRevision:"
    )


def ask_messages(question: str, passages: Sequence[str]) -> list[dict[str, str]]:
    """Chat messages for an instruction model: the passages and the question in one user turn."""
    return [
        {
            "role": "user",
            "content": f"{ANSWER_INSTRUCTION} Reply with the answer only, in two or three sentences.\n\n"
            f"The author wrote:\n{_writing(passages)}\n\nQuestion: {' '.join(question.split())}",
        }
    ]
