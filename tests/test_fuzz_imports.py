"""Fuzzing the files a user imports: JSONL pairs, line-aligned text pairs, settings, the catalogue.

Every case must end in a correct result or a clear ``DraftwheelError`` —
never another exception, never a hang — and whatever the parser accepts must
then store cleanly in a real SQLite store. Hypothesis drives the inputs:
arbitrary text and bytes, and structured JSON close to the real formats
(so the deeper checks are reached, not just the JSON decoder).

CI: a few hundred cases; ``DRAFTWHEEL_SOAK=1``: tens of thousands.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faultlib import fuzz_settings, report_cases, user_facing

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module", autouse=True)
def _figures():
    yield
    report_cases("fuzz-imports", __file__)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from draftwheel.config import app_paths
    from draftwheel.store import open_store

    s = open_store(app_paths(tmp_path_factory.mktemp("fuzz-store")))
    yield s
    s.close()


# JSON values of every kind, strings included lone surrogates and control characters.
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=8,
)
TASKS = st.sampled_from(["grammar", "clearer", "formal", "custom", "", "nope", None, 3])
pair_objects = st.fixed_dictionaries(
    {"input": st.text() | json_values, "final": st.text() | json_values},
    optional={
        "output": st.text() | json_values,
        "task": TASKS,
        "instruction": st.text() | st.none(),
        "outcome": st.sampled_from(["accepted", "edited", "rejected", None, 1]),
    },
)
surrogate_escapes = st.sampled_from(['"\\ud800"', '"a\\udfff b"', '"\\u0000"', '"\\ud83d\\ude00"'])


def _store_rows(store, rows):
    from draftwheel.config import Settings
    from draftwheel.store import add_edits

    with store.session() as s, s.begin():
        return add_edits(s, rows, settings=Settings())


def _check_parsed(parsed, text: str) -> None:
    n_lines = sum(1 for ln in text.splitlines() if ln.strip())
    assert len(parsed.rows) + len(parsed.problems) == n_lines
    for row in parsed.rows:
        assert row["input_text"].strip() and row["final_text"].strip()
        assert row["outcome"] in ("accepted", "edited")
    parsed.report("fuzz.jsonl")  # the report itself must render


@fuzz_settings(200, 20000)
@given(st.text())
def test_jsonl_parser_on_any_text(text):
    from draftwheel.flywheel.importing import parse_jsonl

    parsed, err = user_facing(parse_jsonl, text)
    if err is None:
        _check_parsed(parsed, text)


@fuzz_settings(200, 20000)
@given(st.lists(pair_objects | json_values, min_size=1, max_size=6))
def test_jsonl_parser_on_near_valid_lines_then_store(store, objs):
    from draftwheel.flywheel.importing import parse_jsonl

    text = "\n".join(json.dumps(o) for o in objs)
    parsed, err = user_facing(parse_jsonl, text)
    if err is None:
        _check_parsed(parsed, text)
        if parsed.rows:
            # What the parser accepts, the store must take (one transaction each).
            stored, err = user_facing(_store_rows, store, parsed.rows)
            assert err is None, f"parser accepted rows the store refused: {err}"
            assert stored == len(parsed.rows)


@fuzz_settings(20, 200)
@given(surrogate_escapes, st.booleans())
def test_jsonl_surrogate_escapes_are_a_line_problem_or_stored(store, escaped, in_input):
    """Regression: lone surrogate escapes ("\\ud800") used to pass the parser and crash the store."""
    from draftwheel.flywheel.importing import parse_jsonl

    line = ('{"input": %s, "final": "ok"}' if in_input else '{"input": "ok", "final": %s}') % escaped
    parsed, err = user_facing(parse_jsonl, line)
    assert err is None and len(parsed.rows) + len(parsed.problems) == 1
    if parsed.rows:
        _, err = user_facing(_store_rows, store, parsed.rows)
        assert err is None
    elif "\\ud800" in escaped or "\\udfff" in escaped:
        assert "surrogate" in parsed.problems[0][1]


def test_jsonl_deeply_nested_line_is_a_line_problem():
    """Regression: '[' * 100000 used to raise RecursionError out of the parser."""
    from draftwheel.flywheel.importing import parse_jsonl

    parsed, err = user_facing(parse_jsonl, '{"input": "a", "final": "b"}\n' + "[" * 100_000)
    assert err is None and len(parsed.rows) == 1 and parsed.problems[0][0] == 2


@fuzz_settings(150, 15000)
@given(
    st.text(), st.text(), st.sampled_from(["grammar", "clearer", "custom", "nope"]), st.text(max_size=20) | st.none()
)
def test_parallel_text_parser(src, ref, task, instruction):
    from draftwheel.flywheel.importing import parse_parallel

    parsed, err = user_facing(parse_parallel, src, ref, task=task, instruction=instruction)
    if err is None:
        assert len(src.splitlines()) == len(ref.splitlines())
        for row in parsed.rows:
            assert row["input_text"] == row["input_text"].strip() != ""


# -- settings.json -----------------------------------------------------------------------------

settings_objects = st.dictionaries(
    st.sampled_from(
        [
            "model",
            "n_ctx",
            "temperature",
            "seed",
            "backend",
            "prompt_style",
            "logging_paused",
            "redact",
            "train_threshold",
            "fewshot_k",
            "remote_endpoint",
            "unknown_key",
        ]
    ),
    json_values,
    max_size=5,
)


@fuzz_settings(150, 15000)
@given(
    st.binary(max_size=300)
    | settings_objects.map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
)
def test_settings_file(tmp_path_factory, data):
    import math

    from draftwheel.config import Settings, app_paths, load_settings, save_settings

    paths = app_paths(tmp_path_factory.mktemp("settings"))
    paths.settings_file.write_bytes(data)
    settings, err = user_facing(load_settings, paths)
    if err is None:
        assert isinstance(settings, Settings)
        for key, value in settings.to_dict().items():
            if isinstance(value, float):
                assert math.isfinite(value), f"settings accepted a non-finite {key}: {value}"
        save_settings(settings, paths)  # what was accepted round-trips
        assert load_settings(paths) == settings


@pytest.mark.parametrize("raw", ['{"temperature": NaN}', '{"temperature": Infinity}', '{"temperature": -Infinity}'])
def test_settings_refuse_non_finite_numbers(tmp_path, raw):
    """Regression: NaN passed the 'must not be negative' check and reached the sampler."""
    from draftwheel.config import app_paths, load_settings

    paths = app_paths(tmp_path / "h")
    paths.settings_file.write_text(raw)
    settings, err = user_facing(load_settings, paths)
    # A damaged file is set aside and the default used (config.settings); the value never gets through.
    assert err is None and settings.temperature == 0.0
    assert [p.read_text() for p in paths.home.glob("settings.json.damaged-*")] == [raw]


# -- the model catalogue (models/catalogue.json, hand-editable) ----------------------------------


@fuzz_settings(100, 10000)
@given(
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.lists(json_values, max_size=3).map(lambda ms: json.dumps({"models": ms}).encode())
)
def test_catalogue_file(tmp_path_factory, data):
    from draftwheel.config import app_paths
    from draftwheel.models import Catalogue

    paths = app_paths(tmp_path_factory.mktemp("cat"))
    paths.catalogue_file.write_bytes(data)
    entries, err = user_facing(Catalogue(paths).list)
    if err is None:
        assert entries[0].name == "gemma3-270m" or any(e.name == "gemma3-270m" for e in entries)
