"""The notebook player: one self-contained HTML block that replays a graph step by step.

    viz.draw_graph(loss)          # in Jupyter: the forward pass, node by node
    viz.backprop_steps(loss)      # ... then the backward pass, gradient by gradient
    steps.save_html("bp.html")    # the same block as a standalone page

Why one SVG plus a JSON list of steps: the graph is laid out once (one bounded renderer
call), and each step only records what changes (nodes shown so far, gradients that
became final, the highlighted node, the rule text).

Bounded: steps exist only for drawn nodes (`max_nodes`), and a page keeps at most
MAX_PLAYER_STEPS steps and MAX_PLAYER_BYTES bytes (whatever a notebook shows is saved
in it). What is left out is said on the page and in the object's repr, e.g. "showing
642 of 30,401 steps; 49,601 nodes not drawn (max_nodes=400)". Only a picture that alone
is larger (max_nodes above about 1,400) makes a larger page: it is then shown with one
step, and its size is bounded by the renderer's MAX_RENDER_NODES.

A few lines of plain JavaScript restyle the SVG; no CDN, no server, no widgets, no
http(s) URL anywhere, so it works in JupyterLab, VS Code, Colab and in exported HTML.
Without JavaScript (an untrusted notebook) the SVG still shows, complete. `#step=N` in
the page URL opens step N.

Safety: every user string reaches the page either through `escape.html_escape` (HTML
text) or through `script_json` (JSON in a <script>, with < > & as \\u escapes), and the
script only ever sets `textContent`, so a label like `</script><script>...` stays text.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..autograd.node import Node
from . import renderer
from .escape import clean, html_escape
from .style import NO_GRAD, fmt, numbers

MAX_LISTED = 6  # inputs listed by name in a rule text; the rest become "..."
MAX_PLAYER_STEPS = 2000  # steps one page keeps (a longer slider is of no use)
MAX_PLAYER_BYTES = 2_000_000  # one page, SVG included: a notebook stores all of it
PAGE_MARGIN = 16_000  # bytes kept for the page's fixed text (controls, title, note)


# --- what the page shows, per node and per step --------------------------------------


class PlayerData:
    """Per-node entries (drawn order), per-step states, the step to open at, a title, and
    what was left out: `total` steps the whole pass has (`steps` holds those recorded),
    `hidden` nodes beyond `max_nodes`, `limit` ("steps") when recording stopped at
    MAX_PLAYER_STEPS. `shown` is set by the last page built: (first, stop, limit)."""

    def __init__(
        self,
        nodes: list[dict[str, Any]],
        steps: list[dict[str, Any]],
        start: int | None = None,
        title: object = None,
        total: int | None = None,
        hidden: int = 0,
        max_nodes: int | None = None,
        limit: str | None = None,
    ) -> None:
        self.nodes = nodes
        self.steps = steps or [{"s": "the graph", "r": "", "h": -1, "v": len(nodes), "d": []}]
        self.start = len(self.steps) - 1 if start is None else start
        self.title = "" if title is None else clean(title)
        self.total = len(self.steps) if total is None else total
        self.hidden = hidden
        self.max_nodes = max_nodes
        self.limit = limit
        self.shown: tuple[int, int, str | None] | None = None


def summary(data: PlayerData) -> str:
    """What the player shows, and what it leaves out; e.g. 'showing the first 2,000 of
    30,401 steps (page limit: ...); 49,601 nodes not drawn (max_nodes=400)'."""
    first, stop, limit = data.shown or (0, len(data.steps), data.limit)
    kept = stop - first
    if kept == data.total:
        text = f"{kept:,} steps"
    else:
        which = ""
        if limit and first == 0:
            which = "the first "
        elif limit and stop == len(data.steps):
            which = "the last "
        text = f"showing {which}{kept:,} of {data.total:,} steps"
    if limit == "steps":
        text += f" (page limit: viz.player.MAX_PLAYER_STEPS = {MAX_PLAYER_STEPS:,})"
    elif limit == "bytes":
        text += f" (page limit: viz.player.MAX_PLAYER_BYTES = {MAX_PLAYER_BYTES:,} bytes)"
    if data.hidden:
        text += f"; {data.hidden:,} nodes not drawn (max_nodes={data.max_nodes})"
    return text


