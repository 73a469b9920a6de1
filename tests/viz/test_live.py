"""LiveView: quiet outside a kernel, cheap to draw, one display updated in place inside."""

import zlib

import pytest

from scratchgrad import nn, viz
from scratchgrad.viz import live


def tiny_fit(callbacks, epochs=2):
    X, y = nn.datasets.digits()
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    nn.fit(
        model,
        nn.functional.cross_entropy,
        nn.optim.SGD(model.parameters(), lr=0.1),
        nn.DataLoader((X[:256], y[:256]), batch_size=64),
        epochs=epochs,
        progress=False,
        callbacks=callbacks,
    )
    return model


def test_outside_a_kernel_it_only_says_so_once(capsys):
    view = viz.LiveView()
    tiny_fit([view])
    tiny_fit([view])
    out = capsys.readouterr().out
    assert out.count("LiveView: no notebook kernel") == 1 and view.updates == 0


def test_the_view_is_inline_svg_and_a_png():
    """(Its drawing cost is measured by the bench's LiveView rows, not here.)"""
    view = viz.LiveView()
    model = tiny_fit([])
    view.logs = {
        "loss": [2.0, 1.0, 0.5],
        "accuracy": [0.2, 0.6, 0.8],
        "<script>x</script>": [1.0, 2.0],
    }
    html = view.to_html(model, 3)
    assert html.count("<svg") == 3 and "data:image/png;base64," in html
    assert "http:" not in html and "https:" not in html
    assert "<script" not in html and "&lt;script&gt;" in html


def test_png_bytes_is_a_valid_png():
    import numpy as np

    data = live.png_bytes(np.zeros((3, 5, 3), np.uint8))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4 : idat], "big")
    assert len(zlib.decompress(data[idat + 4 : idat + 4 + length])) == 3 * (1 + 5 * 3)


def test_bad_arguments_say_what_to_pass():
    with pytest.raises(ValueError, match="every must be a number of seconds"):
        viz.LiveView(every=-1)
    with pytest.raises(ValueError, match="budget must be a fraction"):
        viz.LiveView(budget=0)


CELL = """
from scratchgrad import nn, viz
X, y = nn.datasets.digits()
nn.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
view = viz.LiveView(every=0, budget=1)
nn.fit(model, nn.functional.cross_entropy, nn.optim.SGD(model.parameters(), lr=0.1),
       nn.DataLoader((X[:256], y[:256]), batch_size=64), epochs=4, progress=False,
       callbacks=[view])
print("updates", view.updates)
"""


def test_in_a_kernel_one_display_is_updated_in_place(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    class Recording(nbclient.NotebookClient):
        messages = []

        def process_message(self, msg, cell, cell_index):
            kind = msg["msg_type"]
            if kind in ("display_data", "update_display_data"):
                self.messages.append((kind, msg["content"].get("transient", {}).get("display_id")))
            return super().process_message(msg, cell, cell_index)

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    Recording(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    kinds = [kind for kind, _ in Recording.messages]
    assert kinds[0] == "display_data" and kinds.count("display_data") == 1
    updates = kinds.count("update_display_data")
    assert updates >= 2  # epochs redrawn, the last one always
    assert len({display_id for _, display_id in Recording.messages}) == 1
    assert Recording.messages[0][1]
    outputs = notebook.cells[0].outputs
    assert [o.output_type for o in outputs].count("display_data") == 1  # not one per update
    shown = next(o for o in outputs if o.output_type == "display_data")
    assert "epoch 4" in shown.data["text/html"] and "<svg" in shown.data["text/html"]
    assert f"updates {updates}" in "".join(o.get("text", "") for o in outputs)
