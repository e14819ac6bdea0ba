"""Fix grammar joins Harper's fixes and the model's answer (engine.combine), on the real bundled model."""

from draftwheel.engine import combine
from draftwheel.engine.prompts import resolve_task
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.engine.rules import RuleChecker

SAMPLE = (
    "Me and him goes to the store yesterday and buyed three apple. "
    "Their was alot of peoples there, so we waits for a hour."
)


def test_rule_fixes_join_the_model_answer_where_it_left_the_words_alone():
    source = "Their was alot of peoples there."
    joined = combine.combine(source, "Their was alot of people there.", RuleChecker().check(source))
    assert joined.text == "There was a lot of people there."
    assert joined.rule_fixes == 2 and joined.model_edits == 1


def test_the_model_wins_where_both_touch_a_span():
    source = "He buyed it."
    joined = combine.combine(source, "He has bought it.", RuleChecker().check(source))
    assert joined.text == "He has bought it." and joined.rule_fixes == 0


def test_fix_grammar_on_the_issue_sample_fixes_what_the_model_alone_leaves(engine):
    task = resolve_task("grammar")
    both = revise_text(engine, SAMPLE, task, ReviseOptions())
    for fixed in ("a lot", "an hour", "There was", "bought"):
        assert fixed in both.text, both.text
    assert sum(u.rule_fixes for u in both.units) >= 3
    alone = revise_text(engine, SAMPLE, task, ReviseOptions(rules="off"))
    assert "alot" in alone.text and all(u.rule_fixes == 0 for u in alone.units)


def test_rules_only_needs_no_model_call_and_other_tasks_are_left_to_the_model(engine):
    only = revise_text(engine, SAMPLE, resolve_task("grammar"), ReviseOptions(rules="only"))
    assert only.n_generated == 0 and "a lot" in only.text and "goes" in only.text
    shorter = revise_text(engine, "Their was alot of peoples there.", resolve_task("shorter"), ReviseOptions())
    assert all(u.rule_fixes == 0 for u in shorter.units)


def test_names_and_personal_words_are_not_fixed(engine):
    text = "I sent the report to Minh Krall about the qwerlyx plan."
    plain = revise_text(engine, text, resolve_task("grammar"), ReviseOptions(rules="only"))
    assert "Minh Krall" in plain.text  # Harper alone would write "Min Kraal"
    assert "qwerlyx" not in plain.text
    mine = revise_text(engine, text, resolve_task("grammar"), ReviseOptions(rules="only", rule_words=("qwerlyx",)))
    assert mine.text == text


def test_text_in_another_language_or_without_words_gets_no_rule_fixes(engine):
    german = "Wir treffen uns am Donnerstag um zehn Uhr im kleinen Saal, bitte bring die Unterlagen mit."
    out = revise_text(engine, german, resolve_task("grammar"), ReviseOptions(rules="only"))
    assert out.text == german
    for text in ("12345 67.89 {}[]();", "😀😀😀 🎉"):
        assert revise_text(engine, text, resolve_task("grammar"), ReviseOptions(rules="only")).text == text


def test_the_app_path_reads_the_personal_dictionary_beside_the_store(engine, paths):
    import json

    from draftwheel.config import load_settings
    from draftwheel.flywheel.revise import revise_with_flywheel
    from draftwheel.store import open_store

    text = "I sent the report about the qwerlyx plan."
    store = open_store(paths)
    settings = load_settings(paths)
    before, _stage = revise_with_flywheel(engine, store, settings, text, "grammar")
    assert "qwerlyx" not in before.text
    paths.rules_file.write_text(json.dumps({"words": ["qwerlyx"]}), encoding="utf-8")
    after, _stage = revise_with_flywheel(engine, store, settings, text, "grammar")
    assert "qwerlyx" in after.text


def test_a_misspelling_becomes_the_commonest_word_near_it():
    source = "I want to talk about bad products like alcohol, hair spray and cigarrets."
    issues = RuleChecker().check(source)
    fixed = combine.combine(source, source, issues).text
    assert issues[0].replacements[0] == "garrets"  # Harper's first suggestion
    assert fixed.endswith(("hair spray and cigarettes.", "hair spray and cigarets."))  # both are words
