"""Keep every run-time library off the network.

presidio's email and URL recognizers call `tldextract.extract`, which downloads the public suffix list on
first use. We swap the module-level extractor for one that uses the snapshot bundled with tldextract and
never fetches. spaCy loads models only from installed packages (we never call `spacy.cli.download`).

tldextract (with requests) takes about 0.1 s to import and a scan never needs it, so it is not imported here:
when tldextract is already imported it is patched at once, otherwise at the moment anything imports it.
"""
from __future__ import annotations

import os
import sys

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
    sys.modules.setdefault("presidio_anonymizer.operators.ahds_surrogate", None)  # type: ignore[arg-type]
    if "tldextract" in sys.modules:
        _patch_tldextract(sys.modules["tldextract"])
    else:
        sys.meta_path.insert(0, _PatchOnImport())


def _patch_tldextract(tldextract) -> None:
    offline_extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline_extractor
    try:
        import tldextract.tldextract as _impl

        _impl.TLD_EXTRACTOR = offline_extractor
        _impl.extract = offline_extractor
    except ImportError:  # pragma: no cover
        pass


class _PatchOnImport:
    """A meta path finder that lets tldextract import as usual, then patches it before anyone can use it."""

    def find_spec(self, name, path=None, target=None):
        if name != "tldextract":
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        loader_exec = spec.loader.exec_module

        def exec_module(module):
            loader_exec(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            _patch_tldextract(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec
