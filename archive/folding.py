"""Folding for search: the words of a text as the archive's indexes and queries see them.

``fold_for_search("Điều phối hoà")`` is ``"dieu phoi hoa"``: no tone or vowel marks, đ -> d,
lowercase. ``folded_words`` is the one tokenizer of the pair index and of queries, so the two
always agree; ``fold_in_place`` folds a text without changing its length, so a match in it maps
back to the original (highlights and snippets). ``pair_text`` and ``pair_phrase`` turn folded
words into the pair index's tokens (``da_nang``).

It lives with search, not with text normalization: changing how search folds does not change
the extractor's version. It imports only ``clean_inline`` and ``strip_marks`` from
``crawler.text``, so a query and a stored text are normalized by the same rules.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Any

from crawler.text import clean_inline, strip_marks

WORD_PATTERN = re.compile(r"[^\W_]+")  # a word as unicode61 sees one (the underscore separates)


def fold_for_search(text: str | None) -> str:
    """Fold text for diacritic-insensitive matching: no tone or vowel marks, đ -> d, lowercase.

    ``fold_for_search("Điều phối hoà")`` is ``"dieu phoi hoa"``.
    """
    if not text:
        return ""
    return strip_marks(clean_inline(text)).lower()


class _WordFoldTable(dict):
    """str.translate table for ``folded_words``, filled on first use: each character as
    ``fold_for_search`` folds it (no marks, đ -> d; the text is lowercased before), the
    characters that are not part of a word (``WORD_PATTERN``) as a space, and the invisible
    characters ``clean_inline`` removes (zero-width, soft hyphen) as nothing."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if not char.isspace() and not clean_inline(char):  # removed as invisible
            folded = ""
        else:
            folded = "".join(c if WORD_PATTERN.match(c) else " " for c in strip_marks(char))
        self[code] = folded
        return folded


_WORD_FOLD = _WordFoldTable()


def _fast_fold_tables() -> tuple[Any, bytes]:
    """The two tables of ``fast_fold``: a charmap codec (at most 256 characters, one byte
    each) for ASCII, the lowercase letters of Vietnamese and common punctuation, and the bytes
    table from those bytes to what ``_WORD_FOLD`` makes of each character (one ASCII letter or
    digit, or a space). The codec's unused bytes stand for characters outside that set: they
    become byte 0."""
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    letters = [
        unicodedata.normalize("NFC", vowel + tone) for vowel in "aăâeêioôơuưy" for tone in tones
    ]
    punctuation = "\u00a0“”‘’„–—―…•·«»‹›°×÷±§¶©®™€£¥←→↑↓"
    chars = [chr(n) for n in range(128)]
    chars += [c for c in dict.fromkeys(letters + ["đ", *punctuation]) if not c.isascii()]
    folded = "".join(_WORD_FOLD[ord(c.lower())] for c in chars)
    if len(folded) != len(chars) or not folded.isascii() or "\0" in folded:
        raise RuntimeError("the fast folding table must map each character to one byte")
    unused = [chr(0xE000 + n) for n in range(256 - len(chars))]  # private use: outside
    codec = codecs.charmap_build("".join(chars + unused))
    return codec, folded.encode("ascii") + bytes(len(unused))


_FAST_CODEC, _FAST_FOLDED = _fast_fold_tables()


def fast_fold(lowered: str) -> str | None:
    """``lowered`` (lowercase text) folded one character for one as ``_WORD_FOLD`` does (no
    marks, đ -> d, a space for what is not part of a word), all in C: through a one-byte
    charmap codec and a bytes table. None if the text has a character outside ASCII, the
    letters of Vietnamese and common punctuation (then use the general table)."""
    try:
        data = codecs.charmap_encode(lowered, "strict", _FAST_CODEC)[0]
    except UnicodeEncodeError:
        return None
    folded = data.translate(_FAST_FOLDED)
    return None if 0 in folded else folded.decode("ascii")


def folded_words(text: str | None) -> list[str]:
    """The words of ``text`` as unicode61 tokenizes them, folded for search: the words of
    ``fold_for_search(text)`` (tests/test_search.py checks they are the same), in one
    lowercasing, one folding (``fast_fold``, else one table lookup per character) and one
    split. The one tokenizer of the pair index and of queries (archive.search), so that the two
    always agree."""
    if not text:
        return []
    lowered = text.lower()
    folded = fast_fold(lowered)
    return (lowered.translate(_WORD_FOLD) if folded is None else folded).split()


class _FoldTable(dict):
    """str.translate table folding one character at a time like ``fold_for_search``, filled on
    first use; a character whose folding is not exactly one character is only lowercased, so the
    folded text keeps the original's length and every match maps back to the original. What is
    not part of a word (``WORD_PATTERN``) becomes a space, so the words of a stretch of folded
    text are its ``split()``."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = char if char.isspace() else fold_for_search(char)
        if len(folded) != 1:
            folded = char.lower() if len(char.lower()) == 1 else char
        if not WORD_PATTERN.match(folded):
            folded = " "
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold_in_place(text: str) -> str:
    """``text`` folded for search character by character, same length as ``text``; spaces for
    everything between the words.

    Text of ASCII, Vietnamese letters and common punctuation (nearly every article) is
    lowercased and folded in C (``fast_fold``); anything else, or lowercasing that
    changes the length, goes through the general table. Both give the same text
    (tests/test_search.py checks it).
    """
    lowered = text.lower()
    folded = fast_fold(lowered) if len(lowered) == len(text) else None
    return text.translate(_FOLD_TABLE) if folded is None else folded


def pair_text(text: str | None) -> str:
    """The pair index's text for ``text``: its folded words as adjacent pairs joined by '_'.

    ``pair_text("Đà Nẵng mới")`` is ``"da_nang nang_moi"``; a one-word text has no pairs.
    """
    words = folded_words(text)
    return " ".join(map("_".join, zip(words, words[1:], strict=False)))


def pair_phrase(words: tuple[str, ...] | list[str]) -> str:
    """The pair index's FTS5 phrase for two or more folded words: ``"da_nang nang_moi"``."""
    return '"' + " ".join(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)) + '"'
