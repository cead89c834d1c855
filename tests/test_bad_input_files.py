"""Bad files and arguments through the library, the CLI and the lab's uploads (issue 11, parts 1 and 3).

Every case of ``tests/bad_files.py`` must raise its engine error (never a raw exception) whose
message holds the case's fragments (the value, the row, the column, the limit), and leave the
store exactly as it was (``tests/checksum.py``). The CLI prints it as ``error: ...`` with status 2;
the lab shows it with ``st.error`` and no traceback.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from core import (PersonaInteraction, PersonalizationError, import_catalog, import_interactions, open_store,
                  read_catalog, read_interaction_log)
from core.cli.commands import main
from core.cli.format import Output

from .bad_files import CATALOGS, DIGITS, LOGS, Bad
from .checksum import store_checksum

UPLOADS = [b for b in CATALOGS if b.upload and not b.filename.endswith(".gz")]  # the catalog uploader takes no .gz
LAB_LOGS = [b for b in LOGS if b.upload]


def says(message: str, bad: Bad) -> None:
    missing = [part for part in bad.says if part not in message]
    assert not missing, f"{bad.id}: {missing} not in {message!r}"


@pytest.fixture
def things(agent):
    """The conftest's six-item catalog with an agent, a persona and an interaction: a store with something in it."""
    agent.add_interactions([PersonaInteraction(persona_id="pat", item_id="a", weight=1.0)],
                           create_persona_if_not_exists=True)
    return agent


def limits_of(bad: Bad, monkeypatch) -> None:
    for name, value in bad.env.items():
        monkeypatch.setenv(name, value)


# --- the library ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", CATALOGS, ids=str)
def test_a_bad_catalog_is_refused_by_the_library_and_nothing_is_stored(bad, things, monkeypatch):
    limits_of(bad, monkeypatch)
    before = store_checksum(things.store)
    fmt = None if not isinstance(bad.data, (bytes, str)) else bad.filename
    with pytest.raises(bad.error) as caught:
        parsed = read_catalog(bad.data, format=fmt, id_column="id", text_columns=["title"], detect_types=True,
                              **bad.options)
        import_catalog(things.store, "New", parsed)
    assert isinstance(caught.value, PersonalizationError)
    says(str(caught.value), bad)
    assert store_checksum(things.store) == before


@pytest.mark.parametrize("bad", LOGS, ids=str)
def test_a_bad_interaction_log_is_refused_by_the_library_and_nothing_is_stored(bad, things, monkeypatch):
    limits_of(bad, monkeypatch)
    before = store_checksum(things.store)
    with pytest.raises(bad.error) as caught:
        import_interactions(things.store, "Things", read_interaction_log(bad.data, format=bad.filename),
                            name_property=None)
    says(str(caught.value), bad)
    assert store_checksum(things.store) == before


# --- the CLI --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_db(tmp_path_factory) -> Path:
    """A store file with collection Things (items a and b, 2-d vectors) and persona pat who liked a."""
    folder = tmp_path_factory.mktemp("bad-cli")
    db, csv = folder / "store.db", folder / "things.csv"
    csv.write_text('id,title,vector\na,Item A,"[1,0]"\nb,Item B,"[0,1]"\n', encoding="utf-8")
    assert main(["--db", str(db), "import", str(csv), "-c", "Things", "--id-column", "id", "--text-columns", "title",
                 "--vector-column", "vector"]) == 0
    assert main(["--db", str(db), "interact", "pat", "a", "1", "--create-personas"]) == 0
    return db


def cli_checksum(db: Path) -> str:
    store = open_store(str(db))
    try:
        return store_checksum(store)
    finally:
        store.close()


def run_refused(db: Path, capsys, *args: str) -> str:
    """Run the CLI, expect status 2 and an ``error:`` line (no traceback, no raw control characters); stderr."""
    before = cli_checksum(db)
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and "\x1b" not in err
    assert cli_checksum(db) == before
    return err


def file_of(bad: Bad, folder: Path) -> str:
    if isinstance(bad.data, str):
        return bad.data  # a path: /dev/zero, a folder, a name with NUL
    path = folder / bad.filename
    path.write_bytes(bad.data)
    return str(path)


