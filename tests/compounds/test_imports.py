"""Registry import: parsing, every error kind with nothing saved, encodings, idempotence."""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from decimal import Decimal
from pathlib import PurePath

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from compounds import imports
from compounds.imports import (
    COLUMNS,
    ColumnPlace,
    ImportRefused,
    RowError,
    parse_registry_file,
    registry_import,
    registry_import_apply,
    registry_import_upload,
)
from compounds.models import (
    Building,
    Compound,
    Dwelling,
    Household,
    Owner,
    RegistryImport,
    Unit,
)
from tests import factories

GOOD = {
    "compound": "康盛花园",
    "kind": "managed",
    "building": "1号楼",
    "unit": "1单元",
    "dwelling": "101",
    "area_m2": "89.50",
    "owner_ref": "KS-0001",
    "owner_name": "张三",
    "developer_held": "no",
    "residents": "3",
}


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def make_csv(rows: list[dict[str, str]], *, encoding: str = "utf-8", columns=COLUMNS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return buffer.getvalue().encode(encoding)


def make_xlsx(rows: list[list[object]], *, header=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def registry_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Compound, Building, Unit, Dwelling, Owner, Household)
    }


def shown(record) -> list[tuple[int | None, str, str]]:
    """A record's errors as (row, column code, message as the active language says it)."""
    return [(e["row"], e["column"], imports.describe_error(e).message) for e in record.errors]


def upload_and_try_to_apply(community, data: bytes, filename: str = "registry.csv"):
    """The real path: upload (check), then try to apply; returns the record."""
    record = registry_import_upload(community=community, filename=filename, data=data)
    if record.status == RegistryImport.Status.PENDING:
        with contextlib.suppress(imports.RegistryImportInvalid):
            registry_import_apply(registry_import_id=record.pk)
        record.refresh_from_db()
    else:
        with pytest.raises(ImportRefused):
            registry_import_apply(registry_import_id=record.pk)
    return record


# --- Valid files ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_utf8_csv_creates_every_level(community):
    # given
    data = make_csv(
        [
            row(),
            row(dwelling="102", owner_ref="KS-0002", owner_name="李四", residents="0"),
            row(unit="2单元", dwelling="201", owner_ref="KS-0003", owner_name="王五"),
            row(
                compound="同德巷小区",
                kind="散居楼院",
                building="8号",
                unit="1单元",
                owner_ref="TD-1",
                owner_name="赵六",
            ),
        ]
    )
    parsed = parse_registry_file(data=data, filename="registry.csv")

    # when
    summary = registry_import(community=community, rows=parsed.rows)

    # then
    assert parsed.errors == []
    assert parsed.encoding == "utf-8"
    assert summary.as_dict() == {
        "rows": 4,
        "compounds_created": 2,
        "buildings_created": 2,
        "units_created": 3,
        "owners_created": 4,
        "owners_updated": 0,
        "dwellings_created": 4,
        "dwellings_updated": 0,
        "households_created": 3,
        "households_updated": 0,
        "households_closed": 0,
    }
    kangsheng = Compound.objects.get(community=community, name="康盛花园")
    assert kangsheng.kind == Compound.Kind.MANAGED
    assert Compound.objects.get(name="同德巷小区").kind == Compound.Kind.COURTYARD
    dwelling = Dwelling.objects.get(unit__building__compound=kangsheng, code="101")
    assert dwelling.area_m2 == Decimal("89.50")
    assert dwelling.owner.name == "张三"
    assert dwelling.owner.community == community
    assert dwelling.households.get().residents == 3
    # residents 0: vacant, no household
    assert not Household.objects.filter(dwelling__code="102").exists()
    # the history keeps who wrote what
    assert Dwelling.history.count() == 4


@pytest.mark.django_db
def test_a_gbk_csv_with_chinese_names_imports(community):
    # given: what Excel on a Chinese Windows writes as "CSV"
    data = make_csv(
        [row(), row(dwelling="102", owner_ref="KS-0002", owner_name="欧阳娜娜")],
        encoding="gbk",
    )

    # when
    parsed = parse_registry_file(data=data, filename="小区.csv")
    registry_import(community=community, rows=parsed.rows)

    # then
    assert parsed.errors == []
    assert parsed.encoding == "gb18030"
    assert Compound.objects.get().name == "康盛花园"
    assert Building.objects.get().code == "1号楼"
    assert sorted(Owner.objects.values_list("name", flat=True)) == ["张三", "欧阳娜娜"]


