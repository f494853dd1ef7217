"""HTML snippets the hooks insert into pages, rendered from Jinja templates in
overrides/partials/notes/ with the theme's own environment (so a site can restyle them there)."""

from __future__ import annotations

from mkdocs.utils import get_relative_url

from notesbuild.state import STATE

_envs: dict = {}


def render(config, name: str, **context) -> str:
    """overrides/partials/notes/<name>.html rendered with `context` (and `config`)."""
    theme = config.theme
    env = _envs.get(id(theme))
    if env is None:
        _envs.clear()
        env = _envs[id(theme)] = theme.get_env()
    return env.get_template(f"partials/notes/{name}.html").render(config=config, **context).strip()


def notebook_actions(config, slug: str, page_url: str, notebook_url: str | None = None) -> str:
    """The buttons of one notebook: its page (shown on its post), the download, Colab."""
    colab = f"https://colab.research.google.com/github/{STATE.colab['repo']}/blob/{STATE.colab['branch']}/{slug}.ipynb"
    return render(config, "notebook-actions", slug=slug, notebook_url=notebook_url, colab=colab,
                  download=get_relative_url(f"downloads/{slug}.ipynb", page_url))
