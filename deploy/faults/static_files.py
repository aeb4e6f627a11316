"""collectstatic for the fault tests, skipped when what it would write is already there.

The production storage compresses every file each time (minutes of CPU on a shared machine),
so the run records, next to the collected files, a digest of every source file the finders
list (path, size, modification time), the storage and the versions that shape the output,
and the manifest's own digest. When both still match, the collected files are those
collectstatic would write again; any change to a source, or to the collected manifest, runs
it in full. Run through ``manage.py shell -c "import static_files; static_files.collect()"``.
"""

from __future__ import annotations

import hashlib
import os
from importlib.metadata import version
from pathlib import Path

import django
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

IGNORE = ["CVS", ".*", "*~"]  # collectstatic's own default ignore patterns


def sources_digest() -> str:
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    entries = [f"{backend} django {django.__version__} whitenoise {version('whitenoise')}"]
    for finder in get_finders():
        for path, storage in finder.list(IGNORE):
            full = storage.path(path)
            stat = os.stat(full)
            entries.append(f"{path}\0{full}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def stamp(root: Path, sources: str) -> str:
    manifest = root / "staticfiles.json"
    collected = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else "none"
    return f"{sources} {collected}"


def collect() -> None:
    root = Path(settings.STATIC_ROOT)
    record = root / ".faults-sources"
    sources = sources_digest()
    if record.exists() and record.read_text() == stamp(root, sources) and (root / "staticfiles.json").exists():
        print("static files already collected from these sources")
        return
    record.unlink(missing_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    record.write_text(stamp(root, sources))
    print("static files collected")
