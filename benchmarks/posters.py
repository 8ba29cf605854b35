"""Poster benchmark: the month's full poster set, side by side in one run.

    (a) cold   qm's batch renderer on an empty posters folder (fit, draw, encode; process pool)
    (a0) before the same with the PNG writer of before (Pillow's adaptive filters, zlib level 1):
               the baseline for the fast writer, run alternately with (a)
    (b) warm   the whole `qm posters` pipeline in-process (config, content, plan, render, cache check)
               with every poster up to date
    (c) floor  a minimal Pillow script drawing the same shapes and lines (already fitted) and saving
               the same PNGs, one process
    (d) chrome the same posters as HTML pages screenshotted by headless Chromium, one launch per
               poster (how most poster tools work); timed on a sample and scaled to the full set

Run by hand:  .venv/bin/python -m benchmarks.posters [--sample 20]
Needs Debian's chromium for (d) (apt-get install chromium); without it (d) is skipped.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import html
import io
import os
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.poster import batch, fonts, job_for, png
from scheduler.poster.arrange import Arrangement
from scheduler.poster.draw import colour, column_centres
from scheduler.poster.make import Job, arrangement, prepare
from scheduler.poster.marks import vertical_forms
from scheduler.poster.qr import qr_image
from scheduler.rendering.payloads import Renderer
from scheduler.support.values import poster_path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "heihe-2016" / "config.yaml"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def month_jobs(campaign: Campaign) -> list[Job]:
    """Every poster the month's plan references, deduplicated, exactly as `qm posters` collects them."""
    library = load_library(campaign.paths.content, campaign.text_values)
    renderer = Renderer(campaign)
    jobs: dict[Path, Job] = {}
    for post in make_plan(campaign, library).posts:
        for image in renderer.render(post).images:
            jobs.setdefault(poster_path(campaign.paths.posters, image), job_for(campaign, post.item, image))
    return list(jobs.values())


def cpu_timed(fn: Callable[[], object]) -> float:
    """CPU seconds (user + system) of this process and of the pool workers it waited for: on a
    machine shared with others this moves far less than the wall clock."""
    before = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    fn()
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum((a.ru_utime - b.ru_utime) + (a.ru_stime - b.ru_stime) for a, b in zip(after, before, strict=True))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@contextlib.contextmanager
def pillow_writer() -> Iterator[None]:
    """Posters encoded by Pillow's PNG writer, as before the fast writer (worker processes fork
    from this one, so they see the swap too)."""
    fast = png.png_bytes
    png.png_bytes = png.pillow_png_bytes
    try:
        yield
    finally:
        png.png_bytes = fast


def same_pixels(fast: Path, before: Path) -> int:
    """Decodes every poster of both runs and compares them; returns how many were compared."""
    files = sorted(before.rglob("*.png"))
    for old in files:
        new = fast / old.relative_to(before)
        with Image.open(old) as a, Image.open(new) as b:
            assert a.mode == b.mode and a.tobytes() == b.tobytes(), f"{new} differs from {old}"
    return len(files)


def warm_pipeline(config: Path, posters: Path) -> None:
    campaign = with_posters(load_campaign(config), posters)
    summary = batch.make_all(campaign, month_jobs(campaign))
    assert not summary.drawn, "warm run drew posters"


def with_posters(campaign: Campaign, folder: Path) -> Campaign:
    return dataclasses.replace(campaign, paths=dataclasses.replace(campaign.paths, posters=folder))


# -- (c) the floor: the same drawing with nothing but Pillow -------------------------------------


