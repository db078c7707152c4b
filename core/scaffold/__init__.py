"""``hvhk new-plugin NAME``: draw a working plugin package from ``template/``.

Every ``*.tmpl`` file under ``template/`` is copied with the placeholders replaced (``PKG`` in paths and
``__PKG__``, ``__PKG_DASH__``, ``__LABEL__``, ``__DATE__`` in the text). The result is a package with its
entry point, blueprint, model, migration branch, template and passing tests; see ``docs/plugins.md``.
"""

from __future__ import annotations

import keyword
import re
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")


class ScaffoldError(ValueError):
    """The plugin cannot be drawn; the message says why."""


def check_name(name: str) -> None:
    if not NAME_RE.match(name or "") or name.endswith("_") or "__" in name:
        raise ScaffoldError("A plugin name is 2 to 30 characters: lowercase letters, digits and single "
                            "underscores, starting with a letter (for example: demo_x).")
    if keyword.iskeyword(name) or name in {"core", "plugins", "tests", "templates", "test"}:
        raise ScaffoldError(f"'{name}' is reserved; choose another name.")
    if name in {ep.name for ep in entry_points(group="hvhk.plugins")}:
        raise ScaffoldError(f"A plugin named '{name}' is already installed.")


def new_plugin(name: str, directory: str | Path = ".") -> Path:
    """Write the plugin ``name`` into ``directory/name`` and return that folder. Refuses to overwrite."""
    check_name(name)
    target = Path(directory) / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists; nothing was written.")
    values = {
        "__PKG_DASH__": name.replace("_", "-"),
        "__PKG__": name,
        "__LABEL__": name.replace("_", " ").capitalize(),
        "__DATE__": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
    }
    files = sorted(p for p in TEMPLATE.rglob("*.tmpl") if p.is_file())
    for src in files:
        rel = src.relative_to(TEMPLATE).with_suffix("")  # drop .tmpl
        rel = Path(*[part.replace("PKG", name) for part in rel.parts])
        text = src.read_text(encoding="utf-8")
        for key, value in values.items():  # __PKG_DASH__ before __PKG__
            text = text.replace(key, value)
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    return target
