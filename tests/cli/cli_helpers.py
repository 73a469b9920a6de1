"""Helpers for the command-line tests: run `main` in-process or as a subprocess and check
what a user sees."""

import subprocess
import sys

from scratchgrad.cli import main


def run_main(capsys, *args):
    """(exit code, stdout, stderr) of one in-process run."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_cli(*args, cwd):
    """`python -m scratchgrad ARGS` in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "scratchgrad", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_line_error(code, err, *words):
    """Exit 2 and one line "scratchgrad: error: ..." holding every word."""
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scratchgrad: error: ") and "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def assert_result_or_one_line(code, err):
    """The engine may answer (exit 0) or refuse (exit 2), never crash."""
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:
        assert_one_line_error(code, err)


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def subparsers():
    """{command: its ArgumentParser}, to read each command's options and help."""
    from scratchgrad.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices
