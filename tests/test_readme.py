"""The README's code blocks work as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_the_example_and_the_testing_recipe():
    blocks = python_blocks()
    assert len(blocks) >= 2
    assert any("def test_swish_gradients" in b for b in blocks)


def test_every_python_block_runs():
    for block in python_blocks():
        exec(compile(block, str(README), "exec"), {"__name__": "readme"})


def test_the_recipe_catches_a_wrong_derivative():
    """The recipe is only worth something if it can fail: break swish's derivative."""
    import numpy as np
    import pytest

    from scratchgrad.autograd import Tensor
    from scratchgrad.autograd.op_table import Op
    from scratchgrad.autograd.ops_elementwise import SIGMOID
    from scratchgrad.autograd.testing import assert_gradients_match

    wrong = Op(
        "wrong_sigmoid", SIGMOID.forward, vjp=lambda node, g, xs, out: (g * out,), jvp=SIGMOID.jvp
    )
    x = Tensor(np.linspace(-2, 2, 5), requires_grad=True)
    with pytest.raises(AssertionError, match="input 0"):
        assert_gradients_match(lambda t: (t * wrong(t)).sum(), [x])
