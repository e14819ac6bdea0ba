"""The running app's mailbox: a local socket where ``draftwheel revise-selection`` hands it text.

The instance lock (config.instance) says an app runs; this socket lets a command use that app's
already loaded model instead of loading a second copy. The name is per user and data folder
(:func:`~draftwheel.config.instance.message_server_name`); the message format is plain Python there.
"""

from __future__ import annotations

from draftwheel.config import AppPaths
from draftwheel.config.instance import MESSAGE_LIMIT, REVISE_SELECTION, decode_message, message_server_name
from draftwheel.ui.qt import QLocalServer, QLocalSocket, QObject, Signal


class InstanceServer(QObject):
    revise_requested = Signal(str)  # the text to revise

    def __init__(self, paths: AppPaths, parent=None):
        super().__init__(parent)
        self.name = message_server_name(paths)
        self.server = QLocalServer(self)
        self._buffers: dict[QLocalSocket, bytes] = {}  # per connection: a message may arrive in pieces
        # Only the holder of the instance lock starts a server, so a socket file still there was left
        # by a crashed app: remove it, or listen() fails with "address in use".
        QLocalServer.removeServer(self.name)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # this user only
        self.listening = self.server.listen(self.name)
        self.server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while (sock := self.server.nextPendingConnection()) is not None:
            self._buffers[sock] = b""
            sock.readyRead.connect(self._read)
            sock.disconnected.connect(self._drop)

    def _drop(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._buffers.pop(sock, None)
            sock.deleteLater()

    def _read(self) -> None:
        sock = self.sender()
        if not isinstance(sock, QLocalSocket) or sock not in self._buffers:
            return
        data = self._buffers[sock] + bytes(sock.readAll().data())
        if len(data) > MESSAGE_LIMIT:
            self._buffers.pop(sock, None)
            sock.abort()
            return
        if not data.endswith(b"\n"):
            self._buffers[sock] = data  # more to come
            return
        self._buffers[sock] = b""
        msg = decode_message(data)
        sock.write(b"ok\n" if msg else b"bad\n")
        sock.flush()
        if msg and msg[0] == REVISE_SELECTION:
            self.revise_requested.emit(msg[1])

    def close(self) -> None:
        self.server.close()


def send_message(paths: AppPaths, data: bytes, timeout_ms: int = 3000) -> bool:
    """Hand ``data`` to the running app; False when none answers (then the caller does the work itself)."""
    sock = QLocalSocket()
    sock.connectToServer(message_server_name(paths))
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(data)
    if not sock.waitForBytesWritten(timeout_ms):
        return False
    ok = sock.waitForReadyRead(timeout_ms) and bytes(sock.readAll().data()).startswith(b"ok")
    sock.disconnectFromServer()
    return ok
