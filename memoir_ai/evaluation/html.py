"""The HTML report of an evaluation: one page, a bar chart per metric, the questions below.

Self-contained: inline CSS and SVG, no script, nothing fetched from anywhere,
so the file can be mailed or opened offline. Every text from the dataset or
the model is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from memoir_ai.evaluation.results import (
    DEFINITIONS,
    EvalQuestionResult,
    EvalReport,
    EvalStrategyResult,
)

__all__ = ["METRICS", "render_html"]

Metric = tuple[str, str, Callable[[EvalStrategyResult], float | None], bool]
METRICS: tuple[Metric, ...] = (
    ("evidence_recall", "Evidence recall", lambda s: s.evidence_recall, True),
    ("citation_precision", "Citation precision", lambda s: s.citation_precision, True),
    ("answer_containment", "Answer containment", lambda s: s.answer_containment, True),
    ("not_in_memory_rate", "Not in memory (unanswerable)", lambda s: s.not_in_memory_rate, True),
    ("calls_per_question", "Model calls per question", lambda s: s.calls_per_question, False),
    ("tokens_per_question", "Tokens per question", lambda s: s.tokens_per_question, False),
    (
        "latency_seconds_per_question",
        "Latency per question (s)",
        lambda s: s.latency_seconds_per_question,
        False,
    ),
    ("cost_usd_per_question", "Cost per question (USD)", lambda s: s.cost_usd_per_question, False),
)
"""(key, title, value, is a share of 1) of each chart, in page order."""

_BAR_HEIGHT = 22
_LABEL_WIDTH = 120
_CHART_WIDTH = 460
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .3em; }
table { border-collapse: collapse; font-size: .85em; margin-top: .5em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.good { background: #e3f4e1; } .bad { background: #fbe3e1; } .muted { color: #777; }
dt { font-weight: 600; } dd { margin: 0 0 .4em 1em; }
"""


