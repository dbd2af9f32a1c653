"""reStructuredText (and PEPs) through docutils' parser, rendered to clean text by walking the doctree.

docutils runs silent and never stops (report_level 5, halt_level 5, warnings to a buffer, no file insertion, no
raw); roles and directives it does not know (Sphinx's ``:func:``, ``.. code-block::``, ``.. versionadded::``) are
registered as plain ones before parsing, so their text is kept instead of becoming error nodes. A PEP's RFC-822
header ("PEP: 8 / Title: ... / Created: ...") is read here and the body alone goes to docutils.
"""

from __future__ import annotations

import io
import re
from typing import Any

from .blocks import TextBuilder, one_line
from .tables import caption_unit, grid, header_count, records, unit_above

_HEADER_LINE = re.compile(r"^([A-Za-z][\w-]*):[ \t]*(.*)$")
_ROLE_NAME = re.compile(r"(?<![\w`]):([A-Za-z][\w+.-]*(?::[A-Za-z][\w+.-]*)*):`")
_DIRECTIVE_NAME = re.compile(r"^[ \t]*\.\.[ \t]+([A-Za-z][\w+.:-]*)[ \t]*::", re.M)
_UNDERLINE = re.compile(r"^(?P<t>[^\s].*)\n(?P<u>([=\-~^\"'`#*+:.])\3{2,})[ \t]*$", re.M)
_LITERAL_DIRECTIVES = ("code-block", "sourcecode", "code", "highlight-block")
_SETTINGS = {
    "report_level": 5, "halt_level": 5, "exit_status_level": 5, "file_insertion_enabled": False,
    "raw_enabled": False, "doctitle_xform": False, "sectsubtitle_xform": False, "docinfo_xform": True,
    "syntax_highlight": "none", "input_encoding": "unicode", "_disable_config": True, "traceback": True,
    "language_code": "en", "smart_quotes": False, "embed_stylesheet": False,
}
_DROP = ("comment", "target", "footnote", "citation", "substitution_definition", "system_message", "raw",
         "pending", "meta", "image", "transition", "decoration", "footnote_reference", "citation_reference")


def looks_like_rst(text: str) -> bool:
    """A .txt file that is reStructuredText: a PEP/RFC-822 header, a section underline or a directive."""
    head = text.lstrip("\ufeff")[:4000]
    if re.match(r"\s*PEP:[ \t]*\d+", head):
        return True
    for match in _UNDERLINE.finditer(head):
        title, line = match.group("t").rstrip(), match.group("u")
        if len(line) >= len(title) >= 2:
            return True
    return bool(_DIRECTIVE_NAME.search(head))


def split_header(text: str) -> tuple[list[tuple[str, str]], str]:
    """An RFC-822 header at the top (at least two "Key: value" lines, continuation lines indented, up to the
    first blank line) and the rest; ([], text) when there is none."""
    lines = text.split("\n")
    fields: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            if len(fields) >= 2:
                return fields, "\n".join(lines[i + 1:])
            return [], text
        match = _HEADER_LINE.match(line)
        if match:
            fields.append((match.group(1), match.group(2).strip()))
        elif line[:1] in (" ", "\t") and fields:
            key, value = fields[-1]
            fields[-1] = (key, f"{value} {line.strip()}".strip())
        else:
            return [], text
    return ([], text) if len(fields) < 2 else (fields, "")


_HEADER_LINK = re.compile(r"`([^`<>]*?)\s*<([^<>`]+)>`_{1,2}")
_HEADER_ROLE = re.compile(r":(pep|rfc):`([^`]+)`", re.I)
_HEADER_MARKS = re.compile(r"``|`_{0,2}|(?<!\w)\*\*?(?=\S)|(?<=\S)\*\*?(?!\w)")


def header_value(value: str) -> str:
    """A header field's value as plain text: "`18-Aug-2007 <https://...>`__" → "18-Aug-2007", ":pep:`8`" → "PEP 8"."""
    value = _HEADER_LINK.sub(lambda m: m.group(1) or m.group(2), value)
    value = _HEADER_ROLE.sub(lambda m: f"{m.group(1).upper()} {m.group(2)}", value)
    return one_line(_HEADER_MARKS.sub("", value))


