"""Provenance on export: C2PA manifests (generated and user credentials), the invisible watermark."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.errors import UserError
from pipeline.export.c2pa import TRAINED_ALGORITHMIC_MEDIA, _generate, c2pa_credentials, local_credentials, read_c2pa
from pipeline.export.campaign import export_campaign
from pipeline.export.watermark import embed_watermark, read_watermark, watermark_payload
from pipeline.settings import Settings
from tests.actors import ADMIN
from tests.pipeline.export_factory import CAMPAIGN, approved_draft

pytestmark = pytest.mark.unit


def test_c2pa_export_signs_with_generated_credentials_and_reads_back(settings: Settings, tmp_path: Path) -> None:
    draft_id = approved_draft(settings, channel="email_header", render_size=(120, 40))
    result = export_campaign(CAMPAIGN, tmp_path / "out", settings, actor=ADMIN, c2pa=True)

    folder = settings.home / "provenance" / "self-signed"
    assert stat.S_IMODE((folder / "signer.key").stat().st_mode) == 0o600
    assert result.c2pa_trust_anchor == folder / "ca.pem"
    [exported] = result.files
    assert exported.c2pa and exported.c2pa_self_signed and exported.watermark is None
    path = Path(exported.path)
    report = read_c2pa(path)
    assert report.present and report.claim_generator == "onbrand"
    assert report.validation_state == "Valid" and not report.trusted  # signature good, signer unknown
    assert "signingCredential.untrusted" in report.failures
    assert report.actions[0]["action"] == "c2pa.created"
    assert report.actions[0]["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert report.assertion["approver"] == "maya" and report.assertion["draft_id"] == draft_id
    assert report.assertion["seed"] == 7 and report.assertion["checks"][0]["name"] == "palette"
    assert report.assertion["self_signed_credentials"] is True
    trusted = read_c2pa(path, trust_anchor=result.c2pa_trust_anchor)
    assert trusted.validation_state == "Trusted" and trusted.trusted and not trusted.failures
    with Image.open(path) as image:  # the PNG's own metadata is still there beside the manifest
        assert json.loads(image.info["onbrand"])["approver"] == "maya"
    manifest = json.loads(result.manifest.read_text())
    assert manifest["c2pa"]["self_signed"] is True
    assert manifest["files"][0]["c2pa"] is True and manifest["files"][0]["c2pa_self_signed"] is True

    # The second export reuses the credentials; changing one byte of the image breaks the signature.
    key_before = (folder / "signer.key").read_bytes()
    export_campaign(CAMPAIGN, tmp_path / "again", settings, actor=ADMIN, c2pa=True)
    assert (folder / "signer.key").read_bytes() == key_before
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF  # inside the image data, past the manifest
    path.write_bytes(bytes(data))
    assert read_c2pa(path).validation_state == "Invalid"


def test_c2pa_with_the_users_certificate_chain_and_key(settings: Settings, tmp_path: Path) -> None:
    users = tmp_path / "my-ca"
    users.mkdir()
    _generate(users)  # stands in for a chain and key from a real CA
    signed = settings.model_copy(
        update={"c2pa": True, "c2pa_cert": users / "chain.pem", "c2pa_key": users / "signer.key"}
    )
    approved_draft(signed, channel="email_header", render_size=(120, 40))
    result = export_campaign(CAMPAIGN, tmp_path / "out", signed, actor=ADMIN)
    [exported] = result.files
    assert exported.c2pa and exported.c2pa_self_signed is False and result.c2pa_trust_anchor is None
    assert not (settings.home / "provenance").exists()  # nothing generated
    report = read_c2pa(Path(exported.path), trust_anchor=users / "ca.pem")
    assert report.trusted and report.assertion["self_signed_credentials"] is False


def test_bad_c2pa_settings_are_user_errors_naming_the_setting(settings: Settings, tmp_path: Path) -> None:
    users = tmp_path / "my-ca"
    users.mkdir()
    _generate(users)
    other = tmp_path / "other"
    other.mkdir()
    _generate(other)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")

    def creds(**update: object) -> None:
        c2pa_credentials(settings.model_copy(update=update))

    with pytest.raises(UserError, match="ONBRAND_C2PA_CERT is set but ONBRAND_C2PA_KEY is not"):
        creds(c2pa_cert=users / "chain.pem")
    with pytest.raises(UserError, match=r"ONBRAND_C2PA_KEY=.*nope.key: no such file"):
        creds(c2pa_cert=users / "chain.pem", c2pa_key=tmp_path / "nope.key")
    with pytest.raises(UserError, match=r"ONBRAND_C2PA_CERT=.*junk.pem: not a PEM certificate chain"):
        creds(c2pa_cert=junk, c2pa_key=users / "signer.key")
    with pytest.raises(UserError, match=r"ONBRAND_C2PA_KEY=.*junk.pem: not an unencrypted PEM private key"):
        creds(c2pa_cert=users / "chain.pem", c2pa_key=junk)
    with pytest.raises(UserError, match="does not match the first certificate in ONBRAND_C2PA_CERT"):
        creds(c2pa_cert=users / "chain.pem", c2pa_key=other / "signer.key")
    # A lone self-signed certificate passes our checks but not C2PA's: the signing error says why.
    ca_only = tmp_path / "ca-only"
    ca_only.mkdir()
    lone = _self_signed_leaf(ca_only)
    approved_draft(settings, channel="email_header", render_size=(120, 40))
    bad = settings.model_copy(update={"c2pa_cert": lone[0], "c2pa_key": lone[1]})
    with pytest.raises(UserError, match=r"C2PA signing of .* with ONBRAND_C2PA_CERT=.* failed"):
        export_campaign(CAMPAIGN, tmp_path / "out", bad, actor=ADMIN, c2pa=True)
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]  # no half-signed or temporary files
    # Asked for nothing, an export never reads those settings.
    export_campaign(CAMPAIGN, tmp_path / "plain", settings.model_copy(update={"c2pa_cert": junk}), actor=ADMIN)


def _self_signed_leaf(folder: Path) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lonely")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


def test_local_credentials_are_made_once_and_remade_when_expired(tmp_path: Path) -> None:
    first = local_credentials(tmp_path / "p" / "self-signed")
    again = local_credentials(tmp_path / "p" / "self-signed")
    assert first == again and first.self_signed and first.alg == "es256"
    chain_before = first.chain.read_bytes()
    first.chain.write_text("garbage")  # unreadable counts as expired: made anew
    local_credentials(tmp_path / "p" / "self-signed")
    assert first.chain.read_bytes() != chain_before
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["self-signed"]  # no staging folders left


def _textured(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, (30, 160, 150))  # a teal that defeats invisible-watermark's plain dwtDct
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, size[0] - 20, size[1] - 20), fill=(250, 250, 250))
    draw.rectangle((0, 0, size[0] // 3, size[1]), fill=(0, 0, 255))  # saturated blue: must not wrap around
    draw.text((30, 30), "Bright citrus", fill=(0, 0, 0))
    return image


def test_watermark_survives_the_png_round_trip_and_stays_invisible(tmp_path: Path) -> None:
    from imwatermark import WatermarkDecoder

    payload = watermark_payload("spring-web_banner-1")
    assert payload.startswith("onbrand:") and len(payload) == 16
    image = _textured((600, 200))
    marked = embed_watermark(image, payload)
    assert marked is not None
    path = tmp_path / "marked.png"
    marked.save(path)
    assert read_watermark(path) == payload
    diff = np.abs(np.asarray(marked, dtype=np.int16) - np.asarray(image, dtype=np.int16))
    assert diff.mean() < 2 and diff.max() < 40  # no wrapped-around specks
    # Readable by invisible-watermark's own decoder too.
    bgr = np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1]
    assert WatermarkDecoder("bytes", 128).decode(np.ascontiguousarray(bgr), "dwtDctSvd") == payload.encode()
    image.save(tmp_path / "plain.png")
    assert read_watermark(tmp_path / "plain.png") is None
    assert embed_watermark(Image.new("RGB", (728, 90), "teal"), payload) is None  # too small to carry it


def test_export_with_watermark_and_c2pa_records_both(settings: Settings, tmp_path: Path) -> None:
    big = approved_draft(settings, channel="email_header", render_size=(120, 40), index=1)
    small = approved_draft(settings, channel="display_leaderboard", render_size=(160, 20), index=2)
    result = export_campaign(CAMPAIGN, tmp_path / "out", settings, actor=ADMIN, c2pa=True, watermark=True)
    files = {f.draft_id: f for f in result.files}
    assert files[big].watermark == watermark_payload(big)
    assert read_watermark(Path(files[big].path)) == watermark_payload(big)  # still there after signing
    assert files[small].watermark is None and any("no invisible watermark" in n for n in files[small].notes)
    report = read_c2pa(Path(files[big].path))
    assert report.assertion["watermark"] == watermark_payload(big) and report.assertion["upscaler"] == "lanczos"
    with Image.open(files[big].path) as image:
        assert json.loads(image.info["onbrand"])["watermark"] == watermark_payload(big)
    manifest = json.loads(result.manifest.read_text())
    assert {f["draft_id"]: f["watermark"] for f in manifest["files"]} == {big: watermark_payload(big), small: None}
    assert report.assertion.keys() >= {"prompt", "seed", "model", "checks", "approver"}


def test_cli_export_flags(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    monkeypatch.setenv("ONBRAND_HOME", str(settings.home))
    draft_id = approved_draft(settings, channel="email_header", render_size=(120, 40))
    out = tmp_path / "out"
    assert main(["export", CAMPAIGN, "--out", str(out), "--upscaler", str(tmp_path / "nope")]) == 2
    assert "ONBRAND_UPSCALER=" in capsys.readouterr().err
    assert main(["export", CAMPAIGN, "--out", str(out), "--c2pa", "--watermark"]) == 0
    printed = "".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "self-signedcertificate" in printed and "self-signed/ca.pem" in printed
    [path] = sorted(out.rglob("*.png"))
    assert read_watermark(path) == watermark_payload(draft_id)
    assert read_c2pa(path).assertion["approver"] == "maya"
    monkeypatch.setenv("ONBRAND_C2PA_KEY", str(tmp_path / "k.pem"))
    assert main(["export", CAMPAIGN, "--out", str(out), "--c2pa"]) == 2
    assert "ONBRAND_C2PA_KEY is set but ONBRAND_C2PA_CERT is not" in capsys.readouterr().err
