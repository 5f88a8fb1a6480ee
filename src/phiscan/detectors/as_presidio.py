"""phiscan's candidate detectors through presidio's recognizer interface.

For a program that already runs presidio's `AnalyzerEngine`: add phiscan's recognizers of what presidio has no
recognizer for (medical record numbers, rooms and beds, ages over 89, handles, relative dates...) to its registry:

    from presidio_analyzer import AnalyzerEngine
    from phiscan.detectors.as_presidio import phiscan_recognizers

    engine = AnalyzerEngine()
    for r in phiscan_recognizers():
        engine.registry.add_recognizer(r)

Each phiscan detector becomes one `EntityRecognizer` (named `phiscan-<detector>`) whose results are
`RecognizerResult`s of phiscan's entity names (MRN, ROOM, AGE, HANDLE...) with an `AnalysisExplanation` that
says which pattern or context word raised the span, as phiscan's own findings do. These are candidates only
(recall first): phiscan's rules and learned judgment, which decide whether a patient is meant, are not in them.

This module imports presidio-analyzer (0.6 to 0.9 s); phiscan itself never imports it unless a plug-in is
configured (see plugins.py).
"""
from __future__ import annotations

from typing import List, Optional

from .. import offline

offline.install()  # before presidio imports tldextract: it must never fetch the public suffix list

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult  # noqa: E402

from ..model import Span  # noqa: E402


def _cues():
    from ..context import load_cues
    from ..resources import rules_dir

    global _CUES
    if _CUES is None:
        _CUES = load_cues(rules_dir() / "context.yaml")
    return _CUES


_CUES = None


class PhiscanRecognizer(EntityRecognizer):
    """One phiscan detector as a presidio recognizer. Detectors that read spaCy's entities (names, places) use
    the spaCy doc of presidio's NlpArtifacts when presidio's spaCy engine made them; without one they find what
    their patterns and word lists find."""

    def __init__(self, detector, supported_language: str = "en"):
        self.detector = detector
        super().__init__(supported_entities=list(detector.entities), name=f"phiscan-{detector.name}",
                         supported_language=supported_language, version="phiscan")

    def load(self) -> None:  # nothing to load: patterns and word lists are read on first use
        pass

    def analyze(self, text: str, entities: List[str], nlp_artifacts=None) -> List[RecognizerResult]:
        from ..nlp import analyze

        doc = getattr(nlp_artifacts, "tokens", None) if nlp_artifacts is not None else None
        if doc is not None and not hasattr(doc, "ents"):
            doc = None
        a = analyze(text, doc, _cues())
        wanted = set(entities or self.supported_entities)
        return [to_result(sp, self.name) for sp in self.detector.detect(a) if sp.entity in wanted]


def to_result(sp: Span, recognizer: str) -> RecognizerResult:
    """A phiscan span as presidio's result, with the explanation phiscan gives for it."""
    pattern = sp.attr("pattern") or sp.attr("kind") or sp.detector
    ex = AnalysisExplanation(recognizer=recognizer, original_score=sp.score, pattern_name=str(pattern),
                             textual_explanation=sp.explanation)
    return RecognizerResult(entity_type=sp.entity, start=sp.start, end=sp.end, score=sp.score, analysis_explanation=ex,
                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: recognizer})


def phiscan_recognizers(names: Optional[List[str]] = None) -> List[PhiscanRecognizer]:
    """phiscan's default detectors as presidio recognizers (only those named, by detector name, when given)."""
    from . import default_detectors

    dets = [d for d in default_detectors() if names is None or d.name in names]
    return [PhiscanRecognizer(d) for d in dets]
