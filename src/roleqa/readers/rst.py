"""reStructuredText with docutils, Sphinx sources (_sources/*.rst.txt) included.

docutils parses the text into a tree: section titles by their underline,
paragraphs, lists, literal and doctest blocks, tables. Sphinx adds roles
(:func:`sorted`) and directives (.. versionadded::, .. toctree::) that plain
docutils does not know: a role keeps its text ("sorted"; "text" of
`text <target>`; a :ref: or :doc: shows the title of the section or file it
names, in this file or, through ingest.parse_sources, another reST file of
the folder, else the label as words), a directive that carries prose keeps
it (note, seealso, versionchanged, function signatures...), a code directive
is code, and the navigation and markup-only ones (toctree, index, highlight,
module, labels such as `.. _name:`) are dropped; so are docutils' own notes
on the markup ("No role entry for ...").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

from roleqa.document import (
    CODE,
    LIST,
    PARAGRAPH,
    TABLE,
    Block,
    Document,
    Item,
    Outline,
    asks_questions,
    file_stem,
    term_and_definition,
)
from roleqa.readers import default_title
from roleqa.readers.sphinx import CODE_DIRECTIVES, DROPPED_DIRECTIVES, looks_like_code, prose_arguments, role_text

_REFERENCES = frozenset(("ref", "doc"))  # roles whose text, with no title given, is a label or a path
_REFERENCE = "roleqa-reference"


def read(name: str, text: str, labels: Mapping[str, str] | None = None) -> Document:
    """The document; `labels` (Document.labels of the corpus's other reST files) name the sections
    its references to other files point to."""
    _register()
    doctree = publish_doctree(
        text,
        settings_overrides={
            "report_level": 5,  # quiet: a document with markup errors is still read
            "halt_level": 5,
            "file_insertion_enabled": False,  # never read other files (.. include::)
            "raw_enabled": False,
            "warning_stream": False,
            "input_encoding": "unicode",
        },
    )
    # docutils' notes on the markup ("No role entry for ...") sit among the text they are about,
    # in list items and definitions as well as between blocks: none of them is the document's.
    for message in list(doctree.findall(nodes.system_message)):
        message.parent.remove(message)
    external = _resolve_references(doctree, labels or {})
    outline = Outline()
    title = ""
    for child in doctree.children:
        if isinstance(child, nodes.title):
            title = child.astext()
        else:
            _block(child, outline, 1)
    doc = outline.document(name, title or default_title(name))
    doc.labels = _labels(doctree) | {f"doc:{file_stem(name)}": doc.title}
    doc.references = frozenset(external)
    return doc


def _block(node: nodes.Node, out: Outline, depth: int) -> None:
    if isinstance(node, nodes.section):
        for child in node.children:
            if isinstance(child, nodes.title):
                out.heading(depth, child.astext())
            else:
                _block(child, out, depth + 1)
    elif isinstance(node, (nodes.paragraph, nodes.line_block, nodes.rubric)):
        out.add(Block(PARAGRAPH, _text(node)))
    elif isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
        out.add(Block(LIST, items=[_item(li) for li in node.children if isinstance(li, nodes.list_item)]))
    elif isinstance(node, nodes.definition_list) and asks_questions([_text(t) for t in node.findall(nodes.term)]):
        _entries(node, out, depth)
    elif isinstance(node, (nodes.definition_list, nodes.field_list, nodes.option_list)):
        out.add(Block(LIST, items=[_definition(entry) for entry in node.children]))
    elif isinstance(node, (nodes.literal_block, nodes.doctest_block)):
        out.add(Block(CODE, node.astext().strip("\n")))
    elif isinstance(node, nodes.table):
        rows = [" | ".join(_text(entry) for entry in row.children) for row in node.findall(nodes.row)]
        out.add(Block(TABLE, "\n".join(r for r in rows if r.strip(" |"))))
    elif isinstance(node, nodes.title):  # an admonition's or a topic's own title
        out.add(Block(PARAGRAPH, _text(node)))
    elif isinstance(node, (nodes.docinfo, nodes.comment, nodes.target, nodes.substitution_definition)):
        return
    elif isinstance(node, (nodes.raw, nodes.pending)):
        return
    elif isinstance(node, nodes.topic) and "contents" in node.get("classes", []):
        return
    elif isinstance(node, nodes.Element):  # admonitions, block quotes, containers: their content
        for child in node.children:
            _block(child, out, depth)


def _text(node: nodes.Node) -> str:
    return " ".join(node.astext().split())


def _item(li: nodes.list_item) -> Item:
    item = Item("")
    own: list[str] = []
    for child in li.children:
        if isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
            for sub in child.children:
                nested = _item(sub)
                item.subs.append(" ".join([nested.text, *nested.subs]).strip())
        else:
            own.append(_flat(child))
    item.text = " ".join(t for t in own if t)
    return item


_BODIES = (nodes.definition, nodes.field_body, nodes.description)


def _body(node: nodes.Element) -> str:
    return " ".join(t for t in map(_flat, node.children) if t)


def _flat(node: nodes.Node) -> str:
    """A block as part of a list item's or a definition's text: code keeps its lines."""
    if isinstance(node, (nodes.literal_block, nodes.doctest_block)):
        return node.astext().strip("\n")
    return _text(node)


def _entries(node: nodes.definition_list, out: Outline, depth: int) -> None:
    """A definition list of questions is a run of FAQ entries: each question a heading one level
    below the section that holds the list, its definition's blocks under it; what follows the
    list is back in that section (the same as the HTML reader)."""
    with out.run_of_entries():  # (a reST section's headings go by depth: the entries' is `depth`)
        for entry in node.children:
            for child in entry.children:
                if isinstance(child, nodes.term):
                    out.heading(depth, _text(child))
                elif isinstance(child, nodes.definition):
                    for part in child.children:
                        _block(part, out, depth + 1)


def _definition(entry: nodes.Node) -> Item:
    """A term and its definition (or a field, or an option) as one item: "term: definition"."""
    parts = [_body(child) if isinstance(child, _BODIES) else _text(child) for child in entry.children]
    return Item(term_and_definition(parts[0], " ".join(parts[1:])) if parts else "")


def _generic_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """Any Sphinx role: its text, without a link target ("~mod.func" shows as "func")."""
    label, titled = role_text(text)
    if name in _REFERENCES and not titled:
        # Sphinx shows the title of the section the label names: resolved once the document is read
        # (_resolve_references); the label is only a placeholder.
        key = f"doc:{file_stem(label.lower())}" if name == "doc" else label.lower()
        return [nodes.inline(rawtext, label, classes=[_REFERENCE], label=key)], []
    return [nodes.literal(rawtext, label)], []


def _resolve_references(doctree: nodes.document, labels: Mapping[str, str]) -> set[str]:
    """Each :ref:`label` (or :doc:`path`) without a title of its own shows the title of the section
    (or document) it names, in this document or in `labels`; one found in neither shows as words
    ("tutorial index"). Returns the labels it refers to that are not this document's."""
    external: set[str] = set()
    for node in list(doctree.findall(nodes.inline)):
        if _REFERENCE not in node.get("classes", []):
            continue
        label = node["label"]
        shown = _section_title(doctree, label)
        if shown is None:
            external.add(label)
            shown = labels.get(label) or re.sub(r"[-_]+", " ", label.rsplit("/", 1)[-1].removeprefix("doc:")).strip()
        node.parent.replace(node, nodes.Text(shown))
    return external


def _labels(doctree: nodes.document) -> dict[str, str]:
    """The labels this document gives its sections (".. _why-self:"), each with the section's title."""
    titles = {name: _section_title(doctree, name) for name, explicit in doctree.nametypes.items() if explicit}
    return {name: title for name, title in titles.items() if title is not None}


def _section_title(doctree: nodes.document, name: str) -> str | None:
    """The title of the section this document names `name`, or None."""
    target = doctree.ids.get(doctree.nameids.get(name) or "")
    title = target.next_node(nodes.title) if isinstance(target, nodes.section) else None
    return title.astext() if isinstance(title, nodes.title) else None


class _Kept(Directive):
    """A directive that carries prose: its arguments (a signature, a version) and its content."""

    has_content = True
    optional_arguments = 20
    final_argument_whitespace = True
    # Any option, read as one (":noindex:" is no text): not empty, or docutils takes the options
    # for more of the arguments.
    option_spec = defaultdict(lambda: directives.unchanged, {"class": directives.class_option})

    def run(self):
        out: list[nodes.Node] = []
        if self.arguments:
            text = " ".join(self.arguments)
            if prose_arguments(self.name):
                inline, _ = self.state.inline_text(text, self.lineno)  # its notes on the markup dropped
                out.append(nodes.paragraph(text, "", *inline))
            else:
                out.append(nodes.paragraph(text=text))
        if self.content and looks_like_code("\n".join(self.content)):  # an extension's example
            out.append(nodes.literal_block(text="\n".join(self.content)))
        elif self.content:
            box = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, box)
            out.extend(box.children)
        return out


class _Dropped(_Kept):
    def run(self):
        return []


class _Code(_Kept):
    def run(self):
        return [nodes.literal_block(text="\n".join(self.content))] if self.content else []


_registered = False


def _register() -> None:
    """Teach docutils Sphinx's vocabulary, once: unknown roles and directives fall back to the generic ones."""
    global _registered
    if _registered:
        return
    _registered = True
    for name in DROPPED_DIRECTIVES:
        directives.register_directive(name, _Dropped)
    for name in CODE_DIRECTIVES:
        directives.register_directive(name, _Code)
    original_directive, original_role = directives.directive, roles.role

    def directive(name, language, document):
        found, messages = original_directive(name, language, document)
        return (found or _Kept), messages

    def role(name, language, lineno, reporter):
        found, messages = original_role(name, language, lineno, reporter)
        return (found or _generic_role), messages

    directives.directive = directive
    roles.role = role
