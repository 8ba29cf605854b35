"""Making many posters: keys computed up front, unchanged posters skipped, the rest drawn in parallel
by a process pool (one worker per core; drawing and PNG encoding are CPU-bound)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs.campaign import Campaign
from ..support.errors import PosterError, Problem, QmError
from ..support.orphans import die_with_parent
from . import cache, fonts, glyphs
from .job import Job
from .make import Made, make_poster, words
from .prepared import Prepared, describe, prepare

Progress = Callable[[int, int], None]


@dataclass
class Summary:
    drawn: list[Made] = field(default_factory=list)
    skipped: list[Made] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [f for m in self.drawn + self.skipped for f in m.files]


def make_all(
    campaign: Campaign,
    jobs: Sequence[Job],
    *,
    font_files: Sequence[fonts.FontFile] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> Summary:
    """Make every job; report all failures together after the others are done."""
    font_files = list(font_files if font_files is not None else fonts.candidates(campaign.brand.font))
    if not font_files and jobs:  # no Chinese font at all: said once, with how many posters it stops, not once a poster
        raise PosterError(problems=[fonts.no_font_problem(len(_unique(jobs)))])
    summary = Summary()
    todo: list[Prepared] = []
    # words that cannot be drawn are said once per text with its file:line, not once per poster of it;
    # all texts are checked together first (each character looked up once), one by one only if one fails
    texts = list(dict.fromkeys(job.text for job in jobs))
    undrawable = (
        {text: found for text in texts if (found := glyphs.text_problems([text], font_files))}
        if glyphs.text_problems(texts, font_files)
        else {}
    )
    for job in _unique([job for job in jobs if job.text not in undrawable]):
        p = prepare(campaign, job, font_files)
        files = None if force else cache.fresh_files(job.out, p.key)
        if files:
            summary.skipped.append(Made(job, tuple(files), False))
        else:
            todo.append(p)
    todo.sort(key=lambda p: -p.size.width * p.size.height)  # big ones first: the pool ends together
    if todo and font_files:  # the workers inherit the widths: none of them opens a face to measure
        fonts.measure_ahead(font_files[0], map(words, todo))
    problems: list[Problem] = [problem for found in undrawable.values() for problem in found]
    skipped = sum(1 for job in _unique(jobs) if job.text in undrawable)
    for done, result in enumerate(_run(campaign, todo, font_files, workers), start=1):
        if isinstance(result, Made):
            summary.drawn.append(result)
        else:
            problems.append(Problem(result))
        if progress:
            progress(done, len(todo))
    if problems:
        failed = len(problems) - sum(map(len, undrawable.values())) + skipped
        raise PosterError(f"有 {failed} 张海报无法生成（其余 {len(summary.drawn)} 张已生成）", problems)
    return summary


def _unique(jobs: Sequence[Job]) -> list[Job]:
    seen: dict[Path, Job] = {}
    for job in jobs:
        seen.setdefault(job.out, job)
    return list(seen.values())


def _run(campaign: Campaign, todo: list[Prepared], font_files: list[fonts.FontFile], workers: int | None):  # type: ignore[no-untyped-def]
    workers = min(workers or os.cpu_count() or 1, len(todo))
    if workers <= 1:
        _init(campaign, font_files)
        for p in todo:
            yield _work(p)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from . import draw, export  # noqa: F401 - loaded before the workers fork, not once in each of them

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init, initargs=(campaign, font_files)) as pool:
        futures = [pool.submit(_work, p) for p in todo]
        for future in as_completed(futures):
            yield future.result()


_STATE: dict[str, object] = {}


def _init(campaign: Campaign, font_files: list[fonts.FontFile]) -> None:
    _STATE["campaign"], _STATE["fonts"] = campaign, font_files


def _worker_init(campaign: Campaign, font_files: list[fonts.FontFile]) -> None:
    die_with_parent()  # a killed `qm posters` must not leave its workers drawing on
    _init(campaign, font_files)


def _work(p: Prepared) -> Made | str:
    """Runs in a worker: errors come back as text (exception objects with extra fields pickle badly)."""
    campaign = _STATE["campaign"]
    font_files = _STATE["fonts"]
    assert isinstance(campaign, Campaign) and isinstance(font_files, list)
    try:
        return make_poster(campaign, p, font_files, force=True)
    except QmError as exc:
        return "；".join(exc.lines()) if exc.problems else str(exc)
    except Exception as exc:  # a bug must not hide the other posters' results
        return f"{describe(p)}：内部错误 {type(exc).__name__}: {exc}"
