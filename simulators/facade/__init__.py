"""Synthetic façade camera: a building face, thrown objects, distractors, ground truth."""

from simulators.facade.episode import (
    CONDITIONS,
    FPS,
    Condition,
    Episode,
    EpisodeKind,
    FallTruth,
    make_episode,
)

__all__ = [
    "CONDITIONS",
    "FPS",
    "Condition",
    "Episode",
    "EpisodeKind",
    "FallTruth",
    "make_episode",
]
