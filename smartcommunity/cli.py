"""The ``smartcommunity`` command line."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edge.errors import ConfigError, EdgeError

if TYPE_CHECKING:
    from edge.camera.config import SourceConfig
    from edge.config import GatewayConfig
    from edge.facade import FacadeCameraConfig

DEFAULT_SCENARIO = (
    Path(__file__).resolve().parent.parent / "simulators" / "scenarios" / "lianhu.yaml"
)


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


_stop_requested = threading.Event()


def catch_stop_signals() -> None:
    """From now on SIGINT/SIGTERM ask for a clean stop instead of killing the process."""

    def handler(_sig: int, _frame: object) -> None:
        _stop_requested.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def wait_for_signal(duration_s: float | None) -> None:
    """Block until SIGINT/SIGTERM, or for ``duration_s`` seconds."""
    catch_stop_signals()
    _stop_requested.wait(duration_s)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO level.")
def main(verbose: bool) -> None:
    """Smart-community edge gateways and hub."""
    _logging(verbose)


@main.command()
@click.option("--host", default=None, help="API address (default SC_API_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="API port (default SC_API_PORT or 8080).")
def hub(host: str | None, port: int | None) -> None:
    """Run the hub (ingest + REST API); settings come from SC_* environment variables."""
    import uvicorn
    from pydantic import ValidationError

    from hub.api.app import create_app
    from hub.settings import HubSettings

    try:
        # Under systemd, LoadCredential=SC_SECRET_KEY:/path puts secrets in files
        # there; an SC_* environment variable of the same name still wins.
        settings = HubSettings(_secrets_dir=os.environ.get("CREDENTIALS_DIRECTORY"))
    except ValidationError as exc:
        raise click.ClickException(f"hub settings: {exc}") from exc
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port if port is not None else settings.api_port,
        log_level="warning",
    )


@main.command()
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="Gateway YAML."
)
def edge(config_path: Path) -> None:
    """Run one edge gateway agent until SIGINT/SIGTERM."""
    from edge.config import load_config
    from edge.gateway import Gateway

    catch_stop_signals()
    try:
        config = load_config(config_path)
        # Building the gateway loads models and reference images named in the config.
        gateway = Gateway(config)
    except EdgeError as exc:
        raise click.ClickException(str(exc)) from exc
    gateway.start()
    click.echo(f"gateway {config.gateway_id} running; outbox {config.outbox.path}")
    wait_for_signal(None)
    gateway.stop()


@main.command("falling-check")
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="Gateway YAML."
)
@click.argument("camera")
@click.argument(
    "videos", metavar="VIDEO...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option(
    "--goal",
    type=click.FloatRange(min=0.0, min_open=True),
    default=0.5,
    show_default=True,
    help="False alarms an hour the threshold should keep to.",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Closest tracks listed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
def falling_check(
    config_path: Path, camera: str, videos: tuple[Path, ...], goal: float, top: int, as_json: bool
) -> None:
    """Replay a façade camera's ordinary footage (no throws) and report its false alarms."""
    import functools
    import json

    from edge.facade import make_view_check
    from edge.falling.sitecheck import check_footage

    facade = _facade_camera(config_path, camera)
    try:
        # The first file's check is built before it replays: a bad reference stops at once.
        enabled = facade.view_check.enabled
        view_check = functools.partial(make_view_check, facade) if enabled else None
        report = check_footage(
            facade.falling, list(videos), goal_per_hour=goal, top=top, view_check=view_check
        )
    except EdgeError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    rate, interval = report["alarms_per_hour"], report["alarms_per_hour_ci95"]
    click.echo(
        f"camera {camera}: {report['hours']:.2f} h replayed; alarms: {report['alarms']} "
        f"({rate} an hour, 95 % interval {interval[0]}-{interval[1]}); "
        f"{report['candidate_tracks']} candidate tracks"
    )
    needed = report["threshold_for_goal"]
    if report["threshold"] is None:
        click.echo("no classifier configured: the physics rule decides alone")
    elif needed is None and report["allowed_false_tracks"] is None:
        click.echo(
            f"threshold {report['threshold']}; {report['hours']:.2f} h cannot show {goal} an hour: "
            f"replay at least {report['hours_needed_for_goal']} h to have a threshold suggested"
        )
    elif needed is None:
        click.echo(f"no threshold under 1 keeps footage like this to {goal} an hour")
    else:
        click.echo(
            f"threshold {report['threshold']}; footage like this stays at {goal} an hour "
            f"or under from threshold {needed}"
        )
    if not report["view_checked"]:
        click.echo("view check: off for this camera")
    elif not report["view_faults"]:
        click.echo("view check: no camera fault raised")
    for fault in report["view_faults"]:
        state = "raised" if fault["raised"] else "cleared"
        click.echo(
            f"view check: {fault['fault']} {state} at {fault['at_s']} s in {fault['video']} "
            f"(shift {fault.get('shift_px')} px, match {fault.get('match')})"
        )
    for track in report["top_tracks"]:
        click.echo(
            f"  {track['score']:.4f} {'ALARM ' if track['alarm'] else ''}{track['video']} "
            f"at {track['start_s']} s, {track['duration_s']} s, {track['drop_m']} m down, "
            f"from floor {track['floor']} (x {track['x_px']}, y {track['y_px']})"
        )


