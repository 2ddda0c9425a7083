"""Which device and dtype torch work runs on: one picker for embeddings, rendering and training.

>>> pick_device("cpu")
'cpu'
"""

from __future__ import annotations

from typing import Any


def pick_device(device: str = "auto") -> str:
    """``auto`` is CUDA when there is a GPU, else Apple's MPS when present, else the CPU; any other
    value is used as given."""
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str, dtype: str = "auto") -> Any:
    """Half precision on GPUs (CUDA, MPS), full precision on the CPU, unless ``dtype`` names one."""
    import torch

    if dtype == "auto":
        return torch.float16 if device.startswith(("cuda", "mps")) else torch.float32
    return {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[dtype]


def pick_device_dtype(device: str = "auto", dtype: str = "auto") -> tuple[str, Any]:
    chosen = pick_device(device)
    return chosen, pick_dtype(chosen, dtype)
