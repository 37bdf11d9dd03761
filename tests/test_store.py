"""The store's collection: the only way into TinyDB, and indexes that stay right whatever is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fssim.journal import JournaledStorage, journal_paths
from fssim.storage import HeldMemoryStorage
from fssim.store import Database

PACKAGE = Path(__file__).resolve().parents[1] / "simulator" / "fssim"


@pytest.fixture(params=["memory", "file"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    return Database(None if request.param == "memory" else tmp_path / "fssim.json")


def test_indexes_follow_every_write(db: Database) -> None:
    people = db.collection("people")
    by_email = people.index(lambda doc: doc.get("email"))
    by_tag = people.multi_index(lambda doc: doc.get("tags", []))
    ada = people.insert({"email": "ada@x.io", "tags": ["a", "b"]})
    bob = people.insert({"email": "bob@x.io", "tags": ["b"]})
    assert (by_email.first("ada@x.io"), by_tag.ids("b")) == (ada, {ada, bob})
    people.replace(ada, {"email": "ada@y.io", "tags": ["c"]})
    assert "ada@x.io" not in by_email and by_email.first("ada@y.io") == ada
    assert by_tag.ids("b") == {bob} and by_tag.ids("c") == {ada}
    assert people.delete(bob) == {"email": "bob@x.io", "tags": ["b"]}
    assert people.delete(bob) is None
    assert by_tag.ids("b") == set() and len(people) == 1 and people.ids() == [ada]
    people.clear()
    assert len(people) == 0 and "ada@y.io" not in by_email
    assert people.insert({"email": "c@x.io"}) == 1  # ids start again after a clear
    with pytest.raises(KeyError):
        people.replace(99, {})


def test_a_collection_is_one_object_per_name_and_hands_out_copies(db: Database) -> None:
    people = db.collection("people")
    assert db.collection("people") is people
    doc_id = people.insert({"name": "Ada"}, doc_id=40)
    copy = people.get(doc_id)
    assert copy == {"name": "Ada"}
    copy["name"] = "changed"
    assert people.get(doc_id) == {"name": "Ada"}
    assert people.insert({"name": "next"}) == 41
    assert people.items() == [(40, {"name": "Ada"}), (41, {"name": "next"})]
    assert 40 in people and 42 not in people and people.get(42) is None


def test_clearing_the_database_empties_every_collection_and_index(db: Database) -> None:
    people, notes = db.collection("people"), db.collection("notes")
    by_name = people.index(lambda doc: doc["name"])
    people.insert({"name": "Ada"})
    notes.insert({"text": "hi"})
    db.clear()
    assert (len(people), len(notes), "Ada" in by_name) == (0, 0, False)
    assert people.insert({"name": "Bob"}) == 1 and by_name.first("Bob") == 1


def test_both_storages_take_part_in_transactions_the_same_way(tmp_path: Path) -> None:
    assert isinstance(Database()._db.storage, HeldMemoryStorage)
    path = tmp_path / "fssim.json"
    db = Database(path)
    assert isinstance(db._db.storage, JournaledStorage)
    journal, _ = journal_paths(path)
    people = db.collection("people")
    with db.transaction():
        people.insert({"name": "Ada"})
        people.insert({"name": "Bob"})
        assert "Bob" not in journal.read_text()  # written once, at the end
    assert journal.read_text().count("\n") == 1 and "Bob" in journal.read_text()  # one line
    db.close()
    again = Database(path).collection("people")
    assert [doc["name"] for _, doc in again.items()] == ["Ada", "Bob"]


def test_the_store_counts_its_reads_and_transactions() -> None:
    db = Database()
    people = db.collection("people")
    doc_id = people.insert({"name": "Ada"})
    assert (db.stats.reads, db.stats.transactions) == (0, 0)  # one write is not a transaction
    people.get(doc_id)
    people.items()
    with db.transaction(), db.transaction():  # a nested transaction joins the outer one
        pass
    with db.transaction():
        pass
    assert (db.stats.reads, db.stats.transactions) == (2, 2)


def test_no_module_but_the_store_touches_tinydb() -> None:
    """Everything else goes through a Collection (storage.py and journal.py hold the storages, tables.py the
    table), so no caller can write behind an index's back."""
    offenders = [
        path.relative_to(PACKAGE).as_posix() for path in sorted(PACKAGE.rglob("*.py"))
        if path.name not in ("store.py", "storage.py", "journal.py", "tables.py")
        and re.search(r"\btinydb\b|\.table\(|\btruncate\(", path.read_text())
    ]
    assert offenders == []
