"""The evaluation pipeline: compare the candidates and the champion on fresh data, promote only a clear winner.

Every candidate run (tag ``candidate=true``) and the current ``@champion`` are scored on the same
evaluation set and compared with a paired bootstrap. The best candidate is the one that beats every
other candidate on at least ``win_ratio`` of the resamples; it is promoted if it also beats the
champion that often or, when there is no champion yet, if it passes the baseline. The evaluation is
logged as an MLflow run, and the evaluated candidates are marked ``candidate=false``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from mlflow import MlflowClient
from mlflow.entities import Metric as MlflowMetric
from mlflow.entities import Param, Run, RunTag

from .bootstrap import Comparison, Metric, compare, get_metric
from .champion import aliased_version, promote, register_version
from .scoring import predict

CANDIDATE_TAG = "candidate"
BASELINE = "baseline"
PROMOTED, NOT_PROMOTED, ABORTED, NO_CANDIDATES = "promoted", "not_promoted", "aborted", "no_candidates"
MAX_METRICS_PER_BATCH = 1000

Sources = Mapping[str, tuple[str | None, str | None]]
"""Per model label: the candidate run id and the registry version it came from (either may be None)."""


@dataclass(frozen=True)
class EvaluationConfig:
    """What to evaluate and how strictly; the notebook fills it from the ``conf/`` constants."""

    experiment_name: str
    model_name: str
    evaluation_experiment_name: str
    task_type: str = "regression"
    metric: str = "mae"
    resamples: int = 1000
    win_ratio: float = 0.9
    seed: int = 42
    chunk_size: int = 100
    max_ratio_to_baseline: float | None = None
    """A first champion's metric relative to the baseline's (<= 1 is better, whatever the direction)."""

    def __post_init__(self) -> None:
        if not 0.5 < self.win_ratio <= 1.0:
            raise ValueError(f"win_ratio must be above 0.5 and at most 1, got {self.win_ratio}")
        if self.resamples < 1 or self.chunk_size < 1:
            raise ValueError(f"resamples and chunk_size must be positive, got {self.resamples}, {self.chunk_size}")


@dataclass(frozen=True)
class ModelSummary:
    """One evaluated model: where it came from and its metric on the evaluation set."""

    label: str
    run_id: str | None
    version: str | None
    point: float
    mean: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class EvaluationResult:
    """What the evaluation decided and why; ``to_dict`` is what the notebook exits with."""

    decision: str
    reason: str
    metric: str
    champion_before: str | None
    champion_after: str | None
    promoted_run_id: str | None = None
    evaluation_run_id: str | None = None
    models: tuple[ModelSummary, ...] = ()
    win_ratios: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable summary."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per evaluated model, for ``display``."""
        return pd.DataFrame([asdict(model) for model in self.models], columns=list(ModelSummary.__dataclass_fields__))


