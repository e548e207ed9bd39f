#!/usr/bin/env python3
"""Reconstruct annex 3 (別添3) of the FY2024 JCM Model Project call from its damaged text.

The seed text carries the table "別添3 類似技術の分類 各パートナー国における採択実績"
(51 technologies x 18 partner countries) with its empty cells dropped: every row lists
only its non-empty numbers, in column order, followed by the row total.  The printed
column totals, the printed row values (in column order) and a few sentences of the call
(別添2 3.(1) 6) and 3.(2)(D)) restrict which table it was.

This script parses the table, enumerates for every row all placements of its printed
values into strictly increasing columns, and decides with an exact search which value every
cell can take in *some* table consistent with all of the evidence: a depth-first search
over row placements with column-residual propagation (bitset candidate sets), fail-first
branching and a memo of failed sub-problems; rows with identical printed values are
interchangeable and share their results.  Per cell, every candidate value not already seen
in a found table is queried once.  A cell whose feasible set is a single value is written
as that integer; otherwise as ``[min, max]`` (note: the feasible set itself can have gaps,
e.g. {0, 2} is written [0, 2], since a cell holds either 0 or one of its row's values).

Usage (from the repository root)::

    python scripts/reconstruct_annex3.py [--seed PATH] [--out PATH]

Only the standard library and PyYAML are needed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = REPO_ROOT / ".." / "shared" / "seeds" / "003_8ca40c6c91f571dc.txt"
DEFAULT_OUT = REPO_ROOT.joinpath(
    "src", "renkei", "rules", "rulebooks", "jcm-model-project", "fy2024-annex3.yaml"
)

HEADER_PREFIX = "分野 | 技術 | JCM方法論"
TOTAL_PREFIX = "合計 |"

EXPECTED_ROWS = 51
EXPECTED_COUNTRIES = (
    "MN", "BD", "KE", "MV", "VN", "LA", "ID", "CR", "PW",
    "KH", "MX", "SA", "CL", "MM", "TH", "PH", "TN", "LK",
)  # fmt: skip
EXPECTED_GRAND_TOTAL = 257

SOURCE = "別添3 類似技術の分類 各パートナー国における採択実績 (5 April 2024)"
CLAUSE = "別添3"
AS_OF = "2024-04-05"

# sector label number -> (id, Japanese name)
SECTORS = {
    "1": ("energy_efficiency", "省エネルギー"),
    "2": ("renewable_energy", "再生可能エネルギー"),
    "3": ("effective_energy_use", "エネルギーの有効利用"),
    "4": ("waste", "廃棄物"),
    "5": ("transport", "交通"),
}

# name_ja (exactly as printed) -> (id, English name)
TECHNOLOGIES: dict[str, tuple[str, str]] = {
    "空調機(エアコン)": ("air_conditioner", "Air conditioner"),
    "冷凍機(空調用)": ("chiller_air_conditioning", "Chiller (air conditioning)"),
    "冷凍機(冷蔵・冷凍用)": ("chiller_refrigeration", "Chiller (refrigeration / freezing)"),
    "吸収式冷凍機(廃熱利用)": ("absorption_chiller_waste_heat", "Absorption chiller (waste heat)"),
    "旋回流誘引型成層空調システム": (
        "swirl_induction_stratified_air_conditioning",
        "Swirl-flow induction stratified air-conditioning system",
    ),
    "冷蔵・冷凍ショーケース": ("refrigerated_showcase", "Refrigerated / frozen showcase"),
    "ボイラ": ("boiler", "Boiler"),
    "熱媒ボイラ": ("thermal_oil_boiler", "Heat-transfer-medium (thermal oil) boiler"),
    "ヒートポンプ": ("heat_pump", "Heat pump"),
    "廃熱回収温水器": ("waste_heat_recovery_water_heater", "Waste-heat recovery water heater"),
    "廃熱予熱利用システム": ("waste_heat_preheating_system", "Waste-heat preheating system"),
    "熱交換器": ("heat_exchanger", "Heat exchanger"),
    "変圧器": ("transformer", "Transformer"),
    "LED照明": ("led_lighting", "LED lighting"),
    "LED照明(調光システム含む)": (
        "led_lighting_with_dimming",
        "LED lighting (including dimming system)",
    ),
    "ポンプ": ("pump", "Pump"),
    "コンプレッサー": ("compressor", "Compressor"),
    "曝気システム": ("aeration_system", "Aeration system"),
    "リジェネバーナー": ("regenerative_burner", "Regenerative burner"),
    "天然ガス焼成炉": ("natural_gas_firing_furnace", "Natural-gas firing (calcining) furnace"),
    "誘電加熱式溶解炉": ("induction_melting_furnace", "Induction-heating melting furnace"),
    "天然ガス溶融炉": ("natural_gas_melting_furnace", "Natural-gas melting furnace"),
    "空調制御システム": ("air_conditioning_control_system", "Air-conditioning control system"),
    "ポンプ制御用インバーター": ("pump_control_inverter", "Inverter for pump control"),
    "織機": ("loom", "Loom"),
    "段ボール古紙処理設備": (
        "corrugated_paper_recycling_equipment",
        "Waste corrugated-cardboard processing equipment",
    ),
    "電槽化成設備": ("battery_formation_equipment", "Battery container formation equipment"),
    "食塩電解槽": ("brine_electrolyser", "Brine (salt) electrolyser"),
    "ワイヤー撚り線機": ("wire_stranding_machine", "Wire stranding machine"),
    "高効率滅菌釜": ("high_efficiency_sterilizer", "High-efficiency sterilizer (autoclave)"),
    "多重効用蒸留システム": ("multiple_effect_distillation", "Multiple-effect distillation system"),
    "射出成型機": ("injection_moulding_machine", "Injection moulding machine"),
    "太陽光発電": ("solar_pv", "Solar photovoltaic power generation"),
    "太陽光発電+蓄電池": ("solar_pv_battery", "Solar PV with battery storage"),
    "小水力発電": ("small_hydro", "Small hydropower"),
    "風力発電": ("wind_power", "Wind power"),
    "地熱発電(バイナリー)": ("geothermal_binary", "Geothermal power (binary cycle)"),
    "地熱発電(フラッシュ)": ("geothermal_flash", "Geothermal power (flash)"),
    "バイオマス発電": ("biomass_power", "Biomass power generation"),
    "バイオガス発電": ("biogas_power", "Biogas power generation"),
    "バイオマス燃焼ボイラ(固体)": ("biomass_boiler_solid", "Biomass-fired boiler (solid fuel)"),
    "バイオガス燃焼ボイラ": ("biogas_boiler", "Biogas-fired boiler"),
    "バイオマスコジェネレーション": ("biomass_cogeneration", "Biomass cogeneration"),
    "廃熱利用発電": ("waste_heat_power", "Waste-heat power generation"),
    "ガスコジェネレーション": ("gas_cogeneration", "Gas cogeneration"),
    "蓄電池": ("battery", "Battery storage"),
    "廃棄物発電": ("waste_to_energy", "Waste-to-energy power generation"),
    "メタン回収発電": ("methane_recovery_power", "Methane recovery power generation"),
    "デジタルタコグラフ": ("digital_tachograph", "Digital tachograph"),
    "CNGディーゼル混焼バス": ("cng_diesel_dual_fuel_bus", "CNG-diesel dual-fuel bus"),
    "リーファーコンテナ": ("reefer_container", "Reefer container"),
}

# The sentences of the call that constrain single cells of the table.
EVIDENCE_CONSTRAINTS: list[dict] = [
    {
        "technology": "solar_pv",
        "countries": ["VN", "CL", "TH", "PH"],
        "min": 10,
        "clause": "別添2 3.(1) 6)",
    },
    {"technology": "small_hydro", "countries": ["ID"], "min": 10, "clause": "別添2 3.(1) 6)"},
    {
        "technology": "solar_pv",
        "countries": ["MN", "ID", "PW"],
        "min": 5,
        "max": 9,
        "clause": "別添2 3.(2)(D)",
    },
    {
        "technology": "chiller_air_conditioning",
        "countries": ["VN", "ID", "TH"],
        "min": 5,
        "max": 9,
        "clause": "別添2 3.(2)(D)",
    },
]


class Annex3Error(ValueError):
    """The seed text does not parse into the expected table, or no table fits the evidence."""


@dataclass(frozen=True)
class Row:
    sector_label: str  # e.g. "1. 省エネルギー" (the label of the group the row belongs to)
    sector: str  # e.g. "energy_efficiency"
    sector_ja: str  # e.g. "省エネルギー"
    name_ja: str
    methodologies: tuple[str, ...]
    values: tuple[int, ...]  # the printed non-empty cells, in column order
    total: int  # the printed row total


@dataclass
class ParsedTable:
    countries: list[str]
    rows: list[Row]
    column_totals: list[int]
    grand_total: int
    technology_count: int | None = None  # "技術の件数:51件"
    methodology_count: int | None = None  # "方法論の件数:85件"
    notes: list[str] = field(default_factory=list)

    def row_by_name(self, name_ja: str) -> Row:
        for row in self.rows:
            if row.name_ja == name_ja:
                return row
        raise KeyError(name_ja)


# --------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------

_INT = re.compile(r"\d+")
_SECTOR = re.compile(r"^(\d)\.\s*(\S.*)$")


def _fields(line: str) -> list[str]:
    return [f.strip() for f in line.split("|") if f.strip()]


def parse_table(text: str) -> ParsedTable:
    """Parse the damaged annex-3 table out of the seed text; raise Annex3Error if malformed."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(HEADER_PREFIX)]
    if len(starts) != 1:
        raise Annex3Error(
            f"expected exactly one table header line starting with {HEADER_PREFIX!r}, "
            f"found {len(starts)}"
        )
    start = starts[0]
    if start + 1 >= len(lines):
        raise Annex3Error("table header is the last line: no country-code line follows")
    countries = _fields(lines[start + 1])
    if tuple(countries) != EXPECTED_COUNTRIES:
        raise Annex3Error(
            f"country-code line {lines[start + 1]!r} does not list the 18 expected countries "
            f"{' '.join(EXPECTED_COUNTRIES)}"
        )

    rows: list[Row] = []
    sector_label = sector = sector_ja = None
    total_line = None
    for lineno, line in enumerate(lines[start + 2 :], start=start + 3):
        if line.startswith(TOTAL_PREFIX):
            total_line = (lineno, line)
            break
        fields = _fields(line)
        if not fields:
            raise Annex3Error(f"line {lineno}: empty line inside the table")
        m = _SECTOR.match(fields[0])
        if m and not _INT.fullmatch(fields[0]):
            number, label = m.group(1), m.group(2).strip()
            if number not in SECTORS or SECTORS[number][1] != label:
                raise Annex3Error(f"line {lineno}: unknown sector label {fields[0]!r}")
            sector_label = fields.pop(0)
            sector, sector_ja = SECTORS[number]
        if sector is None:
            raise Annex3Error(f"line {lineno}: technology row before any sector label")
        if len(fields) < 2:
            raise Annex3Error(f"line {lineno}: too few fields in row {line!r}")
        name = fields.pop(0)
        methodologies: tuple[str, ...] = ()
        if not _INT.fullmatch(fields[0]):
            methodologies = tuple(m.strip() for m in fields.pop(0).split(","))
            bad = [m for m in methodologies if not re.fullmatch(r"[A-Z]{2}_AM\d{3}", m)]
            if bad:
                raise Annex3Error(f"line {lineno}: malformed methodology code(s) {bad}")
        if not fields or not all(_INT.fullmatch(f) for f in fields):
            raise Annex3Error(f"line {lineno}: non-numeric cell in row {name!r}: {fields}")
        numbers = [int(f) for f in fields]
        if len(numbers) < 2:
            raise Annex3Error(f"line {lineno}: row {name!r} has no value besides its total")
        values, total = tuple(numbers[:-1]), numbers[-1]
        if len(values) > len(countries):
            raise Annex3Error(
                f"line {lineno}: row {name!r} has {len(values)} values for {len(countries)} columns"
            )
        if any(v <= 0 for v in values):
            raise Annex3Error(f"line {lineno}: row {name!r} prints a zero/negative cell")
        if sum(values) != total:
            raise Annex3Error(
                f"line {lineno}: row {name!r}: printed values {list(values)} sum to "
                f"{sum(values)}, but the printed row total is {total}"
            )
        rows.append(Row(sector_label, sector, sector_ja, name, methodologies, values, total))

    if total_line is None:
        raise Annex3Error(f"no {TOTAL_PREFIX!r} line after the table header")
    lineno, line = total_line
    fields = _fields(line)[1:]
    counts = {}
    numbers = []
    for f in fields:
        m = re.fullmatch(r"(技術|方法論)の件数:(\d+)件", f)
        if m:
            counts[m.group(1)] = int(m.group(2))
        elif _INT.fullmatch(f):
            numbers.append(int(f))
        else:
            raise Annex3Error(f"line {lineno}: unexpected field {f!r} in the 合計 row")
    if len(numbers) != len(countries) + 1:
        raise Annex3Error(
            f"line {lineno}: the 合計 row has {len(numbers)} numbers; expected "
            f"{len(countries)} column totals and the grand total"
        )
    column_totals, grand_total = numbers[:-1], numbers[-1]

    if len(rows) != EXPECTED_ROWS:
        raise Annex3Error(f"parsed {len(rows)} technology rows; expected {EXPECTED_ROWS}")
    if grand_total != EXPECTED_GRAND_TOTAL:
        raise Annex3Error(f"grand total is {grand_total}; expected {EXPECTED_GRAND_TOTAL}")
    if counts.get("技術") not in (None, len(rows)):
        raise Annex3Error(f"合計 row says {counts['技術']} technologies but {len(rows)} parsed")
    if sum(column_totals) != grand_total:
        raise Annex3Error(
            f"column totals sum to {sum(column_totals)}, not the grand total {grand_total}"
        )
    if sum(r.total for r in rows) != grand_total:
        raise Annex3Error(
            f"row totals sum to {sum(r.total for r in rows)}, not the grand total {grand_total}"
        )
    names = [r.name_ja for r in rows]
    if len(set(names)) != len(names):
        raise Annex3Error("duplicate technology names in the table")
    unknown = [n for n in names if n not in TECHNOLOGIES]
    if unknown:
        raise Annex3Error(f"technologies without an id/English name in this script: {unknown}")

    notes = []
    all_meth = [m for r in rows for m in r.methodologies]
    if counts.get("方法論") is not None and counts["方法論"] != len(set(all_meth)):
        notes.append(
            f"合計 row says {counts['方法論']} methodologies; {len(set(all_meth))} distinct "
            "codes are printed"
        )
    foreign = sorted({m for m in all_meth if m[:2] not in countries})
    if foreign:
        notes.append(f"methodology codes of countries outside the 18 columns: {foreign}")
    return ParsedTable(
        countries=countries,
        rows=rows,
        column_totals=column_totals,
        grand_total=grand_total,
        technology_count=counts.get("技術"),
        methodology_count=counts.get("方法論"),
        notes=notes,
    )


# --------------------------------------------------------------------------------------
# solving
# --------------------------------------------------------------------------------------

Placement = tuple[tuple[int, int], ...]  # ((column, value), ...) of the non-empty cells


def _bounds(
    parsed: ParsedTable, constraints: Iterable[Mapping]
) -> dict[tuple[int, int], tuple[int, int]]:
    """Turn constraints into {(row index, column index): (lo, hi)} (intersected)."""
    by_id = {TECHNOLOGIES[r.name_ja][0]: i for i, r in enumerate(parsed.rows)}
    by_name = {r.name_ja: i for i, r in enumerate(parsed.rows)}
    col = {c: j for j, c in enumerate(parsed.countries)}
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for con in constraints:
        tech = con["technology"]
        if tech in by_id:
            r = by_id[tech]
        elif tech in by_name:
            r = by_name[tech]
        else:
            raise Annex3Error(f"constraint names unknown technology {tech!r}")
        for country in con["countries"]:
            if country not in col:
                raise Annex3Error(f"constraint names unknown country {country!r}")
            lo = int(con.get("min", 0))
            hi = int(con.get("max", 10**9))
            old = out.get((r, col[country]), (0, 10**9))
            out[(r, col[country])] = (max(old[0], lo), min(old[1], hi))
    return out


def _placements(
    values: Sequence[int],
    caps: Sequence[int],
    bounds: Mapping[int, tuple[int, int]],
) -> list[Placement]:
    """All strictly increasing assignments of values to columns within caps and bounds."""
    n = len(caps)
    out = []
    for cols in itertools.combinations(range(n), len(values)):
        if any(caps[c] < v for c, v in zip(cols, values, strict=True)):
            continue
        cell = dict(zip(cols, values, strict=True))
        if all(lo <= cell.get(c, 0) <= hi for c, (lo, hi) in bounds.items()):
            out.append(tuple(zip(cols, values, strict=True)))
    return out


