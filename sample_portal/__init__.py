"""A bundled sample of the portal, served over HTTP on 127.0.0.1 for the demo and the tests."""