def floor(arrangements: list[Arrangement], campaign: Campaign, out: Path) -> None:
    brand = campaign.brand
    loaded: dict[tuple[int, str], ImageFont.FreeTypeFont] = {}
    for n, arr in enumerate(arrangements):
        img = Image.new("RGB", (arr.size.width, arr.size.height), colour(arr.background, brand))
        draw = ImageDraw.Draw(img)
        for shape, (x, y, w, h) in arr.shapes:
            draw.rectangle((x, y, x + w - 1, y + h - 1), fill=colour(shape.color, brand))
        for p in arr.placed:
            x, y, w, h = p.box
            if p.region.fill:
                draw.rectangle((x, y, x + w - 1, y + h - 1), fill=colour(p.region.fill, brand))
            if p.region.name == "qr":
                code = qr_image(brand.qr_link, min(w, h))
                img.paste(code, (x, y))
                continue
            key = (p.size, p.region.weight)
            if key not in loaded:
                loaded[key] = ImageFont.truetype(str(arr.font.path), p.size, index=arr.font.index, layout_engine=ImageFont.Layout.BASIC)
                loaded[key].set_variation_by_name(fonts.WEIGHTS[p.region.weight])
            font, fill = loaded[key], colour(p.region.color, brand)
            if p.region.vertical:
                for column, cx in zip(p.lines, column_centres(p), strict=True):
                    for k, ch in enumerate(vertical_forms(column)):
                        draw.text((cx, y + (k + 0.5) * p.size), ch, font=font, fill=fill, anchor="mm")
            else:
                for i, line in enumerate(p.lines):
                    draw.text((x, y + i * p.size * p.region.line_height), line, font=font, fill=fill)
        buf = io.BytesIO()
        img.save(buf, "PNG", dpi=(arr.size.dpi, arr.size.dpi), compress_level=png.PILLOW_LEVEL)
        (out / f"{n}.png").write_bytes(buf.getvalue())


# -- (d) the Chromium route ----------------------------------------------------------------------


def page(arr: Arrangement, campaign: Campaign) -> str:
    brand = campaign.brand
    parts = []
    for shape, (x, y, w, h) in arr.shapes:
        parts.append(f'<div style="left:{x}px;top:{y}px;width:{w}px;height:{h}px;background:{colour(shape.color, brand)}"></div>')
    for p in arr.placed:
        x, y, w, h = p.box
        bg = f"background:{colour(p.region.fill, brand)};" if p.region.fill else ""
        if p.region.name == "qr":
            buf = io.BytesIO()
            qr_image(brand.qr_link, min(w, h)).save(buf, "PNG")
            src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
            parts.append(f'<img src="{src}" style="position:absolute;left:{x}px;top:{y}px">')
            continue
        weight = {"regular": 400, "medium": 500, "bold": 700, "heavy": 900}[p.region.weight]
        mode = "writing-mode:vertical-rl;" if p.region.vertical else ""
        text = "<br>".join(html.escape(line) for line in p.lines)
        parts.append(
            f'<div style="left:{x}px;top:{y}px;width:{w}px;height:{h}px;{bg}{mode}font-size:{p.size}px;'
            f"font-weight:{weight};line-height:{p.region.line_height};color:{colour(p.region.color, brand)};"
            f'text-align:{p.region.align}">{text}</div>'
        )
    return (
        "<!doctype html><meta charset=utf-8><style>html,body{margin:0;overflow:hidden}"
        "div{position:absolute;font-family:'Noto Sans CJK SC',sans-serif;white-space:nowrap}</style>"
        f'<body style="width:{arr.size.width}px;height:{arr.size.height}px;background:{colour(arr.background, brand)}">'
        + "".join(parts)
        + "</body>"
    )


def chromium(binary: str, arrangements: list[Arrangement], campaign: Campaign, out: Path) -> None:
    for n, arr in enumerate(arrangements):
        html_file = out / f"{n}.html"
        html_file.write_text(page(arr, campaign), encoding="utf-8")
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [
                    binary,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    f"--window-size={arr.size.width},{arr.size.height}",
                    f"--screenshot={out / f'{n}.png'}",
                    html_file.as_uri(),
                ],
                capture_output=True,
                timeout=120,
                check=True,
            )


