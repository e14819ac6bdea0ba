from draftwheel.engine import paragraphs

DOC = """# A heading

First paragraph, with two
lines.

- item one
- item two

```python
x = 1

y = 2
```

> quoted text
> more quote

| a | b |
|---|---|

Last paragraph."""


def test_split_join_is_lossless():
    for text in (DOC, DOC + "\n", "\n\nplain\n\n", "", "one line", "a\r\nb\r\n\r\nc"):
        assert paragraphs.join(paragraphs.split(text)) == text


def test_structure_is_kept_out_of_revision():
    units = paragraphs.split(DOC)
    bodies = [u.body for u in units if u.revisable]
    assert "A heading" in bodies
    assert "item one" in bodies and "item two" in bodies
    assert "quoted text" in bodies
    assert not any("x = 1" in b for b in bodies)
    assert not any("|" in b for b in bodies)
    heading = next(u for u in units if u.body == "A heading")
    assert heading.prefix == "# "
