"""Serving the explorers to colleagues with Voilà: the kernel manager that caps how many
kernels run at once, and the token's login page in Chinese. The server's other settings (token,
address, idle culling) are in the repository's ``voila.json``, which ``make voila`` and
``voila_command`` pass to Voilà."""

from __future__ import annotations

import html
from typing import Any

from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.escape import url_escape
from traitlets import Integer
from voila.voila_identity_provider import VoilaLoginHandler

from ..labels import LABELS

# What a reader is told when every kernel is taken (Voilà's error page shows it).
_W = LABELS["explorers_serve"]
FULL = _W["full"]


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter Server's kernel manager with a cap: a page asking for a kernel when
    ``max_kernels`` are running gets 503 and a Chinese message instead of one more kernel
    (each explorer kernel holds 200–320 MB)."""

    max_kernels = Integer(8, config=True, help="How many kernels may run at once; 0 for no cap.")
    _starting = 0  # kernels asked for and not yet running

    async def _async_start_kernel(  # type: ignore[override]
        self, *, kernel_id: str | None = None, path: str | None = None, **kwargs: Any
    ) -> str:
        if kernel_id is not None and kernel_id in self:
            return await super()._async_start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        # Kernels still starting count too: two pages asking at once cannot both pass the cap.
        if 0 < self.max_kernels <= len(self.list_kernel_ids()) + self._starting:
            self.log.warning("kernel cap reached (%d running): request refused", self.max_kernels)
            raise web.HTTPError(503, reason=FULL.format(n=self.max_kernels))
        self._starting += 1
        try:
            return await super()._async_start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._starting -= 1

    start_kernel = _async_start_kernel  # type: ignore[assignment]


_LOGIN = """<!DOCTYPE html>
<html lang="zh-Hant"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:"Microsoft JhengHei","Noto Sans CJK TC",sans-serif;margin:3em auto;
max-width:34em;padding:0 1em;line-height:1.6}}input{{font-size:1em;width:100%;
box-sizing:border-box;padding:.3em}}button{{font-size:1em;margin-top:.8em;padding:.3em 1.5em}}
.error{{color:#b00020}}</style></head>
<body><main>
<h1>{title}</h1>
<p>{intro}</p>
{error}
<form action="{action}" method="post">{xsrf}
<label for="password">{field}</label>
<input type="password" id="password" name="password" autocomplete="current-password" autofocus>
<button type="submit">{button}</button>
</form>
</main></body></html>
"""


class ChineseLoginHandler(VoilaLoginHandler):
    """Jupyter Server's login form (token or password) as a Chinese page."""

    def _render(self, message: dict | None = None) -> None:
        nxt = url_escape(self.get_argument("next", default=self.base_url))
        error = f"<p class='error'>{html.escape(_W['login_error'])}</p>" if message else ""
        self.write(
            _LOGIN.format(
                error=error,
                title=html.escape(_W["login_title"]),
                intro=html.escape(_W["login_intro"]),
                field=html.escape(_W["login_field"]),
                button=html.escape(_W["login_button"]),
                action=html.escape(f"{self.base_url}login?next={nxt}", quote=True),
                xsrf=self.xsrf_form_html(),
            )
        )


class TokenIdentityProvider(PasswordIdentityProvider):
    """Jupyter Server's token/password identity provider, whose login page is Chinese (Voilà
    names its own English login handler, so the handler is swapped where the routes are
    made)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _forbid_pages_without_token()

    def get_handlers(self) -> list[tuple[str, object]]:
        return [
            (path, ChineseLoginHandler if path == r"/login" else handler)
            for path, handler in super().get_handlers()
        ]


def _no_login_redirect(self: Any) -> str:
    """A page asked for without the token answers 403 (the error page says, in Chinese, to use
    the full link with the token), as the API does: no redirect to a form that invites guessing.
    The login form stays at ``/login`` for a colleague who has the token but not the link."""
    raise web.HTTPError(403)


def _forbid_pages_without_token() -> None:
    """Applied when the served app's identity provider starts (the server's process only)."""
    from jupyter_server.base.handlers import JupyterHandler

    JupyterHandler.get_login_url = _no_login_redirect  # type: ignore[method-assign]
