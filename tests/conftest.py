"""pytest fixtures shared by the test modules; the helpers they import are in tests/support/."""

from __future__ import annotations

import pytest

from sample_portal.server import SamplePortal


@pytest.fixture(scope="session")
def sample_portal():
    """The bundled sample portal, served on 127.0.0.1 for the whole session."""
    with SamplePortal() as portal:
        yield portal
