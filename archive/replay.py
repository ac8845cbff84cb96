"""Links from the archive to a replay of each article's original page, in a real replayer.

The archive keeps every page as fetched (WARC files, ``tinlanhdao export-wacz``); a replayer
such as pywb serves them again as they were. When the operator runs one, set

    TINLANHDAO_REPLAY_URL=http://127.0.0.1:8080/tinlanhdao/{timestamp}/{url}

(``{timestamp}``: the capture's 14-digit time; ``{url}``: the page's URL as archived;
``{url_quoted}``: the same, percent-encoded, for replayers that take it as a query parameter,
such as ReplayWeb.page's ``...#view=pages&url={url_quoted}&ts={timestamp}``). A value without
``{`` is a pywb-style prefix: ``{timestamp}/{url}`` is appended. Unset, there are no links.

``replay_url`` builds one link. Datasette gets the template through its plugin configuration
(``plugins.tinlanhdao.replay_url`` in the metadata, which the project's metadata fills from
$TINLANHDAO_REPLAY_URL); the plugin links each article to the capture its current version came
from (``articles.capture_id``: that capture's URL and time), and an article page each of its
captures. Only http(s) links are made. Nothing here imports Datasette or pywb.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from archive.wacz import timestamp14  # the capture time as the WACZ index and replayers write it

REPLAY_ENV_VAR = "TINLANHDAO_REPLAY_URL"
PYWB_SUFFIX = "{timestamp}/{url}"


def replay_template(value: str | None = None) -> str:
    """The replay link template: ``value``, else $TINLANHDAO_REPLAY_URL; '' when none is set.
    A prefix without placeholders gets pywb's ``{timestamp}/{url}``."""
    template = (os.environ.get(REPLAY_ENV_VAR, "") if value is None else value).strip()
    if template and "{" not in template:
        template = template.rstrip("/") + "/" + PYWB_SUFFIX
    return template


def replay_url(url: str, fetched_at: str, template: str | None = None) -> str:
    """The link that replays the capture of ``url`` made at ``fetched_at``; '' without a
    configured replayer (see the module docstring for the template)."""
    template = replay_template(template)
    if not template or not url:
        return ""
    try:
        link = template.format(
            timestamp=timestamp14(fetched_at or ""), url=url, url_quoted=quote(url, safe="")
        )
    except (KeyError, IndexError, ValueError):
        raise ValueError(
            f"{REPLAY_ENV_VAR}={template!r}: only {{timestamp}}, {{url}} and {{url_quoted}} "
            "may appear in braces"
        ) from None
    return link if link.lower().startswith(("http://", "https://")) else ""
