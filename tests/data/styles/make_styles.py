#!/usr/bin/env python
"""Write the two personal-style datasets in this folder (see README.md).

Every input is built from this file's own sentence templates and word lists
(original text written for Draftwheel); each style's "final" is what that
user would make of the input, computed by the style's rules below. Run it
again to get byte-identical files (fixed seed):

    python tests/data/styles/make_styles.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 18  # issue 18

# -- word lists ----------------------------------------------------------------

NAMES = [
    "Priya",
    "Tomas",
    "Ines",
    "Callum",
    "Wen",
    "Rosa",
    "Dmitri",
    "Aoife",
    "Kwame",
    "Lena",
    "Marco",
    "Hana",
    "Bram",
    "Fatima",
    "Oskar",
    "Nell",
    "Idris",
    "Greta",
    "Ravi",
    "Maeve",
]
SURNAMES = [
    "Okafor",
    "Lindqvist",
    "Harlow",
    "Pereira",
    "Tanaka",
    "Whitcombe",
    "Novak",
    "Ashdown",
    "Mensah",
    "Fairley",
    "Quint",
    "Delacroix",
]
TITLES = ["Mr.", "Mrs.", "Dr.", "Ms."]
PLACES = [
    "the library",
    "the station",
    "the office",
    "the market",
    "the harbour café",
    "the town hall",
    "the community garden",
    "the old mill",
    "the bakery on Elm Street",
    "the bus depot",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TIMES = ["nine", "ten o'clock", "noon", "half past two", "four", "six in the evening"]
FOODS = ["scones", "cheese", "apples", "bread", "soup", "lemons", "pickles", "jam", "tea", "crackers"]
THINGS = [
    "the agenda",
    "the invoice",
    "the rota",
    "the seating plan",
    "the budget sheet",
    "the slide deck",
    "the contract",
    "the floor plan",
    "the reading list",
    "the parking form",
]
EVENTS = [
    "the quiz night",
    "the fundraiser",
    "the board meeting",
    "the open day",
    "the book club",
    "the workshop",
    "the staff lunch",
    "the volunteer briefing",
    "the rehearsal",
    "the site visit",
]
ADJ = ["good", "useful", "busy", "quiet", "late", "long", "tidy", "cold", "helpful", "odd"]

# Spellings: (American, British). Inputs use either; style A writes British, style B American.
SPELL = [
    ("color", "colour"),
    ("colors", "colours"),
    ("favorite", "favourite"),
    ("organize", "organise"),
    ("organized", "organised"),
    ("realize", "realise"),
    ("realized", "realised"),
    ("center", "centre"),
    ("theater", "theatre"),
    ("analyze", "analyse"),
    ("traveling", "travelling"),
    ("canceled", "cancelled"),
    ("gray", "grey"),
    ("behavior", "behaviour"),
    ("neighbors", "neighbours"),
    ("catalog", "catalogue"),
    ("apologize", "apologise"),
    ("recognize", "recognise"),
    ("honor", "honour"),
    ("labeled", "labelled"),
    ("flavor", "flavour"),
    ("program", "programme"),
    ("defense", "defence"),
    ("jewelry", "jewellery"),
]
# Vocabulary: American word -> style A's word (style B keeps the American one).
VOCAB = [
    ("apartment", "flat"),
    ("vacation", "holiday"),
    ("movie", "film"),
    ("cookies", "biscuits"),
    ("trash", "rubbish"),
    ("elevator", "lift"),
    ("sidewalk", "pavement"),
    ("kids", "children"),
    ("awesome", "excellent"),
    ("gas station", "petrol station"),
    ("parking lot", "car park"),
    ("this fall", "this autumn"),
    ("movie night", "film night"),
]
# Wordy phrase -> style B's plain one (style A keeps the wordy one).
WORDY = [
    ("in order to", "to"),
    ("at this point in time", "now"),
    ("due to the fact that", "because"),
    ("a large number of", "many"),
    ("in the event that", "if"),
    ("I was wondering if you could", "could you"),
    ("with regard to", "about"),
    ("prior to", "before"),
]

# -- templates -----------------------------------------------------------------
# Slots: {name} {name2} {title} {surname} {place} {day} {time} {food} {food2} {food3} {thing} {event}
# {adj}; a spelling pair: {mod} (before a noun), {noun}, {part} (participle), {verb}, or {w_WORD} (the
# pair whose American form is WORD); {vocab}; contractions: {be} (I'm, we're...), {have} (I've...),
# {isnt} (isn't, wasn't), {neg} (won't, didn't, can't), {we_will}; fillers {filla} (before an
# adjective) and {fillv} (before a verb); a wordy phrase {wp_KEY} (see WORDY); {oc} the Oxford comma;
# {bang} "!" or "."; {then} ", and then".

MOD = ["color", "favorite", "gray", "labeled", "organized", "canceled", "theater", "catalog", "program"]
NOUN = ["color", "behavior", "flavor", "catalog", "colors"]
PART = ["canceled", "organized"]
VERB = ["organize", "analyze", "recognize"]
WORDY_KEYS = {
    "inorder": 0,
    "atthispoint": 1,
    "duefact": 2,
    "largenumber": 3,
    "intheevent": 4,
    "wondering": 5,
    "withregard": 6,
    "prior": 7,
}

TEMPLATES = [
    "{be} sure {event} on {day} will be {filla} {adj}{bang}",
    "{name} said the {mod} scheme for {thing} {isnt} ready yet.",
    "We bought {food}, {food2}{oc} and {food3} for {event}{bang}",
    "{title} {surname} will meet us at {place} at {time}{then} we will walk to the {vplace}.",
    "{wp_inorder} finish {thing}, {name} needs the {mod} version by {day}.",
    "{be} {filla} sorry that {event} was {part} at short notice.",
    "Could you send {thing} to {title} {surname} {wp_prior} {day}?",
    "My {vplace} is {filla} close to {place}{bang}",
    "{name}, {name2}{oc} and I will tidy {place} on {day}{then} we can have {food}.",
    "{wp_inorder} check {thing} before {event}, {be} going to ask {name}.",
    "The {vplace} near {place} {isnt} open on {day}.",
    "{name} {fillv} loved the {mod} cake at {event}{bang}",
    "{be} not sure the {mod} plan works for {event}.",
    "Please bring {food}, {food2}{oc} and {food3} to {place} on {day}.",
    "{title} {surname} asked whether {thing} {isnt} finished, and I said not yet.",
    "We left {place} at {time}{then} we caught the bus to the {vplace}.",
    "{wp_duefact} it may rain, {event} will move to {place}.",
    "The {v_kids} from next door {fillv} want to {verb} {event}{bang}",
    "{have} sent {thing} to {name}, {name2}{oc} and {title} {surname}.",
    "{name} thinks the {vthing} is {filla} {adj} for {event}.",
    "I {fillv} need {thing} {wp_prior} {event} on {day}.",
    "The {noun} of {thing} was {adj}{then} {name} fixed it on {day}.",
    "{be} {filla} glad you could come to {event}{bang}",
    "Our {vtrip} is on {day}, so {we_will} pack {food} and {food2} tonight.",
    "{name} will {verb} {thing} for {event}{then} {name2} will print it.",
    "{title} {surname} {neg} reply about {thing} until {day}.",
    "{wp_atthispoint} we have no {mod} plan for {event}.",
    "{wp_wondering} look at {thing} before {day}?",
    "{wp_largenumber} {w_neighbors} came to {event}{bang}",
    "{wp_intheevent} {name} is late, {we_will} start {event} without {w_neighbors}.",
    "{wp_withregard} {thing}, {be} {fillv} waiting for {title} {surname}.",
    "{name} is {w_traveling} to the {w_center} on {day} with {name2}.",
    "{have} {fillv} {w_realized} that {thing} {isnt} in the {mod} folder.",
    "I want to {w_apologize} for the {w_jewelry} mix-up at {event}.",
    "{name} wore a {w_gray} coat to the {w_theater}{bang}",
    "We should {w_honor} the {w_defense} team at {event}.",
    "{name} said {event} was {v_awesome}{bang}",
    "Please bring {v_cookies}, {food}{oc} and {food2} to {event}.",
    "Could someone take out the {v_trash} after {event}?",
    "{event} moves to {place} {v_this_fall}, {title} {surname} says.",
    "The {v_kids} {fillv} want to see a {v_movie} after {event}{bang}",
    "{be} meeting {name} on the {v_sidewalk} outside {place} at {time}.",
]

SPELL_PAIRS = dict(SPELL)
VOCAB_SETS = {
    "vplace": [
        ("apartment", "flat"),
        ("gas station", "petrol station"),
        ("parking lot", "car park"),
        ("elevator", "lift"),
        ("sidewalk", "pavement"),
    ],
    "vthing": [("movie", "film"), ("elevator", "lift"), ("parking lot", "car park"), ("apartment", "flat")],
    "vtrip": [("vacation", "holiday"), ("movie night", "film night")],
}
BE = [("I'm", "I am"), ("we're", "we are"), ("they're", "they are"), ("you're", "you are")]
HAVE = [("I've", "I have"), ("we've", "we have"), ("they've", "they have")]
ISNT = [("isn't", "is not"), ("wasn't", "was not")]
NEG = [("won't", "will not"), ("didn't", "did not"), ("can't", "cannot")]
WE_WILL = [("we'll", "we will")]
FILL_A = ["really", "very", "totally"]
FILL_V = ["really", "just", "actually", "basically"]


class Piece:
    """One slot's text in the input and in each style's final."""

    def __init__(self, src: str, a: str, b: str):
        self.src, self.a, self.b = src, a, b


def _pick_spelling(rng: random.Random, american: str) -> Piece:
    british = SPELL_PAIRS[american]
    return Piece(american if rng.random() < 0.6 else british, british, american)


def _pick_contraction(rng: random.Random, pairs: list[tuple[str, str]]) -> Piece:
    short, full = rng.choice(pairs)
    return Piece(short if rng.random() < 0.6 else full, full, short)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def render(rng: random.Random, index: int) -> tuple[str, str, str]:
    """One sentence of template ``index``: (input, style A's final, style B's final)."""
    template = TEMPLATES[index]
    names = rng.sample(NAMES, 2)
    foods = rng.sample(FOODS, 3)
    out_src, out_a, out_b = [], [], []

    def add(p: Piece) -> None:
        out_src.append(p.src)
        out_a.append(p.a)
        out_b.append(p.b)

    def same(w: str) -> None:
        add(Piece(w, w, w))

    for part in re.split(r"(\{[a-z0-9_]+\})", template):
        if not part.startswith("{"):
            same(part)
            continue
        slot = part[1:-1]
        if slot in ("name", "name2"):
            same(names[slot == "name2"])
        elif slot == "title":
            t = rng.choice(TITLES)
            add(Piece(t if rng.random() < 0.6 else t.rstrip("."), t.rstrip("."), t))
        elif slot in ("food", "food2", "food3"):
            same(foods[{"food": 0, "food2": 1, "food3": 2}[slot]])
        elif slot in ("surname", "place", "day", "time", "thing", "event", "adj"):
            lists = {
                "surname": SURNAMES,
                "place": PLACES,
                "day": DAYS,
                "time": TIMES,
                "thing": THINGS,
                "event": EVENTS,
                "adj": ADJ,
            }
            same(rng.choice(lists[slot]))
        elif slot in ("mod", "noun", "part", "verb"):
            add(_pick_spelling(rng, rng.choice({"mod": MOD, "noun": NOUN, "part": PART, "verb": VERB}[slot])))
        elif slot.startswith("w_"):
            add(_pick_spelling(rng, slot[2:]))
        elif slot in VOCAB_SETS:
            am, br = rng.choice(VOCAB_SETS[slot])
            add(Piece(am, br, am))
        elif slot.startswith("v_"):
            am = slot[2:].replace("_", " ")
            add(Piece(am, dict(VOCAB)[am], am))
        elif slot in ("be", "have", "isnt", "neg", "we_will"):
            add(_pick_contraction(rng, {"be": BE, "have": HAVE, "isnt": ISNT, "neg": NEG, "we_will": WE_WILL}[slot]))
        elif slot.startswith("wp_"):
            long, short = WORDY[WORDY_KEYS[slot[3:]]]
            add(Piece(long, long, short))
        elif slot in ("filla", "fillv"):
            if rng.random() < 0.7:
                f = rng.choice(FILL_A if slot == "filla" else FILL_V)
                add(Piece(f, f, ""))
            else:
                same("")
        elif slot in ("oc", "oc2"):
            add(Piece("," if rng.random() < 0.5 else "", "", ","))
        elif slot == "bang":
            add(Piece("!", ".", "!") if rng.random() < 0.6 else Piece(".", ".", "."))
        elif slot == "then":
            add(Piece(", and then", ". Then", ", then"))
        else:  # pragma: no cover - a template typo
            raise KeyError(slot)
    return tuple(_tidy("".join(x)) for x in (out_src, out_a, out_b))  # type: ignore[return-value]


def _tidy(text: str) -> str:
    text = re.sub(r" {2,}", " ", text).strip()
    text = re.sub(r" ([,.!?])", r"\1", text)
    # Capitals after a sentence end and at the start; "please" where a wordy phrase began a request.
    text = _cap(text)
    text = re.sub(r"([.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text


def make_pair(rng: random.Random) -> tuple[str, str, str]:
    n = rng.choice((1, 1, 2, 2, 2, 3))
    idx = rng.sample(range(len(TEMPLATES)), n)
    parts = [render(rng, i) for i in idx]
    return tuple(" ".join(p[j] for p in parts) for j in range(3))  # type: ignore[return-value]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def build() -> dict[str, list[dict]]:
    rng = random.Random(SEED)
    seen: set[str] = set()
    pool: list[tuple[str, str, str]] = []
    while len(pool) < 420:
        src, a, b = make_pair(rng)
        if src in seen or src in (a, b):
            continue  # every pair changes something, in both styles
        seen.add(src)
        pool.append((src, a, b))
    a_train = pool[:200]
    train_sents = {s for p in a_train for s in sentences(p[0])}
    # Held-out: no input sentence may appear in any training input.
    fresh = [p for p in pool[200:] if not set(sentences(p[0])) & train_sents]
    a_test = fresh[:50]
    b_train = fresh[50:130]
    b_sents = {s for p in b_train for s in sentences(p[0])}
    rest = [p for p in fresh[130:] if not set(sentences(p[0])) & b_sents]
    b_test = rest[:20]
    if len(a_test) < 50 or len(b_test) < 20:
        raise SystemExit("not enough distinct pairs; raise the pool size")

    def rows(pairs, style, prefix):
        j = 1 if style == "a" else 2
        return [{"id": f"{prefix}-{i:03d}", "input": p[0], "final": p[j]} for i, p in enumerate(pairs)]

    return {
        "a-train.jsonl": rows(a_train, "a", "a-train"),
        "a-test.jsonl": rows(a_test, "a", "a-test"),
        "b-train.jsonl": rows(b_train, "b", "b-train"),
        "b-test.jsonl": rows(b_test, "b", "b-test"),
        # The same held-out inputs with both styles' finals (the adapter-switching check).
        "switch.jsonl": [{"id": f"switch-{i:03d}", "input": p[0], "a": p[1], "b": p[2]} for i, p in enumerate(b_test)],
    }


def main() -> None:
    for name, rows in build().items():
        with (HERE / name).open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)}")


if __name__ == "__main__":
    main()
