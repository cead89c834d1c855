"""``core.eval`` sources (a store's personas, an uploaded file, a sample's log), validation-then-test
views of a split, sweeps, the JSON record, and the CLI on a store's personas."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import (EmbeddedStore, EngineConfig, Evaluation, InvalidInputError, Persona, PersonaInteraction,
                  PersonalizationAgent, convert_log, evaluation_report, grid_points, install_sample, log_source, read_interaction_log,
                  sample_source, split_source, store_source, sweep, temporal_split)
from core.cli.commands import main
from core.eval.splits import LogRow

T0 = 1.7e9


def cuisine_log(store, users: int = 24, per_user: int = 8, seed: int = 0) -> list[tuple[str, object, float, float]]:
    """Each user likes ``per_user`` dishes of one cuisine, at increasing times: a log with a known structure."""
    cuisines: dict[str, list] = {}
    for item in store.iter_items("Workshop"):
        cuisines.setdefault(item.properties["cuisine"], []).append(item.uuid)
    big = sorted(c for c, dishes in cuisines.items() if len(dishes) >= per_user)
    rng = np.random.default_rng(seed)
    return [(f"cook{u}", item, 1.0, T0 + 3600 * n) for u in range(users)
            for n, item in enumerate(rng.permutation(cuisines[big[u % len(big)]])[:per_user])]


@pytest.fixture(scope="module")
def workshop():
    store = EmbeddedStore(":memory:")
    install_sample(store, "workshop")
    agent = PersonalizationAgent.create(store, "Workshop", user_properties={"diet": "text"})
    rows = cuisine_log(store)
    for user in sorted({u for u, *_ in rows}):
        agent.add_persona(Persona(persona_id=f"persona-{user}", properties={"diet": "vegetarian"} if user < "cook3" else {}))
    from datetime import datetime, timezone
    agent.add_interactions([PersonaInteraction(persona_id=f"persona-{u}", item_id=i, weight=w,
                                               created_at=datetime.fromtimestamp(t, tz=timezone.utc))
                            for u, i, w, t in rows])
    return store, rows


def test_store_source_reads_every_stored_interaction_and_the_personas_properties(workshop):
    store, rows = workshop
    source = store_source(store, "Workshop")
    assert len(source.rows) == len(rows) and source.users == 24 and source.timed and source.rating_scale is None
    assert {r.value for r in source.rows} == {1.0}
    assert sum(1 for p in source.properties.values() if p == {"diet": "vegetarian"}) >= 1
    split = split_source(source, "temporal", test_fraction=0.25)
    assert split.protocol["source"] == "Workshop personas" and len(split.test) == 24
    evaluation = Evaluation(split, store, "Workshop", properties=source.properties)
    off = evaluation.agent(EngineConfig(property_weight=0.0))
    assert off.config.property_weight == 0.0 and evaluation.agent().config.property_weight > 0
    run = evaluation.engine(EngineConfig(property_weight=0.0))
    assert run.estimate().users == 24 and run.config["property_weight"] == 0.0
    persona = off.get_persona(next(iter(_persona_ids(evaluation, source))))
    assert persona.properties in ({"diet": "vegetarian"}, {})  # properties were copied into the throwaway store
    assert len(store.list_personas("Workshop")) == 24  # the source store was only read


def _persona_ids(evaluation, source):
    from core.eval.runner import persona_of
    return [persona_of(u) for u in source.properties]


def test_a_bad_blend_weight_is_an_error_naming_it(workshop):
    store, _ = workshop
    evaluation = Evaluation(split_source(store_source(store, "Workshop"), "random"), store, "Workshop")
    with pytest.raises(InvalidInputError, match="popularity_weight"):
        evaluation.agent(EngineConfig(popularity_weight=-1.0))


def test_an_uploaded_file_without_times_needs_the_random_protocol(workshop, tmp_path):
    store, rows = workshop
    items = {item.uuid: item.properties["original_id"] for item in store.iter_items("Workshop")}
    path = tmp_path / "log.csv"
    path.write_text("user,item,rating\n" + "".join(f"{u},{items[i]},5\n" for u, i, _, _ in rows))
    log = read_interaction_log(path)
    source = log_source(convert_log(log, log.guess), "log.csv")
    assert source.users == 24 and not source.timed
    with pytest.raises(InvalidInputError, match="without a time; a temporal split needs a time on every one"):
        split_source(source, "temporal")
    split = split_source(source, "random", seed=3)
    assert split.protocol["seed"] == 3 and split_source(source, "random", seed=3).test == split.test
    result = Evaluation(split, store, "Workshop").engine()
    assert result.estimate().users > 0


def test_sample_source_maps_ratings_and_checks_the_relevance_bar():
    source = sample_source("movies")
    assert source.rating_scale == (0.5, 5.0) and source.weight_of(4.0) == pytest.approx((4 - 2.75) / 2.25)
    keep = source.relevant(4.0)
    assert keep(LogRow("u", "i", source.weight_of(4.0))) and not keep(LogRow("u", "i", source.weight_of(3.5)))
    with pytest.raises(InvalidInputError, match="min_rating 7 is outside movies's rating scale 0.5-5"):
        source.relevant(7)
    with pytest.raises(InvalidInputError, match="unknown protocol 'weekly'"):
        split_source(source, "weekly")


def test_validation_and_test_views_fit_on_the_right_rows():
    rows = [LogRow(f"u{u}", f"i{(u + n) % 30}", 1.0, float(n)) for u in range(10) for n in range(10)]
    split = temporal_split(rows, test_fraction=0.2, validation_fraction=0.25)
    tune, final = split.for_validation(), split.for_test()
    for user in split.train:
        assert [r.time for r in tune.train[user]] == list(range(6)) and tune.test[user] == split.validation[user]
        assert [r.time for r in final.train[user]] == list(range(8)) and final.test[user] == split.test[user]
    with pytest.raises(InvalidInputError, match="this split has no validation part"):
        temporal_split(rows).for_validation()


def test_a_sweep_picks_its_point_on_validation_and_reports_it_on_test(workshop):
    store, _ = workshop
    split = split_source(store_source(store, "Workshop"), "temporal", test_fraction=0.25, validation_fraction=0.2)
    calls = []
    result = sweep(split, store, "Workshop", {"strategy": ["centroid", "knn"], "decay_rate": [0.0, 1.0]},
                   progress=lambda done, total: calls.append((done, total)))
    assert len(result.validation) == len(result.points) == 4
    means = [run.estimate().mean for run in result.validation]
    assert result.best == result.points[int(np.argmax(means))]
    assert calls[-1][0] == calls[-1][1]  # the progress reaches its total
    assert result.test.config == vars(result.best) and result.default.config == vars(EngineConfig())
    assert [v for v, _ in result.curve("decay_rate")] == [0.0, 1.0]
    assert max(m for _, m in result.curve("strategy")) == pytest.approx(max(means))
    gain = result.gain
    assert gain.low <= gain.mean <= gain.high
    record = json.dumps(result.summary(), allow_nan=False)
    assert '"grid"' in record
    with pytest.raises(InvalidInputError, match="this split has no validation part"):
        sweep(split_source(store_source(store, "Workshop"), "temporal"), store, "Workshop", {"decay_rate": [0, 1]})


def test_grid_points_check_names_values_and_size():
    assert len(grid_points({"decay_rate": [0, 0.5], "strategy": ["knn"]})) == 2
    with pytest.raises(InvalidInputError, match=r"cannot sweep \['speed'\]"):
        grid_points({"speed": [1]})
    with pytest.raises(InvalidInputError, match="no values given for decay_rate"):
        grid_points({"decay_rate": []})
    with pytest.raises(InvalidInputError, match="the grid has 400 points"):
        grid_points({"decay_rate": list(range(20)), "recent_interactions_count": list(range(1, 21))})


def test_the_record_is_strict_json_with_protocol_configs_and_versions(workshop):
    store, _ = workshop
    split = split_source(store_source(store, "Workshop"), "random", seed=5)
    evaluation = Evaluation(split, store, "Workshop")
    runs = [evaluation.engine(), evaluation.baseline("most_popular")]
    record = evaluation_report(evaluation, runs, seed=5, extra={"note": "x"})
    text = json.dumps(record, allow_nan=False)
    assert record["protocol"]["split"] == "random" and record["protocol"]["seed"] == 5 and record["seed"] == 5
    assert record["versions"]["numpy"] == np.__version__ and record["runs"][1]["config"] == {"baseline": "most_popular"}
    assert record["runs"][0]["ndcg_vs_first"]["mean"] == 0.0 and record["note"] == "x" and "diversity" not in text


def test_cli_evaluates_a_stores_personas_with_a_sweep(workshop, tmp_path, capsys):
    path = tmp_path / "store.sqlite"
    disk = EmbeddedStore(str(path))
    install_sample(disk, "workshop")
    agent = PersonalizationAgent.create(disk, "Workshop")
    store, rows = workshop
    from datetime import datetime, timezone
    agent.add_interactions([PersonaInteraction(persona_id=f"p-{u}", item_id=i, weight=w,
                                               created_at=datetime.fromtimestamp(t, tz=timezone.utc)) for u, i, w, t in rows])
    disk.close()
    assert main(["--json", "--db", str(path), "evaluate", "workshop", "--source", "personas", "--split", "temporal",
                 "--test-fraction", "0.25", "--validation-fraction", "0.2", "--sweep", "decay_rate=0,1",
                 "--baselines", "most_popular"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source"]["name"] == "Workshop personas" and data["sweep"]["grid"] == {"decay_rate": [0, 1]}
    assert data["runs"][-1]["name"] == "most popular" and data["protocol"]["validation_fraction"] == 0.2
    assert main(["--db", str(path), "evaluate", "Nope", "--source", "personas"]) == 2
    assert "no collection 'Nope' in the store; collections: ['Workshop']" in capsys.readouterr().err
    assert main(["--db", str(path), "evaluate", "workshop", "--sweep", "decay_rate"]) == 2
    assert "--sweep 'decay_rate': write PARAM=V1,V2" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_passes_baseline_options_and_names_a_bad_one(workshop, tmp_path, capsys):
    from core.cli.evaluate import parse_baseline_options
    assert parse_baseline_options(["ease.l2=200", "item_knn.neighbours=5"], ["ease", "item_knn"]) == \
        {"ease": {"l2": 200}, "item_knn": {"neighbours": 5}}
    for bad, message in (("ease", "write NAME.PARAM=VALUE"), ("ease.l2=", "write NAME.PARAM=VALUE"),
                         ("als.alpha=40", r"'als' is not among the chosen baselines \(ease\)")):
        with pytest.raises(InvalidInputError, match=message):
            parse_baseline_options([bad], ["ease"])
    assert main(["--json", "evaluate", "movies", "--users", "20", "--baselines", "item_knn",
                 "--baseline-option", "item_knn.neighbours=5"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert runs[-1]["config"]["baseline"] == "item_knn" and runs[-1]["config"]["neighbours"] == 5
