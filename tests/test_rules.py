"""engine.rules: Harper behind plain data, on the sentences the bundled model gets wrong."""

import itertools

from draftwheel.engine import rules

SAMPLE = (
    "Me and him goes to the store yesterday and buyed three apple. "
    "Their was alot of peoples there, so we waits for a hour."
)


def test_check_finds_what_the_model_misses():
    issues = rules.RuleChecker().check(SAMPLE)
    found = {SAMPLE[i.start : i.end]: i for i in issues}
    assert found["alot"].replacements[0] == "a lot"
    assert found["buyed"].replacements[0] == "bought"
    assert found["Their"].replacements[0] == "There"
    assert found["a"].replacements[0] == "an"
    ends = [(i.start, i.end) for i in issues]
    assert ends == sorted(ends) and all(a[1] <= b[0] for a, b in itertools.pairwise(ends))


def test_apply_fixes_every_issue_once():
    checker = rules.RuleChecker()
    fixed = rules.apply(SAMPLE, checker.check(SAMPLE))
    assert "bought" in fixed and "a lot" in fixed and "an hour" in fixed and fixed.startswith("Me and him")


def test_disabled_rules_and_personal_words():
    text = "I sent it to Qwerlyx yesterday."
    assert any(i.problem == "Qwerlyx" for i in rules.RuleChecker().check(text))
    checker = rules.RuleChecker()
    checker.add_words(["Qwerlyx"])
    assert not any(i.problem == "Qwerlyx" for i in checker.check(text))
    no_an = rules.RuleChecker(disabled=frozenset({"AnA"}))
    assert not any(i.rule == "AnA" for i in no_an.check(SAMPLE))


def test_text_without_words_is_not_an_error():
    checker = rules.RuleChecker()
    assert checker.check("") == []
    assert checker.check("   \n") == []
    checker.check("12345 67.89 😀😀 {}[]();")  # must not raise


def test_a_long_sentence_hint_does_not_hide_the_misspellings_inside_it():
    text = (
        "It is true that consumers preffer to buy a product that has a lower price, but when international "
        "companies that has already the certification begins to send its market, people will preffer to consume "
        "theirs because the difference between prices is probbably not going to affect them to much."
    )
    fixed = rules.apply(text, rules.RuleChecker().check(text))
    assert "preffer" not in fixed and "probbably" not in fixed


def test_every_harper_call_runs_on_one_thread_while_others_collect_garbage(monkeypatch):
    """CI segfaulted when a worker thread linted while the main thread's garbage collector ran:
    harper-py objects were made on many threads. Now only the Harper thread touches them."""
    import gc
    import threading
    from concurrent.futures import ThreadPoolExecutor

    seen: set[str] = set()
    build = rules._linter

    def watched(*args):
        seen.add(threading.current_thread().name)
        return build(*args)

    monkeypatch.setattr(rules, "_linter", watched)
    checkers = [rules.RuleChecker(), rules.RuleChecker(disabled=frozenset({"SpellCheck"}))]
    expected = [len(c.check(SAMPLE)) for c in checkers]

    def work(n: int) -> int:
        checker = checkers[n % 2]
        got = len(checker.check(SAMPLE))
        checker.is_likely_english(SAMPLE)
        return got

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(work, n) for n in range(40)]
        while not all(f.done() for f in futures):
            gc.collect()
        results = [f.result() for f in futures]
    assert results == [expected[n % 2] for n in range(40)]
    assert seen == {"harper"}
    assert rules.all_rules()["SpellCheck"] is True


def test_a_comma_after_a_sentence_opener():
    checker = rules.RuleChecker()
    text = 'In fact the plan works. However much we try, it rains. "Done." Also the dog ran. Instead of that we wait.'
    fixed = rules.apply(text, checker.check(text))
    assert fixed.startswith("In fact, the plan works.")
    assert "However much we try" in fixed  # "However" as an adverb of degree takes no comma
    assert '"Done." Also, the dog ran.' in fixed
    assert "Instead of that" in fixed
    assert rules.apply("In fact, done.", checker.check("In fact, done.")) == "In fact, done."
    off = rules.RuleChecker(disabled=frozenset({rules.INTRO_COMMA}))
    assert not [i for i in off.check(text) if i.rule == rules.INTRO_COMMA]
