"""``fssim generate`` and ``fssim send``, and the generator behind them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from seg_world import World

from fssim.cli import cli
from fssim.commands.traffic import batches, parse_write_keys
from fssim.generator import generate
from fssim.segment.spec import validate


def test_the_same_seed_gives_the_same_messages_and_another_seed_others() -> None:
    assert generate(20, seed=3) == generate(20, seed=3)
    assert generate(20, seed=3) != generate(20, seed=4)


def test_generated_journeys_cover_every_source_kind_and_conform_to_the_spec() -> None:
    messages = generate(60, seed=1)
    assert {m["channel"] for m in messages} == {"browser", "mobile", "server"}
    assert {m["type"] for m in messages} >= {"page", "identify", "track", "screen"}
    assert all(validate(m) is None for m in messages)
    identifies = [m for m in messages if m["type"] == "identify"]
    assert any("@" in m["userId"] for m in identifies)  # sign-up by email (R4)
    assert any(m["userId"].startswith("usr_") and m["traits"]["email"] for m in identifies)  # DB id (R6)
    assert any(m["traits"].get("fs_contact") is True for m in identifies)  # R5
    assert any(m["type"] == "page" and "userId" not in m for m in messages)  # anonymous visits
    assert len({m["messageId"] for m in messages}) == len(messages)
    assert [m["timestamp"] for m in messages] == sorted(m["timestamp"] for m in messages)


def test_generate_writes_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "traffic.jsonl"
    result = CliRunner().invoke(cli, ["generate", "--users", "5", "--seed", "9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert [json.loads(line) for line in lines] == generate(5, seed=9)
    assert f"wrote {len(lines)} messages of 5 users" in result.output


def test_batches_keep_order_split_by_key_and_size() -> None:
    messages = [{"channel": c, "n": i} for i, c in enumerate(["browser"] * 5 + ["server"] * 2 + ["browser"])]
    keys = parse_write_keys(("web=WK", "server=SK"))
    cut = [(key, [m["n"] for m in batch]) for key, batch in batches(messages, keys, size=3)]
    assert cut == [("WK", [0, 1, 2]), ("WK", [3, 4]), ("SK", [5, 6]), ("WK", [7])]


@pytest.mark.e2e
def test_send_replays_generated_traffic_into_a_live_fssim(world: World, tmp_path: Path) -> None:
    for name, kind in (("web", "web"), ("ios", "mobile"), ("backend", "server")):
        world.source(name, f"{name}-key", kind)
    traffic = tmp_path / "traffic.jsonl"
    CliRunner().invoke(cli, ["generate", "--users", "12", "--seed", "2", "--out", str(traffic)])
    total = len(traffic.read_text().splitlines())
    result = CliRunner().invoke(cli, ["send", str(traffic), "--host", world.base_url, "--write-key", "web=web-key",
                                      "--write-key", "mobile=ios-key", "--write-key", "server=backend-key",
                                      "--batch-size", "7", "--gzip"])
    assert result.exit_code == 0, result.output
    assert f"sent {total} of {total} messages" in result.output
    events = world.events()
    assert len(events) == total
    assert {e["source"] for e in events} == {"web", "ios", "backend"}
    assert {e["status"] for e in events} == {"accepted"}


@pytest.mark.e2e
def test_send_reports_refused_batches_and_exits_non_zero(world: World, tmp_path: Path) -> None:
    traffic = tmp_path / "bad.jsonl"
    traffic.write_text(json.dumps({"type": "track", "userId": "u", "event": "E", "pad": "x" * 40_000}) + "\n")
    result = CliRunner().invoke(cli, ["send", str(traffic), "--host", world.base_url, "--write-key", "k"])
    assert result.exit_code == 1
    assert "refused: 400" in result.output and "Exceed payload limit" in result.output


def test_a_refusal_is_printed_verbatim_on_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another endpoint's error text may hold square brackets; it is not rich markup."""
    import httpx

    from fssim.commands import traffic

    refusal = '{"message": "field [/properties] of batch[0] rejected by the upstream proxy"}'
    monkeypatch.setattr(traffic, "_post", lambda *args: httpx.Response(400, text=refusal))
    lines = tmp_path / "one.jsonl"
    lines.write_text(json.dumps({"type": "track", "userId": "u", "event": "E"}) + "\n")
    result = CliRunner().invoke(cli, ["send", str(lines), "--host", "http://segment.example:1", "--write-key", "k"])
    assert result.exit_code == 1
    assert f"1 batch(es) refused: 400 {refusal}\n" in result.output
    assert "sent 0 of 1 messages in 1 batches to http://segment.example:1 in " in result.output


def test_a_channel_without_a_key_names_the_way_to_give_one(tmp_path: Path) -> None:
    lines = tmp_path / "tv.jsonl"
    lines.write_text(json.dumps({"type": "track", "userId": "u", "event": "E", "channel": "tv"}) + "\n")
    result = CliRunner().invoke(cli, ["send", str(lines), "--host", "http://127.0.0.1:1", "--write-key", "web=k"])
    assert result.exit_code == 1
    assert "no --write-key for channel 'tv': give a default --write-key KEY" in result.output


def test_an_unreachable_host_stops_with_what_was_and_was_not_sent(tmp_path: Path) -> None:
    from fssim.server import bind_listener

    messages = tmp_path / "messages.jsonl"
    messages.write_text("".join(json.dumps(m) + "\n" for m in generate(users=3, seed=7)))
    total = len(messages.read_text().splitlines())
    with bind_listener("127.0.0.1", 0) as closed:  # bound but never listening: connections are refused
        port = closed.getsockname()[1]
        result = CliRunner().invoke(cli, ["send", str(messages), "--host", f"http://127.0.0.1:{port}",
                                          "--write-key", "k"])
    assert result.exit_code != 0
    assert f"sent 0 of {total} messages" in result.output
    assert f"cannot reach http://127.0.0.1:{port}" in result.output
    assert f"the last {total} messages were not sent" in result.output