def find_candidates(client: MlflowClient, experiment_name: str) -> list[Run]:
    """Active runs of ``experiment_name`` tagged ``candidate=true``, oldest first."""
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return []
    runs, token = [], None
    while True:
        page = client.search_runs(
            [experiment.experiment_id],
            filter_string=f"tags.{CANDIDATE_TAG} = 'true'",
            order_by=["attributes.start_time ASC"],
            page_token=token,
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def _score(uri: str, frame: pd.DataFrame, task_type: str) -> np.ndarray:
    return predict(mlflow.sklearn.load_model(uri), frame, task_type)


def relative_to_baseline(metric: Metric, value: float, baseline: float) -> float:
    """``value`` relative to the baseline's, oriented so that below 1 means better than the baseline."""
    return value / baseline if not metric.higher_is_better else baseline / value


def decide(
    comparison: Comparison, candidates: list[str], champion: str | None, config: EvaluationConfig
) -> tuple[str | None, str]:
    """The candidate label to promote (or None) and the reason, by the rules in the module docstring."""
    ratio = config.win_ratio
    if not candidates:
        return None, "no candidate could be scored"
    best = [c for c in candidates if all(comparison.win_ratio(c, o) >= ratio for o in candidates if o != c)]
    if not best:
        return None, f"no candidate beats every other candidate on >= {ratio:.0%} of resamples"
    winner = best[0]
    if champion is not None:
        wins = comparison.win_ratio(winner, champion)
        verdict = "beats" if wins >= ratio else "does not clearly beat"
        reason = f"{winner} {verdict} {champion}: better on {wins:.1%} of resamples (needs {ratio:.0%})"
        return (winner if wins >= ratio else None), reason
    if config.max_ratio_to_baseline is None:
        return winner, f"{winner} becomes the first champion (no baseline configured)"
    points = dict(zip(comparison.labels, comparison.point, strict=True))
    relative = relative_to_baseline(comparison.metric, points[winner], points[BASELINE])
    passes = relative <= config.max_ratio_to_baseline
    reason = (
        f"no champion yet; {winner} {comparison.metric.name} is {relative:.3f} x the baseline's "
        f"(needs <= {config.max_ratio_to_baseline})"
    )
    return (winner if passes else None), reason


def plot_improvements(comparison: Comparison, candidates: list[str], reference: str | None) -> Figure:
    """Histogram of each candidate's bootstrap improvement over ``reference`` (or of its metric if None)."""
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.subplots()
    name = comparison.metric.name
    for label in candidates:
        if reference is None:
            axes.hist(comparison.values[comparison.labels.index(label)], bins=50, alpha=0.5, label=label)
        else:
            wins = comparison.win_ratio(label, reference)
            legend = f"{label}: better on {wins:.1%}"
            axes.hist(comparison.improvement(label, reference), bins=50, alpha=0.5, label=legend)
    if reference is None:
        axes.set(title=f"Bootstrap distribution of {name}", xlabel=name, ylabel="resamples")
    else:
        axes.axvline(0.0, color="black", linewidth=1)
        axes.set(
            title=f"Paired bootstrap: improvement in {name} over {reference}",
            xlabel=f"improvement in {name} (positive: candidate better)",
            ylabel="resamples",
        )
    axes.legend()
    return figure


def _summaries(comparison: Comparison, sources: Sources) -> tuple[ModelSummary, ...]:
    return tuple(
        ModelSummary(label, *sources[label], float(point), comparison.mean(label), *comparison.interval(label))
        for label, point in zip(comparison.labels, comparison.point, strict=True)
    )


def _win_ratios(comparison: Comparison, candidates: list[str]) -> dict[str, float]:
    return {
        f"{model}_vs_{other}": comparison.win_ratio(model, other)
        for model in candidates
        for other in comparison.labels
        if other != model
    }


def _evaluation_experiment(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    return experiment.experiment_id if experiment else client.create_experiment(name)


def _log_comparison(client: MlflowClient, run_id: str, result: EvaluationResult, config: EvaluationConfig) -> None:
    """Settings as params; every model's point, mean and interval and every win ratio as metrics."""
    now = int(time.time() * 1000)
    metrics = [
        MlflowMetric(f"{model.label}_{result.metric}_{stat}", getattr(model, stat), now, 0)
        for model in result.models
        for stat in ("point", "mean", "ci_low", "ci_high")
    ]
    metrics += [MlflowMetric(f"win_ratio_{pair}", ratio, now, 0) for pair, ratio in result.win_ratios.items()]
    client.log_batch(run_id, params=[Param(key, str(value)) for key, value in asdict(config).items()])
    for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH])


@dataclass
class _Scored:
    """Predictions per model label, where each label came from, and what could not be scored."""

    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    sources: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    candidates: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    champion: str | None = None
    champion_error: str | None = None


def _score_models(
    runs: list[Run], champion: str | None, frame: pd.DataFrame, config: EvaluationConfig, baseline: np.ndarray | None
) -> _Scored:
    """Score every candidate, the champion and the baseline on ``frame``; failures are recorded, not raised."""
    scored = _Scored()
    for run in runs:
        run_id, label = run.info.run_id, f"candidate_{run.info.run_id[:8]}"
        try:
            scored.predictions[label] = _score(f"runs:/{run_id}/model", frame, config.task_type)
        except Exception as error:  # noqa: BLE001 - any failure to load or score disqualifies the candidate
            scored.skipped[run_id] = f"{type(error).__name__}: {error}"
            continue
        scored.sources[label] = (run_id, None)
        scored.candidates.append(label)
    if champion is not None:
        label = f"champion_v{champion}"
        try:
            scored.predictions[label] = _score(f"models:/{config.model_name}/{champion}", frame, config.task_type)
        except Exception as error:  # noqa: BLE001 - reported, and nothing is promoted over it
            scored.champion_error = f"champion v{champion} cannot be scored ({type(error).__name__}: {error})"
        else:
            scored.sources[label] = (None, champion)
            scored.champion = label
    if baseline is not None:
        scored.predictions[BASELINE] = np.asarray(baseline, dtype=np.float64)
        scored.sources[BASELINE] = (None, None)
    return scored


