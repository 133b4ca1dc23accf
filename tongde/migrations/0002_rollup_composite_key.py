"""The rollup key becomes the primary key and the table's only index (see ``Rollup``).

Django cannot migrate a table to a composite primary key, so the table is made anew. Rollups
are derived figures: the fill states are cleared too, and the next scheduled run (or
``manage.py rollup``) recomputes every period from the rows, as on a fresh install."""

from django.db import migrations, models


def forget_fill_states(apps, schema_editor):
    apps.get_model("tongde", "FillState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tongde", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forget_fill_states, migrations.RunPython.noop),
        migrations.DeleteModel(name="Rollup"),
        migrations.CreateModel(
            name="Rollup",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "stat",
                        "period_kind",
                        "subject_kind",
                        "subject_id",
                        "period_start",
                        "dimension",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("stat", models.CharField(max_length=80, verbose_name="statistic")),
                (
                    "period_kind",
                    models.CharField(
                        choices=[
                            ("week", "week"),
                            ("month", "month"),
                            ("quarter", "quarter"),
                            ("year", "year"),
                        ],
                        max_length=10,
                        verbose_name="period kind",
                    ),
                ),
                ("period_start", models.DateField(verbose_name="period start")),
                ("subject_kind", models.CharField(max_length=30, verbose_name="subject kind")),
                ("subject_id", models.BigIntegerField(verbose_name="subject id")),
                (
                    "dimension",
                    models.CharField(blank=True, default="", max_length=60, verbose_name="dimension"),
                ),
                ("value", models.DecimalField(decimal_places=4, max_digits=20, verbose_name="value")),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
            ],
            options={
                "verbose_name": "rollup",
                "verbose_name_plural": "rollups",
            },
        ),
    ]
