"""BED regions, optionally labelled: a header line `#chrom start end name task1 task2 ...` names the label columns."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.text import check_unique_names, parse_value, read_lines


@dataclass
class Regions:
    chroms: list
    starts: np.ndarray
    ends: np.ndarray
    names: list
    lines: list  # the line of the file each region is on
    task_names: list
    labels: np.ndarray | None  # (regions, tasks) float32 with NaN for missing values, or None without a header


def read_regions(path: Path | str) -> Regions:
    """Read a BED file. Label columns are those after `name` in a `#chrom start end name ...` header line."""
    header = None
    chroms, starts, ends, names, lines, rows = [], [], [], [], [], []
    for line_number, line in enumerate(read_lines(path, "BED"), start=1):
        if not line.strip() or line.startswith(("track", "browser")):
            continue
        if line.startswith("#"):
            fields = line[1:].split("\t")
            if fields[:3] == ["chrom", "start", "end"]:
                if chroms:
                    raise InputError(f"{path}: line {line_number}: the '#chrom start end ...' header must come "
                                     "before the regions")
                check_unique_names(path, line_number, fields[4:], "task")
                header = fields
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            raise InputError(f"{path}: line {line_number}: expected at least 3 tab-separated columns, "
                             f"found {len(fields)}")
        chrom, start, end = fields[:3]
        try:
            start, end = int(start), int(end)
        except ValueError:
            raise InputError(f"{path}: line {line_number}: start and end must be integers") from None
        if not 0 <= start < end:
            raise InputError(f"{path}: line {line_number}: need 0 <= start < end, found {start} and {end}")
        chroms.append(chrom)
        starts.append(start)
        ends.append(end)
        lines.append(line_number)
        names.append(fields[3] if len(fields) > 3 and fields[3] not in ("", ".") else f"{chrom}:{start}-{end}")
        if header is not None:
            if len(fields) != len(header):
                raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names "
                                 f"{len(header)}")
            rows.append([parse_value(v, path, line_number, c, single=True) for v, c in zip(fields[4:], header[4:])])
    if not chroms:
        raise InputError(f"{path}: contains no regions")
    task_names = header[4:] if header else []
    labels = np.array(rows, dtype=np.float32).reshape(len(chroms), len(task_names)) if task_names else None
    return Regions(chroms, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), names, lines, task_names,
                   labels)