def option_args(bad: Bad) -> list[str]:
    args = [f"--column-type={c}={t}" for c, t in bad.options.get("column_types", {}).items()]
    return args + (["--vector-column", bad.options["vector_column"]] if "vector_column" in bad.options else [])


@pytest.mark.parametrize("bad", [b for b in CATALOGS if isinstance(b.data, (bytes, str))], ids=str)
def test_a_bad_catalog_is_refused_by_the_cli(bad, cli_db, tmp_path, capsys, monkeypatch):
    limits_of(bad, monkeypatch)
    path = file_of(bad, tmp_path)
    fmt = ["--format", bad.filename] if isinstance(bad.data, str) else []
    err = run_refused(cli_db, capsys, "import", path, "-c", "New", "--id-column", "id", "--text-columns", "title",
                      *fmt, *option_args(bad))
    assert err.startswith("error: ")
    says(err, bad)


@pytest.mark.parametrize("bad", LOGS, ids=str)
def test_a_bad_interaction_log_is_refused_by_the_cli(bad, cli_db, tmp_path, capsys, monkeypatch):
    limits_of(bad, monkeypatch)
    says(run_refused(cli_db, capsys, "import-interactions", file_of(bad, tmp_path), "-c", "Things"), bad)


@pytest.mark.parametrize("args, fragments", [
    (["persona", "create", "zed", "--prop", "big=1e400"], ("--prop big", "'1e400'", "outside the range")),
    (["persona", "create", "zed", "--prop", f"n={DIGITS}"], ("--prop n", "5,000 digits")),
    (["persona", "create", "zed", "--prop", "x=" + "[" * 3000 + "]" * 3000], ("--prop x", "too deeply")),
    (["persona", "create", "zed", "--prop", "x=[1, 1e999]"], ("--prop x", "1e999")),
    (["recommend", "pat", "--popularity", "nan"], ("--popularity", "'nan'", "not a finite number")),
    (["recommend", "pat", "--decay-rate=-inf"], ("--decay-rate", "'-inf'")),
    (["search", "pat", "item", "--alpha", "inf"], ("--alpha", "'inf'")),
    (["interact", "pat", "b", "nan"], ("weight", "'nan'")),
    (["recommend", "pat", "--blend", "nan,1,0"], ("--blend", "'nan,1,0'")),
    (["recommend", "pat", "--where", "year>1e400"], ("'1e400'", "outside the range")),
    (["import-interactions", "x.csv", "--like-threshold", "nan"], ("--like-threshold", "'nan'")),
    (["recommend", "pat", "-c", "\x1b[2J\x9bevil"], ("\\x1b[2J\\x9bevil",)),
], ids=["prop 1e400", "prop 5000 digits", "prop deep JSON", "prop JSON 1e999", "popularity nan", "decay -inf",
        "alpha inf", "weight nan", "blend nan", "where 1e400", "threshold nan", "ESC in a collection name"])
def test_bad_cli_arguments_are_refused_by_name(args, fragments, cli_db, capsys):
    err = run_refused(cli_db, capsys, *args)
    assert not [f for f in fragments if f not in err], err


def test_control_characters_in_titles_never_reach_the_terminal(tmp_path, capsys):
    db, csv = tmp_path / "esc.db", tmp_path / "esc.csv"
    title = "Evil \x1b[31mred\x1b[0m \x9b2J \u202eslin\r!"
    csv.write_text(f'id,title,vector\n1,"{title}","[1,0]"\n2,ok,"[0,1]"\n', encoding="utf-8")
    for args in (["import", str(csv), "-c", "C", "--id-column", "id", "--text-columns", "title", "--vector-column",
                  "vector"], ["interact", "p", "1", "1", "--create-personas"]):
        assert main(["--db", str(db), *args]) == 0
    capsys.readouterr()
    for args in (["persona", "show", "p"], ["recommend", "p", "--include-interacted"]):
        assert main(["--db", str(db), *args]) == 0
        out = capsys.readouterr().out
        assert not any(c in out for c in "\x1b\x9b\u202e\r"), out
        assert "Evil \\x1b[31mred\\x1b[0m \\x9b2J" in out  # shown as escapes (the table truncates the rest)
    assert main(["--db", str(db), "--json", "persona", "show", "p"]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x9b\u202e\r")
    assert json.loads(out)["interactions"][0]["title"] == title  # escaped, not changed


def test_json_output_is_standard_json_even_with_non_finite_numbers():
    text = Output({"score": float("nan"), "values": [1.5, float("inf"), {"x": float("-inf")}]}, "").render(True)
    assert json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the output")) == {
        "score": None, "values": [1.5, None, {"x": None}]}


