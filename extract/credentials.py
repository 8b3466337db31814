"""Credentials in a repository URL (`https://user:token@host/...`) go to git, never anywhere else.

They are taken out of every URL before the URL is logged, stored in the warehouse or handed to Prefect, and
given to this process's git commands (and its children's) through a credential-store file only they read.
Other schemes cannot hand git a password (ssh asks its own agent): there the password is dropped and the user kept
(`ssh://git@host/...`). Any text said before that (a refused setting) goes through `redact`.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def without_credentials(url: str) -> tuple[str, str | None]:
    """The URL without its user-info, and the credential git needs (`scheme://user:password@host`), if any."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    if parts.scheme not in ("http", "https"):
        return urlunsplit(parts._replace(netloc=f"{userinfo.split(':', 1)[0]}@{host}")), None
    return urlunsplit(parts._replace(netloc=host)), f"{parts.scheme}://{parts.netloc}"


# `scheme://userinfo@`: in http(s) all of it may be a token (`https://TOKEN@host`); elsewhere what follows a colon.
_HTTP_USERINFO = re.compile(r"(?i)\b(https?://)[^/@\s'\"]+@")
_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/:@\s'\"]*):[^/@\s'\"]*@")
_SCP_PASSWORD = re.compile(r"(?<![\w/:.-])([\w.-]+):[^/@\s'\"]*@(?=[\w.-]+:)")  # user:pw@host:path


def redact(text: str) -> str:
    """`text` with the credentials of every URL in it replaced by `***`."""
    return _SCP_PASSWORD.sub(r"\1:***@", _PASSWORD.sub(r"\1:***@", _HTTP_USERINFO.sub(r"\1***@", text)))


def hand_to_git(urls: list[str]) -> list[str]:
    """`urls` without credentials; the credentials they held are given to git commands run from now on."""
    plain, secrets = [], []
    for url in urls:
        clean, secret = without_credentials(url)
        plain.append(redact(clean))  # what is left (a password in a URL git refuses anyway) is never kept
        if secret:
            secrets.append(secret)
    if secrets:
        folder = Path(tempfile.mkdtemp(prefix="mlperf-warehouse-"))  # mode 0700
        atexit.register(shutil.rmtree, folder, True)
        store = folder / "credentials"
        store.touch(0o600)
        store.write_text("".join(f"{secret}\n" for secret in dict.fromkeys(secrets)))
        index = int(os.environ.get("GIT_CONFIG_COUNT", "0"))
        os.environ.update({"GIT_CONFIG_COUNT": str(index + 1), f"GIT_CONFIG_KEY_{index}": "credential.helper",
                           f"GIT_CONFIG_VALUE_{index}": f"store --file={store}"})
    return plain
