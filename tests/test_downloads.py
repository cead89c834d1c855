"""What the Recommend page lets people download: both lists as CSV, both responses with traces as JSON."""

from __future__ import annotations

import csv
import io
import json

from core import PersonaInteraction, display_title
from lab.downloads import CSV_COLUMNS, lists_csv, responses_json

from .store_contract import uid


def _responses(agent):
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id=uid("a"), weight=1.0),
                            PersonaInteraction(persona_id="p", item_id=uid("c"), weight=-1.0)])
    vector = agent.get_objects("p", limit=3, use_agent_ranking=False)
    ranked = agent.get_objects("p", limit=3, use_agent_ranking=True)
    return {"Vector-only": vector, "Agent": ranked}


def test_the_csv_has_one_row_per_listed_item_with_its_ranks(agent, no_llm):
    responses = _responses(agent)
    rows = list(csv.reader(io.StringIO(lists_csv(responses, display_title).decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 1 + 3 + 3
    for row, (name, obj) in zip(rows[1:], [(n, o) for n, r in responses.items() for o in r.objects]):
        assert row[0] == name and row[1] == str(obj.personalized_rank) and row[6] == str(obj.uuid)
        assert row[2] == ("" if obj.original_rank is None else str(obj.original_rank))
        assert row[3] == display_title(obj.properties) and abs(float(row[4]) - obj.score) < 1e-5


def test_the_json_holds_each_response_with_its_trace(agent, no_llm):
    responses = _responses(agent)
    data = json.loads(responses_json(responses))
    assert list(data) == ["Vector-only", "Agent"]
    for name, response in responses.items():
        assert [o["uuid"] for o in data[name]["objects"]] == [str(o.uuid) for o in response.objects]
        assert data[name]["trace"][0]["name"] == "config" and data[name]["ranker"] == response.ranker
