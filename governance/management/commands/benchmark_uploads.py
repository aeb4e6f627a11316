"""Time and measure the refusal of hostile workbooks on every upload route (the bound: well under a second)."""

import time
import tracemalloc

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from governance.core.tabular import UploadError, read_upload
from governance.disclosure.tables import TableError, parse_table
from governance.seeding.workbook_bombs import claimed_range_bomb, many_rows_bomb

HEADER = ["business_area", "name", "description"]


class Command(BaseCommand):
    help = "Build the outside security test's two workbook bombs and time their refusal by each upload route."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=400_000, help="Rows in the many-rows workbook")

    def handle(self, *args, rows, **options):
        bombs = {
            "claims A1:XFD5000": claimed_range_bomb(HEADER),
            f"unpacks to {rows:,} rows": many_rows_bomb(HEADER, rows),
        }
        routes = {
            "register import": lambda data: read_upload(SimpleUploadedFile("bomb.xlsx", data), HEADER),
            "release table": lambda data: parse_table(data, "bomb.xlsx"),
        }
        for bomb, data in bombs.items():
            for route, read in routes.items():
                started = time.perf_counter()
                verdict = self._refusal(read, data)
                seconds = time.perf_counter() - started
                tracemalloc.start()  # a second pass, traced (tracing slows it): what the refusal allocates
                self._refusal(read, data)
                peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
                tracemalloc.stop()
                self.stdout.write(
                    f"{route:16} {bomb:28} ({len(data) / 1024:,.1f} KB): {seconds:.3f} s, "
                    f"peak allocation {peak:.1f} MB, {verdict}"
                )

    @staticmethod
    def _refusal(read, data) -> str:
        try:
            read(data)
        except (UploadError, TableError) as exc:
            return f"refused: {getattr(exc, 'errors', [exc])[0]}"
        return "ACCEPTED"
