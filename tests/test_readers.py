"""Each reader turns real documents, as they ship, into the same structure (headings, blocks),
and chunking makes passages worth returning from it. Samples: tests/data/samples and
tests/data/real (see tests/data/real/SOURCES.md for where each file comes from)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roleqa.chunking import chunk_document, is_fragment
from roleqa.ingest import parse_sources, read_corpus
from roleqa.passage import strip_numbering
from roleqa.readers import TEXT_KINDS, base_name, kind_of, parse
from roleqa.readers.text import read as read_text

from .conftest import DATA

REAL = DATA / "real"
SAMPLES = DATA / "samples"


def read(path: Path):
    kind = kind_of(path.name)
    data = path.read_bytes()
    return parse(path.name, kind, data.decode("utf-8") if kind in TEXT_KINDS else data)


def headings(doc) -> list[str]:
    return [strip_numbering(s.path[-1]) for s in doc.sections if s.path]


def all_text(passages) -> str:
    return "\n".join(f"{p.context} {p.text}" for p in passages)


def no_fragment_stands_alone(passages) -> bool:
    return not [p.text for p in passages if is_fragment(p.text) and not p.group]


def test_markdown_headings_in_html_blocks_faq_entries_and_code_blocks():
    faq = read(REAL / "ripgrep" / "md" / "FAQ.md")
    assert faq.title == "FAQ"  # the one top heading is the title
    assert "Does ripgrep support configuration files?" in headings(faq)  # an <h3> block is a heading
    assert "When I run rg, why does it execute some other command?" in headings(faq)  # <code> adds no space
    passages = chunk_document(faq)
    entries = [p for p in passages if p.kind == "faq"]
    assert len({p.question for p in entries}) >= 25 and all(p.question.endswith("?") for p in entries)
    # The table of contents (a list of links to the entries) is dropped, not indexed as answers.
    questions = set(headings(faq))
    assert not [p for p in passages if p.text in questions or "\n- What's changed in ripgrep recently?" in p.text]
    guide = read(REAL / "ripgrep" / "md" / "GUIDE.md")
    # A "# comment" inside a fenced code block is code, never a heading.
    assert not [h for h in headings(guide) if "ripgrep vomit" in h or h.startswith("Add my")]
    assert "The special all file type" in headings(guide)
    code = [p for p in chunk_document(guide) if "# Don't let ripgrep vomit really long lines" in p.text]
    assert code and "--max-columns=150" in code[0].text  # the block stays whole
    assert no_fragment_stands_alone(passages)


def test_restructuredtext_sphinx_sources():
    doc = read(REAL / "pyhowto" / "rst" / "sorting.rst.txt")
    assert doc.title == "Sorting HOW TO"
    assert headings(doc)[:3] == ["Sorting Basics", "Key Functions", "Operator Module Functions"]
    passages = chunk_document(doc)
    text = all_text(passages)
    assert "call the sorted function" in text and ":func:" not in text  # a Sphinx role keeps its text
    assert ">>> sorted([5, 2, 3, 1, 4])" in text  # doctest blocks are kept as code
    assert ".. doctest::" not in text and ":Author:" not in text and "sortinghowto" not in text
    assert no_fragment_stands_alone(passages)
    # docutils' notes on roles it does not know ("No role entry for ...") are not the document's,
    # wherever docutils puts them (list items, definitions, between paragraphs).
    argparse = all_text(chunk_document(read(REAL / "pyhowto" / "rst" / "argparse.rst.txt")))
    assert "The ls command is useful when run without any options at all." in argparse
    assert "No role entry" not in argparse and "(INFO/1)" not in argparse
    # A :ref: to a label of this document shows the title of the section it labels, as Sphinx shows
    # it; a label from another document shows as words.
    regex = all_text(chunk_document(read(REAL / "pyhowto" / "rst" / "regex.rst.txt")))
    assert "See The Backslash Plague." in regex and "the-backslash-plague" not in regex
    assert "I IGNORECASE" in regex and ":noindex:" not in regex  # a directive's options are no text
    unicode = all_text(chunk_document(read(REAL / "pyhowto" / "rst" / "unicode.rst.txt")))
    assert "standard encodings for a list" in unicode and "standard-encodings" not in unicode
    # A prose directive's first lines are marked up like a paragraph; code in a list item keeps its lines.
    logging = all_text(chunk_document(read(REAL / "pyhowto" / "rst" / "logging.rst.txt")))
    assert "3.1 The NullHandler class." in logging and ":class:" not in logging
    programming = all_text(chunk_document(read(REAL / "pyprog" / "rst" / "programming.rst.txt")))
    assert "The wiki page devoted to performance tips." in programming and ">`_" not in programming


@pytest.mark.parametrize("path", ["pyprog/rst/programming.rst.txt", "pyprog/html/programming.html"])
def test_code_in_a_list_item_keeps_its_lines(path):
    # Python's programming FAQ, "How do I use strings to call functions/methods?": a code block
    # inside a list item, which used to be run into one line with the item's prose.
    text = all_text(chunk_document(read(REAL / path)))
    assert "import foo\ngetattr(foo, 'bar')()" in text


def test_myst_markdown_reads_directives_and_roles_as_sphinx_does():
    # attrs' "Extending" page (MyST, Sphinx's Markdown): ```{doctest} and ```{eval-rst} blocks,
    # :::{warning} fences holding Markdown, {func}`~attrs.define` roles.
    doc = read(SAMPLES / "attrs-extending.md")
    assert doc.title == "Extending" and "Automatic Field Transformation and Modification" in headings(doc)
    passages = chunk_document(doc)
    text = all_text(passages)
    assert "It's a tuple of attrs.Attribute carrying metadata" in text  # {class}`attrs.Attribute`
    assert "passing a field_transformer hook to define (and friends)" in text  # {func}`~attrs.define`
    assert "The attrs.define / attr.s decorator must be applied first" in text  # a warning is prose
    assert "your_hook(cls: type, fields: list[attrs.Attribute]) -> list[attrs.Attribute]" in text  # reST
    assert ">>> def drop_floats(cls, fields):\n...     return" in text  # a doctest is code, lines kept
    assert not [m for m in ("{func}", "```", ":::", ":noindex:") if m in text]
    assert no_fragment_stands_alone(passages)


def test_an_extension_directive_holding_python_is_code():
    # click's quickstart: its examples are in `.. click:example::` (and `.. click:run::`), a
    # directive of click's own Sphinx extension that roleqa does not know.
    passages = chunk_document(read(SAMPLES / "click-quickstart.rst"))
    text = all_text(passages)
    assert "import click\n\n@click.command()\ndef hello():\n    click.echo('Hello World!')" in text
    assert "invoke(hello, args=['--help'], prog_name='python hello.py')" in text
    assert "@click.command() def hello():" not in text  # not run together as a paragraph
    assert not [p for p in passages if p.text.strip() in ("pass", "import click")]
    assert no_fragment_stands_alone(passages)
    # Prose in an unknown directive is still prose, in reST and in MyST.
    for name, source in (
        ("n.rst", "Title\n=====\n\n.. tip-box::\n\n   Pass the ``--force`` flag to skip the check.\n"),
        ("n.md", "# Title\n\n```{tip-box}\nPass the `--force` flag to skip the check.\n```\n"),
    ):
        (block,) = parse(name, kind_of(name), source).sections[-1].blocks
        assert (block.kind, block.text) == ("paragraph", "Pass the --force flag to skip the check.")
    diagram = "Title\n=====\n\nText before it.\n\n.. graphviz::\n\n   digraph deps { app -> lib }\n"
    assert [b.text for b in parse("d.rst", "rst", diagram).sections[-1].blocks] == ["Text before it."]
    executed = "# T\n\n```{jupyter-execute}\nimport os\nprint(os.sep)\n```\n"
    (block,) = parse("c.md", "markdown", executed).sections[-1].blocks
    assert (block.kind, block.text) == ("code", "import os\nprint(os.sep)")


def test_markdown_q_and_a_marks_make_faq_entries():
    # As READMEs write a FAQ: a bold "Q:" line, a "Q:" line with its "A:" on the next line, a "Q." heading.
    text = (
        "# Tool\n\n## Help\n\n**Q: How do I reset my password from the command line?**\n\n"
        "A: Run the reset command with your user name and follow the prompts.\n\n"
        "Q: Can I run two servers on one machine?\nA: Yes, give each one its own port in the settings file.\n\n"
        "### Q. Where are the logs kept on a default install?\n\n"
        "A. Under the var log folder, one file per day of running.\n"
    )
    passages = chunk_document(parse("tool.md", "markdown", text))
    assert [(p.question, p.text) for p in passages] == [
        (
            "How do I reset my password from the command line?",
            "Run the reset command with your user name and follow the prompts.",
        ),
        ("Can I run two servers on one machine?", "Yes, give each one its own port in the settings file."),
        ("Where are the logs kept on a default install?", "Under the var log folder, one file per day of running."),
    ]


def test_markdown_front_matter_titles_the_page_and_definition_lists_of_questions_are_entries():
    text = (
        '---\ntitle: "Deploying the app"\nweight: 3\n---\n\n## Before you start\n\nYou need a server.\n\n'
        "Can I deploy on Windows?\n: Yes, with WSL installed first.\n\nHow long does it take?\n: About ten minutes.\n\n"
        "Settings you can change:\n\nPort\n: 8080 by default.\n\nHost\n: All addresses.\n"
    )
    doc = parse("deploy.md", "markdown", text)
    assert doc.title == "Deploying the app"  # not a heading "weight: 3" made of the front matter
    assert headings(doc)[:3] == ["Before you start", "Can I deploy on Windows?", "How long does it take?"]
    passages = chunk_document(doc)
    (entry,) = [p for p in passages if p.question == "Can I deploy on Windows?"]
    assert entry.text == "Yes, with WSL installed first."
    # Terms that are not questions are a list again, back in the section the entries were under.
    (port,) = [p for p in passages if p.text == "Port: 8080 by default."]
    assert port.section == "Before you start" and port.context == "Settings you can change:"


def test_rest_directive_arguments_are_prose_unless_a_signature():
    text = (
        "Title\n=====\n\n.. tab:: ``lsof`` (macOS / Linux)\n\n   Find the process that holds the port.\n\n"
        ".. function:: spawn(*args, **kwargs)\n   :noindex:\n\n   Start a process with these arguments.\n"
    )
    found = all_text(chunk_document(parse("t.rst", "rst", text)))
    assert "lsof (macOS / Linux)" in found and "``" not in found  # a tab's title is marked-up prose
    assert "spawn(*args, **kwargs)" in found and ":noindex:" not in found  # a signature as written


def test_html_pages_main_content_only():
    html = read(REAL / "pyhowto" / "html" / "sorting.html")
    rst = read(REAL / "pyhowto" / "rst" / "sorting.rst.txt")
    assert html.title.startswith("Sorting HOW TO")
    assert headings(html) == headings(rst)  # the same document, the same heading tree
    text = all_text(chunk_document(html))
    assert "¶" not in text and "Previous topic" not in text and "Quick search" not in text
    assert "call the sorted() function" in text
    # DocBook (Debian Reference): navigation bars out, numbered headings kept as the tree.
    appendix = read(REAL / "debref" / "html" / "apa.en.html")
    assert "A.1. The Debian maze" in [s.path[-1] for s in appendix.sections if s.path]
    text = all_text(chunk_document(appendix))
    assert "Prev" not in text.split() and "Next" not in text.split()


def _plain_quotes(path: list[str]) -> list[str]:
    return [strip_numbering(h).replace("\u2019", "'").replace("\u2026", "...") for h in path]


def test_nodejs_html_has_the_heading_tree_of_its_markdown_without_marks_and_both_code_versions():
    # Node.js's API pages (Debian's nodejs docs) put a "#" link after every heading, and show an
    # example's CommonJS and ES module versions as two <code> in one <pre>.
    md, html = read(SAMPLES / "nodejs-os.md"), read(SAMPLES / "nodejs-os.html")
    assert html.title == md.title == "OS"
    assert headings(html) == headings(md) and "os.EOL" in headings(html) and len(headings(md)) == 31
    text = all_text(chunk_document(html))
    assert "import os from 'node:os';\n\nconst os = require('node:os');" in text
    assert no_fragment_stands_alone(chunk_document(html))


def test_a_docbook_faq_laid_out_in_tables_has_its_questions_as_entries():
    # Valgrind's FAQ, as DocBook prints a qandaset: each part a table, a heading in its first row,
    # then a row of class "question" and one of class "answer" per entry; a numbered table of
    # contents (a <dl> of links) before them.
    doc = read(REAL / "vgfaq" / "html" / "faq.html")
    found = headings(doc)
    assert found[:3] == ["Background", 'How do you pronounce "Valgrind"?', 'Where does the name "Valgrind" come from?']
    assert len([s for s in doc.sections if len(s.path) == 2]) == 19  # as its contents list them
    passages = chunk_document(doc)
    (entry,) = [p for p in passages if p.question == "When building Valgrind, 'make' fails with this:"]
    # The message the question quotes is code at the head of its answer, not part of the heading.
    assert entry.text.startswith("/usr/bin/ld: cannot find -lc\ncollect2: ld returned 1 exit status")
    assert "glibc-static-devel" in entry.text
    assert not [p for p in passages if "1.2. Where does the name" in p.text]  # the contents are dropped
    assert no_fragment_stands_alone(passages)


def test_texinfo_html_drops_the_node_navigation_and_the_top_node_heading():
    # GNU time's manual as Debian ships it (texinfo's HTML): each node opens with a header of links,
    # "Next: Reporting bugs, Previous: Time, Up: Time [Contents][Index]", which is no answer.
    doc = read(SAMPLES / "gnu-time.html")
    assert doc.title == "Measuring Program Resource Use" and "Setting the Output Format" in headings(doc)
    # Its title and its Top node ("Time") are set as headings above the chapters: neither is a section.
    assert [s.path[0] for s in doc.sections if s.path][:2] == ["Table of Contents", "1 Measuring Program Resource Use"]
    passages = chunk_document(doc)
    assert not [p.text for p in passages if "Previous:" in p.text or "[Contents]" in p.text]
    assert [p for p in passages if p.text.startswith("The time command runs another program")]
    assert no_fragment_stands_alone(passages)


def test_asciidoc_reads_sections_blocks_lists_and_tables_without_their_markup():
    # Asciidoctor's own syntax quick reference (@asciidoctor/cli on npm): every construct in one page.
    doc = read(SAMPLES / "asciidoc-syntax.adoc")
    assert doc.title == "AsciiDoc Syntax"
    assert headings(doc)[:4] == ["Paragraphs", "Text Formatting", "Attributes", "Links"]
    assert "Callout" in headings(doc) and "Sections" in headings(doc)  # "=== Callout" under "== Lists"
    blocks = {b.text: b.kind for s in doc.sections for b in s.blocks}
    assert blocks["puts 'Hello, World!'"] == "code"  # a [source] listing, its callout mark dropped
    assert blocks["fenced code - a shorthand syntax for the source block"] == "code"  # ``` fence
    assert blocks["Note: An admonition paragraph, like this note, grabs the reader's attention."] == "paragraph"
    assert blocks["See idname or optional text of internal link."] == "paragraph"  # <<idname>>, <<id,text>>
    (table,) = [text for text, kind in blocks.items() if kind == "table"]
    assert table.startswith("Attribute Name | Values\noptions | header,footer,autowidth\n")  # |=== rows
    assert "grid | all | cols | rows | none" in table and table.endswith("format | psv | csv | dsv")  # \|, {vbar}
    (terms,) = [b for s in doc.sections if s.path[-1:] == ["Description"] for b in s.blocks]
    assert [i.text for i in terms.items] == [
        "first term: description of first term",
        "second term: description of second term",
    ]
    passages = chunk_document(doc)
    text = all_text(passages)
    assert "This paragraph has a footnote. (This is the text of the footnote.)" in text
    assert not [m for m in ("link:", "xref:", "[source", "|===", "ifdef::", "footnote:", "<<", "[[") if m in text]
    assert "// define attributes" in text  # a comment inside a listing block is the code's own
    assert no_fragment_stands_alone(passages)


def test_an_asciidoc_readme_as_debian_ships_it_has_its_attributes_and_sections(tmp_path):
    # /usr/share/doc/asciidoctor/README.adoc.gz: a header of attributes (URLs), conditionals, sections
    # "==" to "====", [source] listings, lists of links.
    (tmp_path / "README.adoc.gz").write_bytes((SAMPLES / "asciidoctor-README.adoc.gz").read_bytes())
    sources, warnings = read_corpus(tmp_path)
    (doc,), _ = parse_sources(sources)
    assert not warnings and doc.title == "Asciidoctor"
    assert "APT" in headings(doc) and "Ruby API" in headings(doc)
    passages = chunk_document(doc)
    (apt,) = [p for p in passages if p.section == "Installation > Linux package managers > APT"]
    assert apt.text.endswith(
        "To install the package, open a terminal and type:\n\n$ sudo apt-get install -y asciidoctor"
    )
    text = all_text(passages)
    assert "Asciidoctor is the successor to AsciiDoc.py. If you're using AsciiDoc.py, see Migrate from" in text
    assert "{url-" not in text and "ifdef::" not in text and ":url-repo:" not in text
    assert "Asciidoctor.convert_file 'README.adoc', to_file: true, safe: :safe" in text  # a [source] paragraph
    assert no_fragment_stands_alone(passages)


def test_git_asciidoc_source_read_as_asciidoc_has_the_faq_entries_of_its_html():
    # gitfaq's source (git's Documentation/*.txt, named .adoc since git 2.49): two-line titles, a
    # labelled list of questions ("How do I ...?::") with "+"-attached listing blocks.
    source = (REAL / "gitfaq" / "txt" / "gitfaq.txt").read_text()
    doc = parse("gitfaq.adoc", "asciidoc", source)
    html = read(REAL / "gitfaq" / "html" / "gitfaq.html")
    asked = [h.replace("’", "'") for h in headings(html) if h.endswith("?")]  # asciidoc-py's apostrophes
    assert [h for h in headings(doc) if h.endswith("?")] == asked and len(asked) == 17
    passages = chunk_document(doc)
    (entry,) = [p for p in passages if p.question == "What should I put in user.name?"]
    assert entry.section == "Configuration > What should I put in user.name?"
    assert "see credential.username in git-config(1)." in entry.text  # linkgit:git-config[1], `...`
    (ssh,) = [
        b
        for s in doc.sections
        if s.path and s.path[-1].endswith("same hosting provider using SSH?")
        for b in s.blocks
        if b.kind == "code"
    ]  # a "+"-attached "----" listing, its tabs and comment kept
    assert ssh.text.startswith("# This is the account for author on git.example.org.\nHost example_author\n\tHostName")
    assert no_fragment_stands_alone(passages)


def test_a_text_file_written_in_asciidoc_is_read_as_asciidoc():
    # git's manuals are AsciiDoc named .txt (up to git 2.48), as Debian's git-doc ships them.
    passages = chunk_document(read(REAL / "gitfaq" / "txt" / "gitfaq.txt"))
    text = all_text(passages)
    assert "see credential.username in git-config(1)." in text and "linkgit:" not in text and "`" not in text
    # Plain-text documents are not: the Debian FAQ and the Debian Reference.
    from roleqa.readers.asciidoc import looks_like_asciidoc

    for path in (REAL / "dfaq" / "txt" / "debian-faq.en.txt", REAL / "debref" / "txt" / "debian-reference.en.txt"):
        assert not looks_like_asciidoc(path.read_text())
    assert looks_like_asciidoc((REAL / "gitfaq" / "txt" / "gitfaq.txt").read_text())


def test_a_gnu_info_manual_has_its_nodes_tables_of_options_and_questions(tmp_path):
    # grep's manual as Debian ships it (/usr/share/info/grep.info.gz): nodes after 0x1f bytes,
    # underlined titles, menus, "*Note" references, @table option lists, an index marked with NULs,
    # and a chapter of numbered questions.
    (tmp_path / "grep.info.gz").write_bytes((REAL / "grepinfo" / "info" / "grep.info.gz").read_bytes())
    sources, warnings = read_corpus(tmp_path)
    (doc,), _ = parse_sources(sources)
    assert not warnings and doc.title == "grep"
    assert headings(doc)[:4] == [
        "Introduction",
        "Invoking ‘grep’",
        "Command-line Options",
        "Generic Program Information",
    ]
    (matching,) = [s for s in doc.sections if s.path[-1:] == ["2.1.2 Matching Control"]]
    (options,) = matching.blocks
    assert options.items[2].text.startswith("‘-i’ ‘-y’ ‘--ignore-case’: Ignore case distinctions in patterns")
    assert options.items[2].text.endswith(
        "‘-y’ is an obsolete synonym that is provided for compatibility. (‘-i’ is specified by POSIX.)"
    )
    passages = chunk_document(doc)
    (recursive,) = [p for p in passages if p.question == "How do I search directories recursively?"]
    assert recursive.section == "4 Usage > How do I search directories recursively?"
    assert recursive.text.startswith("grep -r 'hello' /home/gigi\n\nsearches for ‘hello’ in all files")
    text = all_text(passages)
    assert "* Menu:" not in text and "*Note" not in text and "[index]" not in text and "File: grep.info" not in text
    assert "control which variant of the ‘grep’ matching engine is used. see grep Programs." in text
    assert no_fragment_stands_alone(passages)
    assert base_name("info/find.info-2.gz") == "find"


def test_an_info_example_parted_by_blank_lines_is_one_block():
    # As coreutils' manual sets two columns side by side: their heads, a blank line, the columns.
    text = (
        "\x1f\nFile: demo.info,  Node: Top,  Next: Sorting,  Up: (dir)\n\nDemo\n****\n\n"
        "\x1f\nFile: demo.info,  Node: Sorting,  Prev: Top,  Up: Top\n\n1 Sorting\n*********\n\n"
        "Numeric and version sorts differ on these:\n\n"
        "     Numerical Sort:                   Version Sort:\n\n"
        "     $ sort -n                         $ sort -V\n"
        "     1.10                              1.2\n\n"
        "The version sort reads the numbers part by part.\n"
        "\x1f\nFile: demo.info,  Node: Index,  Prev: Sorting,  Up: Top\n\n2 Index\n*******\n\n* Menu:\n\n"
        "* sort:                                  Sorting.              (line 6)\n"
    )
    doc = parse("demo.info", "info", text)
    assert doc.title == "Demo" and headings(doc) == ["Sorting", "Index"]
    (sorting,) = [s for s in doc.sections if s.path == ["1 Sorting"]]
    assert [b.kind for b in sorting.blocks] == ["paragraph", "code", "paragraph"]
    assert sorting.blocks[1].text.startswith("Numerical Sort:                   Version Sort:\n\n$ sort -n")


def test_manual_pages_in_the_man_and_mdoc_macros_read_as_their_rendering(tmp_path):
    # tar's page (the man macros: .TP option lists, .EX examples, .RS) and ssh's
    # (OpenSSH's mdoc: .Bl/.It lists, .Fl/.Ar/.Op/.Xr within lines, .Xo/.Xc items, .Sm off).
    for page in ("tar", "ssh"):
        (tmp_path / f"{page}.1.gz").write_bytes((REAL / "manpages" / "man" / f"{page}.1.gz").read_bytes())
    sources, warnings = read_corpus(tmp_path)
    docs, skipped = parse_sources(sources)
    assert not warnings and not skipped
    ssh, tar = docs
    assert tar.title == "tar(1) — an archiving utility" and ssh.title == "ssh(1) — OpenSSH remote login client"
    assert headings(tar)[:6] == ["Name", "Synopsis", "Traditional usage", "UNIX-style usage", "GNU-style usage", "Note"]
    (modes,) = [b for s in tar.sections if s.path[-1:] == ["Operation mode"] for b in s.blocks if b.kind == "list"]
    listed = [i.text[:68] for i in modes.items]  # .TP items
    assert "-t, --list: List the contents of an archive. Arguments are optional." in listed
    text = all_text(chunk_document(tar) + chunk_document(ssh))
    assert "tar cfv etc.tar /etc" in text  # an .EX example
    assert "-D [bind_address:]port: Specifies a local “dynamic” application-level port forwarding." in text
    assert "[-D [bind_address:]port] [-E log_file]" in text  # the synopsis's .Op, .Oo/.Oc, .Ns
    assert "such as ssh-agent(1)." in text  # .Xr
    assert not [m for m in ("\\f", "\\(", "\n.", ".Bl", ".It", ".TP") if m in text]
    assert no_fragment_stands_alone(chunk_document(tar) + chunk_document(ssh))
    # A file named like a page but with no roff in it is plain text.
    assert (
        parse("notes.1", "man", "Notes\n\nThe spare key is in the shed.\n").sections[-1].blocks[0].kind == "paragraph"
    )


def test_a_plain_text_faq_as_debian_ships_it_gzipped_has_its_questions_as_entries(tmp_path):
    # procps's FAQ: /usr/share/doc/procps/FAQ.gz, each question at the margin over its tab-indented answer.
    (tmp_path / "FAQ.gz").write_bytes((SAMPLES / "procps-FAQ.gz").read_bytes())
    sources, warnings = read_corpus(tmp_path)
    (doc,), _ = parse_sources(sources)
    assert not warnings and doc.title == "FAQ"
    assert headings(doc)[:2] == [
        "Why does \"ps -aux\" complain about a bogus '-'?",
        "Why don't I see SMP (per-CPU) stats in top?",
    ]
    assert len(headings(doc)) == 10
    passages = chunk_document(doc)
    (entry,) = [p for p in passages if p.question == "Why do long usernames get printed as numbers?"]
    assert entry.kind == "faq" and entry.text.startswith("The UNIX and POSIX standards require")
    assert "ps -o pid,user:19,comm" in entry.text
    assert no_fragment_stands_alone(passages)


def test_plain_text_q_and_a_marks_make_faq_entries(tmp_path):
    # XZ Utils' FAQ as Debian ships it (faq.txt.gz): "Q:  ...?" paragraphs, each answered by an "A:" one.
    (tmp_path / "faq.txt.gz").write_bytes((REAL / "xzfaq" / "txt" / "faq.txt.gz").read_bytes())
    (doc,), _ = parse_sources(read_corpus(tmp_path)[0])
    assert doc.title == "XZ Utils FAQ" and headings(doc)[0] == "What do the letters XZ mean?"
    passages = chunk_document(doc)
    (entry,) = [p for p in passages if p.question and p.question.startswith("I have installed xz, but my tar")]
    assert entry.question.endswith("How can I extract .tar.xz files?") and entry.text == "xz -dc foo.tar.xz | tar xf -"
    assert len([p for p in passages if p.kind == "faq"]) == 20 and not [p for p in passages if "A: " in p.text]
    # The marks may be numbered, and the answer may start on the line after the question.
    doc = parse(
        "notes.txt",
        "text",
        "Q1: Where is the spare key?\nA1: In the shed by the door.\n\n"
        "Q2: Who feeds the cat?\n\nA2: Sam does, twice a day.\n",
    )
    assert [(p.question, p.text) for p in chunk_document(doc)] == [
        ("Where is the spare key?", "In the shed by the door."),
        ("Who feeds the cat?", "Sam does, twice a day."),
    ]


def test_a_docbook_title_page_author_is_text_not_a_section():
    doc = read(REAL / "debref" / "html" / "index.en.html")  # the Debian Reference's front page
    assert doc.title == "Debian Reference" and "Osamu Aoki" not in headings(doc)
    assert "Osamu Aoki" in all_text(chunk_document(doc))


def test_html_faqs_have_the_heading_tree_of_their_sources():
    """The two held-out FAQs as HTML pages: the same question headings as their sources (typographic
    quotes aside), not one "Introduction" (Sphinx wraps each heading in a link back to the
    page's contents) nor one long list (AsciiDoc renders FAQ entries as a definition list)."""
    html = read(REAL / "pyfaq" / "html" / "library.html")
    rst = read(REAL / "pyfaq" / "rst" / "library.rst.txt")
    assert [_plain_quotes(s.path) for s in html.sections if s.path] == [s.path for s in rst.sections if s.path]
    assert "How do I generate random numbers in Python?" in headings(html)
    html = read(REAL / "gitfaq" / "html" / "gitfaq.html")
    text = read(REAL / "gitfaq" / "txt" / "gitfaq.txt")  # AsciiDoc: read by the AsciiDoc reader
    paths = [_plain_quotes(s.path) for s in html.sections if s.path]
    # (A section resumed after a run of entries comes again, empty.)
    assert list(dict.fromkeys(map(tuple, paths))) == list(dict.fromkeys(tuple(s.path) for s in text.sections if s.path))
    passages = chunk_document(html)
    answer = [p for p in passages if p.leaf == "How do I configure a different editor?"]
    assert answer and answer[0].kind == "faq" and "GIT_EDITOR" in " ".join(p.text for p in answer)
    assert no_fragment_stands_alone(passages)


def test_plain_text_asciidoc_labelled_terms_are_question_headings():
    doc = read(REAL / "gitfaq" / "txt" / "gitfaq.txt")  # git's FAQ as git-doc ships it: AsciiDoc source
    found = [s.path for s in doc.sections if s.path]
    assert ["Configuration", "What should I put in user.name?"] in found  # "...`user.name`?::", one level down
    assert ["Credentials", "How do I use multiple accounts with the same hosting provider using SSH?"] in found
    assert len([p for p in found if p[-1].endswith("?")]) == 17  # its 20 questions, 3 of them statements
    assert ["Common Issues", "I asked Git to ignore various files, yet they are still tracked"] in found
    assert len([p for p in found if len(p) == 2]) == 20
    assert not [p for p in found if not any(c.isalnum() for c in p[-1])]  # "+" over "----" is no title
    passages = chunk_document(doc)
    text = all_text(passages)
    assert "[[user-name]]" not in text and "\n+\n" not in text and "You should put your personal name" in text
    answer = [p for p in passages if p.leaf == "How do I configure a different editor?"]
    assert answer and "GIT_EDITOR" in " ".join(p.text for p in answer)
    # "+" then "----": a listing block attached to the answer is code, without its delimiters.
    code = [b.text for s in doc.sections for b in s.blocks if b.kind == "code"]
    assert "$ echo url=https://author@git.example.org | git credential reject" in code and len(code) == 8
    assert "----" not in text
    assert no_fragment_stands_alone(passages)


def test_plain_text_numbered_headings_tables_and_no_break_indents():
    doc = read(SAMPLES / "debian-reference-1.1.txt")
    assert doc.title == "1.1. Console basics"
    found = headings(doc)
    assert found[:3] == ["The shell prompt", "The shell prompt under GUI", "The root account"]
    assert "sudo configuration" in found  # lower-case after a dotted number is still a heading
    assert not [h for h in found if h.startswith(("$", "#"))]  # command lines indented by no-break spaces
    passages = chunk_document(doc)
    tables = [p.text for p in passages if "vim-tiny" in p.text and " | " in p.text]
    assert tables and "vim-tiny | V:55, I:971 | 1660 | Unix text editor Vi IMproved, a programmers text" in tables[0]
    root = [p for p in passages if p.leaf == "The root account" and p.members]
    assert root and len(root[0].members) == 4  # bullets apart by blank lines are still one list
    # Lines that open with a prompt are code and keep their lines, no-break spaces and all.
    code = [b.text for s in doc.sections for b in s.blocks if b.kind == "code"]
    assert "# apt-get update\n ...\n# apt-get install mc vim sudo aptitude\n ..." in code
    assert no_fragment_stands_alone(passages)


def test_plain_text_paragraph_indented_under_a_list_item_stays_in_it():
    """The Debian FAQ's text: a second paragraph indented to an item's text belongs to that item,
    and the list goes on after it (its HTML has the paragraph inside the <li>)."""
    doc = read(REAL / "dfaq" / "txt" / "debian-faq.en.txt")
    (sec,) = [s for s in doc.sections if s.path and s.path[-1].endswith("What is Debian GNU/Linux?")]
    (listed,) = [b for b in sec.blocks if b.kind == "list" and b.items[0].text.startswith("full featured")]
    assert [i.text.split(":")[0] for i in listed.items] == ["full featured", "free to use and redistribute", "dynamic"]
    assert listed.items[1].text.endswith("included with each package.")  # its second paragraph
    assert any(b.kind == "paragraph" and b.text.startswith("Most Linux users") for b in sec.blocks)


def test_plain_text_first_line_is_the_title_and_caps_headings_are_siblings():
    # As the Debian FAQ and the Debian Reference ship: the first line names the document.
    assert read(REAL / "dfaq" / "txt" / "debian-faq.en.txt").title == "The Debian GNU/Linux FAQ"
    notes = "On-call notes\n\nPAGING\n\nWho to call at night.\n\nROLLBACK\n\nHow to roll back a release.\n"
    doc = read_text("notes/oncall.txt", notes)
    assert doc.title == "On-call notes"
    assert [s.path for s in doc.sections if s.blocks] == [["Paging"], ["Rollback"]]  # not Rollback under Paging
    assert "On-call notes" not in all_text(chunk_document(doc))
    # A first line that is a sentence is text, and the file name gives the title.
    doc = read_text("notes/oncall.txt", "Call Sam first.\n\nPAGING\n\nWho to call.\n\nROLLBACK\n\nHow.\n")
    assert doc.title == "oncall" and [s.path for s in doc.sections if s.path] == [["Paging"], ["Rollback"]]


def test_pdf_headings_by_font_size_without_page_furniture():
    doc = read(SAMPLES / "debian-reference-p30-33.pdf")
    found = headings(doc)
    assert ["The root account", "The root shell prompt", "GUI system administration tools"] == found[1:4]
    passages = chunk_document(doc)
    text = all_text(passages)
    assert "Debian Reference 31 / 233" not in text  # the running header
    assert "system administration tasks" in text  # "adminis-" "tration" joined again
    prompt = [p for p in passages if p.leaf == "The root shell prompt" and p.id.endswith("-list-1")]
    assert prompt and len(prompt[0].members) == 3
    assert any(p.text.startswith("For the typical single user workstation") for p in passages)  # one paragraph
    assert "# echo ”penguin ALL=(ALL) NOPASSWD:ALL” >> /etc/sudoers" in text
    assert no_fragment_stands_alone(passages)


def test_a_printed_html_faq_keeps_its_questions_as_headings():
    """Web pages printed to PDF (tests/data/real/SOURCES.md): a heading that wraps is one heading and
    loses its permalink mark; a question with its answer indented under it is an FAQ entry."""
    sphinx = [_plain_quotes([h])[0] for h in headings(read(SAMPLES / "pyfaq-library-printed.pdf"))]
    rst = headings(read(REAL / "pyfaq" / "rst" / "library.rst.txt"))
    assert [h for h in sphinx if h in rst] == rst  # every heading of the source, in order
    assert "Where is the math.py (socket.py, regex.py, etc.) source file?" in sphinx  # over two lines
    assert not [h for h in sphinx if "¶" in h or not any(c.isalnum() for c in h)]
    doc = read(SAMPLES / "gitfaq-printed.pdf")
    found = [s.path for s in doc.sections if s.path]
    assert ["Configuration", "What should I put in user.name?"] in found  # a question in the body font
    assert ["Credentials", "How do I read a password or token from an environment variable?"] in found
    passages = chunk_document(doc)
    answer = [p for p in passages if p.leaf == "How do I configure a different editor?"]
    assert answer and answer[0].kind == "faq" and "GIT_EDITOR" in " ".join(p.text for p in answer)
    assert no_fragment_stands_alone(passages)


def test_a_sphinx_build_is_read_once_through_its_pages(tmp_path):
    # A Sphinx HTML build (Debian's /usr/share/doc/python3.11/html): each page's source again under
    # _sources/, and pages of links Sphinx generates. Each text once, from the page.
    page = "<html><body><div class='body'><h1>Keys</h1><p>The spare key hangs in the shed.</p></div></body></html>"
    for name in ("keys.html", "howto/doors.html", "search.html", "genindex.html", "py-modindex.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(page)
    (tmp_path / "_sources" / "howto").mkdir(parents=True)
    for name in ("keys.rst.txt", "howto/doors.rst.txt", "orphan.rst.txt"):
        (tmp_path / "_sources" / name).write_text("Keys\n====\n\nThe spare key hangs in the shed.\n")
    sources, warnings = read_corpus(tmp_path)
    assert [s.name for s in sources] == ["_sources/orphan.rst.txt", "howto/doors.html", "keys.html"]
    assert warnings == ["skipped 5 files of a Sphinx build: its pages' sources (_sources/), its indexes"]
    # The same names in a folder that is no Sphinx build are all read.
    (tmp_path / "_sources").rename(tmp_path / "sources")
    assert len(read_corpus(tmp_path)[0]) == 8


def test_a_file_a_reader_cannot_parse_is_skipped_with_its_reason(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF\n")
    (tmp_path / "slides.docx").write_bytes(b"PK\x03\x04 zip")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "notes.md").write_text("# Notes\n\nThe spare key hangs in the shed by the door.\n")
    sources, warnings = read_corpus(tmp_path)
    assert [s.name for s in sources] == ["broken.pdf", "notes.md"]
    assert warnings == [
        "skipped files of kinds roleqa does not read (1 .docx, 1 .png); it reads .md, .markdown, .rst, .html, "
        ".htm, .pdf, .adoc, .asciidoc, .info, manual pages (.1 to .9), .txt, README and FAQ files, each also "
        "gzipped (.gz)"
    ]
    docs, skipped = parse_sources(sources)
    assert [d.name for d in docs] == ["notes.md"]
    assert len(skipped) == 1 and skipped[0].startswith("skipped broken.pdf: not a readable PDF")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.md", "markdown"),
        ("a.MARKDOWN", "markdown"),
        ("faq.rst.txt", "rst"),
        ("a.rst", "rst"),
        ("a.htm", "html"),
        ("a.pdf", "pdf"),
        ("a.txt", "text"),
        ("guide.adoc", "asciidoc"),
        ("guide.asciidoc", "asciidoc"),
        ("README.adoc", "asciidoc"),
        ("grep.info.gz", "info"),
        ("find.info-2.gz", "info"),
        ("doc/find.info-1", "info"),
        ("information.txt", "text"),
        ("man1/ls.1.gz", "man"),
        ("ssh_config.5", "man"),
        ("Carp.3perl.gz", "man"),
        ("openssl.1ssl.gz", "man"),
        ("a.docx", None),
        ("FAQ", "text"),
        ("doc/README", "text"),
        ("README.Debian", "text"),
        ("FAQ.gz", "text"),
        ("README.md.gz", "markdown"),
        ("guide.html.gz", "html"),
        ("Makefile", None),
        ("faq.docx", None),
        ("a.tar.gz", None),
    ],
)
def test_kinds_by_name(name, kind):
    assert kind_of(name) == kind


