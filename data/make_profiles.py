"""Write the shipped hourly profiles (one non-leap year, 2023, hourly, UTC):

- ``data/profiles_hourly.csv.gz``: per resource zone, ``solar_cf``, ``wind_cf``, ``temperature_c``;
- ``data/grid_hourly.csv.gz``: per grid region, ``price_usd_per_mwh`` and ``co2_kg_per_mwh``.

Run ``python data/make_profiles.py``; the output is the same on every run (fixed seeds).

What is modelled and what is synthetic (see data/SOURCES.md):

- **Solar** (pvlib): solar position at the zone's coordinates; Ineichen clear-sky irradiance with
  pvlib's Linke-turbidity climatology; a seeded cloudiness process (a daily clearness index,
  AR(1) around a seasonal mean, plus hourly noise) scales global horizontal irradiance; Erbs
  splits it into direct and diffuse; a single-axis tracker (backtracking, GCR 0.35) and the Perez
  transposition give plane-of-array irradiance; PVWatts DC with SAPM cell temperature and an
  inverter loading ratio of 1.3 gives AC output per MW of inverter. The result is finally scaled to
  the zone's annual capacity factor from public figures.
- **Wind**: a seeded hub-height wind-speed process (AR(1) weather systems lasting about two days,
  a night-peaking diurnal cycle, a windy spring and calm late summer) through a generic 3–12–25 m/s
  power curve; the mean speed is tuned so the annual capacity factor matches the zone's figure.
- **Temperature**: seasonal and diurnal cycles by climate plus seeded AR(1) weather noise.
- **Grid price and carbon intensity**: shapes (evening peak, summer peak driven by temperature,
  midday solar dip for carbon) scaled to each region's annual figures in ``data/regions.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

HERE = Path(__file__).resolve().parent
YEAR = 2023
HOURS = pd.date_range(f"{YEAR}-01-01", periods=8760, freq="h", tz="UTC")

# zone: latitude, longitude, annual solar CF, annual wind CF, mean °C, seasonal ± °C, diurnal ± °C, seed
ZONES = {
    "ERCOT-W": (32.45, -99.73, 0.25, 0.42, 18.5, 10.0, 7.0, 1),
    "TVA": (35.15, -90.05, 0.22, 0.25, 17.0, 11.0, 5.5, 2),
    "MISO-S": (32.45, -91.70, 0.23, 0.28, 19.0, 9.5, 5.5, 3),
    "PJM": (40.50, -83.50, 0.20, 0.30, 11.5, 12.5, 5.0, 4),
    "SPP": (35.20, -101.80, 0.25, 0.45, 14.5, 11.0, 7.5, 5),
    "SOUTHWEST": (33.42, -111.83, 0.29, 0.28, 24.0, 10.0, 8.0, 6),
    "UPPER-MIDWEST": (44.00, -90.00, 0.18, 0.40, 7.5, 15.0, 5.0, 7),
    "MOUNTAIN-WEST": (41.14, -104.82, 0.25, 0.40, 8.5, 11.0, 8.0, 8),
    "SOUTHEAST": (32.50, -84.00, 0.23, 0.22, 18.0, 9.0, 6.0, 9),
    "PJM-DOM": (38.50, -77.80, 0.21, 0.28, 13.5, 11.5, 6.0, 10),
}
# which zone's weather drives each region's price and carbon shapes
REGION_ZONE = {"ERCOT": "ERCOT-W", "TVA": "TVA", "MISO-S": "MISO-S", "PJM": "PJM", "SPP": "SPP",
               "SOUTHWEST": "SOUTHWEST", "UPPER-MIDWEST": "UPPER-MIDWEST", "MOUNTAIN-WEST": "MOUNTAIN-WEST",
               "SOUTHEAST": "SOUTHEAST", "PJM-DOM": "PJM-DOM"}


def ar1(rng: np.random.Generator, n: int, persistence: float, sigma: float) -> np.ndarray:
    """A stationary AR(1) series with the given lag-one persistence and standard deviation."""
    out = np.empty(n)
    out[0] = rng.normal(0, sigma)
    step = sigma * np.sqrt(1 - persistence ** 2)
    for i in range(1, n):
        out[i] = persistence * out[i - 1] + rng.normal(0, step)
    return out


def solar_cf(lat: float, lon: float, target_cf: float, rng: np.random.Generator, temp_c: np.ndarray) -> np.ndarray:
    site = pvlib.location.Location(lat, lon, tz="UTC")
    mid = HOURS + pd.Timedelta(minutes=30)          # the sun at the middle of each hour
    sun = site.get_solarposition(mid)
    clear = site.get_clearsky(mid, model="ineichen", solar_position=sun)
    day = np.arange(8760) // 24
    seasonal_kt = 0.72 + 0.08 * np.cos(2 * np.pi * (day - 172) / 365)   # clearer summers
    daily_kt = np.clip(seasonal_kt[::24] + ar1(rng, 365, 0.6, 0.15), 0.15, 1.0)
    kt = np.clip(np.repeat(daily_kt, 24) + rng.normal(0, 0.05, 8760), 0.05, 1.0)
    ghi = clear["ghi"].to_numpy() * kt
    ghi = pd.Series(ghi, index=mid)
    split = pvlib.irradiance.erbs(ghi, sun["zenith"], mid)
    tracker = pvlib.tracking.singleaxis(sun["apparent_zenith"], sun["azimuth"], axis_azimuth=180,
                                        max_angle=60, backtrack=True, gcr=0.35)
    poa = pvlib.irradiance.get_total_irradiance(
        tracker["surface_tilt"].fillna(0), tracker["surface_azimuth"].fillna(180), sun["apparent_zenith"],
        sun["azimuth"], split["dni"], ghi, split["dhi"], dni_extra=pvlib.irradiance.get_extra_radiation(mid),
        model="perez", airmass=site.get_airmass(solar_position=sun)["airmass_relative"])
    poa_global = poa["poa_global"].fillna(0).clip(lower=0).to_numpy()
    cell = pvlib.temperature.sapm_cell(poa_global, temp_c, 2.0, -3.56, -0.075, 3)
    dc = pvlib.pvsystem.pvwatts_dc(poa_global, cell, pdc0=1.3, gamma_pdc=-0.0035)   # 1.3 MW DC per MW AC
    ac = np.clip(np.nan_to_num(dc) * 0.96, 0, 1.0)
    return scale_to_mean(ac, target_cf)


def scale_to_mean(values: np.ndarray, target: float) -> np.ndarray:
    """Scale (keeping values ≤ 1) so that the mean equals ``target``."""
    factor = 1.0
    for _ in range(60):
        factor *= target / np.clip(values * factor, 0, 1).mean()
    return np.round(np.clip(values * factor, 0, 1), 4)


def wind_cf(target_cf: float, rng: np.random.Generator) -> np.ndarray:
    hour = np.arange(8760)
    day = hour // 24
    seasonal = 1 + 0.15 * np.cos(2 * np.pi * (day - 100) / 365)           # windy spring, calm late summer
    diurnal = 1 + 0.12 * np.cos(2 * np.pi * ((HOURS.hour.to_numpy() - 6) % 24) / 24)  # peak near local midnight
    weather = np.exp(ar1(rng, 8760, 0.985, 0.35))                          # systems lasting ~2-3 days
    shape = seasonal * diurnal * weather

    def cf_for(mean_speed: float) -> np.ndarray:
        speed = mean_speed * shape / shape.mean()
        return power_curve(speed)

    low, high = 2.0, 15.0
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (mid, high) if cf_for(mid).mean() < target_cf else (low, mid)
    return np.round(cf_for((low + high) / 2), 4)


def power_curve(speed: np.ndarray) -> np.ndarray:
    """Generic turbine: cut-in 3 m/s, rated at 12 m/s (cubic in between), cut-out at 25 m/s."""
    cf = np.clip((speed ** 3 - 27) / (12 ** 3 - 27), 0, 1)
    return np.where(speed >= 25, 0.0, cf)


def temperature(mean: float, seasonal: float, diurnal: float, lon: float, rng: np.random.Generator) -> np.ndarray:
    day = np.arange(8760) / 24
    local_hour = (HOURS.hour.to_numpy() + lon / 15) % 24
    t = mean - seasonal * np.cos(2 * np.pi * (day - 20) / 365) - diurnal * np.cos(2 * np.pi * (local_hour - 3) / 24)
    return np.round(t + ar1(rng, 8760, 0.97, 2.5), 2)


def grid_shapes(region: dict, zone: str, frame: pd.DataFrame, lon: float) -> pd.DataFrame:
    local_hour = (HOURS.hour.to_numpy() + lon / 15) % 24
    temp = frame["temperature_c"].to_numpy()
    solar = frame["solar_cf"].to_numpy()
    evening = np.exp(-((local_hour - 19) ** 2) / 8)
    cooling = np.clip(temp - 24, 0, None)
    heating = np.clip(5 - temp, 0, None)
    price = 1 + 0.35 * evening + 0.04 * cooling + 0.03 * heating - 0.15 * solar
    carbon = 1 + 0.10 * evening - 0.25 * solar + 0.01 * cooling
    return pd.DataFrame({
        "timestamp": HOURS.strftime("%Y-%m-%dT%H:%M:%SZ"), "region_id": region["region_id"],
        "price_usd_per_mwh": np.round(price / price.mean() * region["grid_price_usd_per_mwh"], 2),
        "co2_kg_per_mwh": np.round(carbon / carbon.mean() * region["grid_co2_kg_per_mwh"], 1)})


def main(out: Path = HERE) -> None:
    frames = {}
    for zone, (lat, lon, scf, wcf, tmean, tseason, tday, seed) in ZONES.items():
        rng = np.random.default_rng(seed)
        temp = temperature(tmean, tseason, tday, lon, rng)
        frames[zone] = pd.DataFrame({
            "timestamp": HOURS.strftime("%Y-%m-%dT%H:%M:%SZ"), "zone": zone,
            "solar_cf": solar_cf(lat, lon, scf, rng, temp), "wind_cf": wind_cf(wcf, rng), "temperature_c": temp})
    profiles = pd.concat(frames.values(), ignore_index=True)
    profiles.to_csv(out / "profiles_hourly.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    regions = pd.read_csv(HERE / "regions.csv")
    grid = pd.concat([grid_shapes(r, REGION_ZONE[r["region_id"]], frames[REGION_ZONE[r["region_id"]]],
                                  ZONES[REGION_ZONE[r["region_id"]]][1]) for r in regions.to_dict("records")],
                     ignore_index=True)
    grid.to_csv(out / "grid_hourly.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    summary = profiles.groupby("zone")[["solar_cf", "wind_cf", "temperature_c"]].agg(["mean", "max"]).round(3)
    print(summary.to_string())
    print(grid.groupby("region_id")[["price_usd_per_mwh", "co2_kg_per_mwh"]].agg(["mean", "min", "max"]).round(1))


if __name__ == "__main__":
    main()
