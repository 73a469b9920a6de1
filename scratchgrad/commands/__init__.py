"""One module per `scratchgrad` sub-command; each is a few calls into the libraries."""
from pathlib import Path


def prepare_out_dir(out):
    """Create the --out folder before any training, so a bad path fails in a second."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder; name a folder (it is "
                         "created if missing)")
    out.mkdir(parents=True, exist_ok=True)
    return out
