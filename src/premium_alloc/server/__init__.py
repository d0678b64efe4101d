"""``premium-alloc serve``: the HTTP API (v1) and the offline what-if page.

Needs the ``web`` extra (``pip install 'premium-alloc[web]'``): FastAPI on uvicorn. The
contract is docs/contract.md's "serve" section; see the how-to pages for use.
"""

from __future__ import annotations

from .app import MAX_BODY, Settings, create_app, open_session
from .session import Session, WhatIf

__all__ = ["MAX_BODY", "Session", "Settings", "WhatIf", "create_app", "open_session"]
