"""progsurv: Monte Carlo survival of customer programmes (Python API).

    import progsurv
    scenario = progsurv.Scenario.load("scenarios/baseline.yaml")
    result = progsurv.run(scenario, replications=20_000, seed=1)
    print(result.summary())
    result.curves()                  # pandas DataFrame
    result.plot_incidence()          # matplotlib Axes
    result.to_hdf5("baseline.h5")    # the file `progsurv run` writes
    progsurv.load("baseline.h5")     # any file progsurv writes, by its filetype
    progsurv.portfolio("scenarios/portfolios/ten-years.yaml", n=5000)  # an organisation over years
    progsurv.remedies("scenarios/baseline.yaml", "scenarios/remedies/practitioner-remedies.yaml",
                      target="completed>=0.15")      # what would it take
    progsurv.seek("scenarios/baseline.yaml", "patience.threshold.median", "completed>=0.14",
                  range=(6, 60))                      # how far one lever must move

The engine is the C++ library behind the `progsurv` command (module progsurv._core);
see docs/python.md.
"""
from . import _core
from ._core import FileFormatError, Portfolio, Scenario, ScenarioError
from ._result import (
    CATEGORIES,
    CAUSES,
    OUTCOMES,
    QUANTITIES,
    TIME_BUCKETS,
    Result,
    exact,
    load,
    run,
)
from . import plotting
from .compare import compare, comparison_results, load_comparison
from ._portfolio import PortfolioResult, load_portfolio
from ._portfolio import portfolio  # progsurv.portfolio is the function
from ._portfolio_attribution import (PortfolioAttribution, attribute_portfolio,
                                     load_portfolio_attribution)
from ._remedies import RemediesResult, load_remedies
from ._remedies import remedies  # progsurv.remedies is the function
from ._seek import SeekResult, load_seek
from ._seek import seek  # progsurv.seek is the function
from ._core import RemedySet, Target
from ._fit import FitResult, FitSpec, Likelihood, Prior, fit, load_fit, read_record, simulate_record
from .sweep import (  # noqa: E402 (after .sweep, progsurv.sweep is the function)
    Sweep,
    SweepResult,
    attribute,
    load_attribution,
    load_sweep,
    morris_effects,
    morris_sample,
    plot_attribution,
    plot_convergence,
    plot_morris,
    plot_sobol,
    plot_tornado,
    saltelli_sample,
    sobol_indices,
    sweep,
)


def __getattr__(name):
    # progsurv.export and progsurv.report work after `import progsurv` alone, imported on
    # first use: importing them here would make `python3 -m progsurv.export` (what the
    # command runs) warn that the module was imported before it ran.
    if name in ("export", "report"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'progsurv' has no attribute {name!r}")


__version__ = _core.__version__
KNOCKOUTS = tuple(_core.knockout_names)
FORMAT_VERSION = tuple(_core.format_version)  # run files (run, exact)
SWEEP_FORMAT_VERSION = tuple(_core.sweep_format_version)  # sweep files
ATTRIBUTION_FORMAT_VERSION = tuple(_core.attribution_format_version)  # attribution files
SEEK_FORMAT_VERSION = tuple(_core.seek_format_version)  # seek files
REMEDIES_FORMAT_VERSION = tuple(_core.remedies_format_version)  # remedies files
COMPARISON_FORMAT_VERSION = tuple(_core.comparison_format_version)  # comparison files

__all__ = [
    "CATEGORIES",
    "CAUSES",
    "KNOCKOUTS",
    "FORMAT_VERSION",
    "SWEEP_FORMAT_VERSION",
    "ATTRIBUTION_FORMAT_VERSION",
    "SEEK_FORMAT_VERSION",
    "REMEDIES_FORMAT_VERSION",
    "COMPARISON_FORMAT_VERSION",
    "comparison_results",
    "export",
    "load_comparison",
    "FileFormatError",
    "OUTCOMES",
    "QUANTITIES",
    "Result",
    "Scenario",
    "ScenarioError",
    "TIME_BUCKETS",
    "exact",
    "fit",
    "FitResult",
    "FitSpec",
    "Likelihood",
    "load",
    "load_fit",
    "load_remedies",
    "load_seek",
    "RemediesResult",
    "RemedySet",
    "remedies",
    "SeekResult",
    "seek",
    "Target",
    "plotting",
    "Portfolio",
    "PortfolioResult",
    "portfolio",
    "load_portfolio",
    "load_portfolio_attribution",
    "attribute_portfolio",
    "PortfolioAttribution",
    "Prior",
    "read_record",
    "simulate_record",
    "run",
    "Sweep",
    "SweepResult",
    "attribute",
    "compare",
    "load_attribution",
    "load_sweep",
    "morris_effects",
    "morris_sample",
    "plot_attribution",
    "plot_convergence",
    "plot_morris",
    "plot_sobol",
    "plot_tornado",
    "saltelli_sample",
    "sobol_indices",
    "sweep",
]
