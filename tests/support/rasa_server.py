"""The real rasa-sdk action server as a subprocess on loopback, and Rasa-shaped webhook calls.

Used by ``tests/test_rasa_actions.py`` and ``benchmarks/bench_rasa.py``::

    with ActionServer() as server:
        answer = httpx.post(server.webhook_url, json=action_call(...), timeout=10)

Pitfalls handled (see the shared ecosystem notes): the server binds 0.0.0.0 unless
``SANIC_HOST`` says otherwise; it runs in its own process group; it is stopped only a moment
after its first healthy answer (stopping it sooner can leave it spinning with the port held);
a second SIGTERM makes Sanic stop its whole group; every wait has a timeout.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
import rasa_sdk

from bot.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ActionServer:
    """``python -m rasa_sdk --actions PACKAGE --port N`` in the project folder."""

    def __init__(
        self,
        actions: str = "actions",
        *,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
        settle: float = 1.0,
    ) -> None:
        self.actions = actions
        self.port = free_port()
        self.env = {**os.environ, **(env or {}), "SANIC_HOST": "127.0.0.1"}
        self.start_timeout = start_timeout
        self.settle = settle
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhook"

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", self.actions, "--port", str(self.port)],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the action server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the action server did not become healthy:\n{self.log()}")
            time.sleep(0.1)
        time.sleep(self.settle)  # never stop it right after its first healthy answer

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        self.process = None
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            if process.poll() is not None:
                break
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        # Workers of the same group that outlived the leader.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._log.close()

    def __enter__(self) -> ActionServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- payloads as Rasa Open Source sends them -------------------------------------------------


def user_event(
    text: str, intent: str = "inform", entities: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": time.time(),
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
            "text": text,
        },
        "input_channel": "rest",
    }


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": time.time(), "name": name, "value": value}


def action_event(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": time.time(), "name": name, "confidence": 1.0}


def active_loop_event(name: str | None) -> dict[str, Any]:
    return {"event": "active_loop", "timestamp": time.time(), "name": name}


def bot_event(text: str | None) -> dict[str, Any]:
    return {"event": "bot", "timestamp": time.time(), "text": text, "data": {}}


def action_call(
    action: str,
    *,
    domain: Mapping[str, Any],
    slots: Mapping[str, Any],
    events: list[dict[str, Any]],
    active_loop: str | None = None,
    sender_id: str = "test-user",
) -> dict[str, Any]:
    """The JSON body Rasa posts to the action server's ``/webhook``."""
    latest_user = next((e for e in reversed(events) if e["event"] == "user"), None)
    latest_message = (
        {**latest_user["parse_data"], "intent_ranking": [latest_user["parse_data"]["intent"]]}
        if latest_user
        else {}
    )
    all_slots = {name: None for name in domain.get("slots", {})}
    all_slots["requested_slot"] = None
    all_slots.update(slots)
    return {
        "next_action": action,
        "sender_id": sender_id,
        "tracker": {
            "sender_id": sender_id,
            "slots": all_slots,
            "latest_message": latest_message,
            "latest_event_time": events[-1].get("timestamp") if events else None,
            "followup_action": None,
            "paused": False,
            "events": events,
            "latest_input_channel": "rest",
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action": {"action_name": active_loop or "action_listen"},
            "latest_action_name": active_loop or "action_listen",
        },
        "domain": dict(domain),
        "version": rasa_sdk.__version__,
    }
