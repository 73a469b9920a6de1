"""LiveView's cost, measured where it draws: inside a Jupyter kernel (run by nbclient).

    python -m bench.liveview_side ROUNDS -> JSON: seconds per fit with and without
    LiveView (medians over alternating rounds), redraws per second, draw time share

The model is a small digits MLP (64-64-10, 40 epochs, batch 32), as in the lessons.
"""

import json
import sys

from bench.harness import emit

CELL = """
import json, time, numpy as np
from scratchgrad import nn, viz
X_train, X_test, y_train, y_test = nn.datasets.digits(split=True)
def run(live):
    nn.manual_seed(0)
    model = nn.mlp([64, 64, 10])
    opt = nn.optim.Adam(model.parameters(), lr=3e-3)
    view = viz.LiveView() if live else None
    start = time.perf_counter()
    nn.fit(model, nn.functional.cross_entropy, opt,
           nn.DataLoader((X_train, y_train), 32, shuffle=True), epochs=40,
           progress=False, callbacks=[view] if view else [])
    return time.perf_counter() - start, view
plain, live, rates, shares = [], [], [], []
for _ in range(ROUNDS):
    plain.append(run(False)[0])
    seconds, view = run(True)
    live.append(seconds)
    rates.append(view.updates / seconds)
    shares.append(view.draw_seconds / seconds)
print("RESULT " + json.dumps({"plain": float(np.median(plain)), "live": float(np.median(live)),
                              "updates_per_second": float(np.median(rates)),
                              "draw_share": float(np.median(shares))}))
"""


def main():
    import nbformat
    from nbclient import NotebookClient

    rounds = int(sys.argv[1])
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(CELL.replace("ROUNDS", str(rounds))))
    NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    for output in notebook.cells[0].outputs:
        text = output.get("text", "")
        for line in text.splitlines():
            if line.startswith("RESULT "):
                return emit(**json.loads(line[len("RESULT ") :]))
    emit(error="the kernel printed no result")


if __name__ == "__main__":
    main()
