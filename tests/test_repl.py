from roleqa.errors import RoleqaError
from roleqa.repl import HELP, answer_lines, run_chat


def scripted(lines):
    """An input() stand-in that replays lines, raising what it is given."""
    it = iter(lines)

    def read_line(prompt):
        out.append(prompt)
        item = next(it)
        if isinstance(item, BaseException):
            raise item
        return item

    out = []
    return read_line, out


def test_transcript():
    read_line, out = scripted(["", "first question", "/help", "/nope", KeyboardInterrupt(), "boom", "/quit"])

    def answer(q):
        if q == "boom":
            raise RoleqaError("index broken")
        return f"answer to {q}"

    code = run_chat(answer, read_line, out.append, welcome="hi")
    assert code == 0
    assert out == [
        "hi",
        "roleqa> ",
        "roleqa> ",
        "answer to first question",
        "roleqa> ",
        HELP,
        "roleqa> ",
        "Unknown command /nope; type /help for the commands.",
        "roleqa> ",
        "",
        "roleqa> ",
        "Error: index broken",
        "roleqa> ",
    ]


def test_end_of_input_exits_cleanly():
    read_line, out = scripted(["question", EOFError()])
    assert run_chat(lambda q: q.upper(), read_line, out.append) == 0
    assert out == ["roleqa> ", "QUESTION", "roleqa> ", ""]


def test_exit_words_quit():
    for word in ("exit", "quit", "/QUIT"):
        read_line, out = scripted([word, "never read"])
        assert run_chat(lambda q: q, read_line, out.append) == 0


def test_piped_lines_answer_each_non_empty_line():
    out = []
    answer_lines(["a\n", "\n", "  b  \n", "/quit\n", "c\n"], lambda q: f"<{q}>", out.append)
    assert out == ["<a>", "<b>"]