def render(source: str) -> tuple[str, list[list[int]], list[tuple[str, str]]]:
    """Clean text, heading offsets and the document's own fields (header or docinfo) of a reST text.

    The fields are also rendered as "Label: value" lines at the top of the text."""
    header, body = split_header(source)
    header = [(key, header_value(value)) for key, value in header]
    builder = TextBuilder()
    if header:
        builder.lines([f"{key}: {one_line(value)}" for key, value in header if value], "fields")
    doctree = _parse(body)
    fields = list(header)
    if doctree is None:
        from .plain import plain_text

        builder.lines(plain_text(body).split("\n"), "paragraph")
        return builder.text(), [], fields
    walker = _Walker(builder)
    own = _own_field_list(doctree)
    if own is not None:
        fields += _docinfo(own)
    for node in doctree.children:
        if node.tagname == "docinfo":
            docinfo = _docinfo(node)
            fields += docinfo
            builder.lines([f"{k}: {v}" for k, v in docinfo if v], "fields")
        else:
            walker.block(node, 0)
    text, headings = builder.result()
    return text, headings, fields


def _parse(body: str) -> Any:
    """The doctree of ``body``, or None when docutils fails on it (the caller falls back to plain text)."""
    from docutils.core import publish_doctree

    _register(body)
    overrides = dict(_SETTINGS, warning_stream=io.StringIO())
    try:
        return publish_doctree(body, settings_overrides=overrides)
    except Exception:  # noqa: BLE001 - a docutils bug on odd input must not lose the document: plain text instead
        return None


# -- roles and directives docutils does not know -------------------------------------------------------------

_registered: set[str] = set()


def _register(body: str) -> None:
    from docutils.parsers.rst import directives, roles
    from docutils.parsers.rst.languages import en

    known_roles = set(roles._role_registry) | set(roles._roles) | set(en.roles)
    for name in {m.group(1).lower() for m in _ROLE_NAME.finditer(body)} | {"pep", "rfc", "pep-reference",
                                                                          "rfc-reference"}:
        if name in _registered or (name in known_roles and name not in ("pep", "rfc", "pep-reference",
                                                                        "rfc-reference")):
            continue
        roles.register_local_role(name, _reference_role if name.startswith(("pep", "rfc")) else _text_role)
        _registered.add(name)
    known = set(directives._directive_registry) | set(directives._directives) | set(en.directives)
    for name in {m.group(1).lower() for m in _DIRECTIVE_NAME.finditer(body)} | set(_LITERAL_DIRECTIVES):
        if name in _registered or (name in known and name not in _LITERAL_DIRECTIVES):
            continue
        directives.register_directive(name, _literal_directive() if name in _LITERAL_DIRECTIVES
                                      else _generic_directive())
        _registered.add(name)


def _shown(text: str) -> str:
    """What a cross-reference role shows: its title when it has "title <target>", else the target (Sphinx's
    "~a.b.c" shows "c")."""
    match = re.match(r"^(.*?)\s*<([^<>]*)>$", text, re.S)
    if match:
        return match.group(1) or match.group(2)
    if text.startswith("~"):
        return text[1:].rsplit(".", 1)[-1]
    return text.lstrip("!")


