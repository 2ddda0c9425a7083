"""onbrand's bundled draft model: a small text-to-image model with a layout ControlNet, trained from
scratch on procedural product scenes by onbrand's own seeded code.

Read it in this order: :mod:`.vocabulary` (its words), :mod:`.scenes` (its data, drawn),
:mod:`.model` (the architecture), :mod:`.data`, :mod:`.train`, :mod:`.finetune`, :mod:`.eval`.

    >>> train(TrainConfig(), Path("data/models/onbrand-draft"))   # doctest: +SKIP
"""

from pipeline.draft_model.eval import run_eval
from pipeline.draft_model.finetune import FINETUNES, Finetune, finetune
from pipeline.draft_model.model import TrainConfig, bundled_model_path
from pipeline.draft_model.scenes import SceneSpec, caption, draw_scene, sample_scene
from pipeline.draft_model.train import train

__all__ = [
    "FINETUNES",
    "Finetune",
    "SceneSpec",
    "TrainConfig",
    "bundled_model_path",
    "caption",
    "draw_scene",
    "finetune",
    "run_eval",
    "sample_scene",
    "train",
]
