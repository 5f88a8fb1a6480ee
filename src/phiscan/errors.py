"""Errors users see. Messages name the file and the key or place; they never carry post text."""


class PhiscanError(Exception):
    """Base class: the CLI prints the message and exits with code 2."""


class ConfigError(PhiscanError):
    """A rule, pack, profile or config file is invalid."""
