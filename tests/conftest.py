import pytest


@pytest.fixture(scope="session")
def scanner():
    from phiscan.config import Config
    from phiscan.engine import Scanner

    return Scanner.from_config(Config())


@pytest.fixture(scope="session")
def ruleset(scanner):
    return scanner.rules


@pytest.fixture(autouse=True, scope="session")
def _no_user_config(tmp_path_factory):
    """A developer's own ~/.config/phiscan/config.yaml must not change what the tests see."""
    import os

    old = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    yield
    if old is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = old
