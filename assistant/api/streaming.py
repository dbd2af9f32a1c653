"""Turning the growing answer text into OpenAI's stream: each step of ``ask_stream`` is a verified text, and a client
is sent only what it has not seen yet. A text that does not extend what was sent cannot be taken back, so nothing more
is sent until the answer is final, and the final answer then follows in full under a "Revised answer:" line."""

from __future__ import annotations

REVISED = "\n\nRevised answer:\n\n"


class Deltas:
    """The pieces of text to send as the answer grows; ``sent`` is everything sent so far."""

    def __init__(self) -> None:
        self.sent = ""
        self.diverged = False

    def step(self, text: str) -> str:
        """The new part of ``text`` ("" when nothing is new, or once a text did not extend what was sent)."""
        if self.diverged:
            return ""
        if not text.startswith(self.sent):
            self.diverged = True
            return ""
        delta = text[len(self.sent):]
        self.sent = text
        return delta

    def finish(self, final: str) -> str:
        """What to send so that the client ends with ``final``: its unsent rest, or (when what was sent is not its
        beginning) the whole final text after a "Revised answer:" line."""
        if not self.diverged and final.startswith(self.sent):
            delta = final[len(self.sent):]
        else:
            delta = (REVISED if self.sent else "") + final
        self.sent += delta
        return delta
