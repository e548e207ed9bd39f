"""The MRV core (issue 9): JCM methodologies as cited, versioned data + code, emission-factor
tables, the reductions of a monitoring period with every intermediate value, and the quality of
monitoring data. Pure Python: never imports Django (tests/architecture checks it); the meter-data
engine (``renkei.mrv.meter``) uses DuckDB, nothing else.

Modules:
- ``types``: the values every other module exchanges (``Quantity``, ``Parameter``,
  ``Methodology``, ``Reading``, ``Step``, ``Adjustment``, ``Finding``, ``Result``) and ``MrvError``.
- ``units``: units and conversions (kWh vs MWh); a value in a unit the parameter cannot take is
  an error naming both.
- ``methodologies``: loads ``methodologies/<ID>_<version>.yaml`` (one file per version).
- ``formulas``: the reference-, project- and reduction-emission formulas of each family.
- ``compute``: one period's reductions per monitoring point and site, then in total.
- ``factors``: emission-factor tables with source, validity and case.
- ``datafile``: reading a monitoring data file (.csv / .xlsx) into readings, cell-level errors.
- ``quality``: findings on monitoring data and the methodology's conservative treatment of each.
- ``meter``: interval meter data (e.g. 15-minute readings) in Parquet, checked and summed with
  DuckDB.
- ``cli``: the ``renkei mrv`` commands.
"""
