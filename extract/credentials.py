"""Credentials in a repository URL (`https://user:token@host/...`) go to git, never anywhere else.

They are taken out of every URL before the URL is logged, stored in the warehouse or handed to Prefect, and
given to this process's git commands (and its children's) through a credential-store file only they read.
"""

from __future__ import annotations

import atexit
import os
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
    if "@" not in parts.netloc or parts.scheme not in ("http", "https"):
        return url, None
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host)), f"{parts.scheme}://{parts.netloc}"


def hand_to_git(urls: list[str]) -> list[str]:
    """`urls` without credentials; the credentials they held are given to git commands run from now on."""
    plain, secrets = [], []
    for url in urls:
        clean, secret = without_credentials(url)
        plain.append(clean)
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
