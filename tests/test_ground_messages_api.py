"""Grounded generation against a real Anthropic-compatible (Messages API) server on 127.0.0.1, into a real store.

The server (http.server in a thread) checks the request as the Messages API
does (POST /v1/messages, ``anthropic-version: 2023-06-01``, the key in
``x-api-key``, ``max_tokens``, ``system`` at the top level and only user /
assistant turns in ``messages``: anything else is a 400 error object) and
answers with the same test model as the OpenAI-compatible server of
tests/test_ground_endpoint.py. Other modes answer garbage (HTML, JSON that is
no message), error objects (with status 200, 401, 529), refusals (stop_reason
"refusal", an apology, no text block) or a redirect. Requests are bounded.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from draftwheel.cli.main import main
from draftwheel.errors import DraftwheelError
from draftwheel.ground.endpoint_http import refusal
from draftwheel.ground.generate import plan
from draftwheel.ground.llm import ANTHROPIC, GenerationError, Prompt, endpoint_generator
from draftwheel.ground.messages_api import MessagesEndpointGenerator
from draftwheel.ground.pipeline import GroundOptions, run_ground
from test_ground_cli import memory_keyring  # noqa: F401  (fixture)
from test_ground_documents import make_sample_folder
from test_ground_endpoint import MAX_REQUESTS, _down_url, _grounded_rows, answer_text

KEY = "sk-ant-test-456"


def _error(kind: str, message: str) -> bytes:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


class MessagesHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, code: int, body: bytes, ctype: str = "application/json", extra: dict | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        server = self.server
        with server.lock:
            server.count += 1
            n = server.count
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        headers = {k.lower(): v for k, v in self.headers.items()}
        server.requests.append({"path": self.path, "headers": headers, "body": request})
        if n > MAX_REQUESTS:
            return self._send(529, _error("overloaded_error", "request cap reached"))
        if self.path != "/v1/messages":
            return self._send(404, _error("not_found_error", f"no route {self.path}"))
        if headers.get("anthropic-version") != "2023-06-01":
            return self._send(400, _error("invalid_request_error", "anthropic-version header is required"))
        if headers.get("x-api-key") != server.key:
            return self._send(401, _error("authentication_error", "invalid x-api-key"))
        problem = _invalid(request)
        if problem:
            return self._send(400, _error("invalid_request_error", problem))
        mode = server.mode
        if mode == "garbage":
            return self._send(200, b"<html><body>Bad gateway</body></html>", "text/html")
        if mode == "notmessage":
            return self._send(200, b'{"id": "x", "type": "message", "role": "assistant"}')
        if mode == "error200":
            return self._send(200, _error("api_error", "Internal server error"))
        if mode == "overloaded":
            return self._send(529, _error("overloaded_error", "Overloaded"))
        if mode == "redirect":
            return self._send(307, b"", extra={"Location": "http://127.0.0.1:9/v1/messages"})
        text = answer_text(mode, request["messages"][-1]["content"])
        content, stop = [{"type": "text", "text": text}], "end_turn"
        if mode == "refusal":
            content, stop = [], "refusal"
        elif mode == "thinking":  # no text block at all
            content = [{"type": "thinking", "thinking": "Let me see.", "signature": "x"}]
        elif mode == "blocks":  # the answer split over two text blocks, after a thinking block
            content = [{"type": "thinking", "thinking": "Hm.", "signature": "x"}]
            content += [
                {"type": "text", "text": text[: len(text) // 2]},
                {"type": "text", "text": text[len(text) // 2 :]},
            ]
        reply = {
            "id": f"msg_{n}",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 10},
        }
        self._send(200, json.dumps(reply).encode())


def _invalid(request: dict) -> str:
    """What the Messages API would refuse in ``request`` ('' when nothing)."""
    if not isinstance(request.get("model"), str) or not request["model"]:
        return "model: field required"
    if not isinstance(request.get("max_tokens"), int) or request["max_tokens"] < 1:
        return "max_tokens: field required"
    if "system" in request and not isinstance(request["system"], str):
        return "system: must be a string"
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages or messages[0].get("role") != "user":
        return "messages: the first message must use the user role"
    if any(m.get("role") not in ("user", "assistant") for m in messages):
        return "messages: unexpected role; use the top-level system parameter for a system prompt"
    return ""


@pytest.fixture
def messages_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), MessagesHandler)
    server.daemon_threads = True
    server.mode = "good"
    server.key = KEY
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


def _base(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_messages_pipeline_stores_grounded_pairs_with_the_key_in_its_header(
    tmp_path, paths, messages_server, memory_keyring
):
    from draftwheel.config.secrets import set_api_key

    set_api_key(_base(messages_server), KEY)
    generator = endpoint_generator(_base(messages_server), "claude-test", timeout=10, protocol=ANTHROPIC)
    assert isinstance(generator, MessagesEndpointGenerator) and KEY not in repr(generator)
    folder = make_sample_folder(tmp_path / "docs")
    result = run_ground(folder, paths, generator, options=GroundOptions(n_pairs=6, batch_size=3, draft_profile=True))
    report = result.report
    assert report.kept == len(result.stored_ids) == 6 and report.failures == []
    assert set(report.by_kind) == {"question", "scenario", "pushback", "rewrite"}
    saved = json.loads(result.profile_path.read_text(encoding="utf-8"))
    assert saved["notes"] == "Plain, direct and practical."
    # The key went in x-api-key only; the system prompt at the top level, never as a message.
    for r in messages_server.requests:
        assert r["path"] == "/v1/messages" and r["headers"]["x-api-key"] == KEY
        assert r["headers"]["anthropic-version"] == "2023-06-01" and "authorization" not in r["headers"]
        assert r["body"]["system"] and r["body"]["model"] == "claude-test" and r["body"]["max_tokens"] > 0
        assert [m["role"] for m in r["body"]["messages"]] == ["user"]
    rows = _grounded_rows(paths)
    assert [r.id for r in rows] == result.stored_ids
    assert all(KEY not in " ".join(str(v) for v in vars(row).values()) for row in rows)
    for f in paths.home.rglob("*"):
        if f.is_file() and f.suffix != ".gguf":
            assert KEY.encode() not in f.read_bytes(), f


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/messages"])
def test_base_url_in_any_usual_form_reaches_v1_messages(messages_server, suffix):
    messages_server.mode = "blocks"
    generator = MessagesEndpointGenerator(_base(messages_server) + suffix, "m", api_key=KEY, timeout=10)
    prompt = Prompt(
        "x", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Passage:\nA b.\n\n"}]
    )
    assert generator.ask(prompt) == answer_text("blocks", "Passage:\nA b.\n\n")  # both text blocks, joined
    assert messages_server.requests[-1]["path"] == "/v1/messages"
    assert messages_server.requests[-1]["body"]["system"] == "Be brief."


@pytest.mark.parametrize(
    "mode, message",
    [
        ("garbage", "endpoint reply is not JSON (starts '<html><body>Bad gateway"),
        ("notmessage", "not a message (no content blocks)"),
        ("error200", "endpoint answered an error: Internal server error (api_error)"),
        ("overloaded", "endpoint answered HTTP 529"),
        ("redirect", "redirects are not followed so the API key stays with the configured host"),
        ("refusal", "endpoint refused (stop_reason refusal)"),
        ("apology", "endpoint refused: I'm sorry, but I can't help with that request."),
        ("thinking", "endpoint returned an empty answer"),
    ],
)
def test_garbage_errors_and_refusals_are_one_line_per_item_and_nothing_is_stored(
    tmp_path, paths, messages_server, mode, message
):
    messages_server.mode = mode
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    generator = MessagesEndpointGenerator(_base(messages_server), "m", api_key=KEY, timeout=10)
    result = run_ground(folder, paths, generator, options=GroundOptions(n_pairs=3, max_attempts=3))
    report = result.report
    assert report.attempted == 3 and report.kept == 0 and len(report.failures) == 3
    assert all(message in f.message and "\n" not in f.message for f in report.failures), report.failures[0]
    assert [f.passage for f in report.failures] == [p.label for _t, p, _k in plan(result.themes)[:3]]
    assert _grounded_rows(paths) == []
    if mode == "overloaded":
        assert "Overloaded (overloaded_error)" in report.failures[0].message


def test_a_wrong_key_and_a_down_server_are_clear(tmp_path, paths, messages_server):
    generator = MessagesEndpointGenerator(_base(messages_server), "m", api_key="sk-wrong", timeout=10)
    with pytest.raises(GenerationError, match=r"^endpoint answered HTTP 401 Unauthorized: invalid x-api-key "):
        generator.ask(Prompt("x", [{"role": "user", "content": "hi"}]))
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    down = MessagesEndpointGenerator(_down_url(), "m", api_key=KEY, timeout=5)
    result = run_ground(folder, paths, down, options=GroundOptions(n_pairs=20))
    assert len(result.report.failures) == 5 and all("unreachable" in f.message for f in result.report.failures)
    assert "5 requests failed in a row" in result.report.stopped
    assert result.stored_ids == [] and _grounded_rows(paths) == []


def test_bad_messages_endpoint_settings_are_clear_errors():
    with pytest.raises(DraftwheelError, match="not an http"):
        MessagesEndpointGenerator("api.anthropic.com", "m")
    with pytest.raises(DraftwheelError, match="model name"):
        MessagesEndpointGenerator("https://api.anthropic.com", "  ")
    with pytest.raises(DraftwheelError, match="Unknown endpoint protocol"):
        endpoint_generator("https://api.anthropic.com", "m", protocol="grpc")


@pytest.mark.parametrize(
    "text, refused",
    [
        ("I'm sorry, but I can't help with that request.", True),
        ("I cannot assist with creating that content.", True),
        ("As an AI, I do not have personal opinions.", True),
        ("I\u2019m unable to write in someone else's voice.", True),
        ("Sorry, but flour matters less than you think.", False),  # a blunt answer, not a refusal
        ("I'm sorry, but I can't agree. " + "The log is the only thing that works for a team. " * 6, False),
        ("Good bread needs time more than skill.", False),
    ],
)
def test_refusal_is_told_from_a_blunt_answer(text, refused):
    assert (refusal(text) is not None) is refused


def test_command_line_and_settings_choose_the_messages_api(
    tmp_path, home, paths, messages_server, capsys, memory_keyring
):
    from draftwheel.config.secrets import set_api_key
    from draftwheel.config.settings import update_settings

    url = _base(messages_server)
    set_api_key(url, KEY)
    folder = make_sample_folder(tmp_path / "docs", bad_files=False)
    argv = ["ground", str(folder), "--endpoint", url, "--protocol", "anthropic", "--model", "m", "--pairs", "2"]
    rc = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert json.loads(out)["report"]["kept"] == 2
    assert messages_server.requests and all(r["headers"]["x-api-key"] == KEY for r in messages_server.requests)
    assert KEY not in out + err
    # Without --protocol, the setting decides; without a URL, the setting's endpoint is used.
    messages_server.requests.clear()
    update_settings(paths, remote_endpoint=url, remote_model="m", remote_protocol="anthropic")
    rc = main(["ground", str(folder), "--endpoint", "--pairs", "1", "--kinds", "rewrite"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert messages_server.requests and all(r["path"] == "/v1/messages" for r in messages_server.requests)
    # A protocol the command does not know is refused by its parser.
    with pytest.raises(SystemExit) as exit_info:
        main([*argv[:-4], "--protocol", "grpc"])
    assert exit_info.value.code == 2 and "invalid choice: 'grpc'" in capsys.readouterr().err
