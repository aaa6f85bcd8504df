"""The vocabulary of user constraints: small YAML entries that planners edit.

Each entry has a ``kind`` and a few fields; an optional ``name`` labels it in reports and
``note`` says why it is there. Scope fields (``site``, ``region``) are optional: without them the
entry applies everywhere. ``years`` limits it to some years (default: every year).

========================  =====================================================================
kind                      meaning
========================  =====================================================================
``tech_capacity``         cap and/or floor on the MW of one or more techs (by site / region / year)
``site_count``            at most / at least this many sites built
``force_site``            this site must be open (by ``by_year`` if given)
``forbid_site``           this site (or these sites) may not be built
``only_sites``            only these candidate sites are considered
``forbid_tech``           this tech may not be built (at a site, in a region, or anywhere)
``max_share``             these techs supply at most this share of facility energy
``clean_share``           clean energy is at least this share of facility energy (by site / region)
``earliest_year``         a tech, GPU product or site may not come online before ``year``
``gpu_count``             cap and/or floor on GPUs online (by product / site / region / year)
========================  =====================================================================

Numbers are finite (``inf`` and ``nan`` are refused) and bounded far above any real plan, so
that a typo such as ``1e308`` is reported here and never reaches the solver: MW at most
:data:`MAX_MW`, GPUs at most :data:`MAX_GPUS`, site counts at most :data:`MAX_SITES`. The bounded
types are shared with :mod:`optimizer.config.schema`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

# ---- bounded numbers: finite, and below limits that no real plan comes near -------------------

MAX_MW = 1e7              # 10 TW: more than the world's installed generating capacity
MAX_USD = 1e15            # a quadrillion US dollars: about ten times world GDP
MAX_H100E = 1e12          # H100-equivalents: a million times the largest cluster planned today
MAX_GPUS = 10**12         # GPUs, per year or online
MAX_TCO2 = 1e12           # tonnes of CO2 per year: about 25 times world emissions
MAX_SITES = 1_000_000     # sites in a site count

MW = Annotated[float, Field(ge=0, le=MAX_MW, allow_inf_nan=False)]
GPUs = Annotated[float, Field(ge=0, le=MAX_GPUS, allow_inf_nan=False)]
H100e = Annotated[float, Field(ge=0, le=MAX_H100E, allow_inf_nan=False)]
PositiveH100e = Annotated[float, Field(gt=0, le=MAX_H100E, allow_inf_nan=False)]
PositiveUSD = Annotated[float, Field(gt=0, le=MAX_USD, allow_inf_nan=False)]
TonnesCO2 = Annotated[float, Field(ge=0, le=MAX_TCO2, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
SiteCountValue = Annotated[int, Field(ge=0, le=MAX_SITES)]


def accepts_bool(annotation) -> bool:
    """Whether a field's type has a place for true/false (else a bool is a mistake, not a 1 or 0)."""
    return "bool" in str(annotation)