def note(data: PlayerData) -> str | None:
    """The line the page shows when something is left out, else None."""
    first, stop, _ = data.shown or (0, len(data.steps), None)
    if stop - first == data.total and not data.hidden:
        return None
    return summary(data)


def fit(data: PlayerData, budget: int) -> tuple[int, int, str | None]:
    """(first, stop, limit): the run of steps a page keeps, within `budget` bytes of step
    JSON and MAX_PLAYER_STEPS steps, always holding the step it opens at: the first
    steps when they reach it, the last ones for a player that opens at its end (a
    drawing), else the steps from the opening one on. `limit` names what cut it."""
    sizes = [len(script_json(step)) + 1 for step in data.steps]
    total, start = len(sizes), data.start

    def run(indices: Iterable[int]) -> int:
        used = count = 0
        for i in indices:
            if count == MAX_PLAYER_STEPS or used + sizes[i] > budget:
                break
            used += sizes[i]
            count += 1
        return max(count, 1)

    if start == total - 1:
        kept = run(range(total - 1, -1, -1))
        first, stop = total - kept, total
    else:
        kept = run(range(total))
        if kept > start:
            first, stop = 0, kept
        else:
            first = start
            stop = start + run(range(start, total))
    if (first, stop) == (0, total):
        return 0, total, data.limit
    return first, stop, "steps" if stop - first == MAX_PLAYER_STEPS else "bytes"


def kept_steps(steps: list[dict[str, Any]], first: int, stop: int) -> list[dict[str, Any]]:
    """steps[first:stop], the first one also listing the grads that became final in the
    steps left out before it (the script finds final grads from the steps it has)."""
    kept = steps[first:stop]
    if first:
        earlier = {i for step in steps[: first + 1] for i in step["d"]}
        kept[0] = dict(kept[0], d=sorted(earlier))
    return kept


def node_entry(
    node: Any,
    label: str,
    look: Mapping[str, Any],
    grads: Mapping[Node, Any] | None,
    cluster: str | None,
) -> dict[str, Any]:
    """The player's entry for one drawn node: its grad row as drawn (final), colours,
    its cluster, and a tooltip with the full numbers (why: the record rounds to 4 digits)."""
    grad = grads.get(node) if grads is not None else node.grad
    known = grads is None or node in grads
    entry = {
        "g": look["grad_row"],
        "f": look["fill"],
        "c": look["font"],
        "t": clean(_describe(node, label)),
        "u": clean(_describe_grad(grad) if known else "grad: not known"),
    }
    if cluster:
        entry["k"] = cluster
    return entry


def _describe(node: Any, label: str) -> str:
    """Tooltip lines for a node's value: name, op, and all of its data (or its stats)."""
    kind = (
        ("parameter" if node.requires_grad else "constant")
        if node.op is None
        else f"{node.op.name} node"
    )
    lines = [f"{label} ({kind})" if label else kind]
    if node.data is None:
        lines.append(f"shape {tuple(node.shape)} {node.dtype}; data freed by backward")
    elif isinstance(node, Tensor):
        lines.append(f"shape {tuple(node.shape)} {node.dtype}")
        lines.append("data " + _stats(node.data))
    else:
        lines.append(f"data {node.data!r}")
    return "\n".join(lines)


def _raw(x: Any) -> Any:
    """The numbers of a grad or node, on the host (see style.numbers)."""
    return x if isinstance(x, (float, int)) else numbers(x)


def _describe_grad(grad: Any) -> str:
    if grad is None:
        return "grad: none (no backward reached it)"
    data = _raw(grad)
    if isinstance(data, np.ndarray) and data.size != 1:
        norm = float(np.linalg.norm(data.astype(np.float64, copy=False)))
        return f"grad norm {norm:.6g}; " + _stats(data)
    return f"grad {float(np.asarray(data).reshape(-1)[0])!r}"


