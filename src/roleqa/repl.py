"""The chat: a session that follows the conversation, and the loop around it.

`ChatSession` holds what a chat remembers (the previous turn, the last
answer, how many answers to show) and turns one input line into the text to
print. Asking and rendering are injected, and so are input and output of the
loop, so the chat is tested with exact transcripts; the CLI decides about
readline, colour and JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from roleqa import __version__
from roleqa.answer import TOPIC_BONUS, Answerer, passage_about
from roleqa.compare import Comparison
from roleqa.direction import DIRECTION_BONUS
from roleqa.errors import RoleqaError
from roleqa.escapes import safe
from roleqa.followup import Turn, interpret, turn_entity
from roleqa.profile import Profile
from roleqa.result import Hit, Result
from roleqa.retrieve import weights_of

COMMANDS = ["/help", "/k", "/sources", "/more", "/why", "/compare", "/good", "/bad", "/reset", "/quit"]
HELP = """Ask a question in your own words. Follow-ups work too: "and on Windows?", "what about
the defaults?", "is it faster?" are read against the question before.
Commands:
  /help      show this help
  /k N       show N answers per question
  /sources   every answer to the last question, with its score and id
  /more      the next answers to the last question
  /why       how the best answer was scored
  /compare T the corpus's entities side by side on topic T ("/compare salary");
             /compare alone lists the topics
  /good      the last answer was right; /bad: it was not (kept in the question log
             for `roleqa review`, when the chat was started with --log)
  /reset     forget the conversation (the next question is read on its own)
  /quit      leave the chat (also: exit, quit, Ctrl-D)
