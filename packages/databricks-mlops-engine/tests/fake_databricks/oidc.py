"""A fake identity provider on 127.0.0.1 issuing CI ID tokens (RS256 JWTs) the way GitHub Actions and
Azure Pipelines do, and the federation policy check a Databricks workspace applies when it exchanges one.

GitHub: ``GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=<aud>`` with the request token -> ``{"value": jwt}``.
Azure DevOps: ``POST <collection><project>/_apis/distributedtask/hubs/<hub>/plans/<plan>/jobs/<job>/oidctoken``
with ``SYSTEM_ACCESSTOKEN`` -> ``{"oidcToken": jwt}`` (audience fixed to ``api://AzureADTokenExchange``).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AZURE_DEVOPS_AUDIENCE = "api://AzureADTokenExchange"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class FederationPolicy:
    """A service principal federation policy: which issuer, subject and audience may act as ``client_id``."""

    client_id: str
    issuer: str
    subject: str
    audience: str


class FakeIdentityProvider:
    """Issues ID tokens for one CI job (``subject``) to callers holding ``request_token``; serves its JWKS."""

    def __init__(self, subject: str, request_token: str = "ci-job-request-token") -> None:
        self.subject = subject
        self.request_token = request_token
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issued: list[dict[str, object]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _idp_handler(self))
        self._server.daemon_threads = True

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeIdentityProvider:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def id_token(self, audience: str) -> str:
        """A signed ID token for this job, as the CI system would issue it."""
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": self.subject, "aud": audience, "iat": now, "nbf": now, "exp": now + 300}
        header = {"alg": "RS256", "typ": "JWT", "kid": "fake-key"}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        self.issued.append(claims)
        return f"{signing_input}.{_b64url(signature)}"

    def jwks(self) -> dict[str, object]:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "kid": "fake-key", "alg": "RS256", "use": "sig",
                          "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                          "e": _b64url(numbers.e.to_bytes(3, "big"))}]}


def _idp_handler(idp: FakeIdentityProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            return self.headers.get("Authorization") == f"Bearer {idp.request_token}"

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                return self._send(200, {"issuer": idp.issuer, "jwks_uri": f"{idp.issuer}/jwks"})
            if url.path == "/jwks":
                return self._send(200, idp.jwks())
            if url.path == "/github/token" and self._authorized():
                audience = parse_qs(url.query).get("audience", [""])[0]
                return self._send(200, {"value": idp.id_token(audience)})
            return self._send(401 if url.path == "/github/token" else 404, {"message": "refused"})

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path.split("?")[0].endswith("/oidctoken") and self._authorized():
                return self._send(200, {"oidcToken": idp.id_token(AZURE_DEVOPS_AUDIENCE)})
            return self._send(401, {"message": "refused"})

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
            return

    return Handler


def verify(token: str, policy: FederationPolicy) -> dict[str, object]:
    """The token's claims if it is signed by the policy's issuer (its JWKS) and matches the policy, else ValueError."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        claims = json.loads(_unb64url(claims_b64))
    except ValueError:
        raise ValueError("the subject token is not a JWT") from None
    if claims.get("iss") != policy.issuer:
        raise ValueError(f"issuer {claims.get('iss')!r} does not match the federation policy")
    with urllib.request.urlopen(f"{policy.issuer}/.well-known/openid-configuration", timeout=5) as answer:
        jwks_uri = json.load(answer)["jwks_uri"]
    with urllib.request.urlopen(jwks_uri, timeout=5) as answer:
        key = json.load(answer)["keys"][0]
    public = rsa.RSAPublicNumbers(int.from_bytes(_unb64url(key["e"]), "big"),
                                  int.from_bytes(_unb64url(key["n"]), "big")).public_key()
    try:
        public.verify(_unb64url(signature_b64), f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(),
                      hashes.SHA256())
    except InvalidSignature:
        raise ValueError("the subject token's signature does not verify") from None
    if claims.get("sub") != policy.subject:
        raise ValueError(f"subject {claims.get('sub')!r} does not match the federation policy")
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if policy.audience not in audiences:
        raise ValueError(f"audience {claims.get('aud')!r} does not match the federation policy")
    if int(claims.get("exp") or 0) < time.time():
        raise ValueError("the subject token has expired")
    return claims
