"""The page, its static files and the vendored three.js: local only, no CDN, no traversal."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from motionclip.web.app import STATIC_DIR


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.importmaps: list[str] = []
        self._in_map = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"] or "")
            self._in_map = a.get("type") == "importmap"
        elif tag == "link" and a.get("href"):
            self.links.append(a["href"] or "")

    def handle_data(self, data: str) -> None:
        if self._in_map:
            self.importmaps.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_map = False


@pytest.fixture(scope="module")
def page(client):  # noqa: ANN001, ANN201
    r = client.get("/")
    assert r.status_code == 200
    return r


def _refs(html: str) -> _Refs:
    p = _Refs()
    p.feed(html)
    return p


def test_page_served(page) -> None:  # noqa: ANN001
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for element in ('id="prompt"', 'id="viewer"', 'id="play"', 'id="scrub"', "<title>"):
        assert element in html


def test_page_references_only_local_scripts(page) -> None:  # noqa: ANN001
    refs = _refs(page.text)
    assert refs.scripts, "the page loads its code from a script"
    assert len(refs.importmaps) == 1
    imports = json.loads(refs.importmaps[0])["imports"]
    assert set(imports) == {"three", "three/addons/"}
    for url in [*refs.scripts, *refs.links, *imports.values()]:
        assert not re.match(r"^(https?:)?//", url), url
    assert not re.search(r"<script[^>]+src=[\"'](https?:)?//", page.text)


def test_csp_blocks_foreign_scripts(page) -> None:  # noqa: ANN001
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp


def test_static_modules_served_and_local(client, page) -> None:  # noqa: ANN001
    refs = _refs(page.text)
    imports = json.loads(refs.importmaps[0])["imports"]
    urls = [
        *refs.scripts,
        imports["three"],
        imports["three/addons/"] + "controls/OrbitControls.js",
        "./static/style.css",
    ]
    for url in urls:
        r = client.get("/" + url.removeprefix("./"))
        assert r.status_code == 200, url
        if url.endswith(".js"):
            assert "javascript" in r.headers["content-type"], url
    for js in STATIC_DIR.glob("*.js"):
        text = js.read_text()
        for spec in re.findall(r"(?:from|import)\s*['\"]([^'\"]+)['\"]", text):
            assert spec.startswith("./") or spec in ("three",) or spec.startswith("three/addons/"), (js.name, spec)
        assert "http://" not in text and "https://" not in text, js.name


def test_vendored_three_is_complete() -> None:
    vendor = STATIC_DIR / "vendor"
    module = (vendor / "three.module.min.js").read_text()
    for dep in set(re.findall(r"from\s*['\"](\./[^'\"]+)['\"]", module)):
        assert (vendor / dep).is_file(), dep
    assert (vendor / "addons" / "controls" / "OrbitControls.js").is_file()
    assert "MIT" in (vendor / "LICENSE-three.txt").read_text()
    orbit = (vendor / "addons" / "controls" / "OrbitControls.js").read_text()
    code = re.sub(r"/\*.*?\*/", "", orbit, flags=re.S)  # drop doc comments (they show usage imports)
    assert re.findall(r"from\s*['\"]([^'\"]+)['\"]", code) == ["three"]


@pytest.mark.parametrize(
    "url",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fservice.py",
        "/static/%2e%2e/%2e%2e/__init__.py",
        "/static//etc/passwd",
        "/static/vendor/../../limits.py",
    ],
)
def test_no_path_traversal(client, url: str) -> None:  # noqa: ANN001
    r = client.get(url)
    assert r.status_code in (400, 404), (url, r.status_code)
    assert "DEFAULT_LIMITS" not in r.text and "root:" not in r.text


def test_static_files_ship_in_package() -> None:
    for name in ("index.html", "app.js", "viewer.js", "figure.js", "api.js", "style.css"):
        assert (STATIC_DIR / name).is_file(), name