def test_gzipped_files_and_faq_and_readme_files_are_read_as_debian_ships_them(tmp_path):
    import gzip

    (tmp_path / "FAQ.gz").write_bytes(gzip.compress(b"Keys\n\nThe spare key is in the shed, by the door.\n"))
    (tmp_path / "README").write_text("Notes about the house.\n\nThe boiler is serviced every May.\n")
    (tmp_path / "guide.md.gz").write_bytes(gzip.compress(b"# Guide\n\n## Heating\n\nBleed the radiators first.\n"))
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 2_100_000))  # 2 KB that would be 2.1 MB
    (tmp_path / "broken.txt.gz").write_bytes(b"\x1f\x8b\x08 not really gzip")
    sources, warnings = read_corpus(tmp_path)
    assert [s.name for s in sources] == ["FAQ.gz", "README", "guide.md.gz"]
    assert warnings[0] == "skipped bomb.txt.gz: over the 2 MB limit once decompressed"
    assert warnings[1].startswith("skipped broken.txt.gz: cannot decompress it (")
    docs, skipped = parse_sources(sources)
    assert not skipped and [d.title for d in docs] == ["Keys", "README", "Guide"]
    text = all_text(p for d in docs for p in chunk_document(d))
    assert "The spare key is in the shed, by the door." in text and "The boiler is serviced every May." in text
    assert "Bleed the radiators first." in text


