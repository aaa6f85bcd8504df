"""results.xlsx is written row by row (openpyxl's write-only mode) with the cells that pandas'
``DataFrame.to_excel`` and :func:`_keep_text_as_text` wrote before: same sheets, values, cell types and
quote prefixes; ids that look like numbers stay text."""

from __future__ import annotations

import datetime

import numpy as np
import openpyxl
import pandas as pd

from optimizer.report.run_data import RunData
from optimizer.report.writer import _keep_text_as_text, write_excel


def tables() -> dict[str, pd.DataFrame]:
    sites = pd.DataFrame({
        "site_id": ["1e3", "NA", "007", "=1+2", "-2+3", "@x", "plain", "  2027"],
        "mw": [0.1 + 0.2, np.nan, np.inf, -np.inf, 1 / 3, -2.0, 1e20, 0.0],
        "units": np.arange(8, dtype=np.int64),
        "selected": [True, False] * 4,
        "note": [None, "a", 1.5, 2, "+1", float("nan"), "\tx", "ok"],
        "count": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
        "=header": ["x"] * 8,
        "when": [datetime.date(2027, 1, 1)] * 4 + [pd.Timestamp("2028-06-30 12:00")] * 4,
        "lead": [pd.Timedelta(days=30)] * 7 + [pd.NaT],
    })
    sites["site_id"] = sites["site_id"].astype(str)        # as read_table_csv reads ids: text
    empty = pd.DataFrame({"period": pd.Series(dtype=float), "name": pd.Series(dtype=object)})
    return {"sites": sites, "a_table_name_longer_than_31_characters": sites.head(2), "empty": empty}


def cells(path) -> dict[str, list]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: [[(c.value, c.data_type, c.quotePrefix, c.number_format) for c in row]
                          for row in sheet.iter_rows()] for sheet in book.worksheets}


def test_results_xlsx_has_the_cells_to_excel_wrote(tmp_path):
    data = tables()
    (tmp_path / "new").mkdir()
    write_excel(RunData(tmp_path / "new", {}, "", data))
    with pd.ExcelWriter(tmp_path / "old.xlsx", engine="openpyxl") as writer:       # the way it was written before
        for name, frame in data.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            _keep_text_as_text(writer.sheets[name[:31]], frame)
    new, old = cells(tmp_path / "new" / "results.xlsx"), cells(tmp_path / "old.xlsx")
    assert list(new) == list(old) == ["sites", "a_table_name_longer_than_31_cha", "empty"]
    assert new == old
    ids = [row[0] for row in new["sites"][1:]]
    assert [(v, t) for v, t, _, _ in ids][:3] == [("1e3", "s"), ("NA", "s"), ("007", "s")]
    assert [q for _, _, q, _ in ids] == [False, False, False, True, True, True, False, False]
    assert new["sites"][0][6][:3] == ("=header", "s", True)
    assert [row[1][0] for row in new["sites"][1:]] == [0.3, None, "inf", "-inf", 1 / 3, -2, 1e20, 0]  # NaN: empty
    assert [row[1][2] for row in new["sites"][1:]] == [False] * 8        # a number column: no quote prefix
    assert new["empty"] == [[("period", "s", False, "General"), ("name", "s", False, "General")]]
