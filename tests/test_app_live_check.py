"""The live checking layer's decisions without widgets: offsets, the queue, stale answers, the
language guess, the records it stores and the dictionary file. Real Harper."""

from __future__ import annotations

import itertools
import json

import pytest

from draftwheel.app import live_check as lc
from draftwheel.engine.rules import RuleChecker


@pytest.fixture(scope="module")
def checker() -> RuleChecker:
    return RuleChecker()


def test_offsets_between_code_points_and_qt_units():
    text = "😀 a alot"  # the emoji is one code point, two UTF-16 units
    assert lc.utf16_len(text) == len(text) + 1
    assert lc.to_utf16(text, 4) == 5
    assert lc.from_utf16(text, 5) == 4
    assert lc.from_utf16(text, 1) == 0  # inside the surrogate pair: the emoji
    assert lc.from_utf16("plain", 3) == 3 and lc.to_utf16("plain", 3) == 3


def test_checks_skip_no_words_and_other_languages_but_not_english_with_mistakes(checker):
    assert lc.check_paragraph(checker, "😀 🎉 1234 %").words == 0
    german = lc.check_paragraph(checker, "Der Hund ist sehr müde und schläft auf dem Sofa.")
    assert german.foreign and german.issues == ()
    english = lc.check_paragraph(checker, "Their was alot of peoples there.")
    assert not english.foreign and {i.problem for i in english.issues} >= {"Their", "alot"}
    assert not lc.check_paragraph(checker, "Thanks!").foreign


def test_ignores_leave_out_what_the_user_said(checker):
    text = "I have alot to do. We saw alot of birds."
    issues = lc.check_paragraph(checker, text).issues
    first = next(i for i in issues if i.problem == "alot")
    once = lc.Ignores.single(text, first, everywhere=False)
    kept = lc.check_paragraph(checker, text, once).issues
    assert [i.start for i in kept if i.problem == "alot"] == [text.rindex("alot")]  # only that sentence's
    everywhere = lc.Ignores.single(text, first, everywhere=True)
    assert not [i for i in lc.check_paragraph(checker, "Alot of it.", everywhere).issues if i.rule == first.rule]


def test_queue_batches_puts_the_typed_paragraph_first_and_drops_stale_answers():
    live = lc.LiveCheck()
    texts = [f"Paragraph {i} " + "x" * 1000 for i in range(10)]
    for t in texts:
        live.want(t)
    live.want("typing here")
    in_doc = set(texts) | {"typing here"}
    batch = live.next_batch(in_doc.__contains__, first="typing here")
    assert batch[0] == "typing here" and sum(map(len, batch)) <= lc.BATCH_CHARS + 1100
    second = live.next_batch(in_doc.__contains__)
    assert second and not set(second) & set(batch)  # queued paragraphs are handed out once
    live.in_flight -= set(second)
    for t in second:
        live.want(t)  # (as the binding's answer would have been lost) back in the queue
    in_doc.discard(texts[0])  # that paragraph changed while it was checked
    answers = [lc.ParagraphCheck(t) for t in batch]
    fresh = live.receive(answers, live.generation, in_doc.__contains__)
    assert texts[0] not in fresh and texts[0] not in live.cache and live.dropped == 1
    assert "typing here" in live.cache
    # An answer made before an ignore is void; its paragraphs are asked again.
    live.want(texts[5])
    batch = live.next_batch(in_doc.__contains__)
    live.forget(lambda _t, _i: True)
    assert live.receive([lc.ParagraphCheck(t) for t in batch], live.generation - 1, in_doc.__contains__) == []
    assert set(batch) <= set(live.pending)


def test_carry_over_keeps_the_underlines_outside_the_edit(checker):
    old = lc.check_paragraph(checker, "Their was alot of rain, so we waits.")
    new_text = "Their was alot of heavy rain, so we waits."
    moved = lc.carry_over(old, new_text)
    assert [new_text[i.start : i.end] for i in moved.issues] == [old.text[i.start : i.end] for i in old.issues]


def test_fix_and_ignore_records_hold_the_sentence(checker):
    text = "It rained. Me and him goes to a hour long class. Then we left."
    issue = next(i for i in lc.check_paragraph(checker, text).issues if i.problem == "a")
    fx = lc.fix(text, issue)
    after = text[: fx.start] + fx.replacement + text[fx.end :]
    assert after[fx.sentence_start : fx.sentence_end] == "Me and him goes to an hour long class."
    assert fx.record["input_text"] == "Me and him goes to a hour long class."
    assert fx.record["output_text"] == fx.record["final_text"] == "Me and him goes to an hour long class."
    assert (fx.record["task"], fx.record["stage"], fx.record["outcome"]) == ("grammar", "rules", "accepted")
    rec = lc.ignore_record(text, issue)
    assert rec["outcome"] == "rejected" and rec["final_text"] == rec["input_text"] == fx.record["input_text"]