@pytest.mark.parametrize(
    "name, kind, source",
    [
        (
            "faq.rst",
            "rst",
            "My FAQ\n======\n\nInstall\n-------\n\nHow do I install it?\n    Run the installer.\n\n    Then reboot."
            "\n\nCan I uninstall it?\n    Yes, with the uninstaller.\n\nAfter the list, still about installing.\n\n"
            "Other\n-----\n\nterm\n    a definition\n",
        ),
        (
            "faq.html",
            "html",
            b"<h1>My FAQ</h1><h2>Install</h2><dl><dt>How do I install it?</dt><dd><p>Run the installer.</p>"
            b"<p>Then reboot.</p></dd><dt>Can I uninstall it?</dt><dd><p>Yes, with the uninstaller.</p></dd></dl>"
            b"<p>After the list, still about installing.</p><h2>Other</h2><dl><dt>term</dt><dd>a definition</dd></dl>",
        ),
    ],
)
def test_a_definition_list_of_questions_is_a_run_of_faq_entries(name, kind, source):
    doc = parse(name, kind, source)
    blocks = {tuple(s.path): [b.text or [i.text for i in b.items] for b in s.blocks] for s in doc.sections if s.blocks}
    assert blocks == {
        ("Install", "How do I install it?"): ["Run the installer.", "Then reboot."],
        ("Install", "Can I uninstall it?"): ["Yes, with the uninstaller."],
        ("Install",): ["After the list, still about installing."],
        ("Other",): [["term: a definition"]],  # not questions: a list, as before
    }
    assert [p.kind for p in chunk_document(doc) if p.leaf.endswith("?")] == ["faq", "faq"]