def _unbool(value):
    """``value`` with every bool written as text, so that a number field refuses it where it stands."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return {_unbool(k): _unbool(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unbool(v) for v in value]
    return value


class NoBoolNumbers:
    """Mixin for the config models: pydantic's lax mode would read ``true`` as 1 in a number field
    (``mip_gap: true``). Bools in fields whose type has no bool are handed on as the text 'true' /
    'false', which the field then refuses with its own location and message."""

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, data):
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {key: _unbool(value) if key in fields and not accepts_bool(fields[key].annotation) else value
                for key, value in data.items()}


class _Entry(NoBoolNumbers, BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str | None = Field(None, description="label shown in reports")
    note: str = Field("", description="why the constraint is there")

    def label(self, index: int) -> str:
        return self.name or f"{self.kind}#{index}"


class _Scoped(_Entry):
    site: str | None = None
    region: str | None = None
    years: list[int] | None = None

    @model_validator(mode="after")
    def _one_scope(self):
        if self.site is not None and self.region is not None:
            raise ValueError("give site or region, not both")
        return self


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class TechCapacity(_Scoped):
    """Σ capacity of ``tech`` within the scope ≤ max_mw and/or ≥ min_mw, in each year."""

    kind: Literal["tech_capacity"]
    tech: str | list[str]
    max_mw: MW | None = Field(None, description="at most this many MW (0 to 1e7)")
    min_mw: MW | None = Field(None, description="at least this many MW (0 to 1e7)")

    @model_validator(mode="after")
    def _bound(self):
        if self.max_mw is None and self.min_mw is None:
            raise ValueError("give max_mw, min_mw or both")
        if self.max_mw is not None and self.min_mw is not None and self.min_mw > self.max_mw:
            raise ValueError("min_mw is larger than max_mw")
        return self

    @property
    def techs(self) -> list[str]:
        return _as_list(self.tech)


class SiteCount(_Entry):
    """min ≤ number of sites built ≤ max."""

    kind: Literal["site_count"]
    max: SiteCountValue | None = Field(None, description="at most this many sites (0 to 1,000,000)")
    min: SiteCountValue | None = Field(None, description="at least this many sites (0 to 1,000,000)")

    @model_validator(mode="after")
    def _bound(self):
        if self.max is None and self.min is None:
            raise ValueError("give max, min or both")
        if self.max is not None and self.min is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self


class ForceSite(_Entry):
    """The site is built and open no later than ``by_year`` (default: the last year)."""

    kind: Literal["force_site"]
    site: str
    by_year: int | None = None


class _SiteList(_Entry):
    site: str | list[str]

    @property
    def sites(self) -> list[str]:
        return _as_list(self.site)


class ForbidSite(_SiteList):
    """These sites may not be built."""

    kind: Literal["forbid_site"]


class OnlySites(_SiteList):
    """Only these candidate sites are considered; every other site is left out of the model."""

    kind: Literal["only_sites"]


class ForbidTech(_Entry):
    kind: Literal["forbid_tech"]
    tech: str | list[str]
    site: str | None = None
    region: str | None = None

    @property
    def techs(self) -> list[str]:
        return _as_list(self.tech)


class MaxShare(_Entry):
    """Energy from ``tech`` ≤ max_share × facility energy, within the scope, in each year."""

    kind: Literal["max_share"]
    tech: str | list[str]
    max_share: Share = Field(description="share of facility energy, 0 to 1")
    site: str | None = None
    region: str | None = None
    years: list[int] | None = None

    @property
    def techs(self) -> list[str]:
        return _as_list(self.tech)


class CleanShare(_Scoped):
    """Clean energy (clean techs plus the grid's clean share) ≥ min_share × facility energy,
    within the scope, in each year."""

    kind: Literal["clean_share"]
    min_share: Share = Field(description="share of facility energy, 0 to 1")


class EarliestYear(_Entry):
    kind: Literal["earliest_year"]
    year: int
    tech: str | None = None
    gpu: str | None = None
    site: str | None = None

    @model_validator(mode="after")
    def _one_target(self):
        if sum(x is not None for x in (self.tech, self.gpu, self.site)) != 1:
            raise ValueError("give exactly one of tech, gpu or site")
        return self


class GpuCount(_Scoped):
    """Σ GPUs online of ``gpu`` (all products if omitted) within the scope ≤ max / ≥ min."""

    kind: Literal["gpu_count"]
    gpu: str | list[str] | None = None
    max_gpus: GPUs | None = Field(None, description="at most this many GPUs online (0 to 1e12)")
    min_gpus: GPUs | None = Field(None, description="at least this many GPUs online (0 to 1e12)")

    @model_validator(mode="after")
    def _bound(self):
        if self.max_gpus is None and self.min_gpus is None:
            raise ValueError("give max_gpus, min_gpus or both")
        return self

    @property
    def gpus(self) -> list[str] | None:
        return None if self.gpu is None else _as_list(self.gpu)


UserConstraint = Annotated[
    Union[TechCapacity, SiteCount, ForceSite, ForbidSite, OnlySites, ForbidTech, MaxShare, CleanShare,
          EarliestYear, GpuCount],
    Field(discriminator="kind"),
]

KINDS: dict[str, type[_Entry]] = {
    "tech_capacity": TechCapacity,
    "site_count": SiteCount,
    "force_site": ForceSite,
    "forbid_site": ForbidSite,
    "only_sites": OnlySites,
    "forbid_tech": ForbidTech,
    "max_share": MaxShare,
    "clean_share": CleanShare,
    "earliest_year": EarliestYear,
    "gpu_count": GpuCount,
}


def candidate_sites(entries, site_ids) -> list[str]:
    """The sites a config leaves in the model: all sites, minus ``forbid_site``, within every ``only_sites``."""
    keep = list(site_ids)
    for c in entries:
        if isinstance(c, ForbidSite):
            keep = [s for s in keep if s not in c.sites]
        elif isinstance(c, OnlySites):
            keep = [s for s in keep if s in c.sites]
    return keep
