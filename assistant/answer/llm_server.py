"""llama.cpp's OpenAI-compatible HTTP server (``xllamacpp``) for one GGUF, on 127.0.0.1, until SIGTERM or Ctrl-C.

    python -m assistant.answer.llm_server --model qwen2.5-1.5b --port 8080
    ASSISTANT_LLM=openai ASSISTANT_OPENAI_BASE_URL=http://127.0.0.1:8080/v1 assistant ask "..."

Prints ``listening http://127.0.0.1:PORT`` once the model is loaded (the tests and the bench wait for that line).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from ..errors import AssistantError
from .llm import llama_server
from .models import resolve_model


def main(argv: list[str] | None = None) -> int:
    """Load the model, serve it until SIGTERM/SIGINT, then free it; 2 with a one-line error on a bad model."""
    parser = argparse.ArgumentParser(prog="python -m assistant.answer.llm_server", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a GGUF path or a model name (smollm2, qwen2.5-1.5b, ...)")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--n-ctx", type=int, default=4096, help="context size in tokens")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        server = llama_server(resolve_model(args.model), n_ctx=args.n_ctx, n_threads=args.threads, port=args.port)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"listening {server.listening_address}", flush=True)
    stop.wait()
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