@pytest.mark.django_db
def test_a_utf8_csv_with_bom_imports(community):
    # given: Excel's "CSV UTF-8" starts with a byte-order mark
    data = make_csv([row()], encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")

    # when
    parsed = parse_registry_file(data=data, filename="registry.csv")
    registry_import(community=community, rows=parsed.rows)

    # then: the BOM did not stick to the first header
    assert parsed.errors == []
    assert parsed.encoding == "utf-8-sig"
    assert Compound.objects.get().name == "康盛花园"


@pytest.mark.django_db
def test_an_xlsx_with_typed_cells_imports(community):
    # given: Excel stores numbers as floats and flags as booleans
    data = make_xlsx(
        [
            ["康盛花园", "物管小区", "1号楼", "1单元", 101, 89.5, "KS-0001", "张三", False, 3],
            [None] * 10,  # a blank row is skipped but still counts in the numbering
            ["康盛花园", "managed", "1号楼", "1单元", 102, 120, "", "", True, 0.0],
        ]
    )

    # when
    parsed = parse_registry_file(data=data, filename="registry.xlsx")
    registry_import(community=community, rows=parsed.rows)

    # then
    assert parsed.errors == []
    assert parsed.format == "xlsx"
    assert [r.row for r in parsed.rows] == [2, 4]
    assert [r.dwelling for r in parsed.rows] == ["101", "102"]
    d101, d102 = Dwelling.objects.order_by("code")
    assert d101.area_m2 == Decimal("89.50")
    assert d102.area_m2 == Decimal("120.00")
    assert d102.is_developer_held is True
    assert d102.owner is None


@pytest.mark.django_db
def test_an_xlsx_named_csv_is_read_by_content(community):
    # given
    data = make_xlsx([list(GOOD.values())])

    # when
    parsed = parse_registry_file(data=data, filename="registry.csv")

    # then
    assert parsed.format == "xlsx"
    assert parsed.errors == []


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(community):
    # given
    data = make_csv(
        [row(), row(dwelling="102", residents="0"), row(dwelling="103", developer_held="yes")]
    )
    rows = parse_registry_file(data=data, filename="r.csv").rows
    registry_import(community=community, rows=rows)
    before = registry_counts()
    history_before = (Dwelling.history.count(), Owner.history.count(), Household.history.count())

    # when
    summary = registry_import(community=community, rows=rows)

    # then
    assert summary.changes == 0
    assert summary.rows == 3
    assert registry_counts() == before
    assert (
        Dwelling.history.count(),
        Owner.history.count(),
        Household.history.count(),
    ) == history_before


@pytest.mark.django_db
def test_one_owner_may_hold_several_dwellings(community):
    # given
    data = make_csv([row(), row(dwelling="102"), row(building="2号楼", dwelling="201")])

    # when
    registry_import(community=community, rows=parse_registry_file(data=data, filename="r.csv").rows)

    # then
    owner = Owner.objects.get()
    assert owner.owner_ref == "KS-0001"
    assert owner.dwellings.count() == 3


@pytest.mark.django_db
def test_developer_held_dwellings(community):
    # given: one unsold part without an owner, one registered to the developer's reference
    data = make_csv(
        [
            row(owner_ref="", owner_name="", developer_held="是"),
            row(dwelling="102", owner_ref="DEV-1", owner_name="康盛地产", developer_held="1"),
            row(dwelling="103", developer_held="否"),
        ]
    )

    # when
    registry_import(community=community, rows=parse_registry_file(data=data, filename="r.csv").rows)

    # then
    d101, d102, d103 = Dwelling.objects.order_by("code")
    assert (d101.is_developer_held, d101.owner) == (True, None)
    assert d102.is_developer_held is True
    assert d102.owner.kind == Owner.Kind.ORGANISATION
    assert d103.is_developer_held is False
    assert d103.owner.kind == Owner.Kind.PERSON


@pytest.mark.django_db
def test_a_second_file_updates_what_changed(community):
    # given
    first = make_csv([row(), row(dwelling="102", owner_ref="KS-2", owner_name="李四")])
    registry_import(community=community, rows=parse_registry_file(data=first, filename="a").rows)
    second = make_csv(
        [
            row(area_m2="90.00", owner_name="张三丰", residents="4"),
            row(dwelling="102", owner_ref="KS-2", owner_name="李四", residents="0"),
        ]
    )

    # when
    summary = registry_import(
        community=community, rows=parse_registry_file(data=second, filename="b").rows
    )

    # then
    assert summary.dwellings_updated == 1
    assert summary.owners_updated == 1
    assert summary.households_updated == 1
    assert summary.households_closed == 1
    d101 = Dwelling.objects.get(code="101")
    assert d101.area_m2 == Decimal("90.00")
    assert d101.owner.name == "张三丰"
    assert d101.households.get().residents == 4
    # the vacant dwelling's household moved out; it is kept, not deleted
    moved = Household.objects.get(dwelling__code="102")
    assert moved.moved_out_on is not None


@pytest.mark.django_db
def test_awkward_text_survives_the_bulk_write(community):
    # given: the characters that CSV and PostgreSQL COPY treat specially
    name = 'O"Brien, \\N\tJr'
    data = make_csv([row(owner_name=name, compound="花园, 一期")])

    # when
    registry_import(community=community, rows=parse_registry_file(data=data, filename="r").rows)

    # then
    assert Owner.objects.get().name == name
    assert Owner.objects.get().phone == ""
    assert Owner.history.get().name == name
    assert Compound.objects.get().name == "花园, 一期"


@pytest.mark.django_db
def test_import_queries_do_not_grow_with_rows(community, django_assert_max_num_queries):
    # given: 300 dwellings over 3 compounds
    rows = [
        row(
            compound=f"小区{i % 3}",
            building=f"{i % 5}号楼",
            unit=f"{i % 2}单元",
            dwelling=str(1000 + i),
            owner_ref=f"O-{i}",
            owner_name=f"业主{i}",
        )
        for i in range(300)
    ]
    parsed = parse_registry_file(data=make_csv(rows), filename="r.csv")

    # when / then: a fixed number of reads and bulk writes, not one per row
    with django_assert_max_num_queries(40):
        summary = registry_import(community=community, rows=parsed.rows)
    assert summary.dwellings_created == 300


# --- Every error kind, with nothing saved -----------------------------------------------------


ROW_ERRORS = [
    # (label, the bad row, column, message)
    ("missing compound", row(compound=""), "compound", imports.MISSING_VALUE),
    ("missing building", row(building=" "), "building", imports.MISSING_VALUE),
    ("missing unit", row(unit=""), "unit", imports.MISSING_VALUE),
    ("missing dwelling", row(dwelling=""), "dwelling", imports.MISSING_VALUE),
    ("missing area", row(area_m2=""), "area_m2", imports.MISSING_VALUE),
    ("missing residents", row(residents=""), "residents", imports.MISSING_VALUE),
    ("missing kind", row(kind=""), "kind", imports.MISSING_VALUE),
    (
        "negative area",
        row(area_m2="-5"),
        "area_m2",
        imports.AREA_NOT_POSITIVE % {"value": "-5"},
    ),
    ("zero area", row(area_m2="0"), "area_m2", imports.AREA_NOT_POSITIVE % {"value": "0"}),
    (
        "non-numeric area",
        row(area_m2="八十"),
        "area_m2",
        imports.AREA_NOT_NUMBER % {"value": "八十"},
    ),
    ("NaN area", row(area_m2="NaN"), "area_m2", imports.AREA_NOT_NUMBER % {"value": "NaN"}),
    (
        "area with three decimals",
        row(area_m2="89.555"),
        "area_m2",
        imports.AREA_TOO_PRECISE % {"value": "89.555"},
    ),
    (
        "area too large",
        row(area_m2="10000000"),
        "area_m2",
        imports.AREA_TOO_LARGE % {"value": "10000000"},
    ),
    ("unknown kind", row(kind="villa"), "kind", imports.UNKNOWN_KIND % {"value": "villa"}),
    (
        "bad developer flag",
        row(developer_held="maybe"),
        "developer_held",
        imports.BAD_BOOLEAN % {"value": "maybe"},
    ),
    (
        "fractional residents",
        row(residents="2.5"),
        "residents",
        imports.RESIDENTS_NOT_INTEGER % {"value": "2.5"},
    ),
    (
        "text residents",
        row(residents="three"),
        "residents",
        imports.RESIDENTS_NOT_INTEGER % {"value": "three"},
    ),
    (
        "negative residents",
        row(residents="-1"),
        "residents",
        imports.RESIDENTS_NEGATIVE % {"value": "-1"},
    ),
    (
        "implausible residents",
        row(residents="100"),
        "residents",
        imports.RESIDENTS_TOO_LARGE % {"value": "100"},
    ),
    (
        "name without owner_ref",
        row(owner_ref="", developer_held="no"),
        "owner_ref",
        imports.MISSING_OWNER_REF % {"column": "owner_name"},
    ),
    ("owner_ref without name", row(owner_name=""), "owner_name", imports.MISSING_VALUE),
    (
        "no owner and not the developer's",
        row(owner_ref="", owner_name=""),
        "owner_ref",
        imports.MISSING_OWNER,
    ),
    ("building code too long", row(building="楼" * 31), "building", imports.TOO_LONG % {"max": 30}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [case[1:] for case in ROW_ERRORS],
    ids=[case[0] for case in ROW_ERRORS],
)
def test_a_bad_row_is_reported_and_nothing_is_saved(community, bad, column, message):
    # given: a good row 2, the bad row 3 (in another dwelling so that only its own fault shows)
    data = make_csv([row(dwelling="100"), {**bad, "dwelling": bad["dwelling"] and "101"}])
    before = registry_counts()

    # when
    record = upload_and_try_to_apply(community, data)

    # then
    assert record.status == RegistryImport.Status.INVALID
    assert shown(record) == [(3, column, str(message))]
    assert registry_counts() == before


CROSS_ROW_ERRORS = [
    (
        "duplicate dwelling",
        [row(), row(owner_ref="KS-9", owner_name="李四")],
        "dwelling",
        imports.DUPLICATE_DWELLING % {"row": 2},
    ),
    (
        "one owner_ref, two names",
        [row(), row(dwelling="102", owner_name="张叁")],
        "owner_name",
        imports.OWNER_NAME_CONFLICT % {"ref": "KS-0001", "name": "张三", "row": 2},
    ),
    (
        "one compound, two kinds",
        [row(), row(dwelling="102", kind="courtyard")],
        "kind",
        imports.KIND_CONFLICT_IN_FILE
        % {"compound": "康盛花园", "kind": Compound.Kind.MANAGED.label, "row": 2},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "column", "message"),
    [case[1:] for case in CROSS_ROW_ERRORS],
    ids=[case[0] for case in CROSS_ROW_ERRORS],
)
def test_a_conflict_between_rows_is_reported_on_the_later_row(community, rows, column, message):
    # given
    before = registry_counts()

    # when
    record = upload_and_try_to_apply(community, make_csv(rows))

    # then
    assert shown(record) == [(3, column, str(message))]
    assert registry_counts() == before


@pytest.mark.django_db
def test_every_bad_row_is_reported_with_its_excel_row_number(community):
    # given: bad rows 3, 5 (two faults) and 7; a blank line at row 6 still counts
    data = (
        make_csv([row(dwelling="101"), row(dwelling="102", area_m2="-1")])
        + b"\r\n".join(
            [
                ",".join(row(dwelling="103").values()).encode(),
                ",".join(row(dwelling="104", kind="villa", residents="x").values()).encode(),
                b"",
                ",".join(row(dwelling="105", compound="").values()).encode(),
            ]
        )
        + b"\r\n"
    )
    before = registry_counts()

    # when
    record = upload_and_try_to_apply(community, data)

    # then
    assert [(e["row"], e["column"]) for e in record.errors] == [
        (3, "area_m2"),
        (5, "kind"),
        (5, "residents"),
        (7, "compound"),
    ]
    assert record.row_count == 5  # blank lines are not rows
    assert registry_counts() == before


FILE_ERRORS = [
    ("empty file", b"", "registry.csv", imports.FILE_EMPTY),
    ("blank file", b" \r\n\r\n", "registry.csv", imports.FILE_EMPTY),
    ("header only", make_csv([]), "registry.csv", imports.FILE_NO_ROWS),
    (
        "neither UTF-8 nor GBK",
        make_csv([row()]) + b"\xff\xfe\xff\r\n",
        "registry.csv",
        imports.FILE_BAD_ENCODING,
    ),
    (
        "UTF-16 text",
        make_csv([row()]).decode().encode("utf-16"),
        "registry.csv",
        imports.FILE_BAD_ENCODING,
    ),
    ("old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "r.xls", imports.FILE_OLD_XLS),
    ("a picture", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "photo.png", imports.FILE_NOT_WORKBOOK),
    ("text that claims to be xlsx", make_csv([row()]), "r.xlsx", imports.FILE_BROKEN_WORKBOOK),
    ("a broken zip", b"PK\x03\x04" + b"garbage" * 10, "r.xlsx", imports.FILE_BROKEN_WORKBOOK),
]


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


FILE_ERRORS.append(("a Word file", _zip_without_workbook(), "r.docx", imports.FILE_NOT_WORKBOOK))
FILE_ERRORS.append(
    ("a Word file named xlsx", _zip_without_workbook(), "r.xlsx", imports.FILE_NOT_WORKBOOK)
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [case[1:] for case in FILE_ERRORS],
    ids=[case[0] for case in FILE_ERRORS],
)
def test_a_bad_file_is_refused_as_a_whole(community, data, filename, message):
    # given
    before = registry_counts()

    # when
    record = upload_and_try_to_apply(community, data, filename)

    # then
    assert shown(record) == [(None, "", str(message))]
    assert registry_counts() == before


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(community, settings):
    # given
    settings.REGISTRY_IMPORT_MAX_BYTES = 100
    data = make_csv([row(), row(dwelling="102")])
    before = registry_counts()

    # when
    record = upload_and_try_to_apply(community, data)

    # then
    limit = f"{100:,}"
    expected = imports.FILE_TOO_LARGE % {"size": f"{len(data):,}", "limit": limit}
    assert shown(record) == [(None, "", str(expected))]
    assert registry_counts() == before


HEADER_ERRORS = [
    # (label, the header, [(column, header as written, letter, message)])
    (
        "missing column",
        [c for c in COLUMNS if c != "residents"],
        [("residents", "", "", imports.MISSING_COLUMN)],
    ),
    (
        "unknown column",
        [*COLUMNS, "colour"],
        [("", "colour", "K", imports.UNKNOWN_COLUMN % {"columns": ", ".join(COLUMNS)})],
    ),
    ("column twice", [*COLUMNS, "类型"], [("kind", "类型", "K", imports.DUPLICATE_COLUMN)]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("columns", "expected"),
    [case[1:] for case in HEADER_ERRORS],
    ids=[case[0] for case in HEADER_ERRORS],
)
def test_a_bad_header_is_reported(community, columns, expected):
    # given
    data = make_csv([row()], columns=columns)
    before = registry_counts()

    # when
    record = upload_and_try_to_apply(community, data)

    # then: on row 1, each named as the file has it where it has it
    assert [
        (e["row"], e["column"], e["header"], e["letter"], imports.describe_error(e).message)
        for e in record.errors
    ] == [(1, column, header, letter, str(message)) for column, header, letter, message in expected]
    assert registry_counts() == before


def test_chinese_headers_and_a_semicolon_delimiter_are_understood():
    # given
    header = "小区;类型;楼栋;单元;户号;面积;业主编号;业主姓名;开发商持有;居住人数"
    data = (header + "\n" + ";".join(GOOD.values()) + "\n").encode()

    # when
    parsed = parse_registry_file(data=data, filename="r.csv")

    # then
    assert parsed.errors == []
    assert parsed.rows[0].compound == "康盛花园"


# --- Errors name the columns as the file does, in the reader's language -------------------------

# 面积 in column C, where the template has kind: the letter comes from the file, not the template.
CHINESE_HEADER = [
    "小区",
    "类型",
    "面积",
    "楼栋",
    "单元",
    "户号",
    "业主编号",
    "业主姓名",
    "开发商持有",
    "人数",
]
CHINESE_ORDER = [
    "compound",
    "kind",
    "area_m2",
    "building",
    "unit",
    "dwelling",
    "owner_ref",
    "owner_name",
    "developer_held",
    "residents",
]


def chinese_csv(rows: list[dict[str, str]]) -> bytes:
    lines = [",".join(CHINESE_HEADER)] + [",".join(r[c] for c in CHINESE_ORDER) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def where(row: int, letter: str, name: str) -> str:
    """What the active language calls that place, built from the msgids the lead translates."""
    column = imports.COLUMN_LETTER_NAME % {"letter": letter, "name": name}
    return str(imports.WHERE_ROW_COLUMN % {"row": row, "column": column})


@pytest.mark.django_db
def test_an_error_names_the_header_and_letter_the_file_used(community):
    # given: five good rows, then row 7 with a Chinese area
    rows = [row(dwelling=str(101 + i), owner_ref=f"KS-{i}") for i in range(5)]
    data = chinese_csv([*rows, row(dwelling="106", owner_ref="KS-6", area_m2="八十")])
    before = registry_counts()

    # when: uploaded by someone reading Chinese
    with translation.override("zh-hans"):
        record = upload_and_try_to_apply(community, data)

    # then: stored as a msgid and its parameters, with the file's own header and letter
    assert record.errors == [
        {
            "row": 7,
            "column": "area_m2",
            "header": "面积",
            "letter": "C",
            "message_id": "not a number: %(value)s",
            "params": {"value": "八十"},
        }
    ]
    assert registry_counts() == before
    # ... and told in the language of whoever reads it
    error = record.errors[0]
    with translation.override("en"):
        assert str(imports.describe_error(error)) == "row 7, column C (面积): not a number: 八十"
    with translation.override("zh-hans"):
        described = imports.describe_error(error)
        assert described.message == "不是数字：八十"
        assert described.where == where(7, "C", "面积")


def test_the_header_is_named_as_written_not_as_folded():
    # given: the unit written the way Chinese spreadsheets write it, with full-width brackets
    header = ",".join(["面积（㎡）" if c == "area_m2" else c for c in COLUMNS])
    data = f"{header}\n{','.join(row(area_m2='-1').values())}\n".encode()

    # when
    parsed = parse_registry_file(data=data, filename="r.csv")

    # then
    (error,) = parsed.errors
    assert (error.row, error.column, error.header, error.letter) == (
        2,
        "area_m2",
        "面积（㎡）",
        "F",
    )


def test_the_uploaders_language_does_not_change_what_is_stored():
    # given
    data = make_csv([row(), row(kind="villa", residents="x"), row(dwelling="103", owner_ref="")])

    # when
    stored = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            parsed = parse_registry_file(data=data, filename="r.csv")
        stored[language] = [e.as_dict() for e in parsed.errors]

    # then
    assert stored["zh-hans"] == stored["en"]
    assert all("message" not in e for e in stored["en"])


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_missing_column_is_named_by_its_label(community, language):
    # given
    data = make_csv([row()], columns=[c for c in COLUMNS if c != "area_m2"])
    record = upload_and_try_to_apply(community, data)

    # when
    with translation.override(language):
        described = imports.describe_error(record.errors[0])

        # then: no letter, since the file has no such column
        label = str(imports.COLUMN_LABELS["area_m2"])
        assert described.column == str(imports.COLUMN_NAME % {"name": label})
        assert described.message == str(imports.MISSING_COLUMN)
    assert record.errors[0]["letter"] == ""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_column_label_is_a_header_the_reader_accepts(language):
    # given: a file headed by the labels that errors use for columns it lacks
    with translation.override(language):
        header = [str(imports.COLUMN_LABELS[c]) for c in COLUMNS]
    data = make_csv([row()]).replace(",".join(COLUMNS).encode(), ",".join(header).encode(), 1)

    # when
    parsed = parse_registry_file(data=data, filename="r.csv")

    # then
    assert parsed.errors == []
    assert len(parsed.rows) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_kind_in_a_message_is_named_in_the_readers_language(community, language):
    # given: the compound is a courtyard already; the file says managed
    factories.CompoundFactory(community=community, name="康盛花园", kind=Compound.Kind.COURTYARD)
    with translation.override("zh-hans"):
        record = upload_and_try_to_apply(community, make_csv([row()]))

    # when
    with translation.override(language):
        message = imports.describe_error(record.errors[0]).message

        # then
        assert message == str(
            imports.KIND_CONFLICT_IN_DB
            % {"compound": "康盛花园", "kind": Compound.Kind.COURTYARD.label}
        )
    assert record.errors[0]["params"]["kind"] == Compound.Kind.COURTYARD.value


@pytest.mark.parametrize(
    ("stored", "column", "message"),
    [
        ({"row": 3, "column": "area_m2", "message": "不是数字：abc"}, "area (m²)", "不是数字：abc"),
        ({"row": 1, "column": "colour", "message": "未知的列"}, "colour", "未知的列"),
        ({"row": None, "column": "", "message": "The file is empty."}, "", "The file is empty."),
    ],
    ids=["a column of ours", "a column of the file's", "the file"],
)
def test_an_error_stored_before_msgids_is_shown_as_it_was_written(stored, column, message):
    # when
    with translation.override("en"):
        described = imports.describe_error(stored)

        # then: the text as stored; a column code is named by its label
        assert described.message == message
        assert described.column == (str(imports.COLUMN_NAME % {"name": column}) if column else "")
        assert described.row == stored["row"]


def test_a_message_whose_msgid_is_gone_reads_as_its_english():
    # given: a msgid from a future wording, or a past one
    stored = {
        "row": 2,
        "column": "kind",
        "header": "类型",
        "letter": "B",
        "message_id": "odd %(x)s",
    }

    # when
    with translation.override("zh-hans"):
        plain = imports.describe_error({**stored, "params": {"x": "1"}})
        broken = imports.describe_error({**stored, "params": {"y": "1"}})

    # then
    assert plain.message == "odd 1"
    assert broken.message == "odd %(x)s"


def test_column_letters_go_on_past_z():
    assert [imports.column_letter(i) for i in (0, 2, 25, 26, 27, 701, 702)] == [
        "A",
        "C",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_a_value_under_no_header_is_an_error():
    # given
    data = make_csv([row()]).replace(b"3\r\n", b"3,stray\r\n")

    # when
    parsed = parse_registry_file(data=data, filename="r.csv")

    # then
    assert parsed.errors == [RowError.of(2, "", imports.UNNAMED_COLUMN, place=ColumnPlace("", "K"))]
    assert parsed.rows == []


def test_full_width_digits_are_folded():
    # given: typed with a Chinese input method
    data = make_csv([row(dwelling="１０１", area_m2="８９.５")])

    # when
    parsed = parse_registry_file(data=data, filename="r.csv")

    # then
    assert parsed.rows[0].dwelling == "101"
    assert parsed.rows[0].area_m2 == Decimal("89.50")


@pytest.mark.django_db
def test_a_compound_registered_with_the_other_kind_is_refused(community):
    # given
    factories.CompoundFactory(community=community, name="康盛花园", kind=Compound.Kind.COURTYARD)
    data = make_csv([row(), row(dwelling="102")])
    before = registry_counts()

    # when
    record = upload_and_try_to_apply(community, data)

    # then: every row of that compound is bad
    message = str(
        imports.KIND_CONFLICT_IN_DB
        % {"compound": "康盛花园", "kind": Compound.Kind.COURTYARD.label}
    )
    assert shown(record) == [(2, "kind", message), (3, "kind", message)]
    assert registry_counts() == before


@pytest.mark.django_db
def test_a_same_name_compound_in_another_community_is_not_a_conflict(community, other_community):
    # given
    factories.CompoundFactory(
        community=other_community, name="康盛花园", kind=Compound.Kind.COURTYARD
    )

    # when
    record = upload_and_try_to_apply(community, make_csv([row()]))

    # then
    assert record.status == RegistryImport.Status.APPLIED
    assert Compound.objects.filter(community=community, name="康盛花园").exists()


@pytest.mark.django_db
def test_households_that_cannot_be_matched_are_refused(community):
    # given: a dwelling with two households of 2 and 1 residents
    rows = parse_registry_file(data=make_csv([row()]), filename="r.csv").rows
    registry_import(community=community, rows=rows)
    dwelling = Dwelling.objects.get()
    Household.objects.filter(dwelling=dwelling).update(residents=2)
    factories.HouseholdFactory(dwelling=dwelling, residents=1)
    before = registry_counts()

    # when: the file says 3 (matches) and then 5 (cannot be shared out)
    matching = registry_import(community=community, rows=rows)
    record = upload_and_try_to_apply(community, make_csv([row(residents="5")]))

    # then
    assert matching.changes == 0
    message = str(imports.HOUSEHOLDS_AMBIGUOUS % {"count": 2, "total": 3})
    assert shown(record) == [(2, "residents", message)]
    assert registry_counts() == before


@pytest.mark.django_db
def test_an_import_is_applied_once(community):
    # given
    record = upload_and_try_to_apply(community, make_csv([row()]))
    assert record.status == RegistryImport.Status.APPLIED
    before = registry_counts()

    # when / then
    with pytest.raises(ImportRefused) as refused:
        registry_import_apply(registry_import_id=record.pk)
    assert refused.value.message == str(imports.ALREADY_APPLIED)
    assert registry_counts() == before


@pytest.mark.django_db
def test_the_registry_changing_after_the_preview_turns_the_import_invalid(community):
    # given: checked while the compound did not exist
    record = registry_import_upload(community=community, filename="r.csv", data=make_csv([row()]))
    assert record.status == RegistryImport.Status.PENDING
    assert record.summary["compounds_created"] == 1
    factories.CompoundFactory(community=community, name="康盛花园", kind=Compound.Kind.COURTYARD)
    before = registry_counts()

    # when
    with pytest.raises(imports.RegistryImportInvalid):
        registry_import_apply(registry_import_id=record.pk)

    # then
    record.refresh_from_db()
    assert record.status == RegistryImport.Status.INVALID
    assert record.errors[0]["column"] == "kind"
    assert registry_counts() == before


def test_compound_codes_are_stable_and_unique():
    # given
    first = imports.compound_code("康盛花园", set())

    # when
    again = imports.compound_code("康盛花园", set())
    taken = imports.compound_code("康盛花园", {first})

    # then
    assert first == again
    assert first.startswith("c-")
    assert len(first) == 10
    assert taken != first


# --- The template and the command -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_parses_back_without_errors(fmt):
    # given
    content, _content_type, filename = imports.registry_template(fmt=fmt)

    # when
    parsed = parse_registry_file(data=content, filename=filename)

    # then
    assert parsed.errors == []
    assert parsed.rows[0].as_cells() == [
        "示例小区",
        "managed",
        "1号楼",
        "1单元",
        "101",
        "89.50",
        "EXAMPLE-0001",
        "示例业主",
        "no",
        "3",
    ]


@pytest.mark.django_db
def test_the_command_imports_a_file(community, tmp_path):
    # given
    path = tmp_path / "registry.csv"
    path.write_bytes(make_csv([row(), row(dwelling="102")], encoding="gbk"))
    out = io.StringIO()

    # when
    with translation.override("en"):
        call_command("import_registry", "tongde-lane", str(path), stdout=out)

    # then
    assert "Imported 2 rows" in out.getvalue()
    assert "dwellings_created: 2" in out.getvalue()
    assert Dwelling.objects.count() == 2
    assert RegistryImport.objects.get().status == RegistryImport.Status.APPLIED


@pytest.mark.django_db
def test_the_command_prints_every_error_and_fails(community, tmp_path):
    # given
    path = tmp_path / "registry.csv"
    path.write_bytes(make_csv([row(), row(dwelling="102", area_m2="abc"), row(kind="villa")]))
    err = io.StringIO()
    before = registry_counts()

    # when
    with translation.override("en"), pytest.raises(CommandError, match="3 errors"):
        call_command("import_registry", "tongde-lane", str(path), stderr=err)

    # then
    lines = err.getvalue().splitlines()
    assert lines == [
        "row 3, column F (area_m2): not a number: abc",
        "row 4, column B (kind): unknown kind villa: use managed (物管小区) or courtyard (散居楼院)",
        "row 4, column E (dwelling): duplicate dwelling: the same dwelling is already on row 2",
    ]
    assert registry_counts() == before


@pytest.mark.django_db
def test_the_command_prints_errors_in_the_active_language(community, tmp_path):
    # given: a file with a Chinese header, and a command run in Chinese
    path = tmp_path / "registry.csv"
    path.write_bytes(chinese_csv([row(area_m2="abc")]))
    err = io.StringIO()

    # when
    with translation.override("zh-hans"):
        with pytest.raises(CommandError):
            call_command("import_registry", "tongde-lane", str(path), stderr=err)

        # then
        message = "不是数字：abc"
        expected = str(imports.ERROR_LINE % {"where": where(2, "C", "面积"), "message": message})
        assert err.getvalue().splitlines() == [expected]


@pytest.mark.django_db
def test_the_command_dry_run_saves_nothing(community, tmp_path):
    # given
    path = tmp_path / "registry.xlsx"
    path.write_bytes(make_xlsx([list(GOOD.values())]))
    out = io.StringIO()

    # when
    with translation.override("en"):
        call_command("import_registry", "tongde-lane", str(path), "--dry-run", stdout=out)

    # then
    assert "dwellings_created: 1" in out.getvalue()
    assert Dwelling.objects.count() == 0


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_community(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(make_csv([row()]))
    with pytest.raises(CommandError):
        call_command("import_registry", "nowhere", str(path))


@pytest.mark.django_db
def test_an_uploaded_file_is_stored_under_a_name_nobody_can_guess(community):
    record = registry_import_upload(
        community=community, filename="康盛花园业主名册.CSV", data=make_csv([row()])
    )
    assert record.original_name == "康盛花园业主名册.CSV"
    stored = PurePath(record.file.name)
    assert "业主" not in stored.name
    assert stored.suffix == ".csv"
    assert len(stored.stem) == 32