class _RowDomain:
    """The candidate placements of one row, with bitset indexes for fast filtering.

    A set of candidates is an int whose bit i stands for ``placements[i]``.
    ``ge[c][t]`` is the set of candidates putting a value >= t into column c, for t in the
    row's distinct printed values.
    """

    def __init__(self, placements: list[Placement], ncol: int):
        self.placements = placements
        self.index = {pl: i for i, pl in enumerate(placements)}
        self.full = (1 << len(placements)) - 1
        self.values = sorted({v for pl in placements for _, v in pl})
        self.ge: list[dict[int, int]] = [dict.fromkeys(self.values, 0) for _ in range(ncol)]
        for i, pl in enumerate(placements):
            bit = 1 << i
            for c, v in pl:
                masks = self.ge[c]
                for t in self.values:
                    if t > v:
                        break
                    masks[t] |= bit

    def mask_of(self, placements: Iterable[Placement]) -> int:
        m = 0
        for pl in placements:
            m |= 1 << self.index[pl]
        return m

    def floor(self, alive: int, c: int) -> int:
        """The least value any candidate in ``alive`` puts into column c."""
        best = 0
        for t in self.values:
            if alive & ~self.ge[c][t]:
                break
            best = t
        return best

    def top(self, alive: int, c: int) -> int:
        """The greatest value any candidate in ``alive`` puts into column c."""
        best = 0
        for t in self.values:
            if not alive & self.ge[c][t]:
                break
            best = t
        return best

    def drop_above(self, alive: int, c: int, cap: int) -> int:
        """``alive`` without the candidates that put more than ``cap`` into column c."""
        for t in self.values:
            if t > cap:
                return alive & ~self.ge[c][t]
        return alive

    def members(self, alive: int) -> list[Placement]:
        out = []
        while alive:
            low = alive & -alive
            out.append(self.placements[low.bit_length() - 1])
            alive ^= low
        return out


