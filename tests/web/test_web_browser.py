"""End to end: the page in headless Debian chromium (Playwright), served by uvicorn.

Needs ``playwright`` (PyPI) and ``/usr/bin/chromium`` (Debian); ``.ci/browser-deps.sh``
installs both.  Playwright's own browser download is not used.  WebGL runs on chromium's
software rasteriser (SwiftShader) -- the page switches itself to its cheap quality mode there.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MOTIONCLIP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
]
HINT = "run .ci/browser-deps.sh (apt-get install chromium; pip install playwright==1.65.2)"


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"playwright is not installed; {HINT}")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"chromium not found at {CHROMIUM}; {HINT}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server: str):  # noqa: ANN001, ANN201
    ctx = browser.new_context(viewport={"width": 1000, "height": 760})
    pg = ctx.new_page()
    pg.problems = []  # console errors, uncaught exceptions, failed or foreign requests
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"pageerror: {e}"))
    pg.on("requestfailed", lambda r: pg.problems.append(f"failed: {r.url}"))
    pg.on(
        "request",
        lambda r: r.url.startswith((live_server, "data:", "blob:")) or pg.problems.append(f"foreign: {r.url}"),
    )
    pg.goto(live_server + "/")
    pg.wait_for_selector("body[data-state=ready]", timeout=30_000)
    yield pg
    ctx.close()


def _canvas(page) -> np.ndarray:  # noqa: ANN001
    from PIL import Image

    png = page.locator("#viewer canvas").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def _wait_attr_change(page, selector: str, attr: str, old: str | None, timeout: float = 15.0) -> str | None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = page.get_attribute(selector, attr)
        if now != old:
            return now
        time.sleep(0.05)
    return old


def _play(page, prompt: str) -> None:  # noqa: ANN001
    """Type ``prompt``, press Enter and wait until the figures are drawn."""
    page.fill("#prompt", prompt)
    page.press("#prompt", "Enter")
    page.wait_for_selector("body[data-state=playing]", timeout=30_000)


def test_type_prompt_and_watch(page) -> None:  # noqa: ANN001
    page.fill("#prompt", "a person walks forward; a person waves with the right hand")
    start = time.perf_counter()
    page.press("#prompt", "Enter")
    page.wait_for_selector("body[data-state=playing]", timeout=30_000)
    elapsed = time.perf_counter() - start
    print(
        f"\nEnter -> figures drawn: {elapsed * 1000:.0f} ms (quality {page.get_attribute('#viewer', 'data-quality')})"
    )
    assert page.get_attribute("#viewer", "data-figures") == "2"
    assert elapsed < 10.0

    first = _canvas(page)
    assert first.std() > 10, "canvas looks blank"
    orange = ((first[..., 0] - first[..., 2]) > 60).sum()  # the character's left limbs (warm)
    blue = ((first[..., 2] - first[..., 0]) > 50).sum()  # its right limbs (cool)
    assert orange > 50 and blue > 50, (orange, blue)

    frame = page.get_attribute("#viewer", "data-frame")
    later = _wait_attr_change(page, "#viewer", "data-frame", frame)
    assert later != frame, "animation does not advance"
    time.sleep(0.3)
    second = _canvas(page)
    assert np.abs(second - first).mean() > 0.05, "two screenshots are identical"

    links = page.locator("#motions a")
    assert links.count() == 4
    hrefs = [links.nth(i).get_attribute("href") for i in range(4)]
    assert all(h.startswith("./api/download/") for h in hrefs)
    assert not page.problems, page.problems


def test_pause_and_scrub(page) -> None:  # noqa: ANN001
    _play(page, "a person jumps")
    page.click("#play")
    assert page.text_content("#play") == "Play"
    frame = page.get_attribute("#viewer", "data-frame")
    time.sleep(0.5)
    assert page.get_attribute("#viewer", "data-frame") == frame
    page.locator("#scrub").fill("40")
    assert _wait_attr_change(page, "#viewer", "data-frame", frame) == "40"
    assert not page.problems, page.problems


def test_error_is_shown(page) -> None:  # noqa: ANN001
    page.fill("#prompt", "x" * 301)
    page.press("#prompt", "Enter")
    page.wait_for_selector("#status.error", timeout=10_000)
    assert "300" in page.text_content("#status")
    page.select_option("#mode", "interpolate")
    page.fill("#prompt", "a person walks")
    page.press("#prompt", "Enter")
    page.wait_for_selector("#status.error", timeout=10_000)
    assert "two prompts" in page.text_content("#status")


def test_interpolate_mode(page) -> None:  # noqa: ANN001
    page.select_option("#mode", "interpolate")
    page.fill("#steps", "3")
    _play(page, "a person walks; a person jumps")
    assert page.get_attribute("#viewer", "data-figures") == "3"
    assert not page.problems, page.problems


def test_classify_panel(page, walk_bvh: Path) -> None:  # noqa: ANN001
    page.click("#classify-box summary")
    page.set_input_files("#bvh-file", str(walk_bvh))
    page.fill("#classes", "walk, wave, jump")
    page.click("#classify-form button")
    page.wait_for_selector("#classify-result li", timeout=20_000)
    items = page.locator("#classify-result li:not(.note)")  # a note may follow the classes
    assert items.count() == 3
    assert "%" in items.nth(0).text_content()
    assert not page.problems, page.problems


def test_notes_and_compositions_are_shown(page, web_app, walk_bvh: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """What the API says about a prompt (its far-from-training note, its composed line) and about
    a recognition (every class far) is on the page, as the CLI prints it."""
    import motionclip.apps.classify as classify_app
    from motionclip.web.service import Generated

    service = web_app.state.service
    real = service.generate_with_closeness

    def noted(text: str, frames: int, seed: int = 0) -> Generated:
        out = real(text, frames, seed)
        note = f"note: {text!r} is far from every training description; nearest: 'a person walks'"
        return Generated(out.motion, note, f"composed: lower body + root from {text!r}, upper body from 'x'")

    monkeypatch.setattr(service, "generate_with_closeness", noted)
    _play(page, "a person walks; a person jumps")
    notes = page.locator("#notes li")
    assert page.is_visible("#notes") and notes.count() == 2
    assert notes.nth(0).text_content() == (
        "note: 'a person walks' is far from every training description; nearest: 'a person walks'"
    )
    composed = page.locator("#motions li .composed")
    assert composed.count() == 2 and page.is_visible("#motions li .composed")
    assert composed.nth(1).text_content() == "composed: lower body + root from 'a person jumps', upper body from 'x'"

    monkeypatch.setattr(classify_app, "far_note", lambda preds: "note: every offered class is far from the motion")
    page.click("#classify-box summary")
    page.set_input_files("#bvh-file", str(walk_bvh))
    page.click("#classify-form button")
    page.wait_for_selector("#classify-result li.note", timeout=20_000)
    assert page.text_content("#classify-result li.note") == "note: every offered class is far from the motion"
    assert not page.problems, page.problems


def test_samples_give_several_figures_with_their_seeds(page) -> None:  # noqa: ANN001
    page.fill("#samples", "3")
    page.fill("#seed", "7")
    _play(page, "a person walks")
    assert page.get_attribute("#viewer", "data-figures") == "3"
    names = [page.locator("#motions li span").nth(i).text_content() for i in range(3)]
    assert names == [f"a person walks (sample {k + 1}, seed {7 + k})" for k in range(3)]
    hrefs = [page.locator("#motions a").nth(i).get_attribute("href") for i in range(6)]
    assert any("seed=8" in h for h in hrefs) and all("text=a+person+walks" in h for h in hrefs)
    page.fill("#samples", "1")
    assert not page.problems, page.problems


def test_download_on_your_own_rig(page, tmp_path: Path) -> None:  # noqa: ANN001
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from rig_samples import CMU, canonical_walk, write_rig_file

    from motionclip.data.bvh import read_bvh

    rig = write_rig_file(CMU, canonical_walk(frames=30), tmp_path / "hero.bvh")
    assert page.is_visible("#rig-box")  # the tiny model is canonical-body
    page.fill("#prompt", "a person walks")
    page.fill("#frames", "20")
    page.click("#rig-box summary")
    page.set_input_files("#rig-file", str(rig))
    with page.expect_download(timeout=30_000) as info:
        page.click("#rig-form button")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "a_person_walks_on_hero.bvh"
    motion = read_bvh(saved)
    assert motion.skeleton.names == read_bvh(rig).skeleton.names and len(motion) == 20
    page.wait_for_selector("#rig-result:has-text('Saved')", timeout=10_000)
    page.fill("#prompt", "")  # no prompt: said on the panel, nothing sent
    page.click("#rig-form button")
    assert page.text_content("#rig-result") == "Type a prompt first."
    assert not page.problems, page.problems


def test_interpolate_mode_hides_the_sampling_fields(page) -> None:  # noqa: ANN001
    assert page.is_visible("#samples") and not page.is_visible("#steps")
    page.select_option("#mode", "interpolate")
    assert not page.is_visible("#samples") and not page.is_visible("#seed") and page.is_visible("#steps")
    page.select_option("#mode", "generate")
    assert page.is_visible("#samples")
