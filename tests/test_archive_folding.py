"""Folding for search (archive/folding.py), moved from crawler/text.py with search; the folding of
whole queries and texts is tested through search in test_search.py."""

from __future__ import annotations

import unicodedata

import pytest

from archive.folding import fold_for_search


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Điều phối", "dieu phoi"),
        ("Đà Nẵng", "da nang"),
        ("hoà", "hoa"),
        ("hòa", "hoa"),
        (unicodedata.normalize("NFD", "Nguyễn Ngọc Hè"), "nguyen ngoc he"),
    ],
)
def test_fold_for_search(raw, folded):
    assert fold_for_search(raw) == folded
