"""``fssim generate`` and ``fssim send``: make realistic Segment traffic and replay it into any endpoint.

``send`` speaks the public Tracking API only (``POST {host}/v1/batch`` with HTTP Basic auth), so it works
against fssim, a recorded-traffic proxy or anything else Segment-compatible.
"""

from __future__ import annotations

import base64
import gzip as gzip_module
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click
import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from fssim.generator import CHANNELS, write_jsonl
from fssim.generator import generate as generate_messages

__all__ = ["SendSummary", "batches", "generate", "parse_write_keys", "send"]

# The Python SDK stops a batch at 475,000 bytes to stay under the 500 KB limit (reference §3.4).
BATCH_BYTE_BUDGET = 475_000
_CHANNEL_ALIASES = {"web": "browser", "browser": "browser", "mobile": "mobile", "server": "server"}


@click.command()
@click.option("--users", type=click.IntRange(min=0), default=10, show_default=True, help="How many user journeys.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same messages.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write JSON lines here (default: standard output).")
def generate(users: int, seed: int, out: Path | None) -> None:
    """Generate Segment messages of realistic user journeys as JSON lines."""
    messages = generate_messages(users, seed)
    text = write_jsonl(messages, out)
    if out is None:
        sys.stdout.write(text)
    else:
        channels = {c: sum(1 for m in messages if m["channel"] == c) for c in CHANNELS}
        click.echo(f"wrote {len(messages)} messages of {users} users to {out} "
                   f"({', '.join(f'{n} {c}' for c, n in channels.items())})", err=True)


def parse_write_keys(values: tuple[str, ...]) -> dict[str | None, str]:
    """``KEY`` for every message, or ``web=KEY`` / ``mobile=KEY`` / ``server=KEY`` per channel."""
    keys: dict[str | None, str] = {}
    for value in values:
        name, sep, key = value.partition("=")
        if sep and name in _CHANNEL_ALIASES:
            keys[_CHANNEL_ALIASES[name]] = key
        else:
            keys[None] = value
    if not keys:
        raise click.BadParameter("give at least one --write-key")
    return keys


def _key_for(message: dict[str, Any], keys: dict[str | None, str]) -> str:
    channel = message.get("channel")
    key = keys.get(channel if isinstance(channel, str) else None) or keys.get(None)
    if key is None:
        # Only the three channels have a KEY= form, so a default KEY is the way for any other channel.
        raise click.ClickException(f"no --write-key for channel {channel!r}: give a default --write-key KEY "
                                   "(web=, mobile= and server= set the key of those channels only)")
    return key


def batches(messages: list[dict[str, Any]], keys: dict[str | None, str],
            size: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Consecutive runs of one write key, cut at ``size`` messages or the byte budget; order is kept."""
    current: list[dict[str, Any]] = []
    current_key: str | None = None
    used = 0
    for message in messages:
        key = _key_for(message, keys)
        weight = len(json.dumps(message)) + 1
        if current and (key != current_key or len(current) >= size or used + weight > BATCH_BYTE_BUDGET):
            yield current_key or "", current
            current, used = [], 0
        current.append(message)
        current_key = key
        used += weight
    if current:
        yield current_key or "", current


@dataclass
class SendSummary:
    messages: int = 0
    batches: int = 0
    failed_batches: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _read(source: TextIO) -> list[dict[str, Any]]:
    messages = []
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"line {number} is not JSON: {error}") from error
        if not isinstance(message, dict):
            raise click.ClickException(f"line {number} is not a JSON object")
        messages.append(message)
    return messages


def _post(client: httpx.Client, host: str, key: str, batch: list[dict[str, Any]], use_gzip: bool) -> httpx.Response:
    body = json.dumps({"batch": batch, "sentAt": datetime.now(UTC).isoformat()}).encode()
    headers = {"Content-Type": "application/json",
               "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    if use_gzip:
        body = gzip_module.compress(body)
        headers["Content-Encoding"] = "gzip"
    return client.post(host.rstrip("/") + "/v1/batch", content=body, headers=headers)


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--host", required=True, help="Base URL of a Segment-compatible Tracking API, e.g. http://127.0.0.1:8765")
@click.option("--write-key", "write_keys", multiple=True, required=True,
              help="KEY for all messages, or web=KEY / mobile=KEY / server=KEY by message channel (repeatable).")
@click.option("--batch-size", type=click.IntRange(1, 2500), default=100, show_default=True)
@click.option("--gzip/--no-gzip", "use_gzip", default=False, show_default=True, help="Send gzip bodies.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
def send(file: TextIO, host: str, write_keys: tuple[str, ...], batch_size: int, use_gzip: bool,
         timeout: float) -> None:
    """Replay JSON-lines messages (FILE, or - for stdin) into a Segment Tracking API in batches."""
    keys = parse_write_keys(write_keys)
    messages = _read(file)
    console = Console(stderr=True)
    summary = SendSummary()
    started = time.perf_counter()
    unreachable: str | None = None
    tried = 0
    columns = (TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with httpx.Client(timeout=timeout) as client, Progress(*columns, console=console) as progress:
        task = progress.add_task("send", total=len(messages))
        for key, batch in batches(messages, keys, batch_size):
            try:
                answer = _post(client, host, key, batch, use_gzip)
            except httpx.HTTPError as error:
                # Stop, but still say what did get through: the user must know what to send again.
                unreachable = f"cannot reach {host}: {error or type(error).__name__}"
                break
            summary.batches += 1
            tried += len(batch)
            if answer.status_code == 200:
                summary.messages += len(batch)
            else:
                summary.failed_batches += 1
                reason = f"{answer.status_code} {answer.text[:200]}"
                summary.failures[reason] = summary.failures.get(reason, 0) + 1
            progress.advance(task, len(batch))
    summary.seconds = time.perf_counter() - started
    rate = summary.messages / summary.seconds if summary.seconds > 0 else 0.0
    # soft_wrap: one line per fact even in an 80-column pipe; escape: the server's text is not markup.
    console.print(f"sent {summary.messages} of {len(messages)} messages in {summary.batches} batches "
                  f"to {escape(host)} in {summary.seconds:.2f} s ({rate:.0f} messages/s)", soft_wrap=True)
    for reason, count in summary.failures.items():
        console.print(f"[red]{count} batch(es) refused: {escape(reason)}[/red]", soft_wrap=True)
    if unreachable is not None:
        raise click.ClickException(f"{unreachable}; the last {len(messages) - tried} messages were not sent")
    if summary.failed_batches:
        raise SystemExit(1)
