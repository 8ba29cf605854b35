"""Which files under the content folder are content: `.md` and `.yaml`/`.yml`, README.md excepted.

A file that looks meant as content under another name (`.MD` from a Windows editor, `.markdown`,
`.txt`) is reported with the name to give it, not skipped in silence; others (pictures) are left alone.
"""

from __future__ import annotations

from pathlib import Path

from .readers import Reader

READ = (".md", ".yaml", ".yml")
RENAMED = {".md": ".md", ".yaml": ".yaml", ".yml": ".yml", ".markdown": ".md", ".mdown": ".md", ".txt": ".md"}


def content_files(folder: Path, r: Reader) -> list[Path]:
    """The content files under `folder`, in name order; a problem in `r` for each one meant as content but not read."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.name.lower() == "readme.md" or not path.is_file():
            continue
        if path.suffix in READ:
            found.append(path)
        elif path.suffix.lower() in RENAMED:
            hint = f"改名为 {path.stem}{RENAMED[path.suffix.lower()]}；不是内容的文件请移出内容库目录"
            r.problem(str(path), f"qm 只读扩展名为 .md 或 .yaml（小写）的内容文件，这个 {path.suffix} 文件没有读", hint)
    return found
