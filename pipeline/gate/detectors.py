"""The gate's detectors (NudeNet, OpenCV's face cascade, RapidOCR, CLIP): loaded on first use, shared per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar


class Detectors:
    """NudeNet, the face cascade, OCR and CLIP, each loaded on first use and kept for the process."""

    _lock = threading.Lock()
    _shared: ClassVar[dict[str, Any]] = {}

    def __init__(self, clip_model: str | None = None) -> None:
        self.clip_model = clip_model

    def _get(self, key: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._shared:
                self._shared[key] = build()
            return self._shared[key]

    def nudity(self) -> Any:
        def build() -> Any:
            from nudenet import NudeDetector

            return NudeDetector()

        return self._get("nudenet", build)

    def faces(self) -> Any:
        def build() -> Any:
            import cv2

            cascades = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
            return cv2.CascadeClassifier(str(cascades / "haarcascade_frontalface_default.xml"))

        return self._get("faces", build)

    def ocr(self) -> Any:
        def build() -> Any:
            import logging

            from rapidocr import RapidOCR

            engine = RapidOCR(params={"Global.log_level": "error", "Det.limit_side_len": 320, "Det.limit_type": "max"})
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            return engine

        return self._get("ocr", build)

    def clip(self) -> tuple[Any, Any] | None:
        name = self.clip_model
        if not name:
            return None

        def build() -> tuple[Any, Any]:
            from transformers import CLIPModel, CLIPProcessor

            model = CLIPModel.from_pretrained(name, local_files_only=True).eval()
            return model, CLIPProcessor.from_pretrained(name, local_files_only=True)

        loaded: tuple[Any, Any] = self._get(f"clip:{name}", build)
        return loaded