def test_a_numbered_heading_wrapped_at_the_margin_is_one_heading():
    """Text whose prose is indented (DocBook's text output: the Debian Reference, the Debian FAQ): a
    numbered heading too long for one line goes on at the margin, and is still one heading."""
    doc = read(REAL / "debref" / "txt" / "debian-reference.en.txt")
    found = [s.path[-1] for s in doc.sections if s.path]
    assert "9.6.14. Expansion of usable storage space by mounting another partition" in found
    body = "    Prose is indented here,\n    as in the whole document.\n" * 3 + "\n"
    text = (
        "1. Definitions and overview\n\n"
        + body
        + "1.4. Does Debian just do GNU/Linux?\n\n"
        + body
        + "1.5. What is the difference between Debian GNU/Linux and other Linux\n"
        "distributions? Why should I choose Debian over some other\ndistribution?\n\n"
        + body
        + "12. Getting support\n\n"
        + "12.3. Is there a quick way to search for information on Debian GNU/\nLinux?\n\n"
        + body
    )
    doc = parse("faq.txt", "text", text)
    assert [s.path for s in doc.sections if s.blocks] == [
        ["1. Definitions and overview"],
        ["1. Definitions and overview", "1.4. Does Debian just do GNU/Linux?"],
        [
            "1. Definitions and overview",
            "1.5. What is the difference between Debian GNU/Linux and other Linux distributions? "
            "Why should I choose Debian over some other distribution?",
        ],
        ["12. Getting support", "12.3. Is there a quick way to search for information on Debian GNU/Linux?"],
    ]


