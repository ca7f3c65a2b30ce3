"""``python -m evals.corpora build|run [--only NAME ...]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .build import BUILDERS, DEFAULT_OUT, build, format_rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.corpora")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="fetch packages and build every corpus + cases file")
    b.add_argument("--only", action="append", choices=list(BUILDERS), help="build only this corpus (repeatable)")
    b.add_argument("--out", default=str(DEFAULT_OUT))
    r = sub.add_parser("run", help="score the project and the baselines on the built corpora")
    r.add_argument("--only", action="append", help="run only this corpus (and its holdout); repeatable")
    r.add_argument("--out", default=str(DEFAULT_OUT), help="where the built corpora are")
    r.add_argument("--split", default="all", choices=["all", "tune", "test"])
    r.add_argument("--report", default="", help="report folder (default evals/reports)")
    r.add_argument("--no-llamaindex", action="store_true", help="skip the LlamaIndex baseline (it embeds the corpus again)")
    r.add_argument(
        "--no-loco", action="store_true", help="score the project with the shipped scorer, not the fold without each corpus"
    )
    args = p.parse_args(argv)
    if args.cmd == "build":
        print(format_rows(build(Path(args.out), args.only)))
        return 0
    from .runner import run

    return run(
        Path(args.out),
        args.only,
        args.split,
        Path(args.report) if args.report else None,
        not args.no_llamaindex,
        not args.no_loco,
    )


if __name__ == "__main__":
    raise SystemExit(main())
