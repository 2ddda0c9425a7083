"""An invisible watermark (invisible-watermark, DWT-DCT-SVD on the chroma): ``onbrand:`` plus 8 hex digits."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import UserError

if TYPE_CHECKING:
    from PIL import Image


WATERMARK_PREFIX = "onbrand:"
WATERMARK_BYTES = 16  # "onbrand:" + 8 hex digits
WATERMARK_SCALE = 36  # invisible-watermark's default step for dwtDctSvd
WATERMARK_MIN_PIXELS = 256 * 256  # invisible-watermark's decoder refuses smaller images


def watermark_payload(draft_id: str) -> str:
    return WATERMARK_PREFIX + hashlib.sha256(draft_id.encode("utf-8")).hexdigest()[:8]


def require_watermark() -> Any:
    """The imwatermark module, or a UserError saying how to install it (asked only when watermarking)."""
    try:
        import imwatermark.dwtDctSvd
    except ImportError as exc:
        raise UserError(
            "the invisible watermark needs invisible-watermark and PyWavelets "
            "(pip install PyWavelets && pip install --no-deps invisible-watermark); or export without --watermark"
        ) from exc
    return imwatermark


def embed_watermark(image: Image.Image, payload: str) -> Image.Image | None:
    """``image`` with ``payload`` hidden in its pixels, or None when the image is too small to carry it
    or the payload would not read back (checked before returning)."""
    import cv2
    import numpy as np
    import pywt
    from PIL import Image as PILImage

    data = payload.encode("ascii")
    if len(data) != WATERMARK_BYTES:
        raise ValueError(f"watermark payload must be {WATERMARK_BYTES} bytes, got {len(data)}")
    if image.width * image.height < WATERMARK_MIN_PIXELS:
        return None
    imwatermark = require_watermark()
    # invisible-watermark's own encoder writes the inverse DWT back into uint8 without clipping (bright
    # or saturated pixels wrap around into specks) and swaps the detail bands; so its embedding step
    # runs here on float coefficients, and its decoder reads the result.
    bgr = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    rows, cols = image.height // 4 * 4, image.width // 4 * 4
    bits = list(np.unpackbits(np.frombuffer(data, dtype=np.uint8)))
    embed = imwatermark.dwtDctSvd.EmbedDwtDctSvd(bits, wmLen=len(bits))
    channel = 1  # U: the method's default channel
    approx, details = pywt.dwt2(yuv[:rows, :cols, channel].astype(np.float64), "haar")
    embed.encode_frame(approx, WATERMARK_SCALE)
    yuv[:rows, :cols, channel] = np.clip(np.rint(pywt.idwt2((approx, details), "haar")), 0, 255).astype(np.uint8)
    marked = PILImage.fromarray(cv2.cvtColor(cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR), cv2.COLOR_BGR2RGB))
    return marked if _decode(marked) == payload else None


def _decode(image: Image.Image) -> str | None:
    import cv2
    import numpy as np

    if image.width * image.height < WATERMARK_MIN_PIXELS:
        return None
    imwatermark = require_watermark()
    bgr = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)
    raw = imwatermark.WatermarkDecoder("bytes", WATERMARK_BYTES * 8).decode(bgr, "dwtDctSvd")
    try:
        text = bytes(raw).decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if text.startswith(WATERMARK_PREFIX) else None


def read_watermark(path: Path) -> str | None:
    """The onbrand watermark in the image at ``path`` (``onbrand:xxxxxxxx``), or None when there is none."""
    from PIL import Image as PILImage

    with PILImage.open(path) as image:
        return _decode(image)
