"""Settings: defaults, then ROLEQA_* environment variables, then CLI options.

The core never reads the environment itself: `Settings.from_env` is called once
by the CLI and the resulting frozen object is passed down explicitly.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from roleqa.errors import RoleqaError

PACKAGE_DIR = Path(__file__).resolve().parent
# An installed wheel carries the shipped corpus (and the raw page `roleqa clean`
# reads) inside the package; a source checkout has them at the top of the
# repository, two levels up from src/roleqa, with index/ beside them.
if (PACKAGE_DIR / "corpus").is_dir():
    SHIPPED_CORPUS = PACKAGE_DIR / "corpus"
    SHIPPED_SOURCE = PACKAGE_DIR / "sources" / "000_cafb6aafcb78b802.txt"
    CHECKOUT_INDEX: Path | None = None
else:
    SHIPPED_CORPUS = PACKAGE_DIR.parents[1] / "corpus"
    SHIPPED_SOURCE = PACKAGE_DIR.parents[1] / "sources" / "000_cafb6aafcb78b802.txt"
    CHECKOUT_INDEX = PACKAGE_DIR.parents[1] / "index" / "default"

DEFAULT_TOP_K = 3


@dataclass(frozen=True)
class Calibration:
    """How a ranking score becomes a confidence, and the confidence an answer needs.

    confidence = 1 / (1 + exp(-(slope * (score - bank) + lexical * words + unknown * missing
                                + gap * lead + offset))),
    the estimated chance that the answer is right; `words` is the share of the
    question's words (by rarity) the answer has, `missing` the share no passage
    of the corpus has (lexical.py), `lead` how far the best answer's score stands
    above the fifth best's (answer.LEAD_RANK), and `bank` is how high questions about
    nothing in the corpus score there: the median best score of roleqa's bank
    of off-topic questions, measured on each index when it is built. Answered
    when the best answer's confidence reaches `threshold`.

    A curve fitted on a corpus's own labels (`roleqa eval --calibrate`) weighs
    the score and `missing`; the generic one the score, `missing` and the lead
    (README, "Confidence").
    """

    slope: float
    lexical: float
    offset: float
    threshold: float
    bank: float = 0.0
    unknown: float = 0.0
    gap: float = 0.0  # the weight of the lead (0: curves fitted without it)
    source: str = "generic"  # "generic", the corpus profile's, or fitted on labels (`roleqa eval --calibrate`)


# A fitted curve as it is saved (calibration.json) and written in a profile; "unknown" and "gap"
# may be missing (0: curves fitted before they existed).
CURVE_KEYS = ("slope", "lexical", "offset", "threshold")


def curve_of(saved: dict) -> dict[str, float]:
    """The curve's numbers in `saved` (KeyError or ValueError if one is missing or not a number)."""
    curve = {key: float(saved[key]) for key in CURVE_KEYS}
    return curve | {key: float(saved[key]) for key in ("unknown", "gap") if key in saved}


# For a corpus with no labels of its own: fitted on the dev questions of five sets of real
# documents together (and of their small documents alone), with the generic ranking weights, on
# the score, `missing` and the lead; the threshold is the highest within one question of
# evaluate.fit_threshold's count over all of them (bench/tune.py --calibrate).
GENERIC_CALIBRATION = Calibration(slope=3.09, lexical=0.0, offset=-2.153, threshold=0.355, unknown=-3.665, gap=7.325)
DEFAULT_THRESHOLD = GENERIC_CALIBRATION.threshold


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know, resolved once."""

    corpus_dir: Path = SHIPPED_CORPUS
    index_dir: Path | None = None  # None: derived from corpus_dir, see `index_path`
    model_path: Path | None = None  # None: the bundled all-MiniLM-L6-v2
    top_k: int = DEFAULT_TOP_K
    threshold: float | None = None  # None: the index's calibration (see Calibration)
    cache_dir: Path = Path.home() / ".cache" / "roleqa"
    data_dir: Path = Path.home() / ".local" / "share" / "roleqa"  # the chat's history, the question log
    # The question log (questionlog.py): None leaves it to the corpus profile ([review] log), off by default.
    log_questions: bool | None = None
    # Tests only (ROLEQA_TEST_FAULT=[SIGNAL@]STEP): a build signals itself at that
    # step of writing the index (store.py), to prove crash safety step by step.
    test_fault: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Defaults overridden by ROLEQA_* variables found in `env`."""
        s = cls()
        if env.get("XDG_CACHE_HOME"):
            s = replace(s, cache_dir=Path(env["XDG_CACHE_HOME"]) / "roleqa")
        if env.get("XDG_DATA_HOME"):
            s = replace(s, data_dir=Path(env["XDG_DATA_HOME"]) / "roleqa")
        if env.get("ROLEQA_CORPUS"):
            s = replace(s, corpus_dir=Path(env["ROLEQA_CORPUS"]))
        if env.get("ROLEQA_INDEX"):
            s = replace(s, index_dir=Path(env["ROLEQA_INDEX"]))
        if env.get("ROLEQA_MODEL"):
            s = replace(s, model_path=Path(env["ROLEQA_MODEL"]))
        if env.get("ROLEQA_TOP_K"):
            s = replace(s, top_k=_parse(env["ROLEQA_TOP_K"], int, "ROLEQA_TOP_K"))
        if env.get("ROLEQA_TEST_FAULT"):
            s = replace(s, test_fault=env["ROLEQA_TEST_FAULT"])
        if env.get("ROLEQA_LOG"):
            s = replace(s, log_questions=_parse_bool(env["ROLEQA_LOG"], "ROLEQA_LOG"))
        if env.get("ROLEQA_THRESHOLD"):
            s = replace(s, threshold=_parse(env["ROLEQA_THRESHOLD"], float, "ROLEQA_THRESHOLD"))
        return s.validated()

    def override(self, **changes: object) -> Settings:
        """A copy with the CLI options that were given (None means not given)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None}).validated()

    def validated(self) -> Settings:
        if self.top_k < 1:
            raise RoleqaError(f"top-k must be at least 1, got {self.top_k}")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise RoleqaError(f"threshold must be between 0 and 1, got {self.threshold}")
        return self

    @property
    def index_path(self) -> Path:
        """The index folder: given; for the shipped corpus in a source checkout, its index/default
        (if writable); else a folder of the user's cache."""
        if self.index_dir is not None:
            return self.index_dir
        corpus = self.corpus_dir.resolve()
        if corpus == SHIPPED_CORPUS.resolve() and CHECKOUT_INDEX is not None:
            if os.access(CHECKOUT_INDEX if CHECKOUT_INDEX.exists() else CHECKOUT_INDEX.parent, os.W_OK):
                return CHECKOUT_INDEX
        # Each corpus gets its own folder, so indexing your notes never touches
        # the shipped index (or writes into your notes folder).
        digest = hashlib.sha256(str(corpus).encode()).hexdigest()[:10]
        return self.cache_dir / "indexes" / f"{corpus.name or 'root'}-{digest}"


def _parse(value: str, kind: type, name: str):
    try:
        return kind(value)
    except ValueError:
        raise RoleqaError(f"{name}={value!r} is not a valid {kind.__name__}") from None


def _parse_bool(value: str, name: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise RoleqaError(f"{name}={value!r} is not on or off; use 1 or 0")


def environ() -> Mapping[str, str]:
    """The process environment; only the CLI calls this."""
    return os.environ
