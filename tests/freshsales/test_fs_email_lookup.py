"""A lookup by email (R4, the receiver's every identify and track) is answered by the email index itself, and
one by external id (R6) by its own: no stored record is read or decoded (issue 2: among 100,000 leads, each
hop from the index to the stored text was a cache miss). Counted, not timed: the store's read counter. And
the index's answer must stay exactly what the stored record says through every write: create, a name change,
an email change, a convert, a delete, a file opened again."""

from __future__ import annotations

from pathlib import Path

from fssim.clock import Clock
from fssim.freshsales.service import Freshsales
from fssim.freshsales.shapes import Target
from fssim.store import Database


def _crm(db: Database) -> Freshsales:
    fs = Freshsales(db, Clock(frozen=True), rate_limits=False)
    if fs.accounts.get("acme") is None:
        fs.accounts.create("acme", api_key="acme-key")
    return fs


def _stored(fs: Freshsales, entity: str, record_id: int) -> Target:
    """What the stored record itself says (read and decoded whole)."""
    return fs.records.target("acme", entity, record_id)


def test_a_lookup_by_email_reads_no_stored_record() -> None:
    db = Database()
    fs = _crm(db)
    lead = fs.records.create("acme", "lead", {"email": "Ada@Example.com", "first_name": "Ada"})
    contact = fs.records.create("acme", "contact", {"emails": ["grace@example.com", "g@example.com"]})
    db.stats.reset()
    found = [fs.records.find_by_email("acme", email)
             for email in ("ada@example.com", " ADA@example.com ", "g@example.com", "nobody@example.com")]
    assert db.stats.reads == 0  # it read each found record once before
    assert found == [_stored(fs, "lead", lead["id"]), _stored(fs, "lead", lead["id"]),
                     _stored(fs, "contact", contact["id"]), None]
    assert found[0] == Target("acme", "lead", lead["id"], "Ada")


def test_the_answer_follows_every_write_of_the_record() -> None:
    fs = _crm(Database())
    find = fs.records.find_by_email
    lead_id = fs.records.create("acme", "lead", {"email": "ada@example.com", "first_name": "Ada"})["id"]
    fs.records.update("acme", "lead", lead_id, {"last_name": "Lovelace"})
    assert find("acme", "ada@example.com") == Target("acme", "lead", lead_id, "Ada Lovelace")
    fs.records.update("acme", "lead", lead_id, {"email": "countess@example.com"})
    assert find("acme", "ada@example.com") is None
    assert find("acme", "countess@example.com") == _stored(fs, "lead", lead_id)
    contact_id = fs.records.convert("acme", lead_id)["id"]
    assert find("acme", "countess@example.com") == Target("acme", "contact", contact_id, "Ada Lovelace")
    fs.records.update("acme", "contact", contact_id, {"emails": ["ada@example.com", "countess@example.com"]})
    assert find("acme", "ada@example.com") == find("acme", "countess@example.com") == _stored(fs, "contact", contact_id)
    fs.records.delete("acme", "contact", contact_id)
    assert find("acme", "ada@example.com") is None
    assert find("acme", "countess@example.com") is None
    assert fs.records.find_by_email("other", "ada@example.com") is None


def test_a_file_opened_again_answers_as_before(tmp_path: Path) -> None:
    path = tmp_path / "fssim.json"
    db = Database(path)
    fs = _crm(db)
    ids = [fs.records.create("acme", "lead", {"email": f"p{i}@example.com", "last_name": f"P{i}"})["id"]
           for i in range(3)]
    fs.records.update("acme", "lead", ids[1], {"first_name": "Pat"})
    before = [fs.records.find_by_email("acme", f"p{i}@example.com") for i in range(3)]
    db.close()
    again = Database(path)
    fs = _crm(again)
    assert [fs.records.find_by_email("acme", f"p{i}@example.com") for i in range(3)] == before
    assert before[1] == Target("acme", "lead", ids[1], "Pat P1")
    again.close()


def test_a_lookup_by_external_id_reads_no_stored_record_and_follows_writes() -> None:
    """R6's lookup (a userId that is not an email) is answered the same way, by its own index."""
    db = Database()
    fs = _crm(db)
    lead_id = fs.records.create("acme", "lead", {"external_id": "usr_1", "last_name": "Ada"})["id"]
    db.stats.reset()
    assert fs.records.find_by_external_id("acme", "usr_1") == _stored(fs, "lead", lead_id)
    assert fs.records.find_by_external_id("acme", "usr_2") is None
    assert db.stats.reads == 1  # _stored's own read, not the lookups'
    fs.records.update("acme", "lead", lead_id, {"external_id": "usr_2", "first_name": "Grace"})
    assert fs.records.find_by_external_id("acme", "usr_1") is None
    assert fs.records.find_by_external_id("acme", "usr_2") == Target("acme", "lead", lead_id, "Grace Ada")
    fs.records.delete("acme", "lead", lead_id)
    assert fs.records.find_by_external_id("acme", "usr_2") is None
