"""A ``Generator`` over any OpenAI-compatible chat endpoint: llama.cpp's server, Ollama, vLLM, hosted APIs.

``base_url`` is the API root such as ``http://127.0.0.1:8080/v1``; requests go to
``{base_url}/chat/completions`` with ``stream: true`` and are read as server-sent
events.  Every failure becomes one ``GeneratorError`` that says what happened and
what to do: the server is down, it hung past the timeout, it has no such model,
the prompt is too long for its context, or it refused the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from ..errors import GeneratorError


class OpenAIChatGenerator:
    def __init__(self, base_url: str, model: str = "", api_key: str = "", timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"{model or 'default model'} at {self.base_url}"
        self._client = None

    def _http(self):
        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)))
        return self._client

    def _error(self, status: int, body: str) -> GeneratorError:
        try:
            err = json.loads(body).get("error", body)
            msg = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        except (ValueError, AttributeError):
            msg = body
        msg = " ".join(str(msg).split())[:300]
        where = f"The language model server at {self.base_url}"
        low = msg.lower()
        if status in (401, 403):
            return GeneratorError(f"{where} refused the API key (set ASSISTANT_LLM_API_KEY): {msg}")
        if status == 404 or ("model" in low and ("not found" in low or "does not exist" in low)):
            return GeneratorError(f"{where} has no model {self.model or '(default)'!r} or no chat endpoint: {msg}")
        if "context" in low or "too long" in low or "exceed" in low:
            return GeneratorError(f"The question and its evidence are too long for the model's context window: {msg}")
        return GeneratorError(f"{where} answered HTTP {status}: {msg}")

    def stream(self, messages: Sequence[dict], max_tokens: int, stats: dict | None = None) -> Iterator[str]:
        import httpx

        body = {"messages": list(messages), "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        body["stream_options"] = {"include_usage": True}
        if self.model:
            body["model"] = self.model
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = f"{self.base_url}/chat/completions"
        try:
            with self._http().stream("POST", url, json=body, headers=headers) as r:
                if r.status_code >= 400:
                    raise self._error(r.status_code, r.read().decode("utf-8", "replace"))
                yield from self._events(r.iter_lines(), stats)
        except httpx.TimeoutException:
            raise GeneratorError(
                f"The language model server at {self.base_url} did not answer within {self.timeout:g} s (ASSISTANT_LLM_TIMEOUT)."
            ) from None
        except httpx.HTTPError as e:
            raise GeneratorError(
                f"The language model server at {self.base_url} is not reachable ({type(e).__name__}: {e}). "
                "Start it, or set ASSISTANT_LLM_URL to a running one."
            ) from None

    def _events(self, lines, stats: dict | None) -> Iterator[str]:
        for line in lines:
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                event = json.loads(data)
            except ValueError:
                raise GeneratorError(f"The server at {self.base_url} sent a reply that is not OpenAI-compatible JSON.") from None
            if "error" in event:
                err = event["error"]
                raise self._error(int(err.get("code", 500)) if isinstance(err, dict) else 500, json.dumps(event))
            if stats is not None and event.get("usage"):
                stats.update({k: event["usage"][k] for k in ("prompt_tokens", "completion_tokens") if k in event["usage"]})
            for choice in event.get("choices") or []:
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    yield piece
