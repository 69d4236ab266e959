"""Talking to the Bot API safely: flood limits, RetryAfter, transient network errors.

Every request of the bot (except getUpdates, which the Updater retries itself) goes through
``ResilientRateLimiter``: PTB's ``AIORateLimiter`` keeps to Telegram's flood limits and waits
out a RetryAfter (429) before retrying; on top of it, transient network failures (a timeout, a
502 from the proxy in front of the Bot API, a dropped connection) are retried with a growing
pause. Errors that retrying cannot fix (BadRequest, Forbidden, InvalidToken…) go straight to
the caller. Logs name the Bot API method and the kind of error, never the request's data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]


class ResilientRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND,
        group_max_rate: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        max_retries: int = 3,
        network_retries: int = 4,
        first_pause: float = 0.25,
        max_pause: float = 5.0,
    ) -> None:
        """``max_retries``: RetryAfter (429) retries; ``network_retries``: retries of
        transient network errors, pausing ``first_pause`` seconds, doubling up to ``max_pause``.
        """
        super().__init__(
            overall_max_rate=overall_max_rate,
            group_max_rate=group_max_rate,
            max_retries=max_retries,
        )
        self.network_retries = network_retries
        self.first_pause = first_pause
        self.max_pause = max_pause

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        pause = self.first_pause
        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise  # a NetworkError subclass, but the request itself is wrong
            except NetworkError as error:  # includes TimedOut
                if attempt == self.network_retries:
                    _LOGGER.warning(
                        "%s failed after %d attempts (%s)",
                        endpoint,
                        attempt + 1,
                        type(error).__name__,
                    )
                    raise
                _LOGGER.info(
                    "%s: %s, retrying in %.2f s (attempt %d)",
                    endpoint,
                    "timed out" if isinstance(error, TimedOut) else type(error).__name__,
                    pause,
                    attempt + 1,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.max_pause)
        raise AssertionError("unreachable")  # pragma: no cover
