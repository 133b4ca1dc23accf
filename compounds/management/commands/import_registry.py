"""Import a registry file (.xlsx or .csv) into one community, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from compounds import imports
from compounds.models import Community, RegistryImport


class Command(BaseCommand):
    help = (
        "Import dwellings from an .xlsx or .csv file (columns: "
        + ", ".join(imports.COLUMNS)
        + "). A file with any bad row saves nothing and every error is printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("community", help="slug of the community, e.g. tongde-lane")
        parser.add_argument("file", type=Path, help="path to the .xlsx or .csv file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, change nothing"
        )

    def handle(self, *args, community: str, file: Path, dry_run: bool, **options) -> None:
        try:
            target = Community.objects.get(slug=community)
        except Community.DoesNotExist as exc:
            raise CommandError(
                _("No community with the slug %(slug)s.") % {"slug": community}
            ) from exc
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc

        # The same path as the upload page, so the command leaves the same audit record.
        record = imports.registry_import_upload(community=target, filename=file.name, data=data)
        if record.status == RegistryImport.Status.PENDING and not dry_run:
            try:
                summary = imports.registry_import_apply(registry_import_id=record.pk)
            except imports.RegistryImportInvalid:
                record.refresh_from_db()
            else:
                self._print_summary(summary.as_dict(), applied=True)
                return
        if record.errors:
            # In the active language, like the preview page: the record keeps msgids, not text.
            for error in record.errors:
                self.stderr.write(str(imports.describe_error(error)))
            raise CommandError(
                _("%(count)d errors in %(file)s; nothing was saved.")
                % {"count": len(record.errors), "file": file.name}
            )
        self._print_summary(record.summary, applied=False)

    def _print_summary(self, summary: dict, *, applied: bool) -> None:
        rows = summary.get("rows", 0)
        if applied:
            title = ngettext("Imported %(rows)d row:", "Imported %(rows)d rows:", rows)
        else:
            title = ngettext(
                "Checked %(rows)d row, nothing saved:",
                "Checked %(rows)d rows, nothing saved:",
                rows,
            )
        self.stdout.write(self.style.SUCCESS(title % {"rows": rows}))
        for key, value in summary.items():
            if key not in ("rows", "sample"):
                self.stdout.write(f"  {key}: {value}")
