"""The one gate for user text entering a drawing: titles, labels, scope names, tooltips.

Graphviz reads a label through several layers (the DOT string, the record syntax,
escape sequences like \\N or \\l, HTML-like labels), and the graphviz package passes
"<...>" strings through as HTML. A learner's title or module name must come out as the
same literal text, never as markup: a title like '<<table href="javascript:...">'
would otherwise put a link into the SVG, and a trailing backslash, a NUL or a huge
string would make the renderer fail.

    dot_text(s)      plain labels (titles, cluster names, op symbols, tooltips)
    record_text(s)   one field of a record label (also escapes { } | < >)
    html_escape(s)   text for an HTML-like label or an HTML page (ASCII-only output)
"""

import html
import re

import graphviz

MAX_TEXT_CHARS = 300  # far below the renderers' 16384-character string limit
ELLIPSIS = "..."
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_RECORD_SPECIALS = re.compile(r"([{}|<>])")


def clean(text):
    """Printable, bounded, encodable text: the common first step of every escaper.

    Control characters (NUL included) become "?", a lone surrogate (unencodable) becomes
    "?", line breaks become "\\n", and text longer than MAX_TEXT_CHARS is cut with "...".
    """
    text = str(text)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("?", text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - len(ELLIPSIS)] + ELLIPSIS
    return text


def _dot_string(text):
    """Backslashes and quotes escaped for a DOT quoted string; newlines as \\n; "&" as
    "&amp;" (graphviz decodes entities like &lt; even in plain labels)."""
    text = text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("\n", "\\n")


def dot_text(text):
    """`text` as a literal plain label: never HTML, no escape sequences, always renders."""
    return graphviz.nohtml(_dot_string(clean(text)))


def record_text(text):
    """`text` as a literal field of a record label (join fields with " | " yourself)."""
    return _RECORD_SPECIALS.sub(r"\\\1", _dot_string(clean(text)))


def record_label(fields):
    """A vertical record label "{ a | b }" from fields already passed through record_text."""
    return graphviz.nohtml("{ " + " | ".join(fields) + " }")


def html_escape(text):
    """`text` for HTML (an HTML-like label, or a page): markup escaped, non-ASCII as
    numeric entities (&#931;) so the result is plain ASCII."""
    escaped = html.escape(clean(text), quote=True)
    return escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")