# --- the lab's uploads ----------------------------------------------------------------------------

def lab_page(page: str):
    from .conftest import lab_workspace, open_lab_page
    name = f"test-bad-files-{uuid.uuid4().hex[:10]}"
    return open_lab_page(page, name, "Workshop"), lab_workspace(name).store


def shown_error(at) -> str:
    assert not at.exception, at.exception
    return " ".join(e.value for e in at.error).replace("\\", "")  # the lab escapes text with lab.cards.plain


def choose(widgets, label: str, value) -> None:
    widget = next(w for w in widgets if w.label == label)
    widget.set_value(value) if value is not None else widget.select_index(0)  # set_value(None): the default


@pytest.fixture(scope="module")
def catalog_page():
    return lab_page("pages/1_catalog.py")


@pytest.fixture(scope="module")
def personas_page():
    return lab_page("pages/2_personas.py")


def refused_in_the_lab(at, store, bad: Bad, monkeypatch, upload) -> None:
    """``upload(at)`` of ``bad`` shows its error (no traceback) and leaves the workspace as it was."""
    limits_of(bad, monkeypatch)
    before = store_checksum(store)
    upload(at)
    shown = shown_error(at)
    assert [part for part in bad.says if part.replace("\\", "") not in shown] == [], shown
    assert store_checksum(store) == before


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("bad", UPLOADS, ids=str)
def test_a_bad_catalog_upload_shows_the_error_and_stores_nothing(bad, catalog_page, monkeypatch, no_llm):
    def upload(at) -> None:
        at.file_uploader[0].set_value((bad.filename, bad.data, "application/octet-stream")).run()
        if not at.error:  # the file reads; the bad cell shows on import, with the case's column types
            choose(at.selectbox, "Vector column (optional)", bad.options.get("vector_column"))
            at.run()
            for column, kind in bad.options.get("column_types", {}).items():
                choose(at.selectbox, f"Type of {column}", kind)
            choose(at.text_input, "Collection name", "New")
            next(b for b in at.button if b.label == "Import").click().run()
    refused_in_the_lab(*catalog_page, bad, monkeypatch, upload)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("bad", LAB_LOGS, ids=str)
def test_a_bad_interaction_upload_shows_the_error_and_stores_nothing(bad, personas_page, monkeypatch, no_llm):
    refused_in_the_lab(*personas_page, bad, monkeypatch, lambda at: at.file_uploader(key="lab.interactions.file.0")
                       .upload(bad.filename, bad.data, "application/octet-stream").run())


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("text, fragment", [
    ('{"name": "Deep", "properties": {"x": ' + "[" * 3000 + "]" * 3000 + "}}", "nests lists or objects too deeply"),
    ('{"name": "Deep", "properties": {"x": ' + json.dumps([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])
     + "}}", "nested more than 34 levels"),
    ('{"name": "Big", "properties": {"x": 1e400}}', "1e400 is outside the range"),
    ('{"name": "Late", "interactions": [{"item_id": "spaghetti-carbonara", "weight": 1, '
     '"created_at": "9999-12-31T23:59:59-05:00"}]}', "interactions[0]"),
], ids=["3000 deep", "35 deep", "1e400", "past 9999"])
def test_a_bad_persona_file_shows_the_error_and_stores_nothing(text, fragment, personas_page, no_llm):
    at, store = personas_page
    before = store_checksum(store)
    at.text_area(key="lab.personas.import_text").input(text)
    at.button(key="lab.personas.import").click().run()
    assert fragment in shown_error(at)
    assert store_checksum(store) == before
