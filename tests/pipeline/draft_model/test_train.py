"""Training the draft model: a few steps on a handful of scenes, saved and loaded like any checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open

from pipeline.campaign.conditions import draw_box_map
from pipeline.campaign.layouts import make_layout
from pipeline.draft_model.finetune import FINETUNES, finetune
from pipeline.draft_model.model import TrainConfig
from pipeline.draft_model.train import train
from pipeline.render.jobs import ControlSpec, RenderJob
from pipeline.render.loading import clear_cache, folder_controlnet, model_defaults
from pipeline.render.renderer import Renderer

pytestmark = pytest.mark.integration

TINY = TrainConfig(
    scenes=12,
    vae_steps=2,
    vae_batch=2,
    steps=2,
    batch=2,
    unet_channels=(8, 16, 16),
    vae_channels=(8, 8, 8, 8),
    control_channels=(8, 8, 8, 8),
    heads=2,
    groups=8,
    workers=1,
    max_tokens=16,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("draft") / "model"
    phases: list[str] = []
    stats = train(TINY, out, lambda phase, done, total, info: phases.append(phase))
    assert {"scenes", "autoencoder", "encode", "diffusion"} <= set(phases)
    assert stats["parameters"]["text_encoder"] > 20_000_000  # the real MiniLM, frozen
    return out


def _weights(folder: Path) -> dict[str, np.ndarray]:
    out = {}
    for path in sorted(folder.rglob("*.safetensors")):
        with safe_open(str(path), "np") as f:
            for key in f.keys():  # noqa: SIM118 - safe_open has keys(), not iteration
                out[f"{path.parent.name}/{key}"] = f.get_tensor(key)
    return out


def test_training_writes_a_diffusers_controlnet_folder_in_fp16(trained: Path) -> None:
    index = json.loads((trained / "model_index.json").read_text())
    assert index["_class_name"] == "StableDiffusionControlNetPipeline"
    assert index["text_encoder"] == ["transformers", "BertModel"]
    for part in ("unet", "vae", "controlnet", "text_encoder", "tokenizer", "scheduler"):
        assert (trained / part).is_dir(), part
    weights = _weights(trained)
    assert weights and all(w.dtype == np.float16 for w in weights.values())
    assert json.loads((trained / "training.json").read_text())["config"]["steps"] == 2
    assert model_defaults(str(trained)).resolution == 128
    assert folder_controlnet(str(trained)) == str(trained / "controlnet")


def test_the_trained_folder_renders_through_the_normal_renderer(trained: Path, tmp_path: Path) -> None:
    draw_box_map(make_layout("thirds_left", 1.0), 128, 128).save(tmp_path / "layout.png")
    job = RenderJob(prompt="a red can on a blue backdrop", seed=3, width=128, height=128, steps=2)
    with_layout = job.model_copy(
        update={"controls": [ControlSpec(model=str(trained / "controlnet"), image=str(tmp_path / "layout.png"))]}
    )
    renderer = Renderer()
    plain, laid_out = renderer.render([job, with_layout], str(trained))
    assert plain.image.size == laid_out.image.size == (128, 128)
    clear_cache()


def test_the_same_seed_trains_the_same_model(trained: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    train(TINY, again)
    first, second = _weights(trained), _weights(again)
    assert first.keys() == second.keys()
    assert all(np.array_equal(first[k], second[k]) for k in first)


def test_a_saved_model_trains_further_and_keeps_its_autoencoder(trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "more"
    stats = train(TINY.model_copy(update={"steps": 1}), out, resume=trained)
    assert stats["resumed_from"] == str(trained) and len(stats["previous_runs"]) == 1
    before, after = _weights(trained), _weights(out)
    assert all(np.array_equal(before[k], after[k]) for k in before if k.startswith("vae/"))
    assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith("unet/"))


def test_a_new_unet_can_train_on_a_saved_autoencoder(trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    stats = train(TINY.model_copy(update={"seed": 1}), out, vae_from=trained)
    assert stats["autoencoder_from"] == str(trained) and stats["resumed_from"] is None
    before, after = _weights(trained), _weights(out)
    assert all(np.array_equal(before[k], after[k]) for k in before if k.startswith("vae/"))
    assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith("unet/"))


def test_the_unet_pools_the_text_and_modulates_every_block(trained: Path) -> None:
    config = json.loads((trained / "unet" / "config.json").read_text())
    assert config["addition_embed_type"] == "text"
    assert config["resnet_time_scale_shift"] == "scale_shift"
    assert json.loads((trained / "controlnet" / "config.json").read_text())["addition_embed_type"] == "text"


@pytest.mark.parametrize("name", ["layout", "colour"])
def test_a_finetune_stage_trains_one_part_and_freezes_the_other(trained: Path, tmp_path: Path, name: str) -> None:
    stage = FINETUNES[name].model_copy(update={"scenes": 12, "steps": 2, "batch": 2})
    out = tmp_path / name
    record = finetune(trained, out, stage, name)
    assert record["part"] == stage.part and record["steps"] == 2
    assert json.loads((out / "training.json").read_text())[f"{name}_finetune"]["part"] == stage.part
    before, after = _weights(trained), _weights(out)
    assert before.keys() == after.keys()
    frozen = "unet/" if stage.part == "controlnet" else "controlnet/"
    for kept in (frozen, "vae/", "text_encoder/"):
        assert all(np.array_equal(before[k], after[k]) for k in before if k.startswith(kept)), kept
    assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith(stage.part + "/"))
    again = tmp_path / f"{name}-again"
    finetune(trained, again, stage, name)
    second = _weights(again)
    assert all(np.array_equal(after[k], second[k]) for k in after)  # seeded: the same weights again
