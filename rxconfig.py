"""Reflex configuration, derived from the platform's validated settings."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from workshop_app.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="workshop_app",
    frontend_port=settings.port,
    backend_port=settings.port,
    backend_host=settings.bind_address,
    trusted_proxy_hops=settings.trusted_proxy_hops,  # the websocket's client address (sign-in throttle) behind proxies
    redis_url=settings.redis_url,
    state_manager_mode="redis" if settings.redis_url else "memory",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="system",
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="violet", gray_color="slate", radius="medium"))],
    disable_plugins=[SitemapPlugin],
)
