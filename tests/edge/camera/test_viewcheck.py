"""The camera view check on simulated façades: faults raised, held, cleared, never invented."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from edge.camera.errors import ViewReferenceError
from edge.camera.viewcheck import (
    STREAM_CHECKS,
    ViewChange,
    ViewCheck,
    ViewCheckConfig,
    ViewFault,
    load_reference,
    sample_grey,
    view_event,
)
from edge.facade import FacadeCameraConfig, make_view_check
from simulators.camera_faults import covered, shifted
from simulators.facade import Episode, make_episode

# Test seeds of the façade simulator (models/trajectory/seeds.py TEST).
SEED = 500_150
FAST = ViewCheckConfig(every_s=1.0, hold_s=5.0, no_signal_s=3.0, frozen_s=4.0)


def episode(condition: str, seconds: float = 12.0, seed: int = SEED) -> Episode:
    return make_episode(seed, "distractor", condition=condition, duration_s=seconds)  # type: ignore[arg-type]


def bare_view(condition: str = "day", seed: int = SEED) -> np.ndarray:
    """The view an installer calibrates on: the façade without clutter."""
    scene = make_episode(seed, "distractor", condition=condition, duration_s=1.0, distractors=())  # type: ignore[arg-type]
    return next(scene.frames())[1]


def check_for(
    scene: Episode, *, config: ViewCheckConfig = FAST, reference: np.ndarray | None = None
) -> ViewCheck:
    # Frames are rendered smaller than the calibration: work in frame pixels.
    return ViewCheck(
        config=config,
        frame_wh=(scene.camera.width, scene.camera.height),
        moved_px=storey_px(scene) / 2,
        reference=None if reference is None else sample_grey(reference),
    )


def feed(check: ViewCheck, frames: Iterable[tuple[float, np.ndarray | None]]) -> list[ViewChange]:
    changes: list[ViewChange] = []
    for t, frame in frames:
        changes += check.idle(t) if frame is None else check.frame(t, frame)
    return changes


def storey_px(scene: Episode) -> float:
    scale = scene.camera.width / scene.calibration.frame_wh[0]
    return scene.calibration.tightest_storey_px() * scale


@pytest.mark.parametrize("condition", ["day", "night", "rain", "backlight", "snow"])
def test_a_healthy_camera_raises_nothing_in_any_light_against_a_daytime_reference(
    condition: str,
) -> None:
    scene = episode(condition, seconds=20.0)
    check = check_for(scene, reference=bare_view("day"))
    changes = feed(check, scene.frames(step=25))
    assert changes == []
    assert check.last is not None and check.last.faults == frozenset()
    assert check.last.shift_px is not None and np.hypot(*check.last.shift_px) < 3.0


def test_a_daytime_view_still_matches_a_reference_taken_at_night() -> None:
    scene = episode("day", seconds=15.0)
    check = check_for(scene, reference=bare_view("night"))
    assert feed(check, scene.frames(step=25)) == []


def test_a_camera_knocked_down_a_storey_is_moved_after_the_hold_and_cleared_when_put_back() -> None:
    scene = episode("day", seconds=30.0)
    storey = storey_px(scene)
    check = check_for(scene, reference=bare_view())

    def frames() -> Iterable[tuple[float, np.ndarray]]:
        for t, frame in scene.frames(step=25):
            yield t, shifted(frame, 0.0, storey) if 5.0 <= t < 17.0 else frame

    changes = feed(check, frames())
    assert [(c.fault, c.raised) for c in changes] == [
        (ViewFault.MOVED, True),
        (ViewFault.MOVED, False),
    ]
    raised, cleared = changes
    assert raised.since == 5.0 and raised.sample.at == 10.0, "held hold_s before raising"
    assert raised.sample.shift_px is not None
    assert raised.sample.shift_px[1] == pytest.approx(storey, abs=2.0)
    assert cleared.sample.at == 21.0, "cleared hold_s after the last moved check (16 s)"


def test_a_move_is_suspected_from_its_first_check_until_it_clears() -> None:
    scene = episode("day", seconds=30.0)
    storey = storey_px(scene)
    check = check_for(scene, reference=bare_view())
    frames = list(scene.frames(step=25))
    feed(check, frames[:5])
    assert not check.looks_moved
    feed(check, [(t, shifted(f, 0.0, storey)) for t, f in frames[5:6]])
    assert check.looks_moved and check.active == frozenset(), "before the fault is raised"
    feed(check, [(t, shifted(f, 0.0, storey)) for t, f in frames[6:17]])
    feed(check, frames[17:18])
    assert check.looks_moved and check.active == {ViewFault.MOVED}, "raised, not yet cleared"
    feed(check, frames[18:])
    assert not check.looks_moved and check.active == frozenset()


def test_a_small_shake_within_half_a_storey_is_not_a_move() -> None:
    scene = episode("day", seconds=15.0)
    check = check_for(scene, reference=bare_view())
    small = 0.3 * storey_px(scene)
    frames = ((t, shifted(f, small, 0.0)) for t, f in scene.frames(step=25))
    assert feed(check, frames) == []


def test_a_camera_turned_about_its_axis_is_moved() -> None:
    scene = episode("rain", seconds=12.0)
    width, height = scene.camera.width, scene.camera.height
    angle = float(np.degrees(np.arctan2(storey_px(scene), width / 2)))
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    check = check_for(scene, reference=bare_view())
    frames = (
        (t, np.asarray(cv2.warpAffine(f, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)))
        for t, f in scene.frames(step=25)
    )
    changes = feed(check, frames)
    assert [(c.fault, c.raised) for c in changes] == [(ViewFault.MOVED, True)]
    assert changes[0].sample.tilt_deg is not None and abs(changes[0].sample.tilt_deg) > 0.5


def test_a_camera_pointed_at_another_building_is_moved() -> None:
    scene = episode("day", seconds=10.0, seed=SEED + 1)
    check = check_for(episode("day", seconds=1.0), reference=bare_view())
    changes = feed(check, scene.frames(step=25))
    assert [(c.fault, c.raised) for c in changes] == [(ViewFault.MOVED, True)]


@pytest.mark.parametrize("share", [0.7, 1.0])
def test_a_covered_lens_is_blocked_not_moved(share: float) -> None:
    scene = episode("night", seconds=10.0)
    check = check_for(scene, reference=bare_view("day"))
    rng = np.random.default_rng(3)
    frames = ((t, covered(f, share, 90, rng)) for t, f in scene.frames(step=25))
    changes = feed(check, frames)
    assert [(c.fault, c.raised) for c in changes] == [(ViewFault.BLOCKED, True)]
    assert changes[0].sample.flat_share is not None and changes[0].sample.flat_share >= 0.5
    assert ViewFault.MOVED in changes[0].sample.unknown


def test_a_frozen_stream_is_frozen_after_frozen_s_and_hold_s() -> None:
    scene = episode("day", seconds=14.0)
    check = check_for(scene, reference=bare_view())
    stuck = next(scene.frames())[1]
    frames = ((float(t), stuck.copy()) for t in range(14))
    changes = feed(check, frames)
    # Equal from t=1; frozen_s (4) later it counts, hold_s (5) later it is raised.
    assert [(c.fault, c.raised, c.sample.at) for c in changes] == [(ViewFault.FROZEN, True, 10.0)]


def test_a_lost_signal_is_raised_and_leaves_other_faults_as_they_were() -> None:
    scene = episode("day", seconds=12.0)
    storey = storey_px(scene)
    check = check_for(scene, reference=bare_view())
    moved = [(t, shifted(f, 0.0, storey)) for t, f in scene.frames(step=25)]
    changes = feed(check, moved)
    assert [(c.fault, c.raised) for c in changes] == [(ViewFault.MOVED, True)]
    silence: list[tuple[float, np.ndarray | None]] = [(12.0 + k, None) for k in range(20)]
    changes = feed(check, silence)
    # Silent from 11 s; no_signal_s (3) then hold_s (5) later.
    assert [(c.fault, c.raised, c.sample.at) for c in changes] == [
        (ViewFault.NO_SIGNAL, True, 19.0)
    ]
    assert check.active == {ViewFault.MOVED, ViewFault.NO_SIGNAL}, "no frame says nothing of aim"


def test_a_camera_silent_from_start_up_is_a_lost_signal() -> None:
    check = check_for(episode("day", seconds=1.0))
    changes = feed(check, [(float(t), None) for t in range(10)])
    assert [(c.fault, c.raised, c.sample.at) for c in changes] == [(ViewFault.NO_SIGNAL, True, 8.0)]


def test_without_a_reference_the_first_view_is_adopted_but_a_covered_one_is_not() -> None:
    scene = episode("day", seconds=12.0)
    storey = storey_px(scene)
    check = check_for(scene)
    blank = np.full((scene.camera.height, scene.camera.width, 3), 128, np.uint8)
    assert check.frame(0.0, blank) == []
    assert check.last is not None and check.last.unknown == {ViewFault.BLOCKED, ViewFault.MOVED}
    frames = list(scene.frames(step=25))
    feed(check, [(t + 1.0, f) for t, f in frames[:2]])
    assert check.last is not None and check.last.shift_px is not None, "reference adopted"
    changes = feed(check, [(t + 3.0, shifted(f, 0.0, storey)) for t, f in frames[2:]])
    assert [(c.fault, c.raised) for c in changes] == [(ViewFault.MOVED, True)]


def test_odd_frames_are_judged_not_crashed_on() -> None:
    scene = episode("day", seconds=1.0)
    check = check_for(scene, config=ViewCheckConfig(every_s=0.2, hold_s=0.0))
    view = bare_view()
    assert check.frame(0.0, view) == []
    grey = cv2.cvtColor(view, cv2.COLOR_BGR2GRAY)
    assert check.frame(1.0, grey) == [], "a grey frame of the same view is the same view"
    changes = check.frame(2.0, np.ascontiguousarray(view[:, : view.shape[0]]))
    assert [(c.fault, c.raised) for c in changes] == [(ViewFault.MOVED, True)], "a new aspect"
    tiny = check.frame(3.0, np.zeros((9, 16, 3), np.uint8))
    assert [(c.fault, c.raised) for c in tiny] == [(ViewFault.BLOCKED, True)]
    assert check.frame(4.0, np.zeros((3, 3, 3), np.uint8)) == [], "still moved, still blocked"
    assert check.active == {ViewFault.MOVED, ViewFault.BLOCKED}


def test_a_disabled_check_says_nothing() -> None:
    scene = episode("day", seconds=10.0)
    check = check_for(scene, config=ViewCheckConfig(enabled=False))
    blank = np.zeros((scene.camera.height, scene.camera.width, 3), np.uint8)
    assert feed(check, [(float(t), blank) for t in range(0, 200, 2)]) == []
    assert feed(check, [(float(t), None) for t in range(200, 400, 2)]) == []


def test_raised_and_cleared_events_carry_the_fault_and_its_measure() -> None:
    scene = episode("day", seconds=30.0)
    storey = storey_px(scene)
    check = check_for(scene, reference=bare_view())
    frames = ((t, shifted(f, 0.0, storey) if t < 12 else f) for t, f in scene.frames(step=25))
    raised, cleared = feed(check, frames)
    alarm = view_event(
        raised, gateway_id="gw-a", camera_id="cam-1", moved_px=check.moved_px, wall_offset_s=1e9
    )
    assert (alarm.type, alarm.severity, alarm.alarm, alarm.device_id) == (
        "camera_fault",
        "major",
        True,
        "cam-1",
    )
    assert alarm.data["fault"] == "moved" and alarm.data["raised"] is True
    assert alarm.data["shift_px"][1] == pytest.approx(storey, abs=2.0)
    assert abs(alarm.data["tilt_deg"]) < 0.5, "shifted, not turned"
    assert alarm.data["since"] == "2001-09-09T01:46:40+00:00"
    notice = view_event(
        cleared, gateway_id="gw-a", camera_id="cam-1", moved_px=check.moved_px, wall_offset_s=1e9
    )
    assert (notice.severity, notice.alarm, notice.data["raised"]) == ("info", False, False)


def test_reference_images_are_checked_with_clear_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    with pytest.raises(ViewReferenceError, match=r"missing\.png: missing or not an image"):
        load_reference(missing, (1920, 1080))
    text = tmp_path / "ref.png"
    text.write_text("not an image")
    with pytest.raises(ViewReferenceError, match="missing or not an image"):
        load_reference(text, (1920, 1080))
    square = tmp_path / "square.png"
    cv2.imwrite(str(square), bare_view()[:, :540])
    with pytest.raises(ViewReferenceError, match="540x540; the camera is 1920x1080"):
        load_reference(square, (1920, 1080))
    with pytest.raises(ValueError, match="no texture"):
        ViewCheck(
            config=FAST,
            frame_wh=(1920, 1080),
            moved_px=10.0,
            reference=np.full((180, 320), 77, np.uint8),
        )
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), bare_view())
    assert load_reference(good, (1920, 1080)).shape == (540, 960, 3), "kept as stored"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"every_s": 0}, "greater than or equal to 0.2"),
        ({"hold_s": -1}, "greater than or equal to 0"),
        ({"blocked_share": 1.5}, "less than or equal to 1"),
        ({"moved_px": 0}, "greater than 0"),
        ({"no_signal_s": "soon"}, "valid number"),
        ({"tolerance": 3}, "Extra inputs are not permitted"),
        ({"checks": []}, "at least 1 item"),
        ({"checks": ["moved", "smudged"]}, "'no_signal', 'frozen', 'blocked' or 'moved'"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ViewCheckConfig(**settings)


def camera_config(tmp_path: Path, **view: Any) -> FacadeCameraConfig:
    scene = episode("day", seconds=1.0)
    return FacadeCameraConfig.model_validate(
        {
            "source": {"type": "file", "id": "cam-1", "path": str(tmp_path / "v.mp4")},
            "falling": {
                "gateway_id": "gw-a",
                "calibration": scene.calibration.model_dump(mode="json"),
            },
            "view_check": view,
        }
    )


def test_the_facade_camera_tolerates_half_its_tightest_storey(tmp_path: Path) -> None:
    config = camera_config(tmp_path)
    lines = config.falling.calibration.floor_lines_y
    tightest = min(a - b for a, b in zip(lines, lines[1:], strict=False))  # noqa: RUF007
    check = make_view_check(config)
    assert check.moved_px == pytest.approx(tightest / 2)
    assert check.frame_wh == config.falling.calibration.frame_wh
    assert make_view_check(camera_config(tmp_path, moved_px=12.5)).moved_px == 12.5


def test_the_facade_camera_refuses_an_unreadable_reference(tmp_path: Path) -> None:
    config = camera_config(tmp_path, reference=str(tmp_path / "nowhere.jpg"))
    with pytest.raises(ViewReferenceError, match=r"nowhere\.jpg: missing"):
        make_view_check(config)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((540, 960), 77, np.uint8))
    with pytest.raises(ViewReferenceError, match=r"blank\.png: has no texture"):
        make_view_check(camera_config(tmp_path, reference=str(blank)))
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), bare_view())
    check = make_view_check(camera_config(tmp_path, reference=str(good)))
    assert check.reference is not None and check.reference.shape == (540, 960, 3)
    # A disabled check does not read its reference.
    disabled = camera_config(tmp_path, enabled=False, reference=str(tmp_path / "nowhere.jpg"))
    assert make_view_check(disabled).reference is None


def test_faults_left_out_of_checks_are_never_raised() -> None:
    scene = episode("day", seconds=12.0)
    storey = storey_px(scene)
    config = FAST.model_copy(update={"checks": frozenset({ViewFault.FROZEN})})
    check = check_for(scene, config=config, reference=bare_view())
    moved = [(t, shifted(f, 0.0, storey)) for t, f in scene.frames(step=25)]
    silence: list[tuple[float, np.ndarray | None]] = [(12.0 + k, None) for k in range(20)]
    assert feed(check, [*moved, *silence]) == []
    assert check.active == frozenset()


def test_a_stream_check_needs_no_frame_geometry_and_judges_only_the_stream() -> None:
    check = ViewCheck(config=FAST.model_copy(update={"checks": STREAM_CHECKS}))
    # Any picture size, a different scene at every check: nothing is compared with it.
    scenes = [episode("day", seconds=1.0, seed=SEED + k) for k in range(6)]
    views = [(float(k), next(s.frames())[1]) for k, s in enumerate(scenes)]
    assert feed(check, views) == []
    assert check.last is not None and check.last.shift_px is None
    stuck = views[-1][1]
    frozen = feed(check, [(6.0 + k, stuck) for k in range(12)])
    assert [(c.fault, c.raised) for c in frozen] == [(ViewFault.FROZEN, True)]
    gone = feed(check, [(18.0 + k, None) for k in range(12)])
    assert [(c.fault, c.raised) for c in gone] == [(ViewFault.NO_SIGNAL, True)]
    event = view_event(gone[0], gateway_id="gw-a", camera_id="lane-1", wall_offset_s=0.0)
    assert event.data["fault"] == "no_signal" and "moved_px" not in event.data


@pytest.mark.parametrize(
    "checks",
    [frozenset(ViewFault), frozenset({ViewFault.FROZEN, ViewFault.BLOCKED}), {ViewFault.MOVED}],
)
def test_judging_the_picture_needs_the_frame_geometry(checks: frozenset[ViewFault]) -> None:
    config = FAST.model_copy(update={"checks": frozenset(checks)})
    with pytest.raises(ValueError, match="needs the frame size and moved_px"):
        ViewCheck(config=config)
    with pytest.raises(ValueError, match="needs the frame size and moved_px"):
        ViewCheck(config=config, frame_wh=(1920, 1080))