def test_pdf_chapter_labels_and_long_numbered_headings_join_their_titles():
    doc = read(REAL / "debref" / "pdf" / "debian-reference.en.pdf")
    found = [s.path for s in doc.sections if s.path]
    assert ["Chapter 1 GNU/Linux tutorials", "1.1 Console basics", "1.1.3 The root account"] in found
    assert not [p for p in found if p[-1] in ("Chapter 1", "GNU/Linux tutorials")]  # not two headings


def test_a_paragraph_that_only_points_elsewhere_keeps_its_target():
    doc = read(REAL / "ripgrep" / "md" / "FAQ.md")
    targets = {s.path[-1]: b.target for s in doc.sections if s.path for b in s.blocks if b.target}
    assert targets == {
        "Does ripgrep support configuration files?": "GUIDE.md#configuration-file",
        "How do I search files that aren't UTF-8?": "GUIDE.md#file-encoding",
    }
    md = parse(
        "a.md",
        "markdown",
        "# A\n\nSee [the manual](https://example.org/manual#x).\n\n"  # another site
        "Read [this](#b) and then a long explanation of many other things here too.\n\n"  # mostly its own text
        "See [section B](#b).\n\n# B\n\nText.\n",
    )
    assert [b.target for s in md.sections for b in s.blocks] == ["", "", "#b", ""]
    html = parse("a.html", "html", b'<h1>A</h1><p>See <a href="guide.html#enc">the section on encodings</a>.</p>')
    assert [b.target for s in html.sections for b in s.blocks] == ["guide.html#enc"]