# -- the run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=20, help="posters screenshotted by Chromium (scaled to the full set)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of floor and cold runs; the best of each counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        campaign = with_posters(load_campaign(CONFIG), work / "posters")
        jobs = month_jobs(campaign)
        font_files = fonts.candidates(campaign.brand.font)
        arrangements = [arrangement(campaign, prepare(campaign, j, font_files), font_files) for j in jobs]
        pixels = sum(a.size.width * a.size.height for a in arrangements) / 1e6
        print(f"{len(jobs)} posters, {pixels:.0f} Mpx; {platform.python_version()}, {os.cpu_count()} cores")

        # Shared machines are noisy: alternate the floor and the cold run, keep each one's best round.
        t_floor = t_cold = t_serial = t_before = cpu_cold = cpu_before = float("inf")
        for n in range(args.rounds):
            (work / f"floor{n}").mkdir()
            t_floor = min(t_floor, timed(lambda: floor(arrangements, campaign, work / f"floor{n}")))  # noqa: B023
            fresh = with_posters(campaign, work / f"cold{n}")
            fresh_jobs = [dataclasses.replace(j, out=work / f"cold{n}" / j.out.relative_to(work / "posters")) for j in jobs]
            t_cold = min(t_cold, timed(lambda: batch.make_all(fresh, fresh_jobs)))  # noqa: B023
            cpu_jobs = [dataclasses.replace(j, out=work / f"cpu{n}" / j.out.relative_to(work / "posters")) for j in jobs]
            cpu_cold = min(cpu_cold, cpu_timed(lambda: batch.make_all(fresh, cpu_jobs, workers=1)))  # noqa: B023
            before_jobs = [dataclasses.replace(j, out=work / f"before{n}" / j.out.relative_to(work / "posters")) for j in jobs]
            with pillow_writer():
                t_before = min(t_before, timed(lambda: batch.make_all(fresh, before_jobs)))  # noqa: B023
                cpu_jobs = [dataclasses.replace(j, out=work / f"cpu-before{n}" / j.out.relative_to(work / "posters")) for j in jobs]
                cpu_before = min(cpu_before, cpu_timed(lambda: batch.make_all(fresh, cpu_jobs, workers=1)))  # noqa: B023
            serial_jobs = [dataclasses.replace(j, out=work / f"serial{n}" / j.out.relative_to(work / "posters")) for j in jobs]
            t_serial = min(t_serial, timed(lambda: batch.make_all(fresh, serial_jobs, workers=1)))  # noqa: B023
        print(f"pixels identical to the Pillow writer's: {same_pixels(work / 'cold0', work / 'before0')} posters")
        batch.make_all(campaign, jobs)
        t_warm = min(timed(lambda: warm_pipeline(CONFIG, work / "posters")) for _ in range(5))

        print(f"load average during the run: {os.getloadavg()[0]:.1f}")
        print(f"(a) cold, {os.cpu_count()} processes: {t_cold:7.2f} s  ({t_cold / t_floor:.2f}x floor)")
        print(f"(a0) cold, Pillow writer:  {t_before:7.2f} s  (fast writer {t_before / t_cold:.2f}x faster; PNG by {png.DEFLATE})")
        print(f"     CPU, 1 process: fast writer {cpu_cold:.2f} s, Pillow writer {cpu_before:.2f} s ({cpu_before / cpu_cold:.2f}x)")
        print(f"    cold, 1 process:       {t_serial:7.2f} s  ({t_serial / t_floor:.2f}x floor)")
        print(f"(b) warm, whole pipeline:  {t_warm:7.3f} s")
        print(f"(c) floor, minimal Pillow: {t_floor:7.2f} s")
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary is None:
            print("(d) chromium: not installed, skipped (apt-get install chromium)")
            return
        step = max(1, len(arrangements) // args.sample)
        sample = arrangements[::step][: args.sample]
        (work / "chrome").mkdir()
        t_sample = timed(lambda: chromium(binary, sample, campaign, work / "chrome"))
        t_chrome = t_sample / len(sample) * len(arrangements)
        print(
            f"(d) chromium: {t_sample:.2f} s for {len(sample)} posters -> {t_chrome:7.1f} s for the set "
            f"({t_chrome / t_cold:.0f}x slower than cold)"
        )


if __name__ == "__main__":
    main()
