"""Type-check the installed package, `scratchgrad`, the way users import it.

The repository keeps `autograd/`, `nn/` and `viz/` at its root and `pyproject.toml` maps
them into `scratchgrad` (`package-dir`), which mypy cannot follow by itself. So this lays
the package out in a temporary folder with symlinks (scratchgrad/autograd -> autograd/,
...), then runs `mypy -p scratchgrad` there with the settings in `pyproject.toml`
([tool.mypy]: which modules must be fully annotated). Exit status: mypy's.

    python tools/typecheck.py
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED = ("autograd", "nn", "viz")  # repository folders that install inside scratchgrad


def lay_out(where: Path) -> Path:
    """Build `where/scratchgrad` from symlinks so that mypy sees the installed package."""
    package = where / "scratchgrad"
    package.mkdir()
    for entry in (ROOT / "scratchgrad").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name in MAPPED:
        (package / name).symlink_to(ROOT / name)
    return package


def main() -> int:
    """Run mypy over the laid-out package and return its exit status."""
    with tempfile.TemporaryDirectory() as tmp:
        lay_out(Path(tmp))
        env = {**os.environ, "MYPYPATH": tmp}
        command = [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(Path(tmp) / ".mypy_cache"),
            "-p",
            "scratchgrad",
        ]
        return subprocess.run(command, cwd=tmp, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
