"""Grounded generation against a real OpenAI-compatible HTTP server on 127.0.0.1, into a real store.

The server (http.server in a thread) answers the chat-completions protocol
from the passage it is sent: questions about it, answers copied from its
sentences (grounded), or - in "fabricate" mode - confident answers the passage
never gave; "garbage" mode answers 200 with HTML, "nochoices" with JSON that
is not a completion; "refusal" states a refusal the way OpenAI does
(message.refusal, content null), "filtered" by finish_reason "content_filter",
"apology" with an apologetic text. Requests are bounded (the server answers 503
beyond a cap). :func:`answer_text` is shared with the Messages API server of
tests/test_ground_messages_api.py.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from draftwheel.engine.base import CancelToken
from draftwheel.errors import DraftwheelError, InputError
from draftwheel.ground.generate import plan
from draftwheel.ground.llm import ChatEndpointGenerator, GenerationError, Prompt
from draftwheel.ground.pipeline import GroundOptions, run_ground
from test_ground_documents import make_sample_folder

MAX_REQUESTS = 400
FABRICATED = "Quantum computers will replace every accountant by 2030, according to leading economists in Geneva."


def _passage(content: str) -> str:
    m = re.search(r"Passage(?: by the author)?:\n(.*?)\n\n", content, re.S)
    return m.group(1) if m else ""


def _first_sentences(text: str, n: int) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:n])


def answer_text(mode: str, content: str) -> str:
    """What the test model says to a request whose (last) user message is ``content``."""
    passage = _passage(content)
    if mode == "apology":
        return "I'm sorry, but I can't help with that request."
    if "voice and style" in content:
        return "Plain, direct and practical."
    if "Write one genuine question" in content:
        return f"What do you say about {passage.split()[0].lower()} {passage.split()[1].lower()}?"
    if "realistic situation" in content:
        return "I keep getting this wrong and I do not know why. What should I do?"
    if "sceptical objection" in content:
        return "Surely that is an exaggeration?"
    if "Paraphrase this passage" in content:
        # A plain paraphrase: the passage's words, in reverse order (no copied trigrams; it carries over
        # enough of the passage for the grounding check's coverage bar).
        words = [w.strip(",.;:").lower() for w in passage.split() if len(w) > 2]
        return "Plainly put: " + ", ".join(reversed(words)) + "."
    if mode == "fabricate":
        return FABRICATED
    return _first_sentences(passage, 2)


class ChatHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        server = self.server
        with server.lock:
            server.count += 1
            n = server.count
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length))
        server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": request})
        if n > MAX_REQUESTS:
            return self._send(503, b'{"error": {"message": "request cap reached"}}')
        if not self.path.endswith("/chat/completions"):
            return self._send(404, b'{"error": {"message": "no such route"}}')
        if server.mode == "garbage":
            return self._send(200, b"<html><body>Service temporarily unavailable</body></html>", "text/html")
        if server.mode == "nochoices":
            return self._send(200, b'{"object": "error", "detail": "overloaded"}')
        message = {"role": "assistant", "content": answer_text(server.mode, request["messages"][-1]["content"])}
        finish = "stop"
        if server.mode == "refusal":
            message = {"role": "assistant", "content": None, "refusal": "I'm sorry, I cannot assist with that."}
        elif server.mode == "filtered":
            message, finish = {"role": "assistant", "content": None}, "content_filter"
        reply = {
            "id": f"c{n}",
            "object": "chat.completion",
            "model": request["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
        self._send(200, json.dumps(reply).encode())


@pytest.fixture
def chat_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatHandler)
    server.daemon_threads = True
    server.mode = "good"
    server.count = 0
    server.requests = []
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def _down_url() -> str:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _grounded_rows(paths):
    from draftwheel.store import list_edits, open_store

    with open_store(paths) as store, store.session() as s:
        return list_edits(s, origin="grounded", newest_first=False)


def test_endpoint_pipeline_stores_grounded_pairs_with_provenance(tmp_path, paths, chat_server):
    folder = make_sample_folder(tmp_path / "docs")
    generator = ChatEndpointGenerator(_url(chat_server), "test-model", api_key="sk-test-123", timeout=10)
    progress = []
    result = run_ground(
        folder,
        paths,
        generator,
        options=GroundOptions(n_pairs=8, batch_size=3, draft_profile=True),
        on_progress=progress.append,
    )
    report = result.report
    assert report.kept == len(result.stored_ids) == 8
    assert report.failures == [] and report.pass_rate == 1.0
    assert set(report.by_kind) == {"question", "scenario", "pushback", "rewrite"}
    assert sum(report.by_theme.values()) == 8 and len(report.by_theme) == len(result.themes) >= 2
    # The profile was computed, drafted by the endpoint, and saved in the data folder.
    assert result.profile_computed and result.profile_path == paths.home / "ground" / "profile.json"
    saved = json.loads(result.profile_path.read_text(encoding="utf-8"))
    assert saved["notes"] == "Plain, direct and practical." and saved["vocabulary"]
    # The key went in the Authorization header only.
    assert all(r["auth"] == "Bearer sk-test-123" for r in chat_server.requests)
    assert all(r["path"] == "/v1/chat/completions" for r in chat_server.requests)
    # Progress: import stage per file, then one update per item.
    assert progress[0].stage == "import" and progress[-1].stage == "generate"
    assert progress[-1].kept == 8

    rows = _grounded_rows(paths)
    assert [r.id for r in rows] == result.stored_ids
    docs = {d.path: d for d in result.imported.documents}
    for row in rows:
        assert row.outcome == "pending" and row.origin == "grounded" and row.include_in_training
        assert row.pair_kind in {"question", "scenario", "pushback", "rewrite"} and row.theme
        doc = docs[Path(row.source_doc)]
        passage = doc.text[row.source_start : row.source_end]
        if row.pair_kind == "rewrite":
            assert row.task == "voice" and row.final_text == passage
        else:
            # The server copied passage sentences (the answer's whitespace is normalised).
            assert row.task == "answer" and row.final_text in " ".join(passage.split())
        assert "sk-test-123" not in " ".join(str(v) for v in vars(row).values())
    # Running again finds the same pairs already stored: near-duplicates are removed, nothing new stored.
    again = run_ground(folder, paths, generator, options=GroundOptions(n_pairs=4, max_attempts=6))
    assert again.stored_ids == [] and again.report.duplicates == again.report.grounded > 0


def test_fabricated_answers_are_rejected(tmp_path, paths, chat_server):
    chat_server.mode = "fabricate"
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    generator = ChatEndpointGenerator(_url(chat_server), "m", timeout=10)
    result = run_ground(
        folder, paths, generator, options=GroundOptions(n_pairs=4, kinds=("question", "pushback"), max_attempts=4)
    )
    report = result.report
    assert report.generated == 4 and report.grounded == 0 and report.kept == 0
    assert len(report.rejections) == 4 and all("support" in r.message for r in report.rejections)
    assert "pass rate 0%" in report.to_text()
    assert _grounded_rows(paths) == []


@pytest.mark.parametrize(
    "mode, message",
    [
        ("garbage", "not JSON"),
        ("nochoices", "not a chat completion"),
        ("refusal", "endpoint refused: I'm sorry, I cannot assist with that."),
        ("filtered", "endpoint refused: its content filter withheld the answer"),
        ("apology", "endpoint refused: I'm sorry, but I can't help with that request."),
    ],
)
def test_endpoint_answering_garbage_gives_a_message_per_item(tmp_path, paths, chat_server, mode, message):
    chat_server.mode = mode
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    generator = ChatEndpointGenerator(_url(chat_server), "m", timeout=10)
    result = run_ground(folder, paths, generator, options=GroundOptions(n_pairs=3, max_attempts=3))
    report = result.report
    assert report.attempted == 3 and report.kept == 0 and len(report.failures) == 3
    assert all(message in f.message for f in report.failures)
    assert [f.passage for f in report.failures] == [p.label for _t, p, _k in plan(result.themes)[:3]]
    assert _grounded_rows(paths) == []


def test_endpoint_that_is_down_stops_after_a_few_clear_failures(tmp_path, paths):
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    generator = ChatEndpointGenerator(_down_url(), "m", timeout=5)
    result = run_ground(folder, paths, generator, options=GroundOptions(n_pairs=20))
    report = result.report
    assert len(report.failures) == 5 and all("unreachable" in f.message for f in report.failures)
    assert "5 requests failed in a row" in report.stopped
    assert result.stored_ids == [] and _grounded_rows(paths) == []
    with pytest.raises(GenerationError, match="unreachable"):
        generator.ask(Prompt("x", [{"role": "user", "content": "hi"}]))


def test_bad_endpoint_settings_are_clear_errors():
    with pytest.raises(DraftwheelError, match="not an http"):
        ChatEndpointGenerator("localhost:8000", "m")
    with pytest.raises(DraftwheelError, match="model name"):
        ChatEndpointGenerator("http://localhost:8000/v1", " ")
    assert "sk-" not in repr(ChatEndpointGenerator("http://localhost:1/v1", "m", api_key="sk-secret"))


def test_a_failing_batch_is_not_half_stored(tmp_path, paths, chat_server):
    """A row the database refuses in the middle of a batch rolls the whole batch back."""
    from sqlalchemy import text

    from draftwheel.store import open_store

    with open_store(paths) as store, store.session() as s, s.begin():
        # A real SQLite trigger refuses the rewrite pair of the garden passage (the server is not involved).
        s.execute(
            text(
                "CREATE TRIGGER refuse_tomato BEFORE INSERT ON edits WHEN NEW.final_text LIKE '%Eight hours%' "
                "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
            )
        )
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text(
        "Remote work only works when decisions are written down, and a team that talks everything through on "
        "calls loses the reasoning the moment the call ends.\n",
        encoding="utf-8",
    )
    (folder / "b.md").write_text(
        "Tomatoes in a small garden want sun above everything else. Eight hours of direct light beats any "
        "fertiliser, and a crowded bed gives fewer fruits.\n",
        encoding="utf-8",
    )
    generator = ChatEndpointGenerator(_url(chat_server), "m", timeout=10)
    with pytest.raises(DraftwheelError, match=r"refused by test trigger.*none of that batch was stored; 0 pair"):
        run_ground(folder, paths, generator, options=GroundOptions(n_pairs=2, kinds=("rewrite",), batch_size=2))
    assert _grounded_rows(paths) == []  # the first pair of the batch was rolled back with the refused one
    # With one pair per batch, the first batch commits and only the refused one is missing.
    with pytest.raises(DraftwheelError, match=r"refused by test trigger.*1 pair.s. from earlier batches"):
        run_ground(folder, paths, generator, options=GroundOptions(n_pairs=2, kinds=("rewrite",), batch_size=1))
    rows = _grounded_rows(paths)
    assert len(rows) == 1 and "Remote work" in rows[0].final_text and rows[0].source_doc.endswith("a.md")


def test_cancel_keeps_finished_pairs(tmp_path, paths, chat_server):
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    generator = ChatEndpointGenerator(_url(chat_server), "m", timeout=10)
    cancel = CancelToken()

    def on_progress(p):
        if p.stage == "generate" and p.done == 2:
            cancel.cancel()

    result = run_ground(
        folder,
        paths,
        generator,
        options=GroundOptions(n_pairs=10, batch_size=8),
        on_progress=on_progress,
        cancel=cancel,
    )
    assert result.report.cancelled and result.report.attempted == 2
    assert len(_grounded_rows(paths)) == result.report.kept == len(result.stored_ids) == 2


def test_empty_folder_is_a_clear_error(tmp_path, paths, chat_server):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "x.pdf").write_bytes(b"")
    generator = ChatEndpointGenerator(_url(chat_server), "m", timeout=10)
    with pytest.raises(InputError, match=r"no readable passages .*x.pdf: skipped: empty file"):
        run_ground(folder, paths, generator)
    assert chat_server.requests == []
