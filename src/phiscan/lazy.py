"""Imports that wait until they are used: what keeps a cold `phiscan check` short.

`import spacy` runs `from .cli.info import info`, which imports spaCy's whole command line (typer, weasel,
jinja2, requests, httpx: about a quarter of spaCy's import time) though loading a model and running it never
uses it. `defer_spacy_cli()` puts stand-ins for `spacy.cli` and `spacy.cli.info` in `sys.modules` before spaCy
is imported; the first use of anything in them (`spacy.cli.download(...)`, `import spacy.cli.train`,
`spacy.info()`) imports the real package, so nothing behaves differently, it only happens later or never.
"""
from __future__ import annotations

import importlib
import sys
import types

_NAMES = ("spacy.cli", "spacy.cli.info")


class _Deferred(types.ModuleType):
    """A stand-in module: any attribute it lacks is looked up in the real module, imported then."""

    def __getattr__(self, attr: str):
        if attr.startswith("__") and not (attr in ("__path__", "__file__", "__all__") and self.__name__ == "spacy.cli"):
            # import machinery probing (`from spacy.cli.info import info` asks whether it is a package) is
            # answered as absent; only the package's __path__ (a submodule being imported) needs the real one
            raise AttributeError(attr)
        return getattr(_real(self.__name__), attr)


def _real(name: str) -> types.ModuleType:
    for n in _NAMES:
        if isinstance(sys.modules.get(n), _Deferred):
            del sys.modules[n]
    module = importlib.import_module(name)
    spacy = sys.modules.get("spacy")
    if spacy is not None and "spacy.cli" in sys.modules:
        spacy.cli = sys.modules["spacy.cli"]
    return module


def _info(*args, **kwargs):
    return _real("spacy.cli.info").info(*args, **kwargs)


def defer_spacy_cli() -> None:
    """Install the stand-ins, unless spaCy (or its command line) is already imported."""
    if "spacy" in sys.modules or any(n in sys.modules for n in _NAMES):
        return
    cli = _Deferred("spacy.cli")
    info = _Deferred("spacy.cli.info")
    info.info = _info
    cli.info = info
    sys.modules["spacy.cli"] = cli
    sys.modules["spacy.cli.info"] = info


def spacy_imported(spacy: types.ModuleType) -> None:
    """After `import spacy`: `spacy.cli` names the stand-in (or the real package) as it would after a plain import."""
    if "cli" not in vars(spacy) and "spacy.cli" in sys.modules:
        spacy.cli = sys.modules["spacy.cli"]
