"""``fssim serve``: the whole simulator on one port."""

from __future__ import annotations

import gc
import logging
import signal
from types import FrameType

import click
import uvicorn

from fssim.app import Simulator, SimulatorConfig
from fssim.masking import MaskKeysInAccessLog
from fssim.segment.browser import web_sources_banner
from fssim.segment.retention import DEFAULT_LOG_MAX_AGE_SECONDS, DEFAULT_LOG_MAX_ENTRIES
from fssim.server import bind_listener

__all__ = ["ACCESS_LOG_LEVELS", "serve", "server_config"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port to listen on.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Keep data in this TinyDB JSON file, with changes appended to FILE.journal and folded in "
                   "when fssim stops. Default: in memory.")
@click.option("--strict", is_flag=True, help="Answer 401 to unknown Segment write keys (the real edge answers 200).")
@click.option("--no-rate-limits", is_flag=True, help="Turn off the Freshsales plan limits (R12) for every account.")
@click.option("--demo/--no-demo", default=False, show_default=True,
              help="Start with a demo Freshsales account and web/server sources, toggle on.")
@click.option("--delivery-url", default=None, metavar="URL",
              help="Deliver Segment's messages to the Freshsales receiver at this base URL instead of in-process.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Let only pages of this origin (e.g. http://localhost:3000) call the Tracking API from a "
                   "browser; repeat for more. Default: any origin.")
@click.option("--show-keys", is_flag=True,
              help="Show API and write keys in full in /_sim answers (default: masked, ****abcd).")
@click.option("--delivery-order", type=click.Choice(["ordered", "unordered"]), default="ordered", show_default=True,
              help="ordered: a user's later message waits while an earlier one awaits a retry. unordered: they may "
                   "overtake each other, as Segment allows (a track can beat its identify).")
@click.option("--delivery-seed", type=int, default=0, show_default=True,
              help="Seed of the unordered delivery order, so a run replays exactly.")
@click.option("--log-max-entries", type=click.IntRange(min=0), default=DEFAULT_LOG_MAX_ENTRIES, show_default=True,
              help="The event and delivery logs each keep this many newest entries (0: no limit); open "
                   "deliveries are always kept.")
@click.option("--log-max-age", "log_max_age", type=click.FloatRange(min=0), default=DEFAULT_LOG_MAX_AGE_SECONDS,
              show_default=True, metavar="SECONDS",
              help="...and none older than this many seconds of simulated time (0: no limit).")
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(host: str, port: int, db_path: str | None, strict: bool, no_rate_limits: bool, demo: bool,
          delivery_url: str | None, cors_origins: tuple[str, ...], show_keys: bool, delivery_order: str,
          delivery_seed: int, log_max_entries: int, log_max_age: float, log_level: str) -> None:
    """Serve the Segment Tracking API, the Freshsales API and the control API on one port."""
    # Bind first: a busy port must be reported before a banner claims the simulator is running.
    try:
        listener = bind_listener(host, port)
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror or error}. "
            "Choose another port with --port N (with make: make run PORT=N)."
        ) from error
    try:
        sim = Simulator(
            SimulatorConfig(
                db_path=db_path,
                strict=strict,
                rate_limits=not no_rate_limits,
                delivery_base_url=delivery_url,
                background_delivery=True,
                cors_origins=cors_origins,
                # The control plane answers the name it was asked to bind, besides the loopback names.
                allowed_hosts=(host,),
                show_keys=show_keys,
                delivery_order=delivery_order,
                delivery_seed=delivery_seed,
                log_max_entries=log_max_entries or None,
                log_max_age_seconds=log_max_age or None,
            )
        )
    except (ValueError, OSError) as error:  # e.g. --db names a file that is not a fssim database
        listener.close()
        raise click.ClickException(str(error)) from error
    base_url = f"http://{host}:{listener.getsockname()[1]}"
    try:
        if demo:
            from fssim.demo import describe, seed_demo  # only --demo needs it: start-up is measured

            click.echo(describe(seed_demo(sim), base_url))
        else:
            click.echo(f"fssim is running at {base_url}  (store: {db_path or 'memory'}); "
                       f"create accounts with POST {base_url}/_sim/accounts")
        click.echo(f"\nDashboard          {base_url}/   (open it in a browser: Freshsales, Segment and controls)")
        web = web_sources_banner(base_url, sim.segment.sources())
        if web:
            click.echo(web)
        click.echo("Press Ctrl+C to stop.")  # last, after every line that tells how to use it
        server = uvicorn.Server(server_config(sim, log_level, show_keys=show_keys))
        _stop_cleanly_on_sigterm(server)
        _tune_garbage_collector()
        server.run(sockets=[listener])
    finally:
        listener.close()
        sim.close()


# The levels at which uvicorn's access-log lines (logged at INFO) are shown.
ACCESS_LOG_LEVELS = frozenset({"info", "debug"})


def server_config(sim: Simulator, log_level: str, *, show_keys: bool) -> uvicorn.Config:
    """uvicorn's settings for ``sim`` (making them configures logging).

    The access log is on only at a level that shows its lines: uvicorn builds each line's arguments (the
    client's address, the path quoted again) for every answer even when the level drops it (issue 12:
    REST server CPU). When it is on, its lines show keys masked unless ``--show-keys``.
    """
    access_log = log_level in ACCESS_LOG_LEVELS
    config = uvicorn.Config(sim.app, log_level=log_level, lifespan="on", access_log=access_log)
    access = logging.getLogger("uvicorn.access")
    if access_log and not show_keys and not any(isinstance(kept, MaskKeysInAccessLog) for kept in access.filters):
        access.addFilter(MaskKeysInAccessLog())
    return config


# Simulator policy for the server process only (the pytest plugin runs in other people's processes and
# leaves their collector alone). Every stored document is a few container objects that live as long
# as the store, so CPython's default (a young collection every 700 net allocations, an older one every
# tenth) kept walking the same survivors: about a tenth of the CPU of a delivered message. Refcounting
# frees almost all garbage anyway; the collector is only for cycles, and these few wait a little longer.
GC_THRESHOLDS = (50_000, 20, 10)


def _tune_garbage_collector() -> None:
    """Fewer collections, and none that walk what start-up built (modules, the simulator itself)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _stop_cleanly_on_sigterm(server: uvicorn.Server) -> None:
    """Make SIGTERM (``kill``, ``docker stop``, systemd) a clean stop that exits 0.

    uvicorn shuts down gracefully on SIGTERM, then re-raises the signal it caught against the handler
    that was installed before it started. With Python's default one the process dies right there (exit
    143) and ``serve``'s ``finally`` never closes the simulator. This handler makes the re-raised signal
    a no-op, so ``sim.close()`` flushes the ``--db`` file and removes its temporary files; one arriving
    before uvicorn installs its own handlers still stops the server.
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    signal.signal(signal.SIGTERM, stop)