def _text_role(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ARG001
    from docutils import nodes, utils

    return [nodes.literal(rawtext, _shown(utils.unescape(text)))], []


def _reference_role(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ARG001
    """``:pep:`602``` → "PEP 602", ``:rfc:`2822``` → "RFC 2822" (an anchor "8#naming" and a title allowed)."""
    from docutils import nodes, utils

    text = utils.unescape(text)
    match = re.match(r"^(.*?)\s*<([^<>]*)>$", text, re.S)
    if match and match.group(1):
        shown = match.group(1)
    else:
        number = (match.group(2) if match else text).split("#", 1)[0].strip()
        shown = f"{'PEP' if name.lower().startswith('pep') else 'RFC'} {number}"
    return [nodes.reference(rawtext, shown)], []


def _any_options() -> dict:
    from docutils.parsers.rst import directives

    class AnyOption(dict):
        def __contains__(self, key: object) -> bool:
            return True

        def __missing__(self, key: str):
            return directives.unchanged

    return AnyOption()


def _literal_directive():
    from docutils import nodes
    from docutils.parsers.rst import Directive

    class Literal(Directive):
        has_content = True
        optional_arguments = 8
        final_argument_whitespace = True
        option_spec = _any_options()

        def run(self):
            text = "\n".join(self.content)
            return [nodes.literal_block(text, text)] if text.strip() else []

    return Literal


def _generic_directive():
    """A directive docutils does not know: its content is parsed as ordinary body text; its arguments are dropped
    unless they run on as words (Sphinx's ``.. versionadded:: 3.9 text``)."""
    from docutils import nodes
    from docutils.parsers.rst import Directive

    class Generic(Directive):
        has_content = True
        optional_arguments = 8
        final_argument_whitespace = True
        option_spec = _any_options()

        def run(self):
            node = nodes.container()
            words = " ".join(self.arguments).split()
            if words and re.fullmatch(r"\d[\w.]*", words[0]):
                words = words[1:]  # ".. versionadded:: 3.9 The text": the version is not prose
            if len(words) > 3:  # ".. canonical-doc:: :ref:`x` (user docs)": arguments that run on as words
                prose = " ".join(words)
                inline, messages = self.state.inline_text(prose, self.lineno)
                node += nodes.paragraph(prose, "", *inline)
            if self.content:
                self.state.nested_parse(self.content, self.content_offset, node)
            return [node] if node.children else []

    return Generic


def _own_field_list(doctree: Any) -> Any:
    """The document's own field list: one that comes first in the document or right after its first title (with
    ``doctitle_xform`` off, docutils leaves it in the first section instead of making it a docinfo)."""
    skip = ("comment", "target", "substitution_definition", "system_message", "pending")
    nodes_ = [n for n in doctree.children if n.tagname not in skip]
    if nodes_ and nodes_[0].tagname == "section":
        nodes_ = [n for n in nodes_[0].children if n.tagname not in skip and n.tagname != "title"]
    return nodes_[0] if nodes_ and nodes_[0].tagname == "field_list" else None


# -- the doctree walk ----------------------------------------------------------------------------------------

def _docinfo(node: Any) -> list[tuple[str, str]]:
    out = []
    for child in node.children:
        if child.tagname == "field":
            out.append((one_line(_inline(child[0])), one_line(_inline(child[1]))))
        else:
            out.append((child.tagname.capitalize(), one_line(_inline(child))))
    return out


def _inline(node: Any) -> str:
    """The text of an inline subtree: markup gone, footnote references and messages dropped."""
    return tidy(_inline_raw(node))


def _inline_raw(node: Any) -> str:
    from docutils import nodes

    if isinstance(node, nodes.Text):
        return node.astext()
    if node.tagname in ("footnote_reference", "citation_reference"):
        return _DROPPED
    if node.tagname in _DROP and node.tagname != "target":
        return node.get("alt", "") if node.tagname == "image" else ""
    if node.tagname == "problematic":
        return _clean_raw(node.astext())
    text = "".join(_inline_raw(child) for child in node.children)
    if node.tagname in ("emphasis", "strong"):  # reST markup does not nest: "*see ``x``*" keeps the backticks
        text = re.sub(r"``(.+?)``", r"\1", text)
    return text


_LEFTOVER_LITERAL = re.compile(r"``([^`\n]+?)``")
_LEFTOVER_LINK = re.compile(r"`+([^`<>\n]+?)`*\s*<[^<>\s]+>`_{1,2}")


_DROPPED = "\x02"  # where a footnote reference was: "guide [2]_." reads "guide.", not "guide ."
_AT_DROPPED = re.compile(r"[ \t\n]*\x02(?=[.,;:!?)\]]|\s|$)|\x02")


def tidy(text: str) -> str:
    """Inline markup docutils leaves as text because the source broke a rule (``a``.``b`` without a space, a
    link inside a literal): the words only; no space left where a footnote reference was. Applied to prose, never
    to code."""
    text = _AT_DROPPED.sub("", text)
    return _LEFTOVER_LITERAL.sub(r"\1", _LEFTOVER_LINK.sub(r"\1", text))


def _clean_raw(raw: str) -> str:
    """Source text docutils could not resolve (an unknown reference, a stray role): its words only."""
    raw = re.sub(r"^:[\w+.:-]+:(?=`)", "", raw)
    raw = re.sub(r"^`+|`+_{0,2}$|(?<=\w)__?$", "", raw)
    return raw.strip("|")


class _Walker:
    def __init__(self, builder: TextBuilder) -> None:
        self.b = builder

    def children(self, node: Any, depth: int) -> None:
        for child in node.children:
            self.block(child, depth)

    def block(self, node: Any, depth: int) -> None:  # noqa: C901 - one branch per element kind
        from docutils import nodes

        tag = node.tagname
        b = self.b
        if isinstance(node, nodes.Text):
            if node.astext().strip():
                b.paragraph(node.astext())
        elif tag in _DROP:
            return
        elif tag == "section":
            rest = node.children
            if rest and rest[0].tagname == "title":
                b.heading(_inline(rest[0]), depth + 1)
                rest = rest[1:]
            for child in rest:
                self.block(child, depth + 1)
        elif tag in ("paragraph", "rubric", "title", "subtitle", "caption", "attribution"):
            text = _inline(node)
            b.paragraph(("\u2014 " + text) if tag == "attribution" else text)
        elif tag in ("bullet_list", "enumerated_list"):
            b.lines(self.list_lines(node, 0))
        elif tag in ("literal_block", "doctest_block"):
            b.code(node.astext())
        elif tag == "line_block":
            b.line("\n".join(_inline(line) for line in node.traverse(nodes.line) if not line.children
                             or not isinstance(line.children[0], nodes.line_block)))
        elif tag in ("field_list", "docinfo"):
            b.lines([f"{k}: {v}" for k, v in _docinfo(node) if k or v], "fields")
        elif tag == "option_list":
            b.lines([one_line(f"{_inline(item[0])}  {_inline(item[1])}") for item in node.children], "list")
        elif tag == "definition_list":
            for item in node.children:
                terms = [c for c in item.children if c.tagname in ("term", "classifier")]
                b.line(" : ".join(one_line(_inline(t)) for t in terms))
                for child in item.children:
                    if child.tagname == "definition":
                        self.children(child, depth)
        elif tag == "table":
            b.lines(self.table_lines(node, b.text()), "table")
        elif tag == "topic" and "contents" in node.get("classes", []):
            return
        elif tag in ("admonition", "topic", "sidebar") or isinstance(node, nodes.Admonition):
            self.children(node, depth)
        elif tag == "figure":
            for child in node.children:
                if child.tagname in ("caption", "legend"):
                    self.block(child, depth)
        elif isinstance(node, nodes.TextElement) and not any(isinstance(c, nodes.Body) for c in node.children):
            b.paragraph(_inline(node))
        else:  # block_quote, container, compound, document and the rest: their children are blocks
            self.children(node, depth)

    def list_lines(self, node: Any, depth: int) -> list[str]:
        lines: list[str] = []
        for i, item in enumerate(node.children):
            if item.tagname != "list_item":
                continue
            marker = "- " if node.tagname == "bullet_list" else _enum_label(node, i)
            words: list[str] = []
            nested: list[str] = []
            for child in item.children:
                if child.tagname in ("bullet_list", "enumerated_list"):
                    nested += self.list_lines(child, depth + 1)
                elif child.tagname in ("literal_block", "doctest_block"):
                    nested += ["  " * (depth + 1) + line for line in child.astext().split("\n")]
                elif child.tagname in _DROP:
                    continue
                else:
                    words.append(one_line(_inline(child) if child.tagname == "paragraph"
                                          else _block_text(child)))
            lines.append("  " * depth + marker + tidy(" ".join(w for w in words if w)))
            lines += nested
        return lines

    def table_lines(self, node: Any, before: str) -> list[str]:
        """A table as records (``tables.records``): the rows of its ``thead`` name the columns, spanning entries
        fill every position they cover (without a ``thead``, the first rows when they name the columns), its title
        goes above."""
        def rows(section: str) -> list[list[str]]:
            found = [row for part in node.traverse(lambda n: n.tagname == section)
                     for row in part.children if row.tagname == "row"]
            return grid([[(tidy(_block_text(entry)), int(entry.get("morecols", 0)) + 1,
                           int(entry.get("morerows", 0)) + 1) for entry in row.children] for row in found])

        title = next((tidy(_inline(child)) for child in node.children if child.tagname == "title"), "")
        head, body = rows("thead"), rows("tbody")
        if not head:
            count = header_count(body)
            head, body = body[:count], body[count:]
        return records(head, body, title, caption_unit(title) or unit_above(before))


def _block_text(node: Any) -> str:
    """The words of a small block subtree (a table cell, a list item's definition list)."""
    from docutils import nodes

    if isinstance(node, nodes.Text):
        return node.astext()
    if node.tagname in _DROP:
        return ""
    if node.tagname == "problematic":
        return _clean_raw(node.astext())
    parts = [_block_text(child) for child in node.children]
    sep = " " if any(isinstance(c, nodes.Element) and isinstance(c, (nodes.Body, nodes.Structural))
                     for c in node.children) else ""
    return sep.join(parts)


def _enum_label(node: Any, index: int) -> str:
    number = int(node.get("start", 1)) + index
    kind = node.get("enumtype", "arabic")
    if kind == "loweralpha":
        label = chr(ord("a") + number - 1) if number <= 26 else str(number)
    elif kind == "upperalpha":
        label = chr(ord("A") + number - 1) if number <= 26 else str(number)
    elif kind in ("lowerroman", "upperroman"):
        label = _roman(number)
        label = label.lower() if kind == "lowerroman" else label
    else:
        label = str(number)
    return f"{node.get('prefix', '')}{label}{node.get('suffix', '.')} "


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out += letters
            number -= value
    return out


__all__ = ["header_value", "looks_like_rst", "render", "split_header", "tidy"]
