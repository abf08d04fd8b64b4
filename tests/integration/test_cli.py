"""The command line: demo summary, sim, protocol and config errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import USERS, TestBroker
from tests.integration.helpers import SCENARIO

CLI = [sys.executable, "-m", "smartcommunity"]


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_demo_runs_unattended_and_prints_a_summary(tmp_path: Path) -> None:
    result = run(
        "demo",
        "--duration",
        "8",
        "--json",
        "--port",
        "0",
        "--interval",
        "1",
        "--incidents",
        "1",
        "--workdir",
        str(tmp_path / "demo"),
    )
    assert result.returncode == 0, result.stderr
    assert "hub: http://127.0.0.1:" in result.stdout
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"telemetry_rows", "events", "alerts", "dead_letters", "gateways_online"} <= set(summary)
    assert summary["gateways_online"] == 6
    assert summary["telemetry_rows"] >= 48 * 4  # 48 meters, a reading a second, some seconds
    assert summary["dead_letters"] == 0
    assert summary["outbox_left"] == 0
    assert summary["alerts"] >= 1, "a simulated gas leak raised an alert"


def test_sim_publishes_through_edge_agents(broker: TestBroker, tmp_path: Path) -> None:
    passwords = tmp_path / "passwords.yaml"
    passwords.write_text(yaml.safe_dump({k: v for k, v in USERS.items() if k.startswith("gw")}))
    result = run(
        "sim",
        "--scenario",
        str(SCENARIO),
        "--broker",
        f"127.0.0.1:{broker.port}",
        "--passwords",
        str(passwords),
        "--outbox-dir",
        str(tmp_path / "ob"),
        "--interval",
        "0.2",
        "--duration",
        "2",
    )
    assert result.returncode == 0, result.stderr
    assert "3 gateways running" in result.stdout
    assert sorted(p.name for p in (tmp_path / "ob").glob("*.sqlite")) == [
        "gw-a.sqlite",
        "gw-b.sqlite",
        "gw-c.sqlite",
    ]


def test_sim_names_a_missing_password(tmp_path: Path) -> None:
    passwords = tmp_path / "passwords.yaml"
    passwords.write_text(yaml.safe_dump({"gw-a": "x"}))
    result = run("sim", "--scenario", str(SCENARIO), "--passwords", str(passwords))
    assert result.returncode != 0
    assert "no password for gateway 'gw-b'" in result.stderr


def test_edge_reports_config_errors_by_key(tmp_path: Path) -> None:
    config = tmp_path / "gw.yaml"
    config.write_text("gateway_id: gw-a\noutbox: {path: x.sqlite}\nbrokr: {}\n")
    result = run("edge", "--config", str(config))
    assert result.returncode != 0
    assert "brokr: unknown key" in result.stderr


def test_edge_names_an_unusable_view_reference_and_stops(tmp_path: Path) -> None:
    reference = str(tmp_path / "calibrated.png")
    config = facade_gateway_yaml(tmp_path, tmp_path / "v.mp4", reference=reference)
    result = run("edge", "--config", str(config))
    assert result.returncode == 1
    assert "calibrated.png: missing or not an image" in result.stderr
    assert "Traceback" not in result.stderr


def facade_gateway_yaml(tmp_path: Path, video: Path, **view_check: object) -> Path:
    """A gateway config with one façade camera reading ``video``."""
    from simulators.facade import make_episode

    scene = make_episode(500_150, "distractor", condition="day", duration_s=1.0)
    camera = {
        "source": {"type": "file", "id": "cam-1", "path": str(video)},
        "falling": {"gateway_id": "gw-a", "calibration": scene.calibration.model_dump(mode="json")},
        "view_check": view_check,
    }
    config = tmp_path / "gw.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "gateway_id": "gw-a",
                "outbox": {"path": str(tmp_path / "o.sqlite")},
                "facade_cameras": [camera],
            }
        )
    )
    return config


def test_camera_snapshot_saves_the_picture_to_calibrate_on(tmp_path: Path) -> None:
    import cv2

    from edge.camera.viewcheck import load_reference
    from simulators.facade import make_episode

    video = tmp_path / "cam.mp4"
    frames = [f for _, f in make_episode(500_151, "distractor", duration_s=0.4).frames()]
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"mp4v"), 25.0, (960, 540))
    for frame in frames:
        writer.write(frame)
    writer.release()
    config = facade_gateway_yaml(tmp_path, video)
    out = tmp_path / "calibrated.png"
    result = run("camera-snapshot", "--config", str(config), "cam-1", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"saved 960x540 from cam-1 to {out}"
    # It serves as the view check's reference as it is.
    assert load_reference(out, (1920, 1080)).shape == (540, 960, 3)

    # Before the camera is configured: straight from the stream (here a file).
    early = tmp_path / "early.png"
    direct = run("camera-snapshot", str(video), str(early))
    assert direct.returncode == 0 and cv2.imread(str(early)).shape == (540, 960, 3)
    nowhere = run("camera-snapshot", "rtsp://127.0.0.1:1/none", str(early), "--timeout", "1")
    assert nowhere.returncode == 1 and "camera snapshot: could not open" in nowhere.stderr

    wrong = run("camera-snapshot", "--config", str(config), "cam-9", str(out))
    assert wrong.returncode == 1 and "no facade camera 'cam-9' (cameras: cam-1)" in wrong.stderr
    text = run("camera-snapshot", "--config", str(config), "cam-1", str(tmp_path / "x.txt"))
    assert text.returncode == 1 and "save as .png" in text.stderr
    gone = facade_gateway_yaml(tmp_path, tmp_path / "missing.mp4")
    missing = run("camera-snapshot", "--config", str(gone), "cam-1", str(out), "--timeout", "1")
    assert missing.returncode == 1 and "camera cam-1: could not open" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_protocol_asyncapi_to_stdout() -> None:
    result = run("protocol", "asyncapi", "--out", "-")
    assert result.returncode == 0
    assert json.loads(result.stdout)["asyncapi"] == "3.0.0"


def run_hub(**env: str) -> subprocess.CompletedProcess[str]:
    """``smartcommunity hub`` in production with only these SC_* settings (it must refuse)."""
    return subprocess.run(
        [*CLI, "hub"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "SC_ENVIRONMENT": "production",
            "SC_DATABASE_URL": "postgresql:///nowhere",
            **env,
        },
    )


def test_hub_refuses_default_secret_in_production() -> None:
    result = run_hub()
    assert result.returncode != 0
    assert "SC_SECRET_KEY must be set" in result.stderr


def test_hub_reads_settings_from_systemd_credentials(tmp_path: Path) -> None:
    (tmp_path / "SC_API_PORT").write_text("not-a-port\n", encoding="utf-8")
    from_file = run_hub(CREDENTIALS_DIRECTORY=str(tmp_path))
    assert from_file.returncode != 0
    assert "api_port" in from_file.stderr  # the credential file was read
    # A variable of the same name wins over the file.
    from_variable = run_hub(CREDENTIALS_DIRECTORY=str(tmp_path), SC_API_PORT="8081")
    assert from_variable.returncode != 0
    assert "api_port" not in from_variable.stderr
    assert "SC_SECRET_KEY must be set" in from_variable.stderr


def test_hub_settings_errors_never_echo_secrets() -> None:
    result = run_hub(
        SC_SECRET_KEY="too-short-key-7f3", SC_DATABASE_URL="postgresql://hub:db-pass-9c1@db/sc"
    )
    assert result.returncode != 0
    assert "SC_SECRET_KEY must be set" in result.stderr  # the problem is named ...
    assert "too-short-key-7f3" not in result.stderr  # ... the values are not shown
    assert "db-pass-9c1" not in result.stderr


def test_demo_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import time

    process = subprocess.Popen(
        [*CLI, "demo", "--json", "--port", "0", "--workdir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # printed once everything runs
    assert first.startswith("hub: http://127.0.0.1:"), first
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["gateways_online"] == 6
