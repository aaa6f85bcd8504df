"""Write data/profiles.csv: four representative days of solar and wind capacity factors per zone.

Reproducible and deterministic (no random numbers): run ``python data/make_profiles.py``.

Solar: the sun's position from the zone's latitude and the day of the year (Cooper's declination,
hour angle in local solar time), clear-sky direct irradiance from Meinel's air-mass formula, a
single-axis tracker's incidence angle, plus a diffuse share; each season carries a cloudiness
factor; the shape is then scaled to the zone's annual capacity factor (EIA, see SOURCES.md).
Wind: a night-peaking diurnal cycle and a seasonal cycle (windy spring, calm summer), scaled to the
zone's annual capacity factor (an estimate; see SOURCES.md). Both are synthetic shapes calibrated
to public annual figures, not measurements.
"""

from __future__ import annotations

import math
from pathlib import Path

# zone: (latitude, annual solar CF, annual wind CF)
ZONES = {
    "ERCOT-W": (32.45, 0.25, 0.42),
    "TVA": (35.15, 0.22, 0.25),
    "MISO-S": (32.45, 0.23, 0.28),
    "PJM": (40.5, 0.20, 0.30),
    "SPP": (35.2, 0.25, 0.45),
    "SOUTHWEST": (33.4, 0.29, 0.28),
    "UPPER-MIDWEST": (44.0, 0.18, 0.40),
    "MOUNTAIN-WEST": (41.1, 0.25, 0.40),
}
# day id: (day of year, days it stands for, clear-sky fraction, wind seasonal factor)
DAYS = {
    "winter": (15, 90, 0.70, 1.10),
    "spring": (105, 91, 0.80, 1.20),
    "summer": (196, 92, 0.90, 0.75),
    "autumn": (288, 92, 0.82, 0.95),
}


def solar_shape(lat_deg: float, day_of_year: int, hour: int) -> float:
    """Relative single-axis tracker output at the middle of ``hour`` (local solar time)."""
    decl = math.radians(23.45) * math.sin(2 * math.pi * (284 + day_of_year) / 365)
    lat = math.radians(lat_deg)
    omega = math.radians(15 * (hour + 0.5 - 12))
    sin_elev = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(omega)
    if sin_elev <= 0.02:
        return 0.0
    air_mass = 1 / sin_elev
    dni = 1.353 * 0.7 ** (air_mass ** 0.678)
    cos_zen = sin_elev
    # horizontal north-south axis tracker: cos(incidence) = sqrt(cos²z + (cos δ sin ω)²)
    cos_inc = min(1.0, math.sqrt(cos_zen ** 2 + (math.cos(decl) * math.sin(omega)) ** 2))
    diffuse = 0.1 * dni * cos_zen
    return dni * cos_inc + diffuse


def wind_shape(hour: int, seasonal: float) -> float:
    return seasonal * (1 + 0.25 * math.cos(2 * math.pi * (hour - 2) / 24))


def scaled(values: dict, weights: dict, target: float) -> dict:
    """Scale values (capped at 1) so that their weighted mean equals ``target``."""
    factor = 1.0
    for _ in range(50):
        capped = {k: min(1.0, v * factor) for k, v in values.items()}
        mean = sum(capped[k] * weights[k] for k in values) / sum(weights[k] for k in values)
        factor *= target / mean
    return {k: round(min(1.0, v * factor), 4) for k, v in values.items()}


def main() -> None:
    rows = ["zone,day,hour,weight_days,solar_cf,wind_cf"]
    for zone, (lat, solar_cf, wind_cf) in ZONES.items():
        keys = [(d, h) for d in DAYS for h in range(24)]
        weights = {(d, h): DAYS[d][1] for d, h in keys}
        solar = scaled({(d, h): DAYS[d][2] * solar_shape(lat, DAYS[d][0], h) for d, h in keys}, weights, solar_cf)
        wind = scaled({(d, h): wind_shape(h, DAYS[d][3]) for d, h in keys}, weights, wind_cf)
        rows += [f"{zone},{d},{h},{DAYS[d][1]},{solar[d, h]},{wind[d, h]}" for d, h in keys]
    out = Path(__file__).with_name("profiles.csv")
    out.write_text("\n".join(rows) + "\n")
    print(f"wrote {out} ({len(rows) - 1} rows)")


if __name__ == "__main__":
    main()