def _stats(array: Any) -> str:
    a = numbers(array)
    if a.size == 0:
        return "empty"
    a = a.astype(np.float64, copy=False)
    return f"mean {a.mean():.6g}, min {a.min():.6g}, max {a.max():.6g}"


def _short(node: Any) -> str:
    """A node's value in a rule text: the number for a scalar, shape and dtype otherwise."""
    if node.data is None or isinstance(node, Tensor) and node.data.size != 1:
        return f"{tuple(node.shape)} {node.dtype}"
    return fmt(float(numbers(node.data).reshape(-1)[0]))


def _listed(texts: Iterable[str]) -> str:
    texts = list(texts)
    if len(texts) > MAX_LISTED:
        texts = texts[:MAX_LISTED] + [f"... {len(texts) - MAX_LISTED} more"]
    return ", ".join(texts)


def forward_steps(shown: Sequence[Any], labels: Sequence[str]) -> list[dict[str, Any]]:
    """One step per drawn node, inputs first: step k shows nodes 0..k with their data."""
    total = len(shown)
    steps = []
    for k, (node, name) in enumerate(zip(shown, labels)):
        if node.op is None:
            what = "input" if node.requires_grad else "constant"
            rule = f"{name or what} = {_short(node)} ({what})"
        else:
            inputs = _listed(_short(p) for p in node.parents)
            rule = f"{name + ' = ' if name else ''}{node.op.name}({inputs}) = {_short(node)}"
        steps.append(
            {"s": f"forward {k + 1}/{total}", "r": clean(rule), "h": k, "v": k + 1, "d": []}
        )
    return steps


def reveal_step(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`draw_graph`'s last step: every gradient as drawn (no backward runs for it)."""
    with_grad = [i for i, entry in enumerate(entries) if entry["g"] is not None]
    if not with_grad:
        return []
    return [
        {
            "s": "gradients as drawn (viz.backprop_steps replays how they arrive)",
            "r": "",
            "h": -1,
            "v": len(entries),
            "d": with_grad,
        }
    ]


def backward_step(
    number: int,
    node: Any,
    upstream: Any,
    deltas: Sequence[Any],
    index: Mapping[Node, int],
    newly_final: Iterable[Node],
    visible: int,
) -> dict[str, Any]:
    """The player state after `node` passed its gradient on (numbers from the engine's
    walk: `upstream` is node.grad, `deltas` what each input's .grad gained)."""
    return {
        "s": f"backward step {number}: the {node.op.name} node passes its gradient "
        f"to {len(node.parents)} input(s)",
        "r": clean(rule_text(node, upstream, deltas)),
        "h": index.get(node, -1),
        "v": visible,
        "d": sorted(index[n] for n in newly_final if n in index),
    }


def seed_step(root: Node, index: Mapping[Node, int], visible: int) -> dict[str, Any]:
    """The player state before the backward pass's first step: the root seeded with 1."""
    return {
        "s": "backward step 0: seed d(out)/d(out) = 1",
        "r": "the output's gradient with respect to itself is 1",
        "h": index.get(root, -1),
        "v": visible,
        "d": [index[root]] if root in index else [],
    }


def rule_text(node: Any, upstream: Any, deltas: Sequence[Any]) -> str:
    """'tanh: d/dx = 1 - tanh^2 x = 0.5; upstream 1 -> 0.5' from the op table's doc and
    the engine's numbers (the local derivative is the input's gain / upstream)."""
    doc = node.op.doc or node.op.name
    rule = doc.split(";", 1)[1].strip() if ";" in doc and "d" in doc.split(";", 1)[1] else doc
    if all(_is_number(d) for d in deltas) and _is_number(upstream):
        g = _number(upstream)
        gains = [fmt(_number(d)) if d is not None else "-" for d in deltas]
        if g != 0:
            local = [fmt(_number(d) / g) if d is not None else "-" for d in deltas]
            rule += " = " + (local[0] if len(local) == 1 else f"({_listed(local)})")
        outs = gains[0] if len(gains) == 1 else f"({_listed(gains)})"
        return f"{node.op.name}: {rule}; upstream {fmt(g)} \u2192 {outs}"
    outs = _listed(_norm(d) for d in deltas)
    return (
        f"{node.op.name}: {rule}; upstream \u2016g\u2016 {_norm(upstream)} \u2192 "
        f"\u2016grad\u2016 ({outs})"
    )


def _is_number(x: Any) -> bool:
    return x is None or isinstance(x, (int, float)) or np.size(_raw(x)) == 1


def _number(x: Any) -> float:
    return float(np.asarray(_raw(x), dtype=np.float64).reshape(-1)[0])


def _norm(x: Any) -> str:
    if x is None:
        return "-"
    return fmt(float(np.linalg.norm(np.asarray(_raw(x), dtype=np.float64))))


# --- the page ---------------------------------------------------------------------------


def script_json(obj: Any) -> str:
    """JSON safe inside <script>: ASCII only, and < > & as \\u escapes (no `</script>`)."""
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_PROLOG = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'(<[a-zA-Z][^<>]*?\s)id="')


