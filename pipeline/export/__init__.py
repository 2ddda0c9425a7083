"""Export: approved drafts composed at each channel's final size with the brand's kit, upscaled when
they must grow, and optionally signed (C2PA) and watermarked.

    >>> export_campaign("spring-citrus-launch", Path("exports"), settings).files[0].path   # doctest: +SKIP
"""

from pipeline.export.campaign import ExportedFile, ExportResult, export_campaign
from pipeline.export.compose import compose
from pipeline.export.upscalers import make_upscaler

__all__ = ["ExportResult", "ExportedFile", "compose", "export_campaign", "make_upscaler"]