def render_html(report: EvalReport) -> str:
    """The whole report as one HTML page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>memoir eval: {escape(report.dataset)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>memoir eval: {escape(report.dataset)}</h1>",
        _settings(report),
        _summary_table(report.strategies),
        '<h2>Charts</h2><div class="charts">',
        *(_chart(report.strategies, *metric) for metric in METRICS),
        "</div>",
        _definitions(),
        _warnings(report.warnings),
        _questions(report),
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _settings(report: EvalReport) -> str:
    return (
        f"<p>{report.questions} questions ({report.answerable} answerable, "
        f"{report.multi_source} of them from several sources; {report.unanswerable} "
        f"unanswerable) · model <code>{escape(report.model)}</code> · database "
        f"<code>{escape(report.database_url)}</code> · token budget "
        f"{report.max_token_budget:,} · up to {report.limit} chunks per path · "
        f"{report.max_concurrency} questions at once</p>"
    )


def format_value(value: float | None, share: bool, *, usd: bool = False) -> str:
    """A figure as the report shows it: shares with 3 decimals, USD with 6, others 1–2."""
    if value is None:
        return "unknown" if usd else "–"
    if share:
        return f"{value:.3f}"
    if usd:
        return f"${value:.6f}"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def _summary_table(strategies: Sequence[EvalStrategyResult]) -> str:
    head = "".join(f"<th>{escape(title)}</th>" for _, title, _, _ in METRICS)
    rows = []
    for strategy in strategies:
        cells = "".join(
            f'<td class="num">'
            f"{escape(format_value(value(strategy), share, usd=key.startswith('cost')))}</td>"
            for key, _, value, share in METRICS
        )
        rows.append(
            f"<tr><th>{escape(strategy.name)}</th>{cells}"
            f'<td class="num">{strategy.nothing_found} / {strategy.errors}</td>'
            f'<td class="num">{strategy.wall_seconds:.2f}</td></tr>'
        )
    return (
        "<h2>Summary</h2><table><tr><th>strategy</th>"
        f"{head}<th>found nothing / errors</th><th>wall time (s)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _chart(
    strategies: Sequence[EvalStrategyResult],
    key: str,
    title: str,
    value: Callable[[EvalStrategyResult], float | None],
    share: bool,
) -> str:
    """A horizontal bar chart of one metric, one bar per strategy (inline SVG)."""
    values = [value(strategy) for strategy in strategies]
    known = [v for v in values if v is not None]
    top = 1.0 if share else max(known, default=0.0) or 1.0
    height = _BAR_HEIGHT * len(strategies) + 8
    width = _LABEL_WIDTH + _CHART_WIDTH + 90
    bars = []
    for index, (strategy, figure) in enumerate(zip(strategies, values, strict=True)):
        y = 4 + index * _BAR_HEIGHT
        colour = "#b5651d" if strategy.kind == "baseline" else "#2a6f97"
        bars.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(strategy.name)}</text>"
        )
        shown = escape(format_value(figure, share, usd=key.startswith("cost")))
        length = 0.0 if figure is None else _CHART_WIDTH * max(0.0, figure) / top
        bars.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y + 2}" width="{length:.1f}" '
            f'height="{_BAR_HEIGHT - 6}" fill="{colour}"><title>{shown}</title></rect>'
        )
        bars.append(f'<text x="{_LABEL_WIDTH + length + 6:.1f}" y="{y + 15}">{shown}</text>')
    note = ""
    if not known and key.startswith("cost"):
        note = '<p class="muted">The model has no price in liteLLM\'s bundled map.</p>'
    return (
        f'<figure id="chart-{key}"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" width="{width}" '
        f'height="{height}" font-size="12" aria-label="{escape(title)}">'
        + "".join(bars)
        + f"</svg>{note}</figure>"
    )


def _definitions() -> str:
    items = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>" for name, text in DEFINITIONS.items()
    )
    return f"<h2>How the figures are counted</h2><dl>{items}</dl>"


def _warnings(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(warning)}</li>" for warning in warnings)
    return f"<h2>Warnings</h2><ul>{items}</ul>"


def _questions(report: EvalReport) -> str:
    head = "".join(f"<th>{escape(strategy.name)}</th>" for strategy in report.strategies)
    by_strategy = [strategy.results for strategy in report.strategies]
    rows = []
    for position, first in enumerate(by_strategy[0] if by_strategy else ()):
        cells = "".join(_question_cell(results[position]) for results in by_strategy)
        kind = "answerable" if first.answerable else "unanswerable"
        rows.append(
            f"<tr><td>{escape(first.id)}</td><td>{escape(first.question)}"
            f'<br><span class="muted">{kind}</span></td>{cells}</tr>'
        )
    return (
        "<h2>Questions</h2><p>Per strategy: evidence recall · citation precision · answer "
        "containment; chunks read and cited.</p>"
        f"<table><tr><th>id</th><th>question</th>{head}</tr>" + "".join(rows) + "</table>"
    )


def _question_cell(result: EvalQuestionResult) -> str:
    if result.outcome == "error":
        return f'<td class="bad">error: {escape(result.error or "")}</td>'
    scores = " · ".join(
        format_value(score, True)
        for score in (result.evidence_recall, result.citation_precision, result.answer_containment)
    )
    good = result.answer_containment is not None and result.answer_containment >= 1.0
    verdict = "good" if good else "bad" if result.answer_containment == 0.0 else ""
    read = ", ".join(str(chunk_id) for chunk_id in result.chunks_read) or "none"
    cited = ", ".join(str(chunk_id) for chunk_id in result.cited_chunk_ids) or "none"
    answer = escape((result.answer or "(found nothing)")[:300])
    return (
        f'<td class="{verdict}">{scores}<br><span class="muted">read {escape(read)}; '
        f"cited {escape(cited)}</span><details><summary>answer</summary>{answer}"
        "</details></td>"
    )