def inline_svg(svg: str, uid: str) -> str:
    """Renderer SVG made fit for inlining: no prolog or comments, no namespace URLs (the
    HTML parser knows SVG), and every id prefixed with `uid` (unique on the page)."""
    svg = _XMLNS.sub("", _PROLOG.sub("", svg)).strip()
    if re.search(r"<\s*(script|foreignObject)", svg, re.I):
        raise renderer.RenderError(
            "the renderer's SVG contains a script or foreign object; refusing to inline it"
        )
    return _ID.sub(lambda m: f'{m.group(1)}id="{uid}-', svg)


def html_block(svg: str, data: PlayerData, uid: str | None = None) -> str:
    """The player: controls, the inline SVG and one script (runs once, finds its block).

    Keeps the steps that fit MAX_PLAYER_BYTES beside the picture (`fit`), records what
    it kept in `data.shown`, and says on the page what was left out."""
    uid = uid or "sgp" + uuid.uuid4().hex[:12]
    picture = inline_svg(svg, uid)
    fixed = (
        len(picture.encode("utf-8"))
        + len(_CSS)
        + len(_JS)
        + PAGE_MARGIN
        + len(script_json({"nodes": data.nodes, "steps": [], "start": 0, "pending": NO_GRAD}))
    )
    data.shown = fit(data, MAX_PLAYER_BYTES - fixed)
    first, stop, _ = data.shown
    steps = kept_steps(data.steps, first, stop)
    start = data.start - first
    state = {"nodes": data.nodes, "steps": steps, "start": start, "pending": NO_GRAD}
    opening = steps[start]
    left_out = note(data)
    css = _CSS.replace("#UID", f"#{uid}")
    script = _JS.replace("__UID__", uid).replace("__DATA__", script_json(state))
    return (
        f'<div id="{uid}" class="sgp" tabindex="0">'
        f"<style>{css}</style>"
        f'<div class="sgp-bar" style="display:none">'
        f'<button type="button" data-a="first" title="first step">|&#9664;</button>'
        f'<button type="button" data-a="prev" title="step back">&#9664;</button>'
        f'<button type="button" data-a="play" title="play / pause">&#9654;</button>'
        f'<button type="button" data-a="next" title="step forward">&#9654;|</button>'
        f'<input type="range" min="0" max="{len(steps) - 1}" '
        f'value="{start}" aria-label="step">'
        f'<span class="sgp-n"></span>'
        f'<button type="button" data-a="zoom" title="fit the width / full size">'
        "fit / 1:1</button></div>"
        + (f'<div class="sgp-note">{html_escape(left_out)}</div>' if left_out else "")
        + f'<div class="sgp-s">{html_escape(opening["s"])}</div>'
        f'<div class="sgp-r">{html_escape(opening["r"])}</div>'
        f'<div class="sgp-svg">{picture}</div>'
        f'<div class="sgp-key">red outline: this step; grad ?: not final yet; '
        f"hover a node for its full numbers; click a module box to fold it</div>"
        f"<script>{script}</script></div>"
    )


