"""Keep every run-time library off the network.

presidio's email and URL recognizers call `tldextract.extract`, which downloads the public suffix list on
first use. We swap the module-level extractor for one that uses the snapshot bundled with tldextract and
never fetches. spaCy loads models only from installed packages (we never call `spacy.cli.download`).
"""
from __future__ import annotations

import os

_done = False


def install() -> None:
    global _done
    if _done:
        return
    _done = True
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # presidio-anonymizer's AHDS surrogate operator sends text to an Azure cloud service. phiscan never uses
    # it, and PHI must never leave the machine: keep it from loading (presidio then marks it unavailable).
    # This also spares every `phiscan check` the import of all of presidio-analyzer (about 0.6 s).
    import sys

    sys.modules.setdefault("presidio_anonymizer.operators.ahds_surrogate", None)  # type: ignore[arg-type]
    try:
        import tldextract
    except ImportError:  # pragma: no cover - presidio always brings it
        return
    offline_extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline_extractor
    try:
        import tldextract.tldextract as _impl

        _impl.TLD_EXTRACTOR = offline_extractor
        _impl.extract = offline_extractor
    except ImportError:  # pragma: no cover
        pass