def test_markdown_question_lines_are_faq_entries():
    """A question that stands as a heading without being one: all bold, or ended by a hard line break
    (how pandoc writes a definition list's term); a question inside prose is not one."""
    doc = parse(
        "faq.md",
        "markdown",
        "# Help\n\n## Install\n\n**How do I install it?**\nRun the installer as root.\n\n**Can I remove it?**\n\n"
        "Yes, with the remover.\n\nWhat should I put in `user.name`?  \nYou should put your name.\n\n"
        "## Other\n\nA plain paragraph? With more.\n\nWhy not **this?** It is prose.\n",
    )
    assert {tuple(s.path): [b.text for b in s.blocks] for s in doc.sections if s.blocks} == {
        ("Install", "How do I install it?"): ["Run the installer as root."],
        ("Install", "Can I remove it?"): ["Yes, with the remover."],
        ("Install", "What should I put in user.name?"): ["You should put your name."],
        ("Other",): ["A plain paragraph? With more.", "Why not this? It is prose."],
    }
    assert [p.kind for p in chunk_document(doc) if p.leaf.endswith("?")] == ["faq"] * 3


def test_html_ids_that_are_heading_slugs_never_drop_their_section():
    """Sphinx gives each section its heading's slug as id: "...-list-of-all-instances..." names no
    list of figures, "related-work" no related links. Short ids ("nav", "site-footer") still do."""
    page = (
        b'<body><div id="nav"><a href="/">Home</a></div><div class="body">'
        b'<section id="how-do-i-get-a-list-of-all-instances-of-a-given-class"><h2>How do I get a list of all '
        b"instances of a given class?</h2><p>Python does not keep track of all instances of a class.</p></section>"
        b'<section id="related-work"><h2>Related work</h2><p>Other tools do the same.</p></section>'
        b'</div><div id="site-footer"><p>Copyright notice</p></div></body>'
    )
    doc = parse("programming.html", "html", page)
    assert headings(doc) == ["How do I get a list of all instances of a given class?", "Related work"]
    text = all_text(chunk_document(doc))
    assert "Home" not in text and "Copyright" not in text


