"""Provenance for exported assets: C2PA Content Credentials and an invisible watermark.

    >>> signer = C2paSigner(c2pa_credentials(settings))                    # doctest: +SKIP
    >>> signer.sign(Path("out/c/web_banner/c-1.png"), {"prompt": "...", "approver": "maya"})
    >>> read_c2pa(Path("out/c/web_banner/c-1.png")).assertion["approver"]  # doctest: +SKIP
    'maya'
    >>> read_watermark(Path("out/c/web_banner/c-1.png"))                    # doctest: +SKIP
    'onbrand:3f2a9c01'

C2PA: each PNG gets a signed manifest with a ``c2pa.actions`` assertion (``c2pa.created``, digital
source type *trainedAlgorithmicMedia*) and an ``onbrand.export`` assertion (prompt, seed, model,
checks, approver). Credentials are the user's (a PEM chain and key) or, on first use, a local CA
and an ES256 signing certificate generated under ``<workspace>/provenance/self-signed/``: C2PA
refuses a bare self-signed leaf, and validators report the local CA as untrusted unless it is
added to their trust list. No timestamp authority is asked unless one is configured, so signing
works offline.

Watermark: ``onbrand:`` and 8 hex digits of the draft id's SHA-256 (16 bytes), embedded with
invisible-watermark's DWT-DCT-SVD method in the chroma of the pixels; it survives re-encoding
where metadata is stripped, but not heavy crops or resizes.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import UserError

if TYPE_CHECKING:
    from pipeline.settings import Settings


ASSERTION = "onbrand.export"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


class C2paCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chain: Path  # PEM, signing certificate first
    key: Path  # PEM private key
    alg: str  # es256, es384, es512, ps256, ed25519
    self_signed: bool  # made by onbrand under the workspace: no public CA vouches for it
    trust_anchor: Path | None = None  # the local CA certificate, for verifying self-signed files


def _alg_for(key: Any) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in algs:
            return algs[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise ValueError(f"a {type(key).__name__.lstrip('_')} key; C2PA signs with EC P-256/384/521, RSA or Ed25519")


def _check_user_credentials(chain: Path, key_path: Path) -> C2paCredentials:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    for setting, path in (("ONBRAND_C2PA_CERT", chain), ("ONBRAND_C2PA_KEY", key_path)):
        if not path.is_file():
            raise UserError(f"{setting}={path}: no such file; point it at your PEM {setting[13:].lower()} file")
    try:
        certs = x509.load_pem_x509_certificates(chain.read_bytes())
    except ValueError as exc:
        raise UserError(
            f"ONBRAND_C2PA_CERT={chain}: not a PEM certificate chain ({exc}); give the signing certificate "
            "followed by its issuing CA certificates, each as -----BEGIN CERTIFICATE-----"
        ) from exc
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise UserError(
            f"ONBRAND_C2PA_KEY={key_path}: not an unencrypted PEM private key ({str(exc).splitlines()[0][:120]}); "
            "export it without a passphrase (openssl pkey -in KEY -out key.pem)"
        ) from exc
    try:
        alg = _alg_for(key)
    except ValueError as exc:
        raise UserError(f"ONBRAND_C2PA_KEY={key_path}: {exc}") from exc
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, public) != certs[0].public_key().public_bytes(
        serialization.Encoding.DER, public
    ):
        raise UserError(
            f"ONBRAND_C2PA_KEY={key_path}: does not match the first certificate in ONBRAND_C2PA_CERT={chain}; "
            "the chain must start with the certificate of this key"
        )
    return C2paCredentials(chain=chain, key=key_path, alg=alg, self_signed=False)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def local_credentials(folder: Path) -> C2paCredentials:
    """A local CA and an ES256 signing certificate under ``folder``, made on first use.

    The CA's own key is not kept: nothing else is ever issued from it. The signing key is 0600.
    """
    chain, key, anchor = folder / "chain.pem", folder / "signer.key", folder / "ca.pem"
    if not (chain.is_file() and key.is_file() and anchor.is_file()) or _expired(chain):
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".self-signed-", dir=folder.parent))
        try:
            _generate(staging)
            if folder.exists():  # expired or incomplete: replace it
                shutil.rmtree(folder)
            try:
                staging.rename(folder)
            except OSError:  # another export made it at the same moment: use theirs
                if not (folder / "signer.key").is_file():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return C2paCredentials(chain=chain, key=key, alg="es256", self_signed=True, trust_anchor=anchor)


def _expired(chain: Path) -> bool:
    from cryptography import x509

    try:
        leaf = x509.load_pem_x509_certificates(chain.read_bytes())[0]
    except ValueError:
        return True
    return leaf.not_valid_after_utc <= datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)


def _generate(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.chmod(0o700)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "onbrand (self-signed, local)"),
            ]
        )

    def usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not sign,
            crl_sign=not sign,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("onbrand local CA"))
        .issuer_name(name("onbrand local CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    # C2PA's certificate profile: digitalSignature (critical) and an EKU of emailProtection or
    # documentSigning, not a CA, issued by someone else than itself.
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("onbrand signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write_private(
        folder / "signer.key",
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    (folder / "chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))


def c2pa_credentials(settings: Settings) -> C2paCredentials:
    """The user's certificate chain and key (both settings, checked), else the workspace's local ones."""
    cert, key = settings.c2pa_cert, settings.c2pa_key
    if (cert is None) != (key is None):
        given, missing = (
            ("ONBRAND_C2PA_CERT", "ONBRAND_C2PA_KEY") if cert else ("ONBRAND_C2PA_KEY", "ONBRAND_C2PA_CERT")
        )
        raise UserError(
            f"{given} is set but {missing} is not; set both (a PEM certificate chain and its private key), "
            "or neither to sign with a local self-signed certificate"
        )
    if cert is not None and key is not None:
        return _check_user_credentials(cert, key)
    return local_credentials(settings.home / "provenance" / "self-signed")


def require_c2pa() -> Any:
    """The c2pa module, or a UserError saying how to install it (asked only when signing is on)."""
    try:
        import c2pa
    except (ImportError, OSError) as exc:  # OSError: the native library does not load on this platform
        raise UserError(
            f"C2PA signing needs c2pa-python and its native library ({exc.__class__.__name__}: {exc}); "
            "install it with: pip install c2pa-python, or export without --c2pa"
        ) from exc
    return c2pa


class C2paSigner:
    """Signs PNGs in place. Building it reads nothing; the first ``sign`` loads the key."""

    def __init__(self, credentials: C2paCredentials, tsa_url: str | None = None) -> None:
        self.credentials = credentials
        self.tsa_url = tsa_url
        self._signer: Any = None

    def _load(self) -> Any:
        if self._signer is None:
            c2pa = require_c2pa()
            info = c2pa.C2paSignerInfo(
                self.credentials.alg,
                self.credentials.chain.read_bytes(),
                self.credentials.key.read_bytes(),
                self.tsa_url,
            )
            self._signer = c2pa.Signer.from_info(info)
        return self._signer

    def manifest(self, title: str, data: dict[str, Any]) -> dict[str, Any]:
        from importlib.metadata import PackageNotFoundError, version

        try:
            ours = version("onbrand")
        except PackageNotFoundError:  # running from a checkout that was never installed
            ours = "0"
        return {
            "claim_generator_info": [{"name": "onbrand", "version": ours}],
            "title": title,
            "format": "image/png",
            "assertions": [
                {
                    "label": "c2pa.actions",
                    "data": {
                        "actions": [
                            {
                                "action": "c2pa.created",
                                "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                                "softwareAgent": {"name": "onbrand"},
                            }
                        ]
                    },
                },
                {
                    "label": ASSERTION,
                    "data": {**data, "self_signed_credentials": self.credentials.self_signed},
                },
            ],
        }

    def sign(self, path: Path, data: dict[str, Any], title: str | None = None) -> None:
        """Replace the PNG at ``path`` with a copy carrying a signed manifest of ``data``."""
        c2pa = require_c2pa()
        signer = self._load()
        tmp = path.with_name(path.name + ".c2pa.tmp")
        try:
            with (
                c2pa.Builder(self.manifest(title or path.name, data)) as builder,
                path.open("rb") as src,
                tmp.open("w+b") as dst,
            ):
                builder.sign(signer, "image/png", src, dst)
        except c2pa.C2paError as exc:
            tmp.unlink(missing_ok=True)
            where = (
                "the local self-signed certificate"
                if self.credentials.self_signed
                else f"ONBRAND_C2PA_CERT={self.credentials.chain}"
            )
            raise UserError(
                f"C2PA signing of {path} with {where} failed ({exc}); a signing certificate needs the "
                "digitalSignature key usage, an emailProtection or documentSigning EKU, and its issuing CA in the chain"
            ) from exc
        tmp.replace(path)


class C2paReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    present: bool
    validation_state: str | None = None  # c2pa's: Invalid, Valid (signature good, signer unknown), Trusted
    trusted: bool = False
    issuer: str | None = None
    claim_generator: str | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list)
    assertion: dict[str, Any] = Field(default_factory=dict)  # onbrand's own
    failures: list[str] = Field(default_factory=list)  # validation status codes


def read_c2pa(path: Path, trust_anchor: Path | None = None) -> C2paReport:
    """The C2PA manifest of ``path``, validated; ``trust_anchor`` (a PEM CA, such as the local one)
    is trusted in addition to nothing else, so a self-signed file reads as Trusted only with it."""
    c2pa = require_c2pa()
    context = None
    if trust_anchor is not None:
        context = c2pa.Context.from_dict({"trust": {"user_anchors": trust_anchor.read_text(encoding="ascii")}})
    try:
        with path.open("rb") as f, c2pa.Reader("image/png", f, context=context) as reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state()
    except c2pa.C2paError.ManifestNotFound:
        return C2paReport(present=False)
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    assertions = {a.get("label"): a.get("data", {}) for a in active.get("assertions", [])}
    actions: list[dict[str, Any]] = next(
        (v.get("actions", []) for k, v in assertions.items() if str(k).startswith("c2pa.actions")), []
    )
    generator = (active.get("claim_generator_info") or [{}])[0].get("name")
    return C2paReport(
        present=True,
        validation_state=state,
        trusted=state == "Trusted",
        issuer=(active.get("signature_info") or {}).get("issuer"),
        claim_generator=generator,
        actions=actions,
        assertion=assertions.get(ASSERTION, {}),
        failures=[s.get("code", "") for s in store.get("validation_status") or []],
    )
