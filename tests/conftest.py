import pytest


@pytest.fixture(scope="session")
def scanner():
    from phiscan.config import Config
    from phiscan.engine import Scanner

    return Scanner.from_config(Config())


@pytest.fixture(scope="session")
def ruleset(scanner):
    return scanner.rules
