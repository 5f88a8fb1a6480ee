"""An institution's own presidio recognizers as phiscan candidate detectors.

A setting (`recognizers:` in phiscan.yaml, or `--recognizer` on the command line) names them:

- a YAML file in presidio's own recognizer format (`recognizers:` a list of `PatternRecognizer` definitions:
  `name`, `supported_entity`, `patterns` of `name`/`regex`/`score`, `context`, `deny_list`; or
  `type: predefined` with the `name` of one of presidio's predefined recognizers), each entry with an optional
  `phiscan_rule:` that phiscan reads and presidio never sees;
- `module:Name` or `path/to/file.py:Name`: a presidio `EntityRecognizer` subclass (made with no arguments),
  an instance, or a function returning one or a list of them. A class may say which rules its entities go to
  in a `PHISCAN_RULES = {"EMPLOYEE_ID": "PHI107"}` attribute.

Each presidio entity goes to a phiscan rule: the entry's `phiscan_rule`, else `recognizer_rules:` in the settings
(`{EMPLOYEE_ID: PHI107}`), else the class's `PHISCAN_RULES`, else the default for presidio's own entities
(PHONE_NUMBER -> PHONE, US_SSN -> ID ...), else a rule (of a `--rules` folder) that judges that entity by name.
A rule is given by code (PHI107), name (other-identifier) or the entity it judges (ID). An entity that maps to
nothing is an error when the scan starts, never a silent drop.

A result becomes a `Span` of the rule's entity, explained "raised by <recognizer>: <pattern name>" (with the
context word that raised its score, as presidio's context enhancement found it). From there it is a candidate
like any other: overlaps are resolved, the judgment weighs it, the rule sets its severity.

presidio-analyzer takes 0.6 to 0.9 s to import: it is imported here, and only when a plug-in is configured.
`phiscan.offline` (installed by phiscan.nlp before anything here runs) keeps its tldextract off the network.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import ConfigError
from ..model import Span

# presidio's own entities -> the phiscan entity (and so the rule) that judges them
DEFAULT_ENTITY_RULES = {
    "PERSON": "PERSON", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "URL": "URL", "IP_ADDRESS": "IP_ADDRESS",
    "DATE_TIME": "DATE", "LOCATION": "LOCATION", "US_SSN": "ID", "US_ITIN": "ID", "US_PASSPORT": "ID",
    "US_DRIVER_LICENSE": "ID", "US_BANK_NUMBER": "ID", "CREDIT_CARD": "ID", "IBAN_CODE": "ID", "MEDICAL_LICENSE": "ID",
    "UK_NHS": "ID", "MRN": "MRN", "MEDICAL_RECORD_NUMBER": "MRN",
}
_SPEC = re.compile(r"^(?P<module>[^:]+?):(?P<attr>[A-Za-z_][A-Za-z0-9_.]*)$")


class PluginError(ConfigError):
    """A recognizer plug-in cannot be loaded: the message names the setting's entry and what is wrong."""


@dataclass
class Plugins:
    """The loaded plug-ins: detectors for the engine, and a digest of what they are for the scan cache's key."""

    detectors: list = field(default_factory=list)
    digest: str = "none"


def is_file_spec(spec: str) -> bool:
    """A YAML file (by its suffix), rather than `module:Name`."""
    return spec.lower().endswith((".yaml", ".yml"))


def load_plugins(specs: Iterable[str], mapping: Mapping[str, str] | None, rules) -> Plugins:
    """Detectors for every recognizer the settings name; `rules` (a RuleSet) resolves rule codes to entities."""
    specs = list(specs or ())
    if not specs:
        return Plugins()
    _import_presidio()
    h = hashlib.sha256()
    out: list[PresidioDetector] = []
    for spec in specs:
        h.update(spec.encode("utf-8", "surrogateescape") + b"\0")
        if is_file_spec(spec):
            entries = _from_yaml(Path(spec), h)
        else:
            entries = _from_python(spec, h)
        for recognizer, where, own_rule, class_rules in entries:
            entity_map = {}
            for ent in recognizer.supported_entities:
                target = own_rule or (mapping or {}).get(ent) or class_rules.get(ent) or DEFAULT_ENTITY_RULES.get(ent)
                entity_map[ent] = _resolve(target, ent, where, rules)
            out.append(PresidioDetector(recognizer, entity_map, where))
    for k, v in sorted((mapping or {}).items()):
        h.update(f"{k}={v}\0".encode())
    return Plugins(out, h.hexdigest()[:16])


def _import_presidio():
    from .. import offline

    offline.install()  # before presidio can import tldextract
    try:
        import presidio_analyzer
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise PluginError(f"recognizers: presidio-analyzer is not installed ({exc})") from None
    return presidio_analyzer


