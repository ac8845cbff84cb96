"""A bundled sample of the portal, served over HTTP on 127.0.0.1 for the demo and the tests.

``sample_portal.server`` is the server (``SamplePortal``, ``python -m sample_portal.server``);
``site/`` holds the stored pages and the manifest; ``authored_articles`` holds the hand-written
articles and ``authoring`` turns them into pages and ground truth. See ``README.md``.
"""
