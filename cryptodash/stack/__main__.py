"""`python -m cryptodash.stack run|demo|test|superuser|supervise`: the launcher's command line (the Makefile calls it).

It parses the arguments, sets the umask and the private run dir, and hands over to `commands` or
`supervisor`; it must not do any of their work itself.
"""

from __future__ import annotations

import argparse
import os
import sys

from cryptodash.secretfile import private_dir
from cryptodash.stack.base import RUN_DIR, StackError
from cryptodash.stack.supervisor import supervise


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Everything after `test` belongs to pytest, verbatim and in order (`test -p no:cacheprovider`
    # must not have argparse take `-p` for itself).
    pytest_args = argv[1:] if argv[:1] == ["test"] else []
    if pytest_args:
        argv = ["test"]
    parser = argparse.ArgumentParser(prog="python -m cryptodash.stack", description="Run, demo or test cryptodash.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the whole stack (web, worker, beat, relay, backup, ticks)")
    sub.add_parser("demo", help="the whole stack against the built-in fake upstream (simulated data)")
    sub.add_parser("superuser", help="create an account for /admin/ (Django's createsuperuser)")
    supervisor = sub.add_parser(
        "supervise",
        help="run one command, restarting it if it dies (used by run)",
        usage="python -m cryptodash.stack supervise NAME [--after URL] -- CMD ...",
        description="--after URL: start CMD the first time once URL answers HTTP (or after 60 s).",
    )
    supervisor.add_argument("name")
    supervisor.add_argument("child", nargs=argparse.REMAINDER)
    sub.add_parser("test", help="run the test suite on a real Redis (the arguments after it go to pytest)")
    args = parser.parse_args(argv)
    # Every file the stack writes (database, secret key, Redis password, logs, metrics) is for this
    # user only; the processes started from here inherit the mask.
    os.umask(0o077)
    private_dir(RUN_DIR)
    try:
        if args.command == "supervise":
            # By hand: argparse's REMAINDER (the child's own options must reach it untouched) takes
            # every argument after NAME, options included.
            child, after = args.child, None
            if child[:1] == ["--after"] and len(child) > 1:
                after, child = child[1], child[2:]
            child = child[1:] if child[:1] == ["--"] else child
            return supervise(args.name, child, after=after)
        # Here, not at the top: each process of `make run` has a supervisor, and these imports
        # (redis, psycopg, honcho) would cost each of them CPU the web process needs as it starts.
        from cryptodash.stack.commands import create_superuser, run_demo, run_stack, run_tests  # noqa: PLC0415 - see above

        if args.command == "run":
            return run_stack()
        if args.command == "demo":
            return run_demo()
        if args.command == "superuser":
            return create_superuser()
        return run_tests(pytest_args)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