def test_old_html_with_unclosed_paragraphs_keeps_its_headings():
    """The zsh FAQ's pages (yodl output): <p> never closed, a list of links as the navigation bar, an
    h1 chapter title under a <title> that says FAQ, numbered "2.3:" headings."""
    page = (
        b"<html><head><title> Z-Shell Frequently-Asked Questions </title></head><body><hr><ul>"
        b'<li> <a href="FAQ.html">Table of Contents</a><li> <a href="FAQ01.html">Previous Chapter</a></ul><hr>'
        b"<h1>Chapter 2: How does zsh differ from...?</h1><p>As has already been mentioned, zsh is most similar"
        b" to ksh.<p><h2>2.1: Differences from sh and ksh</h2><p>Most features of ksh are implemented in zsh."
        b"<h2>2.2: Similarities with csh</h2><p>Although certain features aim to ease the withdrawal symptoms of"
        b" csh users, the two are quite different.</body></html>"
    )
    doc = parse("FAQ02.html", "html", page)
    assert headings(doc) == ["Differences from sh and ksh", "Similarities with csh"]
    passages = chunk_document(doc)
    assert "Previous Chapter" not in all_text(passages)
    entries = [p for p in passages if p.kind == "faq"]  # the page's <title> says FAQ: every section is an entry
    assert [p.question for p in entries if p.question] == ["Differences from sh and ksh", "Similarities with csh"]


