"""Write the SCIM endpoint's OpenAPI description (for the fuzzing run, scripts/api-fuzz)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from governance.register.scim_openapi import openapi_document


class Command(BaseCommand):
    help = "Write an OpenAPI 3.0 description of the SCIM endpoint, built from its published schemas."

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="Where to write the JSON document.")

    def handle(self, *args, file, **options):
        with open(file, "w") as out:
            json.dump(openapi_document(), out, indent=1)
