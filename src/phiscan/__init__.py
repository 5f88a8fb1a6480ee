"""phiscan: a PHI leak scanner for healthcare social media."""

__version__ = "0.1.0"
