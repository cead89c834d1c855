"""The command line and a sample's community: ``load-sample`` installs it unless ``--no-community``,
and ``collections``, ``persona list`` and ``workspace show`` count it apart from people's personas.

The movies sample's community is its log's 610 users with their 100,836 ratings (catalog.json).
"""

from __future__ import annotations

import json

import pytest

from core.cli.commands import main

pytestmark = pytest.mark.slow  # each test installs the movies sample with its log


def runner(capsys, *prefix: str):
    def run(*args: str):
        code = main([*prefix, *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err
    return run


def test_load_sample_brings_the_community_and_the_listings_count_it_apart(tmp_path, capsys):
    run = runner(capsys, "--db", str(tmp_path / "p.db"))
    code, out, _ = run("load-sample", "movies")
    assert code == 0 and "with its community of 610 personas from the sample's log" in out
    code, out, _ = run("--json", "collections")
    [info] = json.loads(out)
    assert (info["personas"], info["community"]) == (0, 610)
    assert run("collections")[1].splitlines()[0].split() == ["name", "items", "dims", "agent", "personas",
                                                              "community", "text_fields"]
    assert run("persona", "create", "alice")[0] == 0
    code, out, _ = run("--json", "persona", "list")
    assert [p["persona_id"] for p in json.loads(out)] == [json.loads(run("--json", "persona", "show", "alice")[1])
                                                         ["persona_id"]]
    code, out, _ = run("persona", "list")
    assert out.rstrip().endswith("+ 610 community personas from the sample's log (`persona list --community` "
                                 "lists them)")
    code, out, _ = run("--json", "persona", "list", "--community")
    listed = json.loads(out)
    assert len(listed) == 610 and sum(p["interactions"] for p in listed) == 100_836
    assert {"name": "movies user 414"} in [p["properties"] for p in listed]
    code, out, _ = run("--json", "recommend", "movies user 414", "--limit", "3")  # served like any persona
    assert code == 0 and len(json.loads(out)["objects"]) == 3


def test_no_community_installs_the_catalog_alone(tmp_path, capsys):
    run = runner(capsys, "--db", str(tmp_path / "p.db"))
    code, out, _ = run("--json", "load-sample", "movies", "--no-community")
    assert code == 0 and json.loads(out)["community_personas"] == 0
    assert json.loads(run("--json", "collections")[1])[0]["community"] == 0
    code, out, _ = run("load-sample", "workshop")  # no log, no community, nothing to say about it
    assert code == 0 and "community" not in out


def test_workspaces_include_the_shared_community_unless_asked_not_to(tmp_path, capsys):
    run = runner(capsys, "--data-dir", str(tmp_path / "data"))
    code, out, _ = run("--workspace", "shared:room-1", "load-sample", "movies")
    assert code == 0 and "with its community of 610 personas" in out
    assert run("--workspace", "shared:room-2", "load-sample", "movies", "--no-community")[0] == 0
    for room, community in (("room-1", 610), ("room-2", 0)):
        code, out, _ = run("--json", "workspace", "show", f"shared:{room}")
        assert [(c["collection"], c["personas"], c["community"]) for c in json.loads(out)] == [("Movies", 0, community)]
        code, out, _ = run("--workspace", f"shared:{room}", "--json", "collections")
        assert json.loads(out)[0]["community"] == community
