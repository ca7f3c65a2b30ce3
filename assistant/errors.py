"""The errors the assistant raises for its users: each message says what went wrong and what to do."""

from __future__ import annotations


class AssistantError(Exception):
    """An error with a message meant for the user (no traceback shown)."""


class IndexMissingError(AssistantError):
    pass


class IndexMismatchError(AssistantError):
    pass


class StoreUnavailableError(AssistantError):
    pass


class BadQuestionError(AssistantError):
    pass


class IndexChangedError(AssistantError):
    """The index a question started on was replaced meanwhile (another process rebuilt it): ask again on the new one."""


class GeneratorError(AssistantError):
    """The generator (an OpenAI-compatible server, or the local model) failed; the message says how, for the user."""