def evaluate(
    frame: pd.DataFrame, target: str, config: EvaluationConfig, baseline: np.ndarray | None = None
) -> EvaluationResult:
    """Run the whole evaluation on ``frame`` (features and ``target``) and return what happened.

    ``baseline`` holds the baseline's predictions per row (for demand, the seasonal naive forecast);
    it is required when ``config.max_ratio_to_baseline`` is set.
    """
    metric = get_metric(config.metric, config.task_type)
    if config.max_ratio_to_baseline is not None and baseline is None:
        raise ValueError("max_ratio_to_baseline is set, so evaluate() needs the baseline predictions")
    client = MlflowClient()
    champion_before = aliased_version(client, config.model_name)
    runs = find_candidates(client, config.experiment_name)
    if not runs:
        reason = f"no runs tagged {CANDIDATE_TAG}=true in experiment {config.experiment_name!r}: nothing to evaluate"
        return EvaluationResult(NO_CANDIDATES, reason, metric.name, champion_before, champion_before)

    scored = _score_models(runs, champion_before, frame, config, baseline)
    actual = frame[target].to_numpy(dtype=np.float64)
    comparison = compare(actual, scored.predictions, metric, config.resamples, config.seed, config.chunk_size)
    winner, reason = decide(comparison, scored.candidates, scored.champion, config)
    if scored.champion_error:
        winner, reason = None, f"{scored.champion_error}; fix it or roll back, candidates stay tagged for the next run"
    result = EvaluationResult(
        PROMOTED if winner else NOT_PROMOTED,
        reason,
        metric.name,
        champion_before,
        champion_before,
        models=_summaries(comparison, scored.sources),
        win_ratios=_win_ratios(comparison, scored.candidates),
        skipped=scored.skipped,
    )
    reference = scored.champion or (BASELINE if baseline is not None else None)
    figure = plot_improvements(comparison, scored.candidates, reference)

    experiment_id = _evaluation_experiment(client, config.evaluation_experiment_name)
    run_id = client.create_run(experiment_id, run_name=f"evaluate-{metric.name}").info.run_id
    try:
        _log_comparison(client, run_id, result, config)
        client.log_figure(run_id, figure, "bootstrap_improvement.png")
        if winner:
            result = _promote(client, config, result, scored.sources[winner][0], run_id)
        result = replace(result, evaluation_run_id=run_id)
        client.log_dict(run_id, result.to_dict(), "evaluation.json")
        client.log_batch(run_id, tags=[RunTag("decision", result.decision), RunTag("reason", result.reason)])
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")
    if result.decision != ABORTED and not scored.champion_error:
        for run in runs:
            tags = [RunTag(CANDIDATE_TAG, "false"), RunTag("evaluation_run_id", run_id)]
            client.log_batch(run.info.run_id, tags=tags)
    return result


def _promote(
    client: MlflowClient, config: EvaluationConfig, result: EvaluationResult, run_id: str, evaluation_run_id: str
) -> EvaluationResult:
    """Register the winner and move ``@champion`` to it, unless the alias moved since the evaluation began."""
    moved = aliased_version(client, config.model_name)
    if moved != result.champion_before:
        return _abort(result, moved)
    summary = next(model for model in result.models if model.run_id == run_id)
    interval = f"95% interval {summary.ci_low:.4g} to {summary.ci_high:.4g}"
    tags = {
        "evaluation_run_id": evaluation_run_id,
        "metric_summary": f"{result.metric} mean {summary.mean:.4g} ({interval})",
        "decision_reason": result.reason,
    }
    version = str(register_version(run_id, config.model_name, tags).version)
    if not promote(client, config.model_name, version, result.champion_before):
        client.set_model_version_tag(config.model_name, version, "promotion", "aborted: @champion moved")
        return _abort(result, aliased_version(client, config.model_name))
    return replace(result, champion_after=version, promoted_run_id=run_id)


def _abort(result: EvaluationResult, moved_to: str | None) -> EvaluationResult:
    reason = (
        f"@champion moved from {result.champion_before} to {moved_to} while this evaluation ran "
        "(another evaluation promoted first); nothing promoted, candidates stay tagged for the next evaluation"
    )
    return replace(result, decision=ABORTED, reason=reason, champion_after=moved_to)
