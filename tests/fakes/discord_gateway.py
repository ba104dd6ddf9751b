"""The fake Discord gateway: one aiohttp WebSocket per bot connection, JSON frames, zlib-stream.

discord.py 2.7.1 connects to `<gateway>?v=10&encoding=json&compress=zlib-stream` (or `zstd-stream`
when a zstd module is importable) and inflates binary frames with one zlib context per connection,
waiting for the Z_SYNC_FLUSH suffix; text frames are read as plain JSON whatever was asked.
Sessions are kept as Discord keeps them: a dropped connection's session can be RESUMEd, and
the dispatches the client missed (sent after its last `seq`, or made while it was away) are
sent again, then RESUMED.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_state import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILDS,
    PRIVILEGED_INTENTS,
    World,
)

HEARTBEAT_INTERVAL_MS = 41250
REPLAYABLE = 5000  # dispatches a session keeps for a RESUME


@dataclass
class Connection:
    ws: web.WebSocketResponse
    zlib_stream: bool
    outbox: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    seq: int = 0
    intents: int | None = None  # None until IDENTIFY
    session_id: str = ""
    writer: asyncio.Task[None] | None = None
    session: Session | None = None


@dataclass
class Session:
    """What Discord keeps of an identified session so that a client may RESUME it: its
    intents, the last sequence number sent, the dispatches sent (to replay those after the
    client's `seq`), and those made while no connection holds it. A client closing with 1000
    or 1001 ends it, as on Discord; otherwise it outlives its connection."""

    intents: int
    seq: int = 0
    sent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REPLAYABLE))
    conn: Connection | None = None


class Gateway:
    def __init__(
        self,
        world: World,
        *,
        token: str,
        url: Callable[[], str],
        events_of: Callable[[int], list[dict[str, Any]]],
    ) -> None:
        self.world = world
        self.token = token
        self._url = url
        self._events_of = events_of  # scheduled events of a guild, for GUILD_CREATE
        self.connections: list[Connection] = []
        self.identify_count = 0
        self.identified_intents: list[int] = []
        self.received: list[dict[str, Any]] = []  # every frame the bot sent, for assertions
        self.connect_queries: list[dict[str, str]] = []  # ?v=10&encoding=json&compress=...
        self.crashes: list[str] = []  # bugs in this fake, shared with FakeDiscord.crashes
        # What the application is allowed in the developer portal; others close with 4014.
        self.allowed_privileged_intents = PRIVILEGED_INTENTS
        self.sessions: dict[str, Session] = {}
        self.resumed = 0  # RESUMEs accepted

    @property
    def ready(self) -> list[Connection]:
        return [c for c in self.connections if c.intents is not None]

    @property
    def resumable(self) -> list[Session]:
        """Sessions whose connection dropped: Discord keeps their events for a RESUME."""
        return [s for s in self.sessions.values() if s.conn is None]

    # -- sending ----------------------------------------------------------------

    def _enqueue(self, conn: Connection, op: int, data: Any, event: str | None = None) -> None:
        frame: dict[str, Any] = {"op": op, "d": data, "s": None, "t": event}
        if op == 0:
            conn.seq += 1
            frame["s"] = conn.seq
            if conn.session is not None:
                conn.session.sent.append(frame)
        conn.outbox.put_nowait(frame)

    def dispatch(self, event: str, data: dict[str, Any], *, intent: int | None = None) -> None:
        """Send a DISPATCH to every identified connection (whose intents include `intent`),
        and keep it for every session awaiting a RESUME."""
        for conn in self.ready:
            if intent is None or (conn.intents or 0) & intent:
                self._enqueue(conn, 0, data, event)
        for session in self.resumable:
            if intent is None or session.intents & intent:
                session.seq += 1
                session.sent.append({"op": 0, "d": data, "s": session.seq, "t": event})

    def dispatch_each(
        self, event: str, build: Callable[[int], dict[str, Any] | None], *, intent: int | None
    ) -> None:
        """Like dispatch, but the payload depends on the connection's intents (None: skip it)."""
        for conn in self.ready:
            intents = conn.intents or 0
            if intent is not None and not intents & intent:
                continue
            data = build(intents)
            if data is not None:
                self._enqueue(conn, 0, data, event)

    async def _write(self, conn: Connection) -> None:
        # One writer per connection keeps frames in sequence order and owns the zlib context.
        compressor = zlib.compressobj() if conn.zlib_stream else None
        while True:
            frame = await conn.outbox.get()
            try:
                if frame is None or conn.ws.closed:
                    return
                text = json.dumps(frame)
                if compressor is not None:
                    data = compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
                    await conn.ws.send_bytes(data)
                else:
                    await conn.ws.send_str(text)
            except ConnectionError:
                return
            finally:
                conn.outbox.task_done()

    # -- receiving --------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoclose=True, max_msg_size=0)
        if not ws.can_prepare(request).ok:
            raise web.HTTPNotFound()
        await ws.prepare(request)
        q = request.query
        self.connect_queries.append(dict(q))
        if q.get("v") != "10":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        if q.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"Decode error")
            return ws
        # zstd-stream is answered with text frames: discord.py reads those whatever it asked for.
        conn = Connection(ws=ws, zlib_stream=q.get("compress") == "zlib-stream")
        conn.writer = asyncio.create_task(self._write(conn))
        self.connections.append(conn)
        self._enqueue(conn, 10, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": []})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(msg.data)
                    self.received.append(frame)
                    code = await self._on_frame(conn, frame)
                except Exception as exc:
                    self.crashes.append(f"gateway frame {msg.data[:200]!r}: {exc!r}")
                    code = (4000, "Unknown error.")
                if code is not None:
                    await self._drain(conn)
                    await ws.close(code=code[0], message=code[1].encode())
                    break
        finally:
            self.connections.remove(conn)
            conn.outbox.put_nowait(None)
            await conn.writer
            self._detach(conn, ws.close_code)
        return ws

    def _detach(self, conn: Connection, code: int | None) -> None:
        """The connection is gone: its session waits for a RESUME, unless the client ended it
        (1000, 1001: Discord then forgets the session)."""
        session = conn.session
        if session is None or session.conn is not conn:
            return
        session.conn = None
        session.seq = conn.seq
        if code in (1000, 1001):
            del self.sessions[conn.session_id]

    def _resume(self, conn: Connection, d: dict[str, Any]) -> tuple[int, str] | None:
        """Discord's RESUME: the same session on a new connection, the dispatches after the
        client's `seq` sent again in order, then RESUMED. An unknown or live session gets
        "invalid session, do not resume" (op 9, false)."""
        if d.get("token") != self.token:
            return (4004, "Authentication failed.")
        session = self.sessions.get(str(d.get("session_id")))
        if session is None or session.conn is not None or conn.intents is not None:
            self._enqueue(conn, 9, False)
            return None
        after = int(d.get("seq") or 0)
        conn.intents, conn.session_id, conn.session = session.intents, str(d["session_id"]), session
        session.conn = conn
        conn.seq = session.seq
        for frame in session.sent:
            if frame["s"] > after:
                conn.outbox.put_nowait(frame)
        self.resumed += 1
        self._enqueue(conn, 0, {"_trace": []}, "RESUMED")
        return None

    async def _drain(self, conn: Connection) -> None:
        # Frames queued before a close (e.g. op 9) must reach the client first.
        try:
            await asyncio.wait_for(conn.outbox.join(), 1.0)
        except TimeoutError:
            pass

    async def _on_frame(self, conn: Connection, frame: dict[str, Any]) -> tuple[int, str] | None:
        op, d = frame.get("op"), frame.get("d")
        if op == 1:
            self._enqueue(conn, 11, None)
            return None
        if op == 2:
            return self._identify(conn, d or {})
        if op == 6:
            return self._resume(conn, d or {})
        if conn.intents is None:
            return (4003, "Not authenticated.")
        if op == 3:
            return None  # presence update: nothing to do
        if op == 8:
            self._member_chunk(conn, d or {})
            return None
        return (4001, "Unknown opcode.")

    def _identify(self, conn: Connection, d: dict[str, Any]) -> tuple[int, str] | None:
        if conn.intents is not None:
            return (4005, "Already authenticated.")
        if d.get("token") != self.token:
            return (4004, "Authentication failed.")
        intents = d.get("intents")
        if not isinstance(intents, int):
            return (4013, "Invalid intent(s).")
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            return (4014, "Disallowed intent(s).")
        self.identify_count += 1
        self.identified_intents.append(intents)
        conn.intents = intents
        conn.session_id = secrets.token_hex(16)
        conn.session = Session(intents, conn=conn)
        self.sessions[conn.session_id] = conn.session
        world = self.world
        ready: dict[str, Any] = {
            "v": 10,
            "user": world.user_payload(world.bot_id)
            | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in world.guilds],
            "session_id": conn.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._url(),
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": [],
        }
        if d.get("shard") is not None:
            ready["shard"] = d["shard"]
        self._enqueue(conn, 0, ready, "READY")
        if intents & INTENT_GUILDS:
            for guild_id in world.guilds:
                self._enqueue(conn, 0, self.guild_create(guild_id, intents), "GUILD_CREATE")
        return None

    def guild_create(self, guild_id: int, intents: int) -> dict[str, Any]:
        return self.world.guild_payload(
            guild_id,
            with_members=bool(intents & INTENT_GUILD_MEMBERS),
            events=self._events_of(guild_id),
        )

    def _member_chunk(self, conn: Connection, d: dict[str, Any]) -> None:
        guild = self.world.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        query = str(d.get("query") or "").lower()
        wanted = {int(u) for u in d.get("user_ids") or []}
        ids = [
            uid
            for uid in guild.members
            if (uid in wanted if wanted else self.world.users[uid].name.lower().startswith(query))
        ]
        limit = int(d.get("limit") or 0)
        if limit:
            ids = ids[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [self.world.member_payload(guild.id, uid) for uid in ids],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - set(guild.members)],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        self._enqueue(conn, 0, chunk, "GUILD_MEMBERS_CHUNK")

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.ws.close(code=1001, message=b"Going away")

    def reconnect_all(self) -> None:
        """Discord's RECONNECT (op 7) to every connection: the client closes and resumes."""
        for conn in self.ready:
            self._enqueue(conn, 7, None)
