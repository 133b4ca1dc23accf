"""A collation for names people read in Chinese, on PostgreSQL: pinyin order (帝豪 before 供电局,
not the order of their character codes) with numbers by value (楼院2号 before 楼院14号).

ICU's ``zh-u-kn-true``; a server built without ICU gets a copy of "C" under the same name, so
the ordering still runs (by character code, as before). SQLite has no collations to create:
there the choice lists sort in Python (``compounds.choices``)."""

from django.db import migrations, transaction

NAME = "tongde_zh"


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(
                f"CREATE COLLATION IF NOT EXISTS {NAME} (provider = icu, locale = 'zh-u-kn-true')"
            )
    except Exception:  # no ICU on this server
        schema_editor.execute(f'CREATE COLLATION IF NOT EXISTS {NAME} FROM "C"')


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP COLLATION IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("compounds", "0007_registry_natural_sort_keys")]

    operations = [migrations.RunPython(create_collation, drop_collation)]