def _resolve(target: str | None, entity: str, where: str, rules) -> str:
    """The phiscan entity a presidio entity's results become (rules judge spans by entity)."""
    if target is None:
        if entity in rules.span_rules:
            return entity
        raise PluginError(f"{where}: entity {entity!r} goes to no phiscan rule: give it one with `phiscan_rule:` in "
                          f"the recognizer's entry or `recognizer_rules: {{{entity}: PHI107}}` in the settings")
    if target in rules.span_rules:
        return target
    try:
        rule = rules.get(target)
    except KeyError:
        known = ", ".join(sorted(r.code for r in rules if r.type == "span"))
        raise PluginError(f"{where}: entity {entity!r}: unknown rule {target!r} (span rules: {known}; or an entity "
                          f"they judge)") from None
    if rule.type != "span" or not rule.entities:
        raise PluginError(f"{where}: entity {entity!r}: rule {rule.code} judges no spans (a {rule.type} rule)")
    return rule.entities[0]


# -- YAML in presidio's recognizer format ------------------------------------------------------------------

def _from_yaml(path: Path, h) -> list[tuple[Any, str, str | None, dict]]:
    import yaml

    from presidio_analyzer import PatternRecognizer

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PluginError(f"{path}: cannot read the recognizers file ({exc.strerror})") from None
    h.update(raw)
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PluginError(f"{path}: not valid UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise PluginError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("recognizers"), list) or not data["recognizers"]:
        raise PluginError(f"{path}: expected presidio's recognizer format: a mapping with a list `recognizers:`")
    out = []
    for i, entry in enumerate(data["recognizers"]):
        where = f"{path}: recognizers[{i}]"
        if not isinstance(entry, dict):
            raise PluginError(f"{where}: expected a mapping (name, supported_entity, patterns ...)")
        entry = dict(entry)
        if entry.get("name"):
            where += f" ({entry['name']})"
        own_rule = entry.pop("phiscan_rule", None)
        if own_rule is not None and (not isinstance(own_rule, str) or not own_rule):
            raise PluginError(f"{where}: key 'phiscan_rule': expected a rule code, name or entity")
        entry.pop("score_thresholds", None)
        kind = entry.pop("type", "custom")
        try:
            if kind == "predefined":
                recognizer = _predefined(entry)
            elif kind == "custom":
                entry.pop("enabled", None)
                recognizer = PatternRecognizer.from_dict(entry)  # presidio's Pattern rejects a bad regex here
            else:
                raise ValueError(f"key 'type': expected custom or predefined, got {kind!r}")
        except PluginError:
            raise
        except Exception as exc:  # TypeError (an unknown key), ValueError, regex.error: presidio's own messages
            raise PluginError(f"{where}: {_message(exc)}") from None
        out.append((recognizer, where, own_rule, {}))
    return out


def _predefined(entry: dict):
    from presidio_analyzer import predefined_recognizers

    name = entry.get("name")
    cls = getattr(predefined_recognizers, str(name), None)
    if not isinstance(cls, type):
        raise ValueError(f"key 'name': {name!r} is not one of presidio's predefined recognizers")
    kwargs = {k: v for k, v in entry.items() if k in ("supported_language", "context", "supported_entity")}
    return cls(**kwargs)


def _message(exc: Exception) -> str:
    text = str(exc).replace("__init__()", "PatternRecognizer").strip()
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


# -- Python: module:Name ---------------------------------------------------------------------------------

def _from_python(spec: str, h) -> list[tuple[Any, str, str | None, dict]]:
    from presidio_analyzer import EntityRecognizer

    m = _SPEC.match(spec)
    if not m:
        raise PluginError(f"recognizer {spec!r}: expected a presidio YAML file (.yaml) or module:Name "
                          f"(or path/to/file.py:Name)")
    module_name, attr = m.group("module"), m.group("attr")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise PluginError(f"recognizer {spec!r}: {module_name}: file not found")
            h.update(path.read_bytes())
            mod_id = "phiscan_plugin_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
            loader_spec = importlib.util.spec_from_file_location(mod_id, path)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[mod_id] = module
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
            src = getattr(module, "__file__", None)
            if src and Path(src).is_file():
                h.update(Path(src).read_bytes())
    except PluginError:
        raise
    except Exception as exc:  # ImportError, SyntaxError, anything the module raises as it loads
        raise PluginError(f"recognizer {spec!r}: cannot import {module_name}: {_message(exc)}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise PluginError(f"recognizer {spec!r}: {module_name} has no {attr!r}")
        obj = getattr(obj, part)
    class_rules = dict(getattr(obj, "PHISCAN_RULES", {}) or {})
    try:
        made = obj() if isinstance(obj, type) or (callable(obj) and not isinstance(obj, EntityRecognizer)) else obj
    except Exception as exc:
        raise PluginError(f"recognizer {spec!r}: {attr}() failed: {_message(exc)}") from None
    items = list(made) if isinstance(made, (list, tuple)) else [made]
    out = []
    for r in items:
        if not isinstance(r, EntityRecognizer):
            raise PluginError(f"recognizer {spec!r}: {attr} gives a {type(r).__name__}, not a presidio EntityRecognizer")
        if not r.supported_entities:
            raise PluginError(f"recognizer {spec!r}: {r.name} supports no entities")
        out.append((r, f"recognizer {spec!r} ({r.name})", None, {**class_rules, **dict(getattr(r, "PHISCAN_RULES", {}) or {})}))
    return out


# -- the adapter: a presidio recognizer as a phiscan detector ------------------------------------------------

class PresidioDetector:
    """Runs one presidio recognizer as presidio's AnalyzerEngine would (analyze, the recognizer's own and the
    lemma context enhancement, its score thresholds, duplicates removed) on phiscan's analysis of a text, and
    turns its results into candidate spans."""

    needs_nlp = False

    def __init__(self, recognizer, entity_map: dict[str, str], where: str):
        self.recognizer = recognizer
        self.entity_map = entity_map
        self.where = where
        self.name = f"presidio:{recognizer.name}"
        self.entities = tuple(sorted(set(entity_map.values())))
        from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

        self._enhancer = LemmaContextAwareEnhancer()
        if not recognizer.is_loaded:
            recognizer.load()
            recognizer.is_loaded = True

    def detect(self, a) -> list[Span]:
        results = self.analyze(a.text, a.doc)
        out = []
        for r in results:
            entity = self.entity_map.get(r.entity_type)
            if entity is None or r.end <= r.start:
                continue
            ex = r.analysis_explanation
            pattern = getattr(ex, "pattern_name", None) if ex is not None else None
            why = f"raised by {self.recognizer.name}" + (f": {pattern}" if pattern else "")
            word = getattr(ex, "supportive_context_word", "") if ex is not None else ""
            if word:
                why += f" (context word '{word}')"
            out.append(Span(entity, r.start, r.end, a.text[r.start:r.end], round(float(r.score), 2), self.name, why,
                            tuple(sorted({"pattern": "presidio", "presidio_entity": r.entity_type,
                                          "recognizer": self.recognizer.name}.items()))))
        return out

    def analyze(self, text: str, doc=None) -> list:
        from presidio_analyzer import EntityRecognizer, RecognizerResult

        rec = self.recognizer
        artifacts = nlp_artifacts(doc)
        try:
            found = rec.analyze(text=text, entities=list(rec.supported_entities), nlp_artifacts=artifacts) or []
        except Exception as exc:  # a plug-in's bug must not end the scan quietly, nor print post text
            raise PluginError(f"{self.where}: the recognizer failed: {exc.__class__.__name__}") from None
        for r in found:
            meta = r.recognition_metadata if r.recognition_metadata is not None else {}
            meta.setdefault(RecognizerResult.RECOGNIZER_NAME_KEY, rec.name)
            meta.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, rec.id)
            r.recognition_metadata = meta
        found = rec.enhance_using_context(text=text, raw_recognizer_results=found, other_raw_recognizer_results=[],
                                          nlp_artifacts=artifacts, context=None)
        if artifacts is not None:
            found = self._enhancer.enhance_using_context(text=text, raw_results=found, nlp_artifacts=artifacts,
                                                         recognizers=[rec], context=None)
        floor = _threshold(rec)
        found = [r for r in found if r.score >= floor and r.score > 0]
        return EntityRecognizer.remove_duplicates(found)


def _threshold(rec) -> float:
    th = getattr(rec, "score_thresholds", None)
    if isinstance(th, dict):
        return float(th.get("default", 0) or 0)
    return float(th or 0)


def nlp_artifacts(doc):
    """presidio's NlpArtifacts of a spaCy doc phiscan made (its entities, tokens and their offsets). phiscan's
    pipeline has no lemmatizer: the lower-case word stands for the lemma, which is what presidio's context
    words are matched against."""
    if doc is None:
        return None
    from presidio_analyzer.nlp_engine import NlpArtifacts

    lemmas = [t.lemma_.lower() or t.lower_ for t in doc]
    art = NlpArtifacts(entities=list(doc.ents), tokens=doc, tokens_indices=[t.idx for t in doc], lemmas=lemmas,
                       nlp_engine=None, language="en")
    # the keywords presidio's spaCy engine would give (its stop words and punctuation left out)
    art.keywords = [part for t, lemma in zip(doc, lemmas) if not (t.is_stop or t.is_punct or lemma == "be")
                    for part in lemma.split(":")]
    return art