def _gateway_config(config_path: Path) -> GatewayConfig:
    """The gateway config at ``config_path``; its errors as a message, not a traceback."""
    from edge.config import load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _facade_camera(config_path: Path, camera: str) -> FacadeCameraConfig:
    """The façade camera ``camera`` of the gateway config at ``config_path``."""
    config = _gateway_config(config_path)
    cameras = {c.source.id: c for c in config.facade_cameras}
    if camera not in cameras:
        known = ", ".join(sorted(cameras)) or "none"
        raise click.ClickException(f"{config_path}: no facade camera {camera!r} (cameras: {known})")
    return cameras[camera]


@main.command("lane-check")
@click.option(
    "--config", "config_path", required=True, type=click.Path(path_type=Path), help="Gateway YAML."
)
@click.argument(
    "videos", metavar="VIDEO...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
def lane_check(config_path: Path, videos: tuple[Path, ...], as_json: bool) -> None:
    """Replay a gate lane's recorded traffic and report how its plates read."""
    import json

    from edge.gate.sitecheck import check_lane

    gate = _gateway_config(config_path).gate
    if gate is None:
        raise click.ClickException(f"{config_path}: no gate: section (a vehicle gate lane)")
    try:
        report = check_lane(gate, list(videos))
    except EdgeError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    share, interval = report["read_share"], report["read_share_ci95"]
    seconds = sum(v["seconds"] for v in report["videos"])
    click.echo(
        f"lane {report['lane']}: {seconds / 60:.1f} min replayed; {report['passes']} passes cut, "
        f"{report['read']} plates read"
        + ("" if share is None else f" ({share:.1%}, 95 % interval {interval[0]}-{interval[1]})")
    )
    if report["read_below_open_confidence"]:
        click.echo(
            f"{report['read_below_open_confidence']} read below min_open_confidence "
            f"{report['min_open_confidence']}: those residents would wait for the guard"
        )
    for fault in report["read_faults"]:
        state = "raised" if fault["raised"] else "cleared"
        click.echo(
            f"read watch: plates_unread {state} at {fault['at_s']} s in {fault['video']} "
            f"({fault['unread']} of the last {fault['passes']} passes unread)"
        )
    if not report["read_faults"]:
        click.echo("read watch: no fault raised")
    for row in report["pass_log"]:
        if not row["read"]:
            why = row.get("rejected_reason", "no plate found")
            click.echo(f"  unread: {row['video']} at {row['at_s']} s ({why})")


@main.command("camera-snapshot")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Gateway YAML; SOURCE is then one of its façade cameras.",
)
@click.argument("source")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="Seconds to wait for a frame.",
)
def camera_snapshot(config_path: Path | None, source: str, out: Path, timeout_s: float) -> None:
    """Save one full-resolution frame of a camera: the picture to calibrate on.

    SOURCE is an RTSP/HTTP URL or a video file (before the camera is
    configured), or with --config a façade camera's id. Draw the calibration
    on the picture, then give it to the camera's view check as
    ``view_check.reference``, so the gateway can tell when the camera moves.
    """
    import cv2

    from edge.camera.config import FileSource, StreamSource
    from edge.camera.source import snapshot

    if out.suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp"):
        raise click.ClickException(f"{out}: save as .png (lossless) or .jpg")
    facade = None if config_path is None else _facade_camera(config_path, source)
    try:
        if facade is not None:
            camera: SourceConfig = facade.source
        elif source.startswith(("rtsp://", "rtsps://", "http://", "https://")):
            camera = StreamSource(id="snapshot", url=source)
        else:
            camera = FileSource(id="snapshot", path=source)
        image = snapshot(camera, timeout_s=timeout_s)
    except EdgeError as exc:
        raise click.ClickException(str(exc)) from exc
    if not cv2.imwrite(str(out), image):
        raise click.ClickException(f"{out}: could not write the image")
    height, width = image.shape[:2]
    click.echo(f"saved {width}x{height} from {source} to {out}")
    calibrated = None if facade is None else facade.falling.calibration.frame_wh
    if calibrated is not None and abs(width / height - calibrated[0] / calibrated[1]) > 0.01:
        click.echo(
            f"warning: the calibration is for {calibrated[0]}x{calibrated[1]}; this frame has "
            "another aspect ratio, so it cannot serve as the view check's reference",
            err=True,
        )


@main.group()
def protocol() -> None:
    """Protocol v1 tools."""


@protocol.command("asyncapi")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("docs/asyncapi.json"),
    show_default=True,
    help="Where to write the document ('-' for stdout).",
)
def asyncapi(out: Path) -> None:
    """Write the AsyncAPI 3 document generated from the protocol models."""
    from protocol.asyncapi import render

    text = render()
    if str(out) == "-":
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


