"""`scratchgrad gradcheck`: backprop vs central differences for every op in the table."""

import numpy as np

from ..autograd import OPS, gradcheck
from ..autograd.op_examples import EXAMPLES, scalar_example


def check_all(seed=0):
    """Rows of (op, node type, max relative error, ok) for every op and node type."""
    rows = []
    for name, op in OPS.items():
        cases = []
        if op.tensors:
            cases.append(("Tensor", EXAMPLES[name](np.random.default_rng(seed))))
        if op.values:
            cases.append(("Value", scalar_example(name, np.random.default_rng(seed))))
        for kind, (f, inputs) in cases:
            report = gradcheck(f, inputs, raise_exception=False)
            worst = max((r.max_rel_error for r in report.inputs), default=0.0)
            rows.append((name, kind, worst, report.ok))
    return rows


def run(args, echo=print):
    """Print one row per check; exit status 1 when any check failed."""
    rows = check_all(args.seed)
    width = max([len("op")] + [len(name) for name, *_ in rows])  # the longest op name
    echo(f"{'op':<{width}} {'node':<7} {'max rel error':>14}  result")
    for name, kind, worst, ok in rows:
        echo(f"{name:<{width}} {kind:<7} {worst:>14.2e}  {'ok' if ok else 'FAILED'}")
    failed = [f"{name} ({kind})" for name, kind, _, ok in rows if not ok]
    echo(
        f"{len(rows) - len(failed)} of {len(rows)} checks passed"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0
