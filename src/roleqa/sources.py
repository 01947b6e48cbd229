"""What an index is built from: the corpus folder, its profile and alternates, the model, and
whether an index built earlier is still theirs (stale_reason). Reading the documents waits
until something asks for them: an unchanged corpus stamp needs none of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

from roleqa.alternates import Alternate, read_alternates
from roleqa.chunking import CHUNKING_VERSION, MAX_WORDS
from roleqa.config import Settings
from roleqa.embedding import default_model_path, model_fingerprint
from roleqa.errors import RoleqaError
from roleqa.ingest import corpus_fingerprint, corpus_stamp, read_corpus
from roleqa.profile import Profile, load_profile
from roleqa.retrieve import FORMER_WEIGHTS, weights_of


@dataclass(frozen=True)
class Sources:
    """What an index is built from, with what identifies it. The files are read only when asked
    for (docs, warnings, corpus_fingerprint): an unchanged stamp needs none of them."""

    corpus_dir: Path
    model_dir: Path
    stamp: str | None  # ingest.corpus_stamp: names, sizes and times of the files
    model_fingerprint: str | None  # None when the model cannot be found: see model_problem
    model_problem: str | None = None
    mode: int = 0o755  # the corpus folder's permissions, which its index takes
    profile: Profile = Profile()

    @cached_property
    def _read(self) -> tuple[list, list[str]]:
        return read_corpus(self.corpus_dir)

    @property
    def docs(self) -> list:
        """ingest.Source: the files, read but not yet parsed."""
        return self._read[0]

    @property
    def warnings(self) -> list[str]:
        return self._read[1]

    @cached_property
    def corpus_fingerprint(self) -> str:
        return corpus_fingerprint(self.docs)

    @property
    def weights(self) -> dict:
        """The ranking weights in force for this corpus (its profile's over the defaults), as the
        manifest records them with the off-topic score."""
        return asdict(weights_of(self.profile.weights))

    @cached_property
    def alternates(self) -> tuple[list[Alternate], list[str], str | None]:
        """The alternate questions beside the corpus (alternates.py), notices, and the file's digest."""
        return read_alternates(self.corpus_dir)

    def skipped(self, manifest: dict) -> list[str]:
        """The files skipped, said again on every command: as found now if the files were read,
        else as the build of `manifest` recorded them (the stamp says they are the same files)."""
        if "_read" in self.__dict__:
            return self.warnings
        return list(manifest.get("corpus", {}).get("warnings", []))

    def unchanged_since(self, manifest: dict, seen: str | None = None) -> bool:
        """Whether the corpus is the one an index with `manifest` was built from. `seen`: a stamp
        a later command found with the same contents (store.note_stamp)."""
        corpus = manifest.get("corpus", {})
        if self.stamp is not None and self.stamp in (corpus.get("stamp"), seen):
            return True
        return corpus.get("fingerprint") == self.corpus_fingerprint


def resolve_sources(settings: Settings) -> Sources:
    """Locate the corpus and the model named by `settings` (the files are read when needed).

    A missing model is not an error yet: a fresh index can still answer with
    the exported copy of the model in the cache. Building needs the model.
    """
    if not settings.corpus_dir.is_dir():
        raise RoleqaError(f"corpus folder {settings.corpus_dir} does not exist; pass --corpus DIR with your documents")
    stamp = corpus_stamp(settings.corpus_dir)
    try:
        model_dir = settings.model_path or default_model_path()
        fingerprint, problem = model_fingerprint(model_dir), None
    except RoleqaError as e:
        model_dir, fingerprint, problem = settings.model_path or Path("."), None, str(e)
    mode = settings.corpus_dir.stat().st_mode & 0o777
    profile = load_profile(settings.corpus_dir)
    return Sources(settings.corpus_dir, model_dir, stamp, fingerprint, problem, mode, profile)


def chunking_settings() -> dict:
    return {"version": CHUNKING_VERSION, "max_words": MAX_WORDS}


def stale_reason(manifest: dict, sources: Sources, seen: str | None = None) -> str | None:
    """Why an index with this manifest must be rebuilt for `sources`, or None."""
    model = manifest.get("model", {}).get("fingerprint")
    if sources.model_fingerprint is not None and model != sources.model_fingerprint:
        return "the model changed"
    if not sources.unchanged_since(manifest, seen):
        return "the corpus changed"
    if manifest.get("chunking") != chunking_settings():
        return "the chunking settings changed"
    if Profile.from_json(manifest.get("profile")) != sources.profile:
        return f"the corpus profile ({sources.profile.source or 'none'}) changed"
    if (manifest.get("alternates") or {}).get("digest") != sources.alternates[2]:
        return "the alternate questions changed"
    if recorded_weights(manifest.get("calibration") or {}) != sources.weights:
        return "the ranking weights changed"
    return None


def recorded_weights(calibration: dict) -> dict:
    """The ranking weights an index's off-topic score was measured with (the former defaults
    when its manifest names none)."""
    return calibration.get("weights") or asdict(FORMER_WEIGHTS)