@main.command()
@click.option(
    "--scenario",
    type=click.Path(path_type=Path),
    default=DEFAULT_SCENARIO,
    show_default=True,
    help="Scenario YAML (street, communities, gateways, devices).",
)
@click.option("--broker", default="127.0.0.1:1883", show_default=True, help="Broker host:port.")
@click.option(
    "--passwords",
    type=click.Path(path_type=Path),
    required=True,
    help="YAML mapping gateway id -> broker password.",
)
@click.option(
    "--outbox-dir",
    type=click.Path(path_type=Path),
    default=Path("var/outbox"),
    show_default=True,
    help="Where the gateways keep their outboxes.",
)
@click.option(
    "--interval", type=float, default=5.0, show_default=True, help="Seconds between meter readings."
)
@click.option("--duration", type=float, default=None, help="Stop after this many seconds.")
def sim(
    scenario: Path,
    broker: str,
    passwords: Path,
    outbox_dir: Path,
    interval: float,
    duration: float | None,
) -> None:
    """Run every gateway of a scenario with simulated meters, through real edge agents."""
    import yaml

    from protocol.sites import ScenarioError, load_scenario
    from smartcommunity.community import Community, gateway_config

    try:
        plan = load_scenario(scenario)
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    secrets = yaml.safe_load(passwords.read_text(encoding="utf-8"))
    if not isinstance(secrets, dict):
        raise click.ClickException(f"{passwords}: expected a mapping of gateway id to password")
    host, _, port = broker.rpartition(":")
    configs = []
    for gw in plan.gateways():
        if gw.id not in secrets:
            raise click.ClickException(f"{passwords}: no password for gateway {gw.id!r}")
        configs.append(
            gateway_config(
                gw,
                broker_host=host or "127.0.0.1",
                broker_port=int(port),
                password=str(secrets[gw.id]),
                outbox_dir=outbox_dir,
                meter_interval_s=interval,
            )
        )
    community = Community(configs)
    community.start()
    click.echo(f"{len(configs)} gateways running")
    wait_for_signal(duration)
    community.stop()


@main.command()
@click.option("--duration", type=float, default=None, help="Run this many seconds, then stop.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary line on exit.")
@click.option("--port", type=int, default=8080, show_default=True, help="Hub API port.")
@click.option(
    "--workdir",
    type=click.Path(path_type=Path),
    default=None,
    help="Keep database, broker and outboxes here (default: a temporary folder).",
)
@click.option(
    "--scenario",
    type=click.Path(path_type=Path),
    default=DEFAULT_SCENARIO,
    show_default=True,
    help="Scenario YAML.",
)
@click.option(
    "--interval", type=float, default=2.0, show_default=True, help="Seconds between meter readings."
)
@click.option(
    "--incidents",
    type=float,
    default=60.0,
    show_default=True,
    help="Mean seconds between simulated gas leaks (0: none).",
)
def demo(
    duration: float | None,
    as_json: bool,
    port: int,
    workdir: Path | None,
    scenario: Path,
    interval: float,
    incidents: float,
) -> None:
    """Run a whole simulated community: database, broker, hub and edge gateways."""
    from smartcommunity.demo import run_demo

    summary = run_demo(
        duration_s=duration,
        port=port,
        workdir=workdir,
        scenario=scenario,
        interval_s=interval,
        echo=click.echo,
        incidents_every_s=incidents or None,
    )
    if as_json:
        import json

        click.echo(json.dumps(summary, ensure_ascii=False))


def _database_url() -> str:
    import os

    url = os.environ.get("SC_DATABASE_URL")
    if not url:
        raise click.ClickException("set SC_DATABASE_URL to the hub's database")
    return url


@main.group()
def users() -> None:
    """Hub user accounts."""


@users.command("add")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        [
            "street_officer",
            "community_officer",
            "property_security",
            "caregiver",
            "auditor",
            "admin",
        ]
    ),
)
@click.option("--site", default=None, help="Street or community the user works for.")
@click.option("--name", "display_name", default="", help="Name shown in the consoles.")
@click.option("--resident", "residents", multiple=True, help="Caregivers: resident pseudonym.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted when not given.",
)
def users_add(
    username: str,
    role: str,
    site: str | None,
    display_name: str,
    residents: tuple[str, ...],
    password: str,
) -> None:
    """Create a user (password hashed with argon2id)."""
    import psycopg

    from hub.auth.users import create_user
    from hub.db import migrate

    url = _database_url()
    migrate(url)
    try:
        with psycopg.connect(url) as conn:
            create_user(
                conn,
                username=username,
                password=password,
                role=role,  # type: ignore[arg-type]
                site_id=site,
                display_name=display_name,
                residents=residents,
            )
    except (ValueError, psycopg.Error) as exc:
        raise click.ClickException(str(exc).strip()) from exc
    click.echo(f"user {username} ({role}) created")


@main.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 at the first tampered row."""
    import psycopg

    from hub.alerts.audit import verify_chain

    with psycopg.connect(_database_url()) as conn:
        report = verify_chain(conn)
    if not report.ok:
        raise click.ClickException(
            f"audit chain broken at row {report.first_bad_id}: {report.reason}"
        )
    click.echo(f"audit chain intact: {report.rows} rows")