class _Search:
    """Exact feasibility search over row placements with column-residual propagation.

    The rows that are a single value 1 with no cell bound are interchangeable "pool" rows
    and are not searched: whatever non-negative residual the other rows leave is filled by
    them (its sum equals their number, because the row and column totals agree).

    Every other row has a set of candidate placements.  At each node the sets are filtered
    to a fixpoint: what a row puts into a column in every one of its remaining candidates is
    reserved there, and each row keeps only candidates that fit in what the other rows'
    reservations leave.  Then the row with the fewest candidates is branched on (fail
    first).  Failed nodes are memoised by (undecided rows, residual) within a query.
    """

    def __init__(self, parsed: ParsedTable, bounds: Mapping[tuple[int, int], tuple[int, int]]):
        self.parsed = parsed
        self.ncol = len(parsed.countries)
        per_row: dict[int, dict[int, tuple[int, int]]] = {}
        for (r, c), b in bounds.items():
            per_row.setdefault(r, {})[c] = b
        self.domains: list[_RowDomain] = []
        for i, row in enumerate(parsed.rows):
            pls = _placements(row.values, parsed.column_totals, per_row.get(i, {}))
            if not pls:
                raise Annex3Error(
                    f"row {row.name_ja!r}: its printed values {list(row.values)} cannot be "
                    "placed in increasing columns within the column totals and the evidence"
                )
            self.domains.append(_RowDomain(pls, self.ncol))
        self.pool = [
            i for i, row in enumerate(parsed.rows) if row.values == (1,) and i not in per_row
        ]
        self.nodes = 0
        self._profile_cache: dict[tuple[int, int], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        # the root propagation, shared by all queries (restrictions only remove candidates)
        alive = {i: d.full for i, d in enumerate(self.domains) if i not in set(self.pool)}
        root = self._propagate(alive, parsed.column_totals)
        if root is None:
            raise Annex3Error(
                "no table is consistent with the printed row values, the column totals and "
                "the evidence constraints (propagation emptied a row)"
            )
        self.root = {i: self.domains[i].full for i in self.pool}
        self.root.update(root)
        self.base: list[list[Placement]] = [
            self.domains[i].members(self.root[i]) for i in range(len(parsed.rows))
        ]

    def _profile(self, r: int, alive: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per column, the least and the greatest value row r's candidates in ``alive`` put
        there (cached: the same candidate sets recur all over the search)."""
        key = (r, alive)
        prof = self._profile_cache.get(key)
        if prof is None:
            d = self.domains[r]
            floors = tuple(d.floor(alive, c) for c in range(self.ncol))
            tops = tuple(d.top(alive, c) for c in range(self.ncol))
            prof = self._profile_cache[key] = (floors, tops)
        return prof

    def _propagate(self, alive: dict[int, int], residual: Sequence[int]) -> dict[int, int] | None:
        cols = range(self.ncol)
        alive = dict(alive)
        domains = self.domains
        profiles = {r: self._profile(r, a) for r, a in alive.items()}
        slack = list(residual)
        for f, _ in profiles.values():
            for c in cols:
                slack[c] -= f[c]
        while True:
            # invariant: slack == residual - sum of the current floors
            if min(slack) < 0:
                return None
            changed = False
            for r, a in alive.items():
                f, tops = profiles[r]
                b = a
                for c in cols:
                    top = tops[c]
                    if top and slack[c] + f[c] < top:
                        b = domains[r].drop_above(b, c, slack[c] + f[c])
                if not b:
                    return None
                if b != a:
                    alive[r] = b
                    profiles[r] = self._profile(r, b)
                    nf = profiles[r][0]
                    for c in cols:
                        slack[c] -= nf[c] - f[c]
                    changed = True
            if not changed:
                return alive

    def solve(self, restrict: Mapping[int, list[Placement]] | None = None) -> list | None:
        """Return one solution (placement per row, indexed like parsed.rows) or None.

        ``restrict`` maps a row index to the only placements it may take.
        """
        restrict = dict(restrict or {})
        pool_set = set(self.pool)
        alive = {r: a for r, a in self.root.items() if r not in pool_set}
        for r, pls in restrict.items():
            d = self.domains[r]
            alive[r] = self.root[r] & d.mask_of(p for p in pls if p in d.index)
            if not alive[r]:
                return None
        npool = len(self.pool) - sum(1 for r in restrict if r in pool_set)
        residual = list(self.parsed.column_totals)
        memo: set[tuple[frozenset, tuple[int, ...]]] = set()
        decided: dict[int, Placement] = {}
        domains = self.domains

        def rec(alive: dict[int, int], residual: list[int]) -> bool:
            self.nodes += 1
            key = (frozenset(alive), tuple(residual))
            if key in memo:
                return False
            alive2 = self._propagate(alive, residual)
            if alive2 is None:
                memo.add(key)
                return False
            open_rows = [r for r, a in alive2.items() if a & (a - 1)]
            if not open_rows:
                # every row has one candidate and together they fit (slack >= 0)
                for r, a in alive2.items():
                    decided[r] = domains[r].members(a)[0]
                return True
            r = min(open_rows, key=lambda q: (alive2[q].bit_count(), q))
            rest = {q: a for q, a in alive2.items() if q != r}
            # try placements that leave the most room first
            order = sorted(
                domains[r].members(alive2[r]),
                key=lambda pl: max(v / (residual[c] + 1) for c, v in pl),
            )
            for pl in order:
                for c, v in pl:
                    residual[c] -= v
                ok = rec(rest, residual)
                for c, v in pl:
                    residual[c] += v
                if ok:
                    decided[r] = pl
                    return True
            memo.add(key)
            return False

        if not rec(alive, residual):
            return None
        solution: list[Placement | None] = [None] * len(self.parsed.rows)
        left = list(self.parsed.column_totals)
        for r, pl in decided.items():
            solution[r] = pl
            for c, v in pl:
                left[c] -= v
        pool_left = [r for r in self.pool if r not in restrict]
        if any(x < 0 for x in left) or sum(left) != npool:
            raise AssertionError("internal error: the searched rows over- or under-fill")
        it = iter(pool_left)
        for c in range(self.ncol):
            for _ in range(left[c]):
                solution[next(it)] = ((c, 1),)
        if any(x is None for x in solution):
            raise AssertionError("internal error: incomplete solution")
        return solution


def _cell_facts(placement: Placement, ncol: int) -> list[int]:
    cells = [0] * ncol
    for c, v in placement:
        cells[c] = v
    return cells


def solve(parsed: ParsedTable, constraints: Iterable[Mapping] = EVIDENCE_CONSTRAINTS) -> dict:
    """Per cell, the set of values it takes over all tables consistent with the evidence.

    Returns {"feasible": {name_ja: {country: [values...]}},
             "counts": {name_ja: {country: int | [min, max]}},
             "example": {name_ja: {country: int}}  (one consistent table),
             "stats": {...}}.
    Raises Annex3Error when no table is consistent with the evidence.
    """
    t0 = time.perf_counter()
    bounds = _bounds(parsed, constraints)
    search = _Search(parsed, bounds)
    ncol = len(parsed.countries)
    first = search.solve()
    if first is None:
        raise Annex3Error(
            "no table is consistent with the printed row values, the column totals and the "
            "evidence constraints (check the 合計 row and the row values)"
        )
    nrows = len(parsed.rows)
    # Rows with the same printed values and no cell bound are interchangeable: swapping their
    # placements in a consistent table gives another consistent table.  Such rows share one
    # feasible-set table (symmetry), and only the first of them is queried.
    bounded_rows = {r for r, _ in bounds}
    group_of: dict[int, int] = {}
    first_of_values: dict[tuple[int, ...], int] = {}
    for r, row in enumerate(parsed.rows):
        if r in bounded_rows:
            group_of[r] = r
        else:
            group_of[r] = first_of_values.setdefault(row.values, r)
    # feasible[g][c] = set of values seen at column c for rows of group g
    feasible = {g: [set() for _ in range(ncol)] for g in set(group_of.values())}

    def witness(sol: list) -> None:
        for r, pl in enumerate(sol):
            for c, v in enumerate(_cell_facts(pl, ncol)):
                feasible[group_of[r]][c].add(v)

    witness(first)
    queries = 0
    for r in sorted(set(group_of.values())):
        # candidate (column, value) facts of this row, from its allowed placements
        cand: dict[tuple[int, int], list[Placement]] = {}
        for pl in search.base[r]:
            for c, v in enumerate(_cell_facts(pl, ncol)):
                cand.setdefault((c, v), []).append(pl)
        for (c, v), pls in sorted(cand.items()):
            if v in feasible[r][c]:
                continue  # already witnessed by an earlier table
            queries += 1
            sol = search.solve({r: pls})
            if sol is not None:
                witness(sol)
    example = {
        parsed.rows[r].name_ja: dict(
            zip(parsed.countries, _cell_facts(first[r], ncol), strict=True)
        )
        for r in range(nrows)
    }
    out_feasible: dict[str, dict[str, list[int]]] = {}
    counts: dict[str, dict[str, int | list[int]]] = {}
    for r, row in enumerate(parsed.rows):
        out_feasible[row.name_ja] = {}
        counts[row.name_ja] = {}
        for c, country in enumerate(parsed.countries):
            vals = sorted(feasible[group_of[r]][c])
            out_feasible[row.name_ja][country] = vals
            counts[row.name_ja][country] = vals[0] if len(vals) == 1 else [vals[0], vals[-1]]
    return {
        "feasible": out_feasible,
        "counts": counts,
        "example": example,
        "stats": {
            "queries": queries,
            "nodes": search.nodes,
            "seconds": round(time.perf_counter() - t0, 3),
        },
    }


def is_feasible(parsed: ParsedTable, constraints: Iterable[Mapping]) -> bool:
    """True iff some table is consistent with the parsed text and the given constraints.

    Builds the search from scratch (the constraints restrict the candidate placements
    before any propagation); see FeasibilityChecker for many queries on one base.
    """
    try:
        search = _Search(parsed, _bounds(parsed, constraints))
    except Annex3Error:
        return False
    return search.solve() is not None


class FeasibilityChecker:
    """Answers many "is there a consistent table with these extra cell bounds?" queries.

    The base constraints are compiled once; each query restricts the rows it bounds to the
    candidate placements that satisfy the extra bounds and searches again.
    """

    def __init__(self, parsed: ParsedTable, constraints: Iterable[Mapping] = EVIDENCE_CONSTRAINTS):
        self.parsed = parsed
        self.search = _Search(parsed, _bounds(parsed, constraints))

    def feasible(self, extra: Iterable[Mapping]) -> bool:
        bounds = _bounds(self.parsed, extra)
        per_row: dict[int, dict[int, tuple[int, int]]] = {}
        for (r, c), b in bounds.items():
            per_row.setdefault(r, {})[c] = b
        restrict = {}
        for r, cells in per_row.items():
            restrict[r] = [
                pl
                for pl in self.search.base[r]
                if all(lo <= dict(pl).get(c, 0) <= hi for c, (lo, hi) in cells.items())
            ]
        return self.search.solve(restrict) is not None


# --------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------


def build_document(parsed: ParsedTable, result: Mapping) -> dict:
    technologies = []
    for row in parsed.rows:
        tech_id, name_en = TECHNOLOGIES[row.name_ja]
        technologies.append(
            {
                "id": tech_id,
                "name_ja": row.name_ja,
                "name_en": name_en,
                "sector": row.sector,
                "sector_ja": row.sector_ja,
                "methodologies": list(row.methodologies),
                "printed_values": list(row.values),
                "row_total": row.total,
                "counts": dict(result["counts"][row.name_ja]),
            }
        )
    return {
        "source": SOURCE,
        "clause": CLAUSE,
        "as_of": AS_OF,
        "countries": list(parsed.countries),
        "column_totals": dict(zip(parsed.countries, parsed.column_totals, strict=True)),
        "grand_total": parsed.grand_total,
        "evidence_constraints": [dict(c) for c in EVIDENCE_CONSTRAINTS],
        "technologies": technologies,
    }


def _flow(items: Sequence) -> str:
    return "[" + ", ".join(_scalar(x) for x in items) + "]"


def _scalar(x) -> str:
    if isinstance(x, bool) or x is None:
        raise TypeError(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, list):
        return _flow(x)
    return _plain(str(x))


def _quote(s: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def _plain(s: str) -> str:
    """s as a plain YAML scalar when that loads back as the same string, else quoted."""
    try:
        if yaml.safe_load(f"k: {s}") == {"k": s} and yaml.safe_load(f"[{s}]") == [s]:
            return s
    except yaml.YAMLError:
        pass
    return _quote(s)


def render_yaml(doc: Mapping) -> str:
    """Render the document in a fixed, reviewable layout (flow style for short lists)."""
    out = ["# Generated by scripts/reconstruct_annex3.py from the seed text; do not edit by hand."]
    out.append(f"source: {_quote(doc['source'])}")
    out.append(f"clause: {_quote(doc['clause'])}")
    out.append(f"as_of: {doc['as_of']}")
    out.append(f"countries: {_flow(doc['countries'])}")
    totals = ", ".join(f"{k}: {v}" for k, v in doc["column_totals"].items())
    out.append(f"column_totals: {{{totals}}}")
    out.append(f"grand_total: {doc['grand_total']}")
    out.append("evidence_constraints:")
    for con in doc["evidence_constraints"]:
        parts = [
            f"technology: {_plain(con['technology'])}",
            f"countries: {_flow(con['countries'])}",
        ]
        for key in ("min", "max"):
            if key in con:
                parts.append(f"{key}: {con[key]}")
        parts.append(f"clause: {_quote(con['clause'])}")
        out.append("  - {" + ", ".join(parts) + "}")
    out.append("technologies:")
    for t in doc["technologies"]:
        out.append(f"  - id: {_plain(t['id'])}")
        for key in ("name_ja", "name_en", "sector", "sector_ja"):
            out.append(f"    {key}: {_plain(t[key])}")
        out.append(f"    methodologies: {_flow(t['methodologies'])}")
        out.append(f"    printed_values: {_flow(t['printed_values'])}")
        out.append(f"    row_total: {t['row_total']}")
        out.append("    counts:")
        for country, value in t["counts"].items():
            out.append(f"      {country}: {_scalar(value)}")
    text = "\n".join(out) + "\n"
    # the layout is hand-made: make sure it loads back to exactly the document
    loaded = yaml.safe_load(text)
    expected = dict(doc)
    if str(loaded.get("as_of")) != str(expected["as_of"]):
        raise AssertionError("as_of does not round-trip")
    loaded["as_of"] = expected["as_of"]
    if loaded != expected:
        raise AssertionError("rendered YAML does not load back to the document")
    return text


def generate(seed_text: str) -> tuple[str, ParsedTable, dict]:
    parsed = parse_table(seed_text)
    result = solve(parsed, EVIDENCE_CONSTRAINTS)
    return render_yaml(build_document(parsed, result)), parsed, result


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=Path, default=DEFAULT_SEED, help="seed text path")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output YAML path")
    args = ap.parse_args(argv)
    try:
        text = args.seed.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot read seed text: {exc}", file=sys.stderr)
        return 2
    try:
        rendered, parsed, result = generate(text)
    except Annex3Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(rendered, encoding="utf-8")
    cells = [v for row in result["counts"].values() for v in row.values()]
    ranges = sum(isinstance(v, list) for v in cells)
    for note in parsed.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"wrote {args.out}: {len(cells) - ranges} exact cells, {ranges} ranges "
        f"({result['stats']['queries']} queries, {result['stats']['seconds']} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
