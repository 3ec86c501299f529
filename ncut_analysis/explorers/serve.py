"""Serving the explorers to colleagues with Voilà: the kernel manager that caps how many
kernels run at once. The server's other settings (token, address, idle culling) are in the
repository's ``voila.json``, which ``make voila`` and ``voila_command`` pass to Voilà."""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer

# What a reader is told when every kernel is taken (Voilà's error page shows it).
FULL = "目前使用人數已滿（同時最多 {n} 個分頁），請關閉不用的分頁或稍後再試。"


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