def page(block: str, title: str = "") -> str:
    """A standalone HTML page around one player block."""
    name = html_escape(title) if title else "scratchgrad graph"
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{name}</title></head><body>{block}</body></html>\n"
    )


def cached_html(owner: Any, drawing: Any, data: PlayerData | None) -> str:
    """The block for `drawing`, rendered once per DOT source (the renderer is slow)."""
    source = drawing.source
    cache = getattr(owner, "_html_cache", None)
    if cache is None or cache[0] != source:
        svg = renderer.render_svg(drawing)
        cache = (source, svg)
        owner._html_cache = cache
    if data is None:
        data = PlayerData([], [])
    return html_block(cache[1], data)


def save_html(path: str | Path, drawing: Any, data: PlayerData | None, owner: Any = None) -> Path:
    """Write `page(...)` to `path` (temp file + os.replace); returns the Path written."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(
            f"cannot write {path}: it is a folder; name a file in it, e.g. {path / 'player.html'}"
        )
    if not path.parent.is_dir():
        raise ValueError(
            f"cannot write {path}: the folder {path.parent} does not exist; create it first"
        )
    block = cached_html(owner or drawing, drawing, data)
    title = data.title if data is not None else ""
    renderer._write_atomically(path, page(block, title).encode("utf-8"))
    return path


_CSS = """
#UID{font:13px sans-serif;outline:none}
#UID .sgp-bar{display:flex;gap:6px;align-items:center;margin:4px 0}
#UID .sgp-bar input{flex:1;max-width:420px}
#UID .sgp-note{color:#a63603;margin:2px 0}
#UID .sgp-s{font-weight:bold;margin:2px 0}
#UID .sgp-r{font-family:monospace;min-height:1.3em;margin:2px 0 6px}
#UID .sgp-svg{overflow:auto;max-height:80vh}
#UID .sgp-svg>svg{max-width:100%;height:auto}
#UID.sgp-full .sgp-svg>svg{max-width:none}
#UID .sgp-key{color:#636363;font-size:11px;margin-top:4px}
#UID .sgp-hide{visibility:hidden}
#UID .sgp-hl>polygon:first-of-type,#UID .sgp-hl>ellipse{stroke:#e31a1c;stroke-width:3.5px}
#UID g.cluster{cursor:pointer}
#UID g.sgp-fold>polygon,#UID g.sgp-fold>path{fill:#c6dbef}
"""

# Plain ES5, no libraries. State at step k: nodes 0..v-1 visible, a node's grad final
# from the first step listing it in `d`, node `h` highlighted.
_JS = r"""
(function(){
var UID="__UID__",D=__DATA__;
function boot(tries){
var root=document.getElementById(UID);
if(!root){if(tries<100)setTimeout(function(){boot(tries+1);},50);return;}
var N=D.nodes,S=D.steps,T=S.length,cur=0,timer=null,folded={};
function byId(s){return document.getElementById(UID+"-"+s);}
var fin=N.map(function(){return Infinity;});
S.forEach(function(s,k){s.d.forEach(function(i){if(fin[i]===Infinity)fin[i]=k;});});
var recs=N.map(function(n,i){
  var g=byId("n"+i);if(!g)return null;
  var texts=[].slice.call(g.getElementsByTagName("text")),gt=null;
  for(var j=texts.length-1;j>=0;j--){if(texts[j].textContent.indexOf("grad ")===0){gt=texts[j];break;}}
  return {g:g,op:byId("op"+i),shape:g.querySelector("polygon,ellipse,path"),texts:texts,gt:gt,
          title:g.querySelector("title")};
});
function nodeOf(name){var m=/^(?:n|op)(\d+)$/.exec(name);return m?+m[1]:-1;}
var edges=[].slice.call(root.querySelectorAll("g.edge")).map(function(g){
  var t=g.querySelector("title"),ends=(t?t.textContent:"").split("->");
  return {g:g,a:nodeOf(ends[0]),b:nodeOf(ends[1]||"")};
});
function cls(el,c,on){if(el)el.classList[on?"add":"remove"](c);}
function inFold(i){return i>=0&&N[i].k!==undefined&&folded[N[i].k];}
var bar=root.querySelector(".sgp-bar"),slider=bar.querySelector("input"),
    count=bar.querySelector(".sgp-n"),play=bar.querySelector('[data-a="play"]'),
    head=root.querySelector(".sgp-s"),rule=root.querySelector(".sgp-r");
function show(k){
  k=Math.max(0,Math.min(T-1,k|0));cur=k;var s=S[k];
  recs.forEach(function(r,i){
    if(!r)return;var n=N[i],hide=i>=s.v||inFold(i);
    cls(r.g,"sgp-hide",hide);cls(r.op,"sgp-hide",hide);cls(r.g,"sgp-hl",i===s.h);
    var done=fin[i]<=k;
    if(n.g!==null&&r.gt){
      r.gt.textContent=done?n.g:"grad ?";
      if(r.shape)r.shape.style.fill=done?n.f:D.pending;
      r.texts.forEach(function(t){t.style.fill=done?n.c:"black";});
    }
    if(r.title)r.title.textContent=n.t+"\n"+(n.g===null?"":done?n.u:"grad: not final yet at this step");
  });
  edges.forEach(function(e){
    var hide=(e.a>=s.v)||(e.b>=s.v)||(inFold(e.a)&&inFold(e.b)&&N[e.a].k===N[e.b].k);
    cls(e.g,"sgp-hide",hide);
  });
  slider.value=k;count.textContent="step "+k+" / "+(T-1);
  head.textContent=s.s;rule.textContent=s.r;
  root.setAttribute("data-step",k);
}
function stop(){if(timer){clearInterval(timer);timer=null;}play.textContent="\u25B6";}
function start(){
  if(cur>=T-1)show(0);
  timer=setInterval(function(){if(cur>=T-1)stop();else show(cur+1);},Math.max(60,Math.min(700,20000/T)));
  play.textContent="\u275A\u275A";
}
bar.addEventListener("click",function(ev){
  var a=ev.target.getAttribute&&ev.target.getAttribute("data-a");if(!a)return;
  if(a==="play"){if(timer)stop();else start();return;}
  if(a==="zoom"){root.classList.toggle("sgp-full");return;}
  stop();show(a==="first"?0:a==="prev"?cur-1:cur+1);
});
slider.addEventListener("input",function(){stop();show(+slider.value);});
root.addEventListener("keydown",function(ev){
  if(ev.key==="ArrowLeft"){stop();show(cur-1);ev.preventDefault();}
  if(ev.key==="ArrowRight"){stop();show(cur+1);ev.preventDefault();}
});
[].slice.call(root.querySelectorAll("g.cluster")).forEach(function(c){
  var t=c.querySelector("title"),name=t?t.textContent:"",label=c.querySelector("text"),
      base=label?label.textContent:"",size=N.filter(function(n){return n.k===name;}).length;
  c.addEventListener("click",function(){
    folded[name]=!folded[name];cls(c,"sgp-fold",folded[name]);
    if(label)label.textContent=folded[name]?base+" (folded: "+size+" nodes)":base;
    show(cur);
  });
});
function fromHash(){var m=/(?:^|[#&])step=(\d+)/.exec(location.hash||"");return m?+m[1]:null;}
window.addEventListener("hashchange",function(){var h=fromHash();if(h!==null){stop();show(h);}});
bar.style.display="";
var h=fromHash();show(h===null?D.start:h);
}
boot(0);
})();
"""