def test_rules_records_are_valid_store_rows(paths, checker):
    from draftwheel.store import list_edits, log_edit, open_store

    text = "She bought a apple."
    issue = lc.check_paragraph(checker, text).issues[0]
    with open_store(paths) as store, store.session() as s, s.begin():
        log_edit(s, **lc.fix(text, issue).record)
        log_edit(s, **lc.ignore_record(text, issue))
        assert [(e.stage, e.outcome) for e in list_edits(s)] == [("rules", "rejected"), ("rules", "accepted")]


def test_memory_file_round_trip_and_a_damaged_file(tmp_path, checker):
    path = tmp_path / "rules.json"
    memory = lc.RulesMemory(path)
    assert memory.words == [] and memory.problem is None
    text = "Zorblax has alot."
    issues = lc.check_paragraph(checker, text).issues
    memory.add_word("Zorblax")
    memory.ignore(text, next(i for i in issues if i.problem == "alot"), everywhere=True)
    lc.write_memory(path, memory.payload())
    again = lc.RulesMemory(path)
    assert again.words == ["Zorblax"] and again.snapshot() == memory.snapshot()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    path.write_text("{ not json")
    broken = lc.RulesMemory(path)
    assert broken.words == [] and broken.problem and "rules.json" in broken.problem
    json.loads(broken.payload())


def test_rules_edits_count_for_training_few_shot_and_listings(paths, checker, capsys):
    """Stage 'rules' goes through everything that reads stages: the counter, retrieval, the CLI listing."""
    from draftwheel.cli.main import main
    from draftwheel.flywheel import edits_until_training
    from draftwheel.flywheel.retrieve import similar_edits
    from draftwheel.store import log_edit, open_store

    text = "Their was alot of peoples there."
    issue = next(i for i in lc.check_paragraph(checker, text).issues if i.problem == "alot")
    with open_store(paths) as store:
        with store.session() as s, s.begin():
            log_edit(s, **lc.fix(text, issue).record)
        with store.session() as s:
            assert edits_until_training(s, "grammar", 10) == 9
            found = similar_edits(s, "grammar", "There was alot of people at the party.", limit=5)
            assert [e.output for e in found] == ["Their was a lot of peoples there."]
    assert main(["examples", "list"]) == 0
    assert "rules" in capsys.readouterr().out


def test_the_tooltip_reads_like_prose(checker):
    issue = next(i for i in lc.check_paragraph(checker, "We saw alot.").issues if i.problem == "alot")
    assert "`" not in lc.describe(issue) and "“a lot”" in lc.describe(issue)


def test_long_paragraphs_are_checked_in_pieces_an_edit_changes_one():
    sentences = [f"Sentence number {i} says something about the weather{'!' if i % 7 else '.'}" for i in range(2000)]
    text = " ".join(sentences)
    spans = lc.pieces(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert max(b - a for a, b in spans) <= lc.PIECE_CHARS
    edited = text[:40_000] + " More words here." + text[40_000:]
    before = {text[a:b] for a, b in spans}
    assert sum(1 for a, b in lc.pieces(edited) if edited[a:b] not in before) <= 2
    assert lc.pieces("Short.") == [(0, 6)]
    assert lc.utf16_offsets("a😀b")(3) == 4 and lc.utf16_offsets("abc")(2) == 2


def test_a_long_paragraph_gives_the_same_problems_at_the_right_places(checker):
    text = " ".join(["Their was alot of rain, so we waits for a hour."] * 120)
    cache = lc.PieceCache()
    found = lc.check_paragraph(checker, text, cache=cache)
    assert len(found.issues) >= 4 * 120
    assert all(text[i.start : i.end] == i.problem for i in found.issues)
    issue = found.issues[-1]
    start, end, sentence = lc.sentence_of(text, issue)
    assert sentence == "Their was alot of rain, so we waits for a hour." and text[start:end] == sentence


def test_keys_hashes_and_long_tokens_are_not_checked(checker):
    import base64

    blob = base64.b64encode(bytes(range(256)) * 20).decode()  # 6,828 characters, no space
    text = f"Here is the key: {blob} and their was alot of it. Commit 3f786850e387550fdab8 is fine."
    found = lc.check_paragraph(checker, text, cache=lc.PieceCache())
    assert [i.problem for i in found.issues if i.problem == "alot"] == ["alot"]
    blob_at = text.index(blob)
    assert not [i for i in found.issues if blob_at <= i.start < blob_at + len(blob)]
    assert not [i for i in found.issues if "3f7868" in i.problem]
