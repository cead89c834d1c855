"""What the Recommend page lets people take away: both lists as CSV and both responses as JSON.

The builders are pure (bytes out), so what a user downloads is tested without a browser. The CSV
has one row per item and list (``list``, ``rank``, ``original_rank``, ``title``, ``score``,
``explanation``, ``uuid``); the JSON holds each response's full ``model_dump(mode="json")`` —
objects, rationale, usage and the trace with its ``config`` step, so a comparison can be replayed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from core import PersonalizationAgentGetObjectsResponse

CSV_COLUMNS = ("list", "rank", "original_rank", "title", "score", "explanation", "uuid")


def lists_csv(responses: Mapping[str, PersonalizationAgentGetObjectsResponse],
              title_of: Callable[[dict[str, Any]], str]) -> bytes:
    """Every listed item of every response, one CSV row each (UTF-8, header first)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for name, response in responses.items():
        for obj in response.objects:
            writer.writerow([name, obj.personalized_rank, "" if obj.original_rank is None else obj.original_rank,
                             title_of(obj.properties), f"{obj.score:.6g}", obj.explanation or "", str(obj.uuid)])
    return out.getvalue().encode("utf-8")


def responses_json(responses: Mapping[str, PersonalizationAgentGetObjectsResponse]) -> bytes:
    """``{list name: response.model_dump(mode="json")}``, indented."""
    data = {name: response.model_dump(mode="json") for name, response in responses.items()}
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def download_buttons(responses: Mapping[str, PersonalizationAgentGetObjectsResponse],
                     title_of: Callable[[dict[str, Any]], str], *, key: str) -> None:
    """Two download buttons side by side: the lists (CSV) and the responses with their traces (JSON)."""
    left, right = st.columns(2)
    left.download_button("Download the lists (CSV)", lists_csv(responses, title_of), "recommendations.csv",
                         "text/csv", key=key + ".csv", icon=":material/download:")
    right.download_button("Download the responses and traces (JSON)", responses_json(responses),
                          "recommendations.json", "application/json", key=key + ".json", icon=":material/download:")
