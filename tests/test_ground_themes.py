"""Themes of small collections: clearly different sections never share a theme.

Measured by hand (issue #19): a two-section essay (letters; gardens) came out
as one theme, "takes, letter, hand", because up to three passages the count
rule gave one theme. These documents are written for the test: a two-section
essay with headings, and a plain-text note on three topics without headings
(import merges each topic's two paragraphs into one passage of about 500
characters: three passages, where the count rule gave one theme).
"""

from __future__ import annotations

from pathlib import Path

from draftwheel.ground.documents import Passage, import_folder
from draftwheel.ground.themes import MAX_THEMES, SMALL_COLLECTION, default_theme_count, group_themes

ESSAY = """# On small things

## Letters

My grandmother answered every letter by hand on the evening it arrived. She kept a box of plain cards on the \
hall table and said a thank-you note written late takes twice the words and carries half the warmth.

I have tried to keep her habit. A letter takes ten minutes, and the person who opens it remembers the envelope, \
the stamp and the handwriting long after an email has sunk in the inbox.

## Gardens

The garden behind our house is six metres of clay, and for years nothing grew in it but moss. What changed it \
was compost: two barrows dug into the beds every autumn, until the soil crumbled in the hand.

Now I plant what the soil and the light allow instead of what the catalogues promise. Beans and kale thrive in \
the shade by the fence; the roses I bought for the sunny corner died in their second summer.
"""

# topic -> paragraphs; each paragraph names its topic's marker word so the test can tell them apart.
NOTE = {
    "cycling": [
        "Cycling to work changed my mornings more than any diet. The ride along the canal takes twenty-five "
        "minutes, the bicycle costs nothing to park, and I arrive awake instead of crushed from the train. In "
        "rain I wear a cape and accept wet shoes as the price of the ride.",
        "Keep a bicycle simple and it keeps going. I ride a steel frame with three gears, mudguards and a chain "
        "guard; the chain gets oil every Sunday, the tyres get air every week, and in six years of cycling the "
        "only repair the bicycle needed was a new brake cable.",
    ],
    "chess": [
        "Chess taught my daughter patience before any teacher did. She lost every game to her grandfather for a "
        "whole winter, then began to see his bishop coming two moves early, and the first draw she won from him "
        "she remembers better than any school prize she was given.",
        "Study endgames before openings. A chess player who knows how to win with a rook and king against a lone "
        "king saves half a point in every close game, while a memorised opening line is forgotten by the move "
        "the opponent leaves the book and the board is new.",
    ],
    "taxes": [
        "I file my tax return in January, the week the forms appear, because a refund sitting with the tax "
        "office earns me nothing. The receipts live in one shoebox all year, sorted once a month, so the return "
        "itself takes a single evening with the calculator and a pot of tea.",
        "Most tax mistakes are small and boring: a missed receipt for work shoes, a pension payment entered "
        "twice, a bank interest line forgotten. I check the return against last year's line by line, and every "
        "difference of more than a hundred euros gets a note saying why.",
    ],
}


def _topic(passage: Passage) -> str:
    if passage.heading:
        return passage.heading.lower()
    markers = {"cycling": "bicycle", "chess": "chess", "taxes": "tax "}
    found = [topic for topic, marker in markers.items() if marker in passage.text.lower()]
    assert len(found) == 1, passage.text  # one topic per passage, or the test proves nothing
    return found[0]


def _themes_of(folder: Path):
    result = import_folder(folder)
    themes = group_themes(result.passages)
    assert sum(len(t.passages) for t in themes) == len(result.passages)  # every passage once
    assert [t.index for t in themes] == list(range(len(themes)))
    return result, themes


def test_two_section_essay_gets_one_theme_per_section(tmp_path):
    (tmp_path / "essay.md").write_text(ESSAY, encoding="utf-8")
    result, themes = _themes_of(tmp_path)
    assert sorted(p.heading for p in result.passages) == ["Gardens", "Letters"]  # one passage each
    assert len(themes) == 2
    assert sorted(_topic(t.passages[0]) for t in themes) == ["gardens", "letters"]
    labels = {_topic(t.passages[0]): t.label for t in themes}
    assert "letter" in labels["letters"] and "letter" not in labels["gardens"], labels


def test_three_topic_note_without_headings_keeps_topics_apart(tmp_path):
    (tmp_path / "note.txt").write_text(
        "\n\n".join(p for paragraphs in NOTE.values() for p in paragraphs) + "\n", encoding="utf-8"
    )
    result, themes = _themes_of(tmp_path)
    assert len(result.passages) == 3 and all(not p.heading for p in result.passages)
    assert len(themes) == 3
    assert {_topic(t.passages[0]) for t in themes} == set(NOTE)
    # A larger note (each paragraph its own passage): still no theme mixes two topics.
    result = import_folder(tmp_path, target_chars=300)
    assert len(result.passages) == 6
    themes = group_themes(result.passages)
    for theme in themes:
        assert len({_topic(p) for p in theme.passages}) == 1, (theme.label, [p.text[:30] for p in theme.passages])
    assert {_topic(t.passages[0]) for t in themes} == set(NOTE) and 3 <= len(themes) <= 6


def test_small_collection_of_one_section_is_one_theme(tmp_path):
    (tmp_path / "a.md").write_text("## Letters\n\n" + ESSAY.split("## Letters\n\n")[1].split("## Gardens")[0])
    _result, themes = _themes_of(tmp_path)
    assert len(themes) == 1 and "letter" in themes[0].label


def test_many_unrelated_sections_are_capped_at_max_themes():
    words = ["apple", "bridge", "candle", "dolphin", "engine", "forest", "guitar", "harbour", "island", "jacket"]
    passages = []
    for i, w in enumerate([*words, "kettle", "lantern"]):
        text = f"The {w} is described here at length, {w} after {w}, with nothing else in common with the others."
        passages.append(Passage("doc.md", i * 200, i * 200 + len(text), text, heading=w.title()))
    assert len(passages) == SMALL_COLLECTION
    themes = group_themes(passages)
    assert len(themes) == MAX_THEMES and sum(len(t.passages) for t in themes) == SMALL_COLLECTION


def test_larger_collections_and_an_explicit_count_keep_the_count_rule():
    topics = [("bread", "dough flour oven"), ("garden", "soil tomato water"), ("chess", "rook bishop king")]
    passages = []
    for i in range(SMALL_COLLECTION + 2):
        name, words = topics[i % 3]
        text = f"Passage {i} about {name}: {words} and more {name} {words.split()[i % 3]} in another sentence."
        passages.append(Passage(f"{name}.txt", i * 100, i * 100 + len(text), text))
    assert len(group_themes(passages)) == default_theme_count(len(passages)) == 3
    assert len(group_themes(passages[:6], n_themes=2)) == 2  # an explicit count is obeyed, small or not
