"""The QC results as a self-contained HTML page (inline CSS, figures as base64 PNG), a JSON summary, and MultiQC
custom content (a table, one row per input)."""

import base64
import html
import math
from pathlib import Path

from genotools import __version__
from genotools.qc.checks import HIGHER, METRICS, Check, Section, overall

TITLES = {"reference": "Reference", "regions": "Regions", "vcf": "Variants", "matrix": "Matrix"}
SHOWN_ROWS = 200  # rows of a table in the HTML; the JSON summary has them all
SHOWN_RECORDS = 10  # records at fault named per check in the HTML
STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: bold; padding: 0.1em 0.5em; border-radius: 0.3em; color: #fff; }
.pass { background: #2e7d32; } .warn { background: #ef8f00; } .fail { background: #c62828; } .info { background: #777; }
.records { color: #555; font-size: 0.9em; } .note { color: #555; font-size: 0.9em; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
"""


def _number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:.4g}"


def _cell(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="number">{_number(value)}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _threshold(check):
    if check.threshold is None:
        return ""
    return f"{'&gt;' if check.worse == HIGHER else '&lt;'} {_number(check.threshold)}"


def _status(status):
    return f'<span class="status {status}">{status}</span>'


def _details(check):
    text = html.escape(check.message)
    records = check.records_at_fault() if check.status in ("warn", "fail") else []
    if records:
        more = f", and {len(records) - SHOWN_RECORDS:,} more" if len(records) > SHOWN_RECORDS else ""
        text += (f'<div class="records">at fault: {html.escape("; ".join(map(str, records[:SHOWN_RECORDS])))}'
                 f"{more}</div>")
    return text


def _anchor(index):
    return f"input-{index}"


def _table(header, rows):
    lines = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    lines += ["<tr>" + "".join(_cell(value) for value in row) + "</tr>" for row in rows[:SHOWN_ROWS]]
    lines.append("</table>")
    if len(rows) > SHOWN_ROWS:
        lines.append(f'<p class="note">The first {SHOWN_ROWS} of {len(rows):,} rows; the JSON summary has them '
                     "all.</p>")
    return lines


def write_html(sections: list[Section], failed: list[Check], path: Path) -> None:
    """The report: the checks in one table, coloured by status, then a section per input."""
    lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<title>genotools QC report</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
             "<h1>genotools QC report</h1>",
             f"<p>Overall status: {_status(overall(sections))}. Checks beyond a --fail-on threshold: {len(failed)}. "
             f"Written by genotools {__version__}.</p>",
             "<h2>Checks</h2>", "<table>",
             "<tr><th>input</th><th>metric</th><th>value</th><th>status</th><th>threshold</th><th>details</th></tr>"]
    for index, section in enumerate(sections):
        for check in section.checks:
            lines.append(f'<tr><td><a href="#{_anchor(index)}">{html.escape(section.path)}</a></td>'
                         f'<td title="{html.escape(METRICS[check.metric].description)}">{check.metric}</td>'
                         f"{_cell(check.value)}<td>{_status(check.status)}</td><td>{_threshold(check)}</td>"
                         f"<td>{_details(check)}</td></tr>")
    lines += ["</table>", '<p class="note">A metric warns beyond its default threshold and fails beyond the one '
              "given with --fail-on; info: a descriptive metric with no threshold.</p>"]
    for index, section in enumerate(sections):
        lines.append(f'<h2 id="{_anchor(index)}">{TITLES[section.kind]}: {html.escape(section.path)}</h2>')
        for title, (header, rows) in section.tables.items():
            lines += [f"<h3>{html.escape(title)}</h3>", *_table(header, rows)]
        for title, png in section.figures.items():
            lines += [f"<h3>{html.escape(title)}</h3>",
                      f'<img alt="{html.escape(title)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">']
    lines += ["</body>", "</html>", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _plain(value):
    """A value as JSON holds it: NaN as null, numpy numbers as Python's."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def summary_data(sections: list[Section], failed: list[Check]) -> dict:
    """The JSON summary: every check with its value, status and records at fault, and each input's tables."""
    return {
        "genotools_version": __version__,
        "status": overall(sections),
        "failed": [f"{check.metric} ({check.input})" for check in failed],
        "inputs": [{
            "kind": section.kind,
            "path": section.path,
            "checks": [{"metric": check.metric, "description": METRICS[check.metric].description,
                        "value": _plain(check.value), "status": check.status, "threshold": check.threshold,
                        "worse_when": check.worse, "message": check.message,
                        "records_at_fault": check.records_at_fault()} for check in section.checks],
            "tables": {title: {"columns": header, "rows": [[_plain(v) for v in row] for row in rows]}
                       for title, (header, rows) in section.tables.items()},
        } for section in sections],
    }


def multiqc_data(sections: list[Section]) -> dict:
    """MultiQC custom content: a table with a row per input and a column per metric."""
    used = list(dict.fromkeys(check.metric for section in sections for check in section.checks))
    return {
        "id": "genotools_qc",
        "section_name": "genotools QC",
        "description": "Quality control of the inputs by genotools-qc: one row per input file.",
        "plot_type": "table",
        "pconfig": {"id": "genotools_qc_table", "title": "genotools QC"},
        "headers": {metric: {"title": metric, "description": METRICS[metric].description, "format": "{:,.4g}"}
                    for metric in used},
        "data": {section.path: {check.metric: _plain(check.value) for check in section.checks
                                if not math.isnan(check.value)} for section in sections},
    }