Up and Down recall earlier questions, Ctrl-R searches them, Tab completes
commands, Ctrl-C clears the line you are typing."""

QUIT = {"/quit", "/exit", "exit", "quit", ":q"}
QUIT_SIGNAL = None  # what `ChatSession.handle` returns for "leave the chat"

# ask(question, k, sections, context): the top-k answers; passages in `sections` get a topic
# bonus, and `context` (the previous question, for a follow-up read by its form) is blended in.
Ask = Callable[[str, int, frozenset, str], Result]


class Renderer(Protocol):
    """How the chat shows a result, more answers (`/more`) and where answers come from (`/sources`)."""

    def result(self, result: Result) -> str: ...
    def answers(self, hits: list) -> str: ...
    def sources(self, hits: list) -> str: ...
    def comparison(self, comparison) -> str: ...


def topic_of(hits: Sequence[Hit]) -> dict[str, float]:
    """The sections of these answers, each with its answer's confidence over the best one's."""
    best = hits[0].score if hits else 0.0
    weights: dict[str, float] = {}
    for hit in hits:
        share = hit.score / best if best > 0 else 1.0
        weights[hit.passage.section] = max(weights.get(hit.passage.section, 0.0), round(share, 4))
    return weights


class ChatSession:
    """One conversation: reads follow-ups against the previous turn, and answers commands."""

    def __init__(
        self,
        ask: Ask,
        render: Renderer,
        top_k: int,
        as_json: bool = False,
        profile: Profile = Profile(),
        alternatives: list[list[str]] = (),
        compare: Callable[[str], Comparison | None] | None = None,
        topics: Sequence[str] = (),
        on_result: Callable[[Result], None] = lambda _: None,
        on_feedback: Callable[[Result, str], None] | None = None,
    ) -> None:
        self.on_result = on_result  # each answer, for the question log
        self.on_feedback = on_feedback  # /good and /bad (None: the log is off)
        self.ask = ask
        self.compare = compare  # topic -> the entities side by side on it (None: nothing to compare)
        self.topics = list(topics)
        self.profile = profile
        self.alternatives = alternatives
        self.render = render
        self.top_k = top_k
        self.as_json = as_json
        self.previous: Turn | None = None
        self.last: Result | None = None
        self.shown = 0
        self.topic: Mapping[str, float] = {}  # the sections the last question leaned on (Turn.sections)
        self.context = ""  # the previous question, when the last one was read as its follow-up

    def handle(self, line: str) -> str | None:
        """The text to print for one input line ("" for nothing); QUIT_SIGNAL to leave."""
        line = line.strip()
        if not line:
            return ""
        if line.lower() in QUIT:
            return QUIT_SIGNAL
        if line.startswith("/") or line.lower() in {"help", "?"}:
            return self._command(line)
        return self._question(line)

    def _question(self, question: str) -> str:
        reading = interpret(question, self.previous, self.profile, self.alternatives)
        context = reading.context if reading else ""
        asked = question if context else reading.question if reading else question
        topic = self.previous.sections if reading and reading.same_topic else {}
        result = self.ask(asked, self.top_k, topic, context)
        result = replace(result, question=question, interpreted_as=reading.question if reading else None)
        # A follow-up read by its form carries its context on to the next one.
        understood = f"{context} {asked}" if context else asked
        if result.answered:
            about = self.profile.entities_in(passage_about(result.hits[0].passage, self.profile))
            self.previous = Turn(understood, turn_entity(asked, self.profile, about), topic_of(result.hits))
        elif self.previous is None or not self.previous.sections:
            # An unanswered question is not a topic to follow up on: the answered one before stays.
            # With none, it is still what a follow-up leans on ("and one that writes to syslog?"),
            # without a topic of its own (a turn with no sections).
            self.previous = Turn(understood)
        self.last, self.shown, self.topic, self.context = result, len(result.hits), topic, context
        self.on_result(result)
        if self.as_json:
            return self.render.result(result)
        taking = f"Taking this as: {safe(reading.question)}\n" if reading else ""
        return taking + self.render.result(result)

    def _command(self, line: str) -> str:
        name, _, arg = line.partition(" ")
        name = name.lower()
        if name in {"/help", "help", "?"}:
            return "" if self.as_json else HELP
        if name == "/reset":
            self.previous = self.last = None
            return "" if self.as_json else "Forgot the conversation; the next question is read on its own."
        if name == "/k":
            if not arg.strip().isdigit() or not 1 <= int(arg) <= 50:
                return "" if self.as_json else "Usage: /k N, with N from 1 to 50."
            self.top_k = int(arg)
            return "" if self.as_json else f"Showing {self.top_k} answers per question."
        if name == "/compare":
            return self._compare(arg.strip())
        if name in {"/good", "/bad"}:
            return self._feedback(name[1:])
        if self.as_json:
            return ""
        if name in {"/sources", "/more", "/why"} and self.last is None:
            return "Ask a question first."
        if name == "/sources":
            return self._sources()
        if name == "/more":
            return self._more()
        if name == "/why":
            return self._why()
        return f"Unknown command {safe(name)}; type /help for the commands."

    def _feedback(self, verdict: str) -> str:
        if self.last is None:
            return "" if self.as_json else "Ask a question first."
        if self.on_feedback is None:
            off = "The question log is off: start the chat with --log (or ROLEQA_LOG=1) to keep /good and /bad."
            return "" if self.as_json else off
        self.on_feedback(self.last, verdict)
        return "" if self.as_json else f"Noted as {verdict}; `roleqa review` shows the questions marked bad."

    def _compare(self, topic: str) -> str:
        if not self.topics or self.compare is None:
            nothing = "Nothing to compare here: the corpus profile names no entities that its sections compare."
            return "" if self.as_json else nothing
        if not topic:
            return "" if self.as_json else "Topics to compare on: " + ", ".join(safe(t) for t in self.topics) + "."
        comparison = self.compare(topic)
        if comparison is None:
            topics = ", ".join(safe(t) for t in self.topics)
            return "" if self.as_json else f'Nothing here compares them on "{safe(topic)}". Topics: {topics}.'
        return self.render.comparison(comparison)

    def _sources(self) -> str:
        return self.render.sources(self.last.hits)

    def _more(self) -> str:
        last = self.last
        asked = last.question if self.context else last.interpreted_as or last.question
        more = self.ask(asked, self.shown + self.top_k, self.topic, self.context)
        new = more.hits[self.shown :]
        if not new:
            return "No more answers."
        self.shown = len(more.hits)
        self.last = replace(more, question=last.question, interpreted_as=last.interpreted_as)
        return self.render.answers(new)

    def _why(self) -> str:
        best = self.last.hits[0]
        parts, w = dict(best.parts), weights_of(self.profile.weights)
        lines = [f"Best answer: {safe(best.passage.id)}"]
        if self.last.interpreted_as:
            lines.append(f"Read as: {safe(self.last.interpreted_as)}")
        lines += [
            f"  dense cosine, question to passage      {parts.get('dense', 0):7.3f}",
            f"  cosine to its heading / FAQ question    {parts.get('heading', 0):7.3f}  (x {w.heading:g})",
            f"  cosine to its section (mean of passages) {parts.get('section', 0):6.3f}  (x {w.section:g})",
            f"  words in common (BM25, 0 to 1)          {parts.get('lexical', 0):7.3f}  (x {w.lexical:g})",
            f"  role: same +1, the other -1             {parts.get('role', 0):+7.0f}  (x {w.role:g})",
            f"  on the topic of the previous answer     {parts.get('topic', 0):7.3f}  (x {TOPIC_BONUS:g})",
            f"  heading the question's way: +1, back -1 {parts.get('direction', 0):+7.0f}  (x {DIRECTION_BONUS:g})",
            f"  asks about another job                  {'yes' if parts.get('other_job') else 'no':>7}  "
            f"(-{w.other_job:g})",
            f"  ranking score                           {best.raw:7.3f}",
            f"  question's words no passage has (share) {parts.get('unknown', 0):7.3f}",
            f"  lead over the fifth best answer         {parts.get('lead', 0):7.3f}",
            f"  confidence (chance it is right)         {best.score:7.3f}",
            "  answered" if self.last.answered else "  not answered: below the threshold",
        ]
        if best.passage.members:
            lines.append(f"  shown as a whole list of {len(best.passage.members)} items")
        return "\n".join(lines)


def run_chat(
    session: ChatSession,
    read_line: Callable[[str], str],
    write: Callable[[str], None],
    prompt: str = "roleqa> ",
    welcome: str = "",
) -> int:
    """Read lines until /quit or end of input, writing each reply. Returns an exit code.

    `read_line(prompt)` behaves like `input`: EOFError ends the chat and
    KeyboardInterrupt abandons the current line.
    """
    if welcome:
        write(welcome)
    while True:
        try:
            line = read_line(prompt)
        except EOFError:
            write("")
            return 0
        except KeyboardInterrupt:
            write("")
            continue
        try:
            reply = session.handle(line)
        except RoleqaError as e:
            reply = f"Error: {e}"
        except KeyboardInterrupt:
            reply = "(cancelled)"
        if reply is QUIT_SIGNAL:
            return 0
        if reply:
            write(reply)


def answer_lines(
    lines: Iterable[str],
    session: ChatSession,
    write: Callable[[str], None],
    warn: Callable[[str], None] = lambda _: None,
) -> int:
    """Piped chat: one question or command per line, each answered in turn, follow-ups included.

    A line that fails is reported through `warn` (stderr) and the batch goes on;
    the exit code is then 1.
    """
    first, code = True, 0
    for line in lines:
        try:
            reply = session.handle(line)
        except RoleqaError as e:
            warn(f"Error: {e}")
            code = 1
            continue
        if reply is QUIT_SIGNAL:
            break
        if reply:
            if not first and not session.as_json:
                write("")  # a blank line between answers, for reading
            write(reply)
            first = False
    return code


def welcome(answerer: Answerer, bold: Callable[[str], str] = lambda text: text) -> str:
    """Who is answering, and three questions to start with, taken from the FAQ (or the headings)."""
    index = answerer.index
    examples = answerer.examples(3)
    names = list(answerer.index.manifest.get("corpus", {}).get("documents", []))
    docs = ", ".join(names) if len(names) <= 3 else f"{len(names)} documents"
    title = f"roleqa {__version__} · {index.size} passages from {safe(docs)}"
    lines = [bold(title), "Try for instance:"]
    lines += [f"  {safe(q)}" for q in examples]
    topics = answerer.comparer.topics()
    if topics:
        names = " and ".join(answerer.profile.plural(e) for e in answerer.entity_names[:2])
        example = safe(topics[-1].split()[0].lower())
        lines.append(f'Compare {safe(names)}: /compare TOPIC (e.g. "/compare {example}").')
    lines.append('Follow-ups work ("and ...?", "what about ...?"). /help for commands, /quit or Ctrl-D to leave.')
    return "\n".join(lines) + "\n"
