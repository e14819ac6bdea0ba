"""A dozen grounded ``voice`` pairs (plain paraphrase -> the author's original) in one distinctive voice,
stored and accepted through ``ground.storage`` as the grounding wizard's review does."""

from __future__ import annotations

from draftwheel.ground.documents import Passage
from draftwheel.ground.generate import SPECS, Pair
from draftwheel.ground.storage import review, store_pairs
from draftwheel.store import open_store

# (paraphrase, original): the author writes short, wry sentences about gardens and letters.
VOICE_PAIRS = [
    ("Tomatoes need a lot of sun to grow well.", "Tomatoes are sun-worshippers, and frankly so am I."),
    ("Compost takes a long time to be ready.", "Compost is slow. It keeps its own calendar, and it never apologises."),
    ("Slugs eat young lettuce at night.", "The slugs dine at midnight, and the lettuce is always the starter."),
    ("Watering in the morning is better than at night.", "Water at dawn; the evening can his own troubles keep."),
    ("Handwritten letters feel more personal than e-mails.", "A letter in ink has a pulse; an e-mail has a timestamp."),
    ("You should thank people soon after they help you.", "Thank people while the kettle is still warm."),
    ("Short letters are often better than long ones.", "A short letter is a kindness to the postman and the reader."),
    ("Weeds come back quickly after you pull them.", "Pull a weed on Monday and it sends its cousin on Tuesday."),
    ("Old seed packets may not grow.", "Old seed packets are mostly hope with a picture on the front."),
    ("Write the address clearly on the envelope.", "Write the address as if the postman were your favourite aunt."),
    ("Raised beds are easier on your back.", "Raised beds: because my back has opinions now."),
    ("Rain is good for the garden.", "Rain is the garden's post: it arrives, and everything opens."),
]


def store_voice_pairs(paths, pairs=VOICE_PAIRS, accept: bool = True) -> list[int]:
    """Store ``pairs`` as grounded rewrite pairs (task ``voice``); accept them unless told not to."""
    spec = SPECS["rewrite"]
    made = [
        Pair(
            "rewrite",
            spec.task,
            spec.instruction,
            plain,
            original,
            Passage("notes.md", 0, len(original), original),
            "garden, letter",
            1.0,
            "test",
        )
        for plain, original in pairs
    ]
    with open_store(paths) as store:
        ids = store_pairs(store, made)
        if accept:
            review(store, accept_ids=ids)
    return ids
