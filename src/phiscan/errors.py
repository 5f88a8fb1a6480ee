"""Errors users see. Messages name the file and the key or place; they never carry post text."""


class PhiscanError(Exception):
    """Base class: the CLI prints the message and exits with code 2."""


class ConfigError(PhiscanError):
    """A rule, pack, profile or config file is invalid."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a scan: the message says how far the scan got. The CLI exits with code 130 and writes no
    report (a report of part of the inputs could be mistaken for a clean scan)."""