def test_a_running_header_that_names_each_page_section_is_dropped():
    """The Debian FAQ's PDF heads each page with its chapter and section ("CHAPTER 6. THE DEBIAN
    ARCHIVES 6.5. WHAT DOES THE TESTING ..."), a different line on every page: never in a passage."""
    passages = chunk_document(read(REAL / "dfaq" / "pdf" / "debian-faq.en.pdf"))
    assert not [p.text for p in passages if "CHAPTER 6. THE DEBIAN ARCHIVES" in p.text]
    assert any(p.leaf == "What does the testing distribution contain?" for p in passages)


def test_a_definition_term_that_ends_in_a_colon_keeps_one():
    page = chunk_document(read(REAL / "dfaq" / "html" / "compatibility.en.html"))
    text = all_text(page)
    assert "You probably can: A program to unpack a Debian package" in text and "can::" not in text


def test_pdf_words_hyphenated_at_a_line_end_are_written_as_the_document_writes_them():
    doc = read(REAL / "dfaq" / "pdf" / "debian-faq.en.pdf")
    # A compound keeps its hyphen; a word broken by hyphenation is one word again.
    assert "Can I install and compile a kernel without some Debian-specific tweaking?" in headings(doc)
    text = all_text(chunk_document(doc))
    assert "Debianspecific" not in text and "management" in text and "manage-ment" not in text
    assert "(for 32-bit PCs)" in text and "32- bit" not in text  # a hyphen after a number stays


def test_pdf_opening_quotes_typeset_as_a_lone_accent_are_quotes():
    # LaTeX's `foo-data' comes out of PDFium as a combining grave accent on a space.
    doc = read(REAL / "dfaq" / "pdf" / "debian-faq.en.pdf")
    assert any(
        h.startswith("Why is \u2018foo-data\u2019 not removed when I uninstall \u2018foo\u2019?") for h in headings(doc)
    )
    text = all_text(chunk_document(doc))
    assert "\u0300" not in text and "is unstable\u2019 or \u2018testing\u2019 or anything" in text


def test_pdf_deep_numbered_headings_in_bold_at_the_body_size_are_headings():
    doc = read(REAL / "dfaq" / "pdf" / "debian-faq.en.pdf")
    found = headings(doc)
    assert "dpkg-deb" in found and "What is the code of conduct for the mailing lists?" in found
    # A bold line that is not numbered that deep stays text.
    assert not [h for h in found if h.startswith("This program manipulates")]


def test_pdf_footnotes_go_to_the_end_of_their_section_out_of_its_text():
    # The Debian FAQ's section 6.4 is a list of three directories over two pages, with a footnote
    # at the foot of the first page that used to sit between its first item and the others.
    passages = chunk_document(read(REAL / "dfaq" / "pdf" / "debian-faq.en.pdf"))
    section = [p.text for p in passages if p.leaf == "What does the stable directory contain?"]
    assert all(d in section[0] for d in ("stable/main/", "stable/non-free/", "stable/contrib/"))
    assert "present-day sid" not in section[0]
    assert section[1].startswith("When the present-day sid did not exist")  # the footnote, after its text
    assert section[-1].startswith("With the advent of package pools")


def test_rest_references_to_other_files_show_the_titles_they_name(tmp_path):
    (tmp_path / "install.rst").write_text(
        "Installing\n==========\n\n.. _agent-setup:\n\nSetting up the agent\n--------------------\n\n"
        "Run the installer as root, then restart the service.\n"
    )
    (tmp_path / "faq.rst").write_text(
        "FAQ\n===\n\nHow do I install it?\n--------------------\n\n"
        "See :ref:`agent-setup` in :doc:`/guide/install`, and :ref:`the notes <release-notes>`"
        " or :ref:`no-such-label`.\n"
    )
    sources, _ = read_corpus(tmp_path)
    docs, warnings = parse_sources(sources)
    faq = all_text(chunk_document(next(d for d in docs if d.name == "faq.rst")))
    assert not warnings
    assert "See Setting up the agent in Installing, and the notes or no such label." in faq


def test_pdf_tables_of_contents_are_dropped_and_a_heading_wrapped_before_i_is_one():
    doc = read(REAL / "dfaq" / "pdf" / "debian-faq.en.pdf")
    tops = {s.path[0] for s in doc.sections if s.path}
    assert not tops & {"Contents", "Index P"}  # page numbers and titles found elsewhere
    assert "Chapter 8 The Debian package management tools" in tops
    # "...How do" / "I make sure...": the line opening with "I" continues the heading, no appendix "I".
    assert any(h.endswith("How do I make sure old unused library-packages get purged?") for h in headings(doc))
    assert not any(h.startswith("I make sure") for h in headings(doc))
