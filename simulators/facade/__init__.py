"""Synthetic façade camera: a building face, thrown objects, distractors, ground truth."""

from simulators.facade.episode import CONDITIONS, FPS, Episode, FallTruth, make_episode

__all__ = ["CONDITIONS", "FPS", "Episode", "FallTruth", "make_episode"]
