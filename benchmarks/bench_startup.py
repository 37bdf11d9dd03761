"""``fssim serve``: from starting the process to its first answer, beside moto_server (the AWS
simulator's own server, a comparable Python tool) started the same way, in interleaved rounds.

Each measurement starts the server on a free port of 127.0.0.1, polls it every 5 ms until any HTTP
answer comes back, and stops it. moto_server comes from the ``bench`` extra (``make bench`` installs
it); without it the comparison is skipped with a message. With ``make bench BEFORE=<rev>`` the same
is measured for that revision's ``fssim serve``.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.report import interleaved, ratio
from benchmarks.servers import ServerProcess, env_int, free_port, fssim_serve, revisions

__all__ = ["main"]


def _moto_server() -> str | None:
    beside = Path(sys.executable).with_name("moto_server")
    return str(beside) if beside.exists() else shutil.which("moto_server")


def _once(start: Callable[[], ServerProcess]) -> float:
    with start() as server:
        return server.seconds_to_first_answer


def main() -> None:
    rounds = env_int("FSSIM_BENCH_STARTUP_ROUNDS", 5)
    measures: dict[str, Callable[[], float]] = {
        f"fssim serve [{rev.label}]": (lambda rev=rev: _once(lambda: fssim_serve(rev))) for rev in revisions()}
    moto = _moto_server()
    if moto is None:
        print("moto_server is not installed (pip install -e '.[bench]', which make bench does): "
              "fssim's start-up is shown without it")
    else:
        def start_moto() -> ServerProcess:
            port = free_port()
            return ServerProcess("moto_server", [moto, "-p", str(port)], port=port, probe="/")

        measures["moto_server"] = lambda: _once(start_moto)
    print(f"start to first answer, median of {rounds} interleaved rounds:")
    seconds = interleaved(rounds, measures)
    for name, value in seconds.items():
        print(f"  {name:<34} {value * 1e3:8.0f} ms")
    now = seconds["fssim serve [now]"]
    if "moto_server" in seconds:
        ratio("start-up: fssim serve / moto_server", now / seconds["moto_server"], at_most=1.0)
    for name, value in seconds.items():
        if name.startswith("fssim serve [before"):
            ratio(f"start-up: fssim serve now / {name.removeprefix('fssim serve [').rstrip(']')}", now / value)


if __name__ == "__main__":
    main()
