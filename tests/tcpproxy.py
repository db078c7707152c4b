"""A small TCP forwarder between the app and PostgreSQL that tests use to break the database connection on
purpose, without stopping the real server:

- ``stop()`` / ``start(port)``: the database goes away (open connections cut, new ones refused) and comes back;
- ``cut()``: cut every open connection, keep accepting new ones;
- ``drop_commit(forward=True)``: the next COMMIT reaches the database, but its reply is thrown away and the
  connection is cut (the commit happened; the app cannot know); ``forward=False``: the COMMIT itself is lost
  with the connection (nothing was committed; the app cannot know either);
- ``stall(seconds)`` / ``resume()``: packets stop flowing both ways (held, not refused) and flow again later.

It understands just enough of the PostgreSQL protocol to recognise a COMMIT (a simple-protocol Query message);
connect with ``sslmode=disable`` so the bytes are readable.
"""

from __future__ import annotations

import socket
import threading

COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class _Pair:
    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.client = client
        self.upstream = upstream
        self.swallow_reply = False  # a COMMIT went up: drop what comes back and cut
        self.since_commit = b""  # what the app sent in the current transaction (for drop_commit(after=...))

    def cut(self) -> None:
        for s in (self.client, self.upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass


class TcpProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener: socket.socket | None = None
        self.port = 0
        self.pairs: list[_Pair] = []
        self.lock = threading.Lock()
        self.flowing = threading.Event()
        self.flowing.set()
        self._drops: list[tuple[bool, bytes | None]] = []  # pending drop_commit(): (forward, after)
        self.commits_seen = 0
        self.replies_dropped = 0  # COMMITs that reached the database and whose reply was thrown away
        self.commits_lost = 0  # COMMITs thrown away before they reached the database
        self.cuts = 0
        self.stalls = 0

    # ------------------------------------------------------------------ control

    def start(self, port: int = 0) -> int:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port or self.port))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self.port

    def stop(self):
        """The database 'goes down': refuse new connections and cut every open one."""
        if self.listener:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the other thread
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        self.cut()
        self.resume()

    def cut(self) -> int:
        """Cut every open connection (the app sees them die); new connections are still accepted."""
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for p in pairs:
            p.cut()
        self.cuts += 1
        return len(pairs)

    def drop_commit(self, forward: bool = True, after: bytes | None = None) -> None:
        """Break the connection of the next COMMIT: after it reached the database (``forward``) or before.
        ``after``: only a COMMIT of a transaction that sent these bytes (``b"INSERT INTO petra_contact"``)."""
        with self.lock:
            self._drops.append((forward, after))

    def pending_drops(self) -> int:
        with self.lock:
            return len(self._drops)

    def stall(self, seconds: float | None = None) -> None:
        """Hold every packet, both ways, on open and new connections (``seconds``: resume by itself)."""
        self.stalls += 1
        self.flowing.clear()
        if seconds is not None:
            t = threading.Timer(seconds, self.resume)
            t.daemon = True
            t.start()

    def resume(self) -> None:
        self.flowing.set()

    # ------------------------------------------------------------------ forwarding

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            pair = _Pair(client, upstream)
            with self.lock:
                self.pairs.append(pair)
            threading.Thread(target=self._up, args=(pair,), daemon=True).start()
            threading.Thread(target=self._down, args=(pair,), daemon=True).start()

    def _forget(self, pair: _Pair) -> None:
        with self.lock:
            if pair in self.pairs:
                self.pairs.remove(pair)
        pair.cut()

    def _up(self, pair: _Pair):
        """app -> database"""
        try:
            while data := pair.client.recv(65536):
                self.flowing.wait()
                pair.since_commit = (pair.since_commit + data)[-65536:]
                if COMMIT in data:
                    self.commits_seen += 1
                    forward = None
                    with self.lock:
                        for i, (fwd, after) in enumerate(self._drops):
                            if after is None or after in pair.since_commit:
                                forward = fwd
                                del self._drops[i]
                                break
                    pair.since_commit = b""
                    if forward is False:
                        self.commits_lost += 1
                        break  # the COMMIT never reaches the database
                    if forward:
                        pair.swallow_reply = True
                pair.upstream.sendall(data)
        except OSError:
            pass
        self._forget(pair)

    def _down(self, pair: _Pair):
        """database -> app"""
        try:
            while data := pair.upstream.recv(65536):
                self.flowing.wait()
                if pair.swallow_reply:  # the database committed; the app never hears of it
                    self.replies_dropped += 1
                    break
                pair.client.sendall(data)
        except OSError:
            pass
        self._forget(pair)
